use super::rules::{LayerRules, Reach, Topic};
use super::{pytorch, Defaults, Follows};
use crate::activation::Activation;
use crate::shape::{expect_map, Cost, Shape};
use crate::LayerError;
use serde::{Deserialize, Serialize};

/// A normalization, or none.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Norm {
    /// No normalization (named so that it never reads like an absent optional value).
    #[default]
    Off,
    /// Per channel over the batch (and positions); running statistics in eval.
    Batch,
    /// Per sample over all its features (channels and positions), per-channel scale and shift.
    Layer,
    /// Per sample and channel over positions.
    Instance,
    /// Per sample over groups of channels.
    Group { groups: usize },
    /// Decorrelated batch norm (Huang et al. 2018): whitens groups of `group` channels with
    /// Σ^(−1/2) of the mini-batch covariance; running estimates in eval.
    Decorrelated { group: usize },
}

impl Norm {
    pub const ALL: [Norm; 6] = [
        Norm::Off,
        Norm::Batch,
        Norm::Layer,
        Norm::Instance,
        Norm::Group { groups: 4 },
        Norm::Decorrelated { group: 16 },
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Norm::Off => "Off",
            Norm::Batch => "Batch",
            Norm::Layer => "Layer",
            Norm::Instance => "Instance",
            Norm::Group { .. } => "Group",
            Norm::Decorrelated { .. } => "Decorrelated",
        }
    }

    pub fn layer_name(&self) -> &'static str {
        match self {
            Norm::Off => "Norm (off)",
            Norm::Batch => "BatchNorm",
            Norm::Layer => "LayerNorm",
            Norm::Instance => "InstanceNorm",
            Norm::Group { .. } => "GroupNorm",
            Norm::Decorrelated { .. } => "DecorrelatedBN",
        }
    }

    pub fn from_name(name: &str) -> Option<Norm> {
        Some(match name.to_ascii_lowercase().as_str() {
            // "off" everywhere (file, command line, window); "none" is the old spelling.
            "off" | "none" => Norm::Off,
            "batch" | "bn" | "batchnorm" => Norm::Batch,
            "layer" | "ln" | "layernorm" => Norm::Layer,
            "instance" | "in" | "instancenorm" => Norm::Instance,
            "group" | "gn" | "groupnorm" => Norm::Group { groups: 4 },
            "decorrelated" | "dbn" => Norm::Decorrelated { group: 16 },
            _ => return None,
        })
    }

    /// Output (unchanged) and parameters: a scale and a shift per channel (or feature).
    pub(crate) fn infer(&self, input: Shape) -> Result<(Shape, Cost), LayerError> {
        let c = input.channels();
        let affine = Cost {
            params: 2 * c,
            macs: 0,
            elementwise: 2 * input.numel(),
        };
        match *self {
            Norm::Off => Ok((input, Cost::default())),
            Norm::Batch | Norm::Layer => Ok((input, affine)),
            Norm::Instance => {
                expect_map(input, "instance norm")?;
                Ok((input, affine))
            }
            Norm::Group { groups } => {
                expect_map(input, "group norm")?;
                if groups == 0 || !c.is_multiple_of(groups) {
                    return Err(LayerError::NormGroups {
                        groups,
                        channels: c,
                    });
                }
                Ok((input, affine))
            }
            Norm::Decorrelated { group } => {
                if group == 0 || !c.is_multiple_of(group) {
                    let fit = (1..=group.min(c))
                        .rev()
                        .find(|g| c.is_multiple_of(*g))
                        .unwrap_or(1);
                    return Err(LayerError::Decorrelated {
                        group,
                        channels: c,
                        fit,
                    });
                }
                // Whitening: a g×g matrix times each value, then the affine.
                let mut cost = affine;
                cost.elementwise += input.numel() * group;
                Ok((input, cost))
            }
        }
    }
}

/// Local response normalization (Krizhevsky et al. 2012, §3.3): each value divided by
/// (k + α Σ a²)^β, the sum over `size` neighbouring channels at the same position.
/// PyTorch's `nn.LocalResponseNorm(size, alpha = α·size, beta, k)` computes the same (it
/// averages where the paper sums).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default)]
pub struct Lrn {
    pub size: usize,
    pub alpha: f64,
    pub beta: f64,
    pub k: f64,
}

impl Default for Lrn {
    /// AlexNet's constants.
    fn default() -> Self {
        Lrn {
            size: 5,
            alpha: 1e-4,
            beta: 0.75,
            k: 2.0,
        }
    }
}

impl Lrn {
    pub(crate) fn infer(&self, input: Shape) -> Result<(Shape, Cost), LayerError> {
        let (c, _, _) = expect_map(input, "local response normalization")?;
        if self.size == 0 || self.size.is_multiple_of(2) {
            return Err(LayerError::LrnEven(self.size));
        }
        if self.size > c {
            return Err(LayerError::LrnTooLarge {
                size: self.size,
                channels: c,
                max: if c.is_multiple_of(2) { c - 1 } else { c },
            });
        }
        Ok((
            input,
            Cost {
                elementwise: input.numel() * (self.size + 3),
                ..Cost::default()
            },
        ))
    }
}

