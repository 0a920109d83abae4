//! What is kept between sessions (eframe's storage): the network being edited, its file,
//! recent files and the workspace.
use super::document::Document;
use super::WorkbenchApp;
use serde::{Deserialize, Serialize};
use spec::Preset;
use std::path::PathBuf;

pub(super) const STORAGE_KEY: &str = "cnn-workbench-session";

/// What is kept between sessions.
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct SavedState {
    preset: Option<Preset>,
    path: Option<PathBuf>,
    /// The preset as last saved, so a restored session knows whether it has unsaved changes.
    saved: Option<Preset>,
    recent: Vec<PathBuf>,
    workspace: Option<PathBuf>,
    recent_workspaces: Vec<PathBuf>,
}

impl WorkbenchApp {
    /// The session as text, for eframe's storage: the network being edited (saved or not),
    /// its file, recent files and the run folder location.
    pub fn session_text(&self) -> Option<String> {
        let state = SavedState {
            preset: Some(self.doc.preset.clone()),
            path: self.doc.path.clone(),
            saved: Some(self.doc.saved().clone()),
            recent: self.library.recent.clone(),
            workspace: Some(self.workspace.clone()),
            recent_workspaces: self.library.recent_workspaces.clone(),
        };
        ron::to_string(&state).ok()
    }

    /// Restores a session written by [`Self::session_text`]; unreadable text is ignored (the
    /// app then starts fresh rather than failing).
    pub fn restore_session(&mut self, text: &str) {
        let Ok(s) = ron::from_str::<SavedState>(text) else {
            return;
        };
        if let Some(p) = s.preset {
            self.doc = Document::restored(p, s.path, s.saved);
        }
        self.library.recent = s.recent;
        if let Some(w) = s.workspace {
            self.workspace = w;
        }
        self.library.recent_workspaces = s.recent_workspaces;
        self.sync_folder_text();
    }
}
