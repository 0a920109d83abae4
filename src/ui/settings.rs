//! Training settings (right side): data, schedule, optimizer, regularization, augmentation,
//! seed and device.
use super::widgets::*;
use super::Action;
use egui::{ComboBox, DragValue, Ui};
use spec::{Augment, Loss, Optimizer, Preset, Schedule, Training};

/// What the settings panel needs besides the preset.
pub struct SettingsContext<'a> {
    pub devices: &'a [String],
    /// What the search for libtorch's CUDA libraries found, said beside the device list.
    pub cuda_status: &'a str,
    /// Why the chosen dataset folder cannot be used, if it cannot.
    pub data_problem: Option<&'a str>,
    /// The folder path being typed.
    pub folder_text: &'a mut String,
    /// CPU cores, to say what "auto" threads means and to clamp larger counts.
    pub cores: usize,
    /// A run is training: a new thread count applies to the next run.
    pub running: bool,
    /// Names of the datasets downloaded into the cache.
    pub downloaded: &'a [String],
    /// Memory the device has free, when known ("will it fit").
    pub available_memory: Option<usize>,
    /// The network's shape inference, when it is possible (computed once per edit).
    pub summary: Option<&'a spec::Summary>,
}

/// The thread count: 0 is auto (one per core); a count larger than the cores is clamped.
fn threads_ui(ui: &mut Ui, t: &mut Training, cores: usize, running: bool) {
    row(ui, "threads", |ui| {
        let r = ui.add(
            DragValue::new(&mut t.threads)
                .range(0..=1024)
                .custom_formatter(|v, _| {
                    if v == 0.0 {
                        format!("auto ({cores})")
                    } else {
                        format!("{v:.0}")
                    }
                }),
        );
        r.on_hover_text(
            "CPU threads for libtorch. 0 = auto: one per core, in the window as headless.",
        )
    });
    let (_, note) = spec::threads_for(t.threads, cores);
    if let Some(note) = note {
        ui.weak(note);
    }
    if running {
        ui.weak("a new thread count applies to the next run");
    }
}

fn lr_ui(ui: &mut Ui, label: &str, v: &mut f64, min: f64) {
    row(ui, label, |ui| {
        ui.add(
            DragValue::new(v)
                .range(min..=10.0)
                .speed(0.0001)
                .max_decimals(6),
        )
    });
}

pub fn settings_ui(
    ui: &mut Ui,
    preset: &mut Preset,
    mut context: SettingsContext,
    actions: &mut Vec<Action>,
) {
    ui.heading("Training");
    egui::CollapsingHeader::new("Data")
        .default_open(true)
        .show(ui, |ui| data_ui(ui, preset, &mut context, actions));

    let t = &mut preset.training;
    egui::CollapsingHeader::new("Schedule")
        .default_open(true)
        .show(ui, |ui| schedule_ui(ui, t));

    egui::CollapsingHeader::new("Optimizer")
        .default_open(true)
        .show(ui, |ui| optimizer_ui(ui, t));

    egui::CollapsingHeader::new("Regularization")
        .default_open(false)
        .show(ui, |ui| regularization_ui(ui, t));

    egui::CollapsingHeader::new("Augmentation")
        .default_open(false)
        .show(ui, |ui| augment_ui(ui, &mut t.augment));

    egui::CollapsingHeader::new("Run")
        .default_open(true)
        .show(ui, |ui| run_settings_ui(ui, t, &context));
    if let Some(summary) = context.summary {
        fit_ui(ui, preset, summary, context.available_memory);
    }
}

fn data_ui(
    ui: &mut Ui,
    preset: &mut Preset,
    context: &mut SettingsContext,
    actions: &mut Vec<Action>,
) {
    super::data_panel::source_ui(ui, preset, context, actions);
    let data = &mut preset.data;
    ui.horizontal(|ui| {
        let mut limit = data.train_limit.is_some();
        let r = ui.checkbox(&mut limit, "use only");
        if r.changed() {
            data.train_limit = limit.then_some(5000);
        }
        if let Some(n) = &mut data.train_limit {
            ui.add(DragValue::new(n).range(10..=1_000_000))
                .labelled_by(r.id);
            ui.label("training images");
        }
    });
    row(ui, "validation", |ui| {
        ui.add(egui::Slider::new(&mut data.validation_fraction, 0.01..=0.5).fixed_decimals(2))
    });
    super::data_panel::loader_ui(ui, data);
}

