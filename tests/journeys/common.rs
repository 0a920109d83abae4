//! The harness and what many journeys need: a window on a temporary workspace, a scripted
//! trainer, run folders made by a real tiny training run, menu clicks and typed paths.
use cnn_workbench::app::{Launcher, RunHandle, ScriptedRun, WorkbenchApp};
use cnn_workbench::engine::RunOptions;
use cnn_workbench::protocol::*;
use cnn_workbench::spec::{self, Preset};
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub type H = Harness<'static, WorkbenchApp>;

/// The window on a fresh temporary workspace, typed paths instead of file dialogs.
pub fn window(launcher: Launcher) -> (H, PathBuf) {
    let workspace = tempfile::tempdir().unwrap().keep();
    let ws = workspace.clone();
    let h = Harness::builder()
        .with_size([1600.0, 1000.0])
        .build_eframe(move |_cc| {
            let mut app = WorkbenchApp::with_launcher(launcher);
            app.native_dialogs = false;
            app.workspace = ws;
            app.cores = 2;
            app
        });
    (h, workspace)
}

pub fn no_runs() -> Launcher {
    Launcher::new(|_, _| Err("no trainer in this test".into()))
}

/// What a scripted launcher saw: each run's preset and options, and the commands sent to it.
#[derive(Clone, Default)]
pub struct Seen {
    pub runs: Arc<Mutex<Vec<(Preset, RunOptions)>>>,
    pub commands: Arc<Mutex<Vec<Command>>>,
}

/// A launcher replaying `events` (the first `take` of them) for every run it starts.
pub fn scripted(take: usize, stopped: bool) -> (Launcher, Seen) {
    let seen = Seen::default();
    let s = seen.clone();
    let launcher: Launcher = Launcher::new(move |p: Preset, o: RunOptions| {
        let mut events = scripted_events(o.run_dir.clone(), stopped);
        events.truncate(take);
        s.runs.lock().unwrap().push((p, o));
        Ok(Box::new(ScriptedRun {
            events: VecDeque::from(events),
            commands: s.commands.clone(),
        }) as Box<dyn RunHandle>)
    });
    (launcher, seen)
}

/// A two-epoch run of LeNet-5 as the trainer reports it.
pub fn scripted_events(run_dir: Option<PathBuf>, stopped: bool) -> Vec<Event> {
    let preset = cnn_workbench::app::library::default_preset();
    let summary = spec::infer(&preset.network).unwrap();
    let mut events = vec![Event::Started(StartInfo {
        device: "cpu".into(),
        summary,
        class_names: (0..10).map(|i| i.to_string()).collect(),
        train_images: 540,
        val_images: 60,
        test_images: 100,
        steps_per_epoch: 17,
        total_steps: 34,
        probed_layers: vec![(2, "ReLU".into())],
        run_dir,
        data_order: 0,
        threads: 2,
    })];
    for step in 1..=34usize {
        events.push(Event::Step(StepMetrics {
            step,
            epoch: (step - 1) / 17,
            loss: 2.3 / step as f32,
            accuracy: 0.1 + step as f32 / 50.0,
            learning_rate: 0.001,
            images_per_sec: 1000.0,
            elapsed_secs: step as f64 * 0.1,
        }));
        if step % 17 == 0 {
            events.push(Event::Epoch(EpochMetrics {
                epoch: step / 17,
                step,
                train_loss: 0.5,
                train_accuracy: 0.8,
                val_loss: 0.6,
                val_accuracy: 0.75,
                val_top5: None,
                duration_secs: 1.0,
            }));
        }
    }
    events.push(Event::Finished(FinishInfo {
        steps: 34,
        epochs: 2,
        test_loss: 0.4,
        test_accuracy: 0.91,
        test_top5: None,
        duration_secs: 3.4,
        train_images_per_sec: 1000.0,
        stopped,
        train_loop_secs: 0.0,
        trained_images: 0,
        checkpoint: None,
    }));
    events
}

/// Frames with the trainer's events drained in between.
pub fn drain(h: &mut H, frames: usize) {
    for _ in 0..frames {
        h.state_mut().poll(Duration::from_millis(20));
        h.run_steps(1);
    }
}

