//! Dialogs and secondary windows as objects (as the egui demo's `View`): each owns its state
//! and any background work, draws itself, and asks the app for everything else by returning
//! [`Effect`]s, carried out after the frame like the panels' actions.
use super::waker::Waker;
use protocol::inspect::Explained;
use runs::Budget;
use spec::Preset;
use std::path::Path;
use ui::Action;

/// A dialog or a secondary window.
pub(crate) trait View {
    /// Draws one frame; false once the window is closed (the app then drops it).
    fn show(&mut self, ctx: &egui::Context, env: &Env<'_>, out: &mut Vec<Effect>) -> bool;

    /// Background work between frames (its threads' answers), within the frame's budget.
    fn poll(&mut self, _budget: Budget) {}
}

/// What a view may read of the app while it draws.
pub(crate) struct Env<'a> {
    /// The document being edited.
    pub preset: &'a Preset,
    pub workspace: &'a Path,
    /// Devices libtorch sees ("cpu", "cuda:0", …).
    pub devices: &'a [String],
    /// What the start-up search for libtorch's CUDA libraries found.
    pub cuda_status: &'a str,
    /// Native file dialogs may open (off in tests: typed paths only).
    pub native_dialogs: bool,
    /// Wakes the window when a view's background work reports.
    pub waker: &'a Waker,
}

/// What a view asks of the app.
pub(crate) enum Effect {
    /// A user action, exactly as a panel returns it.
    Do(Action),
    /// A failure to show in the error dialog.
    Error(String),
    /// Run folders were renamed or deleted: rescan the history.
    HistoryChanged,
    /// The unsaved-changes question's Save: save, then carry out the action.
    SaveThen(Action),
    /// The unsaved-changes question's Discard: carry out the action as if the work were saved.
    DiscardThen(Action),
    /// A typed-path prompt was cancelled: nothing waits for a save any more.
    ForgetSave,
    /// Train on this downloaded dataset.
    UseDataset(String),
    /// A download finished: the data panel's list of downloaded datasets is stale.
    Downloaded,
    /// "Explain this number" answered: open the convolution explorer on it.
    Explain(Box<Explained>),
    /// Runs at once in a comparison on a GPU.
    SetParallel(usize),
    /// Where a comparison's runs are carried out: Some(n) worker processes, or this process.
    SetWorkers(Option<usize>),
}

/// Shows the view in `slot`, if any, and drops it once it closes.
pub(crate) fn show_slot<V: View>(
    slot: &mut Option<V>,
    ctx: &egui::Context,
    env: &Env<'_>,
    out: &mut Vec<Effect>,
) {
    if let Some(view) = slot {
        if !view.show(ctx, env, out) {
            *slot = None;
        }
    }
}
