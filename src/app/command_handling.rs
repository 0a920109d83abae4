//! Carrying out actions after the frame. One `match` over every [`Action`] with no wildcard
//! arm: an action added without handling, or a handling arm lost in a refactor, does not
//! compile. The arms call small methods grouped by what they act on.
use super::about::AboutWindow;
use super::dialogs::{
    CompareDialog, DeleteDialog, DiffWindow, ExportDialog, PromptKind, RenameDialog, ZooWindow,
};
use super::document::Document;
use super::inspector::InspectorWindow;
use super::{library, WorkbenchApp};
use protocol::Command;
use runs::compare::CompareQueue;
use runs::history;
use spec::{Layer, Preset};
use std::path::{Path, PathBuf};
use ui::{self, Action};

impl WorkbenchApp {
    /// Carries out one action. Actions that would replace unsaved work ask first.
    pub fn execute(&mut self, action: Action, ctx: &egui::Context) {
        let replaces_document = matches!(
            action,
            Action::New | Action::OpenPath(_) | Action::OpenBundled(_) | Action::Quit
        );
        if replaces_document && self.doc.is_dirty() && self.windows.unsaved.is_none() {
            self.ask_unsaved(action);
            return;
        }
        use Action::*;
        match action {
            AddLayer { layer, at } => self.add_layer(layer, at),
            Select(s) => self.selected = s,
            RemoveLayer(i) => self.remove_layer(i),
            DuplicateLayer(i) => {
                let mut at = None;
                self.doc.edit(|p| at = p.duplicate_layer(i));
                self.selected = at.or(self.selected);
            }
            MoveLayer { from, to } => {
                let mut at = None;
                self.doc.edit(|p| at = p.move_layer(from, to));
                self.selected = at.or(self.selected);
            }
            SetFrozen(i, on) => self.doc.edit(|p| p.set_frozen(i, on)),
            Undo => self.doc.undo(),
            Redo => self.doc.redo(),
            New => {
                self.doc = Document::new(library::default_preset(), None);
                self.selected = None;
            }
            Open => match self.pick_file(false) {
                Some(path) => self.execute(Action::OpenPath(path), ctx),
                None => self.prompt_for(PromptKind::Open, String::new()),
            },
            OpenPath(path) => self.open(&path),
            OpenBundled(file) => self.open_bundled(file),
            Save => self.save_current(),
            SaveAs => self.save_as(),
            SaveAsPath(path) => self.save_and_continue(&path),
            PickDataFolder => self.pick_data_folder(),
            SetDataFolder(folder) => {
                self.training.folder_text = folder.display().to_string();
                self.set_data_folder(folder);
            }
            OpenWorkspace => self.pick_workspace(),
            OpenWorkspacePath(path) => self.open_workspace(path),
            Quit => {
                self.frame.allow_close = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            OpenDownload => self.open_download(),
            OpenDatasetView => self.open_dataset_view(ctx),
            OpenZoo => self.windows.zoo = Some(ZooWindow::new(&self.library.recent)),
            OpenExport(run) => self.open_export(run),
            OpenLearn(tab) => self.open_learn(tab),
            OpenAbout => self.windows.about = Some(AboutWindow),
            Train => self.start_training(),
            Pause => self.command(Command::Pause),
            Resume => self.command(Command::Resume),
            Stop => self.command(Command::Stop),
            SaveCheckpoint => self.command(Command::SaveCheckpoint(None)),
            ResumeRun(dir) => self.resume_run(dir),
            OpenCompareDialog => {
                let (parallel, workers) = (
                    self.training.compare_parallel,
                    self.training.compare_workers,
                );
                self.windows.compare =
                    Some(CompareDialog::new(&self.doc.preset, parallel, workers));
            }
            StartCompare(spec) => self.start_compare(spec),
            ComparePause => self.compare.iter_mut().for_each(|q| q.pause()),
            CompareResume => self.compare.iter_mut().for_each(|q| q.resume()),
            CompareCancel => self.compare.iter_mut().for_each(|q| q.cancel()),
            CompareMove { from, to } => self.compare.iter_mut().for_each(|q| q.move_job(from, to)),
            RefreshHistory => self.refresh_history(),
            OpenRun(dir) => self.open_run(&dir),
            OpenComparison(id) => self.open_comparison(&id),
            RenameRun(dir) => self.windows.rename = Some(RenameDialog::new(dir)),
            DeleteRun(dir) => self.windows.delete = Some(DeleteDialog { dir }),
            ExportCsv => self.export_csv(),
            DiffRuns => self.diff_runs(),
            OpenCheckpoint => self.pick_checkpoint(ctx),
            InspectBeside(path) => self.inspect_beside(path),
            InspectCheckpoint(path) => self.inspect(path),
        }
        if let Some(s) = self.selected {
            if s >= self.doc.preset.network.layers.len() {
                self.selected = None;
            }
        }
    }

    /// Inserts at `at`, or after the selected layer, or at the end; selects the new layer and
    /// scrolls the editor to it.
    fn add_layer(&mut self, layer: Layer, at: Option<usize>) {
        let n = self.doc.preset.network.layers.len();
        let at = at.unwrap_or_else(|| self.selected.map_or(n, |s| s + 1));
        let mut placed = at;
        self.doc.edit(|p| placed = p.insert_layer(at, layer));
        self.selected = Some(placed);
    }

    fn remove_layer(&mut self, i: usize) {
        let mut removed = false;
        self.doc.edit(|p| removed = p.remove_layer(i).is_some());
        if removed {
            let n = self.doc.preset.network.layers.len();
            self.selected = (n > 0).then(|| i.min(n - 1));
        }
    }

    fn open_bundled(&mut self, file: &str) {
        if let Some(p) = library::bundled(file) {
            self.doc = Document::new(p, None);
            self.selected = None;
            self.sync_folder_text();
        }
    }

    /// File → Save: to the document's file, or asks for one when it has none.
    fn save_current(&mut self) {
        match self.doc.path.clone() {
            Some(path) => self.save_and_continue(&path),
            None => self.save_as(),
        }
    }

    fn save_as(&mut self) {
        match self.pick_file(true) {
            Some(path) => self.save_and_continue(&path),
            None => {
                let text = self
                    .doc
                    .path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                self.prompt_for(PromptKind::SaveAs, text);
            }
        }
    }

    /// Saves, then carries out what was waiting for the save (the unsaved-changes question's
    /// Save before New, Open or Quit). A failed save drops the waiting action: the document
    /// stays open and modified.
    fn save_and_continue(&mut self, path: &Path) {
        let then = self.frame.after_save.take();
        if self.save(path) {
            if let Some(action) = then {
                self.frame.queued.push(action);
            }
        }
    }

    fn pick_data_folder(&mut self) {
        let picked = if self.native_dialogs {
            rfd::FileDialog::new().pick_folder()
        } else {
            None
        };
        match picked {
            Some(folder) => self.frame.queued.push(Action::SetDataFolder(folder)),
            // No dialog (no portal) or cancelled: the typed path is the way.
            None => {
                let text = self.training.folder_text.clone();
                self.prompt_for(PromptKind::DataFolder, text)
            }
        }
    }

    fn pick_workspace(&mut self) {
        let picked = if self.native_dialogs {
            rfd::FileDialog::new()
                .set_directory(&self.workspace)
                .pick_folder()
        } else {
            None
        };
        match picked {
            Some(folder) => self.open_workspace(folder),
            None => self.prompt_for(PromptKind::Workspace, self.workspace.display().to_string()),
        }
    }

    fn open_run(&mut self, dir: &Path) {
        match history::load_run(dir) {
            Ok(run) => {
                // A run read back: nothing to talk to (it may still be training elsewhere,
                // then it is followed as its folder grows).
                self.run = Some((run.state, None));
                self.history.opened = Some(dir.to_path_buf());
                self.views.plots.tab = ui::plots::PlotTab::Curves;
            }
            Err(e) => self.error = Some(format!("Cannot open the run {}: {e}", dir.display())),
        }
    }

    fn open_comparison(&mut self, id: &str) {
        if self.compare.as_ref().is_some_and(|q| q.in_progress_here()) {
            self.error = Some("A comparison is running; cancel it before opening another.".into());
            return;
        }
        match CompareQueue::from_history(&self.workspace, id) {
            Ok(q) => {
                self.compare = Some(q);
                self.views.plots.tab = ui::plots::PlotTab::Compare;
            }
            Err(e) => self.error = Some(format!("Cannot open the comparison: {e}")),
        }
    }

    fn diff_runs(&mut self) {
        let [a, b] = self.history.selection.as_slice() else {
            self.error = Some("Tick exactly two runs to compare their settings.".into());
            return;
        };
        let load = |d: &Path| Preset::load(&d.join(protocol::files::PRESET_FILE));
        match (load(a), load(b)) {
            (Ok(pa), Ok(pb)) => {
                let name = |d: &Path| {
                    d.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                };
                self.windows.diff = Some(DiffWindow {
                    a: name(a),
                    b: name(b),
                    rows: history::config_diff(&pa, &pb),
                });
            }
            (Err(e), _) | (_, Err(e)) => {
                self.error = Some(format!("Cannot compare the presets: {e}"))
            }
        }
    }

    /// File → Open Checkpoint…: a file dialog, or the typed path where there is none.
    fn pick_checkpoint(&mut self, ctx: &egui::Context) {
        let picked = if self.native_dialogs {
            rfd::FileDialog::new()
                .add_filter("checkpoint", &["safetensors"])
                .pick_file()
        } else {
            None
        };
        match picked {
            Some(p) => self.execute(Action::InspectCheckpoint(p), ctx),
            None => self.prompt_for(PromptKind::Checkpoint, String::new()),
        }
    }

    /// File → Export to PyTorch…; with a run folder, exporting that run is preselected.
    fn open_export(&mut self, run: Option<PathBuf>) {
        let run = run.or_else(|| self.shown_run_dir());
        let dialog = ExportDialog::new(run, &self.doc.preset.name, &self.workspace);
        self.windows.export = Some(dialog);
    }

    /// The folder of the run shown in the plots, when it has weights.
    fn shown_run_dir(&self) -> Option<PathBuf> {
        let dir = self.run.as_ref()?.0.start.as_ref()?.run_dir.clone()?;
        engine::checkpoint::weights_in(&dir).map(|_| dir)
    }

    fn open_learn(&mut self, tab: ui::learn::LearnTab) {
        self.windows
            .learn
            .get_or_insert_with(Default::default)
            .state
            .tab = tab;
    }

    /// Opens a checkpoint (a `.safetensors` file or a run folder) in the inspector.
    fn inspect(&mut self, path: PathBuf) {
        match InspectorWindow::open(path, self.frame.repaint.clone()) {
            Ok(w) => self.windows.inspector = Some(w),
            Err(e) => self.error = Some(e),
        }
    }

    /// Opens a second checkpoint beside the one being inspected.
    fn inspect_beside(&mut self, path: PathBuf) {
        let Some(window) = self.windows.inspector.as_mut() else {
            self.inspect(path);
            return;
        };
        if let Err(e) = window.open_beside(path, self.frame.repaint.clone()) {
            self.error = Some(e);
        }
    }
}
