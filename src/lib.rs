//! cnn-workbench: assemble, train and understand convolutional networks.
//!
//! The work is done by one crate per layer, under `src/` (see ARCHITECTURE.md); this crate
//! gives them one name for the tests and examples: `cnn_workbench::spec`, `…::engine`, ….
pub use ::app;
pub use ::engine;
pub use ::export;
pub use ::fetch;
pub use ::launch;
pub use ::protocol;
pub use ::render;
pub use ::runs;
pub use ::spec;
pub use ::ui;
