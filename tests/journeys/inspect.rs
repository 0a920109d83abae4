//! The inspector: File → Open Checkpoint…, a checkpoint dropped on the window, the finished
//! run's "Inspect the trained network".
use crate::common::*;
use egui_kittest::kittest::Queryable;

#[test]
fn journey_menu_open_checkpoint() {
    let (mut h, ws) = window(no_runs());
    let run = add_run(&ws, "a-run");
    menu(&mut h, "File", "Open Checkpoint…");
    type_path(&mut h, CHECKPOINT_FIELD, &run.join("model.safetensors"));
    settle_inspector(&mut h);
    h.get_by_label_contains("layer 1 Conv2d 6@5×5 — 6 filters of 1×5×5");
}

#[test]
fn journey_open_checkpoint() {
    // A file that is not a checkpoint: said once, in words, naming the file.
    let (mut h, ws) = window(no_runs());
    let path = ws.join("notes.safetensors");
    std::fs::write(&path, "these are my notes, not weights").unwrap();
    menu(&mut h, "File", "Open Checkpoint…");
    type_path(&mut h, CHECKPOINT_FIELD, &path);
    wait_until(&mut h, 60, "the inspector's answer", |a| {
        a.error.is_some() || a.inspector().is_some_and(|i| i.a.error.is_some())
    });
    let message = h
        .state()
        .error
        .clone()
        .or_else(|| h.state().inspector().and_then(|i| i.a.error.clone()))
        .unwrap();
    let file = path.display().to_string();
    assert_eq!(message.matches(&file).count(), 1, "{message}");
    assert!(!message.contains("HeaderTooLarge"), "{message}");
}

#[test]
fn journey_inspect_checkpoint_dropped() {
    let (mut h, ws) = window(no_runs());
    let run = add_run(&ws, "dropped-run");
    drop_file(&mut h, run.join("model.safetensors"));
    settle(&mut h);
    settle_inspector(&mut h);
    h.get_by_label_contains("layer 1 Conv2d 6@5×5");
}

#[test]
fn the_inspectors_second_checkpoint_opens_beside_the_first() {
    let (mut h, ws) = window(no_runs());
    let a = add_run(&ws, "left");
    let b = add_run(&ws, "right");
    menu(&mut h, "File", "Open Checkpoint…");
    type_path(&mut h, CHECKPOINT_FIELD, &a);
    settle_inspector(&mut h);
    h.get_by_label("Side by side").click();
    settle(&mut h);
    let field = h.get_by_label("second checkpoint");
    field.focus();
    h.get_by_label("second checkpoint")
        .type_text(&b.display().to_string());
    settle(&mut h);
    h.get_by_label("Open").click();
    settle(&mut h);
    settle_inspector(&mut h);
    assert!(h.state().inspector().unwrap().b.is_some());
}
