//! Live plots: loss, accuracy and learning rate against step with linked x-axes and cursor;
//! activation histograms over time per layer with dead and saturated fractions; gradient norms.
use egui::{Color32, RichText, Ui};
use egui_plot::{Bar, BarChart, Heatmap, Legend, Line, Plot, PlotPoint, PlotPoints, Points, VLine};
use protocol::{HistBins, HIST_BINS};
use runs::state::LayerSeries;
use runs::{decimate, RunState};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PlotTab {
    #[default]
    Curves,
    Activations,
    Gradients,
    Compare,
    /// The run history (drawn by the caller, like Compare).
    History,
}

/// What the plots panel keeps between frames.
#[derive(Default)]
pub struct PlotsState {
    pub tab: PlotTab,
    /// 1-based layer index whose histograms are shown.
    pub layer: Option<usize>,
}

/// Histograms are drawn by bin index (bin i spans [i, i + 1)); the axis names the edges.
pub fn bin_axis_label(bins: HistBins, value: f64) -> String {
    let i = value.round();
    if (value - i).abs() > 1e-6 || i < 0.0 || i > HIST_BINS as f64 {
        return String::new();
    }
    let v = bins.edge(i as usize);
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 100.0 || v.abs() < 0.1 {
        format!("{v:.0e}")
    } else {
        format!("{v:.2}")
    }
}

/// One bar per bin, at its index.
pub fn hist_bars(h: &[f32]) -> Vec<Bar> {
    h.iter()
        .enumerate()
        .map(|(i, v)| Bar::new(i as f64 + 0.5, *v as f64).width(1.0))
        .collect()
}

/// What the histograms' bins are, on screen.
pub const BINS_HELP: &str = "Bins are the same for every layer, step and run: symmetric-log, 19 from −1000 to −0.01, then [−0.01, 0), [0, 0.01) and 19 up to 1000. Values beyond ±1000 are counted in the end bins and said apart. (Runs recorded before used 40 equal bins from −3 to 5.)";

/// What "dead" means, on screen.
pub const DEAD_HELP: &str = "A unit (one channel at one position) is dead when the activation's derivative there is zero for every image of the probe batch: no gradient flows back through it. For ReLU that is \"never positive\"; Leaky ReLU, ELU, GELU, Swish and Mish pass gradient on negative inputs, so their negative units are alive. Unknown after a block that ends in another activation.";
/// What "saturated" means, on screen.
pub const SATURATED_HELP: &str = "Outputs where the activation's derivative is below 2% of its largest value: sigmoid and tanh near their bounds, ELU/SELU on their negative plateau, GELU, Swish and Mish far below zero. Gradients almost vanish there.";

const TRAIN: Color32 = Color32::from_rgb(0x4c, 0x9b, 0xe8);
const VAL: Color32 = Color32::from_rgb(0xf0, 0x8c, 0x2e);

fn line(name: &str, pts: &[[f64; 2]], width_px: f32, color: Color32) -> Line<'static> {
    let pts = decimate(pts, width_px.max(64.0) as usize);
    Line::new(name.to_string(), PlotPoints::from(pts)).color(color)
}

/// `other_tab` draws the Compare and History tabs (they need the comparison queue or the
/// history, not the run).
pub fn plots_ui(
    ui: &mut Ui,
    run: Option<&RunState>,
    state: &mut PlotsState,
    other_tab: impl FnOnce(&mut Ui, PlotTab),
) {
    ui.horizontal(|ui| {
        ui.selectable_value(&mut state.tab, PlotTab::Curves, "Loss & accuracy");
        ui.selectable_value(&mut state.tab, PlotTab::Activations, "Activations");
        ui.selectable_value(&mut state.tab, PlotTab::Gradients, "Gradients");
        ui.selectable_value(&mut state.tab, PlotTab::Compare, "Compare");
        ui.selectable_value(&mut state.tab, PlotTab::History, "History");
    });
    if matches!(state.tab, PlotTab::Compare | PlotTab::History) {
        other_tab(ui, state.tab);
        return;
    }
    let Some(run) = run else {
        ui.weak("Plots appear here while a network trains.");
        return;
    };
    match state.tab {
        PlotTab::Curves => curves_ui(ui, run),
        PlotTab::Activations => activations_ui(ui, run, state),
        PlotTab::Gradients => gradients_ui(ui, run),
        PlotTab::Compare | PlotTab::History => {}
    }
}

