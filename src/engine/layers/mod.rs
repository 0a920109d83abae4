//! libtorch modules built from `spec` layers, one file per family.
pub mod activation;
pub mod aux;
pub mod conv;
pub mod norm;

/// The optimizer parameter group of biases, normalization scales and shifts and Dice's α: the
/// parameters the "no decay on biases and norms" switch exempts from weight decay.
pub const NO_DECAY_GROUP: usize = 1;

use activation::ActModule;
use conv::{ConvArgs, ConvModule, LinearModule};
use norm::NormModule;
use spec::layer::{BlockPlan, BranchPool, ConvUnit, Defaults, Layer, Pool};
use spec::Shape;
use tch::{nn, Tensor};

/// conv → norm → activation, as described by a spec `ConvUnit`.
#[derive(Debug)]
pub struct UnitModule {
    conv: ConvModule,
    norm: NormModule,
    act: Option<ActModule>,
}

impl UnitModule {
    fn new(p: &nn::Path, u: &ConvUnit, hw: (usize, usize), d: &Defaults) -> UnitModule {
        let conv = ConvModule::new(
            &(p / "conv"),
            ConvArgs {
                in_c: u.in_c,
                out_c: u.out_c,
                kernel: u.kernel,
                stride: u.stride,
                padding: u.padding,
                dilation: 1,
                groups: 1,
                bias: u.bias(),
                init: d.init,
            },
        );
        // Norm parameters depend only on channels; the spatial size is irrelevant here.
        let out = Shape::Map {
            c: u.out_c,
            h: hw.0,
            w: hw.1,
        };
        UnitModule {
            conv,
            norm: NormModule::new(&(p / "norm"), u.norm, out),
            act: u.act.map(|a| ActModule::new(&(p / "act"), a, u.out_c)),
        }
    }

    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let y = self.norm.forward_t(&self.conv.forward(xs), train);
        match &self.act {
            Some(a) => a.forward_t(&y, train),
            None => y,
        }
    }
}

fn units(p: &nn::Path, list: &[ConvUnit], hw: (usize, usize), d: &Defaults) -> Vec<UnitModule> {
    list.iter()
        .enumerate()
        .map(|(i, u)| UnitModule::new(&(p / i), u, hw, d))
        .collect()
}

fn run_units(list: &[UnitModule], xs: &Tensor, train: bool) -> Tensor {
    list.iter()
        .fold(xs.shallow_clone(), |x, u| u.forward_t(&x, train))
}

/// One built layer.
#[derive(Debug)]
pub enum Module {
    Conv(ConvModule),
    MaxPool(Pool),
    AvgPool(Pool),
    L2Pool(Pool),
    GlobalAvgPool,
    GlobalMaxPool,
    Flatten,
    Linear(LinearModule),
    Dropout(f64),
    Dropout2d(f64),
    Norm(NormModule),
    Lrn(spec::layer::Lrn),
    Act(ActModule),
    Residual {
        main: Vec<UnitModule>,
        shortcut: Option<UnitModule>,
        act: ActModule,
    },
    Concat {
        branches: Vec<(BranchPool, Vec<UnitModule>)>,
    },
    Sequence(Vec<UnitModule>),
    /// Identity on the main path; the head runs for the training loss only.
    Aux(aux::AuxModule),
}

fn block(p: &nn::Path, plan: &BlockPlan, hw: (usize, usize), d: &Defaults) -> Module {
    match plan {
        BlockPlan::Residual {
            main,
            shortcut,
            act,
            out_c,
        } => Module::Residual {
            main: units(&(p / "main"), main, hw, d),
            shortcut: shortcut
                .as_ref()
                .map(|s| UnitModule::new(&(p / "shortcut"), s, hw, d)),
            act: ActModule::new(&(p / "act"), *act, *out_c),
        },
        BlockPlan::Concat { branches } => Module::Concat {
            branches: branches
                .iter()
                .enumerate()
                .map(|(i, (pool, list))| (*pool, units(&(p / format!("branch{i}")), list, hw, d)))
                .collect(),
        },
        BlockPlan::Sequence(list) => Module::Sequence(units(p, list, hw, d)),
    }
}

fn pool_args(pool: &Pool) -> ([i64; 2], [i64; 2], [i64; 2]) {
    let (kh, kw) = pool.kernel2();
    let s = pool.stride() as i64;
    let pd = pool.padding as i64;
    ([kh as i64, kw as i64], [s, s], [pd, pd])
}

