//! The app's work between frames: whether Train can start, starting runs and comparisons,
//! draining events within the frame's budget, the history, and files.
use super::dialogs::{PathPrompt, PromptKind};
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
            self.folder_text = folder.display().to_string();
        }
    }

    /// Whether Train can start, or why not (shown next to the disabled button).
    pub fn ready(&mut self) -> Result<(), String> {
        let problem = self.data_problem();
        let p = &self.doc.preset;
        if let Some(e) = &self.check.refresh(&p.network).error {
            return Err(e.to_string());
        }
        p.training.validate()?;
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
        let stale = self.data_check.as_ref().is_none_or(|(s, _)| s != source);
        if stale {
            let problem = data::quick_check(source).err();
            self.data_check = Some((source.clone(), problem));
        }
        self.data_check.as_ref().and_then(|(_, p)| p.clone())
    }

    /// Free memory on the chosen device, read on a background thread (nvidia-smi can take a
    /// second) when the device changes or every 10 s; the last answer meanwhile.
    pub(crate) fn available_memory(&mut self) -> Option<usize> {
        let device = self.doc.preset.training.device.clone();
        self.memory_check.poll(&device);
        self.memory_check.free
    }

    /// A folder chosen in the dialog: the chosen kind keeps it, else its format is detected.
    pub(crate) fn set_data_folder(&mut self, folder: PathBuf) {
        let source = match &self.doc.preset.data.source {
            DataSource::Idx { .. } => DataSource::Idx { folder },
            DataSource::Cifar { .. } => DataSource::Cifar { folder },
            DataSource::ImageFolder { .. } => DataSource::ImageFolder { folder },
            _ => data::detect(&folder).unwrap_or(DataSource::ImageFolder { folder }),
        };
        self.doc.edit(|p| {
            p.data.source = source;
            ui::data_panel::follow_data(p);
        });
    }

    /// Data → Download…: the download window, on the dataset the data panel names.
    pub(crate) fn open_download(&mut self) {
        if self.data_windows.download_choice.is_none() {
            let name = match &self.doc.preset.data.source {
                DataSource::Downloaded { name } => name.clone(),
                _ => "cifar-10".into(),
            };
            self.data_windows.download_choice = Some(name);
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
            self.waker.notify_now(ctx.clone()),
        ) {
            Ok(v) => self.data_windows.view = Some(v),
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
            notify: self.repaint.clone(),
            meta: RunMeta {
                name: preset.name.clone(),
                seed: preset.training.seed,
                created: runs::timestamp(),
                ..Default::default()
            },
            ..RunOptions::default()
        };
        match self.launcher.start(preset, opts) {
            Ok(handle) => {
                self.run = Some((RunState::new(name), Some(handle)));
                self.plots.layer = None;
            }
            Err(e) => self.error = Some(e),
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
            notify: self.repaint.clone(),
            meta,
            resume: true,
            ..RunOptions::default()
        };
        match self.launcher.start(preset, opts) {
            // The curves read back so far go on with the resumed run's events.
            Ok(handle) => self.run = Some((state, Some(handle))),
            Err(e) => self.error = Some(e),
        }
    }

    pub(crate) fn start_compare(&mut self, spec: CompareSpec) {
        if self.compare.as_ref().is_some_and(|q| !q.is_finished()) {
            self.error = Some("A comparison is already running.".into());
            return;
        }
        if let Err(reason) = self.ready() {
            self.error = Some(format!("Cannot compare: {reason}"));
            return;
        }
        match CompareQueue::new(&self.doc.preset, spec, &self.workspace) {
            Ok(mut q) => {
                q.set_notify(self.repaint.clone());
                // Several at once only pays off on a GPU.
                q.parallel = if self.doc.preset.training.device.starts_with("cuda") {
                    self.compare_parallel
                } else {
                    1
                };
                self.compare = Some(q);
                self.plots.tab = ui::plots::PlotTab::Compare;
                self.compare_view = Default::default();
                self.history_stale = true;
            }
            Err(e) => self.error = Some(format!("Cannot compare: {e}")),
        }
    }

    pub(crate) fn export_csv(&mut self) {
        match history::export_csv(&self.selection) {
            Ok(text) => {
                let dir = self.workspace.join("exports");
                let path = dir.join(format!("metrics-{}.csv", runs::timestamp()));
                let written = std::fs::create_dir_all(&dir)
                    .and_then(|_| spec::preset::write_atomic(&path, text.as_bytes()));
                match written {
                    Ok(()) => {
                        self.notice = Some(format!(
                            "Exported {} runs to {}",
                            self.selection.len(),
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
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(RECENT_LIMIT);
    }

    /// One frame's worth of background work, within one time budget shared by every source:
    /// trainer events, the comparison queue, the inspector threads, and the history when
    /// something ended (read on a background thread).
    pub fn poll(&mut self, budget: impl Into<Budget>) {
        let budget = budget.into();
        let was_running = self.is_running();
        self.drain_events(budget);
        if was_running && !self.is_running() {
            self.history_stale = true;
        }
        if let (Some(state), Some(threads)) =
            (self.inspector.as_mut(), self.inspector_threads.as_mut())
        {
            threads.pump(state, budget);
        }
        if let Some(q) = self.compare.as_mut() {
            let before = q.done();
            q.poll(&mut self.launcher, budget);
            if q.done() != before {
                self.history_stale = true;
            }
        }
        if self.history_stale && self.history_loader.is_idle() {
            self.refresh_history();
        }
        if let Some((history, comparisons)) = self.history_loader.take() {
            self.history = history;
            self.comparisons = comparisons;
            self.selection.retain(|d| d.is_dir());
            if self.history_loader.rescan() {
                self.history_stale = true;
            }
        }
    }

    /// Rescans the workspace's run folders and comparisons on a background thread; the lists
    /// are replaced when it is done.
    pub fn refresh_history(&mut self) {
        self.history_stale = false;
        if let Err(e) = self
            .history_loader
            .start(&self.workspace, self.repaint.clone())
        {
            self.error = Some(format!("Cannot read the run history: {e}"));
        }
    }

    /// Waits (a bounded time) for a history scan in progress to be applied: for tests and for
    /// actions that need the lists current.
    pub fn wait_for_history(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self.history_loader.is_idle() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
            self.poll(Duration::ZERO);
        }
    }

    /// `cnn-workbench PRESET.ron [--train]`: opens the preset as File → Open would (asking
    /// first when the restored session has unsaved changes) and, with `train`, trains it once
    /// it is open.
    pub fn open_from_command_line(&mut self, path: PathBuf, train: bool, ctx: &egui::Context) {
        if train {
            self.train_when_open = Some(path.clone());
        }
        self.execute(ui::Action::OpenPath(path), ctx);
    }

    /// Starts the training asked for on the command line once its preset is the open document
    /// and the window has drawn its first frames (the renderer's start-up work would otherwise
    /// compete with the first steps); forgets it when the open failed or was cancelled.
    pub(crate) fn train_if_opened(&mut self, frames: u64) {
        let Some(path) = &self.train_when_open else {
            return;
        };
        if self.pending.is_some() || frames < 3 {
            return; // still asking about unsaved changes, or still starting up
        }
        if self.doc.path.as_ref() == Some(path) && !self.doc.is_dirty() {
            self.start_training();
        }
        self.train_when_open = None;
    }

    /// Asks for a path: a native file dialog, or the typed-path prompt where there is none.
    pub(crate) fn prompt_for(&mut self, kind: PromptKind, text: String) {
        self.prompt = Some(PathPrompt::new(kind, text));
    }
}
