//! A comparison's manifest on disk: what was varied and which runs belong to it.
use crate::error::{refused, RunsError};
use crate::history::COMPARISONS_DIR;
use serde::{Deserialize, Serialize};
use spec::CompareSpec;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "comparison.ron";

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(default)]
pub struct ComparisonRun {
    pub variant: String,
    pub seed: u64,
    /// The run folder's name under `runs/`.
    pub run: String,
}

/// A comparison's manifest: what was varied and which runs belong to it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(default)]
pub struct Comparison {
    pub name: String,
    pub spec: CompareSpec,
    pub created: String,
    pub runs: Vec<ComparisonRun>,
}

impl Comparison {
    pub fn dir(workspace: &Path, id: &str) -> PathBuf {
        workspace.join(COMPARISONS_DIR).join(id)
    }

    pub fn save(&self, workspace: &Path, id: &str) -> Result<(), RunsError> {
        let dir = Comparison::dir(workspace, id);
        std::fs::create_dir_all(&dir)
            .map_err(|e| RunsError::file(&dir, format!("cannot create: {e}")))?;
        let text = ron::ser::to_string_pretty(self, ron::ser::PrettyConfig::default())
            .map_err(|e| refused(e.to_string()))?;
        spec::preset::write_atomic(&dir.join(MANIFEST), text.as_bytes())
            .map_err(|e| RunsError::file(dir.join(MANIFEST), format!("cannot write: {e}")))
    }

    pub fn load(workspace: &Path, id: &str) -> Result<Comparison, RunsError> {
        let path = Comparison::dir(workspace, id).join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| RunsError::file(&path, e))?;
        ron::from_str(&text).map_err(|e| RunsError::file(&path, e))
    }

    /// Every comparison in the workspace, newest first; unreadable ones with the reason.
    pub fn list(workspace: &Path) -> Vec<(String, Result<Comparison, RunsError>)> {
        let Ok(read) = std::fs::read_dir(workspace.join(COMPARISONS_DIR)) else {
            return Vec::new();
        };
        let mut all: Vec<(String, Result<Comparison, RunsError>)> = read
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| {
                let id = e.file_name().to_string_lossy().into_owned();
                let c = Comparison::load(workspace, &id);
                (id, c)
            })
            .collect();
        all.sort_by(|a, b| b.0.cmp(&a.0));
        all
    }
}
