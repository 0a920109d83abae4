//! The menu bar and the keyboard shortcuts, from one table so that a shortcut and the label
//! shown beside its menu item cannot disagree.
use super::WorkbenchApp;
use crate::ui::Action;
use egui::{Key, KeyboardShortcut, Modifiers};

const CMD: Modifiers = Modifiers::COMMAND;
const SHIFT_CMD: Modifiers = Modifiers {
    shift: true,
    ..Modifiers::COMMAND
};

/// Every global shortcut, most specific first (Ctrl+Shift+Z before Ctrl+Z).
const SHORTCUTS: [(KeyboardShortcut, Shortcut); 8] = [
    (KeyboardShortcut::new(SHIFT_CMD, Key::Z), Shortcut::Redo),
    (KeyboardShortcut::new(CMD, Key::Y), Shortcut::Redo),
    (KeyboardShortcut::new(CMD, Key::Z), Shortcut::Undo),
    (KeyboardShortcut::new(SHIFT_CMD, Key::S), Shortcut::SaveAs),
    (KeyboardShortcut::new(CMD, Key::S), Shortcut::Save),
    (KeyboardShortcut::new(CMD, Key::O), Shortcut::Open),
    (KeyboardShortcut::new(CMD, Key::N), Shortcut::New),
    (KeyboardShortcut::new(CMD, Key::Enter), Shortcut::Train),
];
const DUPLICATE: KeyboardShortcut = KeyboardShortcut::new(CMD, Key::D);
const DELETE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::Delete);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shortcut {
    Redo,
    Undo,
    SaveAs,
    Save,
    Open,
    New,
    Train,
}

impl Shortcut {
    fn action(self) -> Action {
        match self {
            Shortcut::Redo => Action::Redo,
            Shortcut::Undo => Action::Undo,
            Shortcut::SaveAs => Action::SaveAs,
            Shortcut::Save => Action::Save,
            Shortcut::Open => Action::Open,
            Shortcut::New => Action::New,
            Shortcut::Train => Action::Train,
        }
    }
}

/// The label of the first shortcut for this command ("Ctrl+Shift+Z").
fn label(ctx: &egui::Context, which: Shortcut) -> String {
    SHORTCUTS
        .iter()
        .find(|(_, s)| *s == which)
        .map(|(k, _)| ctx.format_shortcut(k))
        .unwrap_or_default()
}

impl WorkbenchApp {
    pub(crate) fn shortcuts(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        for (shortcut, which) in SHORTCUTS {
            if ctx.input_mut(|i| i.consume_shortcut(&shortcut)) {
                actions.push(which.action());
            }
        }
        // Layer keys only when no text field or value is being edited.
        let editing = ctx.memory(|m| m.focused().is_some());
        if let (Some(s), false) = (self.selected, editing) {
            if ctx.input_mut(|i| i.consume_shortcut(&DELETE)) {
                actions.push(Action::RemoveLayer(s));
            }
            if ctx.input_mut(|i| i.consume_shortcut(&DUPLICATE)) {
                actions.push(Action::DuplicateLayer(s));
            }
        }
    }

    pub(crate) fn menu_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let ctx = ui.ctx().clone();
        let key = |which| label(&ctx, which);
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| self.file_menu_ui(ui, &key, actions));
            ui.menu_button("Edit", |ui| {
                let undo = egui::Button::new("Undo").shortcut_text(key(Shortcut::Undo));
                if ui.add_enabled(self.doc.can_undo(), undo).clicked() {
                    actions.push(Action::Undo);
                }
                let redo = egui::Button::new("Redo").shortcut_text(key(Shortcut::Redo));
                if ui.add_enabled(self.doc.can_redo(), redo).clicked() {
                    actions.push(Action::Redo);
                }
                ui.separator();
                let sel = self.selected;
                let dup = egui::Button::new("Duplicate layer")
                    .shortcut_text(ctx.format_shortcut(&DUPLICATE));
                if ui.add_enabled(sel.is_some(), dup).clicked() {
                    actions.extend(sel.map(Action::DuplicateLayer));
                }
                let del =
                    egui::Button::new("Delete layer").shortcut_text(ctx.format_shortcut(&DELETE));
                if ui.add_enabled(sel.is_some(), del).clicked() {
                    actions.extend(sel.map(Action::RemoveLayer));
                }
            });
            ui.menu_button("Run", |ui| {
                if ui
                    .add(egui::Button::new("Train").shortcut_text(key(Shortcut::Train)))
                    .clicked()
                {
                    actions.push(Action::Train);
                }
                for (text, action) in [
                    ("Pause", Action::Pause),
                    ("Resume", Action::Resume),
                    ("Stop", Action::Stop),
                ] {
                    if ui.button(text).clicked() {
                        actions.push(action);
                    }
                }
                ui.separator();
                ui.label(format!("run folders: {}", self.workspace.display()));
            });
            ui.menu_button("Learn", |ui| {
                for tab in crate::ui::learn::LearnTab::ALL {
                    if ui.button(tab.name()).clicked() {
                        actions.push(Action::OpenLearn(tab));
                    }
                }
                ui.weak("In the inspector's feature maps, click a pixel to take it apart.");
            });
            ui.menu_button("Help", |ui| {
                for (k, which) in SHORTCUTS {
                    ui.label(format!("{} — {}", ctx.format_shortcut(&k), describe(which)));
                }
                ui.label(format!(
                    "{} — delete the selected layer",
                    ctx.format_shortcut(&DELETE)
                ));
                ui.label(format!(
                    "{} — duplicate it",
                    ctx.format_shortcut(&DUPLICATE)
                ));
                ui.label("Drop a .ron preset on the window to open it.");
            });
        });
    }

    fn file_menu_ui(
        &mut self,
        ui: &mut egui::Ui,
        key: &dyn Fn(Shortcut) -> String,
        actions: &mut Vec<Action>,
    ) {
        let item = |ui: &mut egui::Ui, text: &str, shortcut: String| {
            ui.add(egui::Button::new(text).shortcut_text(shortcut))
                .clicked()
        };
        if item(ui, "New", key(Shortcut::New)) {
            actions.push(Action::New);
        }
        if item(ui, "Open…", key(Shortcut::Open)) {
            actions.push(Action::Open);
        }
        ui.menu_button("Open Recent", |ui| {
            if self.recent.is_empty() {
                ui.weak("nothing yet");
            }
            for p in &self.recent {
                if ui.button(p.display().to_string()).clicked() {
                    actions.push(Action::OpenPath(p.clone()));
                }
            }
        });
        ui.separator();
        if item(ui, "Save", key(Shortcut::Save)) {
            actions.push(Action::Save);
        }
        if item(ui, "Save As…", key(Shortcut::SaveAs)) {
            actions.push(Action::SaveAs);
        }
        ui.separator();
        if item(ui, "Open Checkpoint…", String::new()) {
            actions.push(Action::OpenCheckpoint);
        }
        if item(ui, "Export to PyTorch…", String::new()) {
            actions.push(Action::OpenExport(None));
        }
        ui.separator();
        if item(ui, "Quit", String::new()) {
            actions.push(Action::Quit);
        }
    }
}

fn describe(which: Shortcut) -> &'static str {
    match which {
        Shortcut::Redo => "redo",
        Shortcut::Undo => "undo",
        Shortcut::SaveAs => "save as",
        Shortcut::Save => "save",
        Shortcut::Open => "open",
        Shortcut::New => "new",
        Shortcut::Train => "train",
    }
}
