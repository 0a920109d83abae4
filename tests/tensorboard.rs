#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! Every run writes TensorBoard event files; TensorBoard's own reader (from the project's
//! Python environment) reads them back equal to the run's CSV.
use std::path::Path;
use std::process::Command;

#[test]
fn tensorboard_reads_the_runs_scalars_histograms_and_preset() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_cnn-workbench"))
        .current_dir(root)
        .args([
            "train",
            "presets/lenet5.ron",
            "--data",
            "synthetic",
            "--epochs",
            "1",
        ])
        .args([
            "--train-limit",
            "600",
            "--probe-every",
            "5",
            "--quiet",
            "--out",
        ])
        .arg(&run)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = r#"
import json, sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
ea = EventAccumulator(sys.argv[1], size_guidance={'scalars': 0, 'histograms': 0, 'tensors': 0})
ea.Reload()
tags = ea.Tags()
print(json.dumps({
    'loss': [[e.step, e.value] for e in ea.Scalars('train/loss')],
    'test': [e.value for e in ea.Scalars('test/accuracy')],
    'val': [e.value for e in ea.Scalars('val/accuracy')],
    'histograms': tags['histograms'],
    'hist_num': ea.Histograms(tags['histograms'][0])[0].histogram_value.num,
    'preset': ea.Tensors('preset')[0].tensor_proto.string_val[0].decode(),
}))
"#;
    let o = Command::new(root.join(".venv/bin/python"))
        .args(["-c", script])
        .arg(&run)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let tb: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // Scalars: every step of steps.csv, same loss (float32).
    let csv = std::fs::read_to_string(run.join("steps.csv")).unwrap();
    let rows: Vec<(u64, f32)> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[0].parse().unwrap(), c[2].parse().unwrap())
        })
        .collect();
    let loss = tb["loss"].as_array().unwrap();
    assert!(rows.len() > 10, "{} steps in steps.csv", rows.len());
    assert_eq!(loss.len(), rows.len());
    for (e, (step, value)) in loss.iter().zip(&rows) {
        assert_eq!(e[0].as_u64().unwrap(), *step);
        assert_eq!(e[1].as_f64().unwrap() as f32, *value);
    }
    let result = String::from_utf8_lossy(&out.stdout);
    let test: f64 = result
        .split("test_accuracy=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((tb["test"][0].as_f64().unwrap() - test).abs() < 1e-4);
    assert_eq!(tb["val"].as_array().unwrap().len(), 1);
    // Histograms of the probed activations: fractions of values, summing to 1.
    let hists = tb["histograms"].as_array().unwrap();
    assert!(
        hists.iter().any(|h| h.as_str().unwrap().contains("ReLU")),
        "{hists:?}"
    );
    assert!((tb["hist_num"].as_f64().unwrap() - 1.0).abs() < 1e-3);
    assert!(tb["preset"].as_str().unwrap().contains("name: \"LeNet-5\""));
}

#[test]
fn crc32c_matches_the_standard_check_value() {
    // The CRC-32C check value of "123456789" (RFC 3720, iSCSI): 0xE3069283.
    assert_eq!(
        cnn_workbench::runs::tensorboard::crc32c(b"123456789"),
        0xE306_9283
    );
}
