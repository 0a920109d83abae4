//! Headless commands: train and summary.
use anyhow::{bail, Context, Result};
use cnn_workbench::engine::{RunOptions, Trainer};
use cnn_workbench::protocol::{Event, FinishInfo};
use cnn_workbench::spec::{self, thousands, DataSource, Preset};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct TrainArgs {
    /// The preset RON file.
    pub preset: PathBuf,
    #[command(flatten)]
    pub run: RunArgs,
    /// The run folder to write (default: runs/<preset>-<time>).
    #[arg(long)]
    pub out: Option<PathBuf>,
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
    /// Print one machine-readable summary line at the end and no progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Settings shared by the commands that train (train, compare).
#[derive(clap::Args)]
pub struct RunArgs {
    /// A folder of MNIST-format IDX files, or "synthetic" / "synthetic-rgb".
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
}

impl RunArgs {
    /// Loads the preset and applies these settings to it.
    fn preset(&self, path: &Path) -> Result<Preset> {
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
        Ok(preset)
    }
}

fn load_preset(path: &Path) -> Result<Preset> {
    Ok(Preset::load(path)?)
}

pub fn summary(path: &Path) -> Result<()> {
    let preset = load_preset(path)?;
    let s = spec::infer(&preset.network)?;
    print!("{}", format_summary(&preset, &s));
    Ok(())
}

/// A line above the progress bar; printed plainly when there is no terminal (logs, CI).
fn say(pb: &ProgressBar, line: impl AsRef<str>) {
    pb.suspend(|| println!("{}", line.as_ref()));
}

pub fn format_summary(preset: &Preset, s: &spec::Summary) -> String {
    let mut out = format!("Model: {}\n", preset.name);
    let line = "-".repeat(72);
    out += &format!(
        "{line}\n{:<4} {:<26} {:>14} {:>10} {:>14}\n{line}\n",
        "#", "Layer", "Output shape", "Params", "MACs"
    );
    out += &format!(
        "{:<4} {:<26} {:>14} {:>10} {:>14}\n",
        "",
        "Input",
        s.input.to_string(),
        "",
        ""
    );
    for l in &s.layers {
        out += &format!(
            "{:<4} {:<26} {:>14} {:>10} {:>14}\n",
            l.index,
            l.label,
            l.output.to_string(),
            thousands(l.params),
            thousands(l.macs)
        );
    }
    out += &format!(
        "{line}\nTotal params: {}\nTotal MACs: {}\nActivation memory: {:.1} KiB per image\n",
        thousands(s.total_params),
        thousands(s.total_macs),
        s.activation_bytes_per_image as f64 / 1024.0
    );
    out
}

/// Points the preset at `--data` (and the network's input at its channel count).
fn apply_data(preset: &mut Preset, data: Option<&str>) -> Result<()> {
    if let Some(d) = data {
        preset.data.source = DataSource::from_arg(d);
        if let DataSource::Idx { folder } = &preset.data.source {
            if !folder.is_dir() {
                bail!("dataset folder {} does not exist", folder.display());
            }
        }
    }
    if let DataSource::Synthetic { rgb } = preset.data.source {
        preset.network.input.channels = if rgb { 3 } else { 1 };
    }
    Ok(())
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
    spec::infer(&preset.network)?;
    let run_dir = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(cnn_workbench::runs::run_name(&preset.name)));
    let opts = RunOptions {
        run_dir: Some(run_dir.clone()),
        meta: cnn_workbench::runs::folder::RunMeta {
            name: preset.name.clone(),
            seed: preset.training.seed,
            created: cnn_workbench::runs::timestamp(),
            tags: vec!["cli".into()],
            ..Default::default()
        },
        target_test_accuracy: a.target_accuracy,
        ..RunOptions::default()
    };
    let finish = run_with_progress(preset, opts, a.quiet)?;
    if a.quiet {
        println!(
            "RESULT steps={} test_accuracy={:.4} duration_secs={:.2} images_per_sec={:.1}",
            finish.steps, finish.test_accuracy, finish.duration_secs, finish.train_images_per_sec
        );
    } else {
        println!("run folder: {}", run_dir.display());
    }
    Ok(())
}

