#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! Journey tests: every action of the window performed the way a user performs it — a click on
//! a menu item, a button or a context-menu entry, a key press, a file dropped on the window —
//! and its effect checked where the user sees it: the file's bytes on disk, the dialog shown,
//! the run started or stopped, the network edited.
//!
//! `every_action_has_a_journey` walks the action list (`ui::ActionKind`) and the command table
//! (`ui::commands::COMMANDS`: menu items and shortcuts) and fails when one of them has no test
//! named after it here, so a new action cannot land untested.
mod common;
mod data;
mod dialogs;
mod edit;
mod file;
mod history;
mod inspect;
mod run;

use cnn_workbench::ui::commands::{Command, COMMANDS};
use cnn_workbench::ui::ActionKind;
use strum::IntoEnumIterator;

/// Every test function of this folder, read from its files.
fn journey_names() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/journeys");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            if line.trim() == "#[test]" {
                if let Some(next) = lines.peek() {
                    if let Some(rest) = next.trim().strip_prefix("fn ") {
                        names.push(rest.split('(').next().unwrap().to_string());
                    }
                }
            }
        }
    }
    names
}

#[test]
fn every_action_has_a_journey() {
    let names = journey_names();
    let mut missing = Vec::new();
    for kind in ActionKind::iter() {
        let name: &'static str = kind.into();
        let want = format!("journey_{name}");
        if !names.contains(&want) {
            missing.push(want);
        }
    }
    for e in COMMANDS {
        let want = format!("journey_menu_{}", e.command.name());
        if !names.contains(&want) {
            missing.push(want);
        }
        if !e.keys.is_empty() {
            let want = format!("journey_key_{}", e.command.name());
            if !names.contains(&want) {
                missing.push(want);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "actions without a journey test: {missing:?}"
    );
    println!(
        "{} actions, {} menu commands ({} with shortcuts), {} journey tests",
        ActionKind::iter().count(),
        COMMANDS.len(),
        COMMANDS.iter().filter(|e| !e.keys.is_empty()).count(),
        names.len()
    );
}

#[test]
fn the_command_table_lists_every_command_once() {
    for c in Command::iter() {
        let n = COMMANDS.iter().filter(|e| e.command == c).count();
        assert_eq!(n, 1, "{c:?} is in the table {n} times");
    }
    // No two commands share a shortcut.
    let keys: Vec<_> = COMMANDS.iter().flat_map(|e| e.keys.iter()).collect();
    for (i, a) in keys.iter().enumerate() {
        assert!(!keys[i + 1..].contains(a), "{a:?} is bound twice");
    }
}

#[test]
fn the_readme_key_table_is_the_command_table() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let table = cnn_workbench::ui::commands::markdown_key_table();
    assert!(
        readme.contains(&table),
        "README.md's key table differs from the command table; it should read:\n{table}"
    );
}
