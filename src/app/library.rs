//! The presets that ship inside the binary (defined in `spec::library`).
pub use spec::library::*;
