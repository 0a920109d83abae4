//! The History: refresh, open a run or a comparison, its context menu (inspect, resume,
//! export, rename, delete), ticked runs (export CSV, diff).
use crate::common::*;
use egui::{Key, Modifiers};
use egui_kittest::kittest::{NodeT, Queryable};

#[test]
fn journey_refresh_history() {
    let (mut h, ws) = window(no_runs());
    load_history(&mut h);
    assert!(h.state().history.runs.is_empty());
    // A run written by another process appears after Refresh.
    add_run(&ws, "written-elsewhere");
    h.get_by_label("Refresh").click();
    // The click starts a scan in the next frame; the lists are replaced when it ends.
    h.run();
    h.state_mut()
        .wait_for_history(std::time::Duration::from_secs(20));
    h.run();
    assert_eq!(h.state().history.runs.len(), 1);
    h.get_by_label_contains("written-elsewhere");
}

#[test]
fn journey_open_run() {
    let (mut h, ws) = window(no_runs());
    add_run(&ws, "run-to-open");
    load_history(&mut h);
    h.get_by_label("run-to-open").click();
    h.run();
    let run = h.state().run_state().unwrap();
    assert!(!run.train_loss.is_empty(), "its curves are read back");
    h.get_by_label_contains("finished — test accuracy");
}

#[test]
fn journey_open_comparison() {
    let (launcher, _) = scripted(usize::MAX, false);
    let (mut h, _) = window(launcher);
    h.run();
    h.get_by_label("Compare…").click();
    h.run();
    let values = h.get_by_label("values");
    values.focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("values").type_text("relu, gelu");
    h.run();
    h.get_by_label("Start comparison").click();
    wait_until(&mut h, 30, "the comparison", |a| {
        a.compare.as_ref().is_some_and(|q| q.is_finished())
    });
    load_history(&mut h);
    let (id, name) = {
        let (id, c) = &h.state().history.comparisons[0];
        (id.clone(), c.as_ref().unwrap().name.clone())
    };
    h.state_mut().compare = None;
    h.run();
    h.get_by_label(&name).click();
    h.run();
    assert_eq!(h.state().compare.as_ref().unwrap().id, id);
    h.get_by_label_contains("6 of 6 runs done");
}

#[test]
fn journey_inspect_checkpoint() {
    let (mut h, ws) = window(no_runs());
    add_run(&ws, "run-to-inspect");
    run_menu(&mut h, "run-to-inspect", "Inspect checkpoint");
    settle_inspector(&mut h);
    h.get_by_label_contains("layer 1 Conv2d 6@5×5 — 6 filters of 1×5×5");
}

#[test]
fn journey_inspect_beside() {
    let (mut h, ws) = window(no_runs());
    add_run(&ws, "first");
    add_run(&ws, "second");
    run_menu(&mut h, "first", "Inspect checkpoint");
    settle_inspector(&mut h);
    run_menu(&mut h, "second", "Inspect beside the open checkpoint");
    settle_inspector(&mut h);
    let i = h.state().inspector().unwrap();
    assert!(i.b.is_some(), "a second checkpoint beside the first");
}

#[test]
fn resume_from_the_history_continues_a_stopped_run_in_its_folder() {
    let (launcher, seen) = scripted(usize::MAX, false);
    let (mut h, ws) = window(launcher);
    let dir = add_run(&ws, "stopped-run");
    // Make it a run that was stopped (Finished with stopped: true).
    let log = dir.join("events.log");
    let text = std::fs::read_to_string(&log).unwrap();
    let stopped = text.replace("stopped:false", "stopped:true");
    assert_ne!(stopped, text, "the run's Finished event is rewritten");
    std::fs::write(&log, stopped).unwrap();
    run_menu(&mut h, "stopped-run", "Resume");
    let runs = seen.runs.lock().unwrap();
    assert_eq!(runs.len(), 1);
    assert!(runs[0].1.resume);
    assert_eq!(runs[0].1.run_dir.as_deref(), Some(dir.as_path()));
}

#[test]
fn journey_open_export() {
    let (mut h, ws) = window(no_runs());
    let dir = add_run(&ws, "run-to-export");
    run_menu(&mut h, "run-to-export", "Export to PyTorch…");
    let out = ws.join("exported");
    let field = h.get_by_label("Export into folder:");
    field.focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("Export into folder:")
        .type_text(&out.display().to_string());
    h.run();
    h.get_by_label("Export").click();
    for _ in 0..300 {
        h.step();
        if h.query_by_label_contains("Exported into").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    h.get_by_label_contains("Exported into");
    assert!(out.join("model.py").is_file());
    // The run's weights go with it.
    assert!(dir.join("model.safetensors").is_file());
    assert!(std::fs::read_dir(&out).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".safetensors")));
}

