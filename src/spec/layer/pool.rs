use super::rules::{LayerRules, Reach, Topic};
use super::{pytorch, Defaults, Follows};
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

/// A pooling kind's window and what it computes over it; each kind is its own type (RON writes
/// them as before: `MaxPool(kernel: 2)`).
macro_rules! pooling {
    ($(#[$doc:meta])* $name:ident, $path:literal, $what:literal, $py:literal) => {
        $(#[$doc])*
        #[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
        #[serde(transparent)]
        pub struct $name(pub Pool);

        impl std::ops::Deref for $name {
            type Target = Pool;
            fn deref(&self) -> &Pool {
                &self.0
            }
        }

        impl std::ops::DerefMut for $name {
            fn deref_mut(&mut self) -> &mut Pool {
                &mut self.0
            }
        }

        impl LayerRules for $name {
            fn kind_name(&self, _: &Defaults) -> String {
                stringify!($name).into()
            }
            fn label(&self, d: &Defaults) -> String {
                let (kh, kw) = self.kernel2();
                format!("{} {kh}×{kw}", self.kind_name(d))
            }
            fn path_name(&self) -> &'static str {
                $path
            }
            fn is_per_position(&self) -> bool {
                false
            }
            fn infer(&self, input: Shape, _: &Defaults) -> Result<(Shape, Cost), LayerError> {
                self.0.infer(input, $what)
            }
            fn explain_cost(&self, _: Shape, _: Shape, _: &Defaults) -> Vec<String> {
                Vec::new() // no parameters, no multiply-adds
            }
            fn reach(&self, _: usize, _: &Defaults) -> Result<Reach, LayerError> {
                let (kh, kw) = self.kernel2();
                Ok(Reach::Window {
                    kernel: kh.max(kw),
                    dilation: 1,
                    stride: self.stride(),
                    padding: self.padding,
                })
            }
            fn weight_depth(&self) -> usize {
                0
            }
            fn follows(&mut self) -> Follows<'_> {
                Follows::none()
            }
            fn pytorch(&self, _: Shape, _: &Defaults, _: &str) -> Result<String, LayerError> {
                Ok(format!($py, pytorch::pool_args(&self.0)))
            }
            fn topic(&self) -> Option<Topic> {
                Some(Topic::Pooling)
            }
        }
    };
}

pooling!(MaxPool, "maxpool", "max pooling", "nn.MaxPool2d({})");
pooling!(
    AvgPool,
    "avgpool",
    "average pooling",
    "nn.AvgPool2d({}, count_include_pad=True)"
);
pooling!(
    /// Power-average pooling with p = 2: √(mean of squares) over each window.
    L2Pool,
    "l2pool",
    "L2 pooling",
    "L2Pool2d({})"
);

/// Global pooling: one number per feature map, a flat vector of channels.
macro_rules! global_pooling {
    ($(#[$doc:meta])* $name:ident, $path:literal, $what:literal, $py:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
        pub struct $name;

        impl LayerRules for $name {
            fn kind_name(&self, _: &Defaults) -> String {
                stringify!($name).into()
            }
            fn label(&self, d: &Defaults) -> String {
                self.kind_name(d)
            }
            fn path_name(&self) -> &'static str {
                $path
            }
            fn is_per_position(&self) -> bool {
                false
            }
            fn infer(&self, input: Shape, _: &Defaults) -> Result<(Shape, Cost), LayerError> {
                global_infer(input, $what)
            }
            fn explain_cost(&self, _: Shape, _: Shape, _: &Defaults) -> Vec<String> {
                Vec::new()
            }
            fn reach(&self, _: usize, _: &Defaults) -> Result<Reach, LayerError> {
                Ok(Reach::Whole)
            }
            fn weight_depth(&self) -> usize {
                0
            }
            fn follows(&mut self) -> Follows<'_> {
                Follows::none()
            }
            fn pytorch(&self, _: Shape, _: &Defaults, _: &str) -> Result<String, LayerError> {
                Ok($py.into())
            }
            fn topic(&self) -> Option<Topic> {
                None
            }
        }
    };
}

global_pooling!(
    /// Averages each feature map to one number.
    GlobalAvgPool,
    "gap",
    "global average pooling",
    "GlobalAvgPool()"
);
global_pooling!(
    /// The maximum of each feature map.
    GlobalMaxPool,
    "gmp",
    "global max pooling",
    "GlobalMaxPool()"
);
