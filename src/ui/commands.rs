//! Every command of the menu bar and every keyboard shortcut, in one table: the menu, the
//! shortcut handling, the Help menu's key list and the README's key table are all made from
//! [`COMMANDS`], so they cannot drift apart. What a command does is [`Command::action`], a
//! `match` with no wildcard arm.
use super::Action;
use egui::{Key, KeyboardShortcut, ModifierNames, Modifiers};

const CMD: Modifiers = Modifiers::COMMAND;
const SHIFT_CMD: Modifiers = Modifiers {
    shift: true,
    ..Modifiers::COMMAND
};
const fn key(modifiers: Modifiers, key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(modifiers, key)
}

/// A command of the menu bar (and perhaps a shortcut).
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::EnumIter, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Command {
    New,
    Open,
    OpenRecent,
    Save,
    SaveAs,
    OpenWorkspace,
    RecentWorkspaces,
    OpenCheckpoint,
    ExportPytorch,
    Quit,
    Undo,
    Redo,
    DuplicateLayer,
    DeleteLayer,
    Train,
    Pause,
    Resume,
    Stop,
    SaveCheckpoint,
    Compare,
    DownloadData,
    ViewDataset,
    Zoo,
    Keys,
    About,
}

/// The menus, left to right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Menu {
    File,
    Edit,
    Run,
    Data,
    Help,
}

impl Menu {
    pub const ALL: [Menu; 5] = [Menu::File, Menu::Edit, Menu::Run, Menu::Data, Menu::Help];

    pub fn name(self) -> &'static str {
        match self {
            Menu::File => "File",
            Menu::Edit => "Edit",
            Menu::Run => "Run",
            Menu::Data => "Data",
            Menu::Help => "Help",
        }
    }
}

/// One row of the table.
pub struct Entry {
    pub command: Command,
    pub menu: Menu,
    /// The menu item's text.
    pub label: &'static str,
    /// What it does, for the key list (Help and README).
    pub describe: &'static str,
    /// Shortcuts, the one shown in the menu first.
    pub keys: &'static [KeyboardShortcut],
    /// A separator above the item.
    pub separator: bool,
}

const fn entry(command: Command, menu: Menu, label: &'static str) -> Entry {
    Entry {
        command,
        menu,
        label,
        describe: "",
        keys: &[],
        separator: false,
    }
}

const fn keyed(
    command: Command,
    menu: Menu,
    label: &'static str,
    describe: &'static str,
    keys: &'static [KeyboardShortcut],
) -> Entry {
    Entry {
        command,
        menu,
        label,
        describe,
        keys,
        separator: false,
    }
}

const fn sep(mut e: Entry) -> Entry {
    e.separator = true;
    e
}

use Command as C;
/// The table, in menu order.
pub const COMMANDS: &[Entry] = &[
    keyed(
        C::New,
        Menu::File,
        "New",
        "new network",
        &[key(CMD, Key::N)],
    ),
    keyed(
        C::Open,
        Menu::File,
        "Open…",
        "open a preset",
        &[key(CMD, Key::O)],
    ),
    entry(C::OpenRecent, Menu::File, "Open Recent"),
    sep(keyed(
        C::Save,
        Menu::File,
        "Save",
        "save",
        &[key(CMD, Key::S)],
    )),
    keyed(
        C::SaveAs,
        Menu::File,
        "Save As…",
        "save as",
        &[key(SHIFT_CMD, Key::S)],
    ),
    sep(entry(C::OpenWorkspace, Menu::File, "Open Workspace…")),
    entry(C::RecentWorkspaces, Menu::File, "Recent Workspaces"),
    sep(entry(C::OpenCheckpoint, Menu::File, "Open Checkpoint…")),
    entry(C::ExportPytorch, Menu::File, "Export to PyTorch…"),
    sep(entry(C::Quit, Menu::File, "Quit")),
    keyed(
        C::Undo,
        Menu::Edit,
        "Undo",
        "undo (every network and settings edit)",
        &[key(CMD, Key::Z)],
    ),
    keyed(
        C::Redo,
        Menu::Edit,
        "Redo",
        "redo",
        &[key(SHIFT_CMD, Key::Z), key(CMD, Key::Y)],
    ),
    sep(keyed(
        C::DuplicateLayer,
        Menu::Edit,
        "Duplicate layer",
        "duplicate the selected layer",
        &[key(CMD, Key::D)],
    )),
    keyed(
        C::DeleteLayer,
        Menu::Edit,
        "Delete layer",
        "delete the selected layer",
        &[key(Modifiers::NONE, Key::Delete)],
    ),
    keyed(
        C::Train,
        Menu::Run,
        "Train",
        "train",
        &[key(CMD, Key::Enter)],
    ),
    entry(C::Pause, Menu::Run, "Pause"),
    entry(C::Resume, Menu::Run, "Resume"),
    entry(C::Stop, Menu::Run, "Stop"),
    entry(C::SaveCheckpoint, Menu::Run, "Save checkpoint"),
    sep(entry(C::Compare, Menu::Run, "Compare…")),
    entry(C::DownloadData, Menu::Data, "Download…"),
    entry(C::ViewDataset, Menu::Data, "View dataset…"),
    sep(entry(C::Zoo, Menu::Data, "Zoo of networks…")),
    entry(C::Keys, Menu::Help, "Keyboard shortcuts"),
    entry(C::About, Menu::Help, "About cnn-workbench"),
];

