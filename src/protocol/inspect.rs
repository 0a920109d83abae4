//! What the checkpoint inspector sends back: images and tables as plain numbers.
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// An image or map: channel-major values (pixels in [0, 1], or raw activations).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Image {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub data: Vec<f32>,
}

/// Which input to look at.
#[derive(Clone, Debug, PartialEq)]
pub enum InputChoice {
    /// A test-set image by index.
    Test(usize),
    /// Pixels in [0, 1] (a drawing).
    Pixels(Image),
    /// An image file, decoded and fitted to the network's input on the inspector thread.
    File(std::path::PathBuf),
}

#[derive(Clone, Debug, PartialEq)]
pub struct LayerDesc {
    pub index: usize,
    pub label: String,
    pub is_map: bool,
    pub is_conv: bool,
    pub is_activation: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct InspectSummary {
    pub name: String,
    /// Weights that are NaN or infinite, by tensor name (a diverged run's checkpoint): every
    /// number the inspector shows is then meaningless, and it says so.
    pub non_finite: Vec<String>,
    pub class_names: Vec<String>,
    pub test_images: usize,
    pub layers: Vec<LayerDesc>,
    pub test_labels: Vec<usize>,
}

impl InspectSummary {
    /// The last layer with feature maps that is a convolution or ends in an activation: the
    /// usual Grad-CAM layer (coarse enough to be semantic, fine enough to localize).
    pub fn default_cam_layer(&self) -> Option<usize> {
        self.layers
            .iter()
            .rev()
            .find(|l| l.is_map && (l.is_activation || l.is_conv))
            .map(|l| l.index)
    }
}

/// A conv layer's kernels: weights `[out][in][k][k]`.
#[derive(Clone, Debug, PartialEq)]
pub struct FilterGrid {
    pub layer: usize,
    pub label: String,
    pub out_channels: usize,
    pub in_channels: usize,
    pub kernel: usize,
    pub weights: Vec<f32>,
}

impl FilterGrid {
    /// Kernel `o`, input channel `i`, as k×k values.
    pub fn kernel_values(&self, o: usize, i: usize) -> &[f32] {
        let k2 = self.kernel * self.kernel;
        let at = (o * self.in_channels + i) * k2;
        &self.weights[at..at + k2]
    }

    /// Kernel `o` averaged over its input channels.
    pub fn channel_mean(&self, o: usize) -> Vec<f32> {
        let k2 = self.kernel * self.kernel;
        let mut out = vec![0.0; k2];
        for i in 0..self.in_channels {
            for (acc, v) in out.iter_mut().zip(self.kernel_values(o, i)) {
                *acc += v / self.in_channels as f32;
            }
        }
        out
    }

