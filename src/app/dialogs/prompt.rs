//! The modal dialogs every action may open: an error, "unsaved changes", and the typed path
//! (for systems without a file-dialog portal, and for keyboard users).
use crate::WorkbenchApp;
use egui::Key;
use std::path::PathBuf;
use ui::Action;

impl PathPrompt {
    pub(crate) fn new(kind: PromptKind, text: String) -> PathPrompt {
        PathPrompt {
            kind,
            text,
            focus: true,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PromptKind {
    Open,
    SaveAs,
    Checkpoint,
    DataFolder,
    Workspace,
}

impl PromptKind {
    fn heading(self) -> &'static str {
        match self {
            PromptKind::Open => "Open preset",
            PromptKind::SaveAs => "Save preset as",
            PromptKind::Checkpoint => "Open checkpoint",
            PromptKind::DataFolder => "Data folder",
            PromptKind::Workspace => "Open workspace",
        }
    }

    /// The field's label (tests find the field by it).
    fn label(self) -> &'static str {
        match self {
            PromptKind::Open | PromptKind::SaveAs => "Path of the .ron file:",
            PromptKind::Checkpoint => "Path of the .safetensors file or run folder:",
            PromptKind::DataFolder => "Path of the dataset folder:",
            PromptKind::Workspace => "Folder for run folders and comparisons:",
        }
    }

    fn action(self, path: PathBuf) -> Action {
        match self {
            PromptKind::Open => Action::OpenPath(path),
            PromptKind::SaveAs => Action::SaveAsPath(path),
            PromptKind::Checkpoint => Action::InspectCheckpoint(path),
            PromptKind::DataFolder => Action::SetDataFolder(path),
            PromptKind::Workspace => Action::OpenWorkspacePath(path),
        }
    }
}

/// A typed path, for systems without a file-dialog portal (and for keyboard users).
pub(crate) struct PathPrompt {
    pub kind: PromptKind,
    pub text: String,
    /// Focus the text field when the prompt first shows.
    pub focus: bool,
}

impl WorkbenchApp {
    /// The error, unsaved-changes and typed-path dialogs.
    pub(crate) fn dialogs_ui(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        self.error_dialog_ui(ctx);
        self.unsaved_dialog_ui(ctx, actions);
        self.prompt_ui(ctx, actions);
    }

    fn error_dialog_ui(&mut self, ctx: &egui::Context) {
        if let Some(message) = self.error.clone() {
            egui::Modal::new(egui::Id::unique("error-dialog")).show(ctx, |ui| {
                ui.set_max_width(520.0);
                ui.heading("Something went wrong");
                ui.label(&message);
                ui.weak("Your network and settings are unchanged.");
                if ui.button("OK").clicked() {
                    self.error = None;
                }
            });
        }
    }

    fn unsaved_dialog_ui(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        if let Some(pending) = self.pending.clone() {
            egui::Modal::new(egui::Id::unique("unsaved-dialog")).show(ctx, |ui| {
                ui.heading("Unsaved changes");
                ui.label(format!(
                    "\"{}\" has changes that are not saved.",
                    self.doc.preset.name
                ));
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() {
                        // Saved (asking for a path first when untitled), then carried out;
                        // a failed or cancelled save carries out nothing.
                        self.pending = None;
                        self.after_save = Some(pending.clone());
                        actions.push(Action::Save);
                    }
                    if ui.button("Discard changes").clicked() {
                        // Carry out the action as if the work were saved.
                        self.doc.mark_saved_in_place();
                        self.pending = None;
                        actions.push(pending.clone());
                    }
                    if ui.button("Cancel").clicked() {
                        self.pending = None;
                    }
                });
            });
        }
    }

    fn prompt_ui(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        if let Some(prompt) = &mut self.prompt {
            let mut close = false;
            let mut cancelled = false;
            egui::Modal::new(egui::Id::unique("path-prompt")).show(ctx, |ui| {
                ui.heading(prompt.kind.heading());
                ui.weak("No file dialog opened here: type the path.");
                let l = ui.label(prompt.kind.label());
                let r = ui
                    .add(egui::TextEdit::singleline(&mut prompt.text).desired_width(420.0))
                    .labelled_by(l.id);
                if std::mem::take(&mut prompt.focus) {
                    r.request_focus();
                }
                let enter = r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                ui.horizontal(|ui| {
                    if ui.button("OK").clicked() || enter {
                        let path = PathBuf::from(prompt.text.trim());
                        if !prompt.text.trim().is_empty() {
                            actions.push(prompt.kind.action(path));
                        }
                        close = true;
                    }
                    if ui.button("Cancel").clicked() {
                        cancelled = true;
                        close = true;
                    }
                });
            });
            if cancelled {
                // Nothing waits for a save that did not happen.
                self.after_save = None;
            }
            if close {
                self.prompt = None;
            }
        }
    }
}
