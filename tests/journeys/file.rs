//! File: new, open, recent, save, save as, the unsaved-changes question, workspaces, quit.
use crate::common::*;
use cnn_workbench::spec::Preset;
use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;
use std::path::Path;

const CMD: Modifiers = Modifiers::COMMAND;

/// Ticks "ceil" on layer 3 (MaxPool): a change a user makes in the editor.
fn edit_pool(h: &mut H) {
    h.run();
    h.get_all_by_label("ceil").next().unwrap().click();
    h.run();
    assert!(h.state().doc.is_dirty());
}

fn ceil_on_disk(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .unwrap()
        .contains("ceil_mode: true")
}

/// A window with `mine.ron` open (saved and unmodified).
fn with_file(launcher: cnn_workbench::app::Launcher) -> (H, std::path::PathBuf) {
    let (mut h, ws) = window(launcher);
    let path = preset_file(&ws, "mine.ron", "Mine");
    menu(&mut h, "File", "Open…");
    type_path(&mut h, RON_FIELD, &path);
    assert_eq!(h.state().doc.path.as_deref(), Some(path.as_path()));
    assert!(!h.state().doc.is_dirty());
    (h, path)
}

fn check_saved(h: &H, path: &Path) {
    assert!(ceil_on_disk(path), "the edit is in the file");
    assert!(!h.state().doc.is_dirty());
    assert!(
        !h.state().doc.title().contains('*'),
        "{}",
        h.state().doc.title()
    );
    assert_eq!(Preset::load(path).unwrap(), h.state().doc.preset);
}

#[test]
fn journey_key_save() {
    let (mut h, path) = with_file(no_runs());
    edit_pool(&mut h);
    assert!(h.state().doc.title().contains('*'));
    h.key_press_modifiers(CMD, Key::S);
    h.run();
    check_saved(&h, &path);
}

#[test]
fn journey_menu_save() {
    let (mut h, path) = with_file(no_runs());
    edit_pool(&mut h);
    menu(&mut h, "File", "Save");
    check_saved(&h, &path);
}

#[test]
fn journey_save() {
    // An untitled network: Save asks for a path first.
    let (mut h, ws) = window(no_runs());
    edit_pool(&mut h);
    h.key_press_modifiers(CMD, Key::S);
    let path = ws.join("untitled.ron");
    type_path(&mut h, RON_FIELD, &path);
    check_saved(&h, &path);
    assert_eq!(h.state().doc.path.as_deref(), Some(path.as_path()));
}

#[test]
fn a_failed_save_names_the_file_and_keeps_the_changes() {
    let (mut h, ws) = window(no_runs());
    edit_pool(&mut h);
    std::fs::write(ws.join("a-file"), "x").unwrap();
    let path = ws.join("a-file/inside.ron");
    h.key_press_modifiers(CMD | Modifiers::SHIFT, Key::S);
    type_path(&mut h, RON_FIELD, &path);
    let error = h.state().error.clone().unwrap();
    assert!(error.contains("a-file/inside.ron"), "{error}");
    h.get_by_label_contains("Could not save");
    assert!(h.state().doc.is_dirty(), "still modified");
    assert!(h.state().doc.title().contains('*'));
    assert!(!path.exists());
    assert_eq!(std::fs::read_to_string(ws.join("a-file")).unwrap(), "x");
}

#[test]
fn journey_key_save_as() {
    let (mut h, path) = with_file(no_runs());
    edit_pool(&mut h);
    h.key_press_modifiers(CMD | Modifiers::SHIFT, Key::S);
    let other = path.with_file_name("copy.ron");
    type_path(&mut h, RON_FIELD, &other);
    check_saved(&h, &other);
    assert!(!ceil_on_disk(&path), "the first file is untouched");
    assert_eq!(h.state().doc.path.as_deref(), Some(other.as_path()));
}

#[test]
fn journey_menu_save_as() {
    let (mut h, path) = with_file(no_runs());
    edit_pool(&mut h);
    menu(&mut h, "File", "Save As…");
    let other = path.with_file_name("copy.ron");
    type_path(&mut h, RON_FIELD, &other);
    check_saved(&h, &other);
}

#[test]
fn journey_save_as() {
    // Save As… then Cancel: nothing is written, the work stays.
    let (mut h, path) = with_file(no_runs());
    edit_pool(&mut h);
    menu(&mut h, "File", "Save As…");
    h.get_by_label("Cancel").click();
    h.run();
    assert!(h.state().doc.is_dirty());
    assert!(!ceil_on_disk(&path));
}

