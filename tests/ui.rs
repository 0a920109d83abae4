#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! The window, driven like a person would with egui_kittest: palette clicks, keyboard
//! shortcuts, dialogs, a scripted trainer where training is not the point and a real tiny run
//! where it is, and a snapshot image of the main window.
use cnn_workbench::app::{Action, Launcher, RunHandle, ScriptedRun, WorkbenchApp};
use cnn_workbench::engine::tch;
use cnn_workbench::engine::RunOptions;
use cnn_workbench::protocol::*;
#[allow(unused_imports)]
use cnn_workbench::spec::layer::Padding;
use cnn_workbench::spec::layer::*;
use cnn_workbench::spec::{self, Activation, Preset};
use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};

fn harness_with(launcher: Launcher) -> Harness<'static, WorkbenchApp> {
    let workspace = tempfile::tempdir().unwrap().keep();
    Harness::builder()
        .with_size([1440.0, 900.0])
        .build_eframe(move |_cc| {
            let mut app = WorkbenchApp::with_launcher(launcher);
            app.native_dialogs = false;
            app.workspace = workspace;
            // The snapshot says "auto (2)" whatever machine the tests run on.
            app.cores = 2;
            app
        })
}

fn no_runs() -> Launcher {
    Launcher::new(|_, _| Err("no trainer in this test".into()))
}

fn layers(h: &Harness<WorkbenchApp>) -> Vec<Layer> {
    h.state().doc.preset.network.layers.clone()
}

#[test]
fn first_start_shows_lenet5_ready_to_train() {
    let mut h = harness_with(no_runs());
    h.run();
    h.get_by_label_contains("Total: 61,706 parameters");
    h.get_by_label_contains("1  Conv2d 6@5×5");
    h.get_by_label_contains("16×5×5");
    assert!(h.state_mut().ready().is_ok());
}

#[test]
fn adding_a_conv_from_the_palette_updates_the_shapes() {
    let mut h = harness_with(no_runs());
    h.run();
    h.get_by_label("3  MaxPool 2×2").click();
    h.run();
    h.get_by_label("Conv2d").click();
    h.run();
    let l = layers(&h);
    assert_eq!(l.len(), 13);
    assert!(matches!(
        l[3],
        Layer::Conv2d(Conv2d {
            out_channels: 16,
            kernel: 3,
            ..
        })
    ));
    assert_eq!(h.state().selected, Some(3));
    // The new card and the one after it show their new shapes and costs.
    h.get_by_label_contains("4  Conv2d 16@3×3");
    h.get_by_label_contains("16×14×14 · RF 10 j2 · 880 params");
    let s = spec::infer(&h.state().doc.preset.network).unwrap();
    assert_eq!(s.layers[4].params, 16 * 16 * 25 + 16);
}

#[test]
fn switching_the_network_activation_changes_every_activation_card() {
    let mut h = harness_with(no_runs());
    h.run();
    h.get_by_label("Activation (all layers)").click();
    h.run();
    h.get_by_label("Mish").click();
    h.run();
    assert_eq!(h.state().doc.preset.network.activation, Activation::Mish);
    for i in [2, 5, 9, 11] {
        h.get_by_label(&format!("{i}  Mish"));
    }
    assert!(h.query_by_label_contains("  ReLU").is_none());
}

#[test]
fn an_impossible_network_disables_train_and_says_why() {
    let mut h = harness_with(no_runs());
    h.run();
    h.get_by_label("7  Flatten").click();
    h.run();
    h.key_press(Key::Delete);
    h.run();
    assert_eq!(layers(&h).len(), 11);
    let reason = "layer 7 Linear: expects a flat input but gets 16×5×5 — add Flatten (or GlobalAvgPool) before it";
    h.get_by_label_contains(&format!("Cannot train: {reason}"));
    assert_eq!(h.state_mut().ready(), Err(reason.to_string()));
    h.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    h.run();
    assert!(h.state().run_state().is_none(), "Train must not start");
}