    /// The largest |weight| in the layer (for a symmetric colour scale).
    pub fn max_abs(&self) -> f32 {
        self.weights.iter().fold(0.0, |m, v| m.max(v.abs()))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct LayerMaps {
    pub layer: usize,
    pub label: String,
    /// Channels in the layer (maps may hold fewer).
    pub channels: usize,
    pub maps: Vec<Image>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FeatureMaps {
    pub input: Image,
    pub probs: Vec<f32>,
    pub predicted: usize,
    pub layers: Vec<LayerMaps>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Confusion {
    /// `counts[true][predicted]`.
    pub counts: Vec<Vec<u32>>,
    /// Examples per cell (row-major `true * k + predicted`): (test index, predicted probability).
    pub examples: Vec<Vec<(usize, f32)>>,
    pub accuracy: f32,
    pub precision: Vec<f32>,
    pub recall: Vec<f32>,
}

impl Confusion {
    pub fn from_counts(counts: Vec<Vec<u32>>, examples: Vec<Vec<(usize, f32)>>) -> Confusion {
        let k = counts.len();
        let total: u32 = counts.iter().flatten().sum();
        let diag: u32 = (0..k).map(|i| counts[i][i]).sum();
        let ratio = |a: u32, b: u32| {
            if b == 0 {
                f32::NAN
            } else {
                a as f32 / b as f32
            }
        };
        let precision = (0..k)
            .map(|p| ratio(counts[p][p], (0..k).map(|t| counts[t][p]).sum()))
            .collect();
        let recall = (0..k)
            .map(|t| ratio(counts[t][t], counts[t].iter().sum()))
            .collect();
        Confusion {
            accuracy: ratio(diag, total),
            counts,
            examples,
            precision,
            recall,
        }
    }

    pub fn total(&self) -> u32 {
        self.counts.iter().flatten().sum()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Saliency {
    /// 1-based layer of the Grad-CAM.
    pub layer: usize,
    pub class: usize,
    pub probs: Vec<f32>,
    pub input: Image,
    /// Grad-CAM at the layer's spatial size, in [0, 1].
    pub cam: Image,
    /// |gradient × input| at the input's size, in [0, 1].
    pub grad_x_input: Image,
}

/// What the inspector thread is asked.
#[derive(Clone, Debug)]
pub enum InspectRequest {
    Filters,
    FeatureMaps(InputChoice),
    Confusion,
    Saliency {
        input: InputChoice,
        layer: usize,
        class: Option<usize>,
    },
    TestImages(Vec<usize>),
    /// "Explain this number": the convolution behind pixel (y, x) of channel `channel` of the
    /// feature maps of layer `layer` (1-based) for this input.
    Explain {
        input: InputChoice,
        layer: usize,
        channel: usize,
        y: usize,
        x: usize,
    },
    /// Test accuracy with test-time averaging, alone or as an ensemble with more checkpoints.
    Averaged {
        tta: Tta,
        ensemble: Vec<PathBuf>,
    },
}

/// Test-time augmentation: the views whose softmax outputs are averaged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tta {
    #[default]
    Off,
    /// The image and its mirror image.
    Flip,
    /// Ten views: the image padded by an eighth of its size on each side, its four corner
    /// crops and centre crop at the input size, and their mirror images.
    TenCrop,
}

impl Tta {
    pub const ALL: [Tta; 3] = [Tta::Off, Tta::Flip, Tta::TenCrop];

    pub fn from_name(s: &str) -> Option<Tta> {
        match s {
            "off" | "none" => Some(Tta::Off),
            "flip" => Some(Tta::Flip),
            "crops" | "10crop" | "ten-crop" => Some(Tta::TenCrop),
            _ => None,
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            Tta::Off => "single view",
            Tta::Flip => "image + mirror",
            Tta::TenCrop => "10 crops (corners, centre, mirrored)",
        }
    }
}

/// Accuracies with averaging: each checkpoint's, and the ensemble's when there are several.
#[derive(Clone, Debug, PartialEq)]
pub struct AveragedReport {
    pub tta: Tta,
    pub test_images: usize,
    /// (checkpoint, top-1, top-5).
    pub members: Vec<(PathBuf, f32, Option<f32>)>,
    pub ensemble: f32,
    pub ensemble_top5: Option<f32>,
}

/// Why the inspector could not answer a request (no such layer or class, an image of the
/// wrong size), as the panel shows it: the engine's error, crossed to the window's thread as
/// its text (tensors and libtorch errors stay on the inspector's thread).
#[derive(thiserror::Error, Clone, Debug, PartialEq)]
#[error("{0}")]
pub struct Unanswered(pub String);

/// What it answers. Errors are answers too: the panel shows them.
#[derive(Clone, Debug)]
pub enum InspectReply {
    Opened(InspectSummary),
    Filters(Vec<FilterGrid>),
    FeatureMaps(Result<FeatureMaps, Unanswered>),
    Confusion(Confusion),
    Saliency(Result<Saliency, Unanswered>),
    TestImages(Vec<(usize, Image)>),
    Averaged(Result<AveragedReport, Unanswered>),
    Explain(Result<Explained, Unanswered>),
    /// The checkpoint could not be opened, or a request crashed.
    Failed(String),
}

/// One output value of a convolution layer taken apart: the input window of every input
/// channel it reads (padding zeros included, dilation applied), the kernels, the bias, and the
/// value the network computed.
#[derive(Clone, Debug, PartialEq)]
pub struct Explained {
    /// The convolution layer (1-based) and its label.
    pub conv_layer: usize,
    pub label: String,
    /// The layer whose map was clicked (the conv, or a norm/activation after it) and its value.
    pub shown_layer: usize,
    pub shown_label: String,
    pub shown_value: f32,
    pub channel: usize,
    pub y: usize,
    pub x: usize,
    /// Kernel height and width.
    pub kernel: (usize, usize),
    /// Per input channel read: (its index, the window row-major, the kernel row-major).
    pub inputs: Vec<(usize, Vec<f32>, Vec<f32>)>,
    pub bias: f32,
    /// The convolution's own output at (channel, y, x).
    pub network_value: f32,
    /// Input rows and columns (start, end) the value sees, when a plain stack leads to it.
    pub receptive: Option<((usize, usize), (usize, usize))>,
}
