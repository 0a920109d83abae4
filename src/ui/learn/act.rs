//! The activation lab: every activation of the palette with its derivative on shared axes,
//! parameters live, the lecture's formula and where each saturates.
use super::try_this;
use egui::Ui;
use egui_plot::{Legend, Line, LineStyle, Plot, PlotPoints, VLine};
use spec::lab::act::{derivative, formula, note, value, DiceStats};
use spec::{Activation, GeluForm};

pub struct ActLab {
    pub slope: f64,
    pub elu_alpha: f64,
    pub beta: f64,
    pub dice_alpha: f64,
    pub dice: DiceStats,
    /// Which curves are drawn, by palette order.
    pub shown: [bool; 11],
    pub derivatives: bool,
}

impl Default for ActLab {
    fn default() -> Self {
        let mut shown = [false; 11];
        for i in [0, 4, 6, 7] {
            shown[i] = true;
        }
        ActLab {
            slope: 0.1,
            elu_alpha: 1.0,
            beta: 1.0,
            dice_alpha: 0.1,
            dice: DiceStats {
                mean: 0.0,
                var: 1.0,
            },
            shown,
            derivatives: true,
        }
    }
}

impl ActLab {
    /// The palette's activations (GELU in both forms) with the lab's parameters.
    pub fn activations(&self) -> Vec<Activation> {
        Activation::lab_forms(self.slope, self.elu_alpha, self.beta, self.dice_alpha)
    }
}

fn name(a: Activation) -> String {
    match a {
        Activation::Gelu {
            form: GeluForm::Erf,
        } => "GELU (erf)".into(),
        Activation::Swish { beta } => format!("Swish β={beta:.3}"),
        other => other.name().into(),
    }
}

/// The largest |Swish_β − GELU| on [−4, 4]: how close β = 1.702 comes.
fn swish_vs_gelu(beta: f64, d: DiceStats) -> f64 {
    let gelu = Activation::Gelu {
        form: GeluForm::Erf,
    };
    (0..=800)
        .map(|i| -4.0 + i as f64 * 0.01)
        .map(|x| (value(Activation::Swish { beta }, x, d) - value(gelu, x, d)).abs())
        .fold(0.0, f64::max)
}

fn params_ui(ui: &mut Ui, s: &mut ActLab) {
    let slider = |ui: &mut Ui, v: &mut f64, r: std::ops::RangeInclusive<f64>, text: &str| {
        ui.add(egui::Slider::new(v, r).text(text));
    };
    ui.horizontal_wrapped(|ui| {
        slider(ui, &mut s.slope, 0.0..=0.5, "leaky slope");
        slider(ui, &mut s.elu_alpha, 0.1..=2.0, "ELU α");
        slider(ui, &mut s.beta, 0.1..=5.0, "Swish β");
        if ui.button("β = 1.702 (≈ GELU)").clicked() {
            s.beta = 1.702;
        }
    });
    ui.horizontal_wrapped(|ui| {
        slider(ui, &mut s.dice_alpha, 0.0..=1.0, "Dice α");
        slider(ui, &mut s.dice.mean, -2.0..=2.0, "Dice E[s]");
        slider(ui, &mut s.dice.var, 0.01..=4.0, "Dice Var[s]");
        ui.checkbox(&mut s.derivatives, "derivatives (dashed)");
    });
    ui.label(format!(
        "Swish β = {:.3} vs GELU: largest difference on [−4, 4] is {:.3}",
        s.beta,
        swish_vs_gelu(s.beta, s.dice)
    ));
}

pub(super) fn act_ui(ui: &mut Ui, s: &mut ActLab) {
    params_ui(ui, s);
    try_this(
        ui,
        "show Sigmoid and Tanh: their derivatives are ≈ 0 beyond |x| > 4 — vanishing gradients",
    );
    let acts = s.activations();
    ui.horizontal_wrapped(|ui| {
        for (i, a) in acts.iter().enumerate() {
            ui.checkbox(&mut s.shown[i], name(*a));
        }
    });
    let xs: Vec<f64> = (0..=400).map(|i| -5.0 + i as f64 * 0.025).collect();
    Plot::new("activation-lab")
        .height(300.0)
        .legend(Legend::default())
        .allow_scroll(false)
        .show(ui, |plot| {
            for (i, a) in acts.iter().enumerate().filter(|(i, _)| s.shown[*i]) {
                let color = egui::epaint::Hsva::new(i as f32 / 11.0, 0.75, 0.9, 1.0);
                let f: PlotPoints = xs.iter().map(|&x| [x, value(*a, x, s.dice)]).collect();
                plot.line(Line::new(name(*a), f).color(color));
                if s.derivatives {
                    let d: PlotPoints =
                        xs.iter().map(|&x| [x, derivative(*a, x, s.dice)]).collect();
                    plot.line(
                        Line::new(format!("{}'", name(*a)), d)
                            .color(color)
                            .style(LineStyle::dashed_loose()),
                    );
                }
            }
            if s.shown[10] {
                plot.vline(VLine::new("Dice E[s]", s.dice.mean));
            }
        });
    for (i, a) in acts.iter().enumerate().filter(|(i, _)| s.shown[*i]) {
        let _ = i;
        ui.horizontal_wrapped(|ui| {
            ui.label(egui::RichText::new(name(*a)).strong());
            ui.monospace(formula(*a));
            ui.weak(note(*a));
        });
    }
}
