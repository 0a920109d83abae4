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

/// The window's icon (assets/icon/, drawn from cnn-workbench.svg); None only if it cannot be
/// decoded, which the tests rule out.
pub fn window_icon() -> Option<egui::IconData> {
    eframe::icon_data::from_png_bytes(include_bytes!("../../assets/icon/cnn-workbench-256.png"))
        .ok()
}

/// "2.13.0+cu130 from /opt/cnn-workbench/lib": the libtorch this process runs on.
fn libtorch_line() -> String {
    match engine::cuda_addon::running_libtorch() {
        Some(lib) => format!(
            "{} from {}",
            engine::cuda_addon::libtorch_version(),
            lib.display()
        ),
        None => LIBTORCH_VERSION.to_string(),
    }
}

/// Where the licence texts of everything in the program are: the bundle's doc folder, or the
/// way to make it from a checkout.
fn licences_line() -> String {
    let doc = engine::cuda_addon::bundle_root().map(|r| r.join("share/doc/cnn-workbench"));
    match doc.filter(|d| d.join("THIRD-PARTY-LICENSES.txt").is_file()) {
        Some(d) => format!("the crates', PyTorch's and NVIDIA's in {}", d.display()),
        None => "a development build: `make dist` collects them into share/doc/cnn-workbench"
            .to_string(),
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
                    ui.label(libtorch_line());
                    ui.end_row();
                    ui.label("devices");
                    ui.label(env.devices.join(", "));
                    ui.end_row();
                    ui.label("CUDA");
                    ui.add(egui::Label::new(env.cuda_status).wrap());
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
                    ui.label("licences");
                    ui.label(licences_line());
                    ui.end_row();
                });
                close = ui.button("Close").clicked();
            });
        open && !close
    }
}