fn augment_ui(ui: &mut Ui, a: &mut Augment) {
    ui.checkbox(&mut a.hflip, "horizontal flip");
    count_ui(ui, "random crop, padding", &mut a.crop_padding, 0..=8);
    let frac = |ui: &mut Ui, label: &str, v: &mut f64, max: f64| {
        row(ui, label, |ui| ui.add(egui::Slider::new(v, 0.0..=max)));
    };
    frac(ui, "scale ±", &mut a.scale, 0.5);
    frac(ui, "translate ±", &mut a.translate, 0.3);
    frac(ui, "rotate ±°", &mut a.rotate_degrees, 45.0);
    frac(ui, "shear ±°", &mut a.shear_degrees, 30.0);
    frac(ui, "brightness ±", &mut a.brightness, 1.0);
    frac(ui, "contrast ±", &mut a.contrast, 1.0);
    frac(ui, "PCA colour σ", &mut a.pca_noise, 0.5);
    row(ui, "random-resized crop, min area", |ui| {
        ui.add(egui::Slider::new(&mut a.random_resized_crop, 0.0..=1.0))
            .on_hover_text("0 = off. A random part of each image covering at least this fraction of its area (aspect 3/4–4/3), scaled to the input; 0.08 is torchvision's default")
    });
    ui.horizontal(|ui| {
        if ui
            .button("standard")
            .on_hover_text("crop 2, rotate 10°, scale 0.1, brightness/contrast 0.1")
            .clicked()
        {
            *a = Augment::standard();
        }
        if ui.button("off").clicked() {
            *a = Augment::default();
        }
    });
}

fn schedule_ui(ui: &mut Ui, t: &mut Training) {
    count_ui(ui, "epochs", &mut t.epochs, 1..=1000);
    count_ui(ui, "batch size", &mut t.batch_size, 1..=4096);
    lr_ui(ui, "learning rate", &mut t.learning_rate, 1e-6);
    row(ui, "schedule", |ui| {
        let choices = [
            ("constant", Schedule::Constant),
            (
                "step decay",
                Schedule::Step {
                    every_epochs: 2,
                    gamma: 0.5,
                },
            ),
            ("cosine", Schedule::Cosine { min_lr: 0.0 }),
            ("one-cycle", Schedule::one_cycle()),
        ];
        let same =
            |a: &Schedule, b: &Schedule| std::mem::discriminant(a) == std::mem::discriminant(b);
        let name = choices
            .iter()
            .find(|(_, c)| same(c, &t.schedule))
            .map_or("", |(n, _)| n);
        ComboBox::from_id_salt("schedule")
            .selected_text(name)
            .show_ui(ui, |ui| {
                for (label, choice) in choices {
                    let selected = same(&choice, &t.schedule);
                    if ui.selectable_label(selected, label).clicked() && !selected {
                        t.schedule = choice;
                    }
                }
            })
            .response
            .on_hover_text("one-cycle: warm up to the learning rate, then anneal far below it (fast convergence)")
    });
    match &mut t.schedule {
        Schedule::Step {
            every_epochs,
            gamma,
        } => {
            count_ui(ui, "every epochs", every_epochs, 1..=100);
            row(ui, "gamma", |ui| {
                ui.add(DragValue::new(gamma).range(0.01..=1.0).speed(0.01))
            });
        }
        Schedule::Cosine { min_lr } => lr_ui(ui, "min lr", min_lr, 0.0),
        Schedule::OneCycle {
            pct_start,
            div_factor,
            final_div_factor,
        } => {
            row(ui, "warm-up share", |ui| {
                ui.add(DragValue::new(pct_start).range(0.01..=0.99).speed(0.01))
            })
            .on_hover_text("the part of the run spent rising to the peak (PyTorch's pct_start)");
            row(ui, "start = peak /", |ui| {
                ui.add(DragValue::new(div_factor).range(1.0..=1e4).speed(1.0))
            });
            row(ui, "end = start /", |ui| {
                ui.add(
                    DragValue::new(final_div_factor)
                        .range(1.0..=1e6)
                        .speed(10.0),
                )
            });
        }
        Schedule::Constant => {}
    }
    count_ui(ui, "warm-up steps", &mut t.warmup_steps, 0..=100_000);
}

fn optimizer_ui(ui: &mut Ui, t: &mut Training) {
    row(ui, "optimizer", |ui| {
        ComboBox::from_id_salt("optimizer")
            .selected_text(t.optimizer.name())
            .show_ui(ui, |ui| {
                for name in ["SGD", "SGD+momentum", "SGD+Nesterov", "Adam", "AdamW"] {
                    let selected = t.optimizer.name() == name;
                    if ui.selectable_label(selected, name).clicked() && !selected {
                        if let Some(o) = Optimizer::from_name(name) {
                            t.optimizer = o;
                        }
                    }
                }
            })
            .response
    });
    match &mut t.optimizer {
        Optimizer::Sgd { momentum, nesterov } => {
            row(ui, "momentum", |ui| {
                ui.add(DragValue::new(momentum).range(0.0..=0.999).speed(0.01))
            });
            ui.checkbox(nesterov, "Nesterov");
        }
        Optimizer::Adam { beta1, beta2, eps } | Optimizer::AdamW { beta1, beta2, eps } => {
            row(ui, "β1", |ui| {
                ui.add(DragValue::new(beta1).range(0.0..=0.9999).speed(0.001))
            });
            row(ui, "β2", |ui| {
                ui.add(DragValue::new(beta2).range(0.0..=0.99999).speed(0.0001))
            });
            row(ui, "ε", |ui| {
                ui.add(
                    DragValue::new(eps)
                        .range(1e-12..=1e-2)
                        .speed(1e-9)
                        .custom_formatter(|v, _| format!("{v:.0e}")),
                )
            });
        }
    }
    loss_ui(ui, t);
}

