//! The Learn window: opened from the Learn menu, from the editor's "?" links, and by clicking a
//! pixel of a feature map in the inspector ("explain this number"). The app fills in what needs
//! libtorch (the backprop view's autograd column) after the frame.
use super::WorkbenchApp;
use ui::learn::{ConvView, LearnState, LearnTab};

impl WorkbenchApp {
    pub(crate) fn open_learn(&mut self, tab: LearnTab) {
        self.learn.get_or_insert_with(LearnState::default).tab = tab;
    }

    /// An explanation that has just arrived from an inspector thread opens the convolution
    /// explorer on it.
    pub(crate) fn take_explanation(&mut self) {
        let Some(state) = self.inspector.as_mut() else {
            return;
        };
        let sides = std::iter::once(&mut state.a).chain(state.b.as_mut());
        for side in sides {
            if !std::mem::take(&mut side.explained_new) {
                continue;
            }
            if let Some(Ok(e)) = &side.explained {
                let learn = self.learn.get_or_insert_with(LearnState::default);
                learn.conv = ConvView::from_explained(e.clone());
                learn.tab = LearnTab::Convolution;
            }
        }
    }

    pub(crate) fn learn_window_ui(&mut self, ctx: &egui::Context) {
        self.take_explanation();
        let Some(learn) = self.learn.as_mut() else {
            return;
        };
        let mut open = true;
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
        if !open {
            self.learn = None;
        }
    }
}