fn epoch_lines(run: &RunState) -> Vec<VLine> {
    run.epochs
        .iter()
        .map(|e| {
            VLine::new(format!("epoch {}", e.epoch), e.step as f64)
                .color(Color32::from_gray(110))
                .width(0.5)
        })
        .collect()
}

fn curves_ui(ui: &mut Ui, run: &RunState) {
    let group = egui::Id::unique("run-x-axis");
    let width = (ui.available_width() - 16.0) / 3.0;
    let height = ui.available_height().max(120.0);
    let px = width;
    ui.horizontal(|ui| {
        for (title, train, val) in [
            ("loss", &run.train_loss, &run.val_loss),
            ("accuracy", &run.train_accuracy, &run.val_accuracy),
        ] {
            ui.vertical(|ui| {
                ui.label(RichText::new(title).strong());
                Plot::new(("plot", title))
                    .width(width)
                    .height(height - 24.0)
                    .legend(Legend::default())
                    .link_axis(group, [true, false])
                    .link_cursor(group, [true, false])
                    .x_axis_label("step")
                    .show(ui, |p| {
                        p.line(line(&format!("train {title}"), train, px, TRAIN));
                        p.line(line(&format!("validation {title}"), val, px, VAL).width(2.0));
                        p.points(
                            Points::new(
                                format!("validation {title}"),
                                PlotPoints::from(val.clone()),
                            )
                            .color(VAL)
                            .radius(3.0),
                        );
                        for v in epoch_lines(run) {
                            p.vline(v);
                        }
                    });
            });
        }
        ui.vertical(|ui| {
            ui.label(RichText::new("learning rate").strong());
            Plot::new("plot-lr")
                .width(width)
                .height(height - 24.0)
                .link_axis(group, [true, false])
                .link_cursor(group, [true, false])
                .x_axis_label("step")
                .show(ui, |p| {
                    p.line(line(
                        "learning rate",
                        &run.learning_rate,
                        px,
                        Color32::from_rgb(0x8e, 0xc0, 0x5a),
                    ));
                });
        });
    });
}

fn activations_ui(ui: &mut Ui, run: &RunState, state: &mut PlotsState) {
    if run.layers.is_empty() {
        ui.weak("No activation layers to probe yet.");
        return;
    }
    let chosen = state
        .layer
        .and_then(|l| run.layers.iter().find(|s| s.layer == l))
        .unwrap_or(&run.layers[0]);
    let chosen = layer_picker(ui, run, chosen, state);
    let height = (ui.available_height() - 8.0).max(100.0) - 24.0;
    let width = (ui.available_width() - 16.0) / 3.0;
    ui.horizontal(|ui| {
        // Time × bin heat map: each column a probe snapshot, each row a histogram bin.
        ui.vertical(|ui| heat_map_ui(ui, chosen, width, height));
        // The first and latest snapshot overlaid.
        ui.vertical(|ui| first_vs_latest_ui(ui, chosen, width, height));
        ui.vertical(|ui| dead_fraction_ui(ui, chosen, width, height));
    });
}

/// The layer chooser and the chosen layer's latest numbers; returns the layer shown.
fn layer_picker<'a>(
    ui: &mut Ui,
    run: &'a RunState,
    chosen: &'a LayerSeries,
    state: &mut PlotsState,
) -> &'a LayerSeries {
    ui.horizontal(|ui| {
        let l = ui.label("layer");
        egui::ComboBox::from_id_salt("hist-layer")
            .selected_text(format!("{}  {}", chosen.layer, chosen.label))
            .show_ui(ui, |ui| {
                for s in &run.layers {
                    if ui
                        .selectable_label(
                            s.layer == chosen.layer,
                            format!("{}  {}", s.layer, s.label),
                        )
                        .clicked()
                    {
                        state.layer = Some(s.layer);
                    }
                }
            })
            .response
            .labelled_by(l.id);
        if let Some((step, dead)) = chosen.dead.last() {
            let dead_text = if dead.is_finite() {
                format!("dead units {:.1}%", dead * 100.0)
            } else {
                "dead units: unknown here".to_string()
            };
            ui.label(dead_text).on_hover_text(DEAD_HELP);
            if let Some((_, sat)) = chosen.saturated.last() {
                ui.label(format!("· saturated {:.1}%", sat * 100.0))
                    .on_hover_text(SATURATED_HELP);
            }
            if let Some((_, b)) = chosen.beyond.last().filter(|(_, b)| *b > 0.0) {
                ui.label(format!("· beyond ±1000: {:.2}%", b * 100.0))
                    .on_hover_text(BINS_HELP);
            }
            if let Some((_, m, s)) = chosen.mean_std.last() {
                ui.label(format!("· mean {m:.3} · std {s:.3} · at step {step}"))
                    .on_hover_text(BINS_HELP);
            }
        }
    });
    chosen
}

