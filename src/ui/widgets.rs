//! Small editing widgets shared by the editor and the settings panel.
use egui::{ComboBox, DragValue, Response, Ui};
use spec::layer::{Init, Norm, Padding};
use spec::{thousands, Activation, GeluForm};

/// A labelled row: label on the left, widget after it; the label names the widget for
/// screen readers (and tests).
pub fn row(ui: &mut Ui, label: &str, add: impl FnOnce(&mut Ui) -> Response) -> Response {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        add(ui).labelled_by(l.id)
    })
    .inner
}

/// A label followed by a widget it names.
pub fn labelled(ui: &mut Ui, label: &str, add: impl FnOnce(&mut Ui) -> Response) -> Response {
    let l = ui.label(label);
    add(ui).labelled_by(l.id)
}

pub fn count_ui(
    ui: &mut Ui,
    label: &str,
    value: &mut usize,
    range: std::ops::RangeInclusive<usize>,
) {
    ui.horizontal(|ui| {
        labelled(ui, label, |ui| {
            ui.add(DragValue::new(value).range(range).speed(0.1))
        })
    });
}

/// Combo box over every activation, then the chosen one's parameters.
pub fn activation_ui(
    ui: &mut Ui,
    label: &str,
    id: impl std::hash::Hash + std::fmt::Debug,
    act: &mut Activation,
) {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ComboBox::from_id_salt(id)
            .selected_text(act.name())
            .show_ui(ui, |ui| {
                for a in Activation::ALL {
                    let selected = act.name() == a.name();
                    if ui
                        .selectable_label(selected, a.name())
                        .on_hover_text(a.explain())
                        .clicked()
                        && !selected
                    {
                        *act = a;
                    }
                }
            })
            .response
            .labelled_by(l.id)
            .on_hover_text(act.explain());
        activation_params_ui(ui, act);
    });
}

fn activation_params_ui(ui: &mut Ui, act: &mut Activation) {
    match act {
        Activation::LeakyRelu { slope } => {
            labelled(ui, "slope", |ui| {
                ui.add(DragValue::new(slope).range(0.0..=1.0).speed(0.005))
            });
        }
        Activation::Elu { alpha } => {
            labelled(ui, "α", |ui| {
                ui.add(DragValue::new(alpha).range(0.0..=10.0).speed(0.01))
            });
        }
        Activation::Swish { beta } => {
            labelled(ui, "β", |ui| {
                ui.add(DragValue::new(beta).range(0.0..=10.0).speed(0.01))
            })
            .on_hover_text("β = 1 is SiLU; β = 1.702 approximates GELU");
        }
        Activation::Gelu { form } => {
            ui.selectable_value(form, GeluForm::Tanh, "tanh")
                .on_hover_text("0.5x(1 + tanh(sqrt(2/π)(x + 0.044715x³))), the lecture's form");
            ui.selectable_value(form, GeluForm::Erf, "erf")
                .on_hover_text("exact: x·Φ(x)");
        }
        Activation::Dice { alpha_init, .. } => {
            labelled(ui, "initial α", |ui| {
                ui.add(DragValue::new(alpha_init).range(-1.0..=1.0).speed(0.01))
            });
        }
        Activation::Relu
        | Activation::Selu
        | Activation::Mish
        | Activation::Sigmoid
        | Activation::Tanh => {}
    }
}

/// "Network default" or a specific activation.
pub fn activation_override_ui(
    ui: &mut Ui,
    label: &str,
    id: impl std::hash::Hash + std::fmt::Debug + Copy,
    act: &mut Option<Activation>,
    default: Activation,
) {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        let text = match act {
            None => format!("network ({})", default.name()),
            Some(a) => a.name().to_string(),
        };
        ComboBox::from_id_salt(("override", id))
            .selected_text(text)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(act.is_none(), format!("network ({})", default.name()))
                    .clicked()
                {
                    *act = None;
                }
                for a in Activation::ALL {
                    let selected = act.is_some_and(|x| x.name() == a.name());
                    if ui
                        .selectable_label(selected, a.name())
                        .on_hover_text(a.explain())
                        .clicked()
                        && !selected
                    {
                        *act = Some(a);
                    }
                }
            })
            .response
            .labelled_by(l.id);
        if let Some(a) = act {
            activation_params_ui(ui, a);
        }
    });
}

fn norm_label(n: &Norm) -> String {
    n.name().to_string()
}

