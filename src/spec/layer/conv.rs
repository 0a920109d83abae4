use super::rules::{thousands, LayerRules, Reach, Topic};
use super::{pytorch, Defaults, Follows, Init};
use crate::shape::{expect_map, window_out2, Cost, Shape, Window};
use crate::LayerError;
use serde::{Deserialize, Serialize};

/// Zero padding of a convolution.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// Keeps the spatial size at stride 1: dilation·(kernel − 1)/2 on each side (odd kernels).
    Same,
    /// This many zero pixels on each side.
    Pixels(usize),
    /// `h` rows above and below, `w` columns left and right (for k_h × k_w kernels).
    Sides { h: usize, w: usize },
}

impl Default for Padding {
    fn default() -> Self {
        Padding::Pixels(0)
    }
}

impl Padding {
    /// Pixels on each side for a square kernel and dilation.
    pub fn resolve(&self, kernel: usize, dilation: usize) -> Result<usize, LayerError> {
        let (h, w) = self.resolve2((kernel, kernel), dilation)?;
        if h != w {
            return Err(LayerError::PaddingNotSquare { h, w });
        }
        Ok(h)
    }

    /// Pixels (above/below, left/right) for a k_h × k_w kernel.
    pub fn resolve2(
        &self,
        (kh, kw): (usize, usize),
        dilation: usize,
    ) -> Result<(usize, usize), LayerError> {
        match *self {
            Padding::Sides { h, w } => Ok((h, w)),
            Padding::Pixels(p) => Ok((p, p)),
            Padding::Same => Ok((Self::same(kh, dilation)?, Self::same(kw, dilation)?)),
        }
    }

    fn same(kernel: usize, dilation: usize) -> Result<usize, LayerError> {
        let span = dilation.max(1) * kernel.saturating_sub(1);
        if span % 2 == 1 {
            Err(LayerError::SameNeedsOdd { kernel })
        } else {
            Ok(span / 2)
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default)]
pub struct Conv2d {
    pub out_channels: usize,
    pub kernel: usize,
    /// The kernel's width when it differs from its height (`kernel`): 1×7, 7×1.
    pub kernel_w: Option<usize>,
    pub stride: usize,
    pub padding: Padding,
    pub dilation: usize,
    pub groups: usize,
    pub bias: bool,
    /// Overrides the network's weight initialization.
    pub init: Option<Init>,
}

impl Default for Conv2d {
    fn default() -> Self {
        Conv2d {
            out_channels: 16,
            kernel: 3,
            kernel_w: None,
            stride: 1,
            padding: Padding::Same,
            dilation: 1,
            groups: 1,
            bias: true,
            init: None,
        }
    }
}

impl Conv2d {
    pub fn pointwise(out_channels: usize) -> Self {
        Conv2d {
            out_channels,
            kernel: 1,
            padding: Padding::Pixels(0),
            ..Conv2d::default()
        }
    }

    /// (height, width) of the kernel.
    pub fn kernel2(&self) -> (usize, usize) {
        (self.kernel, self.kernel_w.unwrap_or(self.kernel))
    }

