//! The app's work between frames: whether Train can start, starting runs and comparisons,
//! draining events within the frame's budget, the history, and files.
use super::dialogs::{DatasetWindow, DownloadWindow, PathPrompt, PromptKind, UnsavedQuestion};
use super::document::Document;
use super::WorkbenchApp;
use engine::data;
use protocol::{Command, RunMeta, RunOptions};
use runs::compare::CompareQueue;
use runs::history;
use runs::{Budget, RunState};
use spec::{CompareSpec, DataSource, Preset};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const RECENT_LIMIT: usize = 8;

impl WorkbenchApp {
    pub(crate) fn sync_folder_text(&mut self) {
        if let Some(folder) = self.doc.preset.data.source.folder() {
            self.training.folder_text = folder.display().to_string();
        }
    }

    /// Whether Train can start, or why not (shown next to the disabled button).
    pub fn ready(&mut self) -> Result<(), String> {
        let problem = self.data_problem();
        let p = &self.doc.preset;
        if let Some(e) = &self.check.refresh(&p.network).error {
            return Err(e.to_string());
        }
        p.training.validate().map_err(|e| e.to_string())?;
        if let Some(problem) = problem {
            return Err(problem);
        }
        if let DataSource::Synthetic { rgb } = &p.data.source {
            let c = if *rgb { 3 } else { 1 };
            let i = p.network.input;
            if (i.channels, i.height, i.width) != (c, 28, 28) {
                return Err(format!(
                    "the built-in data is {c}×28×28 but the network's input is {}×{}×{}",
                    i.channels, i.height, i.width
                ));
            }
        }
        Ok(())
    }

    /// Why the chosen data cannot be used, from a quick look (cached per source): a missing
    /// folder, files of another format, a dataset not downloaded.
    pub(crate) fn data_problem(&mut self) -> Option<String> {
        let source = &self.doc.preset.data.source;
        if matches!(source, DataSource::Synthetic { .. }) {
            return None;
        }
        let check = &mut self.training.data_check;
        let stale = check.as_ref().is_none_or(|(s, _)| s != source);
        if stale {
            let problem = data::quick_check(source).err();
            *check = Some((source.clone(), problem.map(|e| e.to_string())));
        }
        check.as_ref().and_then(|(_, p)| p.clone())
    }

    /// Free memory on the chosen device, read on a background thread (nvidia-smi can take a
    /// second) when the device changes or every 10 s; the last answer meanwhile.
    pub(crate) fn available_memory(&mut self) -> Option<usize> {
        let device = self.doc.preset.training.device.clone();
        self.training.memory_check.poll(&device);
        self.training.memory_check.free
    }

    /// A folder chosen in the dialog: the chosen kind keeps it, else its format is detected.
    pub(crate) fn set_data_folder(&mut self, folder: PathBuf) {
        let source = match self.doc.preset.data.source.format() {
            Some(format) => format.source(folder),
            None => data::detect(&folder).unwrap_or(DataSource::ImageFolder { folder }),
        };
        self.doc.edit(|p| {
            p.data.source = source;
            ui::data_panel::follow_data(p);
        });
    }

    /// Data → Download…: the download window, on the dataset the data panel names.
    pub(crate) fn open_download(&mut self) {
        if self.windows.download.is_none() {
            let name = match &self.doc.preset.data.source {
                DataSource::Downloaded { name } => name.clone(),
                _ => "cifar-10".into(),
            };
            self.windows.download = Some(DownloadWindow::new(name));
        }
    }

    /// Data → View dataset…: samples per class, counts, and the augmentation's effect.
    pub(crate) fn open_dataset_view(&mut self, ctx: &egui::Context) {
        let p = &self.doc.preset;
        let input = data::DecodeSpec::from(p.network.input);
        match super::data_tools::DatasetView::start(
            p.data.clone(),
            input,
            p.training.augment,
            self.frame.waker.notify_now(ctx.clone()),
        ) {
            Ok(v) => self.windows.dataset = Some(DatasetWindow::new(v)),
            Err(e) => self.error = Some(format!("cannot read the dataset: {e}")),
        }
    }

