//! Convolution and linear layers, with the lecture's initializations.
use spec::Init;
use tch::{nn, Tensor};

/// Creates a weight of `dims` with fan-in/fan-out as given, following `init`.
pub fn init_weight(p: &nn::Path, dims: &[i64], fan_in: i64, fan_out: i64, init: Init) -> Tensor {
    let fan_in = fan_in.max(1) as f64;
    let fan_out = fan_out.max(1) as f64;
    let init = match init {
        Init::Uniform => nn::Init::Uniform {
            lo: -1.0 / fan_in,
            up: 1.0 / fan_in,
        },
        Init::Msra => nn::Init::Randn {
            mean: 0.0,
            stdev: (2.0 / fan_in).sqrt(),
        },
        Init::Xavier => {
            let bound = (6.0 / (fan_in + fan_out)).sqrt();
            nn::Init::Uniform {
                lo: -bound,
                up: bound,
            }
        }
    };
    p.var("weight", dims, init)
}

#[derive(Debug)]
pub struct ConvModule {
    pub weight: Tensor,
    pub bias: Option<Tensor>,
    pub stride: i64,
    pub padding: [i64; 2],
    pub dilation: i64,
    pub groups: i64,
}

pub struct ConvArgs {
    pub in_c: usize,
    pub out_c: usize,
    /// (height, width).
    pub kernel: (usize, usize),
    pub stride: usize,
    /// (above/below, left/right).
    pub padding: (usize, usize),
    pub dilation: usize,
    pub groups: usize,
    pub bias: bool,
    pub init: Init,
}

impl ConvModule {
    pub fn new(p: &nn::Path, a: ConvArgs) -> ConvModule {
        let (kh, kw) = (a.kernel.0 as i64, a.kernel.1 as i64);
        let per_group_in = (a.in_c / a.groups.max(1)) as i64;
        let dims = [a.out_c as i64, per_group_in, kh, kw];
        let fan_in = per_group_in * kh * kw;
        // PyTorch's convention (`_calculate_fan_in_and_fan_out` on the weight [out, in/groups,
        // k, k]): fan-in counts one group's inputs, fan-out every output channel.
        let fan_out = a.out_c as i64 * kh * kw;
        ConvModule {
            weight: init_weight(p, &dims, fan_in, fan_out, a.init),
            bias: a.bias.then(|| {
                p.set_group(super::NO_DECAY_GROUP).var(
                    "bias",
                    &[a.out_c as i64],
                    nn::Init::Const(0.0),
                )
            }),
            stride: a.stride as i64,
            padding: [a.padding.0 as i64, a.padding.1 as i64],
            dilation: a.dilation as i64,
            groups: a.groups as i64,
        }
    }

    pub fn forward(&self, xs: &Tensor) -> Tensor {
        xs.conv2d(
            &self.weight,
            self.bias.as_ref(),
            [self.stride, self.stride],
            self.padding,
            [self.dilation, self.dilation],
            self.groups,
        )
    }
}

#[derive(Debug)]
pub struct LinearModule {
    pub weight: Tensor,
    pub bias: Option<Tensor>,
}

impl LinearModule {
    pub fn new(p: &nn::Path, inputs: usize, outputs: usize, bias: bool, init: Init) -> Self {
        LinearModule {
            weight: init_weight(
                p,
                &[outputs as i64, inputs as i64],
                inputs as i64,
                outputs as i64,
                init,
            ),
            bias: bias.then(|| {
                p.set_group(super::NO_DECAY_GROUP).var(
                    "bias",
                    &[outputs as i64],
                    nn::Init::Const(0.0),
                )
            }),
        }
    }

    pub fn forward(&self, xs: &Tensor) -> Tensor {
        xs.linear(&self.weight, self.bias.as_ref())
    }
}
