//! The workbench window: state, the frame loop, and the actions panels ask for. Panels only
//! draw and return [`Action`]s; they are carried out after the frame.
pub mod document;
pub mod library;

use crate::engine::data::idx;
use crate::engine::RunOptions;
use crate::protocol::Command;
use crate::runs::compare::{CompareQueue, Comparison};
use crate::runs::history::{self, RunEntry};
use crate::runs::RunState;
use crate::spec::{self, DataSource, Layer, Preset};
use crate::ui;
use document::Document;
use egui::{Key, KeyboardShortcut, Modifiers, RichText};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const STORAGE_KEY: &str = "cnn-workbench-session";
const RECENT_LIMIT: usize = 8;
/// Events drained per frame are bounded by time, so a chatty trainer never stalls the UI.
const DRAIN_BUDGET: Duration = Duration::from_millis(6);

/// Something the user asked for; carried out after the frame.
#[derive(Clone, Debug)]
pub enum Action {
    /// Insert at `at` (None: after the selected layer, or at the end).
    AddLayer {
        layer: Layer,
        at: Option<usize>,
    },
    Select(Option<usize>),
    RemoveLayer(usize),
    DuplicateLayer(usize),
    MoveLayer {
        from: usize,
        to: usize,
    },
    Train,
    Pause,
    Resume,
    Stop,
    SaveCheckpoint,
    New,
    Open,
    OpenPath(PathBuf),
    OpenBundled(&'static str),
    Save,
    SaveAs,
    SaveAsPath(PathBuf),
    PickDataFolder,
    Undo,
    Redo,
    Quit,
    OpenCompareDialog,
    StartCompare(crate::spec::CompareSpec),
    ComparePause,
    CompareResume,
    CompareCancel,
    CompareMove {
        from: usize,
        to: usize,
    },
    RefreshHistory,
    OpenRun(PathBuf),
    OpenComparison(String),
    RenameRun(PathBuf),
    DeleteRun(PathBuf),
    ExportCsv,
    DiffRuns,
    /// Ask for a checkpoint (file dialog or typed path) and inspect it.
    OpenCheckpoint,
    /// Inspect this checkpoint: a `.safetensors` file or a run folder.
    InspectCheckpoint(PathBuf),
    /// Open this checkpoint beside the one being inspected (side by side).
    InspectBeside(PathBuf),
}

/// The Compare dialog's fields.
struct CompareDialog {
    spec: crate::spec::CompareSpec,
    values: String,
}

/// Two run ids and the preset fields that differ between them.
type ConfigDiff = (String, String, Vec<(String, String, String)>);

/// Renaming and tagging a run.
struct RenameDialog {
    dir: PathBuf,
    name: String,
    tags: String,
}

pub use crate::runs::handle::{trainer_launcher, Launcher, RunHandle, ScriptedRun};

/// What is kept between sessions.
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct SavedState {
    preset: Option<Preset>,
    path: Option<PathBuf>,
    /// The preset as last saved, so a restored session knows whether it has unsaved changes.
    saved: Option<Preset>,
    recent: Vec<PathBuf>,
    workspace: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PromptKind {
    Open,
    SaveAs,
    Checkpoint,
}

/// A typed path, for systems without a file-dialog portal (and for keyboard users).
struct PathPrompt {
    kind: PromptKind,
    text: String,
    /// Focus the text field when the prompt first shows.
    focus: bool,
}

pub struct WorkbenchApp {
    pub doc: Document,
    pub selected: Option<usize>,
    pub recent: Vec<PathBuf>,
    /// Where run folders go.
    pub workspace: PathBuf,
    pub run: Option<(RunState, Box<dyn RunHandle>)>,
    /// An error to show (bad file, failed save…); the work is untouched.
    pub error: Option<String>,
    /// Use native file dialogs (off in tests: typed paths only).
    pub native_dialogs: bool,
    launcher: Launcher,
    bundled: Vec<(&'static str, String)>,
    devices: Vec<String>,
    plots: ui::plots::PlotsState,
    pending: Option<Action>,
    prompt: Option<PathPrompt>,
    folder_text: String,
    data_check: Option<(PathBuf, Option<String>)>,
    last_title: String,
    allow_close: bool,
    repaint: Option<Arc<dyn Fn() + Send + Sync>>,
    /// The comparison being run or looked at.
    pub compare: Option<CompareQueue>,
    compare_view: ui::compare::CompareView,
    compare_dialog: Option<CompareDialog>,
    /// Runs at once in a comparison on CUDA.
    pub compare_parallel: usize,
    /// Past runs and comparisons of the workspace.
    pub history: Vec<RunEntry>,
    pub comparisons: Vec<(String, Result<Comparison, String>)>,
    history_stale: bool,
    selection: Vec<PathBuf>,
    rename: Option<RenameDialog>,
    confirm_delete: Option<PathBuf>,
    diff: Option<ConfigDiff>,
    /// A message that is not an error (where an export went).
    pub notice: Option<String>,
    /// The checkpoint inspector window.
    pub inspector: Option<ui::inspector::InspectorState>,
}

/// The default workspace (run folders under `runs/`, comparisons under `comparisons/`): the
/// user's data directory.
pub fn default_workspace() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("cnn-workbench")
}

impl WorkbenchApp {
    /// A fresh window: LeNet-5 on the built-in data, or the last session's work.
    pub fn new(cc: &eframe::CreationContext<'_>) -> WorkbenchApp {
        let mut app = WorkbenchApp::with_launcher(trainer_launcher());
        if let Some(text) = cc.storage.and_then(|s| s.get_string(STORAGE_KEY)) {
            app.restore_session(&text);
        }
        let ctx = cc.egui_ctx.clone();
        app.repaint = Some(Arc::new(move || ctx.request_repaint()));
        app
    }

    /// The app with LeNet-5 on the built-in data and a given way to start runs.
    pub fn with_launcher(launcher: Launcher) -> WorkbenchApp {
        let bundled = library::BUNDLED
            .iter()
            .map(|(f, text)| {
                let name = Preset::from_ron(text, f)
                    .map(|p| p.name)
                    .unwrap_or_else(|_| f.to_string());
                (*f, name)
            })
            .collect();
        WorkbenchApp {
            doc: Document::new(library::default_preset(), None),
            selected: None,
            recent: Vec::new(),
            workspace: default_workspace(),
            run: None,
            error: None,
            native_dialogs: true,
            launcher,
            bundled,
            devices: crate::engine::device::available_devices(),
            plots: Default::default(),
            pending: None,
            prompt: None,
            folder_text: String::new(),
            data_check: None,
            last_title: String::new(),
            allow_close: false,
            repaint: None,
            compare: None,
            compare_view: Default::default(),
            compare_dialog: None,
            compare_parallel: 2,
            history: Vec::new(),
            comparisons: Vec::new(),
            history_stale: true,
            selection: Vec::new(),
            rename: None,
            confirm_delete: None,
            diff: None,
            notice: None,
            inspector: None,
        }
    }

    /// The session as text, for eframe's storage: the network being edited (saved or not),
    /// its file, recent files and the run folder location.
    pub fn session_text(&self) -> Option<String> {
        let state = SavedState {
            preset: Some(self.doc.preset.clone()),
            path: self.doc.path.clone(),
            saved: Some(self.doc.saved().clone()),
            recent: self.recent.clone(),
            workspace: Some(self.workspace.clone()),
        };
        ron::to_string(&state).ok()
    }

    /// Restores a session written by [`Self::session_text`]; unreadable text is ignored (the
    /// app then starts fresh rather than failing).
    pub fn restore_session(&mut self, text: &str) {
        let Ok(s) = ron::from_str::<SavedState>(text) else {
            return;
        };
        if let Some(p) = s.preset {
            self.doc = Document::restored(p, s.path, s.saved);
        }
        self.recent = s.recent;
        if let Some(w) = s.workspace {
            self.workspace = w;
        }
        self.sync_folder_text();
    }

    fn sync_folder_text(&mut self) {
        if let DataSource::Idx { folder } = &self.doc.preset.data.source {
            self.folder_text = folder.display().to_string();
        }
    }

    /// Whether Train can start, or why not (shown next to the disabled button).
    pub fn ready(&mut self) -> Result<(), String> {
        let problem = self.data_problem();
        let p = &self.doc.preset;
        spec::infer(&p.network).map_err(|e| e.to_string())?;
        p.training.validate()?;
        match &p.data.source {
            DataSource::Synthetic { rgb } => {
                let c = if *rgb { 3 } else { 1 };
                let i = p.network.input;
                if (i.channels, i.height, i.width) != (c, 28, 28) {
                    return Err(format!(
                        "the built-in data is {c}×28×28 but the network's input is {}×{}×{}",
                        i.channels, i.height, i.width
                    ));
                }
            }
            DataSource::Idx { .. } => {
                if let Some(problem) = problem {
                    return Err(problem);
                }
            }
        }
        Ok(())
    }

    /// Why the chosen dataset folder cannot be used (cached per folder).
    fn data_problem(&mut self) -> Option<String> {
        let DataSource::Idx { folder } = &self.doc.preset.data.source else {
            return None;
        };
        let stale = self.data_check.as_ref().is_none_or(|(f, _)| f != folder);
        if stale {
            let problem = if folder.as_os_str().is_empty() {
                Some("choose a folder with MNIST-format files".to_string())
            } else {
                idx::check_folder(folder).err().map(|e| e.to_string())
            };
            self.data_check = Some((folder.clone(), problem));
        }
        self.data_check.as_ref().and_then(|(_, p)| p.clone())
    }

    pub fn run_state(&self) -> Option<&RunState> {
        self.run.as_ref().map(|(s, _)| s)
    }

    /// Moves trainer events into the run state, for at most `budget`.
    pub fn drain_events(&mut self, budget: Duration) {
        let Some((state, handle)) = self.run.as_mut() else {
            return;
        };
        let start = Instant::now();
        while start.elapsed() < budget {
            match handle.poll() {
                Some(e) => state.apply(&e),
                None => break,
            }
        }
    }

    /// One frame's worth of background work: trainer events, the comparison queue, the
    /// history when something ended.
    pub fn poll(&mut self, budget: Duration) {
        let was_running = self.is_running();
        self.drain_events(budget);
        if was_running && !self.is_running() {
            self.history_stale = true;
        }
        if let Some(i) = self.inspector.as_mut() {
            i.poll();
        }
        if let Some(q) = self.compare.as_mut() {
            let before = q.done();
            q.poll(&mut self.launcher, budget);
            if q.done() != before {
                self.history_stale = true;
            }
        }
        if self.history_stale {
            self.refresh_history();
        }
    }

    fn is_running(&self) -> bool {
        self.run_state().is_some_and(|r| r.status.is_active())
    }

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
            Action::RemoveLayer(i) => {
                if i < self.doc.preset.network.layers.len() {
                    self.doc.edit(|p| {
                        p.network.layers.remove(i);
                    });
                    let n = self.doc.preset.network.layers.len();
                    self.selected = (n > 0).then(|| i.min(n - 1));
                }
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
            Action::Train => self.start_training(),
            Action::Pause => self.command(Command::Pause),
            Action::Resume => self.command(Command::Resume),
            Action::Stop => self.command(Command::Stop),
            Action::SaveCheckpoint => self.command(Command::SaveCheckpoint(None)),
            Action::New => {
                self.doc = Document::new(library::default_preset(), None);
                self.selected = None;
            }
            Action::Open => {
                if let Some(path) = self.pick_file(false) {
                    self.execute(Action::OpenPath(path), ctx);
                } else {
                    self.prompt = Some(PathPrompt {
                        kind: PromptKind::Open,
                        text: String::new(),
                        focus: true,
                    });
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
            Action::Save => match self.doc.path.clone() {
                Some(path) => self.save(&path),
                None => self.execute(Action::SaveAs, ctx),
            },
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
                    self.prompt = Some(PathPrompt {
                        kind: PromptKind::SaveAs,
                        text,
                        focus: true,
                    });
                }
            }
            Action::SaveAsPath(path) => self.save(&path),
            Action::PickDataFolder => {
                if self.native_dialogs {
                    if let Some(folder) = rfd::FileDialog::new().pick_folder() {
                        self.folder_text = folder.display().to_string();
                        self.doc
                            .edit(|p| p.data.source = DataSource::Idx { folder });
                    }
                }
            }
            Action::Undo => self.doc.undo(),
            Action::Redo => self.doc.redo(),
            Action::Quit => {
                self.allow_close = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
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
            Action::RefreshHistory => self.refresh_history(),
            Action::OpenRun(dir) => match history::load_run(&dir) {
                Ok(run) => {
                    let replay = ScriptedRun {
                        events: Default::default(),
                        commands: Default::default(),
                    };
                    self.run = Some((run.state, Box::new(replay)));
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
                let meta = crate::runs::folder::RunMeta::load(&dir).unwrap_or_default();
                self.rename = Some(RenameDialog {
                    dir,
                    name: meta.name,
                    tags: meta.tags.join(", "),
                });
            }
            Action::DeleteRun(dir) => self.confirm_delete = Some(dir),
            Action::ExportCsv => self.export_csv(),
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
                        self.prompt = Some(PathPrompt {
                            kind: PromptKind::Checkpoint,
                            text: String::new(),
                            focus: true,
                        });
                    }
                }
            }
            Action::InspectBeside(path) => match self.inspector.as_mut() {
                Some(st) => {
                    if let Err(e) = st.open_second(path, self.repaint.clone()) {
                        self.error = Some(e);
                    }
                    st.tab = ui::inspector::InspectTab::SideBySide;
                }
                None => self.execute(Action::InspectCheckpoint(path), ctx),
            },
            Action::InspectCheckpoint(path) => {
                match ui::inspector::Side::open(path, self.repaint.clone()) {
                    Ok(side) => self.inspector = Some(ui::inspector::InspectorState::new(side)),
                    Err(e) => self.error = Some(e),
                }
            }
            Action::DiffRuns => {
                if let [a, b] = self.selection.as_slice() {
                    let load =
                        |d: &Path| Preset::load(&d.join(crate::engine::checkpoint::PRESET_FILE));
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
        }
        if let Some(s) = self.selected {
            if s >= self.doc.preset.network.layers.len() {
                self.selected = None;
            }
        }
    }

    /// A native file dialog; None when cancelled or when none is available (no portal), in
    /// which case the typed-path prompt is shown.
    fn pick_file(&self, save: bool) -> Option<PathBuf> {
        if !self.native_dialogs {
            return None;
        }
        let dialog = rfd::FileDialog::new().add_filter("preset", &["ron"]);
        if save {
            dialog
                .set_file_name(format!("{}.ron", crate::runs::slug(&self.doc.preset.name)))
                .save_file()
        } else {
            dialog.pick_file()
        }
    }

    fn command(&mut self, cmd: Command) {
        if let Some((_, h)) = self.run.as_mut() {
            h.send(cmd);
        }
    }

    fn start_training(&mut self) {
        if self.is_running() {
            return;
        }
        if let Err(reason) = self.ready() {
            self.error = Some(format!("Cannot train: {reason}"));
            return;
        }
        let preset = self.doc.preset.clone();
        let name = crate::runs::run_name(&preset.name);
        let opts = RunOptions {
            run_dir: Some(
                self.workspace
                    .join(crate::runs::history::RUNS_DIR)
                    .join(&name),
            ),
            notify: self.repaint.clone(),
            meta: crate::runs::folder::RunMeta {
                name: preset.name.clone(),
                seed: preset.training.seed,
                created: crate::runs::timestamp(),
                ..Default::default()
            },
            ..RunOptions::default()
        };
        match (self.launcher)(preset, opts) {
            Ok(handle) => {
                self.run = Some((RunState::new(name), handle));
                self.plots.layer = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn start_compare(&mut self, spec: crate::spec::CompareSpec) {
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

    /// Rescans the workspace's run folders and comparisons.
    pub fn refresh_history(&mut self) {
        self.history = history::scan(&self.workspace);
        self.comparisons = Comparison::list(&self.workspace);
        self.selection.retain(|d| d.is_dir());
        self.history_stale = false;
    }

    fn export_csv(&mut self) {
        match history::export_csv(&self.selection) {
            Ok(text) => {
                let dir = self.workspace.join("exports");
                let path = dir.join(format!("metrics-{}.csv", crate::runs::timestamp()));
                let written = std::fs::create_dir_all(&dir)
                    .and_then(|_| crate::spec::preset::write_atomic(&path, text.as_bytes()));
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

    fn open(&mut self, path: &Path) {
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

    fn save(&mut self, path: &Path) {
        match self.doc.preset.save(path) {
            Ok(()) => {
                self.doc.mark_saved(path.to_path_buf());
                self.remember(path);
            }
            Err(e) => self.error = Some(format!("Could not save: {e}")),
        }
    }

    fn remember(&mut self, path: &Path) {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(RECENT_LIMIT);
    }

    fn shortcuts(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        let cmd = Modifiers::COMMAND;
        let shift_cmd = Modifiers::COMMAND | Modifiers::SHIFT;
        let table = [
            (KeyboardShortcut::new(shift_cmd, Key::Z), Action::Redo),
            (KeyboardShortcut::new(cmd, Key::Y), Action::Redo),
            (KeyboardShortcut::new(cmd, Key::Z), Action::Undo),
            (KeyboardShortcut::new(shift_cmd, Key::S), Action::SaveAs),
            (KeyboardShortcut::new(cmd, Key::S), Action::Save),
            (KeyboardShortcut::new(cmd, Key::O), Action::Open),
            (KeyboardShortcut::new(cmd, Key::N), Action::New),
            (KeyboardShortcut::new(cmd, Key::Enter), Action::Train),
        ];
        for (shortcut, action) in table {
            if ctx.input_mut(|i| i.consume_shortcut(&shortcut)) {
                actions.push(action);
            }
        }
        // Layer keys only when no text field or value is being edited.
        let editing = ctx.memory(|m| m.focused().is_some());
        if let (Some(s), false) = (self.selected, editing) {
            if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Delete)) {
                actions.push(Action::RemoveLayer(s));
            }
            if ctx.input_mut(|i| i.consume_shortcut(&KeyboardShortcut::new(cmd, Key::D))) {
                actions.push(Action::DuplicateLayer(s));
            }
        }
    }

    fn menu_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                let item = |ui: &mut egui::Ui, text: &str, shortcut: &str| {
                    ui.add(egui::Button::new(text).shortcut_text(shortcut)).clicked()
                };
                if item(ui, "New", "Ctrl+N") {
                    actions.push(Action::New);
                }
                if item(ui, "Open…", "Ctrl+O") {
                    actions.push(Action::Open);
                }
                ui.menu_button("Open Recent", |ui| {
                    if self.recent.is_empty() {
                        ui.weak("nothing yet");
                    }
                    for p in &self.recent {
                        if ui.button(p.display().to_string()).clicked() {
                            actions.push(Action::OpenPath(p.clone()));
                        }
                    }
                });
                ui.separator();
                if item(ui, "Save", "Ctrl+S") {
                    actions.push(Action::Save);
                }
                if item(ui, "Save As…", "Ctrl+Shift+S") {
                    actions.push(Action::SaveAs);
                }
                ui.separator();
                if item(ui, "Open Checkpoint…", "") {
                    actions.push(Action::OpenCheckpoint);
                }
                ui.separator();
                if item(ui, "Quit", "") {
                    actions.push(Action::Quit);
                }
            });
            ui.menu_button("Edit", |ui| {
                if ui.add_enabled(self.doc.can_undo(), egui::Button::new("Undo").shortcut_text("Ctrl+Z")).clicked() {
                    actions.push(Action::Undo);
                }
                if ui.add_enabled(self.doc.can_redo(), egui::Button::new("Redo").shortcut_text("Ctrl+Shift+Z")).clicked() {
                    actions.push(Action::Redo);
                }
                ui.separator();
                let sel = self.selected;
                if ui.add_enabled(sel.is_some(), egui::Button::new("Duplicate layer").shortcut_text("Ctrl+D")).clicked() {
                    actions.extend(sel.map(Action::DuplicateLayer));
                }
                if ui.add_enabled(sel.is_some(), egui::Button::new("Delete layer").shortcut_text("Del")).clicked() {
                    actions.extend(sel.map(Action::RemoveLayer));
                }
            });
            ui.menu_button("Run", |ui| {
                if ui.add(egui::Button::new("Train").shortcut_text("Ctrl+Enter")).clicked() {
                    actions.push(Action::Train);
                }
                if ui.button("Pause").clicked() {
                    actions.push(Action::Pause);
                }
                if ui.button("Resume").clicked() {
                    actions.push(Action::Resume);
                }
                if ui.button("Stop").clicked() {
                    actions.push(Action::Stop);
                }
                ui.separator();
                ui.label(format!("run folders: {}", self.workspace.display()));
            });
            ui.menu_button("Help", |ui| {
                ui.label("Ctrl+Enter train · Ctrl+S save · Ctrl+O open · Ctrl+Z undo · Ctrl+Shift+Z redo");
                ui.label("Del delete the selected layer · Ctrl+D duplicate it");
                ui.label("Drop a .ron preset on the window to open it.");
            });
        });
    }

    fn dialogs_ui(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        if let Some(message) = self.error.clone() {
            egui::Modal::new(egui::Id::unique("error-dialog")).show(ctx, |ui| {
                ui.set_max_width(520.0);
                ui.heading("Something went wrong");
                ui.label(&message);
                ui.weak("Your network and settings are unchanged.");
                if ui.button("OK").clicked() {
                    self.error = None;
                }
            });
        }
        if let Some(pending) = self.pending.clone() {
            egui::Modal::new(egui::Id::unique("unsaved-dialog")).show(ctx, |ui| {
                ui.heading("Unsaved changes");
                ui.label(format!(
                    "\"{}\" has changes that are not saved.",
                    self.doc.preset.name
                ));
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() {
                        self.pending = None;
                        actions.push(Action::Save);
                        if self.doc.path.is_some() {
                            actions.push(pending.clone());
                        }
                    }
                    if ui.button("Discard changes").clicked() {
                        // Carry out the action as if the work were saved.
                        self.doc.mark_saved_in_place();
                        self.pending = None;
                        actions.push(pending.clone());
                    }
                    if ui.button("Cancel").clicked() {
                        self.pending = None;
                    }
                });
            });
        }
        if let Some(prompt) = &mut self.prompt {
            let mut close = false;
            egui::Modal::new(egui::Id::unique("path-prompt")).show(ctx, |ui| {
                ui.heading(match prompt.kind {
                    PromptKind::Open => "Open preset",
                    PromptKind::SaveAs => "Save preset as",
                    PromptKind::Checkpoint => "Open checkpoint",
                });
                let l = ui.label(if prompt.kind == PromptKind::Checkpoint {
                    "Path of the .safetensors file or run folder:"
                } else {
                    "Path of the .ron file:"
                });
                let r = ui
                    .add(egui::TextEdit::singleline(&mut prompt.text).desired_width(420.0))
                    .labelled_by(l.id);
                if std::mem::take(&mut prompt.focus) {
                    r.request_focus();
                }
                let enter = r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                ui.horizontal(|ui| {
                    if ui.button("OK").clicked() || enter {
                        let path = PathBuf::from(prompt.text.trim());
                        if !prompt.text.trim().is_empty() {
                            actions.push(match prompt.kind {
                                PromptKind::Open => Action::OpenPath(path),
                                PromptKind::SaveAs => Action::SaveAsPath(path),
                                PromptKind::Checkpoint => Action::InspectCheckpoint(path),
                            });
                        }
                        close = true;
                    }
                    if ui.button("Cancel").clicked() {
                        close = true;
                    }
                });
            });
            if close {
                self.prompt = None;
            }
        }
    }

    fn inspector_window_ui(&mut self, ctx: &egui::Context) {
        let Some(st) = self.inspector.as_mut() else {
            return;
        };
        let mut open = true;
        let mut second = None;
        egui::Window::new(format!("Inspector — {}", st.a.name()))
            .id(egui::Id::unique("inspector-window"))
            .open(&mut open)
            .default_size([1100.0, 700.0])
            .show(ctx, |ui| second = ui::inspector::inspector_ui(ui, st));
        if let Some(path) = second {
            if let Err(e) = st.open_second(path, self.repaint.clone()) {
                self.error = Some(e);
            }
        }
        if st.busy() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        if !open {
            self.inspector = None;
        }
    }

    /// The Compare, rename, delete and diff dialogs.
    fn history_dialogs_ui(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        if let Some(d) = &mut self.compare_dialog {
            let mut close = false;
            egui::Modal::new(egui::Id::unique("compare-dialog")).show(ctx, |ui| {
                ui.heading("Compare variants");
                ui.label("Train this network once per value and seed. Runs with the same seed see the same data in the same order and start from the same weights wherever the shapes match.");
                ui.horizontal(|ui| {
                    let l = ui.label("vary");
                    egui::ComboBox::from_id_salt("cmp-dim")
                        .selected_text(d.spec.dimension.name())
                        .show_ui(ui, |ui| {
                            for dim in crate::spec::Dimension::ALL {
                                if ui.selectable_label(d.spec.dimension == dim, dim.name()).clicked() && d.spec.dimension != dim {
                                    d.spec.dimension = dim;
                                    d.values = dim.default_values().join(", ");
                                }
                            }
                        })
                        .response
                        .labelled_by(l.id);
                });
                ui.horizontal(|ui| {
                    let l = ui.label("values");
                    ui.add(egui::TextEdit::singleline(&mut d.values).desired_width(320.0)).labelled_by(l.id);
                });
                ui::widgets::count_ui(ui, "seeds", &mut d.spec.seeds, 1..=20);
                let cuda = self.doc.preset.training.device.starts_with("cuda");
                ui.add_enabled_ui(cuda, |ui| {
                    ui::widgets::count_ui(ui, "runs at once on the GPU", &mut self.compare_parallel, 1..=8);
                })
                .response
                .on_disabled_hover_text("on the CPU runs go one after another (set the device to cuda first)");
                d.spec.values = d.values.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect();
                let check = d.spec.variants(&self.doc.preset);
                match &check {
                    Ok(v) => ui.weak(format!("{} variants × {} seeds = {} runs, one after another", v.len(), d.spec.seeds, v.len() * d.spec.seeds)),
                    Err(e) => ui.colored_label(ui::editor::ERROR_COLOR, e),
                };
                ui.horizontal(|ui| {
                    if ui.add_enabled(check.is_ok(), egui::Button::new("Start comparison")).clicked() {
                        actions.push(Action::StartCompare(d.spec.clone()));
                        close = true;
                    }
                    if ui.button("Cancel").clicked() {
                        close = true;
                    }
                });
            });
            if close {
                self.compare_dialog = None;
            }
        }
        if let Some(r) = &mut self.rename {
            let mut close = false;
            egui::Modal::new(egui::Id::unique("rename-dialog")).show(ctx, |ui| {
                ui.heading("Rename run");
                ui::widgets::row(ui, "name", |ui| ui.text_edit_singleline(&mut r.name));
                ui::widgets::row(ui, "tags", |ui| ui.text_edit_singleline(&mut r.tags));
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() {
                        let tags: Vec<String> = r
                            .tags
                            .split(',')
                            .map(|t| t.trim().to_string())
                            .filter(|t| !t.is_empty())
                            .collect();
                        if let Err(e) = history::update_meta(&r.dir, &r.name, &tags) {
                            self.error = Some(e);
                        }
                        self.history_stale = true;
                        close = true;
                    }
                    if ui.button("Cancel").clicked() {
                        close = true;
                    }
                });
            });
            if close {
                self.rename = None;
            }
        }
        if let Some(dir) = self.confirm_delete.clone() {
            egui::Modal::new(egui::Id::unique("delete-dialog")).show(ctx, |ui| {
                ui.heading("Delete run?");
                ui.label(format!(
                    "This deletes {} and everything in it.",
                    dir.display()
                ));
                ui.horizontal(|ui| {
                    if ui.button("Delete").clicked() {
                        if let Err(e) = history::delete_run(&dir) {
                            self.error = Some(e);
                        }
                        self.confirm_delete = None;
                        self.history_stale = true;
                    }
                    if ui.button("Keep").clicked() {
                        self.confirm_delete = None;
                    }
                });
            });
        }
        if let Some((a, b, rows)) = &self.diff {
            let mut open = true;
            egui::Window::new("Config diff")
                .open(&mut open)
                .default_width(560.0)
                .show(ctx, |ui| {
                    if rows.is_empty() {
                        ui.label("The two presets are identical.");
                    }
                    egui::ScrollArea::vertical()
                        .max_height(400.0)
                        .show(ui, |ui| {
                            egui::Grid::new("diff-grid").striped(true).show(ui, |ui| {
                                ui.label(RichText::new("field").strong());
                                ui.label(RichText::new(a).strong());
                                ui.label(RichText::new(b).strong());
                                ui.end_row();
                                for (k, va, vb) in rows {
                                    ui.monospace(k);
                                    ui.monospace(va);
                                    ui.monospace(vb);
                                    ui.end_row();
                                }
                            });
                        });
                });
            if !open {
                self.diff = None;
            }
        }
        if let Some(n) = self.notice.clone() {
            egui::Modal::new(egui::Id::unique("notice-dialog")).show(ctx, |ui| {
                ui.label(n);
                if ui.button("OK").clicked() {
                    self.notice = None;
                }
            });
        }
    }

    fn dropped_files(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        for path in dropped {
            if path.extension().is_some_and(|e| e == "ron") {
                actions.push(Action::OpenPath(path));
            } else if path.extension().is_some_and(|e| e == "safetensors")
                || path.join("model.safetensors").is_file()
            {
                actions.push(Action::InspectCheckpoint(path));
            } else {
                self.error = Some(format!(
                    "{} is neither a .ron preset nor a checkpoint",
                    path.display()
                ));
            }
        }
    }

    fn update_title(&mut self, ctx: &egui::Context) {
        let title = self.doc.title();
        if title != self.last_title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.last_title = title;
        }
    }

    /// The whole window, for one frame.
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let mut actions = Vec::new();
        self.shortcuts(&ctx, &mut actions);
        self.dropped_files(&ctx, &mut actions);
        let ready = self.ready();
        let data_problem = self.data_problem();

        egui::Panel::top("menu").show(ui, |ui| self.menu_ui(ui, &mut actions));
        egui::Panel::left("palette")
            .resizable(true)
            .default_size(240.0)
            .max_size(360.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().id_salt("left").show(ui, |ui| {
                    ui::palette::palette_ui(ui, &mut actions);
                    ui.separator();
                    ui::palette::library_ui(ui, &self.bundled, &self.recent, &mut actions);
                    ui.separator();
                    ui::history::history_ui(
                        ui,
                        &self.history,
                        &self.comparisons,
                        &mut self.selection,
                        &mut actions,
                    );
                });
            });
        egui::Panel::right("settings")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("right")
                    .show(ui, |ui| {
                        ui::run_panel::run_controls_ui(
                            ui,
                            self.run.as_ref().map(|(s, _)| s),
                            &ready,
                            &mut actions,
                        );
                        ui.separator();
                        let cx = ui::settings::SettingsContext {
                            devices: &self.devices,
                            data_problem: data_problem.as_deref(),
                            folder_text: &mut self.folder_text,
                        };
                        ui::settings::settings_ui(ui, &mut self.doc.preset, cx, &mut actions);
                    });
            });
        egui::Panel::bottom("plots")
            .resizable(true)
            .min_size(240.0)
            .default_size(300.0)
            .show(ui, |ui| {
                let compare = self.compare.as_ref();
                let view = &mut self.compare_view;
                let acts = &mut actions;
                ui::plots::plots_ui(
                    ui,
                    self.run.as_ref().map(|(s, _)| s),
                    &mut self.plots,
                    |ui| ui::compare::compare_ui(ui, compare, view, acts),
                );
            });
        egui::CentralPanel::default().show(ui, |ui| {
            ui::editor::editor_ui(ui, &mut self.doc.preset, self.selected, &mut actions);
        });
        self.dialogs_ui(&ctx, &mut actions);
        self.history_dialogs_ui(&ctx, &mut actions);
        self.inspector_window_ui(&ctx);

        for a in actions {
            self.execute(a, &ctx);
        }
        // One drag or one typed value is one undo step: record when nothing is being edited.
        let editing = ctx.egui_is_using_pointer() || ctx.memory(|m| m.focused().is_some());
        if !editing {
            self.doc.commit();
        }
    }
}

impl eframe::App for WorkbenchApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.poll(DRAIN_BUDGET);
        if ctx.input(|i| i.viewport().close_requested()) && self.doc.is_dirty() && !self.allow_close
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.pending = Some(Action::Quit);
        }
        self.update_title(ctx);
        if self.is_running() || self.compare.as_ref().is_some_and(|q| !q.is_finished()) {
            // Keep the ETA and progress moving even between events.
            ctx.request_repaint_after(Duration::from_millis(250));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if let Some(text) = self.session_text() {
            storage.set_string(STORAGE_KEY, text);
        }
    }
}
