//! The inspector window: it owns the checkpoint views and their threads (one per open
//! checkpoint), forwards the requests its panels queue and hands the answers back within the
//! frame's budget. Panels never see a thread.
use super::view::{Effect, Env, View};
use engine::inspect::InspectorHandle;
use protocol::Notify;
use runs::Budget;
use std::path::{Path, PathBuf};
use std::time::Duration;
use ui::inspector::{CheckpointView, InspectTab, InspectorState};
use ui::Action;

/// Filters, maps, confusion, Grad-CAM… of one checkpoint, or two side by side.
pub(crate) struct InspectorWindow {
    pub state: InspectorState,
    a: InspectorHandle,
    b: Option<InspectorHandle>,
}

fn spawn(path: &Path, notify: Option<Notify>) -> Result<InspectorHandle, String> {
    InspectorHandle::spawn(path.to_path_buf(), None, notify)
        .map_err(|e| format!("cannot start the inspector: {e}"))
}

impl InspectorWindow {
    /// Opens a checkpoint (a `.safetensors` file or a run folder).
    pub(crate) fn open(path: PathBuf, notify: Option<Notify>) -> Result<InspectorWindow, String> {
        let a = spawn(&path, notify)?;
        Ok(InspectorWindow {
            state: InspectorState::new(CheckpointView::new(path)),
            a,
            b: None,
        })
    }

    /// Opens a second checkpoint beside the first.
    pub(crate) fn open_beside(
        &mut self,
        path: PathBuf,
        notify: Option<Notify>,
    ) -> Result<(), String> {
        let opened = spawn(&path, notify).map(|b| {
            self.state.b = Some(CheckpointView::new(path));
            self.b = Some(b);
        });
        self.state.tab = InspectTab::SideBySide;
        opened
    }

    /// An "explain this number" answer that has just arrived, for the Learn window.
    fn take_explanation(&mut self, out: &mut Vec<Effect>) {
        let sides = std::iter::once(&mut self.state.a).chain(self.state.b.as_mut());
        for side in sides {
            if !std::mem::take(&mut side.explained_new) {
                continue;
            }
            if let Some(Ok(e)) = &side.explained {
                out.push(Effect::Explain(Box::new(e.clone())));
            }
        }
    }
}

impl View for InspectorWindow {
    fn show(&mut self, ctx: &egui::Context, _env: &Env<'_>, out: &mut Vec<Effect>) -> bool {
        self.take_explanation(out);
        let mut open = true;
        let mut second = None;
        let state = &mut self.state;
        egui::Window::new(format!("Inspector — {}", state.a.name()))
            .id(egui::Id::unique("inspector-window"))
            .open(&mut open)
            .default_size([1100.0, 700.0])
            .show(ctx, |ui| second = ui::inspector::inspector_ui(ui, state));
        if let Some(path) = second {
            out.push(Effect::Do(Action::InspectBeside(path)));
        }
        if state.busy() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        open
    }

    /// Requests out, answers in, while the budget lasts.
    fn poll(&mut self, budget: Budget) {
        let state = &mut self.state;
        for r in state.a.requests.drain(..) {
            self.a.ask(r);
        }
        if let (Some(side), Some(h)) = (state.b.as_mut(), self.b.as_mut()) {
            for r in side.requests.drain(..) {
                h.ask(r);
            }
        }
        while budget.left() {
            match self.a.try_recv() {
                Some(r) => state.receive_a(r),
                None => break,
            }
        }
        while budget.left() {
            match self.b.as_mut().and_then(|h| h.try_recv()) {
                Some(r) => state.receive_b(r),
                None => break,
            }
        }
    }
}
