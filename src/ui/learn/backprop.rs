//! Backprop, step by step: a tiny network's forward values, then g(z_i) and g(w_i) backwards as
//! the lecture writes them — by hand beside libtorch's autograd (filled in by the app) — then
//! one update with SGD, momentum or Adam.
use super::{cell_edit, try_this};
use egui::Ui;
use spec::lab::act::{derivative, DiceStats};
use spec::lab::backprop::{backward, forward, update, Forward, Grads, TinyNet, Update};
use spec::lab::{factor, num};
use spec::Activation;

pub struct BackpropLab {
    pub net: TinyNet,
    /// libtorch's gradients for `net`; None until the app computes them (after any change).
    pub autograd: Option<Grads>,
    pub rule: Update,
    pub lr: f64,
}

impl Default for BackpropLab {
    fn default() -> Self {
        BackpropLab {
            net: TinyNet::default(),
            autograd: None,
            rule: Update::Sgd,
            lr: 0.1,
        }
    }
}

fn row(ui: &mut Ui, what: &str, hand: &str, value: f64, auto: Option<f64>) {
    ui.label(what);
    ui.monospace(hand);
    ui.label(num(value));
    match auto {
        Some(a) => ui.label(format!("{} (|Δ| {:.0e})", num(a), (a - value).abs())),
        None => ui.spinner(),
    };
    ui.end_row();
}

fn vec_str(v: &[f64]) -> String {
    let parts: Vec<String> = v.iter().map(|x| num(*x)).collect();
    format!("[{}]", parts.join(", "))
}

fn inputs_ui(ui: &mut Ui, s: &mut BackpropLab) -> bool {
    let before = s.net.clone();
    ui.horizontal(|ui| {
        ui.label("activation");
        for a in [Activation::Relu, Activation::Tanh, Activation::Sigmoid] {
            ui.selectable_value(&mut s.net.act, a, a.name());
        }
        ui.label("true class");
        ui.selectable_value(&mut s.net.label, 0, "0");
        ui.selectable_value(&mut s.net.label, 1, "1");
        if ui.button("Reset").clicked() {
            s.net = TinyNet::default();
        }
    });
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.label("input x (4×4)");
            egui::Grid::new("bp-x").show(ui, |ui| {
                for i in 0..16 {
                    cell_edit(
                        ui,
                        &mut s.net.x[i],
                        &format!("x {},{}", i / 4 + 1, i % 4 + 1),
                        None,
                        None,
                    );
                    if i % 4 == 3 {
                        ui.end_row();
                    }
                }
            });
        });
        ui.vertical(|ui| {
            ui.label("conv w1 (2×2), b1");
            egui::Grid::new("bp-w1").show(ui, |ui| {
                for i in 0..4 {
                    cell_edit(
                        ui,
                        &mut s.net.w1[i],
                        &format!("w1 {},{}", i / 2 + 1, i % 2 + 1),
                        None,
                        None,
                    );
                    if i % 2 == 1 {
                        ui.end_row();
                    }
                }
                cell_edit(ui, &mut s.net.b1, "b1", None, None);
            });
        });
        ui.vertical(|ui| {
            ui.label("linear w2 (2×4), b2");
            egui::Grid::new("bp-w2").show(ui, |ui| {
                for i in 0..8 {
                    cell_edit(
                        ui,
                        &mut s.net.w2[i],
                        &format!("w2 {},{}", i / 4 + 1, i % 4 + 1),
                        None,
                        None,
                    );
                    if i % 4 == 3 {
                        cell_edit(
                            ui,
                            &mut s.net.b2[i / 4],
                            &format!("b2 {}", i / 4 + 1),
                            None,
                            None,
                        );
                        ui.end_row();
                    }
                }
            });
        });
    });
    s.net != before
}

pub(super) fn backprop_ui(ui: &mut Ui, s: &mut BackpropLab) {
    ui.label("input 4×4 -> conv 2×2 (z1, 3×3) -> activation (z2) -> max pool 2×2, stride 1 (z3, 2×2) -> linear 4->2 (logits) -> softmax cross-entropy (z)");
    try_this(
        ui,
        "make w1 negative: z1 < 0 everywhere, ReLU's gradient is 0 and g(w1) vanishes",
    );
    if inputs_ui(ui, s) {
        s.autograd = None;
    }
    let f = forward(&s.net);
    let g = backward(&s.net, &f);
    ui.separator();
    forward_ui(ui, &s.net, &f);
    grads_ui(ui, &s.net, &f, &g, s.autograd.as_ref());
    ui.separator();
    update_ui(ui, s, &g);
}

fn forward_ui(ui: &mut Ui, n: &TinyNet, f: &Forward) {
    ui.label(egui::RichText::new("Forward").strong());
    ui.monospace(format!(
        "z1 = x * w1 + b1 = {}\nz2 = f(z1) = {}\nz3 = maxpool(z2) = {}\nlogits = w2·z3 + b2 = {}\np = softmax = {}\nz = −ln p[{}] = {}",
        vec_str(&f.z1),
        vec_str(&f.z2),
        vec_str(&f.z3),
        vec_str(&f.logits),
        vec_str(&f.probs),
        n.label,
        num(f.loss)
    ));
}