/// Polls until `done` holds (or fails after `secs`).
pub fn wait_until(h: &mut H, secs: u64, what: &str, done: impl Fn(&WorkbenchApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done(h.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        h.state_mut().poll(Duration::from_millis(5));
        h.run_steps(1);
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_steps(2);
}

/// Frames until the window settles (or a few, where a spinner keeps it repainting).
pub fn settle(h: &mut H) {
    if h.run_ok().is_none() {
        h.run_steps(2);
    }
}

/// Opens a menu of the menu bar (the topmost widget of that name: the settings have a "Run"
/// and a "Data" section too) and clicks one of its items: the widget of that name (its label
/// may end in its shortcut) that appeared when the menu opened.
pub fn menu(h: &mut H, menu: &str, item: &str) {
    settle(h);
    let with_key = format!("{item} ");
    let is_item = move |l: &str| {
        l == item
            || l.strip_prefix(&with_key)
                .is_some_and(|k| k.starts_with("Ctrl") || k == "Delete")
    };
    let before: Vec<_> = h
        .query_all_by(|n| n.label().is_some_and(|l| is_item(&l)))
        .map(|n| n.accesskit_node().id())
        .collect();
    h.get_all_by_label(menu)
        .min_by(|a, b| a.rect().top().total_cmp(&b.rect().top()))
        .unwrap()
        .click();
    settle(h);
    let new: Vec<_> = h
        .query_all_by(|n| n.label().is_some_and(|l| is_item(&l)))
        .filter(|n| !before.contains(&n.accesskit_node().id()))
        .collect();
    assert_eq!(new.len(), 1, "one item {item:?} in the {menu} menu");
    new[0].click();
    settle(h);
}

/// Types into the typed-path prompt (shown where no file dialog opens) and presses OK.
pub fn type_path(h: &mut H, field: &str, path: &Path) {
    settle(h);
    let f = h.get_by_label(field);
    f.focus();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label(field).type_text(&path.display().to_string());
    settle(h);
    h.get_by_label("OK").click();
    settle(h);
}

pub const RON_FIELD: &str = "Path of the .ron file:";
pub const CHECKPOINT_FIELD: &str = "Path of the .safetensors file or run folder:";

/// A finished LeNet-5 run folder, trained once per test binary on 600 built-in images.
fn template_run() -> &'static Path {
    static RUN: OnceLock<PathBuf> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep().join("template");
        let mut p = cnn_workbench::app::library::default_preset();
        p.data.synthetic_size = 600;
        p.training.epochs = 1;
        p.training.threads = 1;
        let events = cnn_workbench::launch::start(
            p,
            RunOptions {
                run_dir: Some(dir.clone()),
                ..Default::default()
            },
        )
        .unwrap()
        .wait();
        assert!(matches!(events.last(), Some(Event::Finished(_))));
        dir
    })
}

/// A copy of the template run in `workspace`'s run folders, named `name` in the History.
pub fn add_run(workspace: &Path, name: &str) -> PathBuf {
    let dir = workspace.join("runs").join(name);
    copy_dir(template_run(), &dir);
    cnn_workbench::runs::history::update_meta(&dir, name, &[]).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The History lists the workspace's runs (read on a background thread).
pub fn load_history(h: &mut H) {
    h.state_mut().refresh_history();
    h.state_mut().wait_for_history(Duration::from_secs(20));
    settle(h);
    show_history(h);
}

/// Clicks the History tab of the bottom panel.
pub fn show_history(h: &mut H) {
    h.get_by_role_and_label(egui::accesskit::Role::Button, "History")
        .click();
    settle(h);
}

/// Right-clicks a run of the History and picks an entry of its context menu.
pub fn run_menu(h: &mut H, run: &str, entry: &str) {
    load_history(h);
    h.get_by_label(run).click_secondary();
    settle(h);
    h.get_by_label(entry).click();
    settle(h);
}

/// A preset file with a recognisable name.
pub fn preset_file(dir: &Path, file: &str, name: &str) -> PathBuf {
    let mut p = cnn_workbench::app::library::default_preset();
    p.name = name.into();
    let path = dir.join(file);
    p.save(&path).unwrap();
    path
}

/// Waits for the inspector's thread to answer everything asked so far.
pub fn settle_inspector(h: &mut H) {
    wait_until(h, 60, "the inspector", |a| {
        a.inspector().is_some_and(|i| !i.busy())
    });
}

/// A file dropped on the window, as the windowing system hands it over.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// Drops `path` on the window.
pub fn drop_file(h: &mut H, path: PathBuf) {
    h.input_mut().dropped_files.push(Arc::new(Dropped(path)));
}
