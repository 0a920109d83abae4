use super::Defaults;
use crate::spec::activation::Activation;
use crate::spec::shape::{expect_map, Cost, Shape};
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
}

impl Norm {
    pub const ALL: [Norm; 5] = [
        Norm::Off,
        Norm::Batch,
        Norm::Layer,
        Norm::Instance,
        Norm::Group { groups: 4 },
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Norm::Off => "Off",
            Norm::Batch => "Batch",
            Norm::Layer => "Layer",
            Norm::Instance => "Instance",
            Norm::Group { .. } => "Group",
        }
    }

    pub fn layer_name(&self) -> &'static str {
        match self {
            Norm::Off => "Norm (off)",
            Norm::Batch => "BatchNorm",
            Norm::Layer => "LayerNorm",
            Norm::Instance => "InstanceNorm",
            Norm::Group { .. } => "GroupNorm",
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
            _ => return None,
        })
    }

    /// Output (unchanged) and parameters: a scale and a shift per channel (or feature).
    pub(crate) fn infer(&self, input: Shape) -> Result<(Shape, Cost), String> {
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
                    return Err(format!("{groups} groups do not divide {c} channels"));
                }
                Ok((input, affine))
            }
        }
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

    pub(crate) fn infer(&self, input: Shape, d: &Defaults) -> Result<(Shape, Cost), String> {
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