#[test]
fn undo_and_redo_every_edit() {
    let mut h = harness_with(no_runs());
    h.run();
    let original = layers(&h);
    h.get_by_label("Dropout").click();
    h.run();
    assert_eq!(layers(&h).len(), original.len() + 1);
    h.get_by_label("Activation (all layers)").click();
    h.run();
    h.get_by_label("ELU").click();
    h.run();
    assert!(matches!(
        h.state().doc.preset.network.activation,
        Activation::Elu { .. }
    ));
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert_eq!(h.state().doc.preset.network.activation, Activation::Relu);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert_eq!(layers(&h), original);
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.run();
    assert_eq!(layers(&h).len(), original.len() + 1);
    assert!(h.state().doc.is_dirty());
}

fn type_path(h: &mut Harness<WorkbenchApp>, path: &Path) {
    h.run();
    let field = h.get_by_label("Path of the .ron file:");
    field.focus();
    field.type_text(&path.display().to_string());
    h.run();
    h.get_by_label("OK").click();
    h.run();
}

#[test]
fn save_then_reopen_gives_the_same_network() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.ron");
    let mut h = harness_with(no_runs());
    h.run();
    h.get_by_label("Residual").click();
    h.run();
    let edited = h.state().doc.preset.clone();
    assert!(h.state().doc.title().ends_with("* — cnn-workbench"));
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::S);
    type_path(&mut h, &path);
    assert!(!h.state().doc.is_dirty());
    assert_eq!(Preset::load(&path).unwrap(), edited);

    // Change it, then open the saved file: asked first, the change is discarded.
    h.get_by_label("Flatten").click();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    type_path(&mut h, &path);
    h.get_by_label_contains("has changes that are not saved");
    h.get_by_label("Discard changes").click();
    h.run();
    assert_eq!(h.state().doc.preset, edited);
    assert!(!h.state().doc.is_dirty());
    assert_eq!(
        h.state().library.recent.first().and_then(|p| p.file_name()),
        Some("mine.ron".as_ref())
    );
}

#[test]
fn a_malformed_preset_shows_line_and_column_and_keeps_the_network() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.ron");
    std::fs::write(
        &path,
        "(\n    name: \"broken\",\n    network: (layers: [Conv2d(kernel: \"five\")]),\n)\n",
    )
    .unwrap();
    let mut h = harness_with(no_runs());
    h.run();
    let before = h.state().doc.preset.clone();
    h.state_mut()
        .execute(Action::OpenPath(path.clone()), &egui::Context::default());
    h.run();
    let error = h.state().error.clone().unwrap();
    assert!(error.contains("broken.ron:3:"), "{error}");
    h.get_by_label_contains("broken.ron:3:");
    h.get_by_label_contains("Your network and settings are unchanged.");
    assert_eq!(h.state().doc.preset, before);
    h.get_by_label("OK").click();
    h.run();
    assert!(h.state().error.is_none());
}

fn scripted_events() -> Vec<Event> {
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
        probed_layers: vec![(2, "ReLU".into()), (5, "ReLU".into())],
        run_dir: None,
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
        if step % 5 == 0 {
            let hist: Vec<f32> = (0..HIST_BINS)
                .map(|b| if b == 15 + step / 5 { 1.0 } else { 0.0 })
                .collect();
            events.push(Event::Probe(ProbeStats {
                step,
                layers: [2usize, 5]
                    .iter()
                    .map(|&layer| LayerStats {
                        layer,
                        label: "ReLU".into(),
                        histogram: hist.clone(),
                        bins: HistBins::SymLog,
                        beyond: 0.0,
                        dead_fraction: 0.25,
                        saturated_fraction: None,
                        mean: 0.5,
                        std: 1.0,
                    })
                    .collect(),
                grad_norms: vec![GradNorm {
                    layer: 1,
                    name: "01_conv2d".into(),
                    norm: 0.5,
                }],
            }));
        }
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
        stopped: false,
        train_loop_secs: 0.0,
        trained_images: 0,
        checkpoint: None,
    }));
    events
}

