//! The one `RESULT` line a finished run prints for scripts (`train --quiet`, `resume --quiet`,
//! and the exported `train.py`, which writes the same keys in the same order):
//!
//! `RESULT steps=S epochs=E test_accuracy=A test_top5=T duration_secs=D images_per_sec=I
//! loop_secs=L loop_images_per_sec=J run=DIR` — on one line; `test_top5` is `-` with five
//! classes or fewer; `images_per_sec` counts step time only, `loop_secs` the training loops'
//! wall time (data, steps, logging; evaluation and checkpoints excluded).
use super::FinishInfo;
use std::path::Path;

/// The keys of the RESULT line, in order.
pub const RESULT_KEYS: [&str; 9] = [
    "steps",
    "epochs",
    "test_accuracy",
    "test_top5",
    "duration_secs",
    "images_per_sec",
    "loop_secs",
    "loop_images_per_sec",
    "run",
];

impl FinishInfo {
    /// The RESULT line of this run, whose folder is `run_dir`.
    pub fn result_line(&self, run_dir: &Path) -> String {
        let values = [
            self.steps.to_string(),
            self.epochs.to_string(),
            format!("{:.4}", self.test_accuracy),
            self.test_top5.map_or("-".into(), |t| format!("{t:.4}")),
            format!("{:.2}", self.duration_secs),
            format!("{:.1}", self.train_images_per_sec),
            format!("{:.2}", self.train_loop_secs),
            format!(
                "{:.1}",
                self.trained_images as f64 / self.train_loop_secs.max(1e-9)
            ),
            run_dir.display().to_string(),
        ];
        let fields: Vec<String> = RESULT_KEYS
            .iter()
            .zip(values)
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("RESULT {}", fields.join(" "))
    }
}

/// The fields of a RESULT line, in order: (key, value); None when `line` is not one.
pub fn parse_result_line(line: &str) -> Option<Vec<(String, String)>> {
    let rest = line.strip_prefix("RESULT ")?;
    // The run folder is last and may hold spaces: everything after "run=" is its path.
    let (head, run) = match rest.split_once(" run=") {
        Some((head, run)) => (head, Some(run)),
        None => (rest, None),
    };
    let mut fields: Vec<(String, String)> = head
        .split_whitespace()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect::<Option<_>>()?;
    if let Some(run) = run {
        fields.push(("run".into(), run.to_string()));
    }
    Some(fields)
}
