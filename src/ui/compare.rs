//! The Compare tab: overlaid curves per variant (mean line and a band across seeds), the
//! per-variant summary table, and the same layer's activation histogram for every variant.
use super::Action;
use egui::{Color32, RichText, Ui};
use egui_plot::{BarChart, FilledArea, Legend, Line, Plot, PlotPoints, Points};
use runs::compare::{band, series, CompareQueue, JobStatus, Metric, VariantSummary, XAxis};
use runs::state::LayerSeries;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BandKind {
    #[default]
    MinMax,
    Std,
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortBy {
    #[default]
    Order,
    BestVal,
    FinalVal,
    Test,
    Time,
}

#[derive(Default)]
pub struct CompareView {
    pub metric: Metric,
    pub x: XAxis,
    pub band: BandKind,
    pub highlight: Option<String>,
    pub sort: SortBy,
    pub histograms: bool,
    /// 1-based layer index for the histogram comparison.
    pub layer: Option<usize>,
}

/// A distinct colour per variant.
pub fn variant_color(i: usize) -> Color32 {
    const C: [Color32; 8] = [
        Color32::from_rgb(0x4c, 0x9b, 0xe8),
        Color32::from_rgb(0xf0, 0x8c, 0x2e),
        Color32::from_rgb(0x5c, 0xc0, 0x6a),
        Color32::from_rgb(0xe0, 0x4a, 0x8f),
        Color32::from_rgb(0xb0, 0x80, 0xe0),
        Color32::from_rgb(0xe8, 0xd0, 0x4c),
        Color32::from_rgb(0x4c, 0xd0, 0xd0),
        Color32::from_rgb(0xc0, 0x70, 0x50),
    ];
    C[i % C.len()]
}

pub fn compare_ui(
    ui: &mut Ui,
    queue: Option<&CompareQueue>,
    view: &mut CompareView,
    actions: &mut Vec<Action>,
) {
    let Some(q) = queue else {
        ui.weak("No comparison yet. Press Compare… in the run panel, or open one from the history on the left.");
        return;
    };
    ui.horizontal(|ui| queue_status_ui(ui, q, actions));
    ui.horizontal(|ui| view_options_ui(ui, view));
    if view.histograms {
        histograms_ui(ui, q, view);
        return;
    }
    let width = ui.available_width();
    // Everything fits the panel's height (content taller than the panel would make it grow
    // every frame); the table and the queue scroll.
    let height = (ui.available_height() - 4.0).max(120.0);
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.set_width(width * 0.5);
            overlay_ui(ui, q, view, height);
        });
        ui.vertical(|ui| {
            egui::ScrollArea::both()
                .id_salt("cmp-table")
                .max_height(height)
                .show(ui, |ui| {
                    table_ui(ui, q, view);
                    queue_list_ui(ui, q, actions);
                });
        });
    });
}

/// The comparison's name, "run 4 of 15", the ETA and the queue buttons.
fn queue_status_ui(ui: &mut Ui, q: &CompareQueue, actions: &mut Vec<Action>) {
    ui.label(RichText::new(&q.comparison.name).strong());
    let total = q.total();
    let progress = match q.current() {
        Some(_) | None if q.read_back && !q.is_finished() => format!(
            "{} of {total} runs done — carried out by another process, followed from its folders",
            q.done()
        ),
        Some(n) => format!("run {n} of {total}"),
        None if q.is_finished() => format!("{} of {total} runs done", q.done()),
        None => format!("{} of {total} runs done (paused)", q.done()),
    };
    ui.label(progress);
    if let Some(eta) = q.eta_secs().filter(|_| !q.is_finished()) {
        ui.label(format!(
            "· ETA {:.0}:{:02.0}",
            (eta / 60.0).floor(),
            eta % 60.0
        ));
    }
    if q.in_progress_here() {
        if q.paused {
            if ui.button("Resume queue").clicked() {
                actions.push(Action::CompareResume);
            }
        } else if ui.button("Pause queue").clicked() {
            actions.push(Action::ComparePause);
        }
        if ui.button("Cancel").clicked() {
            actions.push(Action::CompareCancel);
        }
    }
}