#[test]
fn a_scripted_run_fills_the_plots_and_the_status_line() {
    let commands = Arc::new(Mutex::new(Vec::new()));
    let cmds = commands.clone();
    let launcher: Launcher = Launcher::new(move |_p: Preset, _o: RunOptions| {
        Ok(Box::new(ScriptedRun {
            events: VecDeque::from(scripted_events()),
            commands: cmds.clone(),
        }) as Box<dyn RunHandle>)
    });
    let mut h = harness_with(launcher);
    h.run();
    h.get_by_label("Train").click();
    for _ in 0..20 {
        h.state_mut()
            .drain_events(std::time::Duration::from_millis(50));
        h.run_steps(2);
    }
    let run = h.state().run_state().unwrap();
    assert_eq!(run.train_loss.len(), 34);
    assert_eq!(run.val_accuracy.len(), 2);
    assert_eq!(run.layers[0].snapshots.len(), 6);
    h.get_by_label_contains("finished — test accuracy 91.00%");
    h.get_by_label("Activations").click();
    h.run_steps(2);
    h.get_by_label_contains("dead units 25.0%");
    h.get_by_label("Gradients").click();
    h.run_steps(2);
    h.get_by_label_contains("log10 of each");
}

#[test]
fn pause_and_stop_reach_the_trainer() {
    let commands = Arc::new(Mutex::new(Vec::new()));
    let cmds = commands.clone();
    let launcher: Launcher = Launcher::new(move |_p, _o| {
        let start = scripted_events().into_iter().take(3).collect();
        Ok(Box::new(ScriptedRun {
            events: start,
            commands: cmds.clone(),
        }) as Box<dyn RunHandle>)
    });
    let mut h = harness_with(launcher);
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    h.run_steps(2);
    h.state_mut()
        .drain_events(std::time::Duration::from_millis(50));
    h.run_steps(2);
    h.get_by_label("Pause").click();
    h.run_steps(2);
    h.get_by_label("Stop").click();
    h.run_steps(2);
    assert_eq!(
        *commands.lock().unwrap(),
        vec![Command::Pause, Command::Stop]
    );
}

