//! Every dialog and secondary window the app may have open, at most one of each, drawn in a
//! fixed order (later ones on top).
use super::about::AboutWindow;
use super::dialogs::{
    CompareDialog, DatasetWindow, DeleteDialog, DiffWindow, DownloadWindow, ExportDialog,
    PathPrompt, RenameDialog, UnsavedQuestion, ZooWindow,
};
use super::inspector::InspectorWindow;
use super::learn::LearnWindow;
use super::view::{show_slot, Effect, Env, View};
use runs::Budget;

#[derive(Default)]
pub(crate) struct Windows {
    pub unsaved: Option<UnsavedQuestion>,
    pub prompt: Option<PathPrompt>,
    pub download: Option<DownloadWindow>,
    pub dataset: Option<DatasetWindow>,
    pub zoo: Option<ZooWindow>,
    pub export: Option<ExportDialog>,
    pub learn: Option<LearnWindow>,
    pub compare: Option<CompareDialog>,
    pub rename: Option<RenameDialog>,
    pub delete: Option<DeleteDialog>,
    pub diff: Option<DiffWindow>,
    pub inspector: Option<InspectorWindow>,
    pub about: Option<AboutWindow>,
}

impl Windows {
    /// Draws every open window; what they ask for lands in `out`.
    pub(crate) fn show(&mut self, ctx: &egui::Context, env: &Env<'_>, out: &mut Vec<Effect>) {
        show_slot(&mut self.unsaved, ctx, env, out);
        show_slot(&mut self.prompt, ctx, env, out);
        show_slot(&mut self.download, ctx, env, out);
        show_slot(&mut self.dataset, ctx, env, out);
        show_slot(&mut self.zoo, ctx, env, out);
        show_slot(&mut self.export, ctx, env, out);
        show_slot(&mut self.learn, ctx, env, out);
        show_slot(&mut self.compare, ctx, env, out);
        show_slot(&mut self.rename, ctx, env, out);
        show_slot(&mut self.delete, ctx, env, out);
        show_slot(&mut self.diff, ctx, env, out);
        show_slot(&mut self.inspector, ctx, env, out);
        show_slot(&mut self.about, ctx, env, out);
    }

    /// The windows' background work, within the frame's budget.
    pub(crate) fn poll(&mut self, budget: Budget) {
        if let Some(i) = self.inspector.as_mut() {
            i.poll(budget);
        }
    }
}
