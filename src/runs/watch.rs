//! Following a workspace's run folders whoever writes them (this window, the CLI in a terminal,
//! an exported `train.py`, a job on a cluster writing to a shared filesystem): which run folders
//! and whether the comparisons changed, collected until the caller takes them. Change
//! notifications (inotify) where the filesystem gives them; polling every [`POLL_EVERY`] where
//! it cannot (network filesystems: a change made on another machine raises no notification
//! here), when the watcher cannot start, or when `CNN_WORKBENCH_WATCH=poll` asks for it.
use crate::heartbeat::HEARTBEAT_FILE;
use crate::history::{COMPARISONS_DIR, RUNS_DIR};
use notify::Watcher;
use protocol::files::{EPOCHS_CSV, EVENTS_LOG, STEPS_CSV};
use protocol::Notify;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// How often the workspace is polled when it must be.
pub const POLL_EVERY: Duration = Duration::from_secs(2);
/// `CNN_WORKBENCH_WATCH=poll` polls even where notifications work.
pub const WATCH_ENV: &str = "CNN_WORKBENCH_WATCH";

/// How changes are noticed.
#[derive(Clone, Debug, PartialEq)]
pub enum WatchMode {
    Notify,
    Poll { reason: String },
}

impl WatchMode {
    /// For the status line: "following runs written elsewhere (change notifications)".
    pub fn describe(&self) -> String {
        match self {
            WatchMode::Notify => {
                "following runs written elsewhere (change notifications)".to_string()
            }
            WatchMode::Poll { reason } => format!(
                "following runs written elsewhere by polling every {} s: {reason}",
                POLL_EVERY.as_secs()
            ),
        }
    }
}

/// What changed since the last look.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    /// Run folders (`<workspace>/runs/<id>`) that appeared, changed or went away.
    pub runs: BTreeSet<PathBuf>,
    /// Something under `comparisons/` changed.
    pub comparisons: bool,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty() && !self.comparisons
    }
}

/// Collected changes and the waker, shared with the watcher's thread.
#[derive(Clone)]
struct Sink {
    changes: Arc<Mutex<Changes>>,
    wake: Option<Notify>,
}

impl Sink {
    fn add(&self, f: impl FnOnce(&mut Changes)) {
        let mut c = self.changes.lock().unwrap_or_else(|p| p.into_inner());
        let was_empty = c.is_empty();
        f(&mut c);
        if was_empty && !c.is_empty() {
            if let Some(w) = &self.wake {
                w();
            }
        }
    }
}

/// A workspace being watched; dropping it stops the watching.
pub struct WorkspaceWatch {
    mode: WatchMode,
    sink: Sink,
    _notify: Option<notify::RecommendedWatcher>,
    _poll: Option<crate::heartbeat::Stoppable>,
}

impl WorkspaceWatch {
    /// Starts watching `workspace` (its `runs/` and `comparisons/`, which need not exist yet);
    /// `wake` is called when there is something new to take.
    pub fn start(workspace: &Path, wake: Option<Notify>) -> WorkspaceWatch {
        let sink = Sink {
            changes: Arc::default(),
            wake,
        };
        let forced = std::env::var(WATCH_ENV).is_ok_and(|v| v == "poll");
        let reason = if forced {
            Some(format!("{WATCH_ENV}=poll"))
        } else {
            network_filesystem(workspace)
                .map(|fs| format!("the workspace is on {fs}, which does not notify changes"))
        };
        if reason.is_none() {
            match notify_watcher(workspace, sink.clone()) {
                Ok(w) => {
                    return WorkspaceWatch {
                        mode: WatchMode::Notify,
                        sink,
                        _notify: Some(w),
                        _poll: None,
                    }
                }
                Err(e) => return Self::polling(workspace, sink, format!("no notifications ({e})")),
            }
        }
        Self::polling(workspace, sink, reason.unwrap_or_default())
    }

    /// Polls whatever the filesystem could do (`reason` says why, in the status line).
    pub fn start_polling(workspace: &Path, wake: Option<Notify>, reason: String) -> WorkspaceWatch {
        let sink = Sink {
            changes: Arc::default(),
            wake,
        };
        Self::polling(workspace, sink, reason)
    }

    fn polling(workspace: &Path, sink: Sink, reason: String) -> WorkspaceWatch {
        let mut poller = Poller::new(workspace.to_path_buf());
        // The first look only learns what is there.
        poller.look(&sink, false);
        let thread_sink = sink.clone();
        let poll = crate::heartbeat::Stoppable::every("workspace-poll", POLL_EVERY, move || {
            poller.look(&thread_sink, true)
        });
        let (mode, poll) = match poll {
            Ok(p) => (WatchMode::Poll { reason }, Some(p)),
            Err(e) => (
                WatchMode::Poll {
                    reason: format!("{reason}; the polling thread could not start: {e}"),
                },
                None,
            ),
        };
        WorkspaceWatch {
            mode,
            sink,
            _notify: None,
            _poll: poll,
        }
    }

    pub fn mode(&self) -> &WatchMode {
        &self.mode
    }

