//! Run history: the run folders of a workspace, their status and headline numbers, replaying a
//! run's event log into the same state the live view had, CSV export and config diffs.
use super::folder::{self, RunMeta, EVENTS_LOG, PRESET_FILE};
use super::heartbeat;
use super::state::{RunState, RunStatus};
use crate::error::{refused, RunsError};
use protocol::Event;
use spec::Preset;
use std::path::{Path, PathBuf};

pub mod filter;

pub const RUNS_DIR: &str = "runs";
pub const COMPARISONS_DIR: &str = "comparisons";

/// One run folder as listed in the history.
#[derive(Clone, Debug)]
pub struct RunEntry {
    pub dir: PathBuf,
    /// The folder name: the run's id.
    pub id: String,
    pub meta: RunMeta,
    pub status: RunStatus,
    pub best_val_accuracy: Option<f32>,
    /// The preset's own name (a run may be renamed).
    pub preset_name: String,
    /// Seconds the run took (so far, for one that did not finish).
    pub duration_secs: Option<f64>,
    /// The network's parameter count.
    pub params: Option<usize>,
    /// Epochs completed.
    pub epochs: usize,
}

impl RunEntry {
    /// The test accuracy of a finished (or stopped) run.
    pub fn test_accuracy(&self) -> Option<f32> {
        match self.status {
            RunStatus::Finished { test_accuracy, .. } => Some(test_accuracy),
            _ => None,
        }
    }

    /// The name shown in the list: a comparison's runs by variant and seed, others by name.
    pub fn display_name(&self) -> String {
        match (&self.meta.variant, self.meta.name.is_empty()) {
            (Some(v), _) => format!("{v} · seed {}", self.meta.seed),
            (None, true) => self.id.clone(),
            (None, false) => self.meta.name.clone(),
        }
    }
}

/// "20261127-104512" → "2026-11-27 10:45"; anything else as it is.
pub fn short_time(created: &str) -> String {
    let b = created.as_bytes();
    if b.len() >= 13 && b[8] == b'-' && created.is_ascii() {
        format!(
            "{}-{}-{} {}:{}",
            &created[0..4],
            &created[4..6],
            &created[6..8],
            &created[9..11],
            &created[11..13]
        )
    } else {
        created.to_string()
    }
}

/// A folder without a terminal event: still training somewhere when its heartbeat is fresh,
/// otherwise its writer died (or the folder predates heartbeats).
fn unfinished_status(dir: &Path) -> RunStatus {
    if heartbeat::read(dir).alive() {
        RunStatus::Running
    } else {
        RunStatus::Interrupted
    }
}

/// The last line of the log that starts with one of `prefixes`, with its 1-based number.
fn last_line<'a>(lines: &[&'a str], prefixes: &[&str]) -> Option<(usize, &'a str)> {
    lines
        .iter()
        .enumerate()
        .rev()
        .find(|(_, l)| prefixes.iter().any(|p| l.starts_with(p)))
        .map(|(i, l)| (i + 1, *l))
}

