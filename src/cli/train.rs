//! `cnn-workbench train` and `demo`: one run with a progress bar.
use super::summary::format_summary;
use super::{say, RunArgs, WorkspaceArg};
use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use protocol::{Event, FinishInfo, RunMeta, RunOptions};
use spec::{self, DataSource, Preset};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct TrainArgs {
    /// The preset RON file.
    pub preset: PathBuf,
    #[command(flatten)]
    pub run: RunArgs,
    /// The run folder to write, anywhere (default: WORKSPACE/runs/<preset>-<time>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub workspace: WorkspaceArg,
    #[arg(long)]
    pub seed: Option<u64>,
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Stop after this many optimizer steps.
    #[arg(long)]
    pub max_steps: Option<usize>,
    /// Stop once the test accuracy (checked after each epoch) reaches this fraction.
    #[arg(long)]
    pub target_accuracy: Option<f32>,
    /// Fine-tune: start from this checkpoint's weights (a .safetensors file or a run folder);
    /// tensors whose names and shapes match are loaded, the others initialized and listed.
    #[arg(long)]
    pub init_from: Option<PathBuf>,
    /// Freeze these layers (1-based; ranges and lists: "1-6", "1,2,5-7"): no gradient, no update.
    #[arg(long)]
    pub freeze: Option<String>,
    /// Print one machine-readable summary line at the end and no progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// "1-6,8" → [1, 2, 3, 4, 5, 6, 8].
fn layer_list(text: &str) -> Result<Vec<usize>> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || {
            anyhow::anyhow!(
                "--freeze {text}: \"{part}\" is not a layer number or range such as 1-6"
            )
        };
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (usize, usize) = (
                    a.trim().parse().map_err(|_| bad())?,
                    b.trim().parse().map_err(|_| bad())?,
                );
                if a == 0 || b < a {
                    return Err(bad());
                }
                out.extend(a..=b);
            }
            None => out.push(part.parse().map_err(|_| bad())?),
        }
    }
    Ok(out)
}

pub fn train(a: TrainArgs) -> Result<()> {
    let mut preset = a.run.preset(&a.preset)?;
    let t = &mut preset.training;
    if let Some(v) = a.seed {
        t.seed = v;
    }
    if let Some(v) = a.batch_size {
        t.batch_size = v;
    }
    if let Some(v) = a.max_steps {
        t.max_steps = Some(v);
    }
    if let Some(v) = &a.init_from {
        t.init_from = Some(v.clone());
    }
    if let Some(v) = &a.freeze {
        t.freeze = layer_list(v)?;
    }
    spec::infer(&preset.network)?;
    let run_dir = match &a.out {
        Some(out) => out.clone(),
        None => workspace_run_dir(&a.workspace, &preset.name)?,
    };
    let opts = RunOptions {
        run_dir: Some(run_dir.clone()),
        meta: RunMeta {
            name: preset.name.clone(),
            seed: preset.training.seed,
            created: runs::timestamp(),
            tags: vec!["cli".into()],
            ..Default::default()
        },
        target_test_accuracy: a.target_accuracy,
        ..RunOptions::default()
    };
    let finish = run_with_progress(preset, opts, a.quiet)?;
    if a.quiet {
        println!("{}", finish.result_line(&run_dir));
    } else {
        println!("run folder: {}", run_dir.display());
    }
    Ok(())
}

/// A new run's folder in the workspace: `runs/<preset>-<time>`.
fn workspace_run_dir(workspace: &WorkspaceArg, preset_name: &str) -> Result<PathBuf> {
    Ok(workspace
        .dir()?
        .join(runs::history::RUNS_DIR)
        .join(runs::run_name(preset_name)))
}

