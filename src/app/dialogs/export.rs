//! File -> Export to PyTorch…: the editor's network or a run (with its weights) as a PyTorch
//! project, optionally TorchScript and ONNX, written on a named thread (the formats run
//! PyTorch in Python for a few seconds); an existing folder is replaced only when confirmed.
use crate::view::{Effect, Env, View};
use crossbeam_channel::{bounded, Receiver};
use export::{self, ExportReport, Format, Source};
use std::path::{Path, PathBuf};

/// An export being written.
struct ExportJob {
    rx: Receiver<Result<ExportReport, String>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for ExportJob {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub(crate) struct ExportDialog {
    /// Export a run folder (with its weights) rather than the editor's network.
    from_run: bool,
    run_text: String,
    folder_text: String,
    torchscript: bool,
    onnx: bool,
    /// The folder exists: asking whether to replace it.
    confirm_replace: bool,
    /// The path field whose Browse… opened no dialog: it shows a hint and takes the focus.
    typed_hint: Option<PathField>,
    job: Option<ExportJob>,
    outcome: Option<Result<String, String>>,
}

/// The report as lines for the dialog (and the notice line).
pub(crate) fn describe(r: &ExportReport) -> String {
    let mut lines = vec![format!("Exported into {}", r.dir.display())];
    lines.push(format!("files: {}", r.files.join(", ")));
    for f in &r.formats {
        lines.push(match &f.outcome {
            Ok(p) => format!(
                "{} written{} — max |logit difference| vs model.py {:.1e}",
                p.file_name().unwrap_or_default().to_string_lossy(),
                f.opset
                    .map_or(String::new(), |o| format!(" (ONNX opset {o})")),
                f.max_abs_diff.unwrap_or(f64::NAN)
            ),
            Err(why) => {
                let mut s = format!("{}: not written — {why}", f.format.file());
                for l in &f.layers {
                    s += &format!("\n  cannot be expressed: {l}");
                }
                s
            }
        });
    }
    lines.extend(r.notes.iter().map(|n| format!("note: {n}")));
    lines.push(format!(
        "Train it: cd {} && python train.py (or torchrun --nproc-per-node N train.py)",
        r.dir.display()
    ));
    lines.join("\n")
}

impl ExportDialog {
    /// The dialog; with a run folder (with weights), exporting that run is preselected.
    pub(crate) fn new(run: Option<PathBuf>, preset_name: &str, workspace: &Path) -> ExportDialog {
        let folder = workspace.join("exports").join(runs::slug(preset_name));
        ExportDialog {
            from_run: run.is_some(),
            run_text: run.map(|p| p.display().to_string()).unwrap_or_default(),
            folder_text: folder.display().to_string(),
            torchscript: false,
            onnx: false,
            confirm_replace: false,
            typed_hint: None,
            job: None,
            outcome: None,
        }
    }

    fn start(&mut self, ctx: &egui::Context, preset: &spec::Preset) {
        let source = if self.from_run {
            export::source_from_path(Path::new(self.run_text.trim())).map_err(|e| e.to_string())
        } else {
            Ok(Source {
                preset: preset.clone(),
                weights: None,
            })
        };
        let source = match source {
            Ok(s) => s,
            Err(e) => {
                self.outcome = Some(Err(e));
                return;
            }
        };
        let out = PathBuf::from(self.folder_text.trim());
        let formats: Vec<Format> = [
            (self.torchscript, Format::Torchscript),
            (self.onnx, Format::Onnx),
        ]
        .into_iter()
        .filter_map(|(on, f)| on.then_some(f))
        .collect();
        let (tx, rx) = bounded(1);
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("export".into())
            .spawn(move || {
                let r = export::export(&source, &out, true, &formats).map_err(|e| e.to_string());
                let _ = tx.send(r);
                ctx.request_repaint();
            });
        match spawned {
            Ok(t) => {
                self.job = Some(ExportJob {
                    rx,
                    thread: Some(t),
                });
                self.outcome = None;
            }
            Err(e) => self.outcome = Some(Err(format!("cannot start the export: {e}"))),
        }
    }
}

impl View for ExportDialog {
    fn show(&mut self, ctx: &egui::Context, env: &Env<'_>, _out: &mut Vec<Effect>) -> bool {
        if let Some(job) = &self.job {
            if let Ok(r) = job.rx.try_recv() {
                self.outcome = Some(r.as_ref().map(describe).map_err(|e| e.clone()));
                self.job = None;
            }
        }
        let mut open = true;
        let mut start = false;
        egui::Window::new("Export to PyTorch")
            .open(&mut open)
            .default_width(560.0)
            .show(ctx, |ui| {
                start = export_form_ui(ui, self, env.native_dialogs)
            });
        if start {
            self.start(ctx, env.preset);
        }
        open
    }
}

/// The form; true when the export should start now.
fn export_form_ui(ui: &mut egui::Ui, d: &mut ExportDialog, native: bool) -> bool {
    ui.label("A standalone PyTorch project: model.py (the workbench's layer names, so its checkpoints load with strict=True), train.py (the preset's training; runs under python or torchrun and writes a run folder the History reads), README and requirements.");
    ui.radio_value(
        &mut d.from_run,
        false,
        "The network in the editor (no weights)",
    );
    ui.radio_value(&mut d.from_run, true, "A run, with its weights:");
    ui.add_enabled_ui(d.from_run, |ui| {
        let row = PathRow {
            field: PathField::Run,
            label: "Run folder",
        };
        row.show(ui, &mut d.run_text, &mut d.typed_hint, native);
    });
    let row = PathRow {
        field: PathField::Out,
        label: "Export into folder",
    };
    row.show(ui, &mut d.folder_text, &mut d.typed_hint, native);
    ui.checkbox(&mut d.torchscript, "Also TorchScript (model.pt)");
    ui.checkbox(&mut d.onnx, "Also ONNX (model.onnx, opset 18)");
    let busy = d.job.is_some();
    let mut start = false;
    if d.confirm_replace {
        ui.colored_label(
            ui::ERROR_COLOR,
            format!("{} exists. Replace it?", d.folder_text.trim()),
        );
        ui.horizontal(|ui| {
            if ui.button("Replace").clicked() {
                d.confirm_replace = false;
                start = true;
            }
            if ui.button("Cancel").clicked() {
                d.confirm_replace = false;
            }
        });
    } else if ui
        .add_enabled(
            !busy && !d.folder_text.trim().is_empty(),
            egui::Button::new("Export"),
        )
        .clicked()
    {
        if Path::new(d.folder_text.trim()).exists() {
            d.confirm_replace = true;
        } else {
            start = true;
        }
    }
    if busy {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Exporting… (TorchScript and ONNX run PyTorch: a few seconds)");
        });
    }
    match &d.outcome {
        Some(Ok(text)) => {
            ui.label(text);
        }
        Some(Err(e)) => {
            ui.colored_label(ui::ERROR_COLOR, e);
            ui.weak("Nothing was replaced; your network is unchanged.");
        }
        None => {}
    }
    start
}

