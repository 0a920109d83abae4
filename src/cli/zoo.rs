//! `cnn-workbench zoo`: every bundled and full-size preset in one table, sortable.
use anyhow::{bail, Result};
use spec::memory::bytes;
use spec::zoo::{builtin_rows, ZooRow};
use spec::{thousands, Preset};
use std::path::PathBuf;

/// The table, sorted by `by` (name, depth, params, macs, memory).
pub fn zoo(by: &str, extra: &[PathBuf]) -> Result<()> {
    let mut rows: Vec<ZooRow> = builtin_rows().into_iter().map(|(_, r)| r).collect();
    for path in extra {
        let p = Preset::load(path)?;
        rows.push(ZooRow::of(&p, &path.display().to_string()).map_err(anyhow::Error::msg)?);
    }
    match by {
        "name" => rows.sort_by(|a, b| a.name.cmp(&b.name)),
        "depth" => rows.sort_by_key(|r| r.depth),
        "params" => rows.sort_by_key(|r| r.params),
        "macs" => rows.sort_by_key(|r| r.macs),
        "memory" => rows.sort_by_key(|r| r.activation_bytes_per_image),
        other => bail!("cannot sort by \"{other}\": use name, depth, params, macs or memory"),
    }
    println!(
        "{:<32} {:>11} {:>6} {:>14} {:>16} {:>12}",
        "network", "input", "depth", "params", "MACs", "act./image"
    );
    for r in rows {
        println!(
            "{:<32} {:>11} {:>6} {:>14} {:>16} {:>12}",
            r.name,
            r.input.to_string(),
            r.depth,
            thousands(r.params),
            thousands(r.macs),
            bytes(r.activation_bytes_per_image)
        );
    }
    Ok(())
}
