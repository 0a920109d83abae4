//! The Compare dialog.
use crate::view::{Effect, Env, View};
use runs::compare::variant_changes;
use spec::{CompareSpec, Dimension, Preset};
use ui::{self, Action};

/// Wide enough for the values field and a variant's changes.
const DIALOG_WIDTH: f32 = 560.0;

/// The Compare dialog: which dimension, which values, how many seeds.
pub(crate) struct CompareDialog {
    pub spec: CompareSpec,
    pub values: String,
    /// Runs at once on a GPU.
    pub parallel: usize,
    /// Run on worker processes (how many), or in this process.
    pub workers: Option<usize>,
}

impl CompareDialog {
    /// Opens on the preset's last comparison (or the default one).
    pub(crate) fn new(preset: &Preset, parallel: usize, workers: Option<usize>) -> CompareDialog {
        let spec = preset.compare.clone().unwrap_or_default();
        let values = spec.values.join(", ");
        CompareDialog {
            spec,
            values,
            parallel,
            workers,
        }
    }
}

impl View for CompareDialog {
    fn show(&mut self, ctx: &egui::Context, env: &Env<'_>, out: &mut Vec<Effect>) -> bool {
        let mut open = true;
        let id = egui::Id::unique("compare-dialog");
        // Anchored by its top and of one width: it stays put while its content changes size
        // (values typed, the changes list growing), rather than re-centring.
        let area =
            egui::Modal::default_area(id).anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 60.0));
        egui::Modal::new(id).area(area).show(ctx, |ui| {
            ui.set_width(DIALOG_WIDTH);
            ui.heading("Compare variants");
            ui.label("Train this network once per value and seed. Runs with the same seed see the same data in the same order and start from the same weights wherever the shapes match.");
            let preset = env.preset;
            let cuda = preset.training.device.starts_with("cuda");
            fields_ui(ui, self, preset.training.epochs, cuda);
            self.spec.values = self
                .values
                .split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            let check = self.spec.variants(preset);
            match &check {
                Ok(v) => {
                    let (n, seeds) = (v.len(), self.spec.seeds);
                    let how = match self.workers {
                        Some(w) => format!("{w} at a time in worker processes"),
                        None => "one after another".into(),
                    };
                    ui.weak(format!("{n} variants × {seeds} seeds = {} runs, {how}", n * seeds));
                    // Against the network at the comparison's epochs: each variant's line
                    // names what it varies, not the epochs they all share.
                    let mut base = preset.clone();
                    base.training.epochs = self.spec.epochs.unwrap_or(base.training.epochs);
                    variant_changes_ui(ui, &base, v);
                }
                Err(e) => {
                    ui.colored_label(ui::ERROR_COLOR, e.to_string());
                }
            };
            ui.horizontal(|ui| {
                let start = egui::Button::new("Start comparison");
                if ui.add_enabled(check.is_ok(), start).clicked() {
                    out.push(Effect::SetParallel(self.parallel));
                    out.push(Effect::SetWorkers(self.workers));
                    out.push(Effect::Do(Action::StartCompare(self.spec.clone())));
                    open = false;
                }
                if ui.button("Cancel").clicked() {
                    open = false;
                }
            });
        });
        open
    }
}

/// The dialog's fields: dimension, values, seeds, epochs, runs at once, the Norm insertion.
fn fields_ui(ui: &mut egui::Ui, d: &mut CompareDialog, panel_epochs: usize, cuda: bool) {
    ui.horizontal(|ui| {
        let l = ui.label("vary");
        egui::ComboBox::from_id_salt("cmp-dim")
            .selected_text(d.spec.dimension.name())
            .show_ui(ui, |ui| {
                for dim in Dimension::ALL {
                    if ui
                        .selectable_label(d.spec.dimension == dim, dim.name())
                        .clicked()
                        && d.spec.dimension != dim
                    {
                        d.spec.dimension = dim;
                        d.values = dim.default_values().join(", ");
                    }
                }
            })
            .response
            .labelled_by(l.id);
    });
    ui.horizontal(|ui| {
        let l = ui.label("values");
        ui.add(egui::TextEdit::singleline(&mut d.values).desired_width(320.0))
            .labelled_by(l.id);
    });
    ui::widgets::count_ui(ui, "seeds", &mut d.spec.seeds, 1..=20);
    // Starts at the training panel's epochs; kept with the comparison.
    let epochs = d.spec.epochs.get_or_insert(panel_epochs);
    ui::widgets::count_ui(ui, "epochs per run", epochs, 1..=10_000);
    // One row, as high as the dialog was before it could run on workers.
    ui.horizontal(|ui| {
        run_on_ui(ui, d);
        match d.workers.as_mut() {
            Some(n) => ui::widgets::count_ui(ui, "workers", n, 1..=64),
            None => {
                ui.add_enabled_ui(cuda, |ui| {
                    ui::widgets::count_ui(ui, "runs at once on the GPU", &mut d.parallel, 1..=8);
                })
                .response
                .on_disabled_hover_text(
                    "in this process on the CPU runs go one after another (set the device to cuda, or run on worker processes)",
                );
            }
        }
    });
    if d.spec.dimension == Dimension::Normalization {
        ui.checkbox(
            &mut d.spec.insert_norm,
            "insert a Norm layer after each convolution",
        )
        .on_hover_text(
            "before its activation, following the network's normalization: the usual place",
        );
    }
}

/// Run on: this process, or N worker processes (each with its share of the CPU threads, or a
/// GPU of its own when there are several).
fn run_on_ui(ui: &mut egui::Ui, d: &mut CompareDialog) {
    let l = ui.label("run on");
    let text = match d.workers {
        Some(_) => "worker processes",
        None => "this process",
    };
    egui::ComboBox::from_id_salt("cmp-run-on")
        .selected_text(text)
        .show_ui(ui, |ui| {
            if ui.selectable_label(d.workers.is_none(), "this process").clicked() {
                d.workers = None;
            }
            if ui
                .selectable_label(d.workers.is_some(), "worker processes")
                .on_hover_text("each run in a process of its own, several at once: their numbers are the same as in this process")
                .clicked()
            {
                d.workers.get_or_insert(2);
            }
        })
        .response
        .labelled_by(l.id);
}

/// What each variant changes in the network being edited (the first few fields).
fn variant_changes_ui(ui: &mut egui::Ui, base: &Preset, variants: &[(String, Preset)]) {
    egui::CollapsingHeader::new("What each variant changes")
        .default_open(true)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .max_height(180.0)
                .show(ui, |ui| {
                    for (label, p) in variants {
                        let changes = variant_changes(base, p);
                        let text = match changes.len() {
                            0 => "nothing: this is the network as it is".to_string(),
                            n if n > 4 => {
                                format!("{} … and {} more", changes[..4].join("; "), n - 4)
                            }
                            _ => changes.join("; "),
                        };
                        ui.label(egui::RichText::new(format!("{label}: ")).strong());
                        ui.weak(text);
                    }
                });
        });
}
