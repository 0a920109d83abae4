//! Comparisons: the queue of variant × seed runs (`queue`), its manifest on disk (`manifest`),
//! per-variant aggregates (`summary`) and the curves and bands of the overlay plots (`band`).
//! Pure state: the runs themselves are started through a [`Launcher`](crate::handle::Launcher).
mod band;
mod changes;
mod ensemble;
mod manifest;
mod queue;
pub mod slurm;
mod summary;

pub use band::{band, series, BandPoint, Metric, XAxis};
pub use ensemble::{Ensembles, ENSEMBLES_FILE};
pub use manifest::{Comparison, ComparisonRun, MANIFEST};
pub use queue::{CompareQueue, Job, JobStatus};
pub use summary::{summarize, MeanStd, VariantSummary};

pub use changes::variant_changes;
