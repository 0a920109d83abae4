//! Carrying out actions after the frame, grouped by what they act on: the network being
//! edited, files, runs and comparisons, the history, the inspector.
use super::dialogs::{CompareDialog, PromptKind, RenameDialog};
use super::document::Document;
use super::{library, WorkbenchApp};
use crate::protocol::Command;
use crate::runs::compare::CompareQueue;
use crate::runs::history;
use crate::spec::Preset;
use crate::ui::{self, Action};
use std::path::Path;

impl WorkbenchApp {
    /// Carries out one action. Actions that would replace unsaved work ask first.
    pub fn execute(&mut self, action: Action, ctx: &egui::Context) {
        let replaces_document = matches!(
            action,
            Action::New | Action::OpenPath(_) | Action::OpenBundled(_) | Action::Quit
        );
        if replaces_document && self.doc.is_dirty() && self.pending.is_none() {
            self.pending = Some(action);
            return;
        }
        use Action::*;
        match action {
            AddLayer { .. }
            | Select(_)
            | RemoveLayer(_)
            | DuplicateLayer(_)
            | MoveLayer { .. }
            | Undo
            | Redo => self.execute_edit(action),
            New | Open | OpenPath(_) | OpenBundled(_) | Save | SaveAs | SaveAsPath(_)
            | PickDataFolder | Quit => self.execute_file(action, ctx),
            OpenDownload | OpenDatasetView => self.execute_data(action, ctx),
            OpenZoo => self.open_zoo(),
            OpenExport(run) => self.open_export(run),
            OpenLearn(tab) => self.open_learn(tab),
            ResumeRun(dir) => self.resume_run(dir),
            SetFrozen(i, on) => self.doc.edit(|p| {
                let f = &mut p.training.freeze;
                f.retain(|&n| n != i + 1);
                if on {
                    f.push(i + 1);
                    f.sort_unstable();
                }
            }),
            Train
            | Pause
            | Resume
            | Stop
            | SaveCheckpoint
            | OpenCompareDialog
            | StartCompare(_)
            | ComparePause
            | CompareResume
            | CompareCancel
            | CompareMove { .. } => self.execute_run(action),
            RefreshHistory | OpenRun(_) | OpenComparison(_) | RenameRun(_) | DeleteRun(_)
            | ExportCsv | DiffRuns => self.execute_history(action),
            OpenCheckpoint | InspectBeside(_) | InspectCheckpoint(_) => {
                self.execute_inspect(action, ctx)
            }
        }
        if let Some(s) = self.selected {
            if s >= self.doc.preset.network.layers.len() {
                self.selected = None;
            }
        }
    }

    /// Edits of the network (each one undo step).
    fn execute_edit(&mut self, action: Action) {
        match action {
            Action::AddLayer { layer, at } => {
                let n = self.doc.preset.network.layers.len();
                let at = at
                    .unwrap_or_else(|| self.selected.map_or(n, |s| s + 1))
                    .min(n);
                self.doc.edit(|p| p.network.layers.insert(at, layer));
                self.selected = Some(at);
            }
            Action::Select(s) => self.selected = s,
            Action::RemoveLayer(i) if i < self.doc.preset.network.layers.len() => {
                self.doc.edit(|p| {
                    p.network.layers.remove(i);
                });
                let n = self.doc.preset.network.layers.len();
                self.selected = (n > 0).then(|| i.min(n - 1));
            }
            Action::DuplicateLayer(i) => {
                if let Some(layer) = self.doc.preset.network.layers.get(i).cloned() {
                    self.doc.edit(|p| p.network.layers.insert(i + 1, layer));
                    self.selected = Some(i + 1);
                }
            }
            Action::MoveLayer { from, to } => {
                let n = self.doc.preset.network.layers.len();
                if from < n && to <= n && to != from && to != from + 1 {
                    self.doc.edit(|p| {
                        let layer = p.network.layers.remove(from);
                        let to = if to > from { to - 1 } else { to };
                        p.network.layers.insert(to, layer);
                    });
                    self.selected = Some(if to > from { to - 1 } else { to });
                }
            }
            Action::Undo => self.doc.undo(),
            Action::Redo => self.doc.redo(),
            _ => {}
        }
    }

