//! The workspace: the one folder whose `runs/` and `comparisons/` the window and every command
//! read and write. Chosen by `--workspace DIR`, else `CNN_WORKBENCH_WORKSPACE`, else the user's
//! data directory, so that a run trained in a terminal shows in the window's History.
use std::path::{Path, PathBuf};

/// The environment variable that sets the workspace when no `--workspace` is given.
pub const WORKSPACE_ENV: &str = "CNN_WORKBENCH_WORKSPACE";

/// Why a folder cannot be the workspace; each names the path and the fix.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("workspace {} does not exist — create it (mkdir -p {}) or choose another folder", .0.display(), .0.display())]
    Missing(PathBuf),
    #[error("workspace {} is a file, not a folder — choose the folder that holds runs/ and comparisons/", .0.display())]
    NotAFolder(PathBuf),
    #[error("workspace {} cannot be read ({}) — check its permissions or choose another folder", .0.display(), .1)]
    Unreadable(PathBuf, std::io::Error),
    #[error("cannot create the workspace {} ({}) — choose another folder with --workspace", .0.display(), .1)]
    CannotCreate(PathBuf, std::io::Error),
}

/// The default workspace (run folders under `runs/`, comparisons under `comparisons/`): the
/// user's data directory, `$XDG_DATA_HOME/cnn-workbench` (`~/.local/share/cnn-workbench`).
pub fn default_workspace() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("cnn-workbench")
}

/// The workspace a user asked for: `--workspace` if given, else `CNN_WORKBENCH_WORKSPACE`;
/// None when neither is set (then the default applies).
pub fn chosen_workspace(flag: Option<&Path>) -> Option<PathBuf> {
    flag.map(Path::to_path_buf).or_else(|| {
        std::env::var_os(WORKSPACE_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

/// Whether `path` can be the workspace: an existing, readable folder.
pub fn check_workspace(path: &Path) -> Result<(), WorkspaceError> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(WorkspaceError::Missing(path.to_path_buf()))
        }
        Err(e) => Err(WorkspaceError::Unreadable(path.to_path_buf(), e)),
        Ok(m) if !m.is_dir() => Err(WorkspaceError::NotAFolder(path.to_path_buf())),
        Ok(_) => std::fs::read_dir(path)
            .map(|_| ())
            .map_err(|e| WorkspaceError::Unreadable(path.to_path_buf(), e)),
    }
}

/// The workspace for a command: the chosen one, which must exist, or the default one, created
/// when missing (a first run on a fresh machine).
pub fn resolve_workspace(flag: Option<&Path>) -> Result<PathBuf, WorkspaceError> {
    match chosen_workspace(flag) {
        Some(path) => check_workspace(&path).map(|()| path),
        None => {
            let path = default_workspace();
            if !path.exists() {
                std::fs::create_dir_all(&path)
                    .map_err(|e| WorkspaceError::CannotCreate(path.clone(), e))?;
            }
            check_workspace(&path).map(|()| path)
        }
    }
}
