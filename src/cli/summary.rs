//! `cnn-workbench summary`: a Keras-style table of the network.
use super::load_preset;
use anyhow::Result;
use engine::device::available_memory;
use spec::{self, memory, thousands, Preset};
use std::path::Path;

pub fn summary(path: &Path, batch_size: Option<usize>) -> Result<()> {
    let preset = match path.to_str().and_then(spec::library::bundled) {
        Some(p) if !path.exists() => p,
        _ => load_preset(path)?,
    };
    let s = spec::infer(&preset.network)?;
    print!("{}", format_summary(&preset, &s));
    let batch = batch_size.unwrap_or(preset.training.batch_size);
    let est = memory::estimate(&s, &preset.training, batch);
    println!("Training memory: {}", est.describe());
    let device = &preset.training.device;
    match available_memory(device) {
        Some(free) if est.total() > free => {
            let (i, label, b) = memory::largest_layer(&s).unwrap_or_default();
            println!(
                "Will not fit: {} available on {device} — the largest output is layer {i} {label} ({} per image); use a smaller batch or input",
                memory::bytes(free),
                memory::bytes(b)
            );
        }
        Some(free) => println!("Fits: {} available on {device}", memory::bytes(free)),
        None => println!("(the memory available on {device} is unknown)"),
    }
    Ok(())
}

pub fn format_summary(preset: &Preset, s: &spec::Summary) -> String {
    let mut out = format!("Model: {}\n", preset.name);
    let line = "-".repeat(86);
    out += &format!(
        "{line}\n{:<4} {:<26} {:>14} {:>10} {:>14} {:>12}\n{line}\n",
        "#", "Layer", "Output shape", "Params", "MACs", "Elem. ops"
    );
    out += &format!(
        "{:<4} {:<26} {:>14} {:>10} {:>14} {:>12}\n",
        "",
        "Input",
        s.input.to_string(),
        "",
        "",
        ""
    );
    for l in &s.layers {
        out += &format!(
            "{:<4} {:<26} {:>14} {:>10} {:>14} {:>12}\n",
            l.index,
            l.label,
            l.output.to_string(),
            thousands(l.params),
            thousands(l.macs),
            thousands(l.elementwise)
        );
    }
    out += &format!(
        "{line}\nTotal params: {}\nTotal MACs: {} (multiply-adds of convolution and linear layers, as thop/ptflops and the lecture count them)\nTotal element-wise ops: {} (activations 1, normalization 2 per value; pooling one per window element; residual additions 1)\nActivation memory: {:.1} KiB per image\n",
        thousands(s.total_params),
        thousands(s.total_macs),
        thousands(s.total_elementwise),
        s.activation_bytes_per_image as f64 / 1024.0
    );
    out
}
