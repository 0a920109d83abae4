//! What the dataset view shows, as plain numbers (made on a background thread).
use super::inspect::Image;

#[derive(Clone, Debug, PartialEq)]
pub struct DatasetPreview {
    /// The source in words ("CIFAR batches in …").
    pub source: String,
    pub class_names: Vec<String>,
    /// Training images per class (before the validation split).
    pub train_counts: Vec<usize>,
    pub test_counts: Vec<usize>,
    /// The network input the images are fitted to: channels, height, width.
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    /// Per-channel mean and std in [0, 1] units, over the training images (or a sample).
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    /// Up to `per_class` samples per class, in class order: (class, image in [0, 1]).
    pub samples: Vec<(usize, Image)>,
    /// The same samples after the preset's augmentation (one draw, fixed seed).
    pub augmented: Vec<Image>,
    /// Files passed over, and other notes.
    pub notes: Vec<String>,
}