#[test]
fn journey_menu_export_pytorch() {
    let (mut h, ws) = window(no_runs());
    menu(&mut h, "File", "Export to PyTorch…");
    let out = ws.join("from-the-editor");
    let field = h.get_by_label("Export into folder:");
    field.focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("Export into folder:")
        .type_text(&out.display().to_string());
    h.run();
    h.get_by_label("Export").click();
    for _ in 0..300 {
        h.step();
        if out.join("model.py").is_file() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(out.join("model.py").is_file());
}

#[test]
fn journey_rename_run() {
    let (mut h, ws) = window(no_runs());
    let dir = add_run(&ws, "old-name");
    run_menu(&mut h, "old-name", "Rename / tag…");
    let text = egui::accesskit::Role::TextInput;
    h.get_by_role_and_label(text, "name").focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_role_and_label(text, "name").type_text("new-name");
    h.get_by_role_and_label(text, "tags").focus();
    h.get_by_role_and_label(text, "tags")
        .type_text("baseline, lr-1e-3");
    h.run();
    h.get_by_label("Save").click();
    h.run();
    let meta = cnn_workbench::runs::folder::load_meta(&dir).unwrap();
    assert_eq!(meta.name, "new-name");
    assert_eq!(meta.tags, vec!["baseline", "lr-1e-3"]);
    load_history(&mut h);
    h.get_by_label_contains("new-name");
}

#[test]
fn rename_cancel_changes_nothing() {
    let (mut h, ws) = window(no_runs());
    let dir = add_run(&ws, "kept-name");
    let before = std::fs::read(dir.join("run.ron")).unwrap();
    run_menu(&mut h, "kept-name", "Rename / tag…");
    h.get_by_label("Cancel").click();
    h.run();
    assert_eq!(std::fs::read(dir.join("run.ron")).unwrap(), before);
}

#[test]
fn journey_delete_run() {
    let (mut h, ws) = window(no_runs());
    let dir = add_run(&ws, "to-delete");
    // Keep first: nothing happens.
    run_menu(&mut h, "to-delete", "Delete…");
    h.get_by_label_contains("This deletes");
    h.get_by_label("Keep").click();
    h.run();
    assert!(dir.is_dir());
    run_menu(&mut h, "to-delete", "Delete…");
    h.get_by_label("Delete run").click();
    h.run();
    assert!(!dir.exists());
    load_history(&mut h);
    assert!(h.state().history.runs.is_empty());
}

/// Ticks the History's box of each named run.
fn tick(h: &mut H, names: &[&str]) {
    load_history(h);
    for name in names {
        let row = h.get_by_label(name).rect();
        // The tick box is the first widget on the row, left of the name.
        let boxes: Vec<_> = h
            .get_all_by_role(egui::accesskit::Role::CheckBox)
            .filter(|b| {
                (b.rect().center().y - row.center().y).abs() < 8.0
                    && b.rect().right() <= row.left() + 1.0
            })
            .collect();
        assert_eq!(boxes.len(), 1, "one tick box on the row of {name}");
        boxes[0].click();
        h.run();
    }
}

#[test]
fn journey_export_csv() {
    let (mut h, ws) = window(no_runs());
    add_run(&ws, "csv-a");
    add_run(&ws, "csv-b");
    tick(&mut h, &["csv-a", "csv-b"]);
    h.get_by_label("Export CSV").click();
    h.run();
    let notice = h.state().notice.clone().unwrap();
    assert!(notice.starts_with("Exported 2 runs to"), "{notice}");
    let path = notice.split(" to ").nth(1).unwrap();
    let csv = std::fs::read_to_string(path).unwrap();
    assert!(csv.contains("csv-a") || csv.lines().count() >= 3, "{csv}");
    h.get_by_label("OK").click();
    h.run();
    assert!(h.state().notice.is_none());
}

#[test]
fn journey_diff_runs() {
    let (mut h, ws) = window(no_runs());
    let a = add_run(&ws, "diff-a");
    let b = add_run(&ws, "diff-b");
    // b was trained with another learning rate.
    let mut p = cnn_workbench::spec::Preset::load(&b.join("preset.ron")).unwrap();
    p.training.learning_rate = 0.05;
    p.save(&b.join("preset.ron")).unwrap();
    assert!(a.is_dir());
    tick(&mut h, &["diff-a", "diff-b"]);
    h.get_by_label("Diff").click();
    h.run();
    h.get_by_label("Config diff");
    h.get_by_label_contains("learning_rate");
    h.get_by_label("0.05");
}

#[test]
fn journey_resume_run_from_the_history_is_greyed_out_for_a_finished_run() {
    let (launcher, seen) = scripted(usize::MAX, false);
    let (mut h, ws) = window(launcher);
    let dir = add_run(&ws, "finished-run");
    let before = std::fs::read(dir.join("events.log")).unwrap();
    run_menu(&mut h, "finished-run", "Resume");
    assert!(seen.runs.lock().unwrap().is_empty(), "nothing was started");
    assert_eq!(std::fs::read(dir.join("events.log")).unwrap(), before);
}

/// A `cnn-workbench train` started in a terminal (another process) appears in the open
/// window's History by itself, reads as running, and once opened its curves grow as the other
/// process writes them; the window offers no Pause or Stop for it.
#[test]
fn a_run_trained_in_a_terminal_appears_live_and_its_curves_grow() {
    use cnn_workbench::runs::RunStatus;
    use std::time::{Duration, Instant};
    let (mut h, ws) = window(no_runs());
    load_history(&mut h);
    assert!(h.state().history.runs.is_empty());
    let preset = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/lenet5.ron");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cnn-workbench"))
        .arg("train")
        .arg(&preset)
        .args([
            "--data",
            "synthetic",
            "--epochs",
            "200",
            "--threads",
            "1",
            "--quiet",
        ])
        .arg("--workspace")
        .arg(&ws)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Killed however the test ends.
    struct Kill<'a>(&'a mut std::process::Child);
    impl Drop for Kill<'_> {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _kill = Kill(&mut child);
    let folder_made = loop {
        if std::fs::read_dir(ws.join("runs")).is_ok_and(|mut d| d.next().is_some()) {
            break Instant::now();
        }
        h.run_steps(1);
        std::thread::sleep(Duration::from_millis(20));
    };
    wait_until(&mut h, 20, "the terminal's run in the History", |a| {
        a.history
            .runs
            .iter()
            .any(|r| r.status == RunStatus::Running)
    });
    println!(
        "listed {:.1} s after its folder was made",
        folder_made.elapsed().as_secs_f64()
    );
    settle(&mut h);
    // Its row in the History: the link with the preset's name that is drawn last (the
    // palette's preset list, drawn before the bottom panel, has one too).
    let name = h.state().history.runs[0].display_name();
    let links = h.query_all_by_label(&name).count();
    assert_eq!(links, 2, "the palette's preset and the History's row");
    h.query_all_by_label(&name).last().unwrap().click();
    h.run();
    let step = |h: &H| {
        h.state()
            .run_state()
            .and_then(|r| r.last_step)
            .map_or(0, |s| s.step)
    };
    wait_until(&mut h, 20, "its first steps", |a| {
        a.run_state().and_then(|r| r.last_step).is_some()
    });
    let first = step(&h);
    wait_until(&mut h, 20, "its curves to grow", |a| {
        a.run_state()
            .and_then(|r| r.last_step)
            .is_some_and(|s| s.step > first)
    });
    assert!(step(&h) > first);
    settle(&mut h);
    h.get_by_label("Training in another process: followed from its folder");
    let stop = h.get_by_label("Stop");
    assert!(
        stop.accesskit_node().is_disabled(),
        "not this window's run to stop"
    );
}

