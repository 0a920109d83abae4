//! Reading the run history off the UI thread: one named thread per scan, its result picked up
//! by a later frame. Replaying every run's event log can take a while with many runs.
use crossbeam_channel::{bounded, Receiver, TryRecvError};
use protocol::Notify;
use runs::compare::{CompareQueue, Comparison};
use runs::history::{self, LoadedRun, RunEntry};
use runs::watch::Changes;
use std::path::{Path, PathBuf};

pub type ComparisonList = Vec<(String, Result<Comparison, runs::RunsError>)>;
pub type HistoryLists = (Vec<RunEntry>, ComparisonList);

/// What reading the changed folders again found.
pub struct Update {
    /// Each changed run folder as listed now; None: it is gone.
    pub runs: Vec<(PathBuf, Option<RunEntry>)>,
    /// The comparisons, when something under `comparisons/` changed.
    pub comparisons: Option<ComparisonList>,
    /// The run open in the window, replayed again because its folder changed (it is being
    /// written by another process).
    pub followed: Option<(PathBuf, Result<LoadedRun, String>)>,
    /// The comparison open in the Compare tab, read back again because one of its runs (or
    /// its manifest) changed.
    pub comparison: Option<CompareQueue>,
}

#[derive(Default)]
pub struct HistoryLoader {
    scan: Option<Receiver<HistoryLists>>,
    /// A refresh asked for while a scan was running: scan again when it ends.
    again: bool,
    /// Scans and updates delivered so far: the History redoes its filtered listing when this
    /// changes.
    generation: u64,
    /// Changed folders being read again, and those changed meanwhile.
    update: Option<Receiver<Update>>,
    pending: Changes,
    pending_followed: Option<PathBuf>,
}

impl HistoryLoader {
    /// How many scans have been delivered (changes with every new set of lists).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether no scan is running.
    pub fn is_idle(&self) -> bool {
        self.scan.is_none()
    }

    /// Starts a scan of the workspace (or, while one runs, asks for another after it).
    pub fn start(&mut self, workspace: &Path, notify: Option<Notify>) -> std::io::Result<()> {
        if self.scan.is_some() {
            self.again = true;
            return Ok(());
        }
        let (tx, rx) = bounded(1);
        let workspace = workspace.to_path_buf();
        std::thread::Builder::new()
            .name("history-scan".into())
            .spawn(move || {
                let lists = (history::scan(&workspace), Comparison::list(&workspace));
                let _ = tx.send(lists);
                if let Some(n) = notify {
                    n();
                }
            })?;
        self.scan = Some(rx);
        Ok(())
    }

    /// The lists of a finished scan, once.
    pub fn take(&mut self) -> Option<HistoryLists> {
        let lists = receive(&mut self.scan)?;
        self.generation += 1;
        Some(lists)
    }

    /// Reads the changed run folders again (and the open run, `followed`, when it is one of
    /// them) on a named thread; changes that come while one such read runs wait for the next.
    pub fn follow(
        &mut self,
        changes: Changes,
        followed: Option<&Path>,
        comparison: Option<&str>,
        workspace: &Path,
        notify: Option<Notify>,
    ) -> std::io::Result<()> {
        if let Some(f) = followed.filter(|f| changes.runs.contains(*f)) {
            self.pending_followed = Some(f.to_path_buf());
        }
        self.pending.runs.extend(changes.runs);
        self.pending.comparisons |= changes.comparisons;
        if self.update.is_some() || self.pending.is_empty() {
            return Ok(());
        }
        let work = std::mem::take(&mut self.pending);
        let followed = self.pending_followed.take();
        let comparison = comparison.map(str::to_string);
        let (tx, rx) = bounded(1);
        let workspace = workspace.to_path_buf();
        std::thread::Builder::new()
            .name("history-update".into())
            .spawn(move || {
                let runs: Vec<(PathBuf, Option<RunEntry>)> = work
                    .runs
                    .into_iter()
                    .map(|d| {
                        let e = history::entry(&d);
                        (d, e)
                    })
                    .collect();
                let touched = |id: &str| {
                    work.comparisons
                        || runs.iter().any(|(_, e)| {
                            e.as_ref()
                                .is_some_and(|e| e.meta.comparison.as_deref() == Some(id))
                        })
                };
                let update = Update {
                    comparison: comparison
                        .filter(|id| touched(id))
                        .and_then(|id| CompareQueue::from_history(&workspace, &id).ok()),
                    runs,
                    comparisons: work.comparisons.then(|| Comparison::list(&workspace)),
                    followed: followed.map(|d| {
                        let run = history::load_run(&d).map_err(|e| e.to_string());
                        (d, run)
                    }),
                };
                let _ = tx.send(update);
                if let Some(n) = notify {
                    n();
                }
            })?;
        self.update = Some(rx);
        Ok(())
    }

    /// The result of a finished read of changed folders, once.
    pub fn take_update(&mut self) -> Option<Update> {
        let update = receive(&mut self.update)?;
        self.generation += 1;
        Some(update)
    }

    /// Whether a refresh was asked for during the last scan (then the caller scans again).
    pub fn rescan(&mut self) -> bool {
        std::mem::take(&mut self.again)
    }
}

/// The answer of a background read, once: the slot is emptied when it arrives, and when its
/// thread died without one (the lists then stay as they were).
fn receive<T>(slot: &mut Option<Receiver<T>>) -> Option<T> {
    let rx = slot.as_ref()?;
    match rx.try_recv() {
        Ok(answer) => {
            *slot = None;
            Some(answer)
        }
        Err(TryRecvError::Empty) => None,
        Err(TryRecvError::Disconnected) => {
            *slot = None;
            None
        }
    }
}
