use crate::shape::{expect_map, window_out2, Cost, Shape, Window};
use crate::LayerError;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(default)]
pub struct Pool {
    pub kernel: usize,
    /// The window's width when it differs from its height (`kernel`).
    pub kernel_w: Option<usize>,
    /// None: the same as the kernel (non-overlapping windows).
    pub stride: Option<usize>,
    pub padding: usize,
    /// Round the output size up (PyTorch's `ceil_mode`, GoogLeNet's pools): a partial last
    /// window counts, unless it would start in the right padding.
    pub ceil_mode: bool,
}

impl Default for Pool {
    fn default() -> Self {
        Pool {
            kernel: 2,
            kernel_w: None,
            stride: None,
            padding: 0,
            ceil_mode: false,
        }
    }
}

impl Pool {
    /// (height, width) of the window.
    pub fn kernel2(&self) -> (usize, usize) {
        (self.kernel, self.kernel_w.unwrap_or(self.kernel))
    }

    pub fn stride(&self) -> usize {
        self.stride.unwrap_or(self.kernel)
    }

    pub(crate) fn infer(&self, input: Shape, what: &str) -> Result<(Shape, Cost), LayerError> {
        let (c, h, w) = expect_map(input, what)?;
        if 2 * self.padding > self.kernel.min(self.kernel_w.unwrap_or(self.kernel)) {
            return Err(LayerError::PoolPadding {
                padding: self.padding,
                kernel: self.kernel,
            });
        }
        let (kh, kw) = self.kernel2();
        let win = Window {
            kernel: (kh, kw),
            stride: self.stride(),
            padding: (self.padding, self.padding),
            dilation: 1,
            ceil: self.ceil_mode,
        };
        let (oh, ow) = window_out2((h, w), win, "window")?;
        let elementwise = c * oh * ow * kh * kw;
        Ok((
            Shape::Map { c, h: oh, w: ow },
            Cost {
                elementwise,
                ..Cost::default()
            },
        ))
    }
}

pub(crate) fn global_infer(input: Shape, what: &str) -> Result<(Shape, Cost), LayerError> {
    let (c, _, _) = expect_map(input, what)?;
    Ok((
        Shape::Flat(c),
        Cost {
            elementwise: input.numel(),
            ..Cost::default()
        },
    ))
}
