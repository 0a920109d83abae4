//! The Learn window: opened from the Learn menu, from the editor's "?" links, and by clicking a
//! pixel of a feature map in the inspector ("explain this number"). It fills in what needs
//! libtorch (the backprop view's autograd column) itself.
use super::view::{Effect, Env, View};
use ui::learn::LearnState;

/// The concept lab.
#[derive(Default)]
pub(crate) struct LearnWindow {
    pub state: LearnState,
}

impl View for LearnWindow {
    fn show(&mut self, ctx: &egui::Context, _env: &Env<'_>, _out: &mut Vec<Effect>) -> bool {
        let mut open = true;
        let learn = &mut self.state;
        egui::Window::new("Learn")
            .open(&mut open)
            .default_size([1000.0, 700.0])
            .max_width(1150.0)
            .show(ctx, |ui| ui::learn::learn_ui(ui, learn));
        if learn.backprop.autograd.is_none() {
            // A few dozen scalar operations: fine on the UI thread.
            learn.backprop.autograd = Some(engine::lab::autograd(&learn.backprop.net));
            ctx.request_repaint();
        }
        open
    }
}
