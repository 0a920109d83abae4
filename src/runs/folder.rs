//! A run folder on disk: the preset first, then its description, metrics as CSV and the event
//! log while training, the checkpoint last.
use crate::protocol::{EpochMetrics, Event, StepMetrics};
use crate::spec::Preset;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub const STEPS_CSV: &str = "steps.csv";
/// One event per line as RON (which, unlike JSON, keeps NaN and infinity: a diverging run logs
/// them).
pub const EVENTS_LOG: &str = "events.log";
pub const META_FILE: &str = "run.ron";

/// What a run folder says about itself besides its preset; the user can rename and tag it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(default)]
pub struct RunMeta {
    pub name: String,
    pub tags: Vec<String>,
    /// The comparison this run belongs to (its folder name under `comparisons/`).
    pub comparison: Option<String>,
    /// The variant's label within the comparison ("mish", "lr=0.01").
    pub variant: Option<String>,
    pub seed: u64,
    /// UTC "YYYYMMDD-HHMMSS".
    pub created: String,
}

impl RunMeta {
    pub fn load(dir: &Path) -> Result<RunMeta, String> {
        let path = dir.join(META_FILE);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        ron::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn save(&self, dir: &Path) -> Result<(), String> {
        let path = dir.join(META_FILE);
        let text = ron::ser::to_string_pretty(self, ron::ser::PrettyConfig::default())
            .map_err(|e| e.to_string())?;
        crate::spec::preset::write_atomic(&path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

/// One event as a single line of RON.
pub fn event_line(e: &Event) -> std::io::Result<String> {
    ron::to_string(e).map_err(std::io::Error::other)
}

/// Parses one line of the event log.
pub fn parse_event_line(line: &str) -> Result<Event, String> {
    ron::from_str(line).map_err(|e| e.to_string())
}

/// Appends one event to a run folder's log (used for the terminal event, written after the
/// training loop has closed its own writer).
pub fn append_event(dir: &Path, event: &Event) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(dir.join(EVENTS_LOG))?;
    writeln!(f, "{}", event_line(event)?)?;
    f.sync_all()
}
pub const EPOCHS_CSV: &str = "metrics.csv";
pub const STEPS_HEADER: &str = "step,epoch,loss,accuracy,learning_rate,images_per_sec,elapsed_secs";
pub const EPOCHS_HEADER: &str =
    "epoch,step,train_loss,train_accuracy,val_loss,val_accuracy,duration_secs";

pub struct RunFolder {
    pub dir: PathBuf,
    steps: BufWriter<File>,
    epochs: BufWriter<File>,
    events: BufWriter<File>,
}

impl RunFolder {
    /// Creates the folder and writes the preset (first, so a folder always says what ran).
    pub fn create(dir: &Path, preset: &Preset, meta: &RunMeta) -> Result<RunFolder, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create run folder {}: {e}", dir.display()))?;
        preset
            .save(&dir.join(crate::engine::checkpoint::PRESET_FILE))
            .map_err(|e| e.to_string())?;
        meta.save(dir)?;
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
            events: BufWriter::new(
                File::create(dir.join(EVENTS_LOG))
                    .map_err(|e| format!("cannot write {}: {e}", dir.join(EVENTS_LOG).display()))?,
            ),
        })
    }

    /// Logs an event as one JSON line: replaying the log redraws the run's plots.
    pub fn event(&mut self, e: &Event) -> std::io::Result<()> {
        writeln!(self.events, "{}", event_line(e)?)?;
        if matches!(e, Event::Epoch(_)) {
            self.events.flush()?;
        }
        Ok(())
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
        self.epochs.flush()?;
        self.events.flush()
    }
}

/// Reads a metrics CSV back as rows of numbers (header skipped).
pub fn read_csv(path: &Path) -> Result<Vec<Vec<f64>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let columns = text.lines().next().map_or(0, |h| h.split(',').count());
    text.lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            let row = line
                .split(',')
                .map(|v| v.trim().parse::<f64>())
                .collect::<Result<Vec<f64>, _>>()
                .map_err(|e| format!("{}: line {}: {e}", path.display(), i + 1))?;
            if row.len() != columns {
                return Err(format!(
                    "{}: line {}: {} values where the header has {columns} (truncated?)",
                    path.display(),
                    i + 1,
                    row.len()
                ));
            }
            Ok(row)
        })
        .collect()
}