/// Metric, x axis, band, and curves or histograms.
fn view_options_ui(ui: &mut Ui, view: &mut CompareView) {
    let l = ui.label("metric");
    egui::ComboBox::from_id_salt("cmp-metric")
        .selected_text(view.metric.name())
        .show_ui(ui, |ui| {
            for m in Metric::ALL {
                ui.selectable_value(&mut view.metric, m, m.name());
            }
        })
        .response
        .labelled_by(l.id);
    let l = ui.label("x");
    egui::ComboBox::from_id_salt("cmp-x")
        .selected_text(view.x.name())
        .show_ui(ui, |ui| {
            for x in [XAxis::Step, XAxis::Epoch, XAxis::WallTime] {
                ui.selectable_value(&mut view.x, x, x.name());
            }
        })
        .response
        .labelled_by(l.id);
    let l = ui.label("band");
    egui::ComboBox::from_id_salt("cmp-band")
        .selected_text(match view.band {
            BandKind::MinMax => "min–max",
            BandKind::Std => "±1 std",
            BandKind::None => "none",
        })
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut view.band, BandKind::MinMax, "min–max");
            ui.selectable_value(&mut view.band, BandKind::Std, "±1 std");
            ui.selectable_value(&mut view.band, BandKind::None, "none");
        })
        .response
        .labelled_by(l.id);
    ui.separator();
    ui.selectable_value(&mut view.histograms, false, "Curves and table");
    ui.selectable_value(&mut view.histograms, true, "Histograms");
}

fn overlay_ui(ui: &mut Ui, q: &CompareQueue, view: &CompareView, height: f32) {
    let variants = q.variants();
    let group = egui::Id::unique("cmp-x-axis");
    Plot::new("cmp-overlay")
        .height(height - 8.0)
        .legend(Legend::default())
        .link_cursor(group, [true, false])
        .link_axis(group, [true, false])
        .x_axis_label(view.x.name())
        .y_axis_label(view.metric.name())
        .show(ui, |p| {
            for (i, v) in variants.iter().enumerate() {
                let runs: Vec<Vec<[f64; 2]>> = q
                    .jobs
                    .iter()
                    .filter(|j| &j.variant == v && j.status != JobStatus::Queued)
                    .map(|j| series(&j.state, view.metric, view.x))
                    .collect();
                let b = band(&runs, 120);
                if b.is_empty() {
                    continue;
                }
                let dim = view.highlight.as_ref().is_some_and(|h| h != v);
                let base = variant_color(i);
                let color = if dim { base.gamma_multiply(0.3) } else { base };
                if view.band != BandKind::None && runs.len() > 1 {
                    // A filled area between the lower and upper curve (a polygon would be filled
                    // as if convex).
                    let xs: Vec<f64> = b.iter().map(|p| p.x).collect();
                    let (lo, hi): (Vec<f64>, Vec<f64>) = b
                        .iter()
                        .map(|p| match view.band {
                            BandKind::Std => (p.mean - p.std, p.mean + p.std),
                            _ => (p.min, p.max),
                        })
                        .unzip();
                    p.add(
                        FilledArea::new(v.clone(), &xs, &lo, &hi)
                            .fill_color(color.gamma_multiply(0.25))
                            .stroke(egui::Stroke::NONE),
                    );
                }
                let mean: Vec<[f64; 2]> = b.iter().map(|p| [p.x, p.mean]).collect();
                let width = if view.highlight.as_ref() == Some(v) {
                    3.0
                } else {
                    1.5
                };
                if b.len() <= 30 {
                    // Few points (per-epoch metrics): markers, and the spread as error bars.
                    p.points(
                        Points::new(v.clone(), PlotPoints::from(mean.clone()))
                            .color(color)
                            .radius(width + 2.0),
                    );
                    if view.band != BandKind::None && runs.len() > 1 {
                        for bp in &b {
                            let (lo, hi) = match view.band {
                                BandKind::Std => (bp.mean - bp.std, bp.mean + bp.std),
                                _ => (bp.min, bp.max),
                            };
                            p.line(
                                Line::new(
                                    v.clone(),
                                    PlotPoints::from(vec![[bp.x, lo], [bp.x, hi]]),
                                )
                                .color(color)
                                .width(width),
                            );
                        }
                    }
                }
                p.line(
                    Line::new(v.clone(), PlotPoints::from(mean))
                        .color(color)
                        .width(width),
                );
            }
        });
}