/// Trains with a progress bar; returns how the run finished.
fn run_with_progress(preset: Preset, opts: RunOptions, quiet: bool) -> Result<FinishInfo> {
    let mut trainer = Trainer::spawn(preset, opts).context("cannot start the trainer thread")?;
    let pb = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    // --quiet: nothing but the final RESULT line.
    let say = |target: &ProgressBar, line: String| {
        if !quiet {
            say(target, line);
        }
    };
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} epoch {prefix} [{bar:30}] {pos}/{len} steps {msg} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
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
                pb.set_position(m.step as u64);
                pb.set_prefix(format!("{}", m.epoch + 1));
                pb.set_message(format!(
                    "loss {:.4} acc {:.1}% {:.0} img/s",
                    m.loss,
                    m.accuracy * 100.0,
                    m.images_per_sec
                ));
            }
            Event::Epoch(m) => say(
                &pb,
                format!(
                    "epoch {:>3}: train loss {:.4} acc {:.2}% | val loss {:.4} acc {:.2}% | {:.1}s",
                    m.epoch,
                    m.train_loss,
                    m.train_accuracy * 100.0,
                    m.val_loss,
                    m.val_accuracy * 100.0,
                    m.duration_secs
                ),
            ),
            Event::Warning(w) => say(&pb, w),
            Event::CheckpointSaved { path, .. } => {
                say(&pb, format!("checkpoint: {}", path.display()))
            }
            Event::Finished(f) => {
                pb.finish_and_clear();
                if !quiet {
                    println!(
                        "finished{}: {} steps in {:.1}s — test loss {:.4}, test accuracy {:.2}%",
                        if f.stopped { " (stopped)" } else { "" },
                        f.steps,
                        f.duration_secs,
                        f.test_loss,
                        f.test_accuracy * 100.0
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

/// Until the window exists: a short demo training on the built-in synthetic data.
pub fn demo() -> Result<()> {
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
    run_with_progress(preset, RunOptions::default(), false)?;
    Ok(())
}

#[derive(clap::Args)]
pub struct CompareArgs {
    /// The preset RON file.
    pub preset: PathBuf,
    /// DIMENSION=V1,V2,…: activation, normalization, optimizer, lr, dropout, init or
    /// augmentation (default: the preset's comparison, or activation=relu,elu,gelu,swish,mish).
    #[arg(long)]
    pub vary: Option<String>,
    /// Seeds per variant.
    #[arg(long)]
    pub seeds: Option<usize>,
    #[command(flatten)]
    pub run: RunArgs,
    /// Where run folders and the comparison go (default: the app's workspace).
    #[arg(long)]
    pub workspace: Option<PathBuf>,
    /// Runs at once (useful on a GPU).
    #[arg(long, default_value_t = 1)]
    pub parallel: usize,
}

pub fn compare(a: CompareArgs) -> Result<()> {
    use cnn_workbench::runs::compare::CompareQueue;
    use cnn_workbench::spec::CompareSpec;
    let preset = a.run.preset(&a.preset)?;
    let base_spec = preset.compare.clone().unwrap_or_default();
    let mut spec = match &a.vary {
        Some(v) => CompareSpec::from_arg(v, base_spec.seeds).map_err(anyhow::Error::msg)?,
        None => base_spec,
    };
    if let Some(k) = a.seeds {
        spec.seeds = k;
    }
    let workspace = a
        .workspace
        .clone()
        .unwrap_or_else(cnn_workbench::app::default_workspace);
    let mut queue = CompareQueue::new(&preset, spec, &workspace).map_err(anyhow::Error::msg)?;
    queue.parallel = a.parallel.max(1);
    let total = queue.total();
    println!(
        "comparison {} — {} runs, written to {}",
        queue.comparison.name,
        total,
        workspace.display()
    );
    let pb = ProgressBar::new(total as u64);
    pb.set_style(
        ProgressStyle::with_template("[{bar:30}] {pos}/{len} runs {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut launcher = cnn_workbench::runs::handle::trainer_launcher();
    let mut reported = 0;
    while !queue.is_finished() {
        queue.poll(&mut launcher, std::time::Duration::from_millis(50));
        for j in queue
            .jobs
            .iter()
            .filter(|j| j.status == cnn_workbench::runs::compare::JobStatus::Done)
            .skip(reported)
        {
            say(
                &pb,
                format!(
                    "  {:<10} seed {:<4} {}",
                    j.variant,
                    j.seed,
                    j.state.status.describe()
                ),
            );
            reported += 1;
        }
        let running = queue
            .jobs
            .iter()
            .find(|j| j.status == cnn_workbench::runs::compare::JobStatus::Running);
        pb.set_position(queue.done() as u64);
        let eta = queue
            .eta_secs()
            .map(|s| format!(" · ETA {:.0}s", s))
            .unwrap_or_default();
        if let Some(j) = running {
            pb.set_message(format!(
                "· run {} of {total}: {} seed {} ({:.0}%){eta}",
                queue.done() + 1,
                j.variant,
                j.seed,
                j.state.progress() * 100.0
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    pb.finish_and_clear();
    println!("\n{}", format_compare_table(&queue));
    println!(
        "comparison folder: {}",
        cnn_workbench::runs::compare::Comparison::dir(&workspace, &queue.id).display()
    );
    Ok(())
}

pub fn format_compare_table(queue: &cnn_workbench::runs::compare::CompareQueue) -> String {
    let mut out = format!(
        "{:<12} {:>5} {:>16} {:>16} {:>16} {:>6} {:>9} {:>9}\n",
        queue.comparison.spec.dimension.name(),
        "runs",
        "best val acc %",
        "final val acc %",
        "test acc %",
        "best@",
        "time s",
        "img/s"
    );
    for v in queue.summary() {
        out += &format!(
            "{:<12} {:>5} {:>16} {:>16} {:>16} {:>6.1} {:>9.1} {:>9.0}\n",
            v.variant,
            format!(
                "{}{}",
                v.finished,
                if v.failed > 0 {
                    format!("+{}✗", v.failed)
                } else {
                    String::new()
                }
            ),
            v.best_val_accuracy.show(true),
            v.final_val_accuracy.show(true),
            v.test_accuracy.show(true),
            v.best_epoch.mean,
            v.duration_secs.mean,
            v.images_per_sec.mean
        );
    }
    out
}

#[derive(clap::Args)]
pub struct InspectArgs {
    /// A checkpoint: a `.safetensors` file with `preset.ron` beside it, or a run folder.
    pub checkpoint: PathBuf,
    /// A folder of MNIST-format IDX files, or "synthetic" / "synthetic-rgb" (default: the
    /// checkpoint's own data).
    #[arg(long)]
    pub data: Option<String>,
    /// Write each conv layer's filter grid as PNG into this folder.
    #[arg(long)]
    pub export_filters: Option<PathBuf>,
    /// Write the Grad-CAM overlay of this test image as PNG into the folder given next.
    #[arg(long, num_args = 2, value_names = ["IMAGE_INDEX", "DIR"])]
    pub export_cam: Option<Vec<String>>,
}

pub fn inspect(a: InspectArgs) -> Result<()> {
    use cnn_workbench::engine::inspect::Inspection;
    use cnn_workbench::protocol::inspect::InputChoice;
    use cnn_workbench::render;
    let data = a.data.as_deref().map(DataSource::from_arg);
    let device = tch::Device::cuda_if_available();
    let insp = Inspection::open(&a.checkpoint, data, device).map_err(anyhow::Error::msg)?;
    let c = insp.confusion(0);
    let names = &insp.data.class_names;
    println!("{} — {} test images", insp.preset.name, c.total());
    println!("test accuracy: {:.2}%\n", c.accuracy * 100.0);
    println!("confusion matrix (rows: true class, columns: predicted)");
    let width = names.iter().map(|n| n.len()).max().unwrap_or(1).max(5);
    print!("{:>width$} ", "");
    for j in 0..names.len() {
        print!("{j:>6}");
    }
    println!();
    for (i, row) in c.counts.iter().enumerate() {
        print!(
            "{:>width$} ",
            if names[i] == i.to_string() {
                names[i].clone()
            } else {
                format!("{i} {}", names[i])
            }
            .chars()
            .take(width)
            .collect::<String>()
        );
        for v in row {
            print!("{v:>6}");
        }
        println!();
    }
    println!("\n{:<width$} {:>10} {:>10}", "class", "precision", "recall");
    for (i, n) in names.iter().enumerate() {
        println!(
            "{:<width$} {:>9.2}% {:>9.2}%",
            n,
            c.precision[i] * 100.0,
            c.recall[i] * 100.0
        );
    }
    if let Some(dir) = &a.export_filters {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for g in insp.filters() {
            let path = dir.join(format!("layer{:02}-filters.png", g.layer));
            render::filter_grid(&g, render::FilterScale::PerLayer, 8)
                .save_png(&path)
                .map_err(anyhow::Error::msg)?;
            println!(
                "filters of layer {} ({}): {}",
                g.layer,
                g.label,
                path.display()
            );
        }
    }
    if let Some(v) = &a.export_cam {
        let index: usize = v[0]
            .parse()
            .with_context(|| format!("IMAGE_INDEX must be a number, not {}", v[0]))?;
        let dir = PathBuf::from(&v[1]);
        let layer = insp
            .default_cam_layer()
            .ok_or_else(|| anyhow::anyhow!("the network has no feature-map layer for Grad-CAM"))?;
        let s = insp
            .saliency(&InputChoice::Test(index), layer, None)
            .map_err(anyhow::Error::msg)?;
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join(format!("gradcam-{index}.png"));
        render::overlay(&s.input, &s.cam, 10, 0.6)
            .save_png(&path)
            .map_err(anyhow::Error::msg)?;
        println!(
            "Grad-CAM of test image {index} at layer {layer} for class {} ({:.1}%): {}",
            names.get(s.class).cloned().unwrap_or_default(),
            s.probs[s.class] * 100.0,
            path.display()
        );
    }
    Ok(())
}
