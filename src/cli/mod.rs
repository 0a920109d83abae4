//! Headless commands, one file each: `train` (and the demo), `summary`, `compare`, `inspect`.
//! Shared here: the run settings of the commands that train, and loading a preset.
mod compare;
mod data;
mod export;
mod import;
mod inspect;
mod slurm;
mod summary;
mod train;
mod worker;
mod zoo;

pub use compare::{compare, CompareArgs};
pub use data::{data, DataCmd};
pub use export::{export, ExportArgs};
pub use import::{import, ImportArgs};
pub use inspect::{inspect, InspectArgs};
pub use summary::summary;
pub use train::{demo, resume, train, DemoArgs, ResumeArgs, TrainArgs};
pub use worker::worker;
pub use zoo::zoo;

static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Notes when the process started, for `CNN_WORKBENCH_REPORT_STARTUP`.
pub fn mark_start() {
    STARTED.get_or_init(std::time::Instant::now);
}

/// `CNN_WORKBENCH_REPORT_STARTUP=1`: say on stderr how long the first frame and the first
/// training step took from start (the bundle test and the README's cold-start figures).
pub fn reporting_startup() -> bool {
    std::env::var_os("CNN_WORKBENCH_REPORT_STARTUP").is_some()
}

/// "first step after 1.23 s" on stderr, when reporting: from the process's start (its exec, so
/// loading libtorch counts), to 10 ms; from `main` when /proc cannot tell.
pub fn report_startup(what: &str) {
    if !reporting_startup() {
        return;
    }
    let secs = process_age_secs().or_else(|| STARTED.get().map(|t| t.elapsed().as_secs_f64()));
    if let Some(secs) = secs {
        eprintln!("{what} after {secs:.2} s");
    }
}

/// Seconds since this process started: /proc/uptime less its start time in /proc/self/stat
/// (field 22, in clock ticks of 1/100 s on Linux).
fn process_age_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; the fields after it follow its ')'.
    let after = &stat[stat.rfind(')')? + 2..];
    let start_ticks: f64 = after.split(' ').nth(19)?.parse().ok()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split(' ')
        .next()?
        .parse()
        .ok()?;
    Some(uptime - start_ticks / 100.0)
}

/// `devices`: the devices a run can use, the libtorch it runs on, and what the search for
/// libtorch's CUDA libraries found (and, when nothing, how to add them).
pub fn devices() -> anyhow::Result<()> {
    for d in engine::device::available_devices() {
        println!("{d}");
    }
    let from = engine::cuda_addon::running_libtorch()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "an unknown folder".into());
    println!(
        "libtorch {} from {from}",
        engine::cuda_addon::libtorch_version()
    );
    println!("{}", engine::cuda_addon::load());
    Ok(())
}

use anyhow::Result;
use indicatif::ProgressBar;
use spec::{DataSource, Preset};
use std::path::{Path, PathBuf};

/// `--workspace`, for every command that reads or writes runs.
#[derive(clap::Args, Clone, Default)]
pub struct WorkspaceArg {
    /// The workspace: run folders go to DIR/runs, comparisons to DIR/comparisons (default:
    /// $CNN_WORKBENCH_WORKSPACE, else ~/.local/share/cnn-workbench — the window's).
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
}

impl WorkspaceArg {
    /// The workspace folder (the default one is created when missing; a chosen one must exist).
    pub fn dir(&self) -> Result<PathBuf> {
        Ok(runs::resolve_workspace(self.workspace.as_deref())?)
    }

    /// A run given as a path, or by its id (folder name) in the workspace's `runs/`.
    pub fn run_path(&self, arg: &Path) -> Result<PathBuf> {
        let single = arg.components().count() == 1;
        if arg.exists() || !single {
            return Ok(arg.to_path_buf());
        }
        let workspace = match self.dir() {
            Ok(dir) => dir,
            // Asked for by name: say why that workspace is no good.
            Err(e) if self.workspace.is_some() => return Err(e),
            // Otherwise the caller's error names the path that was not found.
            Err(_) => return Ok(arg.to_path_buf()),
        };
        let in_workspace = workspace.join(runs::history::RUNS_DIR).join(arg);
        Ok(if in_workspace.exists() {
            in_workspace
        } else {
            arg.to_path_buf()
        })
    }
}

/// Settings shared by the commands that train (train, compare).
#[derive(clap::Args)]
pub struct RunArgs {
    /// A dataset folder (MNIST-format IDX files, CIFAR batches, or an image folder with one
    /// subfolder per class), a downloaded dataset's name (mnist, cifar-10, …), or "synthetic"
    /// / "synthetic-rgb".
    #[arg(long)]
    pub data: Option<String>,
    #[arg(long)]
    pub epochs: Option<usize>,
    /// auto, cpu, cuda or cuda:N.
    #[arg(long)]
    pub device: Option<String>,
    /// CPU threads for libtorch.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Use only the first N training images.
    #[arg(long)]
    pub train_limit: Option<usize>,
    /// Probe activation statistics and gradient norms every N steps (0: never).
    #[arg(long)]
    pub probe_every: Option<usize>,
}

impl RunArgs {
    /// Loads the preset and applies these settings to it.
    pub(crate) fn preset(&self, path: &Path) -> Result<Preset> {
        let mut preset = load_preset(path)?;
        apply_data(&mut preset, self.data.as_deref())?;
        let t = &mut preset.training;
        if let Some(v) = self.epochs {
            t.epochs = v;
        }
        if let Some(v) = &self.device {
            t.device = v.clone();
        }
        if let Some(v) = self.threads {
            t.threads = v;
        }
        if let Some(v) = self.train_limit {
            preset.data.train_limit = Some(v);
        }
        if let Some(v) = self.probe_every {
            preset.training.probe_every_steps = v;
        }
        Ok(preset)
    }
}

/// A preset file; where no such file exists, the bundled preset of that file name, so that
/// `train presets/lenet5.ron` works from any folder.
pub(crate) fn load_preset(path: &Path) -> Result<Preset> {
    if !path.exists() {
        let bundled = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(spec::library::bundled);
        if let Some(preset) = bundled {
            return Ok(preset);
        }
    }
    Ok(Preset::load(path)?)
}

/// A line above the progress bar; printed plainly when there is no terminal (logs, CI).
pub(crate) fn say(pb: &ProgressBar, line: impl AsRef<str>) {
    pb.suspend(|| println!("{}", line.as_ref()));
}

/// The data source `--data` names: a built-in or downloaded dataset by name, else a folder
/// whose format is detected.
pub(crate) fn data_source(arg: &str) -> Result<DataSource> {
    if let Some(source) = DataSource::from_name(arg) {
        return Ok(source);
    }
    Ok(engine::data::detect(Path::new(arg))?)
}

/// Points the preset at `--data` (and the network's input at its channel count).
fn apply_data(preset: &mut Preset, data: Option<&str>) -> Result<()> {
    if let Some(d) = data {
        preset.data.source = data_source(d)?;
    }
    if let DataSource::Synthetic { rgb } = preset.data.source {
        preset.network.input.channels = if rgb { 3 } else { 1 };
    }
    Ok(())
}
