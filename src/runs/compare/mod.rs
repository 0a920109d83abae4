//! Comparisons: the queue of variant × seed runs (`queue`), its manifest on disk (`manifest`),
//! per-variant aggregates (`summary`) and the curves and bands of the overlay plots (`band`).
//! Pure state: the runs themselves are started through a [`Launcher`](crate::runs::handle::Launcher).
mod band;
mod ensemble;
mod manifest;
mod queue;
mod summary;

pub use band::{band, series, BandPoint, Metric, XAxis};
pub use ensemble::{Ensembles, ENSEMBLES_FILE};
pub use manifest::{Comparison, ComparisonRun, MANIFEST};
pub use queue::{CompareQueue, Job, JobStatus};
pub use summary::{summarize, MeanStd, VariantSummary};

/// What a variant changes in the network it is made from, as "field: before -> after" lines,
/// compared after resolving the network-wide defaults (so they name what really differs).
pub fn variant_changes(base: &crate::spec::Preset, variant: &crate::spec::Preset) -> Vec<String> {
    use crate::spec::compare::effective;
    crate::runs::history::config_diff(&effective(base), &effective(variant))
        .into_iter()
        .map(|(field, a, b)| format!("{field}: {a} -> {b}"))
        .collect()
}
