//! Importing PyTorch weights: a `state_dict` saved with `torch.save` (`.pth`/`.pt`) or as
//! safetensors, whose model matches a preset, becomes a workbench checkpoint.
//!
//! Names are matched directly when they are the workbench's own ("05_residual.main.0.conv.
//! weight"); otherwise by structure, for models whose modules come in the network's order —
//! torchvision's ResNet and VGG layouts: the state_dict's modules (`layer1.0.bn1`) are paired
//! in order with the workbench's (`05_residual.main.0.norm`), and within a module the tensors
//! by their own names (weight, bias, running_mean, running_var). Every mismatch is listed.
use super::checkpoint;
use super::model::Model;
use crate::error::{refused, EngineError, Result};
use spec::Preset;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tch::{Device, Tensor};

/// Reads the named tensors of a state_dict file.
pub fn read_state_dict(path: &Path) -> Result<Vec<(String, Tensor)>> {
    let is_safetensors = path.extension().is_some_and(|e| e == "safetensors");
    let read = if is_safetensors {
        Tensor::read_safetensors(path).map_err(EngineError::from)
    } else {
        read_torch_save(path)
    };
    read.map_err(|e| {
        EngineError::file(
            path,
            format!(
                "not a state_dict saved with torch.save or as safetensors ({})",
                e.to_string().lines().next().unwrap_or_default()
            ),
        )
    })
}

/// `torch.save`'s zip format: `<name>/data.pkl` (a pickle whose tensors refer to storages by
/// persistent id) and `<name>/data/<key>` (each storage's raw little-endian bytes). Read with
/// the workbench's own pickle reader, which executes nothing.
fn read_torch_save(path: &Path) -> Result<Vec<(String, Tensor)>> {
    use super::data::pickle::{self, Value};
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| refused(e.to_string()))?;
    let mut zip =
        zip::ZipArchive::new(file).map_err(|e| refused(format!("not a zip archive: {e}")))?;
    let pkl_name = zip
        .file_names()
        .find(|n| n.ends_with("/data.pkl") || *n == "data.pkl")
        .map(String::from)
        .ok_or_else(|| refused("no data.pkl inside"))?;
    let prefix = pkl_name.trim_end_matches("data.pkl").to_string();
    let mut read_entry = |name: &str| -> Result<Vec<u8>> {
        let mut e = zip
            .by_name(name)
            .map_err(|e| refused(format!("{name}: {e}")))?;
        let mut out = Vec::new();
        e.read_to_end(&mut out)
            .map_err(|e| refused(format!("{name}: {e}")))?;
        Ok(out)
    };
    let root = pickle::load(&read_entry(&pkl_name)?).map_err(|e| refused(e.0))?;
    let Value::Dict(items) = root else {
        return Err(refused("the pickle is not a dictionary of tensors"));
    };
    let mut out = Vec::new();
    for (k, v) in &items {
        let name = String::from_utf8_lossy(&k.as_bytes().unwrap_or_default()).into_owned();
        let Value::Object { class, args, .. } = v else {
            return Err(refused(format!("{name} is not a tensor")));
        };
        if !class.ends_with("_rebuild_tensor_v2") || args.len() < 4 {
            return Err(refused(format!("{name} is not a tensor ({class})")));
        }
        let (kind, key) =
            storage_of(&args[0]).ok_or_else(|| refused(format!("{name}: unknown storage")))?;
        let bytes = read_entry(&format!("{prefix}data/{key}"))?;
        let ints = |v: &Value| -> Vec<i64> {
            v.items()
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_int)
                .collect()
        };
        let offset = args[1].as_int().unwrap_or(0);
        let t = Tensor::from_data_size(
            &bytes,
            &[(bytes.len() / kind.elt_size_in_bytes()) as i64],
            kind,
        )
        .as_strided(ints(&args[2]), ints(&args[3]), offset)
        .contiguous();
        out.push((name, t));
    }
    Ok(out)
}

/// The element kind and key of a persistent storage id ('storage', torch.FloatStorage, key, …).
fn storage_of(v: &super::data::pickle::Value) -> Option<(tch::Kind, String)> {
    use super::data::pickle::Value;
    let Value::Object { class, args, .. } = v else {
        return None;
    };
    if class != "persistent_id" {
        return None;
    }
    let pid = args.first()?.items()?;
    let kind = match pid.get(1)? {
        Value::Global(g) if g.ends_with("FloatStorage") => tch::Kind::Float,
        Value::Global(g) if g.ends_with("DoubleStorage") => tch::Kind::Double,
        Value::Global(g) if g.ends_with("HalfStorage") => tch::Kind::Half,
        Value::Global(g) if g.ends_with("BFloat16Storage") => tch::Kind::BFloat16,
        Value::Global(g) if g.ends_with("LongStorage") => tch::Kind::Int64,
        Value::Global(g) if g.ends_with("IntStorage") => tch::Kind::Int,
        _ => return None,
    };
    let key = String::from_utf8_lossy(&pid.get(2)?.as_bytes()?).into_owned();
    Some((kind, key))
}

