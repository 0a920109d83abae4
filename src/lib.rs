//! cnn-workbench: assemble, train and understand convolutional networks.
//!
//! Layers, one way: `spec` (plain data) ← `engine` (libtorch, trainer thread) → `protocol`
//! (plain numbers) → `runs` (state folded from events) → the window.
pub mod app;
pub mod engine;
pub mod export;
pub mod fetch;
pub mod protocol;
pub mod render;
pub mod runs;
pub mod spec;
pub mod ui;
