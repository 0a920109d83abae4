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
mod parts;
mod persisted;
mod view;
mod waker;
mod windows;

pub use about::window_icon;
pub use launch::trainer_launcher;
pub use parts::{History, Library};
pub use runs::handle::{Launcher, RunHandle, ScriptedRun};
pub use ui::Action;

use document::Document;
use parts::{FrameState, Training, Views};
use runs::compare::CompareQueue;
use runs::{Budget, RunState};
use std::path::PathBuf;
use std::time::Duration;
use view::{Effect, Env};
use windows::Windows;

/// Events drained per frame are bounded by time, so a chatty trainer never stalls the UI.
const DRAIN_BUDGET: Duration = Duration::from_millis(6);
/// egui's default animation time.
const DEFAULT_ANIMATION_SECS: f32 = 1.0 / 12.0;

pub struct WorkbenchApp {
    pub doc: Document,
    pub selected: Option<usize>,
    /// The network's shape inference, recomputed once per edit.
    pub check: ui::check::NetworkCheck,
    /// Where run folders go.
    pub workspace: PathBuf,
    /// An error to show (bad file, failed save…); the work is untouched.
    pub error: Option<String>,
    /// A message that is not an error (where an export went).
    pub notice: Option<String>,
    /// Use native file dialogs (off in tests: typed paths only).
    pub native_dialogs: bool,
    /// CPU cores (for the thread setting).
    pub cores: usize,
    /// The run shown in the plots, and how to talk to it (None for a run read from history).
    pub run: Option<(RunState, Option<Box<dyn RunHandle>>)>,
    /// The comparison being run or looked at.
    pub compare: Option<CompareQueue>,
    pub history: History,
    pub library: Library,
    training: Training,
    views: Views,
    windows: Windows,
    frame: FrameState,
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
        app.frame.repaint = Some(app.frame.waker.notify(cc.egui_ctx.clone()));
        app
    }

    /// The app with LeNet-5 on the built-in data and a given way to start runs.
    pub fn with_launcher(launcher: Launcher) -> WorkbenchApp {
        WorkbenchApp {
            doc: Document::new(library::default_preset(), None),
            selected: None,
            check: Default::default(),
            workspace: runs::default_workspace(),
            error: None,
            notice: None,
            native_dialogs: true,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            run: None,
            compare: None,
            history: History {
                stale: true,
                ..Default::default()
            },
            library: Library::new(),
            training: Training::new(launcher),
            views: Default::default(),
            windows: Default::default(),
            frame: Default::default(),
        }
    }

    /// The Learn window's state, when it is open.
    pub fn learn(&self) -> Option<&ui::learn::LearnState> {
        self.windows.learn.as_ref().map(|w| &w.state)
    }

    pub fn close_learn(&mut self) {
        self.windows.learn = None;
    }

    /// The inspector's state, when it is open.
    pub fn inspector(&self) -> Option<&ui::inspector::InspectorState> {
        self.windows.inspector.as_ref().map(|w| &w.state)
    }

    /// The program comparisons' worker processes run (default: this one).
    pub fn set_worker_bin(&mut self, bin: PathBuf) {
        self.training.worker_bin = bin;
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
        if title != self.frame.last_title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.frame.last_title = title;
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
                    let lib = &self.library;
                    ui::palette::library_ui(ui, &lib.bundled, &lib.recent, &mut actions);
                });
            });
        self.settings_panel_ui(ui, &ready, data_problem.as_deref(), &mut actions);
        egui::Panel::bottom("plots")
            .resizable(true)
            .min_size(240.0)
            .default_size(300.0)
            .show(ui, |ui| {
                let compare = self.compare.as_ref();
                let view = &mut self.views.compare;
                let following = self.history.watch.as_ref().map(|(_, w)| {
                    let mode = w.mode();
                    (
                        mode.describe(),
                        matches!(mode, runs::watch::WatchMode::Poll { .. }),
                    )
                });
                let acts = &mut actions;
                let lists = ui::history::HistoryLists {
                    runs: &self.history.runs,
                    comparisons: &self.history.comparisons,
                    generation: self.history.loader.generation(),
                    workspace: &self.workspace,
                    following: following.as_ref().map(|(t, p)| (t.as_str(), *p)),
                };
                let (history_view, selection) =
                    (&mut self.history.view, &mut self.history.selection);
                ui::plots::plots_ui(
                    ui,
                    self.run.as_ref().map(|(s, _)| s),
                    &mut self.views.plots,
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
        self.error_dialog_ui(&ctx);
        let effects = self.windows_ui(&ctx);
        self.notice_ui(&ctx);

        for a in actions {
            self.execute(a, &ctx);
        }
        for e in effects {
            self.apply(e, &ctx);
        }
        // What a save let through (the unsaved-changes question's Save), and so on.
        for _ in 0..4 {
            if self.frame.queued.is_empty() {
                break;
            }
            for a in std::mem::take(&mut self.frame.queued) {
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
    /// Draws the open dialogs and windows; returns what they ask for.
    fn windows_ui(&mut self, ctx: &egui::Context) -> Vec<Effect> {
        let env = Env {
            preset: &self.doc.preset,
            workspace: &self.workspace,
            devices: &self.training.devices,
            cuda_status: &self.training.cuda_status,
            native_dialogs: self.native_dialogs,
            waker: &self.frame.waker,
        };
        let mut effects = Vec::new();
        self.windows.show(ctx, &env, &mut effects);
        effects
    }

    /// Carries out what a window asked for, after the frame.
    fn apply(&mut self, effect: Effect, ctx: &egui::Context) {
        match effect {
            Effect::Do(action) => self.execute(action, ctx),
            Effect::Error(e) => self.error = Some(e),
            Effect::HistoryChanged => self.history.stale = true,
            Effect::SaveThen(action) => {
                self.frame.after_save = Some(action);
                self.execute(Action::Save, ctx);
            }
            Effect::DiscardThen(action) => {
                self.doc.mark_saved_in_place();
                self.execute(action, ctx);
            }
            Effect::ForgetSave => self.frame.after_save = None,
            Effect::UseDataset(name) => self.doc.edit(|p| {
                p.data.source = spec::DataSource::Downloaded { name };
                ui::data_panel::follow_data(p);
            }),
            Effect::Downloaded => self.library.downloaded = data_tools::downloaded(),
            Effect::Explain(e) => {
                let learn = &mut self
                    .windows
                    .learn
                    .get_or_insert_with(Default::default)
                    .state;
                learn.conv = ui::learn::ConvView::from_explained(*e);
                learn.tab = ui::learn::LearnTab::Convolution;
            }
            Effect::SetParallel(n) => self.training.compare_parallel = n,
            Effect::SetWorkers(w) => self.training.compare_workers = w,
        }
    }

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
                                self.run.as_ref().is_some_and(|(_, h)| h.is_some()),
                                ready,
                                actions,
                            ),
                        }
                        ui.separator();
                        let available_memory = self.available_memory();
                        let context = ui::settings::SettingsContext {
                            devices: &self.training.devices,
                            cuda_status: &self.training.cuda_status,
                            data_problem,
                            folder_text: &mut self.training.folder_text,
                            cores: self.cores,
                            running: self.run.as_ref().is_some_and(|(r, _)| r.status.is_active()),
                            downloaded: &self.library.downloaded,
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
        self.frame.waker.frame_started();
        let budget = Budget::new(DRAIN_BUDGET);
        self.poll(budget);
        if !budget.left() {
            // Events are left over: another frame takes them.
            ctx.request_repaint();
        }
        if ctx.input(|i| i.viewport().close_requested())
            && self.doc.is_dirty()
            && !self.frame.allow_close
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.ask_unsaved(Action::Quit);
        }
        self.update_title(ctx);
        self.frame.frames += 1;
        self.train_if_opened(self.frame.frames);
        if self.training.train_when_open.is_some() && self.frame.frames < 3 {
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

    fn ui(&mut self, ui: &mut egui::Ui, _: &mut eframe::Frame) {
        self.frame_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if let Some(text) = self.session_text() {
            storage.set_string(persisted::STORAGE_KEY, text);
        }
    }
}
