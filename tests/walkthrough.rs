#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! What a new user's walk through the window found (issue 20), driven like that user: a click
//! on a card's body, Browse… without a file dialog, the Compare dialog's epochs, the run panel
//! during a comparison and while paused, and the step a checkpoint is named after.
use cnn_workbench::app::{Launcher, RunHandle, WorkbenchApp};
use cnn_workbench::engine::RunOptions;
use cnn_workbench::protocol::*;
use cnn_workbench::spec::layer::Layer;
use cnn_workbench::spec::{self, Preset};
use egui::{Key, Modifiers};
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn harness_with(launcher: Launcher) -> Harness<'static, WorkbenchApp> {
    let workspace = tempfile::tempdir().unwrap().keep();
    Harness::builder()
        .with_size([1440.0, 900.0])
        .build_eframe(move |_cc| {
            let mut app = WorkbenchApp::with_launcher(launcher);
            app.native_dialogs = false;
            app.workspace = workspace;
            app.cores = 2;
            app
        })
}

fn no_runs() -> Launcher {
    Launcher::new(|_, _| Err("no trainer in this test".into()))
}

/// A run that answers Pause and Resume as the trainer does, and otherwise plays `events`.
struct Obedient {
    events: VecDeque<Event>,
}

impl RunHandle for Obedient {
    fn poll(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
    fn send(&mut self, cmd: Command) {
        match cmd {
            Command::Pause => self.events.push_back(Event::Paused { step: 3 }),
            Command::Resume => self.events.push_back(Event::Resumed { step: 3 }),
            _ => {}
        }
    }
}

/// Started and three steps of LeNet-5, and no end: a run in progress.
fn running() -> VecDeque<Event> {
    let preset = cnn_workbench::app::library::default_preset();
    let mut events = vec![Event::Started(StartInfo {
        device: "cpu".into(),
        summary: spec::infer(&preset.network).unwrap(),
        class_names: (0..10).map(|i| i.to_string()).collect(),
        train_images: 540,
        val_images: 60,
        test_images: 100,
        steps_per_epoch: 17,
        total_steps: 34,
        probed_layers: vec![],
        run_dir: None,
        data_order: 0,
        threads: 2,
    })];
    events.extend((1..=3).map(|step| {
        Event::Step(StepMetrics {
            step,
            epoch: 0,
            loss: 2.0,
            accuracy: 0.2,
            learning_rate: 0.001,
            images_per_sec: 1000.0,
            elapsed_secs: step as f64 * 0.1,
        })
    }));
    events.into()
}

fn layers(h: &Harness<WorkbenchApp>) -> Vec<Layer> {
    h.state().doc.preset.network.layers.clone()
}

#[test]
fn a_click_on_a_cards_body_selects_it_and_the_palette_inserts_after_it() {
    let mut h = harness_with(no_runs());
    h.run();
    // The Flatten card's body (its "no parameters" line), not its title.
    h.get_by_label("no parameters").click();
    h.run();
    assert_eq!(h.state().selected, Some(6));
    h.get_by_label("Dropout").click();
    h.run();
    let l = layers(&h);
    assert!(matches!(l[6], Layer::Flatten));
    assert!(matches!(l[7], Layer::Dropout(_)), "{:?}", l[7]);
    assert_eq!(h.state().selected, Some(7));
}

#[test]
fn layers_inserted_below_the_visible_cards_are_scrolled_into_view() {
    let mut h = harness_with(no_runs());
    h.run();
    h.get_by_label("12  Linear 10").click();
    h.run();
    for n in 13..=22 {
        h.get_by_label("Dropout").click();
        // Until the scrolling animation ends.
        h.run();
        let title = format!("{n}  Dropout 0.5");
        let r = h.get_by_label(&title).rect();
        assert!(
            r.min.y >= 0.0 && r.max.y <= 900.0,
            "card {n} is at {r:?}, outside the window"
        );
    }
}

#[test]
fn browse_without_a_file_dialog_points_to_the_typed_path() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("typed");
    let mut h = harness_with(no_runs());
    h.run();
    h.get_by_label("File").click();
    h.run();
    h.get_by_label_contains("Export to PyTorch").click();
    h.run();
    let y = h.get_by_label("Export into folder:").rect().center().y;
    h.get_all_by_label("Browse…")
        .find(|b| (b.rect().center().y - y).abs() < 12.0)
        .unwrap()
        .click();
    h.run();
    h.get_by_label("No file dialog opened — type the path here.");
    // The field has the focus: typing goes into it without clicking it first.
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("Export into folder:")
        .type_text(&out.display().to_string());
    h.run();
    assert_eq!(
        h.get_by_label("Export into folder:").value().as_deref(),
        Some(out.display().to_string().as_str())
    );
}

