//! The layer palette and the preset library (left side).
use super::editor::DragPayload;
use super::Action;
use egui::{RichText, Ui};
use spec::Layer;
use std::path::PathBuf;

pub fn palette_ui(ui: &mut Ui, actions: &mut Vec<Action>) {
    ui.heading("Layers");
    ui.weak("click to add after the selected layer, or drag into the network");
    for group in Layer::palette() {
        egui::CollapsingHeader::new(group.name)
            .default_open(true)
            .show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    for item in group.items {
                        // Click appends; dragging carries the layer into the editor.
                        let r = ui
                            .add(egui::Button::new(item.name).sense(egui::Sense::click_and_drag()))
                            .on_hover_text(item.explain);
                        r.dnd_set_drag_payload(DragPayload::New(item.layer.clone()));
                        if r.clicked() {
                            actions.push(Action::AddLayer {
                                layer: item.layer,
                                at: None,
                            });
                        }
                    }
                });
            });
    }
}

/// `bundled`: (file, display name) of each bundled preset.
pub fn library_ui(
    ui: &mut Ui,
    bundled: &[(&'static str, String)],
    recent: &[PathBuf],
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        ui.heading("Presets");
        if ui
            .button("Zoo…")
            .on_hover_text(
                "every architecture in one table and chart: the lecture's networks at full size",
            )
            .clicked()
        {
            actions.push(Action::OpenZoo);
        }
    });
    for (file, name) in bundled {
        if ui
            .link(name)
            .on_hover_text(format!("bundled: presets/{file}"))
            .clicked()
        {
            actions.push(Action::OpenBundled(file));
        }
    }
    if !recent.is_empty() {
        ui.add_space(6.0);
        ui.label(RichText::new("Recent").strong());
        for path in recent {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if ui
                .link(name)
                .on_hover_text(path.display().to_string())
                .clicked()
            {
                actions.push(Action::OpenPath(path.clone()));
            }
        }
    }
}
