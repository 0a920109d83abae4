//! Colours shared by the panels.
use egui::Color32;

/// Errors and impossible layers.
pub const ERROR_COLOR: Color32 = Color32::from_rgb(0xe0, 0x4a, 0x3f);
