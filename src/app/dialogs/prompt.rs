//! The modal dialogs every action may open: an error, a notice, "unsaved changes", and the
//! typed path (for systems without a file-dialog portal, and for keyboard users).
use crate::view::{Effect, Env, View};
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

/// "Unsaved changes": asked before an action that would replace unsaved work.
pub(crate) struct UnsavedQuestion {
    /// What waits for the answer.
    pub pending: Action,
}

impl View for UnsavedQuestion {
    fn show(&mut self, ctx: &egui::Context, env: &Env<'_>, out: &mut Vec<Effect>) -> bool {
        let mut open = true;
        egui::Modal::new(egui::Id::unique("unsaved-dialog")).show(ctx, |ui| {
            ui.heading("Unsaved changes");
            ui.label(format!(
                "\"{}\" has changes that are not saved.",
                env.preset.name
            ));
            ui.horizontal(|ui| {
                if ui.button("Save").clicked() {
                    // Saved (asking for a path first when untitled), then carried out; a
                    // failed or cancelled save carries out nothing.
                    out.push(Effect::SaveThen(self.pending.clone()));
                    open = false;
                }
                if ui.button("Discard changes").clicked() {
                    out.push(Effect::DiscardThen(self.pending.clone()));
                    open = false;
                }
                if ui.button("Cancel").clicked() {
                    open = false;
                }
            });
        });
        open
    }
}

impl View for PathPrompt {
    fn show(&mut self, ctx: &egui::Context, _env: &Env<'_>, out: &mut Vec<Effect>) -> bool {
        let mut open = true;
        egui::Modal::new(egui::Id::unique("path-prompt")).show(ctx, |ui| {
            ui.heading(self.kind.heading());
            ui.weak("No file dialog opened here: type the path.");
            let l = ui.label(self.kind.label());
            let r = ui
                .add(egui::TextEdit::singleline(&mut self.text).desired_width(420.0))
                .labelled_by(l.id);
            if std::mem::take(&mut self.focus) {
                r.request_focus();
            }
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            ui.horizontal(|ui| {
                if ui.button("OK").clicked() || enter {
                    let text = self.text.trim();
                    if !text.is_empty() {
                        out.push(Effect::Do(self.kind.action(PathBuf::from(text))));
                    }
                    open = false;
                }
                if ui.button("Cancel").clicked() {
                    // Nothing waits for a save that did not happen.
                    out.push(Effect::ForgetSave);
                    open = false;
                }
            });
        });
        open
    }
}

impl WorkbenchApp {
    /// The error dialog: any failure, with the reassurance that nothing was lost.
    pub(crate) fn error_dialog_ui(&mut self, ctx: &egui::Context) {
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

    /// A message that is not an error (where an export went).
    pub(crate) fn notice_ui(&mut self, ctx: &egui::Context) {
        if let Some(n) = self.notice.clone() {
            egui::Modal::new(egui::Id::unique("notice-dialog")).show(ctx, |ui| {
                ui.label(n);
                if ui.button("OK").clicked() {
                    self.notice = None;
                }
            });
        }
    }
}