#[test]
fn the_compare_dialog_sets_the_epochs_names_each_change_and_stays_put() {
    let started: Arc<Mutex<Vec<Preset>>> = Default::default();
    let seen = started.clone();
    let launcher: Launcher = Launcher::new(move |p: Preset, _o: RunOptions| {
        seen.lock().unwrap().push(p);
        Ok(Box::new(Obedient { events: running() }) as Box<dyn RunHandle>)
    });
    let mut h = harness_with(launcher);
    h.run();
    h.get_by_label("Compare…").click();
    h.run();
    h.run();
    let top = h.get_by_label("Compare variants").rect().min;
    // The training panel's epochs to start with.
    let epochs = h.get_by_label("epochs per run");
    assert_eq!(epochs.accesskit_node().numeric_value(), Some(3.0));
    epochs.click();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("epochs per run").type_text("2");
    h.key_press(Key::Enter);
    h.run();
    h.get_by_label("values").focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("values").type_text("relu, gelu");
    h.run();
    h.get_by_label_contains("2 variants × 3 seeds = 6 runs");
    // Each variant names the value it sets; the first is the network as it is.
    h.get_by_label("activation: ReLU -> GELU");
    h.get_by_label("nothing: this is the network as it is");
    // Shorter content, same place.
    assert_eq!(h.get_by_label("Compare variants").rect().min, top);
    h.get_by_label("Start comparison").click();
    for _ in 0..10 {
        h.state_mut().poll(Duration::from_millis(5));
        h.run_steps(1);
    }
    let presets = started.lock().unwrap().clone();
    assert!(!presets.is_empty());
    assert!(presets.iter().all(|p| p.training.epochs == 2));
    // The run panel shows the comparison's run, not the last single run.
    h.get_by_label("Comparison: run 1 of 6");
    h.get_by_label_contains("epoch 1/2 · step 3/34");
}

#[test]
fn pause_becoming_resume_keeps_the_buttons_and_the_panel_in_place() {
    let launcher: Launcher =
        Launcher::new(|_p, _o| Ok(Box::new(Obedient { events: running() }) as Box<dyn RunHandle>));
    let mut h = harness_with(launcher);
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    h.run_steps(2);
    h.state_mut().drain_events(Duration::from_millis(50));
    h.run_steps(2);
    let pause = h.get_by_label("Pause").rect();
    let stop = h.get_by_label("Stop").rect();
    h.get_by_label("Pause").click();
    h.run_steps(2);
    h.state_mut().drain_events(Duration::from_millis(50));
    h.run_steps(3);
    let resume = h.get_by_label("Resume").rect();
    assert_eq!(resume, pause);
    assert_eq!(h.get_by_label("Stop").rect(), stop);
}

#[test]
fn a_checkpoint_saved_mid_run_is_named_after_the_step_the_window_shows() {
    let mut p = cnn_workbench::spec::library::bundled("lenet5.ron").unwrap();
    p.data.synthetic_size = 600;
    p.training.epochs = 50;
    p.training.threads = 1;
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("run");
    let mut t = cnn_workbench::launch::start(
        p,
        RunOptions {
            run_dir: Some(run_dir),
            // Step events are throttled: none would be due before the checkpoint.
            step_interval: Duration::from_secs(3600),
            ..RunOptions::default()
        },
    )
    .unwrap();
    let mut last_step = None;
    let mut asked = false;
    let saved = loop {
        match t.recv() {
            Some(Event::Started(_)) => {}
            Some(Event::Step(m)) => last_step = Some(m.step),
            // The one asked for (an epoch's end may save best.safetensors first).
            Some(Event::CheckpointSaved { path, step })
                if path.to_string_lossy().contains("step-") =>
            {
                break (path, step)
            }
            Some(e) if e.is_terminal() => panic!("ended before the checkpoint: {e:?}"),
            Some(_) => {}
            None => panic!("the trainer went away"),
        }
        if !asked {
            std::thread::sleep(Duration::from_millis(300));
            t.send(Command::SaveCheckpoint(None));
            asked = true;
        }
    };
    t.send(Command::Stop);
    while t.recv().is_some() {}
    let (path, step) = saved;
    assert!(step > 0);
    assert_eq!(
        last_step,
        Some(step),
        "the last step shown before the checkpoint"
    );
    assert!(
        path.ends_with(format!("step-{step}.safetensors")),
        "{path:?}"
    );
}