/// "05_residual.main.0.norm.weight" → ("05_residual.main.0.norm", "weight").
fn split(name: &str) -> (&str, &str) {
    name.rsplit_once('.').unwrap_or(("", name))
}

/// Our modules in network order: by layer number, then path.
fn our_modules(names: &[String]) -> Vec<String> {
    let mut modules: Vec<String> = names.iter().map(|n| split(n).0.to_string()).collect();
    modules.sort_by_key(|m| {
        let index: usize = m
            .split('_')
            .next()
            .and_then(|i| i.parse().ok())
            .unwrap_or(0);
        (index, m.clone())
    });
    modules.dedup();
    modules
}

/// Their modules in file order (first appearance), without counters that carry no weights.
fn their_modules(tensors: &[(String, Tensor)]) -> Vec<String> {
    let mut modules: Vec<String> = Vec::new();
    for (name, _) in tensors {
        let (m, leaf) = split(name);
        if leaf != "num_batches_tracked" && !modules.iter().any(|x| x == m) {
            modules.push(m.to_string());
        }
    }
    modules
}

/// Our variable name for each of their tensors; every mismatch listed.
fn map_names(
    ours: &HashMap<String, Tensor>,
    theirs: &[(String, Tensor)],
) -> Result<Vec<(String, String)>, Vec<String>> {
    let mut problems = Vec::new();
    let direct = theirs
        .iter()
        .all(|(n, _)| ours.contains_key(n) || n.ends_with("num_batches_tracked"));
    let mut pairs = Vec::new();
    if direct {
        pairs = theirs
            .iter()
            .filter(|(n, _)| ours.contains_key(n))
            .map(|(n, _)| (n.clone(), n.clone()))
            .collect();
    } else {
        let our_names: Vec<String> = ours.keys().cloned().collect();
        let (om, tm) = (our_modules(&our_names), their_modules(theirs));
        if om.len() != tm.len() {
            problems.push(format!(
                "the file has {} modules with weights, the network {} — not the same architecture",
                tm.len(),
                om.len()
            ));
        }
        for (o, t) in om.iter().zip(&tm) {
            for (name, _) in theirs.iter().filter(|(n, _)| split(n).0 == t) {
                let leaf = split(name).1;
                if leaf == "num_batches_tracked" {
                    continue;
                }
                pairs.push((name.clone(), format!("{o}.{leaf}")));
            }
        }
    }
    let mut covered = std::collections::HashSet::new();
    let theirs_by_name: HashMap<&str, &Tensor> =
        theirs.iter().map(|(n, t)| (n.as_str(), t)).collect();
    for (from, to) in &pairs {
        match (ours.get(to), theirs_by_name.get(from.as_str())) {
            (Some(o), Some(t)) if o.size() != t.size() => problems.push(format!(
                "{from} → {to}: shape {:?} in the file, {:?} in the network",
                t.size(),
                o.size()
            )),
            (None, _) => problems.push(format!("{from}: no {to} in the network (unexpected)")),
            _ => {
                covered.insert(to.clone());
            }
        }
    }
    let mut missing: Vec<&String> = ours.keys().filter(|k| !covered.contains(*k)).collect();
    missing.sort();
    for m in missing {
        problems.push(format!("{m}: missing from the file"));
    }
    if problems.is_empty() {
        Ok(pairs)
    } else {
        Err(problems)
    }
}

/// Builds `preset`'s network, fills it from `state_dict`, and writes a checkpoint (with the
/// preset beside it) into `out`; returns the weights' path.
pub fn import(state_dict: &Path, preset: &Preset, out: &Path) -> Result<PathBuf> {
    let theirs = read_state_dict(state_dict)?;
    let model = Model::build(&preset.network, Device::Cpu, preset.training.seed)?;
    let ours = model.vs.variables();
    let pairs = map_names(&ours, &theirs).map_err(|p| {
        refused(format!(
            "{} does not match {}:\n  {}",
            state_dict.display(),
            preset.name,
            p.join("\n  ")
        ))
    })?;
    let theirs_by_name: HashMap<&str, &Tensor> =
        theirs.iter().map(|(n, t)| (n.as_str(), t)).collect();
    tch::no_grad(|| {
        for (from, to) in &pairs {
            if let (Some(mut var), Some(t)) = (
                ours.get(to).map(|v| v.shallow_clone()),
                theirs_by_name.get(from.as_str()),
            ) {
                var.copy_(&t.to_kind(var.kind()));
            }
        }
    });
    Ok(checkpoint::save(out, "model", preset, &model)?)
}
