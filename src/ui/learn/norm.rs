//! Normalization, step by step: one 2×4×2×2 mini-batch through batch, layer, instance, group
//! and decorrelated normalization — the values each averages together, their mean and variance,
//! the normalized values, then γ and β.
use super::try_this;
use egui::{Color32, Ui};
use spec::lab::norm::{axes, group_of, groups, normalize, whiten_2x2, NchwBlock, EPS};
use spec::lab::num;
use spec::Norm;

pub struct NormLab {
    pub batch: NchwBlock,
    pub kind: Norm,
    pub gamma: [f64; 4],
    pub beta: [f64; 4],
    /// The group whose arithmetic is written out.
    pub group: usize,
}

impl Default for NormLab {
    fn default() -> Self {
        NormLab {
            batch: NchwBlock::example(),
            kind: Norm::Batch,
            gamma: [1.0; 4],
            beta: [0.0; 4],
            group: 0,
        }
    }
}

fn color(group: usize) -> Color32 {
    let hsva = egui::epaint::Hsva::new((group as f32 * 0.37) % 1.0, 0.55, 0.55, 1.0);
    hsva.into()
}

/// The N×C block: one square per channel of each sample, its H×W values inside, coloured by
/// the group it is normalized with.
fn block_ui(ui: &mut Ui, s: &mut NormLab, values: &[f64], title: &str) {
    ui.label(title);
    let b = &s.batch;
    egui::Grid::new(format!("norm-{title}"))
        .spacing([6.0, 4.0])
        .show(ui, |ui| {
            ui.label("");
            for c in 0..b.c {
                ui.label(format!("channel {}", c + 1));
            }
            ui.end_row();
            for n in 0..b.n {
                ui.label(format!("sample {}", n + 1));
                for c in 0..b.c {
                    let g = group_of(s.kind, b, n, c);
                    let text: Vec<String> = (0..b.h * b.w)
                        .map(|p| num(values[b.index(n, c, p / b.w, p % b.w)]))
                        .collect();
                    let label = format!("{} {}\n{} {}", text[0], text[1], text[2], text[3]);
                    let button = egui::Button::new(label)
                        .fill(color(g))
                        .min_size([70.0, 34.0].into());
                    if ui.add(button).clicked() {
                        s.group = g;
                    }
                }
                ui.end_row();
            }
        });
}

pub(super) fn norm_ui(ui: &mut Ui, s: &mut NormLab) {
    ui.horizontal_wrapped(|ui| {
        for k in [
            Norm::Batch,
            Norm::Layer,
            Norm::Instance,
            Norm::Group { groups: 2 },
            Norm::Decorrelated { group: 2 },
        ] {
            if ui.selectable_label(s.kind == k, k.layer_name()).clicked() {
                s.kind = k;
                s.group = 0;
            }
        }
    });
    ui.label(format!(
        "averages over {}; same colour = normalized together",
        axes(s.kind)
    ));
    try_this(
        ui,
        "switch Batch -> Layer: the groups turn from columns (channels) into rows (samples)",
    );
    let v = s.batch.v.clone();
    block_ui(
        ui,
        s,
        &v,
        "the mini-batch (N = 2 samples × C = 4 channels × 2×2)",
    );
    let stats_kind = match s.kind {
        Norm::Decorrelated { .. } => Norm::Batch,
        k => k,
    };
    let gs = groups(stats_kind, &s.batch);
    if let Some(g) = gs.get(s.group.min(gs.len().saturating_sub(1))) {
        let vals: Vec<String> = g.members.iter().map(|&i| num(s.batch.v[i])).collect();
        ui.monospace(format!(
            "group {}: μ = ({}) / {} = {}\nσ² = mean of (x − μ)² = {}\nx_hat = (x − μ) / √(σ² + ε), ε = {EPS}",
            s.group + 1,
            vals.join(" + "),
            g.members.len(),
            num(g.mean),
            num(g.var)
        ));
    }
    ui.horizontal(|ui| {
        for c in 0..4 {
            super::super::widgets::labelled(ui, &format!("γ{}", c + 1), |ui| {
                ui.add(egui::DragValue::new(&mut s.gamma[c]).speed(0.05))
            });
            super::super::widgets::labelled(ui, &format!("β{}", c + 1), |ui| {
                ui.add(egui::DragValue::new(&mut s.beta[c]).speed(0.05))
            });
        }
    });
    let out = normalize(s.kind, &s.batch, &s.gamma, &s.beta);
    block_ui(ui, s, &out, "y = γ·x_hat + β");
    if let Norm::Decorrelated { .. } = s.kind {
        let (before, after) = whiten_2x2(&s.batch, 0);
        ui.monospace(format!(
            "channels 1–2 covariance Σ = [[{}, {}], [{}, {}]]; after Σ^(−1/2): [[{}, {}], [{}, {}]] — whitened, not just scaled",
            num(before[0]), num(before[1]), num(before[2]), num(before[3]),
            num(after[0]), num(after[1]), num(after[2]), num(after[3])
        ));
    }
}
