//! Dialogs of the run history: rename and tag, delete, config diff, and notices.
use crate::WorkbenchApp;
use egui::RichText;
use runs::history;
use std::path::PathBuf;

/// Two run ids and the preset fields that differ between them.
pub(crate) type ConfigDiff = (String, String, Vec<(String, String, String)>);

/// Renaming and tagging a run.
pub(crate) struct RenameDialog {
    pub dir: PathBuf,
    pub name: String,
    pub tags: String,
}

impl WorkbenchApp {
    /// The rename, delete, diff and notice dialogs of the history.
    pub(crate) fn history_dialogs_ui(&mut self, ctx: &egui::Context) {
        self.rename_dialog_ui(ctx);
        self.delete_dialog_ui(ctx);
        self.diff_window_ui(ctx);
        self.notice_ui(ctx);
    }

    fn rename_dialog_ui(&mut self, ctx: &egui::Context) {
        if let Some(r) = &mut self.rename {
            let mut close = false;
            egui::Modal::new(egui::Id::unique("rename-dialog")).show(ctx, |ui| {
                ui.heading("Rename run");
                ui::widgets::row(ui, "name", |ui| ui.text_edit_singleline(&mut r.name));
                ui::widgets::row(ui, "tags", |ui| ui.text_edit_singleline(&mut r.tags));
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() {
                        let tags: Vec<String> = r
                            .tags
                            .split(',')
                            .map(|t| t.trim().to_string())
                            .filter(|t| !t.is_empty())
                            .collect();
                        if let Err(e) = history::update_meta(&r.dir, &r.name, &tags) {
                            self.error = Some(e);
                        }
                        self.history_stale = true;
                        close = true;
                    }
                    if ui.button("Cancel").clicked() {
                        close = true;
                    }
                });
            });
            if close {
                self.rename = None;
            }
        }
    }

    fn delete_dialog_ui(&mut self, ctx: &egui::Context) {
        if let Some(dir) = self.confirm_delete.clone() {
            egui::Modal::new(egui::Id::unique("delete-dialog")).show(ctx, |ui| {
                ui.heading("Delete run?");
                ui.label(format!(
                    "This deletes {} and everything in it.",
                    dir.display()
                ));
                ui.horizontal(|ui| {
                    if ui.button("Delete run").clicked() {
                        if let Err(e) = history::delete_run(&dir) {
                            self.error = Some(e);
                        }
                        self.confirm_delete = None;
                        self.history_stale = true;
                    }
                    if ui.button("Keep").clicked() {
                        self.confirm_delete = None;
                    }
                });
            });
        }
    }

    fn diff_window_ui(&mut self, ctx: &egui::Context) {
        if let Some((a, b, rows)) = &self.diff {
            let mut open = true;
            egui::Window::new("Config diff")
                .open(&mut open)
                .default_width(560.0)
                .show(ctx, |ui| {
                    if rows.is_empty() {
                        ui.label("The two presets are identical.");
                    }
                    egui::ScrollArea::vertical()
                        .max_height(400.0)
                        .show(ui, |ui| {
                            egui::Grid::new("diff-grid").striped(true).show(ui, |ui| {
                                ui.label(RichText::new("field").strong());
                                ui.label(RichText::new(a).strong());
                                ui.label(RichText::new(b).strong());
                                ui.end_row();
                                for (k, va, vb) in rows {
                                    ui.monospace(k);
                                    ui.monospace(va);
                                    ui.monospace(vb);
                                    ui.end_row();
                                }
                            });
                        });
                });
            if !open {
                self.diff = None;
            }
        }
    }

    fn notice_ui(&mut self, ctx: &egui::Context) {
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
