//! Runs carried out by worker processes on this machine (`compare --workers N`): each run is
//! a `cnn-workbench worker` child that trains it into its run folder and streams its events
//! back on stdout. A child that dies before its run ended fails the run with why, written to
//! the run folder too, and the queue goes on.
use protocol::worker::{command_line, WorkerJob};
use protocol::{Command, Event};
use runs::handle::{Launcher, RunHandle};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// How the workers share the machine.
#[derive(Clone, Debug)]
pub struct WorkerPool {
    /// The `cnn-workbench` binary the workers run.
    pub bin: PathBuf,
    pub workers: usize,
    /// CPU cores, shared out: each worker's libtorch gets `cores / workers` threads (a run's
    /// own thread count, when it sets one, is kept).
    pub cores: usize,
    /// GPUs; with more than one, worker k sees only GPU k mod gpus (`CUDA_VISIBLE_DEVICES`).
    pub gpus: usize,
}

impl WorkerPool {
    pub fn threads_per_worker(&self) -> usize {
        (self.cores / self.workers.max(1)).max(1)
    }
}

/// A launcher starting each run as a worker process; ensembles are evaluated here.
pub fn worker_launcher(pool: WorkerPool) -> Launcher {
    let started = Arc::new(AtomicUsize::new(0));
    Launcher::new(move |mut preset, opts| {
        let slot = started.fetch_add(1, Ordering::SeqCst) % pool.workers.max(1);
        if preset.training.threads == 0 {
            preset.training.threads = pool.threads_per_worker();
        }
        let job = WorkerJob::new(preset, &opts)
            .ok_or_else(|| runs::refused("a worker's run needs a run folder"))?;
        let gpu = (pool.gpus > 1).then(|| slot % pool.gpus);
        WorkerRun::spawn(&pool.bin, &job, gpu)
            .map(|w| Box::new(w) as Box<dyn RunHandle>)
            .map_err(|e| runs::refused(format!("cannot start a worker process: {e}")))
    })
    .with_ensembles(super::evaluate_ensemble)
}

/// One worker process and the events it has sent.
pub struct WorkerRun {
    stdin: Option<ChildStdin>,
    events: crossbeam_channel::Receiver<Event>,
    ended: bool,
}

impl WorkerRun {
    fn spawn(bin: &Path, job: &WorkerJob, gpu: Option<usize>) -> std::io::Result<WorkerRun> {
        std::fs::create_dir_all(&job.run_dir)?;
        // What the worker says besides its events (libtorch's warnings, a crash) stays with
        // the run.
        let log = std::fs::File::create(job.run_dir.join("worker.log"))?;
        let mut cmd = std::process::Command::new(bin);
        cmd.arg("worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log);
        if let Some(g) = gpu {
            cmd.env("CUDA_VISIBLE_DEVICES", g.to_string());
        }
        let mut child = cmd.spawn()?;
        let mut stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let line = ron::to_string(job).map_err(std::io::Error::other)?;
        if let Some(s) = stdin.as_mut() {
            writeln!(s, "{line}")?;
            s.flush()?;
        }
        let child = Arc::new(Mutex::new(child));
        let (tx, rx) = crossbeam_channel::bounded(256);
        let job = job.clone();
        std::thread::Builder::new()
            .name("worker-events".into())
            .spawn(move || read_events(stdout, &tx, &child, &job))?;
        Ok(WorkerRun {
            stdin,
            events: rx,
            ended: false,
        })
    }
}

/// Forwards the worker's events; when its stdout ends without a terminal event, fails the
/// run with the process's exit, in its folder too.
fn read_events(
    stdout: Option<std::process::ChildStdout>,
    tx: &crossbeam_channel::Sender<Event>,
    child: &Mutex<Child>,
    job: &WorkerJob,
) {
    let dir = &job.run_dir;
    let mut ended = false;
    if let Some(out) = stdout {
        for line in std::io::BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            match runs::folder::parse_event_line(&line) {
                Ok(e) => {
                    ended |= e.is_terminal();
                    if tx.send(e).is_err() {
                        return;
                    }
                }
                Err(_) => continue,
            }
        }
    }
    let status = child.lock().map(|mut c| c.wait());
    if ended {
        return;
    }
    let how = match status {
        Ok(Ok(s)) => match (s.code(), std::os::unix::process::ExitStatusExt::signal(&s)) {
            (_, Some(sig)) => format!("was killed by signal {sig}"),
            (Some(code), _) => format!("exited with status {code}"),
            _ => "ended".into(),
        },
        _ => "could not be waited for".into(),
    };
    // A worker that refused a run that had already ended (launched twice) leaves its record
    // as it is.
    if runs::folder::terminal_event(dir).is_some() {
        let _ = tx.send(Event::Failed {
            reason: format!(
                "not trained again: {} has ended already (see {})",
                dir.display(),
                dir.join("worker.log").display()
            ),
        });
        return;
    }
    let failed = Event::Failed {
        reason: format!(
            "the worker process {how} before the run ended (its output: {})",
            dir.join("worker.log").display()
        ),
    };
    // A worker that died before writing its folder's start: the folder still says what
    // ran, so that the History lists the run as failed with the reason.
    if !dir.join(runs::folder::PRESET_FILE).is_file() {
        let _ = job.preset.save(&dir.join(runs::folder::PRESET_FILE));
        let _ = runs::folder::save_meta(dir, &job.meta);
        let _ = std::fs::write(
            dir.join(runs::folder::EPOCHS_CSV),
            format!("{}\n", runs::folder::EPOCHS_HEADER),
        );
    }
    let _ = runs::folder::append_event(dir, &failed);
    let _ = tx.send(failed);
}

impl RunHandle for WorkerRun {
    fn poll(&mut self) -> Option<Event> {
        let e = self.events.try_recv().ok()?;
        self.ended |= e.is_terminal();
        Some(e)
    }

    fn send(&mut self, cmd: Command) {
        if let Some(s) = self.stdin.as_mut() {
            // A worker that is gone cannot be told; its end is reported by the reader.
            let _ = writeln!(s, "{}", command_line(&cmd)).and_then(|()| s.flush());
        }
    }
}

impl Drop for WorkerRun {
    /// The queue let go of a run still going (the window closed): stopped like a trainer
    /// thread, by closing its stdin (the worker stops and writes its end), then not waited for.
    fn drop(&mut self) {
        if !self.ended {
            self.send(Command::Stop);
        }
        self.stdin = None;
    }
}
