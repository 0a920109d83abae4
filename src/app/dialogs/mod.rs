//! One file per dialog family. Each dialog is a [`crate::view::View`]: it owns its state,
//! draws itself and returns what it asks of the app; panels in `ui/` never open one directly
//! but return actions.
mod compare;
mod data;
mod export;
mod history;
mod prompt;
mod zoo;

pub(crate) use compare::CompareDialog;
pub(crate) use data::{DatasetWindow, DownloadWindow};
pub(crate) use export::ExportDialog;
pub(crate) use history::{DeleteDialog, DiffWindow, RenameDialog};
pub(crate) use prompt::{PathPrompt, PromptKind, UnsavedQuestion};
pub(crate) use zoo::ZooWindow;
