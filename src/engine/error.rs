//! The engine's error for what the inspector, explain-this-number, ensembles, fine-tuning,
//! resuming and imports refuse. Failures that come from below keep their source (a checkpoint,
//! the data, the network, libtorch, a file); `Refused` carries the explanation composed for the
//! user (which layer, which class, what to change).
use std::path::PathBuf;

#[derive(thiserror::Error, Debug)]
pub enum EngineError {
    #[error(transparent)]
    Checkpoint(#[from] crate::checkpoint::CheckpointError),
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    #[error(transparent)]
    Network(#[from] spec::SpecError),
    #[error(transparent)]
    Layer(#[from] spec::LayerError),
    #[error(transparent)]
    Torch(#[from] tch::TchError),
    /// A file that cannot be read or written, and why.
    #[error("{}: {problem}", path.display())]
    File { path: PathBuf, problem: String },
    /// What was asked cannot be done with this checkpoint, data or network; the text says why.
    #[error("{0}")]
    Refused(String),
}

/// The engine's results.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// Refuses with the text shown to the user.
pub fn refused(text: impl Into<String>) -> EngineError {
    EngineError::Refused(text.into())
}

impl EngineError {
    /// A file problem: the path and what went wrong with it.
    pub fn file(path: impl Into<PathBuf>, problem: impl std::fmt::Display) -> EngineError {
        EngineError::File {
            path: path.into(),
            problem: problem.to_string(),
        }
    }
}
