//! The window's state in parts, each owning one concern: the preset library, what training
//! needs besides the document, the run history, the views of the bottom panel, and the
//! frame's own bookkeeping.
use super::history_loader::HistoryLoader;
use super::memory::MemoryCheck;
use super::waker::Waker;
use super::{data_tools, library};
use protocol::Notify;
use runs::compare::Comparison;
use runs::handle::Launcher;
use runs::history::RunEntry;
use spec::Preset;
use std::path::PathBuf;
use ui::Action;

/// Presets to open: bundled ones, recent files and workspaces, downloaded datasets.
pub struct Library {
    /// Preset files opened or saved, newest first.
    pub recent: Vec<PathBuf>,
    /// Workspaces opened before, newest first.
    pub recent_workspaces: Vec<PathBuf>,
    /// The presets inside the binary: (file, name).
    pub(crate) bundled: Vec<(&'static str, String)>,
    /// Datasets downloaded into the cache.
    pub(crate) downloaded: Vec<String>,
}

impl Library {
    pub(crate) fn new() -> Library {
        let bundled = library::BUNDLED
            .iter()
            .map(|(f, text)| {
                let name = Preset::from_ron(text, f)
                    .map(|p| p.name)
                    .unwrap_or_else(|_| f.to_string());
                (*f, name)
            })
            .collect();
        Library {
            recent: Vec::new(),
            recent_workspaces: Vec::new(),
            bundled,
            downloaded: data_tools::downloaded(),
        }
    }
}

/// What starting runs needs beside the document: how, on which devices, with which data.
pub(crate) struct Training {
    pub launcher: Launcher,
    /// Devices libtorch sees.
    pub devices: Vec<String>,
    /// What the search for libtorch's CUDA libraries found (the device list and About say it).
    pub cuda_status: String,
    /// Free memory of a device, read off the UI thread when the device changes (or every 10 s).
    pub memory_check: MemoryCheck,
    /// The last quick look at the data source, and what was wrong with it.
    pub data_check: Option<(spec::DataSource, Option<String>)>,
    /// The data folder as typed in the data panel.
    pub folder_text: String,
    /// A preset from the command line to train once it is open (`--train`).
    pub train_when_open: Option<PathBuf>,
    /// Runs at once in a comparison on CUDA.
    pub compare_parallel: usize,
    /// A comparison's runs in this many worker processes (None: in this process).
    pub compare_workers: Option<usize>,
    /// What carries out the comparison in progress when it runs on workers.
    pub compare_launcher: Option<Launcher>,
    /// The program the workers run (this one; tests name the built binary).
    pub worker_bin: PathBuf,
}

impl Training {
    pub(crate) fn new(launcher: Launcher) -> Training {
        Training {
            launcher,
            // The binary loads the add-on before its first tensor; this only reads the answer
            // (and in tests, where no main ran, looks once).
            cuda_status: engine::cuda_addon::load().to_string(),
            devices: engine::device::available_devices(),
            memory_check: Default::default(),
            data_check: None,
            folder_text: String::new(),
            train_when_open: None,
            compare_parallel: 2,
            compare_workers: None,
            compare_launcher: None,
            worker_bin: std::env::current_exe().unwrap_or_else(|_| "cnn-workbench".into()),
        }
    }
}

/// Past runs and comparisons of the workspace, read on a background thread and followed as
/// they change, and how the History tab shows them.
#[derive(Default)]
pub struct History {
    pub runs: Vec<RunEntry>,
    pub comparisons: Vec<(String, Result<Comparison, runs::RunsError>)>,
    pub(crate) loader: HistoryLoader,
    /// Something ended or changed: scan again when the loader is idle.
    pub(crate) stale: bool,
    /// The History tab's filter, sort and grouping.
    pub(crate) view: ui::history::HistoryView,
    /// The ticked runs.
    pub(crate) selection: Vec<PathBuf>,
    /// The workspace's folders followed for runs written elsewhere (started with the first
    /// scan of a workspace).
    pub(crate) watch: Option<(PathBuf, runs::watch::WorkspaceWatch)>,
    /// The folder of the run opened from the History (followed while it changes).
    pub(crate) opened: Option<PathBuf>,
}

impl History {
    /// Forgets the lists (another workspace): a scan fills them again.
    pub(crate) fn clear(&mut self) {
        self.watch = None;
        self.runs.clear();
        self.comparisons.clear();
        self.selection.clear();
    }
}

/// The bottom panel's views: the plots' tab and layer, the Compare tab's.
#[derive(Default)]
pub(crate) struct Views {
    pub plots: ui::plots::PlotsState,
    pub compare: ui::compare::CompareView,
}

/// The frame's own bookkeeping.
#[derive(Default)]
pub(crate) struct FrameState {
    /// What the unsaved-changes question's Save carries out once the save succeeded.
    pub after_save: Option<Action>,
    /// Actions to carry out after the current ones (in the same frame).
    pub queued: Vec<Action>,
    pub last_title: String,
    /// Closing was confirmed (or nothing was unsaved).
    pub allow_close: bool,
    /// Wakes the window when a trainer or a scan reports.
    pub repaint: Option<Notify>,
    pub waker: Waker,
    /// Frames drawn so far.
    pub frames: u64,
}

impl History {
    /// Puts what reading changed folders found into the lists: a changed run replaced, a new
    /// one first (newest), a deleted one removed.
    pub(crate) fn apply_update(&mut self, runs: Vec<(PathBuf, Option<RunEntry>)>) {
        for (dir, entry) in runs {
            let at = self.runs.iter().position(|r| r.dir == dir);
            match (at, entry) {
                (Some(i), Some(e)) => self.runs[i] = e,
                (None, Some(e)) => self.runs.insert(0, e),
                (Some(i), None) => {
                    self.runs.remove(i);
                    self.selection.retain(|d| d != &dir);
                }
                (None, None) => {}
            }
        }
    }
}