/// What the list shows of a run folder, read without replaying its whole log (a long run
/// logs thousands of events; the list needs its start, its end and `metrics.csv`), so that
/// thousands of runs list quickly. Opening the run replays everything ([`load_run`]).
fn summarize(dir: &Path, id: &str) -> Result<RunEntry, RunsError> {
    let preset_path = dir.join(PRESET_FILE);
    if !preset_path.is_file() {
        return Err(refused("missing preset.ron"));
    }
    let preset = Preset::load(&preset_path).map_err(|e| refused(e.to_string()))?;
    let meta = folder::load_meta(dir).unwrap_or_else(|_| RunMeta {
        name: id.to_string(),
        ..RunMeta::default()
    });
    let epochs = folder::read_csv(&dir.join(folder::EPOCHS_CSV))?;
    let log = dir.join(EVENTS_LOG);
    let text = std::fs::read_to_string(&log).map_err(|e| RunsError::file(&log, e))?;
    let lines: Vec<&str> = folder::complete_lines(&text).lines().collect();
    let parse = |found: Option<(usize, &str)>| -> Result<Option<Event>, RunsError> {
        found
            .map(|(n, line)| {
                folder::parse_event_line(line)
                    .map_err(|e| refused(format!("{EVENTS_LOG} line {n}: {e}")))
            })
            .transpose()
    };
    let started = parse(last_line(&lines, &["Started("]))?;
    let terminal = parse(last_line(&lines, &["Finished(", "Diverged(", "Failed("]))?;
    let status = match &terminal {
        Some(Event::Finished(f)) => RunStatus::Finished {
            test_accuracy: f.test_accuracy,
            test_top5: f.test_top5,
            stopped: f.stopped,
        },
        Some(Event::Diverged { step, .. }) => RunStatus::Diverged { step: *step },
        Some(Event::Failed { reason }) => RunStatus::Failed {
            reason: reason.clone(),
        },
        _ => unfinished_status(dir),
    };
    let duration_secs = match &terminal {
        Some(Event::Finished(f)) => Some(f.duration_secs),
        _ => match parse(last_line(&lines, &["Step("]))? {
            Some(Event::Step(m)) => Some(m.elapsed_secs),
            _ => None,
        },
    };
    Ok(RunEntry {
        dir: dir.to_path_buf(),
        id: id.to_string(),
        // metrics.csv: epoch, step, train loss, train accuracy, val loss, val accuracy, …
        best_val_accuracy: epochs
            .iter()
            .filter_map(|row| row.get(5).map(|v| *v as f32))
            .reduce(f32::max),
        preset_name: preset.name,
        duration_secs,
        params: match started {
            Some(Event::Started(s)) => Some(s.summary.total_params),
            _ => None,
        },
        epochs: epochs.len(),
        meta,
        status,
    })
}

fn damaged(dir: PathBuf, id: String, reason: String) -> RunEntry {
    RunEntry {
        meta: folder::load_meta(&dir).unwrap_or_else(|_| RunMeta {
            name: id.clone(),
            ..RunMeta::default()
        }),
        dir,
        id,
        status: RunStatus::Damaged { reason },
        best_val_accuracy: None,
        preset_name: String::new(),
        duration_secs: None,
        params: None,
        epochs: 0,
    }
}

/// A run read back from its folder.
pub struct LoadedRun {
    pub preset: Preset,
    pub meta: RunMeta,
    pub state: RunState,
    pub status: RunStatus,
}

/// Reads a run folder: its preset, description and the state replayed from its event log.
pub fn load_run(dir: &Path) -> Result<LoadedRun, RunsError> {
    let preset_path = dir.join(PRESET_FILE);
    if !preset_path.is_file() {
        return Err(refused("missing preset.ron"));
    }
    let preset = Preset::load(&preset_path).map_err(|e| refused(e.to_string()))?;
    let id = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let meta = folder::load_meta(dir).unwrap_or_else(|_| RunMeta {
        name: id.clone(),
        ..RunMeta::default()
    });
    folder::read_csv(&dir.join(folder::EPOCHS_CSV))?;
    let log = dir.join(EVENTS_LOG);
    let text = std::fs::read_to_string(&log).map_err(|e| RunsError::file(&log, e))?;
    let text = folder::complete_lines(&text);
    let mut state = RunState::new(if meta.name.is_empty() {
        id
    } else {
        meta.name.clone()
    });
    let mut terminal = None;
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let event: Event = folder::parse_event_line(line)
            .map_err(|e| refused(format!("{EVENTS_LOG} line {}: {e}", i + 1)))?;
        if event.is_terminal() {
            terminal = Some(event.clone());
        }
        state.apply(&event);
    }
    let status = match terminal {
        Some(Event::Finished(f)) => RunStatus::Finished {
            test_accuracy: f.test_accuracy,
            test_top5: f.test_top5,
            stopped: f.stopped,
        },
        Some(Event::Diverged { step, .. }) => RunStatus::Diverged { step },
        Some(Event::Failed { reason }) => RunStatus::Failed { reason },
        _ => unfinished_status(dir),
    };
    state.status = status.clone();
    Ok(LoadedRun {
        preset,
        meta,
        state,
        status,
    })
}