#[test]
fn journey_save_as_path() {
    // The typed path confirmed with Enter.
    let (mut h, ws) = window(no_runs());
    edit_pool(&mut h);
    menu(&mut h, "File", "Save As…");
    let path = ws.join("typed.ron");
    let f = h.get_by_label(RON_FIELD);
    f.focus();
    f.type_text(&path.display().to_string());
    h.run();
    h.key_press(Key::Enter);
    h.run();
    check_saved(&h, &path);
}

#[test]
fn journey_key_open() {
    let (mut h, ws) = window(no_runs());
    let path = preset_file(&ws, "other.ron", "Other network");
    h.key_press_modifiers(CMD, Key::O);
    type_path(&mut h, RON_FIELD, &path);
    assert_eq!(h.state().doc.preset.name, "Other network");
    assert!(h.state().doc.title().starts_with("Other network —"));
}

#[test]
fn journey_menu_open() {
    let (mut h, ws) = window(no_runs());
    let path = preset_file(&ws, "other.ron", "Other network");
    menu(&mut h, "File", "Open…");
    type_path(&mut h, RON_FIELD, &path);
    assert_eq!(h.state().doc.preset.name, "Other network");
    assert_eq!(
        h.state().library.recent.first(),
        Some(&path.canonicalize().unwrap())
    );
}

#[test]
fn journey_open() {
    // Open… on a file that is not a preset: the error names the file, the network stays.
    let (mut h, ws) = window(no_runs());
    let path = ws.join("broken.ron");
    std::fs::write(
        &path,
        "(name: \"x\", network: (layers: [Conv2d(kernel: \"five\")]))",
    )
    .unwrap();
    let before = h.state().doc.preset.clone();
    menu(&mut h, "File", "Open…");
    type_path(&mut h, RON_FIELD, &path);
    h.get_by_label_contains("broken.ron:1:");
    assert_eq!(h.state().doc.preset, before);
    h.get_by_label("OK").click();
    h.run();
    assert!(h.state().error.is_none());
}

#[test]
fn journey_menu_open_recent() {
    let (mut h, ws) = window(no_runs());
    let a = preset_file(&ws, "a.ron", "Network A");
    let b = preset_file(&ws, "b.ron", "Network B");
    for p in [&a, &b] {
        h.key_press_modifiers(CMD, Key::O);
        type_path(&mut h, RON_FIELD, p);
    }
    assert_eq!(h.state().doc.preset.name, "Network B");
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Open Recent").hover();
    h.run();
    h.get_by_label(&a.canonicalize().unwrap().display().to_string())
        .click();
    h.run();
    assert_eq!(h.state().doc.preset.name, "Network A");
}

#[test]
fn journey_open_path() {
    // A preset dropped on the window opens; with unsaved changes it asks first.
    let (mut h, ws) = window(no_runs());
    let path = preset_file(&ws, "dropped.ron", "Dropped network");
    edit_pool(&mut h);
    drop_file(&mut h, path.clone());
    h.run();
    h.get_by_label_contains("has changes that are not saved");
    h.get_by_label("Discard changes").click();
    h.run();
    assert_eq!(h.state().doc.preset.name, "Dropped network");
    assert!(!h.state().doc.is_dirty());
}

#[test]
fn journey_open_bundled() {
    let (mut h, _) = window(no_runs());
    h.run();
    let name = cnn_workbench::app::library::bundled("resnet-small.ron")
        .unwrap()
        .name;
    h.get_by_label(&name).click();
    h.run();
    assert_eq!(h.state().doc.preset.name, name);
    assert_eq!(
        h.state().doc.path,
        None,
        "a bundled preset is saved as a new file"
    );
}

#[test]
fn journey_key_new() {
    let (mut h, _) = with_file(no_runs());
    h.key_press_modifiers(CMD, Key::N);
    h.run();
    assert_eq!(h.state().doc.path, None);
    assert_eq!(
        h.state().doc.preset,
        cnn_workbench::app::library::default_preset()
    );
}

#[test]
fn journey_menu_new() {
    let (mut h, _) = with_file(no_runs());
    menu(&mut h, "File", "New");
    assert_eq!(h.state().doc.path, None);
}

#[test]
fn journey_new() {
    // New with unsaved changes: the question's Save writes the file, then New happens.
    let (mut h, path) = with_file(no_runs());
    edit_pool(&mut h);
    menu(&mut h, "File", "New");
    h.get_by_label_contains("has changes that are not saved");
    h.get_by_label("Save").click();
    h.run();
    assert!(ceil_on_disk(&path), "saved first");
    assert_eq!(h.state().doc.path, None, "then the new network");
    assert!(!h.state().doc.is_dirty());
}

