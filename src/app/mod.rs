//! The workbench window: one `App` split by concern — state and the frame (`mod`), work
//! between frames (`logic`), carrying out actions (`command_handling`), the saved session
//! (`persisted`), the menu and shortcuts (`menu`), dialogs, the inspector's threads and the
//! history loader. Panels in `ui/` only draw and return [`Action`]s; they are carried out
//! after the frame.
mod about;
mod command_handling;
mod data_tools;
mod dialogs;
pub mod document;
mod history_loader;
mod inspector;
mod learn;
pub mod library;
mod logic;
mod memory;
mod menu;
mod persisted;
mod waker;

pub use launch::trainer_launcher;
pub use runs::handle::{Launcher, RunHandle, ScriptedRun};
pub use ui::Action;

use dialogs::{CompareDialog, ConfigDiff, PathPrompt, RenameDialog};
use document::Document;
use history_loader::HistoryLoader;
use inspector::InspectorThreads;
use protocol::Notify;
use runs::compare::{CompareQueue, Comparison};
use runs::history::RunEntry;
use runs::{Budget, RunState};
use spec::Preset;
use std::path::PathBuf;
use std::time::Duration;
use waker::Waker;

/// Events drained per frame are bounded by time, so a chatty trainer never stalls the UI.
const DRAIN_BUDGET: Duration = Duration::from_millis(6);
/// egui's default animation time.
const DEFAULT_ANIMATION_SECS: f32 = 1.0 / 12.0;

pub struct WorkbenchApp {
    pub doc: Document,
    pub selected: Option<usize>,
    pub recent: Vec<PathBuf>,
    /// Where run folders go.
    pub workspace: PathBuf,
    /// The run shown in the plots, and how to talk to it (None for a run read from history).
    pub run: Option<(RunState, Option<Box<dyn RunHandle>>)>,
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
    data_check: Option<(spec::DataSource, Option<String>)>,
    data_windows: dialogs::DataWindows,
    /// Datasets downloaded into the cache.
    downloaded: Vec<String>,
    /// The zoo window: its rows (and how to open each) and its sorting.
    zoo: Option<(Vec<(spec::zoo::ZooRow, Action)>, ui::zoo::ZooView)>,
    /// The Learn window (concept lab).
    pub learn: Option<ui::learn::LearnState>,
    /// File → Export to PyTorch….
    export_dialog: Option<dialogs::ExportDialog>,
    /// Free memory of a device, read off the UI thread when the device changes (or every 10 s).
    memory_check: memory::MemoryCheck,
    last_title: String,
    allow_close: bool,
    repaint: Option<Notify>,
    waker: Waker,
    history_loader: HistoryLoader,
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
    /// The History tab's filter, sort and grouping.
    history_view: ui::history::HistoryView,
    selection: Vec<PathBuf>,
    rename: Option<RenameDialog>,
    confirm_delete: Option<PathBuf>,
    diff: Option<ConfigDiff>,
    /// A message that is not an error (where an export went).
    pub notice: Option<String>,
    /// The checkpoint inspector window.
    pub inspector: Option<ui::inspector::InspectorState>,
    inspector_threads: Option<InspectorThreads>,
    /// A preset from the command line to train once it is open (`--train`).
    train_when_open: Option<PathBuf>,
    /// CPU cores (for the thread setting).
    pub cores: usize,
    /// The network's shape inference, recomputed once per edit.
    pub check: ui::check::NetworkCheck,
    /// What the unsaved-changes question's Save carries out once the save succeeded.
    after_save: Option<Action>,
    /// Actions to carry out after the current ones (in the same frame).
    queued: Vec<Action>,
    /// Workspaces opened before, newest first.
    pub recent_workspaces: Vec<PathBuf>,
    /// Help → About is open.
    about: bool,
    /// Frames drawn so far.
    frames: u64,
}

