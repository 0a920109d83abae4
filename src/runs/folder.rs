//! A run folder on disk: the preset first, metrics as CSV while training, the checkpoint last.
use crate::protocol::{EpochMetrics, StepMetrics};
use crate::spec::Preset;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub const STEPS_CSV: &str = "steps.csv";
pub const EPOCHS_CSV: &str = "metrics.csv";
pub const STEPS_HEADER: &str = "step,epoch,loss,accuracy,learning_rate,images_per_sec,elapsed_secs";
pub const EPOCHS_HEADER: &str =
    "epoch,step,train_loss,train_accuracy,val_loss,val_accuracy,duration_secs";

pub struct RunFolder {
    pub dir: PathBuf,
    steps: BufWriter<File>,
    epochs: BufWriter<File>,
}

impl RunFolder {
    /// Creates the folder and writes the preset (first, so a folder always says what ran).
    pub fn create(dir: &Path, preset: &Preset) -> Result<RunFolder, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create run folder {}: {e}", dir.display()))?;
        preset
            .save(&dir.join(crate::engine::checkpoint::PRESET_FILE))
            .map_err(|e| e.to_string())?;
        let open = |name: &str, header: &str| -> Result<BufWriter<File>, String> {
            let path = dir.join(name);
            let mut f = BufWriter::new(
                File::create(&path).map_err(|e| format!("cannot write {}: {e}", path.display()))?,
            );
            writeln!(f, "{header}").map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(f)
        };
        Ok(RunFolder {
            dir: dir.to_path_buf(),
            steps: open(STEPS_CSV, STEPS_HEADER)?,
            epochs: open(EPOCHS_CSV, EPOCHS_HEADER)?,
        })
    }

    pub fn step(&mut self, m: &StepMetrics) -> std::io::Result<()> {
        writeln!(
            self.steps,
            "{},{},{},{},{},{},{:.3}",
            m.step, m.epoch, m.loss, m.accuracy, m.learning_rate, m.images_per_sec, m.elapsed_secs
        )
    }

    pub fn epoch(&mut self, m: &EpochMetrics) -> std::io::Result<()> {
        writeln!(
            self.epochs,
            "{},{},{},{},{},{},{:.3}",
            m.epoch,
            m.step,
            m.train_loss,
            m.train_accuracy,
            m.val_loss,
            m.val_accuracy,
            m.duration_secs
        )?;
        // Epoch rows are few and precious: make them durable at once.
        self.epochs.flush()?;
        self.steps.flush()
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.steps.flush()?;
        self.epochs.flush()
    }
}

/// Reads a metrics CSV back as rows of numbers (header skipped).
pub fn read_csv(path: &Path) -> Result<Vec<Vec<f64>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            line.split(',')
                .map(|v| v.trim().parse::<f64>())
                .collect::<Result<Vec<f64>, _>>()
                .map_err(|e| format!("{}: line {}: {e}", path.display(), i + 1))
        })
        .collect()
}