    /// New, open, save and quit.
    fn execute_file(&mut self, action: Action, ctx: &egui::Context) {
        match action {
            Action::New => {
                self.doc = Document::new(library::default_preset(), None);
                self.selected = None;
            }
            Action::Open => {
                if let Some(path) = self.pick_file(false) {
                    self.execute(Action::OpenPath(path), ctx);
                } else {
                    self.prompt_for(PromptKind::Open, String::new());
                }
            }
            Action::OpenPath(path) => self.open(&path),
            Action::OpenBundled(file) => {
                if let Some(p) = library::bundled(file) {
                    self.doc = Document::new(p, None);
                    self.selected = None;
                    self.sync_folder_text();
                }
            }
            Action::SaveCheckpoint => self.command(Command::SaveCheckpoint(None)),
            Action::SaveAs => {
                if let Some(path) = self.pick_file(true) {
                    self.save(&path);
                } else {
                    let text = self
                        .doc
                        .path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default();
                    self.prompt_for(PromptKind::SaveAs, text);
                }
            }
            Action::SaveAsPath(path) => self.save(&path),
            Action::PickDataFolder if self.native_dialogs => {
                if let Some(folder) = rfd::FileDialog::new().pick_folder() {
                    self.folder_text = folder.display().to_string();
                    self.set_data_folder(folder);
                }
            }
            Action::Quit => {
                self.allow_close = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            _ => {}
        }
    }

    /// Training runs and comparisons.
    fn execute_run(&mut self, action: Action) {
        match action {
            Action::Train => self.start_training(),
            Action::Pause => self.command(Command::Pause),
            Action::Resume => self.command(Command::Resume),
            Action::Stop => self.command(Command::Stop),
            Action::SaveCheckpoint => self.command(Command::SaveCheckpoint(None)),
            Action::OpenCompareDialog => {
                let spec = self.doc.preset.compare.clone().unwrap_or_default();
                let values = spec.values.join(", ");
                self.compare_dialog = Some(CompareDialog { spec, values });
            }
            Action::StartCompare(spec) => self.start_compare(spec),
            Action::ComparePause => self.compare.iter_mut().for_each(|q| q.pause()),
            Action::CompareResume => self.compare.iter_mut().for_each(|q| q.resume()),
            Action::CompareCancel => self.compare.iter_mut().for_each(|q| q.cancel()),
            Action::CompareMove { from, to } => {
                self.compare.iter_mut().for_each(|q| q.move_job(from, to))
            }
            _ => {}
        }
    }

    /// The run history.
    fn execute_history(&mut self, action: Action) {
        match action {
            Action::RefreshHistory => self.refresh_history(),
            Action::OpenRun(dir) => match history::load_run(&dir) {
                Ok(run) => {
                    // A finished run read back: nothing to talk to.
                    self.run = Some((run.state, None));
                    self.plots.tab = ui::plots::PlotTab::Curves;
                }
                Err(e) => self.error = Some(format!("Cannot open the run {}: {e}", dir.display())),
            },
            Action::OpenComparison(id) => {
                if self.compare.as_ref().is_some_and(|q| !q.is_finished()) {
                    self.error =
                        Some("A comparison is running; cancel it before opening another.".into());
                } else {
                    match CompareQueue::from_history(&self.workspace, &id) {
                        Ok(q) => {
                            self.compare = Some(q);
                            self.plots.tab = ui::plots::PlotTab::Compare;
                        }
                        Err(e) => self.error = Some(format!("Cannot open the comparison: {e}")),
                    }
                }
            }
            Action::RenameRun(dir) => {
                let meta = crate::runs::folder::load_meta(&dir).unwrap_or_default();
                self.rename = Some(RenameDialog {
                    dir,
                    name: meta.name,
                    tags: meta.tags.join(", "),
                });
            }
            Action::DeleteRun(dir) => self.confirm_delete = Some(dir),
            Action::ExportCsv => self.export_csv(),
            Action::DiffRuns => {
                if let [a, b] = self.selection.as_slice() {
                    let load =
                        |d: &Path| Preset::load(&d.join(crate::protocol::files::PRESET_FILE));
                    match (load(a), load(b)) {
                        (Ok(pa), Ok(pb)) => {
                            let name = |d: &Path| {
                                d.file_name()
                                    .map(|n| n.to_string_lossy().into_owned())
                                    .unwrap_or_default()
                            };
                            self.diff = Some((name(a), name(b), history::config_diff(&pa, &pb)));
                        }
                        (Err(e), _) | (_, Err(e)) => {
                            self.error = Some(format!("Cannot compare the presets: {e}"))
                        }
                    }
                }
            }

            _ => {}
        }
    }

    /// The checkpoint inspector.
    fn execute_inspect(&mut self, action: Action, ctx: &egui::Context) {
        match action {
            Action::OpenCheckpoint => {
                let picked = if self.native_dialogs {
                    rfd::FileDialog::new()
                        .add_filter("checkpoint", &["safetensors"])
                        .pick_file()
                } else {
                    None
                };
                match picked {
                    Some(p) => self.execute(Action::InspectCheckpoint(p), ctx),
                    None => {
                        self.prompt_for(PromptKind::Checkpoint, String::new());
                    }
                }
            }
            Action::InspectBeside(path) => self.inspect_beside(path),
            Action::InspectCheckpoint(path) => self.inspect(path),
            _ => {}
        }
    }
}
