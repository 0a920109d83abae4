//! Filters: every Conv2d layer's kernels on a symmetric blue–white–red scale.
use super::CheckpointView;
use egui::{Color32, RichText, Ui};
use protocol::inspect::FilterGrid;
use render::{self, FilterScale};

pub(super) fn legend_ui(ui: &mut Ui, max: f32) {
    ui.horizontal(|ui| {
        ui.label(format!("{:+.3}", -max));
        let (rect, _) = ui.allocate_exact_size(egui::vec2(120.0, 12.0), egui::Sense::hover());
        for i in 0..60 {
            let v = i as f32 / 59.0 * 2.0 - 1.0;
            let c = render::diverging(v);
            let x0 = rect.left() + rect.width() * i as f32 / 60.0;
            let r = egui::Rect::from_min_max(
                egui::pos2(x0, rect.top()),
                egui::pos2(x0 + rect.width() / 60.0 + 0.5, rect.bottom()),
            );
            ui.painter()
                .rect_filled(r, 0.0, Color32::from_rgb(c[0], c[1], c[2]));
        }
        ui.label(format!("{:+.3}", max));
    });
}

pub(super) fn filters_ui(ui: &mut Ui, side: &mut CheckpointView, scale: FilterScale, zoom: usize) {
    // Taken out for the frame and put back, rather than cloned every frame.
    let Some(filters) = side.filters.take() else {
        ui.spinner();
        return;
    };
    grids_ui(ui, side, &filters, scale, zoom);
    side.filters = Some(filters);
}

fn grids_ui(
    ui: &mut Ui,
    side: &mut CheckpointView,
    filters: &[FilterGrid],
    scale: FilterScale,
    zoom: usize,
) {
    if filters.is_empty() {
        ui.weak("This network has no Conv2d layers.");
    }
    for g in filters {
        ui.label(
            RichText::new(format!(
                "layer {} {} — {} filters of {}×{}×{}{}",
                g.layer,
                g.label,
                g.out_channels,
                g.in_channels,
                g.kernel,
                g.kernel,
                if g.in_channels == 3 {
                    " (RGB, in colour)"
                } else if g.in_channels > 1 {
                    " (mean over input channels)"
                } else {
                    ""
                }
            ))
            .strong(),
        );
        legend_ui(ui, g.max_abs());
        let tex = side.texture(
            ui,
            format!("filters-{}-{:?}-{zoom}", g.layer, scale),
            || render::filter_grid(g, scale, zoom),
        );
        let r = ui.image((tex.id(), tex.size_vec2()));
        if let Some(pos) = r.hover_pos() {
            // Which kernel is under the pointer: show its numbers.
            let cell = (g.kernel * zoom + 1) as f32;
            let cols = render::grid_columns(g.out_channels);
            let (cx, cy) = (
                ((pos.x - r.rect.left()) / cell) as usize,
                ((pos.y - r.rect.top()) / cell) as usize,
            );
            let o = cy * cols + cx;
            if cx < cols && o < g.out_channels {
                let values = g.channel_mean(o);
                let text: String = values
                    .chunks(g.kernel)
                    .map(|row| {
                        row.iter()
                            .map(|v| format!("{v:+.3}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                r.on_hover_ui(|ui| {
                    ui.label(format!(
                        "filter {o}{}",
                        if g.in_channels > 1 {
                            " (mean over input channels)"
                        } else {
                            ""
                        }
                    ));
                    ui.monospace(text);
                });
            }
        }
        ui.add_space(8.0);
    }
}