fn table_ui(ui: &mut Ui, q: &CompareQueue, view: &mut CompareView) {
    let mut rows = q.summary();
    let key = |v: &VariantSummary| match view.sort {
        SortBy::Order | SortBy::BestVal => -v.best_val_accuracy.mean,
        SortBy::FinalVal => -v.final_val_accuracy.mean,
        SortBy::Test => -v.test_accuracy.mean,
        SortBy::Time => v.duration_secs.mean,
    };
    if view.sort != SortBy::Order {
        rows.sort_by(|a, b| {
            key(a)
                .partial_cmp(&key(b))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    }
    let order = q.variants();
    egui::Grid::new("cmp-summary")
        .striped(true)
        .num_columns(9)
        .show(ui, |ui| {
            let mut head = |ui: &mut Ui, text: &str, sort: SortBy| {
                if ui
                    .selectable_label(view.sort == sort, RichText::new(text).strong())
                    .on_hover_text("sort by this column")
                    .clicked()
                {
                    view.sort = if view.sort == sort {
                        SortBy::Order
                    } else {
                        sort
                    };
                }
            };
            head(ui, q.comparison.spec.dimension.name(), SortBy::Order);
            ui.label(RichText::new("runs").strong());
            head(ui, "best val %", SortBy::BestVal);
            head(ui, "final val %", SortBy::FinalVal);
            head(ui, "test %", SortBy::Test);
            ui.label(RichText::new("best epoch").strong());
            head(ui, "time s", SortBy::Time);
            ui.label(RichText::new("img/s").strong());
            ui.label(RichText::new("dead units % per activation layer").strong())
                .on_hover_text(super::plots::DEAD_HELP);
            ui.end_row();
            for r in rows {
                let i = order.iter().position(|v| v == &r.variant).unwrap_or(0);
                summary_row_ui(ui, &r, i, view);
                ui.end_row();
            }
        });
    if let Some(p) = q.jobs.first().and_then(|j| j.state.start.as_ref()) {
        ui.weak(format!(
            "{} parameters per variant",
            spec::thousands(p.summary.total_params)
        ));
    }
}

/// One variant's row of the summary table.
fn summary_row_ui(ui: &mut Ui, r: &VariantSummary, i: usize, view: &mut CompareView) {
    let selected = view.highlight.as_ref() == Some(&r.variant);
    let label = RichText::new(&r.variant).color(variant_color(i)).strong();
    if ui
        .selectable_label(selected, label)
        .on_hover_text("highlight its curves")
        .clicked()
    {
        view.highlight = if selected {
            None
        } else {
            Some(r.variant.clone())
        };
    }
    ui.label(if r.failed > 0 {
        format!("{} ({} failed)", r.finished, r.failed)
    } else {
        r.finished.to_string()
    });
    ui.label(r.best_val_accuracy.show(true));
    ui.label(r.final_val_accuracy.show(true));
    let test = r.test_accuracy.show_with_top5(&r.test_top5);
    match r.ensemble {
        Some((e, _)) => ui
            .label(format!("{test} · ensemble {:.2}", e * 100.0))
            .on_hover_text(
            "the seeds' final networks as one ensemble: softmax outputs averaged over the test set",
        ),
        None => ui.label(test),
    };
    ui.label(if r.best_epoch.n > 0 {
        format!("{:.1}", r.best_epoch.mean)
    } else {
        "—".into()
    });
    ui.label(if r.duration_secs.n > 0 {
        format!("{:.1}", r.duration_secs.mean)
    } else {
        "—".into()
    });
    ui.label(if r.images_per_sec.n > 0 {
        format!("{:.0}", r.images_per_sec.mean)
    } else {
        "—".into()
    });
    ui.label(
        r.dead
            .iter()
            .map(|(_, d)| format!("{:.0}", d * 100.0))
            .collect::<Vec<_>>()
            .join(" / "),
    )
    .on_hover_text(
        r.dead
            .iter()
            .map(|(l, d)| format!("{l}: {:.1}% dead", d * 100.0))
            .collect::<Vec<_>>()
            .join("\n"),
    );
}

fn queue_list_ui(ui: &mut Ui, q: &CompareQueue, actions: &mut Vec<Action>) {
    egui::CollapsingHeader::new(format!("Queue ({} runs)", q.total()))
        .default_open(false)
        .show(ui, |ui| {
            for (i, j) in q.jobs.iter().enumerate() {
                ui.horizontal(|ui| {
                    let status = match j.status {
                        JobStatus::Queued => "queued".to_string(),
                        JobStatus::Running => format!("running {:.0}%", j.state.progress() * 100.0),
                        JobStatus::Done => j.state.status.describe(),
                        JobStatus::Cancelled => "cancelled".into(),
                    };
                    ui.label(format!(
                        "{:>2}. {} · seed {} — {status}",
                        i + 1,
                        j.variant,
                        j.seed
                    ));
                    // The order of a queue read back is the other process's.
                    if j.status == JobStatus::Queued && !q.read_back {
                        if ui.small_button("up").clicked() && i > 0 {
                            actions.push(Action::CompareMove { from: i, to: i - 1 });
                        }
                        if ui.small_button("down").clicked() {
                            actions.push(Action::CompareMove { from: i, to: i + 1 });
                        }
                    }
                });
            }
        });
}

/// The layer chooser of the histogram view.
fn hist_layer_ui(
    ui: &mut Ui,
    layers: &[(usize, String)],
    layer: usize,
    step: Option<usize>,
    view: &mut CompareView,
) {
    let l = ui.label("layer");
    egui::ComboBox::from_id_salt("cmp-hist-layer")
        .selected_text(
            layers
                .iter()
                .find(|(i, _)| *i == layer)
                .map(|(i, n)| format!("{i}  {n}"))
                .unwrap_or_default(),
        )
        .show_ui(ui, |ui| {
            for (i, n) in layers {
                if ui
                    .selectable_label(*i == layer, format!("{i}  {n}"))
                    .clicked()
                {
                    view.layer = Some(*i);
                }
            }
        })
        .response
        .labelled_by(l.id);
    if let Some(s) = step {
        ui.label(format!("at step {s} (first seed of each variant)"));
    }
}

fn histograms_ui(ui: &mut Ui, q: &CompareQueue, view: &mut CompareView) {
    let variants = q.variants();
    // The first started run of each variant.
    let firsts: Vec<Option<&runs::RunState>> = variants
        .iter()
        .map(|v| {
            q.jobs
                .iter()
                .find(|j| &j.variant == v && j.status != JobStatus::Queued)
                .map(|j| &j.state)
        })
        .collect();
    let Some(reference) = firsts.iter().flatten().next() else {
        ui.weak("Histograms appear once the first runs have probed their activations.");
        return;
    };
    let layers: Vec<(usize, String)> = reference
        .layers
        .iter()
        .map(|l| (l.layer, l.label.clone()))
        .collect();
    if layers.is_empty() {
        ui.weak("This network has no activation layers to compare.");
        return;
    }
    let layer = view
        .layer
        .filter(|l| layers.iter().any(|(i, _)| i == l))
        .unwrap_or(layers[0].0);
    // The latest step every variant has a snapshot for: the comparison is at the same step.
    let step = firsts
        .iter()
        .flatten()
        .filter_map(|r| {
            r.layers
                .iter()
                .find(|l| l.layer == layer)
                .and_then(|l| l.snapshots.last())
                .map(|(s, _)| *s)
        })
        .min();
    ui.horizontal(|ui| hist_layer_ui(ui, &layers, layer, step, view));
    let Some(step) = step else { return };
    let n = variants.len().max(1) as f32;
    let w = (ui.available_width() - 8.0 * n) / n;
    let h = (ui.available_height() - 30.0).max(80.0);
    ui.horizontal(|ui| {
        for (i, (v, run)) in variants.iter().zip(&firsts).enumerate() {
            let Some(series) = run.and_then(|r| r.layers.iter().find(|l| l.layer == layer)) else {
                continue;
            };
            variant_histogram_ui(ui, (i, v), series, step, (w, h));
        }
    });
}

/// One variant's histogram of the chosen layer at (or just before) `step`.
fn variant_histogram_ui(
    ui: &mut Ui,
    (i, v): (usize, &String),
    series: &LayerSeries,
    step: usize,
    (w, h): (f32, f32),
) {
    let snap = series.snapshots.iter().rev().find(|(s, _)| *s <= step);
    let dead = series
        .dead
        .iter()
        .rev()
        .find(|(s, _)| *s <= step)
        .map(|(_, d)| *d);
    let sat = series
        .saturated
        .iter()
        .rev()
        .find(|(s, _)| *s <= step)
        .map(|(_, d)| *d);
    ui.vertical(|ui| {
        ui.set_width(w);
        let mut caption = format!("{v}: dead {:.1}%", dead.unwrap_or(0.0) * 100.0);
        if let Some(s) = sat {
            caption += &format!(" · saturated {:.1}%", s * 100.0);
        }
        ui.label(RichText::new(caption).color(variant_color(i)));
        let bins = series.bins;
        Plot::new(("cmp-hist", i))
            .width(w)
            .height(h)
            .link_axis(egui::Id::unique("cmp-hist-axes"), [true, true])
            .x_axis_formatter(move |mark, _| super::plots::bin_axis_label(bins, mark.value))
            .show(ui, |p| {
                if let Some((_, hist)) = snap {
                    let bars = super::plots::hist_bars(hist);
                    p.bar_chart(BarChart::new(v.clone(), bars).color(variant_color(i)));
                }
            });
    });
}