pub fn norm_ui(
    ui: &mut Ui,
    label: &str,
    id: impl std::hash::Hash + std::fmt::Debug,
    norm: &mut Norm,
) {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ComboBox::from_id_salt(id)
            .selected_text(norm_label(norm))
            .show_ui(ui, |ui| {
                for n in Norm::ALL {
                    let selected = norm.name() == n.name();
                    if ui.selectable_label(selected, n.name()).clicked() && !selected {
                        *norm = n;
                    }
                }
            })
            .response
            .labelled_by(l.id);
        norm_param_ui(ui, norm);
    });
}

/// The number a normalization kind carries: groups, or channels per decorrelated group.
fn norm_param_ui(ui: &mut Ui, norm: &mut Norm) {
    match norm {
        Norm::Group { groups } => {
            labelled(ui, "groups", |ui| {
                ui.add(DragValue::new(groups).range(1..=512))
            });
        }
        Norm::Decorrelated { group } => {
            labelled(ui, "channels per group", |ui| {
                ui.add(DragValue::new(group).range(1..=512))
            });
        }
        Norm::Off | Norm::Batch | Norm::Layer | Norm::Instance => {}
    }
}

pub fn norm_override_ui(
    ui: &mut Ui,
    label: &str,
    id: impl std::hash::Hash + std::fmt::Debug + Copy,
    norm: &mut Option<Norm>,
    default: Norm,
) {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        let text = match norm {
            None => format!("network ({})", default.name()),
            Some(n) => n.name().to_string(),
        };
        ComboBox::from_id_salt(("norm-override", id))
            .selected_text(text)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(norm.is_none(), format!("network ({})", default.name()))
                    .clicked()
                {
                    *norm = None;
                }
                for n in Norm::ALL {
                    let selected = norm.is_some_and(|x| x.name() == n.name());
                    if ui.selectable_label(selected, n.name()).clicked() && !selected {
                        *norm = Some(n);
                    }
                }
            })
            .response
            .labelled_by(l.id);
        if let Some(n) = norm {
            norm_param_ui(ui, n);
        }
    });
}

pub fn init_ui(
    ui: &mut Ui,
    label: &str,
    id: impl std::hash::Hash + std::fmt::Debug,
    init: &mut Init,
) {
    let l = ui.label(label);
    ComboBox::from_id_salt(id)
        .selected_text(init.name())
        .show_ui(ui, |ui| {
            for i in Init::ALL {
                ui.selectable_value(init, i, i.name());
            }
        })
        .response
        .labelled_by(l.id);
}

pub fn init_override_ui(
    ui: &mut Ui,
    label: &str,
    id: impl std::hash::Hash + std::fmt::Debug,
    init: &mut Option<Init>,
    default: Init,
) {
    let l = ui.label(label);
    let text = match init {
        None => format!("network ({})", default.name()),
        Some(i) => i.name().to_string(),
    };
    ComboBox::from_id_salt(id)
        .selected_text(text)
        .show_ui(ui, |ui| {
            ui.selectable_value(init, None, format!("network ({})", default.name()));
            for i in Init::ALL {
                ui.selectable_value(init, Some(i), i.name());
            }
        })
        .response
        .labelled_by(l.id);
}

pub fn padding_ui(ui: &mut Ui, padding: &mut Padding) {
    ui.horizontal(|ui| {
        let l = ui.label("padding");
        let mut same = *padding == Padding::Same;
        if ui.checkbox(&mut same, "same").changed() {
            *padding = if same {
                Padding::Same
            } else {
                Padding::Pixels(0)
            };
        }
        match padding {
            Padding::Pixels(p) => {
                ui.add(DragValue::new(p).range(0..=64)).labelled_by(l.id);
            }
            Padding::Sides { h, w } => {
                ui.add(DragValue::new(h).range(0..=64).prefix("h "));
                ui.add(DragValue::new(w).range(0..=64).prefix("w "));
            }
            Padding::Same => {}
        }
    });
}

/// Compact counts for cards: 1.2k, 3.4M.
pub fn compact(n: usize) -> String {
    match n {
        0..=9_999 => thousands(n),
        10_000..=999_999 => format!("{:.1}k", n as f64 / 1e3),
        1_000_000..=999_999_999 => format!("{:.1}M", n as f64 / 1e6),
        _ => format!("{:.1}G", n as f64 / 1e9),
    }
}
