//! Drawing: each function draws one part of the window and returns actions; none waits on the
//! trainer or touches a tensor.
pub mod action;
pub mod check;
pub mod commands;
pub mod compare;
pub mod data_panel;
pub mod editor;
pub mod history;
pub mod inspector;
pub mod learn;
pub mod palette;
pub mod plots;
pub mod run_panel;
pub mod settings;
pub mod theme;
pub mod widgets;
pub mod zoo;

pub use action::{Action, ActionKind};
pub use theme::ERROR_COLOR;
