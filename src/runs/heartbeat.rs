//! A running run's sign of life, for readers in other processes or on other machines: its
//! writer rewrites `heartbeat` (seconds since the Unix epoch, host and process) every few
//! seconds, and removes it when the run ends. A folder with no terminal event and no fresh
//! heartbeat (or, on this machine, one whose process is gone) was left by a writer that died:
//! it reads as interrupted.
use crate::folder::complete_lines;
pub use protocol::files::HEARTBEAT_FILE;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often a training run rewrites its heartbeat (and flushes its logs, so that a reader
/// elsewhere sees its curves grow at this pace).
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(2);

/// A heartbeat older than this reads as a dead writer. Long beside the interval: it allows
/// for a slow step or evaluation (the heartbeat is written between steps) and for clocks of
/// the writing and reading machines that differ by up to a minute.
pub const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(90);

/// What a folder's heartbeat says.
#[derive(Clone, Debug, PartialEq)]
pub enum Heartbeat {
    /// None: the run ended (or never trained), or its folder was written before heartbeats.
    Missing,
    /// Written `age_secs` ago by the reader's clock (negative: the writer's clock is ahead).
    Beat { age_secs: f64, writer: String },
    /// Present but not readable as one (a torn write cannot happen: it is renamed into place).
    Unreadable(String),
}

impl Heartbeat {
    /// Whether the writer is taken to be alive: a beat younger than the timeout, from a
    /// process that still exists when it was this machine's.
    pub fn alive(&self) -> bool {
        match self {
            Heartbeat::Beat { age_secs, writer } => {
                *age_secs < HEARTBEAT_TIMEOUT.as_secs_f64() && !writer_gone(writer)
            }
            _ => false,
        }
    }
}

fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// A writer on this machine can be asked directly: a run whose process was killed reads as
/// interrupted at once, not only after the timeout. Elsewhere only the timeout can tell.
fn writer_gone(writer: &str) -> bool {
    let field = |key: &str| {
        writer
            .split_whitespace()
            .find_map(|f| f.strip_prefix(key).map(str::to_string))
    };
    let (Some(host), Some(pid)) = (field("host="), field("pid=")) else {
        return false;
    };
    if host != this_host() || pid.parse::<u32>().is_err() {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command's closing parenthesis; Z and X: dead, not yet reaped.
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X')),
        Err(_) => true,
    }
}

fn unix_secs(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

/// "1765151234.512 host=node07 pid=4242": the heartbeat's text now.
pub fn beat_text(now: SystemTime) -> String {
    let host = this_host();
    format!(
        "{:.3} host={} pid={}\n",
        unix_secs(now),
        if host.is_empty() { "?" } else { &host },
        std::process::id()
    )
}

/// Writes the heartbeat atomically (a temporary file renamed over it).
pub fn write(dir: &Path) -> std::io::Result<()> {
    spec::preset::write_atomic(
        &dir.join(HEARTBEAT_FILE),
        beat_text(SystemTime::now()).as_bytes(),
    )
}

/// Removes the heartbeat of a run that ended.
pub fn remove(dir: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(dir.join(HEARTBEAT_FILE)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Parses a heartbeat's text as read at `now`.
pub fn parse(text: &str, now: SystemTime) -> Heartbeat {
    let text = complete_lines(text).trim();
    let mut fields = text.split_whitespace();
    match fields.next().map(str::parse::<f64>) {
        Some(Ok(at)) if at.is_finite() => Heartbeat::Beat {
            age_secs: unix_secs(now) - at,
            writer: fields.collect::<Vec<_>>().join(" "),
        },
        _ => Heartbeat::Unreadable(format!("{HEARTBEAT_FILE}: {text:?} is not a time")),
    }
}

/// Reads a folder's heartbeat.
pub fn read(dir: &Path) -> Heartbeat {
    match std::fs::read_to_string(dir.join(HEARTBEAT_FILE)) {
        Ok(text) => parse(&text, SystemTime::now()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Heartbeat::Missing,
        Err(e) => Heartbeat::Unreadable(format!("{HEARTBEAT_FILE}: {e}")),
    }
}

/// A named thread doing something every `interval` until it is dropped.
pub struct Stoppable {
    stop: Option<crossbeam_channel::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Stoppable {
    pub fn every(
        name: &str,
        interval: Duration,
        mut work: impl FnMut() + Send + 'static,
    ) -> std::io::Result<Stoppable> {
        let (stop, stopped) = crossbeam_channel::bounded::<()>(1);
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                while let Err(crossbeam_channel::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(interval)
                {
                    work();
                }
            })?;
        Ok(Stoppable {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Stoppable {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A heartbeat being written on its own thread while a run trains: the beat says the process
/// lives, not that a step finished, so a paused run or a network whose one step takes minutes
/// keeps it fresh. Dropping it stops the thread (the file stays: [`remove`] is for a run that
/// ended properly; a stale file reads as interrupted).
pub struct Beating {
    _thread: Stoppable,
}

impl Beating {
    /// Writes the first beat here, so a folder that cannot take it fails the run at its start;
    /// later beats are best effort (a folder that stops taking them fails the run's own writes).
    pub fn start(dir: &Path) -> std::io::Result<Beating> {
        write(dir)?;
        let dir = dir.to_path_buf();
        Stoppable::every("heartbeat", HEARTBEAT_EVERY, move || {
            let _ = write(&dir);
        })
        .map(|t| Beating { _thread: t })
    }
}
