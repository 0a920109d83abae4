//! Dialogs of the run history: rename and tag, delete, and the config diff.
use crate::view::{Effect, Env, View};
use egui::RichText;
use runs::history;
use std::path::PathBuf;

/// Renaming and tagging a run.
pub(crate) struct RenameDialog {
    pub dir: PathBuf,
    pub name: String,
    pub tags: String,
}

impl RenameDialog {
    /// The dialog on a run folder, filled with its name and tags.
    pub(crate) fn new(dir: PathBuf) -> RenameDialog {
        let meta = runs::folder::load_meta(&dir).unwrap_or_default();
        RenameDialog {
            dir,
            name: meta.name,
            tags: meta.tags.join(", "),
        }
    }

    fn save(&self, out: &mut Vec<Effect>) {
        let tags: Vec<String> = self
            .tags
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        if let Err(e) = history::update_meta(&self.dir, &self.name, &tags) {
            out.push(Effect::Error(e.to_string()));
        }
        out.push(Effect::HistoryChanged);
    }
}

impl View for RenameDialog {
    fn show(&mut self, ctx: &egui::Context, _env: &Env<'_>, out: &mut Vec<Effect>) -> bool {
        let mut open = true;
        egui::Modal::new(egui::Id::unique("rename-dialog")).show(ctx, |ui| {
            ui.heading("Rename run");
            ui::widgets::row(ui, "name", |ui| ui.text_edit_singleline(&mut self.name));
            ui::widgets::row(ui, "tags", |ui| ui.text_edit_singleline(&mut self.tags));
            ui.horizontal(|ui| {
                if ui.button("Save").clicked() {
                    self.save(out);
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

/// "Delete run?", asked before a run folder is deleted.
pub(crate) struct DeleteDialog {
    pub dir: PathBuf,
}

impl View for DeleteDialog {
    fn show(&mut self, ctx: &egui::Context, _env: &Env<'_>, out: &mut Vec<Effect>) -> bool {
        let mut open = true;
        egui::Modal::new(egui::Id::unique("delete-dialog")).show(ctx, |ui| {
            ui.heading("Delete run?");
            ui.label(format!(
                "This deletes {} and everything in it.",
                self.dir.display()
            ));
            ui.horizontal(|ui| {
                if ui.button("Delete run").clicked() {
                    if let Err(e) = history::delete_run(&self.dir) {
                        out.push(Effect::Error(e.to_string()));
                    }
                    out.push(Effect::HistoryChanged);
                    open = false;
                }
                if ui.button("Keep").clicked() {
                    open = false;
                }
            });
        });
        open
    }
}

/// Two run ids and the preset fields that differ between them.
pub(crate) struct DiffWindow {
    pub a: String,
    pub b: String,
    /// (field, value in a, value in b)
    pub rows: Vec<(String, String, String)>,
}

impl View for DiffWindow {
    fn show(&mut self, ctx: &egui::Context, _env: &Env<'_>, _out: &mut Vec<Effect>) -> bool {
        let mut open = true;
        egui::Window::new("Config diff")
            .open(&mut open)
            .default_width(560.0)
            .show(ctx, |ui| {
                if self.rows.is_empty() {
                    ui.label("The two presets are identical.");
                }
                egui::ScrollArea::vertical()
                    .max_height(400.0)
                    .show(ui, |ui| {
                        egui::Grid::new("diff-grid").striped(true).show(ui, |ui| {
                            ui.label(RichText::new("field").strong());
                            ui.label(RichText::new(&self.a).strong());
                            ui.label(RichText::new(&self.b).strong());
                            ui.end_row();
                            for (k, va, vb) in &self.rows {
                                ui.monospace(k);
                                ui.monospace(va);
                                ui.monospace(vb);
                                ui.end_row();
                            }
                        });
                    });
            });
        open
    }
}