impl Module {
    /// Builds `layer` for an input of shape `input`. The shape must have passed inference.
    pub fn build(
        p: &nn::Path,
        layer: &Layer,
        input: Shape,
        d: &Defaults,
    ) -> Result<Module, spec::LayerError> {
        let (in_c, hw) = match input {
            Shape::Map { c, h, w } => (c, (h, w)),
            Shape::Flat(n) => (n, (1, 1)),
        };
        Ok(match layer {
            Layer::Conv2d(c) => Module::Conv(ConvModule::new(
                p,
                ConvArgs {
                    in_c,
                    out_c: c.out_channels,
                    kernel: c.kernel2(),
                    stride: c.stride,
                    padding: c.padding.resolve2(c.kernel2(), c.dilation)?,
                    dilation: c.dilation,
                    groups: c.groups,
                    bias: c.bias,
                    init: c.init.unwrap_or(d.init),
                },
            )),
            Layer::MaxPool(x) => Module::MaxPool(x.0),
            Layer::AvgPool(x) => Module::AvgPool(x.0),
            Layer::L2Pool(x) => Module::L2Pool(x.0),
            Layer::GlobalAvgPool => Module::GlobalAvgPool,
            Layer::GlobalMaxPool => Module::GlobalMaxPool,
            Layer::Flatten => Module::Flatten,
            Layer::Linear(l) => Module::Linear(LinearModule::new(
                p,
                input.numel(),
                l.out_features,
                l.bias,
                l.init.unwrap_or(d.init),
            )),
            Layer::Dropout(x) => Module::Dropout(x.p),
            Layer::Dropout2d(x) => Module::Dropout2d(x.p),
            Layer::Norm(n) => Module::Norm(NormModule::new(p, n.resolve(d), input)),
            Layer::Lrn(l) => Module::Lrn(*l),
            Layer::Activation(a) => Module::Act(ActModule::new(p, a.resolve(d), in_c)),
            Layer::Residual(b) => block(p, &b.plan(in_c, d), hw, d),
            Layer::Bottleneck(b) => block(p, &b.plan(in_c, d), hw, d),
            Layer::Inception(b) => block(p, &b.plan(in_c, d), hw, d),
            Layer::InceptionV3(b) => block(p, &b.plan(in_c, d), hw, d),
            Layer::AuxClassifier(a) => Module::Aux(aux::AuxModule::new(p, a, input, d)?),
            Layer::NiN(b) => block(p, &b.plan(in_c, d)?, hw, d),
        })
    }

    pub fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        match self {
            Module::Conv(c) => c.forward(xs),
            Module::MaxPool(pool) => {
                let (k, s, p) = pool_args(pool);
                xs.max_pool2d(k, s, p, [1, 1], pool.ceil_mode)
            }
            Module::AvgPool(pool) => {
                let (k, s, p) = pool_args(pool);
                xs.avg_pool2d(k, s, p, pool.ceil_mode, true, None)
            }
            Module::L2Pool(pool) => {
                let (k, s, p) = pool_args(pool);
                // √(mean of squares); the floor keeps the gradient finite on all-zero windows.
                (xs * xs)
                    .avg_pool2d(k, s, p, pool.ceil_mode, true, None)
                    .clamp_min(1e-12)
                    .sqrt()
            }
            Module::GlobalAvgPool => xs.mean_dim([2i64, 3].as_slice(), false, None),
            Module::GlobalMaxPool => xs.amax([2i64, 3].as_slice(), false),
            Module::Flatten => xs.flatten(1, -1),
            Module::Linear(l) => l.forward(xs),
            Module::Dropout(p) => xs.dropout(*p, train),
            Module::Dropout2d(p) => xs.feature_dropout(*p, train),
            Module::Norm(n) => n.forward_t(xs, train),
            Module::Lrn(l) => norm::lrn(xs, l),
            Module::Act(a) => a.forward_t(xs, train),
            Module::Residual {
                main,
                shortcut,
                act,
            } => {
                let y = run_units(main, xs, train);
                let s = match shortcut {
                    Some(u) => u.forward_t(xs, train),
                    None => xs.shallow_clone(),
                };
                act.forward_t(&(y + s), train)
            }
            Module::Concat { branches } => {
                let outs: Vec<Tensor> = branches
                    .iter()
                    .map(|(pool, list)| {
                        let input = match pool {
                            BranchPool::Max => xs.max_pool2d([3, 3], [1, 1], [1, 1], [1, 1], false),
                            BranchPool::Avg => {
                                xs.avg_pool2d([3, 3], [1, 1], [1, 1], false, true, None)
                            }
                            BranchPool::None => xs.shallow_clone(),
                        };
                        run_units(list, &input, train)
                    })
                    .collect();
                Tensor::cat(&outs, 1)
            }
            Module::Sequence(list) => run_units(list, xs, train),
            Module::Aux(_) => xs.shallow_clone(),
        }
    }
}