#[test]
fn a_real_tiny_training_run_moves_the_plots() {
    let mut h = harness_with(cnn_workbench::launch::trainer_launcher());
    {
        let p = &mut h.state_mut().doc.preset;
        p.data.synthetic_size = 600;
        p.training.epochs = 1;
        p.training.threads = 1;
        p.training.probe_every_steps = 4;
    }
    h.run();
    h.get_by_label("Train").click();
    h.run_steps(1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        h.state_mut()
            .drain_events(std::time::Duration::from_millis(20));
        h.run_steps(1);
        let done = h.state().run_state().is_some_and(|r| !r.status.is_active());
        if done || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
    let run = h.state().run_state().unwrap();
    assert!(
        matches!(run.status, cnn_workbench::runs::RunStatus::Finished { .. }),
        "{:?}",
        run.status
    );
    assert!(!run.train_loss.is_empty());
    assert_eq!(run.val_accuracy.len(), 1);
    assert!(!run.layers.is_empty() && run.layers.iter().all(|l| !l.snapshots.is_empty()));
    assert!(!run.grad_norms.is_empty());
    h.get_by_label_contains("finished — test accuracy");
    let dir = run.start.as_ref().and_then(|s| s.run_dir.clone()).unwrap();
    assert!(dir.join("model.safetensors").is_file());
}

#[test]
fn the_main_window_matches_its_snapshot() {
    let mut h = harness_with(no_runs());
    h.run();
    h.snapshot("main_window");
}

#[test]
fn the_last_session_is_restored_with_its_unsaved_state() {
    let mut h = harness_with(no_runs());
    h.run();
    h.get_by_label("Residual").click();
    h.run();
    h.get_by_label("Activation (all layers)").click();
    h.run();
    h.get_by_label("Mish").click();
    h.run();
    let text = h.state().session_text().unwrap();
    let edited = h.state().doc.preset.clone();

    let mut again = harness_with(no_runs());
    again.state_mut().restore_session(&text);
    again.run();
    assert_eq!(again.state().doc.preset, edited);
    assert!(
        again.state().doc.is_dirty(),
        "unsaved changes stay marked as unsaved"
    );
    again.get_by_label("2  Mish");
    // Garbage in the store never stops the app from starting.
    let mut fresh = harness_with(no_runs());
    fresh.state_mut().restore_session("not ron at all");
    fresh.run();
    assert_eq!(fresh.state().doc.preset.name, "LeNet-5");
}

#[test]
fn dragging_a_card_reorders_the_network() {
    let mut h = harness_with(no_runs());
    h.run();
    // Drag layer 7 (Flatten) by its handle onto card 2: it lands above card 2.
    let handles = h.get_all_by_label("::").collect::<Vec<_>>();
    let from = handles[6].rect().center();
    let to = h.get_by_label("2  ReLU").rect().center();
    h.drag_at(from);
    h.run();
    for i in 1..=10 {
        let t = i as f32 / 10.0;
        h.hover_at(from + (to - from) * t);
        h.run();
    }
    h.drop_at(to);
    h.run();
    let l = layers(&h);
    assert!(matches!(l[1], Layer::Flatten), "{:?}", &l[..3]);
    // Undo brings the order back.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert!(matches!(layers(&h)[6], Layer::Flatten));
}

#[test]
fn a_comparison_fills_the_overlay_and_the_summary_table() {
    let launcher: Launcher = Launcher::new(move |p: Preset, _o: RunOptions| {
        // Each variant finishes with an accuracy that depends on its activation.
        let acc = match p.network.activation {
            Activation::Mish => 0.95,
            _ => 0.90,
        };
        let mut events = scripted_events();
        if let Some(Event::Finished(f)) = events.last_mut() {
            f.test_accuracy = acc;
        }
        for e in &mut events {
            if let Event::Epoch(m) = e {
                m.val_accuracy = acc - 0.01 * (p.training.seed % 2) as f32;
            }
        }
        Ok(Box::new(ScriptedRun {
            events: VecDeque::from(events),
            commands: Default::default(),
        }) as Box<dyn RunHandle>)
    });
    let mut h = harness_with(launcher);
    h.run();
    h.get_by_label("Compare…").click();
    h.run();
    h.get_by_label_contains("5 variants × 3 seeds = 15 runs");
    let values = h.get_by_label("values");
    values.focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("values").type_text("relu, mish");
    h.run();
    h.get_by_label_contains("2 variants × 3 seeds = 6 runs");
    h.get_by_label("Start comparison").click();
    for _ in 0..400 {
        h.state_mut().poll(std::time::Duration::from_millis(5));
        h.run_steps(1);
        if h.state().compare.as_ref().is_some_and(|q| q.is_finished()) {
            break;
        }
    }
    let q = h.state().compare.as_ref().unwrap();
    assert!(q.is_finished());
    assert_eq!(q.done(), 6);
    h.run_steps(2);
    h.get_by_label_contains("6 of 6 runs done");
    // The table: mish first when sorted by best validation accuracy, with mean ± std.
    h.get_by_label("best val %").click();
    h.run_steps(2);
    // Best and final validation accuracy agree here (the same value each epoch).
    assert_eq!(h.get_all_by_label("94.67 ± 0.58").count(), 2);
    assert_eq!(h.get_all_by_label("89.67 ± 0.58").count(), 2);
    // Each variant is in the overlay's legend and in the table.
    for v in ["relu", "mish"] {
        assert!(h.get_all_by_label(v).count() >= 2, "{v}");
    }
    // The history lists the comparison and its six runs.
    assert_eq!(h.state().history.comparisons.len(), 1);
    assert_eq!(
        h.state().history.runs.len(),
        0,
        "scripted runs write no folders"
    );
}

#[test]
fn the_inspector_opens_a_checkpoint_and_shows_every_panel() {
    // A LeNet-5 trained briefly on the built-in data, as a run folder.
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let mut p = cnn_workbench::app::library::default_preset();
    p.data.synthetic_size = 600;
    p.training.epochs = 1;
    let events = cnn_workbench::launch::start(
        p,
        RunOptions {
            run_dir: Some(run.clone()),
            ..Default::default()
        },
    )
    .unwrap()
    .wait();
    assert!(matches!(events.last(), Some(Event::Finished(_))));

    let mut h = harness_with(no_runs());
    h.run();
    // File → Open Checkpoint… asks for a path when there is no file dialog.
    h.get_by_label("File").click();
    h.run();
    h.get_by_label_contains("Open Checkpoint").click();
    h.run();
    let field = h.get_by_label("Path of the .safetensors file or run folder:");
    field.focus();
    field.type_text(&run.join("model.safetensors").display().to_string());
    h.run();
    h.get_by_label("OK").click();
    let settle = |h: &mut Harness<WorkbenchApp>| {
        for _ in 0..1500 {
            h.state_mut().poll(std::time::Duration::from_millis(5));
            h.run_steps(1);
            if h.state().inspector().is_some_and(|i| !i.busy()) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    };
    settle(&mut h);
    h.get_by_label_contains("layer 1 Conv2d 6@5×5 — 6 filters of 1×5×5");
    h.get_by_label("Feature maps").click();
    settle(&mut h);
    h.get_by_label_contains("prediction:");
    h.get_by_label_contains("layer 5 ReLU — 16 maps");
    h.get_by_label("Confusion matrix").click();
    settle(&mut h);
    h.get_by_label_contains("test accuracy");
    h.get_by_label_contains("true ring -> predicted ring")
        .click();
    settle(&mut h);
    h.get_by_label_contains("true ring -> predicted ring (");
    assert!(!h.state().inspector().unwrap().a.cell_images.is_empty());
    // Test-time averaging on the thread's own test images: the single-view accuracy equals
    // the confusion matrix's.
    h.get_by_label("Evaluate").click();
    settle(&mut h);
    let (acc, averaged) = {
        let a = &h.state().inspector().unwrap().a;
        let r = a.averaged.clone().unwrap().unwrap();
        (a.confusion.as_ref().unwrap().accuracy, r.members[0].1)
    };
    assert!((acc - averaged).abs() < 1e-6, "{acc} vs {averaged}");
    h.get_by_label_contains("— single view");
    h.get_by_label("Saliency").click();
    settle(&mut h);
    h.get_by_label_contains("Grad-CAM at layer 5 (10×10)");
    h.get_by_label("Side by side").click();
    settle(&mut h);
    h.get_by_label_contains("Open a second checkpoint");
}

#[test]
fn a_mismatched_checkpoint_is_refused_with_the_mismatch_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = cnn_workbench::app::library::default_preset();
    let model = cnn_workbench::engine::Model::build(&p.network, tch::Device::Cpu, 1).unwrap();
    let path = cnn_workbench::engine::checkpoint::save(dir.path(), "model", &p, &model).unwrap();
    // The preset beside it now describes a different first layer.
    let mut other = p.clone();
    other.network.layers[0] = Layer::Conv2d(Conv2d {
        out_channels: 8,
        kernel: 5,
        padding: Padding::Pixels(2),
        ..Conv2d::default()
    });
    other.save(&dir.path().join("preset.ron")).unwrap();
    let mut h = harness_with(no_runs());
    h.run();
    let before = h.state().doc.preset.clone();
    h.state_mut()
        .execute(Action::InspectCheckpoint(path), &egui::Context::default());
    for _ in 0..1500 {
        h.state_mut().poll(std::time::Duration::from_millis(5));
        h.run_steps(1);
        if h.state().inspector().is_some_and(|i| i.a.error.is_some()) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    h.get_by_label_contains(
        "01_conv2d.weight has shape [6, 1, 5, 5] but the network needs [8, 1, 5, 5]",
    );
    assert_eq!(h.state().doc.preset, before, "nothing else changes");
}

#[test]
fn dragging_a_layer_from_the_palette_inserts_it_where_dropped() {
    let mut h = harness_with(no_runs());
    h.run();
    let from = h.get_by_label("BatchNorm").rect().center();
    let to = h.get_by_label("3  MaxPool 2×2").rect().center();
    h.drag_at(from);
    h.run();
    for i in 1..=10 {
        let t = i as f32 / 10.0;
        h.hover_at(from + (to - from) * t);
        h.run();
    }
    h.drop_at(to);
    h.run();
    let l = layers(&h);
    assert_eq!(l.len(), 13);
    assert!(
        matches!(
            l[2],
            Layer::Norm(NormLayer {
                kind: Some(Norm::Batch)
            })
        ),
        "{:?}",
        &l[..4]
    );
    h.get_by_label("3  BatchNorm");
}

/// A launcher that counts the runs it starts and replays the scripted events.
fn counting_launcher(started: Arc<Mutex<Vec<String>>>) -> Launcher {
    Launcher::new(move |p: Preset, _o: RunOptions| {
        started.lock().unwrap().push(p.name.clone());
        Ok(Box::new(ScriptedRun {
            events: VecDeque::from(scripted_events()),
            commands: Default::default(),
        }) as Box<dyn RunHandle>)
    })
}

#[test]
fn a_preset_given_on_the_command_line_opens_and_trains_after_the_first_frames() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("given.ron");
    let mut p = cnn_workbench::app::library::default_preset();
    p.name = "Given on the command line".into();
    p.save(&path).unwrap();
    let started = Arc::new(Mutex::new(Vec::new()));
    let mut h = harness_with(counting_launcher(started.clone()));
    h.state_mut()
        .open_from_command_line(path.clone(), true, &egui::Context::default());
    assert_eq!(h.state().doc.path.as_deref(), Some(path.as_path()));
    // Training waits until the window has drawn (the renderer's start-up is not training's).
    assert!(started.lock().unwrap().is_empty());
    h.run_steps(4);
    assert_eq!(*started.lock().unwrap(), vec![p.name.clone()]);
    for _ in 0..10 {
        h.state_mut()
            .drain_events(std::time::Duration::from_millis(50));
        h.run_steps(2);
    }
    // The thread count the run uses is on screen.
    h.get_by_label_contains("cpu · 2 threads");
    // Only once.
    h.run_steps(4);
    assert_eq!(started.lock().unwrap().len(), 1);
}

#[test]
fn a_command_line_preset_asks_before_replacing_unsaved_work_and_cancel_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("given.ron");
    cnn_workbench::app::library::default_preset()
        .save(&path)
        .unwrap();
    let started = Arc::new(Mutex::new(Vec::new()));
    let mut h = harness_with(counting_launcher(started.clone()));
    h.run();
    h.get_by_label("Residual").click();
    h.run();
    let edited = h.state().doc.preset.clone();
    h.state_mut()
        .open_from_command_line(path, true, &egui::Context::default());
    h.run();
    h.get_by_label_contains("has changes that are not saved");
    h.get_by_label("Cancel").click();
    h.run_steps(5);
    assert_eq!(h.state().doc.preset, edited, "the unsaved work stays");
    assert!(started.lock().unwrap().is_empty(), "nothing trains");
}

