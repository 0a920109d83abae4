//! `cnn-workbench worker`: one run for `compare --workers N` (started by it, not by people).
//! The first line of stdin is the job (RON); the run is trained into its folder as `train`
//! would, every event printed as one RON line on stdout; later lines of stdin are commands
//! (pause, resume, stop, save). Stdin closing (the parent gone) stops the run.
use anyhow::{Context, Result};
use protocol::worker::{parse_command_line, WorkerJob};
use protocol::Command;
use std::io::{BufRead, Write};
use std::time::Duration;

/// `job`: the job's file (a Slurm array task); then stdin carries no commands.
pub fn worker(job: Option<std::path::PathBuf>) -> Result<()> {
    let (text, commands) = match &job {
        Some(path) => (
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
            false,
        ),
        None => {
            let mut first = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut first)
                .context("reading the job from stdin")?;
            (first, true)
        }
    };
    let job: WorkerJob = ron::from_str(text.trim()).context("the worker's job")?;
    let mut opts = job.options();
    opts.resume |= already_there(&job.run_dir)?;
    let mut trainer =
        launch::start(job.preset.clone(), opts).context("cannot start the trainer thread")?;
    let (tx, rx) = crossbeam_channel::bounded(16);
    if commands {
        listen(tx)?;
    }
    let mut out = std::io::stdout().lock();
    loop {
        while let Ok(cmd) = rx.try_recv() {
            trainer.send(cmd);
        }
        match trainer.recv_timeout(Duration::from_millis(100)) {
            Some(e) => {
                writeln!(out, "{}", runs::folder::event_line(&e)?)?;
                out.flush()?;
                if e.is_terminal() {
                    return Ok(());
                }
            }
            None if trainer.has_ended() => return Ok(()),
            None => {}
        }
    }
}

/// Commands from stdin, one per line; its end (the parent gone) stops the run.
fn listen(tx: crossbeam_channel::Sender<Command>) -> Result<()> {
    std::thread::Builder::new()
        .name("worker-commands".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if let Some(cmd) = parse_command_line(&line) {
                    if tx.send(cmd).is_err() {
                        return;
                    }
                }
            }
            let _ = tx.send(Command::Stop);
        })
        .context("cannot start the command reader")?;
    Ok(())
}

/// A job whose run folder already has a run (the same array submitted twice, a task
/// requeued): one that ended or is training elsewhere is refused, never mixed with a second;
/// one that was interrupted with a resume state goes on (true: resume).
fn already_there(dir: &std::path::Path) -> Result<bool> {
    if !dir.join(runs::folder::EVENTS_LOG).is_file() {
        return Ok(false);
    }
    let beat = runs::heartbeat::read(dir);
    if beat.alive() {
        anyhow::bail!(
            "{} is being trained already ({beat:?}): not started a second time",
            dir.display()
        );
    }
    if runs::folder::terminal_event(dir).is_some() {
        anyhow::bail!(
            "{} has ended already (its events.log has its last event): not trained again",
            dir.display()
        );
    }
    if dir.join(engine::train::resume::RESUME_FILE).is_file() {
        return Ok(true);
    }
    anyhow::bail!(
        "{} was interrupted before its first resume point: delete the folder to train it again",
        dir.display()
    )
}
