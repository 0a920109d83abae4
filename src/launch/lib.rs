//! Where runs are carried out: a trainer thread on this machine that writes its run folder as
//! it goes, and the engine's ensemble evaluation for comparisons. The one place that joins the
//! engine (which trains) and `runs` (which keeps run folders and comparisons).
use engine::ensemble::{self, Tta};
use engine::Trainer;
use protocol::{Command, Event, EventSink, RunOptions};
use runs::handle::{check_resumable, Launcher, RunHandle};
use runs::RunFolder;
use spec::Preset;
use std::path::PathBuf;

pub mod worker;
pub use worker::{worker_launcher, WorkerPool};

/// A trainer thread as a run the window and comparisons talk to.
pub struct TrainerRun(pub Trainer);

impl RunHandle for TrainerRun {
    fn poll(&mut self) -> Option<Event> {
        self.0.try_recv()
    }
    fn send(&mut self, cmd: Command) {
        self.0.send(cmd)
    }
}

/// Starts a trainer thread whose events are also written to its run folder (when
/// `opts.run_dir` is set), from the trainer thread itself. Resuming a run that cannot be
/// resumed ([`check_resumable`]) is refused (`InvalidInput`, with the reason) before anything
/// in its folder is touched.
pub fn start(preset: Preset, opts: RunOptions) -> std::io::Result<Trainer> {
    if let (true, Some(dir)) = (opts.resume, &opts.run_dir) {
        check_resumable(dir)
            .map_err(|why| std::io::Error::new(std::io::ErrorKind::InvalidInput, why))?;
    }
    let sinks: Vec<Box<dyn EventSink>> = match &opts.run_dir {
        Some(dir) => vec![Box::new(RunFolder::new(dir, opts.meta.clone()))],
        None => Vec::new(),
    };
    Trainer::spawn(preset, opts, sinks)
}

/// The real launcher: one trainer thread per run; ensembles evaluated by the engine.
pub fn trainer_launcher() -> Launcher {
    Launcher::new(|preset, opts| {
        start(preset, opts)
            .map(|t| Box::new(TrainerRun(t)) as Box<dyn RunHandle>)
            .map_err(|e| match e.kind() {
                // A refused resume: the reason is the whole message.
                std::io::ErrorKind::InvalidInput => runs::refused(e.to_string()),
                _ => runs::refused(format!("cannot start the trainer thread: {e}")),
            })
    })
    .with_ensembles(evaluate_ensemble)
}

/// A variant's seeds as one ensemble on the GPU when there is one: (top-1, top-5).
pub fn evaluate_ensemble(checkpoints: &[PathBuf]) -> Result<(f32, Option<f32>), runs::RunsError> {
    let device = engine::tch::Device::cuda_if_available();
    ensemble::evaluate(checkpoints, None, Tta::Off, device)
        .map(|r| (r.ensemble, r.ensemble_top5))
        .map_err(|e| runs::refused(e.to_string()))
}
