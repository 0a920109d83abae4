//! `cnn-workbench compare`: a variant × seed queue, headless, and its summary table.
use super::{say, RunArgs, WorkspaceArg};
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use runs::compare::{CompareQueue, Comparison, JobStatus};
use spec::CompareSpec;
use std::path::PathBuf;

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
    #[command(flatten)]
    pub workspace: WorkspaceArg,
    /// Varying normalization: insert a Norm layer after each convolution first (before its
    /// activation), so that networks without normalization layers can be compared.
    #[arg(long)]
    pub insert_norm: bool,
    /// Runs at once (useful on a GPU).
    #[arg(long, default_value_t = 1)]
    pub parallel: usize,
    /// Runs at once, each in a worker process of its own with its share of the CPU threads
    /// (or one GPU each when there are several).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Where the runs are carried out: "here" (this process, or --workers), or "slurm": a job
    /// array written into the comparison's folder (launch.sbatch), one task per run.
    #[arg(long, default_value = "here")]
    pub launcher: String,
    /// With --launcher slurm: submit the array with sbatch (otherwise it is only written).
    #[arg(long)]
    pub submit: bool,
    /// With --launcher slurm: an argument for sbatch (repeatable: --sbatch-arg=--partition=gpu).
    #[arg(long = "sbatch-arg", allow_hyphen_values = true)]
    pub sbatch_args: Vec<String>,
    /// With --launcher slurm: CPUs per task (default: the run's threads, else 4).
    #[arg(long)]
    pub cpus_per_task: Option<usize>,
    /// With --launcher slurm: the time limit per task in minutes (default: estimated from the
    /// network's multiply-adds, the steps and the CPUs, times four, at least 30).
    #[arg(long)]
    pub time_minutes: Option<u64>,
}

pub fn compare(a: CompareArgs) -> Result<()> {
    let preset = a.run.preset(&a.preset)?;
    let base_spec = preset.compare.clone().unwrap_or_default();
    let mut spec = match &a.vary {
        Some(v) => CompareSpec::from_arg(v, base_spec.seeds).map_err(anyhow::Error::msg)?,
        None => base_spec,
    };
    if let Some(k) = a.seeds {
        spec.seeds = k;
    }
    spec.insert_norm |= a.insert_norm;
    let workspace = a.workspace.dir()?;
    match a.launcher.as_str() {
        "here" => {}
        "slurm" => return super::slurm::compare_on_slurm(&preset, spec, &workspace, &a),
        other => anyhow::bail!("--launcher {other}: it is \"here\" or \"slurm\""),
    }
    let mut queue = CompareQueue::new(&preset, spec, &workspace).map_err(anyhow::Error::msg)?;
    queue.parallel = a.workers.unwrap_or(a.parallel).max(1);
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
    let mut launcher = match a.workers {
        Some(n) => launch::worker_launcher(launch::WorkerPool {
            bin: std::env::current_exe().context("where this program is, for its workers")?,
            workers: n.max(1),
            cores: std::thread::available_parallelism().map_or(1, |c| c.get()),
            gpus: engine::tch::Cuda::device_count().max(0) as usize,
        }),
        None => launch::trainer_launcher(),
    };
    let mut reported = 0;
    while !queue.is_finished() {
        queue.poll(&mut launcher, std::time::Duration::from_millis(50));
        for j in queue
            .jobs
            .iter()
            .filter(|j| j.status == JobStatus::Done)
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
        let running = queue.jobs.iter().find(|j| j.status == JobStatus::Running);
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
    wait_for_ensembles(&mut queue, &mut launcher);
    println!("\n{}", format_compare_table(&queue));
    println!("{}", format_ensembles(&queue));
    println!(
        "comparison folder: {}",
        Comparison::dir(&workspace, &queue.id).display()
    );
    Ok(())
}

/// Each variant's seeds as one ensemble are evaluated on background threads: waits for them
/// (at most ten minutes).
fn wait_for_ensembles(queue: &mut CompareQueue, launcher: &mut runs::handle::Launcher) {
    let waited = std::time::Instant::now();
    loop {
        queue.poll(launcher, std::time::Duration::from_millis(50));
        if queue.ensembles.settled() || waited.elapsed().as_secs() > 600 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

pub fn format_compare_table(queue: &CompareQueue) -> String {
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
            v.test_accuracy.show_with_top5(&v.test_top5),
            v.best_epoch.mean,
            v.duration_secs.mean,
            v.images_per_sec.mean
        );
    }
    out
}

/// Each variant's ensemble of seeds beside its runs' mean test accuracy.
pub fn format_ensembles(queue: &CompareQueue) -> String {
    let mut out = String::from("ensemble of each variant's seeds (softmax outputs averaged):\n");
    for v in queue.summary() {
        let line = match (v.ensemble, queue.ensembles.of(&v.variant)) {
            (Some((a, _)), _) => format!(
                "  {:<12} {:.2}%  (runs: {})",
                v.variant,
                a * 100.0,
                v.test_accuracy.show(true)
            ),
            (None, Some(Err(e))) => format!("  {:<12} — {e}", v.variant),
            (None, _) if v.finished < 2 => format!(
                "  {:<12} — not evaluated: an ensemble needs two finished seeds ({} here)",
                v.variant, v.finished
            ),
            (None, _) => format!("  {:<12} — not evaluated", v.variant),
        };
        out += &line;
        out.push('\n');
    }
    out
}
