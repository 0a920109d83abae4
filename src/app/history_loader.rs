//! Reading the run history off the UI thread: one named thread per scan, its result picked up
//! by a later frame. Replaying every run's event log can take a while with many runs.
use crossbeam_channel::{bounded, Receiver, TryRecvError};
use protocol::Notify;
use runs::compare::Comparison;
use runs::history::{self, RunEntry};
use std::path::Path;

pub type HistoryLists = (
    Vec<RunEntry>,
    Vec<(String, Result<Comparison, runs::RunsError>)>,
);

#[derive(Default)]
pub struct HistoryLoader {
    scan: Option<Receiver<HistoryLists>>,
    /// A refresh asked for while a scan was running: scan again when it ends.
    again: bool,
    /// Scans delivered so far: the History redoes its filtered listing when this changes.
    generation: u64,
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
        let rx = self.scan.as_ref()?;
        match rx.try_recv() {
            Ok(lists) => {
                self.scan = None;
                self.generation += 1;
                Some(lists)
            }
            Err(TryRecvError::Empty) => None,
            // The scan thread died without an answer: the lists stay as they were.
            Err(TryRecvError::Disconnected) => {
                self.scan = None;
                None
            }
        }
    }

    /// Whether a refresh was asked for during the last scan (then the caller scans again).
    pub fn rescan(&mut self) -> bool {
        std::mem::take(&mut self.again)
    }
}