/// The dialog's two folder fields.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PathField {
    Run,
    Out,
}

/// A labelled folder field with Browse….
struct PathRow {
    field: PathField,
    label: &'static str,
}

impl PathRow {
    /// rfd returns None both when cancelled and when no file-dialog portal runs (it cannot
    /// tell which), and never opens one in tests: either way the typed path is the way on, so
    /// the field takes the focus and says so.
    fn show(
        &self,
        ui: &mut egui::Ui,
        text: &mut String,
        hint: &mut Option<PathField>,
        native: bool,
    ) {
        ui.horizontal(|ui| {
            let l = ui.label(format!("{}:", self.label));
            let field = ui
                .add(egui::TextEdit::singleline(text).desired_width(380.0))
                .labelled_by(l.id);
            if field.changed() && *hint == Some(self.field) {
                *hint = None;
            }
            if ui
                .button("Browse…")
                .on_hover_text("choose the folder in a file dialog, or type its path")
                .clicked()
            {
                let picked = if native {
                    rfd::FileDialog::new().pick_folder()
                } else {
                    None
                };
                match picked {
                    Some(p) => {
                        *text = p.display().to_string();
                        *hint = None;
                    }
                    None => {
                        field.request_focus();
                        *hint = Some(self.field);
                    }
                }
            }
        });
        if *hint == Some(self.field) {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "No file dialog opened — type the path here.",
            );
        }
    }
}
