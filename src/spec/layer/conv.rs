use super::Init;
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