/// A comparison carried out by `cnn-workbench compare` in a terminal: it appears in the
/// History by itself, and opened in the Compare tab it fills as the other process's runs train
/// and end — nothing is started, paused or reordered from this window.
#[test]
fn a_comparison_run_elsewhere_fills_its_compare_view_live() {
    use cnn_workbench::runs::compare::JobStatus;
    let (mut h, ws) = window(no_runs());
    load_history(&mut h);
    let preset = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/lenet5.ron");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cnn-workbench"))
        .arg("compare")
        .arg(&preset)
        .args(["--vary", "activation=relu,gelu", "--seeds", "1"])
        .args([
            "--data",
            "synthetic",
            "--train-limit",
            "3000",
            "--epochs",
            "10",
        ])
        .args(["--threads", "1", "--probe-every", "0", "--workspace"])
        .arg(&ws)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_until(&mut h, 30, "the comparison in the History", |a| {
        !a.history.comparisons.is_empty()
    });
    settle(&mut h);
    let name = h.state().history.comparisons[0]
        .1
        .as_ref()
        .unwrap()
        .name
        .clone();
    h.get_by_label(&name).click();
    h.run();
    assert!(h.state().compare.as_ref().unwrap().read_back);
    // Followed until both runs are done, seeing one train on the way.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let mut saw_training = false;
    let mut seen: Vec<String> = Vec::new();
    loop {
        let q = h.state().compare.as_ref().unwrap();
        let now: String = q
            .jobs
            .iter()
            .map(|j| format!("{:?}/{}pts ", j.status, j.state.train_loss.len()))
            .collect();
        if seen.last() != Some(&now) {
            seen.push(now);
        }
        saw_training |= q
            .jobs
            .iter()
            .any(|j| j.status == JobStatus::Running && !j.state.train_loss.is_empty());
        let finished = |j: &cnn_workbench::runs::compare::Job| {
            matches!(
                j.state.status,
                cnn_workbench::runs::RunStatus::Finished { .. }
            )
        };
        if q.jobs.iter().all(finished) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not done in 120 s");
        h.state_mut().poll(std::time::Duration::from_millis(5));
        h.run_steps(1);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(child.wait().unwrap().success());
    assert!(
        saw_training,
        "a run was seen training, its curve growing: {seen:#?}"
    );
    settle(&mut h);
    h.get_by_label_contains("2 of 2 runs done");
    let q = h.state().compare.as_ref().unwrap();
    assert!(q.jobs.iter().all(|j| matches!(
        j.state.status,
        cnn_workbench::runs::RunStatus::Finished { .. }
    )));
    assert!(h.query_by_label("Pause queue").is_none());
}
