//! Runs: starting them with their folder as the trainer's event sink, folders on disk, the
//! state folded from trainer events, history and comparisons.
pub mod budget;
pub mod compare;
pub mod error;
pub mod folder;
pub mod handle;
pub mod heartbeat;
pub mod history;
pub mod state;
pub mod tensorboard;
pub mod watch;
pub mod workspace;

pub use budget::Budget;
pub use folder::RunFolder;

pub use state::{decimate, RunState, RunStatus};
pub use workspace::{check_workspace, default_workspace, resolve_workspace, WorkspaceError};

/// A file-name-safe form of a name: lowercase letters, digits and dots, words joined by '-'
/// ("LeNet-5 (MNIST)" → "lenet-5-mnist"); "run" when nothing is left.
pub fn slug(name: &str) -> String {
    let s = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if s.is_empty() {
        "run".into()
    } else {
        s
    }
}

/// A run folder name from a preset name and the current time: "lenet-5-20261127-104512".
pub fn run_name(preset_name: &str) -> String {
    format!("{}-{}", slug(preset_name), timestamp())
}

/// UTC "YYYYMMDD-HHMMSS" for the current time.
pub fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
pub use error::{refused, RunsError};
