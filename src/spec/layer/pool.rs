use crate::spec::shape::{expect_map, window_out, Cost, Shape};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(default)]
pub struct Pool {
    pub kernel: usize,
    /// None: the same as the kernel (non-overlapping windows).
    pub stride: Option<usize>,
    pub padding: usize,
}

impl Default for Pool {
    fn default() -> Self {
        Pool {
            kernel: 2,
            stride: None,
            padding: 0,
        }
    }
}

impl Pool {
    pub fn stride(&self) -> usize {
        self.stride.unwrap_or(self.kernel)
    }

    pub(crate) fn infer(&self, input: Shape, what: &str) -> Result<(Shape, Cost), String> {
        let (c, h, w) = expect_map(input, what)?;
        if 2 * self.padding > self.kernel {
            return Err(format!(
                "padding {} is more than half the window {}",
                self.padding, self.kernel
            ));
        }
        let (oh, ow) = window_out(
            (h, w),
            self.kernel,
            self.stride(),
            self.padding,
            1,
            "window",
        )?;
        let elementwise = c * oh * ow * self.kernel * self.kernel;
        Ok((
            Shape::Map { c, h: oh, w: ow },
            Cost {
                elementwise,
                ..Cost::default()
            },
        ))
    }
}

pub(crate) fn global_infer(input: Shape) -> Result<(Shape, Cost), String> {
    let (c, _, _) = expect_map(input, "global average pooling")?;
    Ok((
        Shape::Flat(c),
        Cost {
            elementwise: input.numel(),
            ..Cost::default()
        },
    ))
}
