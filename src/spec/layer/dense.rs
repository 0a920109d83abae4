use super::Init;
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