fn loss_ui(ui: &mut Ui, t: &mut Training) {
    let choices = [
        ("cross-entropy", Loss::CrossEntropy),
        (
            "cross-entropy, label smoothing",
            Loss::SmoothedCrossEntropy { smoothing: 0.1 },
        ),
        ("multiclass hinge", Loss::Hinge { margin: 1.0 }),
    ];
    let same = |a: &Loss, b: &Loss| std::mem::discriminant(a) == std::mem::discriminant(b);
    row(ui, "loss", |ui| {
        let name = choices
            .iter()
            .find(|(_, c)| same(c, &t.loss))
            .map_or("", |(n, _)| n);
        ComboBox::from_id_salt("loss")
            .selected_text(name)
            .show_ui(ui, |ui| {
                for (label, choice) in choices {
                    let selected = same(&choice, &t.loss);
                    if ui.selectable_label(selected, label).clicked() && !selected {
                        t.loss = choice;
                    }
                }
            })
            .response
    });
    if let Loss::SmoothedCrossEntropy { smoothing } = &mut t.loss {
        row(ui, "smoothing ε", |ui| {
            ui.add(DragValue::new(smoothing).range(0.0..=0.5).speed(0.01))
        })
        .on_hover_text("the true class's target is 1 − ε + ε/K, every other class's ε/K");
    }
}

fn regularization_ui(ui: &mut Ui, t: &mut Training) {
    row(ui, "weight decay", |ui| {
        ui.add(
            DragValue::new(&mut t.weight_decay)
                .range(0.0..=1.0)
                .speed(1e-5)
                .max_decimals(6),
        )
    })
    .on_hover_text("applied by the optimizer (decoupled for AdamW) to every parameter, biases and normalization scales and shifts included unless the box below is ticked; L1 and L2 below penalize only convolution and linear weights");
    ui.checkbox(
        &mut t.no_decay_on_biases_and_norms,
        "no weight decay on biases and norms",
    )
    .on_hover_text("the usual exception: biases, normalization scales and shifts (and Dice's α) are not decayed");
    row(ui, "L1 λ", |ui| {
        ui.add(
            DragValue::new(&mut t.l1)
                .range(0.0..=1.0)
                .speed(1e-6)
                .max_decimals(7),
        )
    });
    row(ui, "L2 λ", |ui| {
        ui.add(
            DragValue::new(&mut t.l2)
                .range(0.0..=1.0)
                .speed(1e-6)
                .max_decimals(7),
        )
    });
    ui.weak("L1 and L2 together: elastic net. Dropout is a layer (palette).");
}

fn run_settings_ui(ui: &mut Ui, t: &mut Training, context: &SettingsContext) {
    row(ui, "seed", |ui| ui.add(DragValue::new(&mut t.seed)));
    row(ui, "device", |ui| {
        ComboBox::from_id_salt("device")
            .selected_text(t.device.clone())
            .show_ui(ui, |ui| {
                ui.selectable_value(
                    &mut t.device,
                    "auto".to_string(),
                    "auto (CUDA if available)",
                );
                for d in context.devices {
                    ui.selectable_value(&mut t.device, d.clone(), d);
                }
                ui.separator();
                ui.add(egui::Label::new(egui::RichText::new(context.cuda_status).weak()).wrap());
            })
            .response
            .on_hover_text(context.cuda_status)
    });
    threads_ui(ui, t, context.cores, context.running);
    count_ui(
        ui,
        "probe every (steps)",
        &mut t.probe_every_steps,
        1..=10_000,
    );
    // Fine-tuning: a typed path (no file dialog needed); empty = from scratch.
    let mut from = t
        .init_from
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let r = row(ui, "fine-tune from", |ui| {
        ui.add(
            egui::TextEdit::singleline(&mut from)
                .hint_text("checkpoint or run folder")
                .desired_width(170.0),
        )
    });
    if r.changed() {
        let from = from.trim();
        t.init_from = (!from.is_empty()).then(|| std::path::PathBuf::from(from));
    }
    if !t.freeze.is_empty() {
        ui.weak(format!(
            "frozen layers: {:?} (tick \"frozen\" on a card)",
            t.freeze
        ));
    }
}

/// "Will it fit": the training memory estimate against the device's free memory.
pub fn fit_ui(ui: &mut Ui, preset: &Preset, s: &spec::Summary, available: Option<usize>) {
    use spec::memory;
    let t = &preset.training;
    let est = memory::estimate(s, t, t.batch_size);
    match available {
        Some(free) if est.total() > free => {
            let (i, label, b) = memory::largest_layer(s).unwrap_or_default();
            ui.colored_label(
                super::ERROR_COLOR,
                format!(
                    "will not fit: needs {} but {} has {} free — the largest output is layer {i} {label} ({} per image); lower the batch size or the input",
                    memory::bytes(est.total()),
                    t.device,
                    memory::bytes(free),
                    memory::bytes(b)
                ),
            )
            .on_hover_text(est.describe());
        }
        _ => {
            ui.weak(format!("memory ≈ {}", memory::bytes(est.total())))
                .on_hover_text(est.describe());
        }
    }
}