#[derive(clap::Args)]
pub struct ResumeArgs {
    /// The run folder to continue (it holds resume.safetensors, written at each epoch's end,
    /// on Stop and on Save), or its id in the workspace's runs/.
    pub run_dir: PathBuf,
    #[command(flatten)]
    pub workspace: WorkspaceArg,
    /// Print one machine-readable summary line at the end and no progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// `cnn-workbench resume RUN_DIR`: continues a stopped, interrupted or crashed run in its own
/// folder, from its last resume state; a finished run is refused.
pub fn resume(a: ResumeArgs) -> Result<()> {
    let dir = &a.workspace.run_path(&a.run_dir)?;
    let preset = Preset::load(&dir.join(protocol::files::PRESET_FILE))
        .map_err(|e| anyhow::anyhow!("{} is not a run folder: {e}", dir.display()))?;
    // Before the trainer: a finished run is refused with its reason, its folder untouched.
    runs::handle::check_resumable(dir).map_err(anyhow::Error::msg)?;
    let meta = runs::folder::load_meta(dir).unwrap_or_default();
    let opts = RunOptions {
        run_dir: Some(dir.clone()),
        meta,
        resume: true,
        ..RunOptions::default()
    };
    let finish = run_with_progress(preset, opts, a.quiet)?;
    if a.quiet {
        println!("{}", finish.result_line(dir));
    } else {
        println!("run folder: {}", dir.display());
    }
    Ok(())
}

/// Trains with a progress bar; returns how the run finished.
fn run_with_progress(preset: Preset, opts: RunOptions, quiet: bool) -> Result<FinishInfo> {
    let mut trainer = launch::start(preset, opts).context("cannot start the trainer thread")?;
    let pb = progress_bar(quiet);
    let mut first_step = true;
    // --quiet: nothing but the final RESULT line.
    let say = |target: &ProgressBar, line: String| {
        if !quiet {
            say(target, line);
        }
    };
    while let Some(e) = trainer.recv() {
        match e {
            Event::Started(s) => {
                pb.set_length(s.total_steps as u64);
                say(
                    &pb,
                    format!(
                        "training on {} — {} train / {} validation / {} test images, {} parameters",
                        s.device,
                        s.train_images,
                        s.val_images,
                        s.test_images,
                        s.summary.total_params
                    ),
                );
            }
            Event::Step(m) => {
                if std::mem::take(&mut first_step) {
                    super::report_startup("first step");
                }
                pb.set_position(m.step as u64);
                pb.set_prefix(format!("{}", m.epoch + 1));
                pb.set_message(format!(
                    "loss {:.4} acc {:.1}% {:.0} img/s",
                    m.loss,
                    m.accuracy * 100.0,
                    m.images_per_sec
                ));
            }
            Event::Epoch(m) => say(&pb, epoch_line(&m)),
            Event::Warning(w) => say(&pb, w),
            Event::CheckpointSaved { path, .. } => {
                say(&pb, format!("checkpoint: {}", path.display()))
            }
            Event::Finished(f) => {
                pb.finish_and_clear();
                if !quiet {
                    println!(
                        "finished{}: {} steps in {:.1}s — test loss {:.4}, test accuracy {:.2}%{}",
                        if f.stopped { " (stopped)" } else { "" },
                        f.steps,
                        f.duration_secs,
                        f.test_loss,
                        f.test_accuracy * 100.0,
                        runs::state::top5_text(f.test_top5)
                    );
                }
                return Ok(f);
            }
            Event::Diverged { step, last } => {
                pb.finish_and_clear();
                let tail = last
                    .map(|m| format!(" (last good loss {:.4} at step {})", m.loss, m.step))
                    .unwrap_or_default();
                bail!("diverged at step {step}: the loss became NaN or infinite{tail} — try a lower learning rate");
            }
            Event::Failed { reason } => {
                pb.finish_and_clear();
                bail!("training failed: {reason}");
            }
            Event::Probe(_) | Event::Paused { .. } | Event::Resumed { .. } => {}
        }
    }
    bail!("the trainer ended without a result")
}

fn progress_bar(quiet: bool) -> ProgressBar {
    let pb = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} epoch {prefix} [{bar:30}] {pos}/{len} steps {msg} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    pb
}

fn epoch_line(m: &protocol::EpochMetrics) -> String {
    format!(
        "epoch {:>3}: train loss {:.4} acc {:.2}% | val loss {:.4} acc {:.2}%{} | {:.1}s",
        m.epoch,
        m.train_loss,
        m.train_accuracy * 100.0,
        m.val_loss,
        m.val_accuracy * 100.0,
        runs::state::top5_text(m.val_top5),
        m.duration_secs
    )
}

#[derive(clap::Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArg,
}

/// A short demo training on the built-in synthetic data, kept in the workspace like any run.
pub fn demo(a: DemoArgs) -> Result<()> {
    let preset = Preset::from_ron(
        include_str!("../../presets/lenet5.ron"),
        "presets/lenet5.ron",
    )?;
    let mut preset = preset;
    preset.training.epochs = 1;
    preset.data.source = DataSource::Synthetic { rgb: false };
    println!("cnn-workbench demo: LeNet-5 on the built-in synthetic shapes (1 epoch)\n");
    print!(
        "{}",
        format_summary(&preset, &spec::infer(&preset.network)?)
    );
    let run_dir = workspace_run_dir(&a.workspace, &preset.name)?;
    let opts = RunOptions {
        run_dir: Some(run_dir.clone()),
        meta: RunMeta {
            name: preset.name.clone(),
            seed: preset.training.seed,
            created: runs::timestamp(),
            tags: vec!["demo".into()],
            ..Default::default()
        },
        ..RunOptions::default()
    };
    run_with_progress(preset, opts, false)?;
    println!("run folder: {}", run_dir.display());
    Ok(())
}
