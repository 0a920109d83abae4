//! `cnn-workbench export RUN_OR_PRESET --to DIR [--format torchscript|onnx]…`: a standalone
//! PyTorch project (model.py, train.py for python/torchrun), and TorchScript/ONNX from it.
use anyhow::{bail, Result};
use export::{self, Format, Source};
use spec::library;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    /// A traced TorchScript module, model.pt (torch.jit.load runs it).
    Torchscript,
    /// An ONNX model, model.onnx (opset 18; ONNX Runtime runs it).
    Onnx,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// A run folder (its preset and weights), a run's id in the workspace's runs/, a preset
    /// file, or a bundled or zoo preset's file name such as lenet5.ron.
    pub source: PathBuf,
    #[command(flatten)]
    pub workspace: super::WorkspaceArg,
    /// The folder to write the project into.
    #[arg(long)]
    pub to: PathBuf,
    /// Also write this format (repeat for both).
    #[arg(long = "format")]
    pub formats: Vec<FormatArg>,
    /// Replace the folder if it exists.
    #[arg(long)]
    pub force: bool,
}

fn source(path: &Path) -> Result<Source> {
    if !path.exists() {
        if let Some(preset) = path.to_str().and_then(library::bundled) {
            return Ok(Source {
                preset,
                weights: None,
            });
        }
    }
    Ok(export::source_from_path(path)?)
}

pub fn export(a: ExportArgs) -> Result<()> {
    let src = source(&a.workspace.run_path(&a.source)?)?;
    let formats: Vec<Format> = a
        .formats
        .iter()
        .map(|f| match f {
            FormatArg::Torchscript => Format::Torchscript,
            FormatArg::Onnx => Format::Onnx,
        })
        .collect();
    let report = export::export(&src, &a.to, a.force, &formats)?;
    println!("exported {} into {}", src.preset.name, report.dir.display());
    println!("  {}", report.files.join(", "));
    for n in &report.notes {
        println!("note: {n}");
    }
    let mut failed = Vec::new();
    for r in &report.formats {
        match &r.outcome {
            Ok(file) => println!(
                "{}: {}{} — max |logit difference| vs model.py {:.2e}",
                r.format.file(),
                file.display(),
                r.opset.map_or(String::new(), |o| format!(" (opset {o})")),
                r.max_abs_diff.unwrap_or(f64::NAN)
            ),
            Err(why) => {
                eprintln!("{}: not written: {why}", r.format.file());
                for l in &r.layers {
                    eprintln!("  cannot be expressed: {l}");
                }
                failed.push(r.format.file());
            }
        }
    }
    println!(
        "train it: cd {} && python train.py   (or: torchrun --nproc-per-node N train.py)",
        report.dir.display()
    );
    if !failed.is_empty() {
        bail!(
            "{} not written (the PyTorch project is complete)",
            failed.join(" and ")
        );
    }
    Ok(())
}