    /// The changes collected since the last call.
    pub fn take(&self) -> Changes {
        let mut c = self.sink.changes.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *c)
    }
}

/// The run folder (or the comparisons) a changed path belongs to.
fn classify(workspace: &Path, path: &Path, sink: &Sink) {
    let Ok(rel) = path.strip_prefix(workspace) else {
        return;
    };
    let mut parts = rel.components();
    match parts.next().and_then(|c| c.as_os_str().to_str()) {
        Some(RUNS_DIR) => {
            if let Some(id) = parts.next() {
                let dir = workspace.join(RUNS_DIR).join(id.as_os_str());
                sink.add(|c| {
                    c.runs.insert(dir);
                });
            }
        }
        Some(COMPARISONS_DIR) => sink.add(|c| c.comparisons = true),
        _ => {}
    }
}

fn notify_watcher(workspace: &Path, sink: Sink) -> notify::Result<notify::RecommendedWatcher> {
    let root = workspace.to_path_buf();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            for path in &event.paths {
                classify(&root, path, &sink);
            }
        }
    })?;
    // The workspace itself, recursively: runs/ and comparisons/ may be made after this.
    watcher.watch(workspace, notify::RecursiveMode::Recursive)?;
    Ok(watcher)
}

/// A file's size and modification time: what polling compares.
type Stamp = Option<(u64, SystemTime)>;

fn stamp(path: &Path) -> Stamp {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

/// Polling that stays cheap with thousands of finished runs: the list of run folders every
/// time, the files of only those still being written (a heartbeat present), and the comparisons'
/// files (a few each).
struct Poller {
    workspace: PathBuf,
    known: HashSet<PathBuf>,
    live: BTreeMap<PathBuf, [Stamp; 4]>,
    comparisons: BTreeMap<PathBuf, Stamp>,
}

impl Poller {
    fn new(workspace: PathBuf) -> Poller {
        Poller {
            workspace,
            known: HashSet::new(),
            live: BTreeMap::new(),
            comparisons: BTreeMap::new(),
        }
    }

    fn stamps(dir: &Path) -> [Stamp; 4] {
        [HEARTBEAT_FILE, EVENTS_LOG, STEPS_CSV, EPOCHS_CSV].map(|f| stamp(&dir.join(f)))
    }

    fn look(&mut self, sink: &Sink, report: bool) {
        let dirs: HashSet<PathBuf> = std::fs::read_dir(self.workspace.join(RUNS_DIR))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        let mut changed: BTreeSet<PathBuf> =
            dirs.symmetric_difference(&self.known).cloned().collect();
        for new in dirs.difference(&self.known) {
            self.live.insert(new.clone(), Self::stamps(new));
        }
        self.live.retain(|dir, before| {
            let now = Self::stamps(dir);
            if now != *before {
                changed.insert(dir.clone());
                *before = now;
            }
            // Followed while its heartbeat is there: a run that ended removed it.
            now[0].is_some()
        });
        self.known = dirs;
        let comparisons = comparison_stamps(&self.workspace.join(COMPARISONS_DIR));
        let comparisons_changed = comparisons != self.comparisons;
        self.comparisons = comparisons;
        if report && (!changed.is_empty() || comparisons_changed) {
            sink.add(|c| {
                c.runs.extend(changed);
                c.comparisons |= comparisons_changed;
            });
        }
    }
}

/// Every file one level inside each comparison's folder.
fn comparison_stamps(dir: &Path) -> BTreeMap<PathBuf, Stamp> {
    let mut out = BTreeMap::new();
    for c in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        out.insert(c.path(), stamp(&c.path()));
        for f in std::fs::read_dir(c.path()).into_iter().flatten().flatten() {
            out.insert(f.path(), stamp(&f.path()));
        }
    }
    out
}

/// The network filesystem `path` is on, by name, if it is one (statfs's type).
pub fn network_filesystem(path: &Path) -> Option<&'static str> {
    use std::os::unix::ffi::OsStrExt;
    // The nearest existing folder: the workspace may not exist yet.
    let existing = path.ancestors().find(|p| p.exists())?;
    let c = std::ffi::CString::new(existing.as_os_str().as_bytes()).ok()?;
    // SAFETY: a valid NUL-terminated path and a zeroed struct statfs to fill.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    filesystem_name(st.f_type as u64)
}

/// The network (or user-space) filesystems by their statfs magic numbers (linux/magic.h).
fn filesystem_name(magic: u64) -> Option<&'static str> {
    Some(match magic {
        0x6969 => "NFS",
        0x517B => "SMB",
        0xFF53_4D42 => "CIFS",
        0xFE53_4D42 => "SMB2",
        0x6573_5546 => "a FUSE filesystem (sshfs, …)",
        0x00C3_6400 => "CephFS",
        0x0BD0_0BD0 => "Lustre",
        0x4750_4653 => "GPFS",
        0x5346_414F => "AFS",
        0x0102_1997 => "9P",
        0x1983_0326 => "BeeGFS",
        _ => return None,
    })
}
