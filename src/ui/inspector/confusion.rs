//! The confusion matrix on the test set; a cell opens its images.
use super::InspectorState;
use egui::{Color32, RichText, Ui};
use protocol::inspect::*;

pub(super) fn confusion_ui(ui: &mut Ui, state: &mut InspectorState) {
    // Taken out for the frame and put back, rather than cloned every frame.
    let Some(c) = state.a.confusion.take() else {
        ui.spinner();
        return;
    };
    let names = state
        .a
        .summary
        .as_mut()
        .map(|s| std::mem::take(&mut s.class_names))
        .unwrap_or_default();
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!(
                "test accuracy {:.2}% on {} images",
                c.accuracy * 100.0,
                c.total()
            ))
            .strong(),
        );
        ui.checkbox(&mut state.normalized, "row-normalized");
    });
    averaging_ui(ui, state);
    // The cell's images beside the matrix where three of them fit in the window, else below
    // it: never past the window's edge. The matrix's width is last frame's.
    let width_id = ui.scope_id().with("confusion-matrix-width");
    let matrix_width = ui.data(|d| d.get_temp::<f32>(width_id));
    let beside = matrix_width.is_some_and(|w| ui.available_width() - w >= 3.0 * THUMB_SLOT);
    // The matrix sits in the same place either way: its grid keeps its id (and its sizes).
    let drawn = ui
        .horizontal_top(|ui| {
            let r = ui.scope(|ui| matrix_ui(ui, state, &c, &names)).response;
            if beside {
                ui.vertical(|ui| {
                    ui.set_max_width(ui.available_width());
                    cell_images_ui(ui, state, &c, &names);
                });
            }
            r
        })
        .inner;
    if !beside {
        cell_images_ui(ui, state, &c, &names);
    }
    ui.data_mut(|d| d.insert_temp(width_id, drawn.rect.width()));
    if let Some(summary) = state.a.summary.as_mut() {
        summary.class_names = names;
    }
    state.a.confusion = Some(c);
}

/// The room one image of a cell takes: at most 64 points and spacing.
const THUMB_SLOT: f32 = 72.0;

/// The matrix: counts or row fractions, recall per row, precision per column.
fn matrix_ui(ui: &mut Ui, state: &mut InspectorState, c: &Confusion, names: &[String]) {
    let k = c.counts.len();
    egui::Grid::new("confusion")
        .spacing([2.0, 2.0])
        .show(ui, |ui| {
            ui.label("true \\ predicted");
            for j in 0..k {
                ui.label(RichText::new(names.get(j).cloned().unwrap_or_default()).small());
            }
            ui.label(RichText::new("recall").small());
            ui.end_row();
            for i in 0..k {
                ui.label(names.get(i).cloned().unwrap_or_default());
                let row_total: u32 = c.counts[i].iter().sum();
                for j in 0..k {
                    let n = c.counts[i][j];
                    let frac = if row_total > 0 {
                        n as f32 / row_total as f32
                    } else {
                        0.0
                    };
                    let text = if state.normalized {
                        format!("{:.2}", frac)
                    } else {
                        n.to_string()
                    };
                    let shade = (frac.sqrt() * 200.0) as u8;
                    let fill = if i == j {
                        Color32::from_rgb(20, 40 + shade / 2, 20)
                    } else {
                        Color32::from_rgb(40 + shade, 30, 30)
                    };
                    let selected = state.cell == Some((i, j));
                    let b = egui::Button::new(RichText::new(text).monospace())
                        .fill(fill)
                        .min_size(egui::vec2(46.0, 22.0))
                        .selected(selected);
                    let name = format!("true {} -> predicted {}: {n}", names[i], names[j]);
                    let r = ui.add(b);
                    // Screen readers (and tests) hear the whole cell, not just its number.
                    r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &name));
                    if r.on_hover_text(&name).clicked() {
                        state.cell = Some((i, j));
                        let idx: Vec<usize> =
                            c.examples[i * k + j].iter().map(|(t, _)| *t).collect();
                        state.a.cell_images.clear();
                        state.a.ask(InspectRequest::TestImages(idx));
                    }
                }
                ui.label(RichText::new(format!("{:.1}%", c.recall[i] * 100.0)).small());
                ui.end_row();
            }
            ui.label(RichText::new("precision").small());
            for j in 0..k {
                ui.label(RichText::new(format!("{:.1}%", c.precision[j] * 100.0)).small());
            }
            ui.end_row();
        });
}

