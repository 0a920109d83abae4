//! The zoo window: built from the bundled, full-size and recent presets when opened.
use crate::WorkbenchApp;
use spec::zoo::{builtin_rows, ZooRow};
use spec::Preset;
use ui::{self, Action};

impl WorkbenchApp {
    pub(crate) fn open_zoo(&mut self) {
        let mut rows: Vec<(ZooRow, Action)> = builtin_rows()
            .into_iter()
            .map(|(file, row)| (row, Action::OpenBundled(file)))
            .collect();
        // Recent presets too; one that no longer loads is left out.
        for path in &self.recent {
            if let Ok(p) = Preset::load(path) {
                if let Ok(row) = ZooRow::of(&p, &path.display().to_string()) {
                    rows.push((row, Action::OpenPath(path.clone())));
                }
            }
        }
        // A recent copy of a bundled preset is the same row.
        let rows = spec::zoo::dedup(rows);
        self.zoo = Some((rows, ui::zoo::ZooView::default()));
    }

    pub(crate) fn zoo_window_ui(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        let Some((rows, view)) = self.zoo.as_mut() else {
            return;
        };
        let mut open = true;
        egui::Window::new("Zoo")
            .open(&mut open)
            .default_size([760.0, 720.0])
            .show(ctx, |ui| ui::zoo::zoo_ui(ui, rows, view, actions));
        if !open {
            self.zoo = None;
        }
    }
}