#[test]
fn the_unsaved_question_on_an_untitled_network_asks_for_a_path_then_continues() {
    let (mut h, ws) = window(no_runs());
    let other = preset_file(&ws, "other.ron", "Other network");
    edit_pool(&mut h);
    let edited = h.state().doc.preset.clone();
    h.key_press_modifiers(CMD, Key::O);
    type_path(&mut h, RON_FIELD, &other);
    h.get_by_label("Save").click();
    h.run();
    // Untitled: where to?
    let path = ws.join("kept.ron");
    type_path(&mut h, RON_FIELD, &path);
    assert_eq!(Preset::load(&path).unwrap(), edited);
    assert_eq!(h.state().doc.preset.name, "Other network");
}

#[test]
fn cancelling_the_unsaved_question_or_its_save_loses_nothing() {
    let (mut h, ws) = window(no_runs());
    let other = preset_file(&ws, "other.ron", "Other network");
    edit_pool(&mut h);
    let edited = h.state().doc.preset.clone();
    h.key_press_modifiers(CMD, Key::O);
    type_path(&mut h, RON_FIELD, &other);
    h.get_by_label("Cancel").click();
    h.run();
    assert_eq!(h.state().doc.preset, edited);
    // Save, then Cancel the path: still the edited network, and a later save opens nothing.
    h.key_press_modifiers(CMD, Key::O);
    type_path(&mut h, RON_FIELD, &other);
    h.get_by_label("Save").click();
    h.run();
    h.get_by_label("Cancel").click();
    h.run();
    assert_eq!(h.state().doc.preset, edited);
    assert!(h.state().doc.is_dirty());
    h.key_press_modifiers(CMD | Modifiers::SHIFT, Key::S);
    type_path(&mut h, RON_FIELD, &ws.join("later.ron"));
    assert_eq!(
        h.state().doc.preset,
        edited,
        "the cancelled Open stays cancelled"
    );
}

fn close_requested(h: &H) -> bool {
    h.output()
        .viewport_output
        .values()
        .any(|v| v.commands.contains(&egui::ViewportCommand::Close))
}

#[test]
fn journey_menu_quit() {
    let (mut h, _) = window(no_runs());
    h.run();
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Quit").click();
    h.step();
    assert!(close_requested(&h));
}

#[test]
fn journey_quit() {
    // Quit with unsaved changes asks; Save writes the file and then the window closes.
    let (mut h, path) = with_file(no_runs());
    edit_pool(&mut h);
    menu(&mut h, "File", "Quit");
    assert!(!close_requested(&h));
    h.get_by_label_contains("has changes that are not saved");
    h.get_by_label("Save").click();
    h.step();
    assert!(ceil_on_disk(&path));
    assert!(close_requested(&h));
}

#[test]
fn journey_menu_open_workspace() {
    let (mut h, _) = window(no_runs());
    let other = tempfile::tempdir().unwrap().keep();
    add_run(&other, "run-in-the-other-workspace");
    menu(&mut h, "File", "Open Workspace…");
    type_path(&mut h, "Folder for run folders and comparisons:", &other);
    assert_eq!(h.state().workspace, other.canonicalize().unwrap());
    h.state_mut()
        .wait_for_history(std::time::Duration::from_secs(20));
    h.run();
    assert_eq!(h.state().history.runs.len(), 1);
    show_history(&mut h);
    h.get_by_label("run-in-the-other-workspace");
}

#[test]
fn journey_open_workspace() {
    // A file, or a missing folder: refused with the reason; the workspace stays.
    let (mut h, ws) = window(no_runs());
    let file = ws.join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    for (path, reason) in [
        (file, "is a file, not a folder"),
        (ws.join("missing"), "does not exist"),
    ] {
        menu(&mut h, "File", "Open Workspace…");
        type_path(&mut h, "Folder for run folders and comparisons:", &path);
        let error = h.state().error.clone().unwrap();
        assert!(error.contains(&path.display().to_string()), "{error}");
        assert!(error.contains(reason), "{error}");
        assert_eq!(h.state().workspace, ws);
        h.get_by_label("OK").click();
        h.run();
    }
}

#[test]
fn journey_open_workspace_path() {
    // Recent Workspaces lists each opened folder; a click goes back to one.
    let (mut h, ws) = window(no_runs());
    let a = tempfile::tempdir().unwrap().keep();
    let b = tempfile::tempdir().unwrap().keep();
    for p in [&a, &b] {
        menu(&mut h, "File", "Open Workspace…");
        type_path(&mut h, "Folder for run folders and comparisons:", p);
    }
    assert_ne!(h.state().workspace, ws);
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Recent Workspaces").hover();
    h.run();
    h.get_by_label(&a.canonicalize().unwrap().display().to_string())
        .click();
    h.run();
    assert_eq!(h.state().workspace, a.canonicalize().unwrap());
}

#[test]
fn journey_menu_recent_workspaces() {
    let (mut h, _) = window(no_runs());
    h.run();
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Recent Workspaces").hover();
    h.run();
    h.get_by_label("nothing yet");
}