fn heat_map_ui(ui: &mut Ui, chosen: &LayerSeries, width: f32, height: f32) {
    ui.label(RichText::new("distribution over time").strong());
    let snaps = &chosen.snapshots;
    let bins = chosen.bins;
    Plot::new("hist-heat")
        .width(width)
        .height(height)
        .x_axis_label("probe")
        .y_axis_label("activation")
        .y_axis_formatter(move |mark, _| bin_axis_label(bins, mark.value))
        .show(ui, |p| {
            if !snaps.is_empty() {
                let cols = snaps.len();
                let mut values = Vec::with_capacity(cols * HIST_BINS);
                // Row r is bin r, drawn at y = r: bins in increasing order.
                for bin in 0..HIST_BINS {
                    for (_, h) in snaps {
                        values.push(h.get(bin).copied().unwrap_or(0.0).sqrt() as f64);
                    }
                }
                p.heatmap(
                    Heatmap::new(values, cols)
                        .show_labels(false)
                        .at(PlotPoint::new(0.0, 0.0))
                        .size(cols as f32, HIST_BINS as f32),
                );
            }
        });
}

fn first_vs_latest_ui(ui: &mut Ui, chosen: &LayerSeries, width: f32, height: f32) {
    ui.label(RichText::new("first vs latest").strong());
    let bins = chosen.bins;
    Plot::new("hist-bars")
        .width(width)
        .height(height)
        .legend(Legend::default())
        .x_axis_label("activation")
        .x_axis_formatter(move |mark, _| bin_axis_label(bins, mark.value))
        .show(ui, |p| {
            let bars = |h: &[f32], name: &str, color: Color32| {
                BarChart::new(name.to_string(), hist_bars(h)).color(color)
            };
            // The latest underneath, the first translucent on top: the shift shows.
            if let Some((step, h)) = chosen.snapshots.last() {
                p.bar_chart(bars(h, &format!("latest (step {step})"), VAL));
            }
            if let Some((step, h)) = chosen.snapshots.first() {
                let faded = Color32::from_rgba_unmultiplied(0x4c, 0x9b, 0xe8, 150);
                p.bar_chart(bars(h, &format!("first (step {step})"), faded));
            }
        });
}

fn dead_fraction_ui(ui: &mut Ui, chosen: &LayerSeries, width: f32, height: f32) {
    ui.label(RichText::new("dead / saturated fraction").strong());
    Plot::new("dead-frac")
        .width(width)
        .height(height)
        .legend(Legend::default())
        .x_axis_label("step")
        .include_y(0.0)
        .include_y(1.0)
        .show(ui, |p| {
            let to_pts = |v: &[(usize, f32)]| {
                v.iter()
                    .map(|(s, f)| [*s as f64, *f as f64])
                    .collect::<Vec<_>>()
            };
            p.line(
                Line::new("dead", PlotPoints::from(to_pts(&chosen.dead)))
                    .color(Color32::from_rgb(0xd0, 0x50, 0x50)),
            );
            if !chosen.saturated.is_empty() {
                p.line(
                    Line::new("saturated", PlotPoints::from(to_pts(&chosen.saturated)))
                        .color(Color32::from_rgb(0xb0, 0x80, 0xe0)),
                );
            }
        });
}

fn gradients_ui(ui: &mut Ui, run: &RunState) {
    ui.label("log10 of each layer's gradient norm — vanishing gradients show as the early layers falling far below the late ones");
    let height = (ui.available_height() - 8.0).max(100.0);
    let px = ui.available_width();
    Plot::new("grad-norms")
        .height(height)
        .legend(Legend::default())
        .x_axis_label("step")
        .y_axis_label("log10 |grad|")
        .show(ui, |p| {
            let n = run.grad_norms.len().max(1);
            for (i, (name, pts)) in run.grad_norms.iter().enumerate() {
                let logs: Vec<[f64; 2]> = pts
                    .iter()
                    .map(|[s, v]| [*s, v.max(1e-12).log10()])
                    .collect();
                let hue = i as f32 / n as f32;
                let color: Color32 = egui::ecolor::Hsva::new(hue * 0.8, 0.7, 0.9, 1.0).into();
                p.line(line(name, &logs, px, color));
            }
        });
}