/// Every run folder under `workspace/runs`, newest first. Unreadable folders are listed as
/// damaged with the reason; nothing here fails.
pub fn scan(workspace: &Path) -> Vec<RunEntry> {
    let Ok(read) = std::fs::read_dir(workspace.join(RUNS_DIR)) else {
        return Vec::new();
    };
    let mut entries: Vec<RunEntry> = read
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| {
            let dir = e.path();
            let id = e.file_name().to_string_lossy().into_owned();
            summarize(&dir, &id).unwrap_or_else(|reason| damaged(dir, id, reason.to_string()))
        })
        .collect();
    entries.sort_by(|a, b| b.meta.created.cmp(&a.meta.created).then(b.id.cmp(&a.id)));
    entries
}

/// One run folder as [`scan`] lists it, read again (it changed); None when it is gone.
pub fn entry(dir: &Path) -> Option<RunEntry> {
    if !dir.is_dir() {
        return None;
    }
    // A folder being made this moment has no preset yet: listed once it has (in a scan it
    // would be damaged).
    let young = std::fs::metadata(dir)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age.as_secs() < 30));
    if young && !dir.join(PRESET_FILE).is_file() {
        return None;
    }
    let id = dir.file_name()?.to_string_lossy().into_owned();
    Some(
        summarize(dir, &id)
            .unwrap_or_else(|reason| damaged(dir.to_path_buf(), id, reason.to_string())),
    )
}

/// Renames and retags a run (its `run.ron`).
pub fn update_meta(dir: &Path, name: &str, tags: &[String]) -> Result<(), RunsError> {
    let mut meta = folder::load_meta(dir).unwrap_or_default();
    meta.name = name.to_string();
    meta.tags = tags.to_vec();
    folder::save_meta(dir, &meta).map_err(|e| refused(e.to_string()))
}

/// Deletes a run folder (after the user confirmed).
pub fn delete_run(dir: &Path) -> Result<(), RunsError> {
    std::fs::remove_dir_all(dir).map_err(|e| RunsError::file(dir, format!("cannot delete: {e}")))
}

/// The per-epoch metrics of several runs as one CSV, a `run` column first.
pub fn export_csv(dirs: &[PathBuf]) -> Result<String, RunsError> {
    let mut out = format!("run,{}\n", folder::EPOCHS_HEADER);
    for dir in dirs {
        let id = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let columns = folder::EPOCHS_HEADER.split(',').count();
        for row in folder::read_csv(&dir.join(folder::EPOCHS_CSV))? {
            // Folders written before a column was added get NaN in it.
            let mut cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
            cells.resize(columns.max(cells.len()), "NaN".into());
            out += &format!("{id},{}\n", cells.join(","));
        }
    }
    Ok(out)
}

fn flatten(prefix: String, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(p, v, out);
            }
        }
        serde_json::Value::Array(items) => {
            if items.is_empty() {
                out.push((prefix.clone(), "[]".into()));
            }
            for (i, v) in items.iter().enumerate() {
                flatten(format!("{prefix}[{i}]"), v, out);
            }
        }
        other => out.push((prefix, other.to_string())),
    }
}

/// The preset fields that differ between two runs: (field path, value in a, value in b).
/// A field missing on one side shows as "—".
pub fn config_diff(a: &Preset, b: &Preset) -> Vec<(String, String, String)> {
    let mut fa = Vec::new();
    let mut fb = Vec::new();
    flatten(
        String::new(),
        &serde_json::to_value(a).unwrap_or_default(),
        &mut fa,
    );
    flatten(
        String::new(),
        &serde_json::to_value(b).unwrap_or_default(),
        &mut fb,
    );
    let mb: std::collections::BTreeMap<_, _> = fb.iter().cloned().collect();
    let ma: std::collections::BTreeMap<_, _> = fa.iter().cloned().collect();
    let mut diffs = Vec::new();
    for (k, va) in &fa {
        match mb.get(k) {
            Some(vb) if vb == va => {}
            Some(vb) => diffs.push((k.clone(), va.clone(), vb.clone())),
            None => diffs.push((k.clone(), va.clone(), "—".into())),
        }
    }
    for (k, vb) in &fb {
        if !ma.contains_key(k) {
            diffs.push((k.clone(), "—".into(), vb.clone()));
        }
    }
    diffs
}
