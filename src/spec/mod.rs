//! The network, training and data settings as plain serde data — no libtorch, no egui.
//! Everything a user edits lives here, and shape inference works from it alone.
pub mod activation;
pub mod compare;
pub mod data;
pub mod edit;
pub mod error;
pub mod format;
pub mod lab;
pub mod layer;
pub mod library;
pub mod memory;
pub mod network;
pub mod preset;
pub mod shape;
pub mod training;
pub mod zoo;

pub use activation::{Activation, GeluForm};
pub use compare::{CompareSpec, Dimension};
pub use data::{downloadable, DataSource, DataSpec, Downloadable, Loader, DOWNLOADABLE};
pub use error::{CompareError, LayerError, TrainingError};
pub use format::{Format, FormatInfo, FORMATS};
pub use layer::{Defaults, Init, Layer, LayerKind, Norm};
pub use network::{InputShape, Network};
pub use preset::{Preset, PresetError};
pub use shape::{
    infer, infer_layers, infer_partial, thousands, LayerInfo, Shape, SpecError, Summary,
    MACS_COUNTED,
};
pub use training::{threads_for, Augment, Loss, Optimizer, Schedule, Training};
