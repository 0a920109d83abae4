//! The zoo window: built from the bundled, full-size and recent presets when opened.
use crate::view::{Effect, Env, View};
use spec::zoo::{builtin_rows, ZooRow};
use spec::Preset;
use std::path::PathBuf;
use ui::{self, Action};

/// Every preset side by side, sortable; a row opens its preset.
pub(crate) struct ZooWindow {
    rows: Vec<(ZooRow, Action)>,
    view: ui::zoo::ZooView,
}

impl ZooWindow {
    /// The bundled presets and the recent files that still load.
    pub(crate) fn new(recent: &[PathBuf]) -> ZooWindow {
        let mut rows: Vec<(ZooRow, Action)> = builtin_rows()
            .into_iter()
            .map(|(file, row)| (row, Action::OpenBundled(file)))
            .collect();
        // Recent presets too; one that no longer loads is left out.
        for path in recent {
            if let Ok(p) = Preset::load(path) {
                if let Ok(row) = ZooRow::of(&p, &path.display().to_string()) {
                    rows.push((row, Action::OpenPath(path.clone())));
                }
            }
        }
        // A recent copy of a bundled preset is the same row.
        ZooWindow {
            rows: spec::zoo::dedup(rows),
            view: Default::default(),
        }
    }
}

impl View for ZooWindow {
    fn show(&mut self, ctx: &egui::Context, _env: &Env<'_>, out: &mut Vec<Effect>) -> bool {
        let mut open = true;
        let mut actions = Vec::new();
        egui::Window::new("Zoo")
            .open(&mut open)
            .default_size([760.0, 720.0])
            .show(ctx, |ui| {
                ui::zoo::zoo_ui(ui, &self.rows, &mut self.view, &mut actions)
            });
        out.extend(actions.into_iter().map(Effect::Do));
        open
    }
}