/// What the commands depend on, gathered by the app once per frame.
#[derive(Clone, Debug, Default)]
pub struct CommandState {
    pub selected: Option<usize>,
    pub can_undo: bool,
    pub can_redo: bool,
    /// Train can start (the network and data are usable, no run is active).
    pub can_train: bool,
    /// A run is training or paused.
    pub run_active: bool,
    pub run_paused: bool,
    /// The Compare… dialog can open (the network is usable).
    pub can_compare: bool,
}

impl Command {
    /// The action a click or key press asks for; None for the submenus (their items carry
    /// their own action) and for the key list, which the menu shows in place.
    pub fn action(self, s: &CommandState) -> Option<Action> {
        Some(match self {
            C::New => Action::New,
            C::Open => Action::Open,
            C::Save => Action::Save,
            C::SaveAs => Action::SaveAs,
            C::OpenWorkspace => Action::OpenWorkspace,
            C::OpenCheckpoint => Action::OpenCheckpoint,
            C::ExportPytorch => Action::OpenExport(None),
            C::Quit => Action::Quit,
            C::Undo => Action::Undo,
            C::Redo => Action::Redo,
            C::DuplicateLayer => Action::DuplicateLayer(s.selected?),
            C::DeleteLayer => Action::RemoveLayer(s.selected?),
            C::Train => Action::Train,
            C::Pause => Action::Pause,
            C::Resume => Action::Resume,
            C::Stop => Action::Stop,
            C::SaveCheckpoint => Action::SaveCheckpoint,
            C::Compare => Action::OpenCompareDialog,
            C::DownloadData => Action::OpenDownload,
            C::ViewDataset => Action::OpenDatasetView,
            C::Zoo => Action::OpenZoo,
            C::About => Action::OpenAbout,
            C::OpenRecent | C::RecentWorkspaces | C::Keys => return None,
        })
    }

    /// Whether the command can be given now (menu items are greyed out otherwise, and the
    /// shortcut does nothing).
    pub fn enabled(self, s: &CommandState) -> bool {
        match self {
            C::Undo => s.can_undo,
            C::Redo => s.can_redo,
            C::DuplicateLayer | C::DeleteLayer => s.selected.is_some(),
            C::Train => s.can_train,
            C::Pause => s.run_active && !s.run_paused,
            C::Resume => s.run_paused,
            C::Stop | C::SaveCheckpoint => s.run_active,
            C::Compare => s.can_compare,
            C::New
            | C::Open
            | C::OpenRecent
            | C::Save
            | C::SaveAs
            | C::OpenWorkspace
            | C::RecentWorkspaces
            | C::OpenCheckpoint
            | C::ExportPytorch
            | C::Quit
            | C::DownloadData
            | C::ViewDataset
            | C::Zoo
            | C::Keys
            | C::About => true,
        }
    }

    /// Whether the shortcut must wait while a text field or value has the keyboard (Delete
    /// edits text there).
    pub fn not_while_typing(self) -> bool {
        matches!(self, C::DuplicateLayer | C::DeleteLayer)
    }

    /// The snake-case name (journey tests are named after it).
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn entry(self) -> &'static Entry {
        COMMANDS
            .iter()
            .find(|e| e.command == self)
            .unwrap_or(&COMMANDS[0])
    }
}

/// A shortcut as text, the same on every platform's key list ("Ctrl+Shift+S").
pub fn shortcut_text(k: &KeyboardShortcut) -> String {
    k.format(&ModifierNames::NAMES, false)
}

/// The shortcuts that a key press is checked against, most modifiers first: egui matches
/// Ctrl+Z also when Shift is held, so Ctrl+Shift+Z must be tried before it.
pub fn shortcuts_in_order() -> Vec<(KeyboardShortcut, Command)> {
    let mut all: Vec<(KeyboardShortcut, Command)> = COMMANDS
        .iter()
        .flat_map(|e| e.keys.iter().map(move |k| (*k, e.command)))
        .collect();
    let weight = |m: Modifiers| m.shift as u8 + m.alt as u8 + m.command as u8 + m.ctrl as u8;
    all.sort_by_key(|(k, _)| std::cmp::Reverse(weight(k.modifiers)));
    all
}

/// The README's key table (a test checks the README holds exactly this).
pub fn markdown_key_table() -> String {
    let mut out = String::from("| keys | action |\n| --- | --- |\n");
    for e in COMMANDS.iter().filter(|e| !e.keys.is_empty()) {
        let keys: Vec<String> = e.keys.iter().map(shortcut_text).collect();
        out.push_str(&format!("| {} | {} |\n", keys.join(" / "), e.describe));
    }
    out
}
