//! GoogLeNet's auxiliary classifier head: identity on the main path; its logits are computed
//! only for the training loss.
use super::activation::ActModule;
use super::conv::LinearModule;
use super::UnitModule;
use spec::layer::{AuxClassifier, Defaults};
use spec::Shape;
use tch::{nn, Tensor};

#[derive(Debug)]
pub struct AuxModule {
    unit: UnitModule,
    fc1: LinearModule,
    act: ActModule,
    fc2: LinearModule,
    pool: i64,
    stride: i64,
    dropout: f64,
    /// The head's loss weight.
    pub weight: f64,
}

impl AuxModule {
    pub fn new(
        p: &nn::Path,
        a: &AuxClassifier,
        input: Shape,
        d: &Defaults,
    ) -> Result<AuxModule, spec::LayerError> {
        let plan = a.plan(input, d)?;
        Ok(AuxModule {
            unit: UnitModule::new(&(p / "conv"), &plan.conv, plan.pooled, d),
            fc1: LinearModule::new(&(p / "fc1"), plan.flat, plan.hidden, true, d.init),
            act: ActModule::new(&(p / "act"), plan.act, plan.hidden),
            fc2: LinearModule::new(&(p / "fc2"), plan.hidden, plan.classes, true, d.init),
            pool: a.pool as i64,
            stride: a.pool_stride as i64,
            dropout: a.dropout,
            weight: a.weight,
        })
    }

    /// The head's logits for the feature map `xs`.
    pub fn head(&self, xs: &Tensor, train: bool) -> Tensor {
        let x = xs.avg_pool2d(
            [self.pool, self.pool],
            [self.stride, self.stride],
            [0, 0],
            false,
            true,
            None,
        );
        let x = self.unit.forward_t(&x, train).flatten(1, -1);
        let x = self.act.forward_t(&self.fc1.forward(&x), train);
        self.fc2.forward(&x.dropout(self.dropout, train))
    }
}
