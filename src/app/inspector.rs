//! The inspector's threads: the app owns them, forwards the requests the panels queued on each
//! side and hands the answers back within the frame's budget. Panels never see a thread.
use super::WorkbenchApp;
use engine::inspect::InspectorHandle;
use protocol::Notify;
use runs::Budget;
use std::path::PathBuf;
use std::time::Duration;
use ui::inspector::{CheckpointView, InspectTab, InspectorState};

/// One thread per open checkpoint.
pub struct InspectorThreads {
    a: InspectorHandle,
    b: Option<InspectorHandle>,
}

fn spawn(path: &std::path::Path, notify: Option<Notify>) -> Result<InspectorHandle, String> {
    InspectorHandle::spawn(path.to_path_buf(), None, notify)
        .map_err(|e| format!("cannot start the inspector: {e}"))
}

impl InspectorThreads {
    /// Requests out, answers in, while the budget lasts.
    pub fn pump(&mut self, state: &mut InspectorState, budget: Budget) {
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

impl WorkbenchApp {
    /// Opens a checkpoint (a `.safetensors` file or a run folder) in the inspector.
    pub(crate) fn inspect(&mut self, path: PathBuf) {
        match spawn(&path, self.repaint.clone()) {
            Ok(a) => {
                self.inspector = Some(InspectorState::new(CheckpointView::new(path)));
                self.inspector_threads = Some(InspectorThreads { a, b: None });
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Opens a second checkpoint beside the one being inspected.
    pub(crate) fn inspect_beside(&mut self, path: PathBuf) {
        let (Some(state), Some(threads)) =
            (self.inspector.as_mut(), self.inspector_threads.as_mut())
        else {
            self.inspect(path);
            return;
        };
        match spawn(&path, self.repaint.clone()) {
            Ok(b) => {
                state.b = Some(CheckpointView::new(path));
                threads.b = Some(b);
            }
            Err(e) => self.error = Some(e),
        }
        state.tab = InspectTab::SideBySide;
    }

    pub(crate) fn inspector_window_ui(&mut self, ctx: &egui::Context) {
        let Some(state) = self.inspector.as_mut() else {
            return;
        };
        let mut open = true;
        let mut second = None;
        egui::Window::new(format!("Inspector — {}", state.a.name()))
            .id(egui::Id::unique("inspector-window"))
            .open(&mut open)
            .default_size([1100.0, 700.0])
            .show(ctx, |ui| second = ui::inspector::inspector_ui(ui, state));
        let busy = state.busy();
        if let Some(path) = second {
            self.inspect_beside(path);
        }
        if busy {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        if !open {
            self.inspector = None;
            self.inspector_threads = None;
        }
    }
}
