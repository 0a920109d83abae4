//! The menu bar and the keyboard shortcuts, both made from `ui::commands::COMMANDS` so that a
//! shortcut, its menu item and the label beside it cannot disagree.
use super::WorkbenchApp;
use ui::commands::{self, Command, CommandState, Menu, COMMANDS};
use ui::Action;

impl WorkbenchApp {
    /// What the commands depend on this frame.
    pub(crate) fn command_state(&self, can_train: bool) -> CommandState {
        let active = self.is_running();
        CommandState {
            selected: self.selected,
            can_undo: self.doc.can_undo(),
            can_redo: self.doc.can_redo(),
            can_train: can_train && !active,
            run_active: active,
            run_paused: active
                && self
                    .run_state()
                    .is_some_and(|r| r.status == runs::RunStatus::Paused),
            can_compare: can_train,
        }
    }

    pub(crate) fn shortcuts(
        &mut self,
        ctx: &egui::Context,
        state: &CommandState,
        actions: &mut Vec<Action>,
    ) {
        // Layer keys only when no text field or value is being edited.
        let typing = ctx.memory(|m| m.focused().is_some());
        for (shortcut, command) in commands::shortcuts_in_order() {
            if command.not_while_typing() && typing {
                continue;
            }
            if ctx.input_mut(|i| i.consume_shortcut(&shortcut)) && command.enabled(state) {
                actions.extend(command.action(state));
            }
        }
    }

    pub(crate) fn menu_ui(
        &mut self,
        ui: &mut egui::Ui,
        state: &CommandState,
        actions: &mut Vec<Action>,
    ) {
        egui::MenuBar::new().ui(ui, |ui| {
            for menu in Menu::ALL {
                if menu == Menu::Help {
                    ui.menu_button("Learn", |ui| learn_menu_ui(ui, actions));
                }
                ui.menu_button(menu.name(), |ui| {
                    for e in COMMANDS.iter().filter(|e| e.menu == menu) {
                        if e.separator {
                            ui.separator();
                        }
                        self.item_ui(ui, e.command, state, actions);
                    }
                    if menu == Menu::Run {
                        ui.separator();
                        ui.weak(format!("run folders: {}", self.workspace.display()));
                    }
                });
            }
        });
    }

    fn item_ui(
        &mut self,
        ui: &mut egui::Ui,
        command: Command,
        state: &CommandState,
        actions: &mut Vec<Action>,
    ) {
        let e = command.entry();
        match command {
            Command::OpenRecent => {
                recent_ui(ui, e.label, &self.library.recent, Action::OpenPath, actions)
            }
            Command::RecentWorkspaces => recent_ui(
                ui,
                e.label,
                &self.library.recent_workspaces,
                Action::OpenWorkspacePath,
                actions,
            ),
            Command::Keys => {
                ui.menu_button(e.label, keys_ui);
            }
            _ => {
                let mut button = egui::Button::new(e.label);
                if let Some(k) = e.keys.first() {
                    button = button.shortcut_text(commands::shortcut_text(k));
                }
                if ui.add_enabled(command.enabled(state), button).clicked() {
                    actions.extend(command.action(state));
                    ui.close();
                }
            }
        }
    }
}

/// A submenu of recent files or folders; a click opens one.
fn recent_ui(
    ui: &mut egui::Ui,
    label: &str,
    paths: &[std::path::PathBuf],
    action: fn(std::path::PathBuf) -> Action,
    actions: &mut Vec<Action>,
) {
    ui.menu_button(label, |ui| {
        if paths.is_empty() {
            ui.weak("nothing yet");
        }
        for p in paths {
            if ui.button(p.display().to_string()).clicked() {
                actions.push(action(p.clone()));
                ui.close();
            }
        }
    });
}

fn learn_menu_ui(ui: &mut egui::Ui, actions: &mut Vec<Action>) {
    for tab in ui::learn::LearnTab::ALL {
        if ui.button(tab.name()).clicked() {
            actions.push(Action::OpenLearn(tab));
            ui.close();
        }
    }
    ui.weak("In the inspector's feature maps, click a pixel to take it apart.");
}

/// Every shortcut, from the table.
fn keys_ui(ui: &mut egui::Ui) {
    for e in COMMANDS.iter().filter(|e| !e.keys.is_empty()) {
        let keys: Vec<String> = e.keys.iter().map(commands::shortcut_text).collect();
        ui.label(format!("{} — {}", keys.join(" / "), e.describe));
    }
    ui.label("Drop a .ron preset on the window to open it.");
}
