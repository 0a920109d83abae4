use super::rules::{thousands, LayerRules, Reach, Topic};
use super::{pytorch, Defaults, Follows, Init};
use crate::shape::{expect_map, Cost, Shape};
use crate::LayerError;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default)]
pub struct Linear {
    pub out_features: usize,
    pub bias: bool,
    pub init: Option<Init>,
}

impl Default for Linear {
    fn default() -> Self {
        Linear {
            out_features: 10,
            bias: true,
            init: None,
        }
    }
}

impl Linear {
    pub(crate) fn infer(&self, input: Shape) -> Result<(Shape, Cost), LayerError> {
        let n = match input {
            Shape::Flat(n) => n,
            map @ Shape::Map { .. } => {
                return Err(LayerError::NeedsFlat {
                    shape: map.to_string(),
                })
            }
        };
        if self.out_features == 0 {
            return Err(LayerError::Zero("out_features".into()));
        }
        Ok((
            Shape::Flat(self.out_features),
            Cost {
                params: n * self.out_features + if self.bias { self.out_features } else { 0 },
                macs: n * self.out_features,
                elementwise: 0,
            },
        ))
    }
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default)]
pub struct Dropout {
    /// Probability of zeroing a unit (or, for Dropout2d, a whole feature map) while training.
    pub p: f64,
}

impl Default for Dropout {
    fn default() -> Self {
        Dropout { p: 0.5 }
    }
}

impl Dropout {
    pub(crate) fn infer(&self, input: Shape, maps: bool) -> Result<(Shape, Cost), LayerError> {
        if !(0.0..1.0).contains(&self.p) {
            return Err(LayerError::DropoutP(self.p));
        }
        if maps {
            expect_map(input, "Dropout2d")?;
        }
        Ok((input, Cost::default()))
    }
}

/// Zeroes whole random feature maps while training.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Default)]
#[serde(transparent)]
pub struct Dropout2d(pub Dropout);

impl std::ops::Deref for Dropout2d {
    type Target = Dropout;
    fn deref(&self) -> &Dropout {
        &self.0
    }
}

impl std::ops::DerefMut for Dropout2d {
    fn deref_mut(&mut self) -> &mut Dropout {
        &mut self.0
    }
}

/// Unrolls feature maps into one vector for the dense layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Flatten;

impl LayerRules for Linear {
    fn kind_name(&self, _: &Defaults) -> String {
        "Linear".into()
    }
    fn label(&self, _: &Defaults) -> String {
        format!("Linear {}", self.out_features)
    }
    fn path_name(&self) -> &'static str {
        "linear"
    }
    fn is_per_position(&self) -> bool {
        false
    }
    fn infer(&self, input: Shape, _: &Defaults) -> Result<(Shape, Cost), LayerError> {
        Linear::infer(self, input)
    }
    fn explain_cost(&self, input: Shape, _: Shape, _: &Defaults) -> Vec<String> {
        let i = input.numel();
        let b = usize::from(self.bias);
        vec![
            format!(
                "params = (inputs + {}) · outputs = ({i} + {b}) · {} = {}",
                if self.bias { "bias" } else { "no bias" },
                self.out_features,
                thousands((i + b) * self.out_features)
            ),
            format!(
                "MACs = inputs · outputs = {i} · {} = {}",
                self.out_features,
                thousands(i * self.out_features)
            ),
        ]
    }
    fn reach(&self, _: usize, _: &Defaults) -> Result<Reach, LayerError> {
        Ok(Reach::Whole)
    }
    fn weight_depth(&self) -> usize {
        1
    }
    fn follows(&mut self) -> Follows<'_> {
        Follows {
            init: Some(&mut self.init),
            ..Follows::none()
        }
    }
    fn pytorch(&self, input: Shape, d: &Defaults, _: &str) -> Result<String, LayerError> {
        Ok(format!(
            "linear({}, {}{}, init=\"{}\")",
            input.numel(),
            self.out_features,
            if self.bias { "" } else { ", bias=False" },
            pytorch::init_name(self.init.unwrap_or(d.init))
        ))
    }
    fn topic(&self) -> Option<Topic> {
        None
    }
}

/// Dropout and Dropout2d: the same rules but for their names and what they drop.
macro_rules! dropout_rules {
    ($name:ident, $path:literal, $maps:literal, $py:literal, $inner:expr) => {
        impl LayerRules for $name {
            fn kind_name(&self, _: &Defaults) -> String {
                stringify!($name).into()
            }
            fn label(&self, d: &Defaults) -> String {
                format!("{} {}", self.kind_name(d), self.p)
            }
            fn path_name(&self) -> &'static str {
                $path
            }
            fn is_per_position(&self) -> bool {
                true
            }
            fn infer(&self, input: Shape, _: &Defaults) -> Result<(Shape, Cost), LayerError> {
                let inner: fn(&Self) -> &Dropout = $inner;
                inner(self).infer(input, $maps)
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
                Follows::none()
            }
            fn pytorch(&self, _: Shape, _: &Defaults, _: &str) -> Result<String, LayerError> {
                Ok(format!($py, pytorch::f(self.p)))
            }
            fn topic(&self) -> Option<Topic> {
                None
            }
        }
    };
}

dropout_rules!(Dropout, "dropout", false, "nn.Dropout({})", |d| d);
dropout_rules!(Dropout2d, "dropout2d", true, "nn.Dropout2d({})", |d| &d.0);

impl LayerRules for Flatten {
    fn kind_name(&self, _: &Defaults) -> String {
        "Flatten".into()
    }
    fn label(&self, d: &Defaults) -> String {
        self.kind_name(d)
    }
    fn path_name(&self) -> &'static str {
        "flatten"
    }
    fn is_per_position(&self) -> bool {
        false
    }
    fn infer(&self, input: Shape, _: &Defaults) -> Result<(Shape, Cost), LayerError> {
        Ok((Shape::Flat(input.numel()), Cost::default()))
    }
    fn explain_cost(&self, _: Shape, _: Shape, _: &Defaults) -> Vec<String> {
        Vec::new()
    }
    fn reach(&self, _: usize, _: &Defaults) -> Result<Reach, LayerError> {
        Ok(Reach::Whole)
    }
    fn weight_depth(&self) -> usize {
        0
    }
    fn follows(&mut self) -> Follows<'_> {
        Follows::none()
    }
    fn pytorch(&self, _: Shape, _: &Defaults, _: &str) -> Result<String, LayerError> {
        Ok("nn.Flatten()".into())
    }
    fn topic(&self) -> Option<Topic> {
        None
    }
}
