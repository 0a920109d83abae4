//! One file per dialog family. Dialogs are modal windows drawn by the app itself (they edit
//! the app's state); panels in `ui/` never open them directly but return actions.
mod compare;
mod data;
mod export;
mod history;
mod prompt;
mod zoo;

pub(crate) use compare::CompareDialog;
pub(crate) use data::DataWindows;
pub(crate) use export::ExportDialog;
pub(crate) use history::{ConfigDiff, RenameDialog};
pub(crate) use prompt::{PathPrompt, PromptKind};
