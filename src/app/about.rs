//! Help → About, and the workspace: which folder holds the run folders and comparisons, and
//! switching to another (File → Open Workspace…, Recent Workspaces, `--workspace`).
use super::view::{Effect, Env, View};
use super::WorkbenchApp;
use std::path::PathBuf;

const RECENT_WORKSPACES: usize = 8;

/// What the program is, in Help → About.
const ABOUT: &str = "A desktop workbench to assemble, train and understand convolutional networks";

/// The libtorch this binary was built against (from the torch package's version.py).
pub const LIBTORCH_VERSION: &str = engine::LIBTORCH_VERSION;

/// The commit a release build was made from, or a note that this is a development build.
pub fn commit() -> &'static str {
    option_env!("CNN_WORKBENCH_COMMIT").unwrap_or("development build")
}

impl WorkbenchApp {
    /// Switches to `path` as the workspace; a path that is missing, a file or unreadable is
    /// refused with the reason, and the current workspace stays.
    pub fn open_workspace(&mut self, path: PathBuf) {
        if let Err(e) = self.set_workspace(path) {
            self.error = Some(e);
        }
    }

    /// Uses `path` as the workspace (`--workspace`, Open Workspace…), or says why not.
    pub fn set_workspace(&mut self, path: PathBuf) -> Result<(), String> {
        // The same check and words as the command line's --workspace.
        if let Err(reason) = runs::check_workspace(&path) {
            return Err(format!(
                "Cannot use it: {reason}. Still using {}.",
                self.workspace.display()
            ));
        }
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        self.workspace = path.clone();
        let recent = &mut self.library.recent_workspaces;
        recent.retain(|p| p != &path);
        recent.insert(0, path);
        recent.truncate(RECENT_WORKSPACES);
        self.history.clear();
        self.refresh_history();
        Ok(())
    }
}

/// Help → About: version, commit, libtorch, devices, workspace and licence.
pub(crate) struct AboutWindow;

impl View for AboutWindow {
    fn show(&mut self, ctx: &egui::Context, env: &Env<'_>, _out: &mut Vec<Effect>) -> bool {
        let mut open = true;
        let mut close = false;
        egui::Window::new("About cnn-workbench")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                ui.heading(format!("cnn-workbench {}", env!("CARGO_PKG_VERSION")));
                // Not CARGO_PKG_DESCRIPTION: in this crate that describes the window crate.
                ui.label(ABOUT);
                egui::Grid::new("about-grid").show(ui, |ui| {
                    ui.label("commit");
                    ui.label(commit());
                    ui.end_row();
                    ui.label("libtorch");
                    ui.label(LIBTORCH_VERSION);
                    ui.end_row();
                    ui.label("devices");
                    let cuda = env.devices.iter().any(|d| d.starts_with("cuda"));
                    ui.label(if cuda {
                        format!("CUDA found: {}", env.devices.join(", "))
                    } else {
                        "CPU only: libtorch sees no GPU".to_string()
                    });
                    ui.end_row();
                    ui.label("workspace");
                    ui.label(env.workspace.display().to_string());
                    ui.end_row();
                    ui.label("licence");
                    ui.label(format!(
                        "{}; libtorch (PyTorch) under its BSD-style licence",
                        env!("CARGO_PKG_LICENSE")
                    ));
                    ui.end_row();
                });
                close = ui.button("Close").clicked();
            });
        open && !close
    }
}