impl WorkbenchApp {
    /// A fresh window: LeNet-5 on the built-in data, or the last session's work.
    pub fn new(cc: &eframe::CreationContext<'_>) -> WorkbenchApp {
        let mut app = WorkbenchApp::with_launcher(trainer_launcher());
        if let Some(text) = cc
            .storage
            .and_then(|s| s.get_string(persisted::STORAGE_KEY))
        {
            app.restore_session(&text);
        }
        app.repaint = Some(app.waker.notify(cc.egui_ctx.clone()));
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
            workspace: runs::default_workspace(),
            run: None,
            error: None,
            native_dialogs: true,
            launcher,
            bundled,
            devices: engine::device::available_devices(),
            plots: Default::default(),
            pending: None,
            prompt: None,
            folder_text: String::new(),
            data_check: None,
            data_windows: Default::default(),
            downloaded: data_tools::downloaded(),
            memory_check: Default::default(),
            zoo: None,
            export_dialog: None,
            learn: None,
            last_title: String::new(),
            allow_close: false,
            repaint: None,
            waker: Waker::default(),
            history_loader: HistoryLoader::default(),
            compare: None,
            compare_view: Default::default(),
            compare_dialog: None,
            compare_parallel: 2,
            history: Vec::new(),
            comparisons: Vec::new(),
            history_stale: true,
            history_view: Default::default(),
            selection: Vec::new(),
            rename: None,
            confirm_delete: None,
            diff: None,
            notice: None,
            inspector: None,
            inspector_threads: None,
            train_when_open: None,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            check: Default::default(),
            after_save: None,
            queued: Vec::new(),
            recent_workspaces: Vec::new(),
            about: false,
            frames: 0,
        }
    }

    pub fn run_state(&self) -> Option<&RunState> {
        self.run.as_ref().map(|(s, _)| s)
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
        let ready = self.ready();
        let commands = self.command_state(ready.is_ok());
        self.shortcuts(&ctx, &commands, &mut actions);
        self.dropped_files(&ctx, &mut actions);
        let data_problem = self.data_problem();

        egui::Panel::top("menu").show(ui, |ui| self.menu_ui(ui, &commands, &mut actions));
        egui::Panel::left("palette")
            .resizable(true)
            .default_size(240.0)
            .max_size(360.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().id_salt("left").show(ui, |ui| {
                    ui::palette::palette_ui(ui, &mut actions);
                    ui.separator();
                    ui::palette::library_ui(ui, &self.bundled, &self.recent, &mut actions);
                });
            });
        self.settings_panel_ui(ui, &ready, data_problem.as_deref(), &mut actions);
        egui::Panel::bottom("plots")
            .resizable(true)
            .min_size(240.0)
            .default_size(300.0)
            .show(ui, |ui| {
                let compare = self.compare.as_ref();
                let view = &mut self.compare_view;
                let acts = &mut actions;
                let lists = ui::history::HistoryLists {
                    runs: &self.history,
                    comparisons: &self.comparisons,
                    generation: self.history_loader.generation(),
                    workspace: &self.workspace,
                };
                let (history_view, selection) = (&mut self.history_view, &mut self.selection);
                ui::plots::plots_ui(
                    ui,
                    self.run.as_ref().map(|(s, _)| s),
                    &mut self.plots,
                    |ui, tab| match tab {
                        ui::plots::PlotTab::History => {
                            ui::history::history_ui(ui, lists, history_view, selection, acts)
                        }
                        _ => ui::compare::compare_ui(ui, compare, view, acts),
                    },
                );
            });
        egui::CentralPanel::default().show(ui, |ui| {
            ui::editor::editor_ui(
                ui,
                &mut self.doc.preset,
                &mut self.check,
                self.selected,
                &mut actions,
            );
        });
        self.dialogs_ui(&ctx, &mut actions);
        self.data_windows_ui(&ctx);
        self.zoo_window_ui(&ctx, &mut actions);
        self.export_window_ui(&ctx);
        self.learn_window_ui(&ctx);
        self.compare_dialog_ui(&ctx, &mut actions);
        self.history_dialogs_ui(&ctx);
        self.inspector_window_ui(&ctx);
        self.about_window_ui(&ctx);

        for a in actions {
            self.execute(a, &ctx);
        }
        // What a save let through (the unsaved-changes question's Save), and so on.
        for _ in 0..4 {
            if self.queued.is_empty() {
                break;
            }
            for a in std::mem::take(&mut self.queued) {
                self.execute(a, &ctx);
            }
        }
        // One drag or one typed value is one undo step: record when nothing is being edited.
        let editing = ctx.egui_is_using_pointer() || ctx.memory(|m| m.focused().is_some());
        if !editing {
            self.doc.commit();
        }
    }
}

impl WorkbenchApp {
    /// The right side: run controls, then the training settings.
    fn settings_panel_ui(
        &mut self,
        ui: &mut egui::Ui,
        ready: &Result<(), String>,
        data_problem: Option<&str>,
        actions: &mut Vec<Action>,
    ) {
        egui::Panel::right("settings")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("right")
                    .show(ui, |ui| {
                        // While a comparison trains, its current run, not the last one.
                        let comparing = self.compare.as_ref().and_then(|q| {
                            let job = q.running_job()?;
                            Some((job, (q.current()?, q.total()), q.paused))
                        });
                        match comparing {
                            Some((job, of, paused)) => ui::run_panel::comparison_run_ui(
                                ui, &job.state, of, paused, actions,
                            ),
                            None => ui::run_panel::run_controls_ui(
                                ui,
                                self.run.as_ref().map(|(s, _)| s),
                                ready,
                                actions,
                            ),
                        }
                        ui.separator();
                        let available_memory = self.available_memory();
                        let context = ui::settings::SettingsContext {
                            devices: &self.devices,
                            data_problem,
                            folder_text: &mut self.folder_text,
                            cores: self.cores,
                            running: self.run.as_ref().is_some_and(|(r, _)| r.status.is_active()),
                            downloaded: &self.downloaded,
                            available_memory,
                            summary: self.check.complete(),
                        };
                        ui::settings::settings_ui(ui, &mut self.doc.preset, context, actions);
                    });
            });
    }
}

impl eframe::App for WorkbenchApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.waker.frame_started();
        let budget = Budget::new(DRAIN_BUDGET);
        self.poll(budget);
        if !budget.left() {
            // Events are left over: another frame takes them.
            ctx.request_repaint();
        }
        if ctx.input(|i| i.viewport().close_requested()) && self.doc.is_dirty() && !self.allow_close
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.pending = Some(Action::Quit);
        }
        self.update_title(ctx);
        self.frames += 1;
        self.train_if_opened(self.frames);
        if self.train_when_open.is_some() && self.frames < 3 {
            // Draw the first frames at once; after them, training starts (or waits for the
            // answer about unsaved changes, which comes with input and its own frame).
            ctx.request_repaint();
        }
        let training = self.is_running() || self.compare.as_ref().is_some_and(|q| !q.is_finished());
        if training {
            // Keep the ETA and progress moving even between events.
            ctx.request_repaint_after(waker::REPAINT_DELAY);
        }
        // Animations (scroll bars fading in as panels grow, folding headers) ask for a frame
        // per display refresh; while a run trains each of those frames is taken from it.
        let animation_time = if training {
            0.0
        } else {
            DEFAULT_ANIMATION_SECS
        };
        if ctx.global_style().animation_time != animation_time {
            ctx.all_styles_mut(|s| s.animation_time = animation_time);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if let Some(text) = self.session_text() {
            storage.set_string(persisted::STORAGE_KEY, text);
        }
    }
}
