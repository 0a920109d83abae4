#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! The History tab with many runs, driven like a user: typing a filter, clicking a column
//! heading, grouping by comparison. Only rows in view are drawn, so "visible" below means
//! "among the rows the list shows without scrolling".
use cnn_workbench::app::WorkbenchApp;
use cnn_workbench::protocol::*;
use cnn_workbench::runs::compare::{Comparison, ComparisonRun};
use cnn_workbench::runs::RunFolder;
use cnn_workbench::spec::{self, CompareSpec, Dimension, Preset};
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use std::path::Path;

/// A finished run folder with one epoch: `val` its validation and test accuracy.
fn write_run(ws: &Path, id: &str, meta: RunMeta, val: f32) {
    let p: Preset = cnn_workbench::app::library::default_preset();
    let mut f = RunFolder::create(&ws.join("runs").join(id), &p, &meta).unwrap();
    f.event(&Event::Started(StartInfo {
        device: "cpu".into(),
        summary: spec::infer(&p.network).unwrap(),
        class_names: (0..10).map(|i| i.to_string()).collect(),
        train_images: 100,
        val_images: 10,
        test_images: 10,
        steps_per_epoch: 10,
        total_steps: 10,
        probed_layers: vec![],
        run_dir: None,
        data_order: 0,
        threads: 1,
    }))
    .unwrap();
    f.event(&Event::Epoch(EpochMetrics {
        epoch: 1,
        step: 10,
        train_loss: 0.5,
        train_accuracy: val,
        val_loss: 0.5,
        val_accuracy: val,
        val_top5: None,
        duration_secs: 3.0,
    }))
    .unwrap();
    f.close(&Event::Finished(FinishInfo {
        steps: 10,
        epochs: 1,
        test_loss: 0.5,
        test_accuracy: val,
        test_top5: None,
        duration_secs: 3.0,
        train_images_per_sec: 1000.0,
        stopped: false,
        train_loop_secs: 3.0,
        trained_images: 100,
        checkpoint: None,
    }))
    .unwrap();
}

/// 40 "LeNet-5 sweep" runs (newest first: 20261130-0000SS with SS the run number) at 50–89%, and
/// "champion", the oldest and best at 99%; then a comparison of three "mish" runs.
fn workspace() -> std::path::PathBuf {
    let ws = tempfile::tempdir().unwrap().keep();
    for i in 0..40 {
        let meta = RunMeta {
            name: "LeNet-5 sweep".into(),
            tags: vec!["cli".into()],
            created: format!("20261130-0001{i:02}"),
            ..RunMeta::default()
        };
        write_run(&ws, &format!("lenet-5-{i}"), meta, 0.5 + i as f32 / 100.0);
    }
    let champion = RunMeta {
        name: "champion".into(),
        tags: vec!["best-so-far".into()],
        created: "20261129-000000".into(),
        ..RunMeta::default()
    };
    write_run(&ws, "champion", champion, 0.99);
    let mut runs = Vec::new();
    for seed in 0..3 {
        let id = format!("cmp-mish-s{seed}");
        let meta = RunMeta {
            name: id.clone(),
            comparison: Some("act".into()),
            variant: Some("mish".into()),
            seed,
            created: "20261128-000000".into(),
            ..RunMeta::default()
        };
        write_run(&ws, &id, meta, 0.7);
        runs.push(ComparisonRun {
            variant: "mish".into(),
            seed,
            run: id,
        });
    }
    Comparison {
        name: "LeNet-5: activation".into(),
        spec: CompareSpec {
            dimension: Dimension::Activation,
            values: vec!["mish".into()],
            seeds: 3,
            insert_norm: false,
            epochs: None,
        },
        created: "20261128-000000".into(),
        runs,
    }
    .save(&ws, "act")
    .unwrap();
    ws
}

fn harness(ws: std::path::PathBuf) -> Harness<'static, WorkbenchApp> {
    let mut h = Harness::builder()
        .with_size([1440.0, 900.0])
        .build_eframe(move |_cc| {
            let mut app = WorkbenchApp::with_launcher(cnn_workbench::app::Launcher::new(|_, _| {
                Err("no runs".into())
            }));
            app.native_dialogs = false;
            app.workspace = ws;
            app
        });
    h.run();
    h.state_mut()
        .wait_for_history(std::time::Duration::from_secs(30));
    assert_eq!(h.state().history.runs.len(), 44);
    h.get_by_label("History").click();
    h.run();
    h
}

fn type_filter(h: &mut Harness<WorkbenchApp>, text: &str) {
    let field = h.get_by_label("filter");
    field.focus();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("filter").type_text(text);
    h.run();
}

#[test]
fn the_filter_box_narrows_the_visible_rows_and_says_when_nothing_matches() {
    let mut h = harness(workspace());
    // Newest first: the latest LeNet-5 runs are in view, the old champion is not.
    assert!(h.query_all_by_label("LeNet-5 sweep").count() >= 3);
    assert!(h.query_by_label("champion").is_none());

    type_filter(&mut h, "best-so-far");
    h.get_by_label("champion");
    assert_eq!(h.query_all_by_label("LeNet-5 sweep").count(), 0);
    h.get_by_label("1 of 44 runs");

    // Metric filters: the five runs at 85–89% and the champion.
    type_filter(&mut h, "acc >= 0.85");
    h.get_by_label("6 of 44 runs");
    h.get_by_label("champion");
    assert_eq!(h.query_all_by_label("LeNet-5 sweep").count(), 5);
    type_filter(&mut h, "val > 95 sweep");
    h.get_by_label_contains("No run matches \"val > 95 sweep\"");
    type_filter(&mut h, "acc > lots");
    h.get_by_label_contains("\"acc>lots\": \"lots\" is not a number");
}

#[test]
fn clicking_a_heading_sorts_by_that_column_and_again_reverses() {
    let mut h = harness(workspace());
    assert!(h.query_by_label("champion").is_none());
    h.get_by_label("best val").click();
    h.run();
    // Best first: the champion (99%) is the first row.
    h.get_by_label("champion");
    h.get_by_label("best val v").click();
    h.run();
    assert!(h.query_by_label("champion").is_none());
    // Worst first: the 50% run is in view, the 89% one is not.
    h.get_by_label("50.0%");
    assert!(h.query_by_label("89.0%").is_none());
}

#[test]
fn a_comparison_is_one_row_that_opens_to_show_its_runs() {
    let mut h = harness(workspace());
    type_filter(&mut h, "mish");
    h.get_by_label("LeNet-5: activation");
    h.get_by_label("3 runs");
    assert!(h.query_by_label("mish · seed 0").is_none());
    h.get_by_label("3 runs").click();
    h.run();
    for seed in 0..3 {
        h.get_by_label(&format!("mish · seed {seed}"));
    }
    // Without grouping the runs are rows of their own.
    h.get_by_label("group by comparison").click();
    h.run();
    assert!(h.query_by_label("LeNet-5: activation").is_none());
    h.get_by_label("mish · seed 2");
}