fn grads_ui(ui: &mut Ui, n: &TinyNet, f: &Forward, g: &Grads, a: Option<&Grads>) {
    ui.label(
        egui::RichText::new(
            "Backward: g(z_(i−1)) = g(z_i)·∂z_i/∂z_(i−1), g(w_i) = g(z_i)·∂z_i/∂w_i, from g(z) = 1",
        )
        .strong(),
    );
    egui::Grid::new("bp-grads").striped(true).show(ui, |ui| {
        ui.label("gradient");
        ui.label("by hand");
        ui.label("value");
        ui.label("autograd");
        ui.end_row();
        for k in 0..2 {
            let onehot = if k == n.label { 1.0 } else { 0.0 };
            row(
                ui,
                &format!("g(logit {k})"),
                &format!("p{k} − {onehot} = {} − {onehot}", num(f.probs[k])),
                g.logits[k],
                a.map(|a| a.logits[k]),
            );
        }
        for i in 0..4 {
            row(
                ui,
                &format!("g(z3[{i}])"),
                &format!(
                    "Σ_k g(logit_k)·w2[k,{i}] = {}·{} + {}·{}",
                    factor(g.logits[0]),
                    factor(n.w2[i]),
                    factor(g.logits[1]),
                    factor(n.w2[4 + i])
                ),
                g.z3[i],
                a.map(|a| a.z3[i]),
            );
        }
        for k in 0..9 {
            let from: Vec<String> = f
                .from
                .iter()
                .enumerate()
                .filter(|(_, &j)| j == k)
                .map(|(i, _)| format!("g(z3[{i}])"))
                .collect();
            let hand = if from.is_empty() {
                "not a max: 0".to_string()
            } else {
                from.join(" + ")
            };
            row(
                ui,
                &format!("g(z2[{k}])"),
                &hand,
                g.z2[k],
                a.map(|a| a.z2[k]),
            );
        }
        params_rows(ui, n, f, g, a);
    });
}

/// The rows of g(z1), the conv's and the linear layer's parameters.
fn params_rows(ui: &mut Ui, n: &TinyNet, f: &Forward, g: &Grads, a: Option<&Grads>) {
    for k in 0..9 {
        let d = derivative(
            n.act,
            f.z1[k],
            DiceStats {
                mean: 0.0,
                var: 1.0,
            },
        );
        row(
            ui,
            &format!("g(z1[{k}])"),
            &format!("g(z2[{k}])·f'(z1[{k}]) = {}·{}", factor(g.z2[k]), factor(d)),
            g.z1[k],
            a.map(|a| a.z1[k]),
        );
    }
    for i in 0..4 {
        row(
            ui,
            &format!("g(w1[{i}])"),
            "Σ over the 9 positions of g(z1)·x under the weight",
            g.w1[i],
            a.map(|a| a.w1[i]),
        );
    }
    row(ui, "g(b1)", "Σ g(z1)", g.b1, a.map(|a| a.b1));
    for i in 0..8 {
        row(
            ui,
            &format!("g(w2[{},{}])", i / 4, i % 4),
            &format!(
                "g(logit {})·z3[{}] = {}·{}",
                i / 4,
                i % 4,
                factor(g.logits[i / 4]),
                factor(f.z3[i % 4])
            ),
            g.w2[i],
            a.map(|a| a.w2[i]),
        );
    }
}

fn update_ui(ui: &mut Ui, s: &mut BackpropLab, g: &Grads) {
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new("One update").strong());
        ui.selectable_value(&mut s.rule, Update::Sgd, "SGD");
        ui.selectable_value(&mut s.rule, Update::Momentum, "Momentum (μ = 0.1)");
        ui.selectable_value(&mut s.rule, Update::Adam, "Adam");
        super::super::widgets::labelled(ui, "λ", |ui| {
            ui.add(
                egui::DragValue::new(&mut s.lr)
                    .speed(0.01)
                    .range(0.0..=10.0),
            )
        });
    });
    if s.rule == Update::Momentum {
        ui.weak("The lecture averages: p <- (1 − μ)p − μ·g, w <- w − λp; written here with p holding +g so that the step goes downhill.");
    }
    let n = &s.net;
    for i in 0..4 {
        let (_, text) = update(s.rule, n.w1[i], g.w1[i], s.lr);
        ui.monospace(format!("w1[{i}]: {text}"));
    }
    let (_, text) = update(s.rule, n.b1, g.b1, s.lr);
    ui.monospace(format!("b1: {text}"));
    if ui.button("Apply this update to w1, b1, w2, b2").clicked() {
        let net = &mut s.net;
        for i in 0..4 {
            net.w1[i] = update(s.rule, net.w1[i], g.w1[i], s.lr).0;
        }
        net.b1 = update(s.rule, net.b1, g.b1, s.lr).0;
        for i in 0..8 {
            net.w2[i] = update(s.rule, net.w2[i], g.w2[i], s.lr).0;
        }
        for k in 0..2 {
            net.b2[k] = update(s.rule, net.b2[k], g.b2[k], s.lr).0;
        }
        s.autograd = None;
    }
}
