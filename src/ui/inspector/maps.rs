//! Feature maps of one input (a test image, a drawing or an image file), the prediction and
//! class probabilities, and the input chooser shared with the saliency panel.
use super::{CheckpointView, InspectorState};
use egui::{RichText, Ui};
use protocol::inspect::*;
use std::path::PathBuf;

/// One bar per class; the names in one column, so the bars start together (names padded with
/// spaces do not line up in a proportional font).
pub(super) fn probs_ui(ui: &mut Ui, probs: &[f32], predicted: usize, names: &[String]) {
    egui::Grid::new("class-probabilities")
        .num_columns(2)
        .spacing([8.0, 2.0])
        .show(ui, |ui| {
            for (i, p) in probs.iter().enumerate() {
                let name = names.get(i).cloned().unwrap_or_else(|| i.to_string());
                let text = RichText::new(name);
                ui.label(if i == predicted { text.strong() } else { text });
                ui.add(
                    egui::ProgressBar::new(*p)
                        .desired_width(120.0)
                        .text(format!("{:.1}%", p * 100.0)),
                );
                ui.end_row();
            }
        });
}

pub(super) fn maps_ui(ui: &mut Ui, side: &mut CheckpointView, thumb: usize, input: &InputChoice) {
    // Taken out for the frame and put back, rather than cloned every frame.
    let names = side
        .summary
        .as_mut()
        .map(|s| std::mem::take(&mut s.class_names))
        .unwrap_or_default();
    match side.maps.take() {
        None => {
            ui.spinner();
        }
        Some(Err(e)) => {
            ui.colored_label(crate::ERROR_COLOR, e.to_string());
            side.maps = Some(Err(e));
        }
        Some(Ok(maps)) => {
            layers_ui(ui, side, &maps, &names, (thumb, input));
            side.maps = Some(Ok(maps));
        }
    }
    if let Some(s) = side.summary.as_mut() {
        s.class_names = names;
    }
}

fn layers_ui(
    ui: &mut Ui,
    side: &mut CheckpointView,
    maps: &FeatureMaps,
    names: &[String],
    (thumb, input): (usize, &InputChoice),
) {
    ui.horizontal_top(|ui| {
        let tex = side.texture(ui, "maps-input".into(), || {
            render::picture(&maps.input, 0.0, 1.0)
        });
        let shown = ui.add(egui::Image::new((tex.id(), tex.size_vec2() * 4.0)));
        receptive_field_ui(ui, side, shown.rect, 4.0);
        ui.vertical(|ui| {
            ui.label(
                RichText::new(format!(
                    "prediction: {}",
                    names.get(maps.predicted).cloned().unwrap_or_default()
                ))
                .strong(),
            );
            probs_ui(ui, &maps.probs, maps.predicted, names);
        });
    });
    for l in &maps.layers {
        ui.label(format!(
            "layer {} {} — {} maps{}",
            l.layer,
            l.label,
            l.channels,
            if l.maps.len() < l.channels {
                format!(" (first {})", l.maps.len())
            } else {
                String::new()
            }
        ));
        ui.horizontal_wrapped(|ui| {
            for (k, m) in l.maps.iter().enumerate() {
                let tex = side.texture(ui, format!("maps-{}-{k}", l.layer), || {
                    render::map_picture(m)
                });
                let scale = (thumb as f32 * 28.0 / m.width.max(1) as f32).max(1.0);
                let r = ui
                    .add(
                        egui::Image::new((tex.id(), tex.size_vec2() * scale))
                            .sense(egui::Sense::click()),
                    )
                    .on_hover_text(format!("channel {k} — click a pixel: explain this number"));
                if let Some(pos) = r.interact_pointer_pos().filter(|_| r.clicked()) {
                    let rel = (pos - r.rect.min) / r.rect.size();
                    let px = ((rel.x * m.width as f32) as usize).min(m.width.saturating_sub(1));
                    let py = ((rel.y * m.height as f32) as usize).min(m.height.saturating_sub(1));
                    side.ask(InspectRequest::Explain {
                        input: input.clone(),
                        layer: l.layer,
                        channel: k,
                        y: py,
                        x: px,
                    });
                }
            }
        });
    }
}