/// The images of the chosen cell with their predicted probabilities.
fn cell_images_ui(ui: &mut Ui, state: &mut InspectorState, c: &Confusion, names: &[String]) {
    let k = c.counts.len();
    let Some((i, j)) = state.cell else {
        ui.weak("Click a cell to see its images.");
        return;
    };
    let examples = &c.examples[i * k + j];
    ui.label(
        RichText::new(format!(
            "true {} -> predicted {} ({} images{})",
            names[i],
            names[j],
            c.counts[i][j],
            if (examples.len() as u32) < c.counts[i][j] {
                format!(", first {}", examples.len())
            } else {
                String::new()
            }
        ))
        .strong(),
    );
    // Taken for the frame and put back (textures are cached; the pixels are not copied).
    let imgs = std::mem::take(&mut state.a.cell_images);
    ui.horizontal_wrapped(|ui| {
        for (t, img) in &imgs {
            let prob = examples
                .iter()
                .find(|(x, _)| x == t)
                .map(|(_, p)| *p)
                .unwrap_or(0.0);
            ui.vertical(|ui| {
                let tex = state
                    .a
                    .texture(ui, format!("cell-{t}"), || render::picture(img, 0.0, 1.0));
                // 2× for MNIST and CIFAR, smaller for large images: at most 64 points.
                let scale = (64.0 / tex.size_vec2().max_elem().max(1.0)).min(2.0);
                ui.add(egui::Image::new((tex.id(), tex.size_vec2() * scale)));
                ui.small(format!("#{t} {:.0}%", prob * 100.0));
            });
        }
    });
    state.a.cell_images = imgs;
}

/// The lecture's "averaging classifier outputs over multiple crops/flips" and "ensembles of
/// networks": evaluates on the inspector thread, shows each checkpoint and the average.
fn averaging_ui(ui: &mut Ui, state: &mut InspectorState) {
    use protocol::inspect::Tta;
    ui.horizontal(|ui| {
        ui.label("test-time averaging");
        egui::ComboBox::from_id_salt("tta")
            .selected_text(state.tta.describe())
            .show_ui(ui, |ui| {
                for t in Tta::ALL {
                    ui.selectable_value(&mut state.tta, t, t.describe());
                }
            });
        ui.label("ensemble with");
        ui.add(
            egui::TextEdit::singleline(&mut state.ensemble_paths)
                .hint_text("more checkpoints or run folders, separated by ;")
                .desired_width(260.0),
        );
        if ui.button("Evaluate").clicked() {
            let ensemble = state
                .ensemble_paths
                .split(';')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(std::path::PathBuf::from)
                .collect();
            state.a.averaged = None;
            state.a.ask(InspectRequest::Averaged {
                tta: state.tta,
                ensemble,
            });
        }
    });
    match &state.a.averaged {
        Some(Ok(r)) => {
            let pct = |a: f32, t: Option<f32>| match t {
                Some(t) => format!("{:.2}% (top-5 {:.2}%)", a * 100.0, t * 100.0),
                None => format!("{:.2}%", a * 100.0),
            };
            for (p, a, t) in &r.members {
                ui.label(format!(
                    "{}: {} — {}",
                    p.display(),
                    pct(*a, *t),
                    r.tta.describe()
                ));
            }
            if r.members.len() > 1 {
                ui.label(
                    RichText::new(format!(
                        "ensemble of {}: {}",
                        r.members.len(),
                        pct(r.ensemble, r.ensemble_top5)
                    ))
                    .strong(),
                );
            }
        }
        Some(Err(e)) => {
            ui.colored_label(crate::theme::ERROR_COLOR, e.to_string());
        }
        None => {}
    }
}