    /// Moves trainer events into the run state, for at most `budget`.
    pub fn drain_events(&mut self, budget: impl Into<Budget>) {
        let budget = budget.into();
        let Some((state, Some(handle))) = self.run.as_mut() else {
            return;
        };
        while budget.left() {
            match handle.poll() {
                Some(e) => state.apply(&e),
                None => break,
            }
        }
    }

    /// A run of this window is training or paused (not one read back from the history).
    pub(crate) fn is_running(&self) -> bool {
        matches!(&self.run, Some((s, Some(_))) if s.status.is_active())
    }

    /// A native file dialog; None when cancelled or when none is available (no portal), in
    /// which case the typed-path prompt is shown.
    pub(crate) fn pick_file(&self, save: bool) -> Option<PathBuf> {
        if !self.native_dialogs {
            return None;
        }
        let dialog = rfd::FileDialog::new().add_filter("preset", &["ron"]);
        if save {
            dialog
                .set_file_name(format!("{}.ron", runs::slug(&self.doc.preset.name)))
                .save_file()
        } else {
            dialog.pick_file()
        }
    }

    pub(crate) fn command(&mut self, cmd: Command) {
        if let Some((_, Some(h))) = self.run.as_mut() {
            h.send(cmd);
        }
    }

    pub(crate) fn start_training(&mut self) {
        if self.is_running() {
            return;
        }
        if let Err(reason) = self.ready() {
            self.error = Some(format!("Cannot train: {reason}"));
            return;
        }
        let preset = self.doc.preset.clone();
        let name = runs::run_name(&preset.name);
        let opts = RunOptions {
            run_dir: Some(self.workspace.join(runs::history::RUNS_DIR).join(&name)),
            notify: self.frame.repaint.clone(),
            meta: RunMeta {
                name: preset.name.clone(),
                seed: preset.training.seed,
                created: runs::timestamp(),
                ..Default::default()
            },
            ..RunOptions::default()
        };
        match self.training.launcher.start(preset, opts) {
            Ok(handle) => {
                self.run = Some((RunState::new(name), Some(handle)));
                self.views.plots.layer = None;
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    /// Continues a run from its folder's resume state, in that folder.
    pub(crate) fn resume_run(&mut self, dir: std::path::PathBuf) {
        if self.is_running() {
            self.error = Some("A run is in progress; stop it before resuming another.".into());
            return;
        }
        let preset = match spec::Preset::load(&dir.join(protocol::files::PRESET_FILE)) {
            Ok(p) => p,
            Err(e) => {
                self.error = Some(format!("Cannot resume {}: {e}", dir.display()));
                return;
            }
        };
        let meta = runs::folder::load_meta(&dir).unwrap_or_default();
        let state = runs::history::load_run(&dir)
            .map(|r| r.state)
            .unwrap_or_else(|_| RunState::new(meta.name.clone()));
        let opts = RunOptions {
            run_dir: Some(dir),
            notify: self.frame.repaint.clone(),
            meta,
            resume: true,
            ..RunOptions::default()
        };
        match self.training.launcher.start(preset, opts) {
            // The curves read back so far go on with the resumed run's events.
            Ok(handle) => self.run = Some((state, Some(handle))),
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    pub(crate) fn start_compare(&mut self, spec: CompareSpec) {
        if self.compare.as_ref().is_some_and(|q| q.in_progress_here()) {
            self.error = Some("A comparison is already running.".into());
            return;
        }
        if let Err(reason) = self.ready() {
            self.error = Some(format!("Cannot compare: {reason}"));
            return;
        }
        match CompareQueue::new(&self.doc.preset, spec, &self.workspace) {
            Ok(mut q) => {
                q.set_notify(self.frame.repaint.clone());
                // In this process several at once only pays off on a GPU; worker processes
                // share out the cores (or take a GPU each).
                let t = &mut self.training;
                t.compare_launcher = t.compare_workers.map(|n| {
                    launch::worker_launcher(launch::WorkerPool {
                        bin: t.worker_bin.clone(),
                        workers: n,
                        cores: self.cores,
                        gpus: t.devices.iter().filter(|d| d.starts_with("cuda")).count(),
                    })
                });
                q.parallel = match t.compare_workers {
                    Some(n) => n,
                    None if self.doc.preset.training.device.starts_with("cuda") => {
                        t.compare_parallel
                    }
                    None => 1,
                };
                self.compare = Some(q);
                self.views.plots.tab = ui::plots::PlotTab::Compare;
                self.views.compare = Default::default();
                self.history.stale = true;
            }
            Err(e) => self.error = Some(format!("Cannot compare: {e}")),
        }
    }

    pub(crate) fn export_csv(&mut self) {
        match history::export_csv(&self.history.selection) {
            Ok(text) => {
                let dir = self.workspace.join("exports");
                let path = dir.join(format!("metrics-{}.csv", runs::timestamp()));
                let written = std::fs::create_dir_all(&dir)
                    .and_then(|_| spec::preset::write_atomic(&path, text.as_bytes()));
                match written {
                    Ok(()) => {
                        self.notice = Some(format!(
                            "Exported {} runs to {}",
                            self.history.selection.len(),
                            path.display()
                        ))
                    }
                    Err(e) => self.error = Some(format!("Cannot write {}: {e}", path.display())),
                }
            }
            Err(e) => self.error = Some(format!("Cannot export: {e}")),
        }
    }

    pub(crate) fn open(&mut self, path: &Path) {
        match Preset::load(path) {
            Ok(p) => {
                self.doc = Document::new(p, Some(path.to_path_buf()));
                self.selected = None;
                self.remember(path);
                self.sync_folder_text();
            }
            // The current network stays as it is.
            Err(e) => self.error = Some(format!("Could not open the preset: {e}")),
        }
    }

    /// Writes the document to `path` (atomically); on failure the error names the file and
    /// the document stays modified. Returns whether it was saved.
    pub(crate) fn save(&mut self, path: &Path) -> bool {
        match self.doc.preset.save(path) {
            Ok(()) => {
                self.doc.mark_saved(path.to_path_buf());
                self.remember(path);
                true
            }
            Err(e) => {
                self.error = Some(format!(
                    "Could not save: {e}. The network is still open with its changes."
                ));
                false
            }
        }
    }

    pub(crate) fn remember(&mut self, path: &Path) {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let recent = &mut self.library.recent;
        recent.retain(|p| p != &path);
        recent.insert(0, path);
        recent.truncate(RECENT_LIMIT);
    }

    /// One frame's worth of background work, within one time budget shared by every source:
    /// trainer events, the comparison queue, the inspector threads, and the history when
    /// something ended (read on a background thread).
    pub fn poll(&mut self, budget: impl Into<Budget>) {
        let budget = budget.into();
        let was_running = self.is_running();
        self.drain_events(budget);
        if was_running && !self.is_running() {
            self.history.stale = true;
        }
        self.windows.poll(budget);
        if let Some(q) = self.compare.as_mut() {
            let before = q.done();
            let t = &mut self.training;
            q.poll(
                t.compare_launcher.as_mut().unwrap_or(&mut t.launcher),
                budget,
            );
            if q.done() != before {
                self.history.stale = true;
            }
        }
        let h = &mut self.history;
        if h.stale && h.loader.is_idle() {
            self.refresh_history();
        }
        let h = &mut self.history;
        if let Some((runs, comparisons)) = h.loader.take() {
            h.runs = runs;
            h.comparisons = comparisons;
            h.selection.retain(|d| d.is_dir());
            if h.loader.rescan() {
                h.stale = true;
            }
        }
        self.follow_workspace();
    }

    /// The run open in the window when it is one read back from its folder (perhaps being
    /// written by another process), not one this window trains.
    fn followed_run_dir(&self) -> Option<PathBuf> {
        match &self.run {
            Some((_, None)) => self.history.opened.clone(),
            _ => None,
        }
    }

    /// Runs written elsewhere: the changed folders are read again off the UI thread, the
    /// History's lists updated, and the open run replayed when its folder grew.
    fn follow_workspace(&mut self) {
        let followed = self.followed_run_dir();
        // A comparison read back is read again when its runs change (another process may be
        // carrying it out).
        let comparison = self
            .compare
            .as_ref()
            .filter(|q| q.read_back)
            .map(|q| q.id.clone());
        let h = &mut self.history;
        if let Some((_, watch)) = &h.watch {
            let changes = watch.take();
            let notify = self.frame.repaint.clone();
            if let Err(e) = h.loader.follow(
                changes,
                followed.as_deref(),
                comparison.as_deref(),
                &self.workspace,
                notify,
            ) {
                self.error = Some(format!("Cannot read the run history: {e}"));
            }
        }
        let Some(update) = self.history.loader.take_update() else {
            return;
        };
        self.history.apply_update(update.runs);
        if let Some(c) = update.comparisons {
            self.history.comparisons = c;
        }
        if let Some(mut q) = update.comparison {
            // Replaced only if the same comparison is still open and not carried out here.
            if self
                .compare
                .as_ref()
                .is_some_and(|o| o.id == q.id && o.read_back)
            {
                q.set_notify(self.frame.repaint.clone());
                self.compare = Some(q);
            }
        }
        // Replaced only if the same run is still the one open.
        if let (Some((dir, Ok(run))), Some(open)) = (update.followed, self.followed_run_dir()) {
            if dir == open {
                self.run = Some((run.state, None));
            }
        }
    }

    /// Rescans the workspace's run folders and comparisons on a background thread; the lists
    /// are replaced when it is done.
    pub fn refresh_history(&mut self) {
        self.history.stale = false;
        if self
            .history
            .watch
            .as_ref()
            .is_none_or(|(w, _)| w != &self.workspace)
        {
            let watch =
                runs::watch::WorkspaceWatch::start(&self.workspace, self.frame.repaint.clone());
            self.history.watch = Some((self.workspace.clone(), watch));
        }
        if let Err(e) = self
            .history
            .loader
            .start(&self.workspace, self.frame.repaint.clone())
        {
            self.error = Some(format!("Cannot read the run history: {e}"));
        }
    }

    /// Waits (a bounded time) for a history scan in progress to be applied: for tests and for
    /// actions that need the lists current.
    pub fn wait_for_history(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self.history.loader.is_idle() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
            self.poll(Duration::ZERO);
        }
    }

    /// `cnn-workbench PRESET.ron [--train]`: opens the preset as File → Open would (asking
    /// first when the restored session has unsaved changes) and, with `train`, trains it once
    /// it is open.
    pub fn open_from_command_line(&mut self, path: PathBuf, train: bool, ctx: &egui::Context) {
        if train {
            self.training.train_when_open = Some(path.clone());
        }
        self.execute(ui::Action::OpenPath(path), ctx);
    }

    /// Starts the training asked for on the command line once its preset is the open document
    /// and the window has drawn its first frames (the renderer's start-up work would otherwise
    /// compete with the first steps); forgets it when the open failed or was cancelled.
    pub(crate) fn train_if_opened(&mut self, frames: u64) {
        let Some(path) = &self.training.train_when_open else {
            return;
        };
        if self.windows.unsaved.is_some() || frames < 3 {
            return; // still asking about unsaved changes, or still starting up
        }
        if self.doc.path.as_ref() == Some(path) && !self.doc.is_dirty() {
            self.start_training();
        }
        self.training.train_when_open = None;
    }

    /// Asks for a path: a native file dialog, or the typed-path prompt where there is none.
    pub(crate) fn prompt_for(&mut self, kind: PromptKind, text: String) {
        self.windows.prompt = Some(PathPrompt::new(kind, text));
    }

    /// "Unsaved changes": what to do with them before `action` replaces the document.
    pub(crate) fn ask_unsaved(&mut self, action: ui::Action) {
        self.windows.unsaved = Some(UnsavedQuestion { pending: action });
    }
}
