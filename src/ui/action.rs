//! What panels ask for. Panels only draw and return actions; the app carries them out after
//! the frame (it owns the document, the runs and the worker threads).
use crate::spec::{CompareSpec, Layer};
use std::path::PathBuf;

/// Something the user asked for; carried out after the frame.
#[derive(Clone, Debug)]
pub enum Action {
    /// Insert at `at` (None: after the selected layer, or at the end).
    AddLayer {
        layer: Layer,
        at: Option<usize>,
    },
    Select(Option<usize>),
    RemoveLayer(usize),
    DuplicateLayer(usize),
    MoveLayer {
        from: usize,
        to: usize,
    },
    Train,
    Pause,
    Resume,
    Stop,
    SaveCheckpoint,
    New,
    Open,
    OpenPath(PathBuf),
    OpenBundled(&'static str),
    Save,
    SaveAs,
    SaveAsPath(PathBuf),
    PickDataFolder,
    /// The Download… window of the Data section.
    OpenDownload,
    /// The dataset view.
    OpenDatasetView,
    /// The zoo of architectures.
    OpenZoo,
    /// Continue a stopped or interrupted run in its folder (its resume state).
    ResumeRun(PathBuf),
    /// Freeze or unfreeze a layer for fine-tuning (0-based).
    SetFrozen(usize, bool),
    /// The Learn window on one of its labs.
    OpenLearn(crate::ui::learn::LearnTab),
    /// File → Export to PyTorch…, for the editor's network or this run folder.
    OpenExport(Option<PathBuf>),
    Undo,
    Redo,
    Quit,
    OpenCompareDialog,
    StartCompare(CompareSpec),
    ComparePause,
    CompareResume,
    CompareCancel,
    CompareMove {
        from: usize,
        to: usize,
    },
    RefreshHistory,
    OpenRun(PathBuf),
    OpenComparison(String),
    RenameRun(PathBuf),
    DeleteRun(PathBuf),
    ExportCsv,
    DiffRuns,
    /// Ask for a checkpoint (file dialog or typed path) and inspect it.
    OpenCheckpoint,
    /// Inspect this checkpoint: a `.safetensors` file or a run folder.
    InspectCheckpoint(PathBuf),
    /// Open this checkpoint beside the one being inspected (side by side).
    InspectBeside(PathBuf),
}
