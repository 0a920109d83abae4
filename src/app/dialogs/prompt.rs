//! The modal dialogs every action may open: an error, "unsaved changes", and the typed path
//! (for systems without a file-dialog portal, and for keyboard users).
use crate::app::WorkbenchApp;
use crate::ui::Action;
use egui::Key;
use std::path::PathBuf;

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
                        self.pending = None;
                        actions.push(Action::Save);
                        if self.doc.path.is_some() {
                            actions.push(pending.clone());
                        }
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
            egui::Modal::new(egui::Id::unique("path-prompt")).show(ctx, |ui| {
                ui.heading(match prompt.kind {
                    PromptKind::Open => "Open preset",
                    PromptKind::SaveAs => "Save preset as",
                    PromptKind::Checkpoint => "Open checkpoint",
                });
                let l = ui.label(if prompt.kind == PromptKind::Checkpoint {
                    "Path of the .safetensors file or run folder:"
                } else {
                    "Path of the .ron file:"
                });
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
                            actions.push(match prompt.kind {
                                PromptKind::Open => Action::OpenPath(path),
                                PromptKind::SaveAs => Action::SaveAsPath(path),
                                PromptKind::Checkpoint => Action::InspectCheckpoint(path),
                            });
                        }
                        close = true;
                    }
                    if ui.button("Cancel").clicked() {
                        close = true;
                    }
                });
            });
            if close {
                self.prompt = None;
            }
        }
    }
}
