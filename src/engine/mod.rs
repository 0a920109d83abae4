//! libtorch: building models from specs, data, the training loop and the trainer thread.
//! Tensors never leave this module's thread; the outside sees `protocol` events.
pub mod augment;
pub mod checkpoint;
pub mod cuda_addon;
pub mod data;
pub mod device;
pub mod ensemble;
pub mod error;
pub mod explain;
mod generator;
pub mod import;
pub mod inspect;
pub mod lab;
pub mod layers;
pub mod model;
pub mod stats;
pub mod train;
pub mod trainer;

pub use error::EngineError;
pub use model::Model;
/// libtorch's bindings, for the tests and the binary: this crate is the one that depends on them.
pub use tch;
/// The torch version libtorch came from, read at build time ("2.13.0+cpu"), for Help → About.
pub const LIBTORCH_VERSION: &str = env!("CNN_WORKBENCH_LIBTORCH_VERSION");
pub use train::RunOptions;
pub use trainer::Trainer;
