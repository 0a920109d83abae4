use super::Init;
use crate::shape::{expect_map, Cost, Shape};
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
    pub(crate) fn infer(&self, input: Shape) -> Result<(Shape, Cost), String> {
        let n = match input {
            Shape::Flat(n) => n,
            map @ Shape::Map { .. } => {
                return Err(format!(
                    "expects a flat input but gets {map} — add Flatten (or GlobalAvgPool) before it"
                ))
            }
        };
        if self.out_features == 0 {
            return Err("out_features must be at least 1".into());
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
    pub(crate) fn infer(&self, input: Shape, maps: bool) -> Result<(Shape, Cost), String> {
        if !(0.0..1.0).contains(&self.p) {
            return Err(format!("p must be in [0, 1), but is {}", self.p));
        }
        if maps {
            expect_map(input, "Dropout2d")?;
        }
        Ok((input, Cost::default()))
    }
}
