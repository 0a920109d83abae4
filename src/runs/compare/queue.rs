//! The queue of variant × seed runs: planning, starting runs through a [`Launcher`] one after
//! another (or `parallel` at a time), pausing, reordering and cancelling.
use super::manifest::{Comparison, ComparisonRun};
use super::summary::{summarize, VariantSummary};
use crate::budget::Budget;
use crate::error::{refused, RunsError};
use crate::handle::{EnsembleEvaluator, Launcher, RunHandle};
use crate::heartbeat::{self, Beating};
use crate::history::{self, RUNS_DIR};
use crate::state::{RunState, RunStatus};
use protocol::{Command, Notify, RunMeta, RunOptions};
use spec::{CompareSpec, Preset};
use std::path::{Path, PathBuf};
use std::time::Instant;

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
    /// A job whose run is read back from disk (history), not run now: done, or — when another
    /// process is carrying the comparison out — running there (a fresh heartbeat) or not yet
    /// begun (no folder yet).
    fn from_history(variant: String, seed: u64, id: String, workspace: &Path) -> Job {
        let dir = workspace.join(RUNS_DIR).join(&id);
        let (preset, state, status) = if !dir.exists() {
            let state = RunState::new(id.clone());
            (Preset::default(), state, JobStatus::Queued)
        } else {
            match history::load_run(&dir) {
                Ok(run) if run.state.status.is_active() => {
                    (run.preset, run.state, JobStatus::Running)
                }
                Ok(run) => (run.preset, run.state, JobStatus::Done),
                Err(reason) => {
                    let mut s = RunState::new(id.clone());
                    s.status = RunStatus::Damaged {
                        reason: reason.to_string(),
                    };
                    (Preset::default(), s, JobStatus::Done)
                }
            }
        };
        Job {
            variant,
            seed,
            id,
            preset,
            status,
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
    notify: Option<Notify>,
    /// Each variant's seeds evaluated as one ensemble, once they have all ended.
    pub ensembles: super::Ensembles,
    /// Read back from its folders: nothing is started from here (the runs not done yet are
    /// another process's).
    pub read_back: bool,
    /// The comparison's own heartbeat while this process carries it out, so that a window
    /// following it elsewhere tells "the next run is coming" from "left unfinished".
    beating: Option<Beating>,
}

impl CompareQueue {
    /// Plans the comparison and writes its manifest (all runs listed up front).
    pub fn new(
        base: &Preset,
        spec: CompareSpec,
        workspace: &Path,
    ) -> Result<CompareQueue, RunsError> {
        let variants = spec.variants(base)?;
        for (label, p) in &variants {
            spec::infer(&p.network).map_err(|e| refused(format!("variant {label}: {e}")))?;
        }
        let created = crate::timestamp();
        let id = format!(
            "{}-{}-{created}",
            crate::slug(&base.name),
            crate::slug(spec.dimension.name())
        );
        let seeds = spec.seed_list(base.training.seed);
        let mut jobs = Vec::new();
        // Seed-major order: after the first seed every variant has one result to look at.
        for &seed in &seeds {
            for (label, p) in &variants {
                let mut preset = p.clone();
                preset.training.seed = seed;
                preset.name = format!("{} [{label}]", base.name);
                let run_id = format!("{id}-{}-s{seed}", crate::slug(label));
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
                "{}: {} × {} seed{}",
                base.name,
                spec.dimension.name(),
                spec.seeds,
                if spec.seeds == 1 { "" } else { "s" }
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
        let dir = Comparison::dir(workspace, &id);
        let mut q = CompareQueue::with_jobs(id, comparison, jobs, workspace);
        q.beating = Some(Beating::start(&dir).map_err(|e| RunsError::file(&dir, e))?);
        Ok(q)
    }

    fn with_jobs(
        id: String,
        comparison: Comparison,
        jobs: Vec<Job>,
        workspace: &Path,
    ) -> CompareQueue {
        let ensembles = super::Ensembles::load(&Comparison::dir(workspace, &id));
        CompareQueue {
            id,
            comparison,
            jobs,
            paused: false,
            parallel: 1,
            workspace: workspace.to_path_buf(),
            started: None,
            notify: None,
            ensembles,
            read_back: false,
            beating: None,
        }
    }

    /// A finished (or interrupted) comparison read back from disk.
    pub fn from_history(workspace: &Path, id: &str) -> Result<CompareQueue, RunsError> {
        let comparison = Comparison::load(workspace, id)?;
        let mut jobs: Vec<Job> = comparison
            .runs
            .iter()
            .map(|r| Job::from_history(r.variant.clone(), r.seed, r.run.clone(), workspace))
            .collect();
        // Runs without a folder wait for the process carrying the comparison out — if one is
        // (its heartbeat, or a run of it alive); otherwise they never ran: it was left.
        let dir = Comparison::dir(workspace, id);
        let carried_out = jobs.iter().any(|j| j.status == JobStatus::Running)
            || heartbeat::read(&dir).alive()
            || super::slurm::still_queued(&dir);
        if !carried_out {
            for j in jobs.iter_mut().filter(|j| j.status == JobStatus::Queued) {
                j.status = JobStatus::Done;
                j.state.status = RunStatus::Damaged {
                    reason: "missing preset.ron: the run never started".into(),
                };
            }
        }
        let mut q = CompareQueue::with_jobs(id.to_string(), comparison, jobs, workspace);
        q.read_back = true;
        Ok(q)
    }

    pub fn set_notify(&mut self, notify: Option<Notify>) {
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

    /// The first run in progress, while the comparison is not finished: the one the run
    /// controls show.
    pub fn running_job(&self) -> Option<&Job> {
        if self.read_back {
            return None;
        }
        self.jobs.iter().find(|j| j.status == JobStatus::Running)
    }

    /// This window is carrying the comparison out (not one read back, not one that ended).
    pub fn in_progress_here(&self) -> bool {
        !self.read_back && !self.is_finished()
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

    /// Drains events of running jobs while the frame's budget lasts, then starts queued jobs
    /// while there is room. A run that fails to start is marked failed; the others go on.
    pub fn poll(&mut self, launcher: &mut Launcher, budget: impl Into<Budget>) {
        let budget = budget.into();
        for j in self
            .jobs
            .iter_mut()
            .filter(|j| j.status == JobStatus::Running)
        {
            let Some(h) = j.handle.as_mut() else { continue };
            while budget.left() {
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
        self.ensemble_finished_variants(launcher.ensemble_evaluator());
        if self.is_finished() && self.beating.take().is_some() {
            // Best effort: a heartbeat left behind goes stale (or its process is gone).
            let _ = heartbeat::remove(&Comparison::dir(&self.workspace, &self.id));
        }
        if self.paused || self.read_back {
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
            let opts = Self::options_for(&self.workspace, &self.id, &self.comparison.name, j);
            let opts = RunOptions {
                notify: self.notify.clone(),
                ..opts
            };
            match launcher.start(j.preset.clone(), opts) {
                Ok(h) => {
                    j.handle = Some(h);
                    j.status = JobStatus::Running;
                }
                Err(reason) => {
                    j.state.status = RunStatus::Failed {
                        reason: reason.to_string(),
                    };
                    j.status = JobStatus::Done;
                }
            }
        }
    }

    /// The workspace its runs are written to.
    pub fn workspace(&self) -> &Path {
        &self.workspace
    }

    /// How job `j` is run: its folder and what its `run.ron` says (the same wherever it runs).
    pub fn job_options(&self, j: &Job) -> RunOptions {
        Self::options_for(&self.workspace, &self.id, &self.comparison.name, j)
    }

    fn options_for(workspace: &Path, id: &str, name: &str, j: &Job) -> RunOptions {
        RunOptions {
            run_dir: Some(workspace.join(RUNS_DIR).join(&j.id)),
            meta: RunMeta {
                name: format!("{name} · {} · seed {}", j.variant, j.seed),
                tags: vec![j.variant.clone()],
                comparison: Some(id.to_string()),
                variant: Some(j.variant.clone()),
                seed: j.seed,
                created: crate::timestamp(),
                threads: None,
            },
            ..RunOptions::default()
        }
    }

    /// The comparison is carried out by something else (a Slurm job array): this process
    /// stops beating for it.
    pub fn hand_over(&mut self) {
        if self.beating.take().is_some() {
            let _ = heartbeat::remove(&Comparison::dir(&self.workspace, &self.id));
        }
    }

    /// Per-variant aggregates in the order the variants were given, with each variant's
    /// ensemble of seeds once evaluated.
    pub fn summary(&self) -> Vec<VariantSummary> {
        let mut s = summarize(
            self.jobs
                .iter()
                .filter(|j| j.status == JobStatus::Done)
                .map(|j| (j.variant.as_str(), &j.state)),
        );
        for v in &mut s {
            v.ensemble = self.ensembles.of(&v.variant).and_then(|r| r.clone().ok());
        }
        s
    }

    /// Once every run has ended, starts the ensemble evaluation of each variant (once), and
    /// takes the results that arrived; saves them when all are in. Not earlier: building a
    /// model reseeds libtorch's global generator, which would change a run still training.
    fn ensemble_finished_variants(&mut self, evaluate: Option<EnsembleEvaluator>) {
        let all_ended = self
            .jobs
            .iter()
            .all(|j| j.status != JobStatus::Running && j.status != JobStatus::Queued);
        for v in self.variants().into_iter().filter(|_| all_ended) {
            if self.ensembles.started(&v) {
                continue;
            }
            let mine: Vec<&Job> = self.jobs.iter().filter(|j| j.variant == v).collect();
            if mine.iter().any(|j| j.status != JobStatus::Done) || mine.len() < 2 {
                continue;
            }
            let checkpoints: Vec<PathBuf> = mine
                .iter()
                .filter_map(|j| j.state.finish.as_ref().and_then(|f| f.checkpoint.clone()))
                .collect();
            self.ensembles.start(&v, checkpoints, evaluate);
        }
        if self.ensembles.poll() && self.ensembles.settled() {
            let _ = self
                .ensembles
                .save(&Comparison::dir(&self.workspace, &self.id));
            if let Some(n) = &self.notify {
                n();
            }
        }
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
