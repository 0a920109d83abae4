//! GoogLeNet's auxiliary classifier (Szegedy et al. 2015, §5): a small head on an intermediate
//! feature map — 5×5 average pooling with stride 3, a 1×1 convolution to 128 channels, a
//! 1024-unit dense layer, dropout 0.7 and a linear classifier — whose loss is added with a
//! weight (0.3) during training and which is ignored at evaluation. The main path passes
//! through unchanged.
use super::blocks::ConvUnit;
use super::rules::{LayerRules, Reach, Topic};
use super::{pytorch, Defaults, Follows, Norm};
use crate::activation::Activation;
use crate::shape::{expect_map, window_out2, Cost, Shape, Window};
use crate::LayerError;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default)]
pub struct AuxClassifier {
    /// Weight of this head's loss in the training loss.
    pub weight: f64,
    pub pool: usize,
    pub pool_stride: usize,
    pub channels: usize,
    pub hidden: usize,
    pub dropout: f64,
}

impl Default for AuxClassifier {
    fn default() -> Self {
        AuxClassifier {
            weight: 0.3,
            pool: 5,
            pool_stride: 3,
            channels: 128,
            hidden: 1024,
            dropout: 0.7,
        }
    }
}

/// The head's parts, as inference and the engine both use them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AuxPlan {
    pub conv: ConvUnit,
    /// Pooled map size.
    pub pooled: (usize, usize),
    pub flat: usize,
    pub hidden: usize,
    pub classes: usize,
    pub act: Activation,
}

impl AuxClassifier {
    pub fn plan(&self, input: Shape, d: &Defaults) -> Result<AuxPlan, LayerError> {
        let (c, h, w) = expect_map(input, "an auxiliary classifier (it taps a feature map)")?;
        let win = Window {
            kernel: (self.pool, self.pool),
            stride: self.pool_stride,
            padding: (0, 0),
            dilation: 1,
            ceil: false,
        };
        let (ph, pw) = window_out2((h, w), win, "pooling window")?;
        let conv = ConvUnit {
            in_c: c,
            out_c: self.channels,
            kernel: (1, 1),
            stride: 1,
            padding: (0, 0),
            norm: if d.norm == Norm::Off {
                Norm::Off
            } else {
                Norm::Batch
            },
            act: Some(d.activation),
        };
        Ok(AuxPlan {
            conv,
            pooled: (ph, pw),
            flat: self.channels * ph * pw,
            hidden: self.hidden,
            classes: d.classes,
            act: d.activation,
        })
    }

    /// The main path is unchanged; the cost is the head's.
    pub(crate) fn infer(&self, input: Shape, d: &Defaults) -> Result<(Shape, Cost), LayerError> {
        if self.channels == 0 || self.hidden == 0 || self.pool == 0 || self.pool_stride == 0 {
            return Err(LayerError::Zero(
                "pool, pool_stride, channels and hidden".into(),
            ));
        }
        let p = self.plan(input, d)?;
        let conv = p.conv.infer(p.pooled)?.1;
        let fc1 = p.flat * p.hidden + p.hidden;
        let fc2 = p.hidden * p.classes + p.classes;
        let cost = Cost {
            params: conv.params + fc1 + fc2 + p.act.params(p.hidden),
            macs: conv.macs + p.flat * p.hidden + p.hidden * p.classes,
            elementwise: conv.elementwise + input.numel() + 2 * p.hidden,
        };
        Ok((input, cost))
    }
}

impl LayerRules for AuxClassifier {
    fn kind_name(&self, _: &Defaults) -> String {
        "AuxClassifier".into()
    }
    fn label(&self, _: &Defaults) -> String {
        format!("Aux head ×{} (branch)", self.weight)
    }
    fn path_name(&self) -> &'static str {
        "aux"
    }
    fn is_per_position(&self) -> bool {
        false
    }
    fn infer(&self, input: Shape, d: &Defaults) -> Result<(Shape, Cost), LayerError> {
        AuxClassifier::infer(self, input, d)
    }
    fn explain_cost(&self, _: Shape, _: Shape, _: &Defaults) -> Vec<String> {
        Vec::new()
    }
    /// A side branch: the main path's field stays as it was.
    fn reach(&self, _: usize, _: &Defaults) -> Result<Reach, LayerError> {
        Ok(Reach::Same)
    }
    /// A side branch, not on the longest path.
    fn weight_depth(&self) -> usize {
        0
    }
    /// Its activation is its own (not optional); its layers use the network's init.
    fn follows(&mut self) -> Follows<'_> {
        Follows {
            inner_init: true,
            ..Follows::none()
        }
    }
    fn pytorch(&self, input: Shape, d: &Defaults, pad: &str) -> Result<String, LayerError> {
        let p = self.plan(input, d)?;
        let i = pytorch::init_name(d.init);
        let inner = format!("{pad}    ");
        Ok(format!(
            "AuxHead(\n{inner}{},\n{inner}fc1=linear({}, {}, init=\"{i}\"),\n{inner}act={},\n{inner}fc2=linear({}, {}, init=\"{i}\"),\n{inner}pool={}, stride={}, dropout={}, weight={},\n{pad})",
            pytorch::unit(&p.conv, d.init),
            p.flat,
            p.hidden,
            p.act.pytorch(p.hidden),
            p.hidden,
            p.classes,
            self.pool,
            self.pool_stride,
            pytorch::f(self.dropout),
            pytorch::f(self.weight)
        ))
    }
    fn topic(&self) -> Option<Topic> {
        None
    }
}