#[test]
fn the_compare_dialog_refuses_variants_that_change_nothing_and_offers_the_norm_insertion() {
    use egui_kittest::kittest::NodeT;
    let mut h = harness_with(no_runs());
    h.run();
    h.get_by_label("Compare…").click();
    h.run();
    h.get_by_label("vary").click();
    h.run();
    h.get_by_label("normalization").click();
    h.run();
    // LeNet-5 has no normalization layers: off, batch, layer and group are one network.
    h.get_by_label_contains("LeNet-5 has no normalization layers");
    assert!(h
        .get_by_label("Start comparison")
        .accesskit_node()
        .is_disabled());
    h.get_by_label("insert a Norm layer after each convolution")
        .click();
    h.run();
    h.get_by_label_contains("4 variants × 3 seeds = 12 runs");
    assert!(!h
        .get_by_label("Start comparison")
        .accesskit_node()
        .is_disabled());
    // What each variant changes is listed (the inserted Norm layers and their kind).
    h.get_by_label_contains("What each variant changes");
}

#[test]
fn a_cifar_folder_is_chosen_and_the_dataset_view_shows_its_classes() {
    // A small CIFAR-10 binary folder: 4 images per batch, labels i mod 10.
    let dir = tempfile::tempdir().unwrap();
    let record = |i: usize| -> Vec<u8> {
        std::iter::once((i % 10) as u8)
            .chain((0..3072).map(move |j| ((i * 5 + j) % 256) as u8))
            .collect()
    };
    for b in 1..=5usize {
        let data: Vec<u8> = (0..4).flat_map(|i| record(b * 4 + i)).collect();
        std::fs::write(dir.path().join(format!("data_batch_{b}.bin")), data).unwrap();
    }
    let test: Vec<u8> = (0..5).flat_map(record).collect();
    std::fs::write(dir.path().join("test_batch.bin"), test).unwrap();
    std::fs::write(
        dir.path().join("batches.meta.txt"),
        "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n",
    )
    .unwrap();

    let mut h = harness_with(no_runs());
    h.run();
    h.get_by_label("CIFAR-10/100 folder").click();
    h.run();
    // The network's input follows the data; no folder yet, so Train says why.
    let input = h.state().doc.preset.network.input;
    assert_eq!((input.channels, input.height, input.width), (3, 32, 32));
    assert!(h.state_mut().ready().is_err());
    h.state_mut().doc.preset.data.source = spec::DataSource::Cifar {
        folder: dir.path().into(),
    };
    h.run();
    assert_eq!(h.state_mut().ready(), Ok(()));
    h.get_by_label("View dataset…").click();
    for _ in 0..1500 {
        h.run_steps(1);
        if h.query_by_label_contains("20 training and 5 test images")
            .is_some()
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    h.get_by_label_contains("10 classes · 20 training and 5 test images · 3×32×32");
    h.get_by_label_contains("1: automobile — 2 train, 1 test");
    h.get_by_label_contains("channel mean ± std:");

    // Download… opens its window, naming the cache folder; closing it changes nothing.
    h.get_by_label("Download…").click();
    h.run();
    h.get_by_label_contains("each file's MD5 is checked");
    h.get_by_label_contains(&cnn_workbench::fetch::cache_dir().display().to_string());
}

#[test]
fn the_zoo_lists_the_full_size_networks_and_opens_one() {
    let mut h = harness_with(no_runs());
    h.run();
    h.get_by_label("Zoo…").click();
    h.run();
    h.run();
    h.get_by_label_contains("25,557,032");
    h.get_by_label("ResNet-18").click();
    h.run();
    assert_eq!(h.state().doc.preset.name, "ResNet-18");
    let s = spec::infer(&h.state().doc.preset.network).unwrap();
    assert_eq!(s.total_params, 11_689_512);
    // The training panel estimates memory for the preset's batch of 256.
    h.run();
    h.get_by_label_contains("GiB");
}

#[test]
fn file_export_writes_a_pytorch_project_and_asks_before_replacing_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lenet-export");
    let mut h = harness_with(no_runs());
    h.run();
    h.get_by_label("File").click();
    h.run();
    h.get_by_label_contains("Export to PyTorch").click();
    h.run();
    let field = h.get_by_label("Export into folder:");
    field.focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("Export into folder:")
        .type_text(&out.display().to_string());
    h.run();
    h.get_by_label("Export").click();
    // Written on its own thread: wait for the report.
    for _ in 0..200 {
        h.step();
        if h.query_by_label_contains("Exported into").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    h.get_by_label_contains("Exported into");
    let model = std::fs::read_to_string(out.join("model.py")).unwrap();
    assert!(
        model.contains("(\"01_conv2d\", conv(1, 6, (5, 5)"),
        "{model}"
    );
    assert!(out.join("train.py").is_file());

    // Again into the same folder: asked first; Cancel keeps it as it is.
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    h.get_by_label("Export").click();
    h.run();
    h.get_by_label_contains("exists. Replace it?");
    h.get_by_label("Cancel").click();
    h.run();
    assert!(out.join("notes.txt").is_file());
    h.get_by_label("Export").click();
    h.run();
    h.get_by_label("Replace").click();
    for _ in 0..200 {
        h.step();
        if !out.join("notes.txt").exists() && out.join("model.py").is_file() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(!out.join("notes.txt").exists() && out.join("model.py").is_file());
}

#[test]
fn the_convolution_explorer_follows_edits_of_the_image_and_the_stride() {
    let mut h = harness_with(no_runs());
    h.run();
    h.get_by_label("Learn").click();
    h.run();
    // The menu's item (the palette has a "Convolution" group too).
    h.get_all_by_label("Convolution").next().unwrap().click();
    h.run();
    // The lecture's example: Filter 1's first output is 3.
    h.get_by_label("output 1 1,1 = 3");
    h.get_by_label("output 2 4,4 = 3");
    h.get_by_label_contains("1·1 + 0·(−1) + 0·(−1)");
    // Edit the image's top-left 1 into a 0: Filter 1's first value drops to 2.
    let cell = h.get_by_label("image c1 1,1");
    cell.click();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("image c1 1,1").type_text("0");
    h.key_press(Key::Enter);
    h.run();
    h.get_by_label("output 1 1,1 = 2");
    // Stride 2: the output shrinks to 2×2.
    let stride = h.get_by_label("stride s");
    stride.click();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("stride s").type_text("2");
    h.key_press(Key::Enter);
    h.run();
    h.get_by_label("output 1 2,2 = 0");
    assert!(h.query_by_label("output 1 3,3 = 0").is_none());
    h.get_by_label_contains("/ 2) + 1 = 2");
    // Pooling: the lecture's grid, max pooling.
    // The Learn window's tab (the palette has a "Pooling" group too).
    h.get_all_by_label("Pooling").last().unwrap().click();
    h.run();
    h.get_by_label("max output 2,1 = 10");
    h.get_by_label("average output 1,1 = 2.5");
    // The other labs draw (every glyph available) and the backprop view gets autograd's
    // column from the app.
    h.get_all_by_label("Activations").last().unwrap().click();
    h.run();
    h.get_by_label_contains("x·tanh(ln(1 + e^x))");
    h.get_by_label("Backprop").click();
    h.run();
    h.run();
    let learn = h.state().learn().unwrap();
    assert!(learn.backprop.autograd.is_some());
    h.get_by_label("g(logit 0)");
    h.get_all_by_label("Normalization").last().unwrap().click();
    h.run();
    h.get_all_by_label("LayerNorm").last().unwrap().click();
    h.run();
    h.get_by_label_contains("averages over C, H, W");
}

#[test]
fn a_frozen_tick_on_a_card_freezes_that_layer_for_fine_tuning() {
    let mut h = harness_with(no_runs());
    h.run();
    // LeNet-5's first card is its first convolution.
    h.get_all_by_label("frozen").next().unwrap().click();
    h.run();
    assert_eq!(h.state().doc.preset.training.freeze, vec![1]);
    h.get_by_label_contains("frozen layers: [1]");
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert!(h.state().doc.preset.training.freeze.is_empty());
}

#[test]
fn a_stopped_run_offers_resume_which_continues_in_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("runs/r1");
    std::fs::create_dir_all(&run_dir).unwrap();
    cnn_workbench::app::library::default_preset()
        .save(&run_dir.join("preset.ron"))
        .unwrap();
    // The scripted run ends stopped, in `run_dir`.
    let mut events = scripted_events();
    if let Some(Event::Started(s)) = events.first_mut() {
        s.run_dir = Some(run_dir.clone());
    }
    if let Some(Event::Finished(f)) = events.last_mut() {
        f.stopped = true;
    }
    let launched: Arc<Mutex<Vec<RunOptions>>> = Arc::new(Mutex::new(Vec::new()));
    let seen = launched.clone();
    let launcher: Launcher = Launcher::new(move |_p: Preset, o: RunOptions| {
        seen.lock().unwrap().push(o);
        Ok(Box::new(ScriptedRun {
            events: VecDeque::from(events.clone()),
            commands: Arc::new(Mutex::new(Vec::new())),
        }) as Box<dyn RunHandle>)
    });
    let mut h = harness_with(launcher);
    h.run();
    h.get_by_label("Train").click();
    for _ in 0..20 {
        h.state_mut()
            .drain_events(std::time::Duration::from_millis(50));
        h.run_steps(2);
    }
    h.get_by_label("Resume run").click();
    h.run();
    let opts = launched.lock().unwrap();
    assert_eq!(opts.len(), 2);
    assert!(opts[1].resume);
    assert_eq!(opts[1].run_dir.as_deref(), Some(run_dir.as_path()));
}

#[test]
fn shape_inference_runs_once_per_edit_not_once_per_frame() {
    let mut h = harness_with(no_runs());
    h.run();
    let first = h.state().check.computed;
    assert_eq!(first, 1, "once for the whole first frames");
    h.run_steps(20);
    assert_eq!(h.state().check.computed, first, "no edit, no inference");
    h.get_by_label("Dropout").click();
    h.run();
    assert_eq!(h.state().check.computed, first + 1);
    // Undo is an edit too; the editor shows the restored network's numbers at once.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert_eq!(h.state().check.computed, first + 2);
    h.get_by_label_contains("Total: 61,706 parameters");
}
