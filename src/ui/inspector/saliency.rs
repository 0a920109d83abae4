//! Saliency: Grad-CAM for a chosen layer and class, and gradient × input, over the image.
use super::InspectorState;
use egui::{RichText, Ui};
use protocol::inspect::*;
use render::{self, Rgba};

pub(super) fn saliency_ui(ui: &mut Ui, state: &mut InspectorState) {
    // Taken out for the frame and put back, rather than cloned every frame.
    let Some(summary) = state.a.summary.take() else {
        return;
    };
    let saliency = state.a.saliency.take();
    if cam_choice_ui(ui, state, &summary) {
        let input = state.input.clone();
        let layer = state.cam_layer.or_else(|| summary.default_cam_layer());
        state.a.ask_views(&input, layer, state.cam_class);
    }
    match &saliency {
        None => {
            ui.spinner();
        }
        Some(Err(e)) => {
            ui.colored_label(crate::ERROR_COLOR, e.to_string());
        }
        Some(Ok(s)) => saliency_images_ui(ui, state, s, &summary.class_names),
    }
    state.a.summary = Some(summary);
    state.a.saliency = saliency;
}

/// The Grad-CAM layer and class; true when the user changed either.
fn cam_choice_ui(ui: &mut Ui, state: &mut InspectorState, summary: &InspectSummary) -> bool {
    let layers: Vec<&LayerDesc> = summary.layers.iter().filter(|l| l.is_map).collect();
    let current = state.cam_layer.or_else(|| summary.default_cam_layer());
    let mut changed = false;
    ui.horizontal(|ui| {
        let l = ui.label("Grad-CAM layer");
        egui::ComboBox::from_id_salt("cam-layer")
            .selected_text(
                current
                    .and_then(|c| layers.iter().find(|l| l.index == c))
                    .map(|l| format!("{} {}", l.index, l.label))
                    .unwrap_or_default(),
            )
            .show_ui(ui, |ui| {
                for l in &layers {
                    if ui
                        .selectable_label(
                            current == Some(l.index),
                            format!("{} {}", l.index, l.label),
                        )
                        .clicked()
                    {
                        state.cam_layer = Some(l.index);
                        changed = true;
                    }
                }
            })
            .response
            .labelled_by(l.id);
        let l = ui.label("class");
        egui::ComboBox::from_id_salt("cam-class")
            .selected_text(
                state
                    .cam_class
                    .and_then(|c| summary.class_names.get(c).cloned())
                    .unwrap_or_else(|| "predicted".into()),
            )
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(state.cam_class.is_none(), "predicted")
                    .clicked()
                {
                    state.cam_class = None;
                    changed = true;
                }
                for (i, n) in summary.class_names.iter().enumerate() {
                    if ui.selectable_label(state.cam_class == Some(i), n).clicked() {
                        state.cam_class = Some(i);
                        changed = true;
                    }
                }
            })
            .response
            .labelled_by(l.id);
    });
    changed
}

/// The input, Grad-CAM and gradient × input side by side.
fn saliency_images_ui(
    ui: &mut Ui,
    state: &mut InspectorState,
    s: &Saliency,
    class_names: &[String],
) {
    ui.label(format!(
        "class {} ({:.1}%), Grad-CAM at layer {} ({}×{}), upsampled onto the input",
        class_names.get(s.class).cloned().unwrap_or_default(),
        s.probs.get(s.class).copied().unwrap_or(0.0) * 100.0,
        s.layer,
        s.cam.height,
        s.cam.width
    ));
    ui.horizontal(|ui| {
        for (key, title, make) in [
            (
                "sal-input",
                "input",
                Box::new(|| {
                    render::overlay(
                        &s.input,
                        &Image {
                            channels: 1,
                            height: 1,
                            width: 1,
                            data: vec![0.0],
                        },
                        8,
                        0.0,
                    )
                }) as Box<dyn FnOnce() -> Rgba>,
            ),
            (
                "sal-cam",
                "Grad-CAM",
                Box::new(|| render::overlay(&s.input, &s.cam, 8, 0.65)),
            ),
            (
                "sal-gxi",
                "gradient × input",
                Box::new(|| render::overlay(&s.input, &s.grad_x_input, 8, 0.8)),
            ),
        ] {
            ui.vertical(|ui| {
                ui.label(RichText::new(title).strong());
                let tex = state.a.texture(ui, key.to_string(), make);
                ui.image((tex.id(), tex.size_vec2()));
            });
        }
    });
}
