//! One row per architecture for the zoo: the numbers users compare networks by before they
//! train one.
use super::layer::Layer;
use super::{infer, Preset, Shape};

#[derive(Clone, Debug, PartialEq)]
pub struct ZooRow {
    pub name: String,
    /// Where it comes from: a bundled file name, a zoo file, or a path.
    pub source: String,
    pub input: Shape,
    /// Weight layers on the longest path (convolutions and dense layers; the papers' depth:
    /// VGG-16 16, ResNet-50 50, GoogLeNet 22), auxiliary heads and shortcuts not counted.
    pub depth: usize,
    pub params: usize,
    pub macs: usize,
    pub activation_bytes_per_image: usize,
}

/// Weight layers a layer adds to the longest path (each kind's `LayerRules::weight_depth`).
pub fn weight_depth(layer: &Layer) -> usize {
    layer.rules().weight_depth()
}

impl ZooRow {
    /// The row of a preset, or why its network cannot be built.
    pub fn of(preset: &Preset, source: &str) -> Result<ZooRow, crate::SpecError> {
        let s = infer(&preset.network)?;
        Ok(ZooRow {
            name: preset.name.clone(),
            source: source.to_string(),
            input: s.input,
            depth: preset.network.layers.iter().map(weight_depth).sum(),
            params: s.total_params,
            macs: s.total_macs,
            activation_bytes_per_image: s.activation_bytes_per_image,
        })
    }
}

impl ZooRow {
    /// The same architecture under the same name, wherever it was found (a bundled preset
    /// and a recently opened copy of it are one row).
    pub fn same_as(&self, other: &ZooRow) -> bool {
        (
            &self.name,
            self.input,
            self.depth,
            self.params,
            self.macs,
            self.activation_bytes_per_image,
        ) == (
            &other.name,
            other.input,
            other.depth,
            other.params,
            other.macs,
            other.activation_bytes_per_image,
        )
    }
}

/// The rows with each architecture once: the first of those that are the same.
pub fn dedup<A>(rows: Vec<(ZooRow, A)>) -> Vec<(ZooRow, A)> {
    let mut out: Vec<(ZooRow, A)> = Vec::with_capacity(rows.len());
    for (row, a) in rows {
        if !out.iter().any(|(r, _)| r.same_as(&row)) {
            out.push((row, a));
        }
    }
    out
}

/// Rows for every bundled and zoo preset, with its file name.
pub fn builtin_rows() -> Vec<(&'static str, ZooRow)> {
    super::library::BUNDLED
        .iter()
        .chain(super::library::ZOO.iter())
        .filter_map(|(file, text)| {
            let p = Preset::from_ron(text, file).ok()?;
            Some((*file, ZooRow::of(&p, file).ok()?))
        })
        .collect()
}
