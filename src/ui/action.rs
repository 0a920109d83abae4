//! What panels ask for. Panels only draw and return actions; the app carries them out after
//! the frame (it owns the document, the runs and the worker threads).
use spec::{CompareSpec, Layer};
use std::path::PathBuf;

/// Something the user asked for; carried out after the frame by one `match` with no wildcard
/// arm (`app/command_handling.rs`), so a variant nobody handles does not compile. Its
/// [`ActionKind`]s are listed for the journey tests: each kind has a test that performs it
/// with a click or a key (`tests/journeys.rs` checks that none is missing).
#[derive(Clone, Debug, strum::EnumDiscriminants)]
#[strum_discriminants(name(ActionKind), derive(strum::EnumIter, strum::IntoStaticStr))]
#[strum_discriminants(strum(serialize_all = "snake_case"))]
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
    /// The data folder's Browse…: a folder dialog, or the typed path where there is none.
    PickDataFolder,
    /// Use this folder as the data (its format detected, or the chosen kind kept).
    SetDataFolder(PathBuf),
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
    OpenLearn(crate::learn::LearnTab),
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
    /// Help → About.
    OpenAbout,
    /// File → Open Workspace…: ask for a folder (file dialog or typed path).
    OpenWorkspace,
    /// Use this folder as the workspace (run folders and comparisons).
    OpenWorkspacePath(PathBuf),
    /// Inspect this checkpoint: a `.safetensors` file or a run folder.
    InspectCheckpoint(PathBuf),
    /// Open this checkpoint beside the one being inspected (side by side).
    InspectBeside(PathBuf),
}
