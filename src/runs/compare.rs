//! Comparisons: the queue of variant × seed runs, its manifest on disk, and the per-variant
//! aggregates (mean ± std, bands) shown in the table and the overlay plots. Pure state: the
//! runs themselves are started through a [`Launcher`].
use super::folder::RunMeta;
use super::handle::{Launcher, RunHandle};
use super::history::{self, COMPARISONS_DIR, RUNS_DIR};
use super::state::{RunState, RunStatus};
use crate::engine::RunOptions;
use crate::protocol::Command;
use crate::spec::{CompareSpec, Preset};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const MANIFEST: &str = "comparison.ron";

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(default)]
pub struct ComparisonRun {
    pub variant: String,
    pub seed: u64,
    /// The run folder's name under `runs/`.
    pub run: String,
}

/// A comparison's manifest: what was varied and which runs belong to it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(default)]
pub struct Comparison {
    pub name: String,
    pub spec: CompareSpec,
    pub created: String,
    pub runs: Vec<ComparisonRun>,
}

impl Comparison {
    pub fn dir(workspace: &Path, id: &str) -> PathBuf {
        workspace.join(COMPARISONS_DIR).join(id)
    }

    pub fn save(&self, workspace: &Path, id: &str) -> Result<(), String> {
        let dir = Comparison::dir(workspace, id);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let text = ron::ser::to_string_pretty(self, ron::ser::PrettyConfig::default())
            .map_err(|e| e.to_string())?;
        crate::spec::preset::write_atomic(&dir.join(MANIFEST), text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", dir.join(MANIFEST).display()))
    }

    pub fn load(workspace: &Path, id: &str) -> Result<Comparison, String> {
        let path = Comparison::dir(workspace, id).join(MANIFEST);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        ron::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Every comparison in the workspace, newest first; unreadable ones with the reason.
    pub fn list(workspace: &Path) -> Vec<(String, Result<Comparison, String>)> {
        let Ok(read) = std::fs::read_dir(workspace.join(COMPARISONS_DIR)) else {
            return Vec::new();
        };
        let mut all: Vec<(String, Result<Comparison, String>)> = read
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| {
                let id = e.file_name().to_string_lossy().into_owned();
                let c = Comparison::load(workspace, &id);
                (id, c)
            })
            .collect();
        all.sort_by(|a, b| b.0.cmp(&a.0));
        all
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Cancelled,
}

pub struct Job {
    pub variant: String,
    pub seed: u64,
    pub id: String,
    pub preset: Preset,
    pub status: JobStatus,
    pub state: RunState,
    handle: Option<Box<dyn RunHandle>>,
}

impl Job {
    /// A job whose run is read back from disk (history), not run now.
    fn from_history(variant: String, seed: u64, id: String, workspace: &Path) -> Job {
        let dir = workspace.join(RUNS_DIR).join(&id);
        let (preset, state) = match history::load_run(&dir) {
            Ok(run) => (run.preset, run.state),
            Err(reason) => {
                let mut s = RunState::new(id.clone());
                s.status = RunStatus::Failed {
                    reason: format!("damaged: {reason}"),
                };
                (Preset::default(), s)
            }
        };
        Job {
            variant,
            seed,
            id,
            preset,
            status: JobStatus::Done,
            state,
            handle: None,
        }
    }
}

/// The runs of one comparison, carried out one after another (or `parallel` at a time).
pub struct CompareQueue {
    pub id: String,
    pub comparison: Comparison,
    pub jobs: Vec<Job>,
    pub paused: bool,
    /// Runs at once (more than one only makes sense on a GPU).
    pub parallel: usize,
    workspace: PathBuf,
    started: Option<Instant>,
    notify: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl CompareQueue {
    /// Plans the comparison and writes its manifest (all runs listed up front).
    pub fn new(base: &Preset, spec: CompareSpec, workspace: &Path) -> Result<CompareQueue, String> {
        let variants = spec.variants(base)?;
        for (label, p) in &variants {
            crate::spec::infer(&p.network).map_err(|e| format!("variant {label}: {e}"))?;
        }
        let created = super::timestamp();
        let id = format!(
            "{}-{}-{created}",
            super::slug(&base.name),
            super::slug(spec.dimension.name())
        );
        let seeds = spec.seed_list(base.training.seed);
        let mut jobs = Vec::new();
        // Seed-major order: after the first seed every variant has one result to look at.
        for &seed in &seeds {
            for (label, p) in &variants {
                let mut preset = p.clone();
                preset.training.seed = seed;
                preset.name = format!("{} [{label}]", base.name);
                let run_id = format!("{id}-{}-s{seed}", super::slug(label));
                jobs.push(Job {
                    variant: label.clone(),
                    seed,
                    state: RunState::new(run_id.clone()),
                    id: run_id,
                    preset,
                    status: JobStatus::Queued,
                    handle: None,
                });
            }
        }
        let comparison = Comparison {
            name: format!(
                "{}: {} × {} seeds",
                base.name,
                spec.dimension.name(),
                spec.seeds
            ),
            spec,
            created,
            runs: jobs
                .iter()
                .map(|j| ComparisonRun {
                    variant: j.variant.clone(),
                    seed: j.seed,
                    run: j.id.clone(),
                })
                .collect(),
        };
        comparison.save(workspace, &id)?;
        Ok(CompareQueue {
            id,
            comparison,
            jobs,
            paused: false,
            parallel: 1,
            workspace: workspace.to_path_buf(),
            started: None,
            notify: None,
        })
    }

    /// A finished (or interrupted) comparison read back from disk.
    pub fn from_history(workspace: &Path, id: &str) -> Result<CompareQueue, String> {
        let comparison = Comparison::load(workspace, id)?;
        let jobs = comparison
            .runs
            .iter()
            .map(|r| Job::from_history(r.variant.clone(), r.seed, r.run.clone(), workspace))
            .collect();
        Ok(CompareQueue {
            id: id.to_string(),
            comparison,
            jobs,
            paused: false,
            parallel: 1,
            workspace: workspace.to_path_buf(),
            started: None,
            notify: None,
        })
    }

    pub fn set_notify(&mut self, notify: Option<Arc<dyn Fn() + Send + Sync>>) {
        self.notify = notify;
    }

    pub fn total(&self) -> usize {
        self.jobs
            .iter()
            .filter(|j| j.status != JobStatus::Cancelled)
            .count()
    }

    pub fn done(&self) -> usize {
        self.jobs
            .iter()
            .filter(|j| j.status == JobStatus::Done)
            .count()
    }

    pub fn is_finished(&self) -> bool {
        self.jobs
            .iter()
            .all(|j| matches!(j.status, JobStatus::Done | JobStatus::Cancelled))
    }

    /// 1-based number of the run in progress ("run 4 of 15").
    pub fn current(&self) -> Option<usize> {
        let active: Vec<usize> = self
            .jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| j.status == JobStatus::Running)
            .map(|(i, _)| i)
            .collect();
        active.first().map(|_| self.done() + 1)
    }

    /// Seconds left: the mean time of finished runs times the runs left, less the progress of
    /// the running ones.
    pub fn eta_secs(&self) -> Option<f64> {
        let finished: Vec<f64> = self
            .jobs
            .iter()
            .filter(|j| j.status == JobStatus::Done)
            .filter_map(|j| j.state.finish.as_ref().map(|f| f.duration_secs))
            .collect();
        let per_run = if finished.is_empty() {
            let running = self.jobs.iter().find(|j| j.status == JobStatus::Running)?;
            let p = running.state.progress() as f64;
            let elapsed = running.state.last_step?.elapsed_secs;
            if p <= 0.0 {
                return None;
            }
            elapsed / p
        } else {
            finished.iter().sum::<f64>() / finished.len() as f64
        };
        let left: f64 = self
            .jobs
            .iter()
            .map(|j| match j.status {
                JobStatus::Queued => 1.0,
                JobStatus::Running => 1.0 - j.state.progress() as f64,
                _ => 0.0,
            })
            .sum();
        Some(per_run * left / self.parallel.max(1) as f64)
    }

    /// Moves a queued job within the queue (running and finished ones stay put).
    pub fn move_job(&mut self, from: usize, to: usize) {
        let movable = |j: &Job| j.status == JobStatus::Queued;
        if from < self.jobs.len()
            && to < self.jobs.len()
            && movable(&self.jobs[from])
            && movable(&self.jobs[to])
        {
            let job = self.jobs.remove(from);
            self.jobs.insert(to, job);
        }
    }

    /// Pauses the queue: no new runs start, and the running ones pause.
    pub fn pause(&mut self) {
        self.paused = true;
        self.tell_running(Command::Pause);
    }

    pub fn resume(&mut self) {
        self.paused = false;
        self.tell_running(Command::Resume);
    }

    fn tell_running(&mut self, cmd: Command) {
        for j in self
            .jobs
            .iter_mut()
            .filter(|j| j.status == JobStatus::Running)
        {
            if let Some(h) = j.handle.as_mut() {
                h.send(cmd.clone());
            }
        }
    }

    /// Stops the running runs (they finish as stopped) and drops the queued ones.
    pub fn cancel(&mut self) {
        for j in &mut self.jobs {
            match j.status {
                JobStatus::Queued => j.status = JobStatus::Cancelled,
                JobStatus::Running => {
                    if let Some(h) = j.handle.as_mut() {
                        h.send(Command::Resume);
                        h.send(Command::Stop);
                    }
                }
                _ => {}
            }
        }
    }

    /// Drains events of running jobs for at most `budget`, then starts queued jobs while there
    /// is room. A run that fails to start is marked failed; the others go on.
    pub fn poll(&mut self, launcher: &mut Launcher, budget: Duration) {
        let start = Instant::now();
        for j in self
            .jobs
            .iter_mut()
            .filter(|j| j.status == JobStatus::Running)
        {
            let Some(h) = j.handle.as_mut() else { continue };
            while start.elapsed() < budget {
                match h.poll() {
                    Some(e) => {
                        let end = e.is_terminal();
                        j.state.apply(&e);
                        if end {
                            j.status = JobStatus::Done;
                            j.handle = None;
                            break;
                        }
                    }
                    None => break,
                }
            }
        }
        if self.paused {
            return;
        }
        while self
            .jobs
            .iter()
            .filter(|j| j.status == JobStatus::Running)
            .count()
            < self.parallel.max(1)
        {
            let Some(j) = self.jobs.iter_mut().find(|j| j.status == JobStatus::Queued) else {
                break;
            };
            self.started.get_or_insert_with(Instant::now);
            let opts = RunOptions {
                run_dir: Some(self.workspace.join(RUNS_DIR).join(&j.id)),
                notify: self.notify.clone(),
                meta: RunMeta {
                    name: format!("{} · {} · seed {}", self.comparison.name, j.variant, j.seed),
                    tags: vec![j.variant.clone()],
                    comparison: Some(self.id.clone()),
                    variant: Some(j.variant.clone()),
                    seed: j.seed,
                    created: super::timestamp(),
                },
                ..RunOptions::default()
            };
            match launcher(j.preset.clone(), opts) {
                Ok(h) => {
                    j.handle = Some(h);
                    j.status = JobStatus::Running;
                }
                Err(reason) => {
                    j.state.status = RunStatus::Failed { reason };
                    j.status = JobStatus::Done;
                }
            }
        }
    }

    /// Per-variant aggregates in the order the variants were given.
    pub fn summary(&self) -> Vec<VariantSummary> {
        summarize(
            self.jobs
                .iter()
                .filter(|j| j.status == JobStatus::Done)
                .map(|j| (j.variant.as_str(), &j.state)),
        )
    }

    /// The variants in order.
    pub fn variants(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for j in &self.jobs {
            if !v.contains(&j.variant) {
                v.push(j.variant.clone());
            }
        }
        v
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct MeanStd {
    pub mean: f64,
    pub std: f64,
    pub n: usize,
}

impl MeanStd {
    pub fn of(values: &[f64]) -> MeanStd {
        let n = values.len();
        if n == 0 {
            return MeanStd {
                mean: f64::NAN,
                std: f64::NAN,
                n: 0,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        // Sample standard deviation over seeds (0 for a single seed).
        let var = if n > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        MeanStd {
            mean,
            std: var.sqrt(),
            n,
        }
    }

    /// "97.31 ± 0.12" (as percentages when `percent`).
    pub fn show(&self, percent: bool) -> String {
        if self.n == 0 {
            return "—".into();
        }
        let k = if percent { 100.0 } else { 1.0 };
        format!("{:.2} ± {:.2}", self.mean * k, self.std * k)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct VariantSummary {
    pub variant: String,
    /// Runs that finished (of all that ended).
    pub finished: usize,
    /// Runs that failed or diverged.
    pub failed: usize,
    pub final_val_accuracy: MeanStd,
    pub best_val_accuracy: MeanStd,
    /// Mean 1-based epoch of the best validation accuracy.
    pub best_epoch: MeanStd,
    pub test_accuracy: MeanStd,
    pub duration_secs: MeanStd,
    pub images_per_sec: MeanStd,
    pub params: usize,
    /// (layer label, mean dead-unit fraction at the last probe).
    pub dead: Vec<(String, f64)>,
}

/// Aggregates ended runs by variant.
pub fn summarize<'a>(runs: impl Iterator<Item = (&'a str, &'a RunState)>) -> Vec<VariantSummary> {
    let mut groups: Vec<(String, Vec<&RunState>)> = Vec::new();
    for (v, s) in runs {
        match groups.iter_mut().find(|(g, _)| g == v) {
            Some((_, list)) => list.push(s),
            None => groups.push((v.to_string(), vec![s])),
        }
    }
    groups
        .into_iter()
        .map(|(variant, runs)| {
            let ok: Vec<&RunState> = runs
                .iter()
                .copied()
                .filter(|r| matches!(r.status, RunStatus::Finished { .. }))
                .collect();
            let collect = |f: &dyn Fn(&RunState) -> Option<f64>| {
                MeanStd::of(&ok.iter().filter_map(|r| f(r)).collect::<Vec<_>>())
            };
            let best = |r: &RunState| {
                r.epochs.iter().map(|e| e.val_accuracy).enumerate().fold(
                    None,
                    |b: Option<(usize, f32)>, (i, v)| match b {
                        Some((_, bv)) if bv >= v => b,
                        _ => Some((i, v)),
                    },
                )
            };
            let mut dead: Vec<(String, f64)> = Vec::new();
            if let Some(first) = ok.first() {
                for layer in &first.layers {
                    let vals: Vec<f64> = ok
                        .iter()
                        .filter_map(|r| {
                            r.layers
                                .iter()
                                .find(|l| l.layer == layer.layer)
                                .and_then(|l| l.dead.last())
                                .map(|(_, d)| *d as f64)
                        })
                        .collect();
                    dead.push((
                        format!("{} {}", layer.layer, layer.label),
                        MeanStd::of(&vals).mean,
                    ));
                }
            }
            VariantSummary {
                finished: ok.len(),
                failed: runs.len() - ok.len(),
                final_val_accuracy: collect(&|r| r.epochs.last().map(|e| e.val_accuracy as f64)),
                best_val_accuracy: collect(&|r| best(r).map(|(_, v)| v as f64)),
                best_epoch: collect(&|r| best(r).map(|(i, _)| (i + 1) as f64)),
                test_accuracy: collect(&|r| r.finish.as_ref().map(|f| f.test_accuracy as f64)),
                duration_secs: collect(&|r| r.finish.as_ref().map(|f| f.duration_secs)),
                images_per_sec: collect(&|r| {
                    r.finish.as_ref().map(|f| f.train_images_per_sec as f64)
                }),
                params: ok
                    .first()
                    .and_then(|r| r.start.as_ref())
                    .map_or(0, |s| s.summary.total_params),
                dead,
                variant,
            }
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Metric {
    #[default]
    ValAccuracy,
    ValLoss,
    TrainLoss,
    TrainAccuracy,
}

impl Metric {
    pub const ALL: [Metric; 4] = [
        Metric::ValAccuracy,
        Metric::ValLoss,
        Metric::TrainLoss,
        Metric::TrainAccuracy,
    ];
    pub fn name(&self) -> &'static str {
        match self {
            Metric::ValAccuracy => "validation accuracy",
            Metric::ValLoss => "validation loss",
            Metric::TrainLoss => "train loss",
            Metric::TrainAccuracy => "train accuracy",
        }
    }
    fn series<'a>(&self, r: &'a RunState) -> &'a [[f64; 2]] {
        match self {
            Metric::ValAccuracy => &r.val_accuracy,
            Metric::ValLoss => &r.val_loss,
            Metric::TrainLoss => &r.train_loss,
            Metric::TrainAccuracy => &r.train_accuracy,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum XAxis {
    #[default]
    Step,
    Epoch,
    WallTime,
}

impl XAxis {
    pub fn name(&self) -> &'static str {
        match self {
            XAxis::Step => "step",
            XAxis::Epoch => "epoch",
            XAxis::WallTime => "seconds",
        }
    }
}

/// Linear interpolation of y at x in a series sorted by x (clamped at the ends).
fn interp(series: &[[f64; 2]], x: f64) -> Option<f64> {
    let first = series.first()?;
    let last = series.last()?;
    if x <= first[0] {
        return Some(first[1]);
    }
    if x >= last[0] {
        return Some(last[1]);
    }
    let i = series.partition_point(|p| p[0] <= x);
    let (a, b) = (series[i - 1], series[i]);
    let t = if b[0] > a[0] {
        (x - a[0]) / (b[0] - a[0])
    } else {
        0.0
    };
    Some(a[1] + t * (b[1] - a[1]))
}

/// A run's metric against the chosen x axis.
pub fn series(r: &RunState, metric: Metric, x: XAxis) -> Vec<[f64; 2]> {
    let per_epoch = r
        .start
        .as_ref()
        .map_or(1.0, |s| s.steps_per_epoch.max(1) as f64);
    metric
        .series(r)
        .iter()
        .filter(|p| p[1].is_finite())
        .map(|&[step, y]| match x {
            XAxis::Step => [step, y],
            XAxis::Epoch => [step / per_epoch, y],
            XAxis::WallTime => [interp(&r.step_secs, step).unwrap_or(0.0), y],
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandPoint {
    pub x: f64,
    pub mean: f64,
    pub std: f64,
    pub min: f64,
    pub max: f64,
}

/// Mean, standard deviation, min and max across runs at common x positions: the runs' own x
/// values when they agree (epoch-end metrics), else `points` positions over their common range.
pub fn band(runs: &[Vec<[f64; 2]>], points: usize) -> Vec<BandPoint> {
    let runs: Vec<&Vec<[f64; 2]>> = runs.iter().filter(|r| !r.is_empty()).collect();
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    let same_x = runs
        .iter()
        .all(|r| r.len() == first.len() && r.iter().zip(first.iter()).all(|(a, b)| a[0] == b[0]));
    let xs: Vec<f64> = if same_x {
        first.iter().map(|p| p[0]).collect()
    } else {
        let lo = runs.iter().map(|r| r[0][0]).fold(f64::MIN, f64::max);
        let hi = runs
            .iter()
            .map(|r| r[r.len() - 1][0])
            .fold(f64::MAX, f64::min);
        if hi < lo {
            return Vec::new();
        }
        let n = points.max(2);
        (0..n)
            .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
            .collect()
    };
    xs.into_iter()
        .map(|x| {
            let ys: Vec<f64> = runs.iter().filter_map(|r| interp(r, x)).collect();
            let m = MeanStd::of(&ys);
            BandPoint {
                x,
                mean: m.mean,
                std: m.std,
                min: ys.iter().copied().fold(f64::INFINITY, f64::min),
                max: ys.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            }
        })
        .collect()
}
