//! Why a run folder, a comparison or the history cannot be read or written, or a run cannot
//! start. Each names the file (and line) and what is wrong; `Refused` carries the explanation
//! composed for the user (why a finished run cannot be resumed, and what to do instead).
use std::path::{Path, PathBuf};

#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum RunsError {
    /// A file or folder that cannot be read, written or parsed.
    #[error("{}: {problem}", path.display())]
    File { path: PathBuf, problem: String },
    /// One line of a log or CSV file.
    #[error("{}: line {line}: {problem}", path.display())]
    Line {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    #[error(transparent)]
    Compare(#[from] spec::CompareError),
    #[error("{0}")]
    Refused(String),
}

/// The results of `runs`.
pub type Result<T, E = RunsError> = std::result::Result<T, E>;

impl RunsError {
    pub fn file(path: impl AsRef<Path>, problem: impl std::fmt::Display) -> RunsError {
        RunsError::File {
            path: path.as_ref().to_path_buf(),
            problem: problem.to_string(),
        }
    }
}

/// Refuses with the text shown to the user.
pub fn refused(text: impl Into<String>) -> RunsError {
    RunsError::Refused(text.into())
}

/// A literal reason (a test's launcher that starts nothing, a fixed refusal).
impl From<&str> for RunsError {
    fn from(text: &str) -> RunsError {
        refused(text)
    }
}