/// The input choice: a test image (by index or class), a drawing, or an image file.
pub(super) fn input_chooser_ui(ui: &mut Ui, state: &mut InspectorState) -> Option<InputChoice> {
    // Taken out for the frame and put back, rather than cloned every frame.
    let summary = state.a.summary.take()?;
    let chosen = chooser_ui(ui, state, &summary);
    state.a.summary = Some(summary);
    chosen
}

fn chooser_ui(
    ui: &mut Ui,
    state: &mut InspectorState,
    summary: &InspectSummary,
) -> Option<InputChoice> {
    let mut chosen = None;
    ui.horizontal(|ui| {
        let mut index = match state.input {
            InputChoice::Test(i) => i,
            _ => 0,
        };
        let l = ui.label("test image");
        if ui
            .add(egui::DragValue::new(&mut index).range(0..=summary.test_images.saturating_sub(1)))
            .labelled_by(l.id)
            .changed()
        {
            chosen = Some(InputChoice::Test(index));
        }
        let l = ui.label("of class");
        egui::ComboBox::from_id_salt("inspect-class")
            .selected_text(
                state
                    .class_filter
                    .and_then(|c| summary.class_names.get(c).cloned())
                    .unwrap_or_else(|| "any".into()),
            )
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut state.class_filter, None, "any");
                for (i, n) in summary.class_names.iter().enumerate() {
                    ui.selectable_value(&mut state.class_filter, Some(i), n);
                }
            })
            .response
            .labelled_by(l.id);
        if ui
            .button("Next")
            .on_hover_text("the next test image of that class")
            .clicked()
        {
            let from = index + 1;
            let n = summary.test_labels.len();
            let next = (0..n).map(|k| (from + k) % n).find(|&i| {
                state
                    .class_filter
                    .is_none_or(|c| summary.test_labels[i] == c)
            });
            if let Some(i) = next {
                chosen = Some(InputChoice::Test(i));
            }
        }
        ui.separator();
        let l = ui.label("image file");
        ui.add(egui::TextEdit::singleline(&mut state.image_path).desired_width(180.0))
            .labelled_by(l.id);
        if ui.button("Load").clicked() && !state.image_path.trim().is_empty() {
            // Decoded and fitted to the network on the inspector thread.
            chosen = Some(InputChoice::File(PathBuf::from(state.image_path.trim())));
        }
    });
    if takes_gray28(&state.a) {
        ui.horizontal(|ui| {
            ui.label("or draw:");
            if super::canvas::canvas_ui(ui, &mut state.canvas) {
                chosen = Some(InputChoice::Pixels(Image {
                    channels: 1,
                    height: 28,
                    width: 28,
                    data: state.canvas.clone(),
                }));
            }
            if ui.button("Clear").clicked() {
                state.canvas.iter_mut().for_each(|v| *v = 0.0);
            }
        });
    }
    chosen
}

/// Whether the network takes 28×28 gray images (the drawing canvas makes sense then).
pub(super) fn takes_gray28(side: &CheckpointView) -> bool {
    side.maps
        .as_ref()
        .and_then(|m| m.as_ref().ok())
        .is_some_and(|m| m.input.channels == 1 && m.input.width == 28 && m.input.height == 28)
}

/// The receptive field of the value last explained, drawn on the input image (shown at `scale`
/// screen pixels per image pixel), or why there is none.
fn receptive_field_ui(ui: &mut Ui, side: &CheckpointView, image: egui::Rect, scale: f32) {
    match &side.explained {
        Some(Ok(e)) => {
            if let Some(((r0, r1), (c0, c1))) = e.receptive {
                let min = image.min + egui::vec2(c0 as f32, r0 as f32) * scale;
                let max = image.min + egui::vec2(c1 as f32, r1 as f32) * scale;
                ui.painter().rect_stroke(
                    egui::Rect::from_min_max(min, max),
                    0.0,
                    egui::Stroke::new(2.0, egui::Color32::YELLOW),
                    egui::StrokeKind::Outside,
                );
            }
        }
        Some(Err(e)) => {
            ui.colored_label(crate::ERROR_COLOR, e.to_string());
        }
        None => {}
    }
}
