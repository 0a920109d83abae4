//! The preset being edited: where it lives on disk, whether it is saved, and undo/redo.
use spec::Preset;
use std::path::PathBuf;

const UNDO_LIMIT: usize = 200;

#[derive(Clone, Debug)]
pub struct Document {
    /// What the user sees and edits; widgets change it directly.
    pub preset: Preset,
    /// The file it was loaded from or last saved to.
    pub path: Option<PathBuf>,
    /// The preset as last saved or loaded, to tell whether there are unsaved changes.
    saved: Preset,
    /// The last state recorded in the history: edits are compared against it.
    committed: Preset,
    undo: Vec<Preset>,
    redo: Vec<Preset>,
}

impl Document {
    pub fn new(preset: Preset, path: Option<PathBuf>) -> Document {
        Document {
            saved: preset.clone(),
            committed: preset.clone(),
            preset,
            path,
            undo: Vec::new(),
            redo: Vec::new(),
        }
    }

    /// A document restored from the last session: `saved` is what is on disk (if known).
    pub fn restored(preset: Preset, path: Option<PathBuf>, saved: Option<Preset>) -> Document {
        let mut d = Document::new(preset, path);
        if let Some(s) = saved {
            d.saved = s;
        }
        d
    }

    pub fn is_dirty(&self) -> bool {
        self.preset != self.saved
    }

    /// The preset as last saved or loaded.
    pub fn saved(&self) -> &Preset {
        &self.saved
    }

    /// Treats the current state as saved without writing it (the user chose to discard).
    pub fn mark_saved_in_place(&mut self) {
        self.saved = self.preset.clone();
    }

    pub fn mark_saved(&mut self, path: PathBuf) {
        self.saved = self.preset.clone();
        self.path = Some(path);
    }

    /// Records the current preset as one undo step if it changed since the last record.
    /// Called after each frame once no widget is being dragged, so that one drag is one step.
    pub fn commit(&mut self) {
        if self.preset != self.committed {
            let previous = std::mem::replace(&mut self.committed, self.preset.clone());
            self.undo.push(previous);
            if self.undo.len() > UNDO_LIMIT {
                self.undo.remove(0);
            }
            self.redo.clear();
        }
    }

    /// Applies an edit made outside widgets (palette, reorder, delete) as its own undo step.
    pub fn edit(&mut self, f: impl FnOnce(&mut Preset)) {
        self.commit();
        f(&mut self.preset);
        self.commit();
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty() || self.preset != self.committed
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    pub fn undo(&mut self) {
        self.commit();
        if let Some(previous) = self.undo.pop() {
            let current = std::mem::replace(&mut self.preset, previous);
            self.redo.push(current);
            self.committed = self.preset.clone();
        }
    }

    pub fn redo(&mut self) {
        self.commit();
        if let Some(next) = self.redo.pop() {
            let current = std::mem::replace(&mut self.preset, next);
            self.undo.push(current);
            self.committed = self.preset.clone();
        }
    }

    /// The name shown in the title bar.
    pub fn title(&self) -> String {
        let name = if self.preset.name.is_empty() {
            self.path
                .as_ref()
                .and_then(|p| p.file_stem())
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "untitled".into())
        } else {
            self.preset.name.clone()
        };
        format!(
            "{}{} — cnn-workbench",
            name,
            if self.is_dirty() { " *" } else { "" }
        )
    }
}