/// A normalization layer; `kind: None` follows the network-wide normalization.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(default)]
pub struct NormLayer {
    pub kind: Option<Norm>,
}

impl NormLayer {
    pub fn resolve(&self, d: &Defaults) -> Norm {
        self.kind.unwrap_or(d.norm)
    }
}

/// An activation layer; `act: None` follows the network-wide activation.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Default)]
#[serde(default)]
pub struct ActivationLayer {
    pub act: Option<Activation>,
}

impl ActivationLayer {
    pub fn resolve(&self, d: &Defaults) -> Activation {
        self.act.unwrap_or(d.activation)
    }

    pub(crate) fn infer(&self, input: Shape, d: &Defaults) -> Result<(Shape, Cost), LayerError> {
        Ok((
            input,
            Cost {
                params: self.resolve(d).params(input.channels()),
                macs: 0,
                elementwise: input.numel(),
            },
        ))
    }
}

impl LayerRules for NormLayer {
    fn kind_name(&self, d: &Defaults) -> String {
        self.resolve(d).layer_name().into()
    }
    fn label(&self, d: &Defaults) -> String {
        self.kind_name(d)
    }
    fn path_name(&self) -> &'static str {
        "norm"
    }
    fn is_per_position(&self) -> bool {
        true
    }
    fn infer(&self, input: Shape, d: &Defaults) -> Result<(Shape, Cost), LayerError> {
        self.resolve(d).infer(input)
    }
    fn explain_cost(&self, _: Shape, _: Shape, _: &Defaults) -> Vec<String> {
        Vec::new() // a scale and a shift per channel: the count says it all
    }
    fn reach(&self, _: usize, _: &Defaults) -> Result<Reach, LayerError> {
        Ok(Reach::Same)
    }
    fn weight_depth(&self) -> usize {
        0
    }
    fn follows(&mut self) -> Follows<'_> {
        Follows {
            norm: Some(&mut self.kind),
            ..Follows::none()
        }
    }
    fn pytorch(&self, input: Shape, d: &Defaults, _: &str) -> Result<String, LayerError> {
        let flat = matches!(input, Shape::Flat(_));
        Ok(pytorch::norm(self.resolve(d), input.channels(), flat))
    }
    fn topic(&self) -> Option<Topic> {
        Some(Topic::Normalization)
    }
}

impl LayerRules for Lrn {
    fn kind_name(&self, _: &Defaults) -> String {
        "LRN".into()
    }
    fn label(&self, d: &Defaults) -> String {
        self.kind_name(d)
    }
    fn path_name(&self) -> &'static str {
        "lrn"
    }
    /// It divides by the neighbouring channels' energy: not per position on its own.
    fn is_per_position(&self) -> bool {
        false
    }
    fn infer(&self, input: Shape, _: &Defaults) -> Result<(Shape, Cost), LayerError> {
        Lrn::infer(self, input)
    }
    fn explain_cost(&self, _: Shape, _: Shape, _: &Defaults) -> Vec<String> {
        Vec::new()
    }
    fn reach(&self, _: usize, _: &Defaults) -> Result<Reach, LayerError> {
        Ok(Reach::Same) // across channels, not across pixels
    }
    fn weight_depth(&self) -> usize {
        0
    }
    fn follows(&mut self) -> Follows<'_> {
        Follows::none()
    }
    fn pytorch(&self, _: Shape, _: &Defaults, _: &str) -> Result<String, LayerError> {
        Ok(format!(
            "local_response_norm({}, alpha={}, beta={}, k={})",
            self.size,
            pytorch::f(self.alpha),
            pytorch::f(self.beta),
            pytorch::f(self.k)
        ))
    }
    fn topic(&self) -> Option<Topic> {
        None
    }
}

impl LayerRules for ActivationLayer {
    fn kind_name(&self, d: &Defaults) -> String {
        self.resolve(d).name().into()
    }
    fn label(&self, d: &Defaults) -> String {
        self.kind_name(d)
    }
    fn path_name(&self) -> &'static str {
        "act"
    }
    fn is_per_position(&self) -> bool {
        true
    }
    fn infer(&self, input: Shape, d: &Defaults) -> Result<(Shape, Cost), LayerError> {
        ActivationLayer::infer(self, input, d)
    }
    fn explain_cost(&self, _: Shape, _: Shape, _: &Defaults) -> Vec<String> {
        Vec::new()
    }
    fn reach(&self, _: usize, _: &Defaults) -> Result<Reach, LayerError> {
        Ok(Reach::Same)
    }
    fn weight_depth(&self) -> usize {
        0
    }
    fn follows(&mut self) -> Follows<'_> {
        Follows {
            activation: Some(&mut self.act),
            ..Follows::none()
        }
    }
    fn pytorch(&self, input: Shape, d: &Defaults, _: &str) -> Result<String, LayerError> {
        Ok(self.resolve(d).pytorch(input.channels()))
    }
    fn topic(&self) -> Option<Topic> {
        Some(Topic::Activations)
    }
}