    pub(crate) fn infer(&self, input: Shape) -> Result<(Shape, Cost), LayerError> {
        let (c, h, w) = expect_map(input, "convolution")?;
        if self.out_channels == 0 {
            return Err(LayerError::Zero("out_channels".into()));
        }
        if self.groups == 0 {
            return Err(LayerError::Zero("groups".into()));
        }
        if !c.is_multiple_of(self.groups) || !self.out_channels.is_multiple_of(self.groups) {
            return Err(LayerError::Groups {
                groups: self.groups,
                inputs: c,
                outputs: self.out_channels,
            });
        }
        let kernel = self.kernel2();
        let (oh, ow) = window_out2(
            (h, w),
            Window {
                kernel,
                stride: self.stride,
                padding: self.padding.resolve2(kernel, self.dilation)?,
                dilation: self.dilation,
                ceil: false,
            },
            "kernel",
        )?;
        Ok(conv_cost(
            c,
            self.out_channels,
            kernel,
            self.groups,
            self.bias,
            (oh, ow),
        ))
    }
}

/// Output shape and cost of a convolution whose output size is known.
pub(crate) fn conv_cost(
    in_c: usize,
    out_c: usize,
    (kh, kw): (usize, usize),
    groups: usize,
    bias: bool,
    (oh, ow): (usize, usize),
) -> (Shape, Cost) {
    let per_out = (in_c / groups) * kh * kw;
    (
        Shape::Map {
            c: out_c,
            h: oh,
            w: ow,
        },
        Cost {
            params: out_c * per_out + if bias { out_c } else { 0 },
            macs: out_c * oh * ow * per_out,
            elementwise: 0,
        },
    )
}

impl LayerRules for Conv2d {
    fn kind_name(&self, _: &Defaults) -> String {
        "Conv2d".into()
    }
    fn label(&self, _: &Defaults) -> String {
        let (kh, kw) = self.kernel2();
        format!("Conv2d {}@{kh}×{kw}", self.out_channels)
    }
    fn path_name(&self) -> &'static str {
        "conv2d"
    }
    fn is_per_position(&self) -> bool {
        false
    }
    fn infer(&self, input: Shape, _: &Defaults) -> Result<(Shape, Cost), LayerError> {
        Conv2d::infer(self, input)
    }
    /// With, for 1×1 convolutions, what the 3×3 layer they replace would cost.
    fn explain_cost(&self, input: Shape, output: Shape, _: &Defaults) -> Vec<String> {
        let in_c = input.channels();
        let (oh, ow) = match output {
            Shape::Map { h, w, .. } => (h, w),
            Shape::Flat(_) => (1, 1),
        };
        let (kh, kw) = self.kernel2();
        let per = in_c / self.groups.max(1);
        let b = usize::from(self.bias);
        let params = (kh * kw * per + b) * self.out_channels;
        let macs = kh * kw * per * self.out_channels * oh * ow;
        let mut lines = vec![
            format!(
                "params = (k·k·C_in{} + {}) · C_out = ({kh}·{kw}·{per} + {b}) · {} = {}",
                if self.groups > 1 { "/groups" } else { "" },
                if self.bias { "bias" } else { "no bias" },
                self.out_channels,
                thousands(params)
            ),
            format!(
                "MACs = k·k·C_in · C_out · H_out·W_out = {kh}·{kw}·{per} · {} · {oh}·{ow} = {}",
                self.out_channels,
                thousands(macs)
            ),
        ];
        if (kh, kw) == (1, 1) {
            let three = 9 * in_c * self.out_channels;
            lines.push(format!(
                "a 3×3 conv with the same channels would have 3·3·{in_c}·{} = {} weights and {} MACs: {:.1}× more",
                self.out_channels,
                thousands(three),
                thousands(three * oh * ow),
                9.0
            ));
        }
        lines
    }
    fn reach(&self, _: usize, _: &Defaults) -> Result<Reach, LayerError> {
        let (kh, kw) = self.kernel2();
        Ok(Reach::Window {
            kernel: kh.max(kw),
            dilation: self.dilation,
            stride: self.stride,
            padding: self.padding.resolve2((kh, kw), self.dilation)?.0,
        })
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
        let in_c = input.channels();
        let mut s = format!(
            "conv({in_c}, {}, {}, stride={}, padding={}",
            self.out_channels,
            pytorch::pair(self.kernel2()),
            self.stride,
            pytorch::pair(self.padding.resolve2(self.kernel2(), self.dilation)?)
        );
        if self.dilation != 1 {
            s += &format!(", dilation={}", self.dilation);
        }
        if self.groups != 1 {
            s += &format!(", groups={}", self.groups);
        }
        if !self.bias {
            s += ", bias=False";
        }
        Ok(s + &format!(
            ", init=\"{}\")",
            pytorch::init_name(self.init.unwrap_or(d.init))
        ))
    }
    fn topic(&self) -> Option<Topic> {
        Some(Topic::Convolution)
    }
}
