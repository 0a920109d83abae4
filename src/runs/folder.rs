//! A run folder on disk: the preset first, then its description, metrics as CSV and the event
//! log while training, the checkpoint last.
use super::heartbeat::{self, Beating, HEARTBEAT_EVERY, HEARTBEAT_FILE};
use super::tensorboard::EventFile;
use crate::error::{refused, RunsError};
pub use protocol::files::{EPOCHS_CSV, EVENTS_LOG, META_FILE, PRESET_FILE, STEPS_CSV};
use protocol::{EpochMetrics, Event, EventSink, SinkError, StepMetrics};
use spec::Preset;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub use protocol::RunMeta;

/// Reads a run's `run.ron`.
pub fn load_meta(dir: &Path) -> Result<RunMeta, RunsError> {
    let path = dir.join(META_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| RunsError::file(&path, e))?;
    ron::from_str(&text).map_err(|e| RunsError::file(&path, e))
}

/// Writes a run's `run.ron` atomically.
pub fn save_meta(dir: &Path, meta: &RunMeta) -> Result<(), SinkError> {
    let path = dir.join(META_FILE);
    let text = ron::ser::to_string_pretty(meta, ron::ser::PrettyConfig::default())
        .map_err(|e| SinkError::new(&path, std::io::Error::other(e)))?;
    spec::preset::write_atomic(&path, text.as_bytes()).map_err(|e| SinkError::new(&path, e))
}

/// One event as a single line of RON.
pub fn event_line(e: &Event) -> std::io::Result<String> {
    ron::to_string(e).map_err(std::io::Error::other)
}

/// Parses one line of the event log.
pub fn parse_event_line(line: &str) -> Result<Event, ron::error::SpannedError> {
    ron::from_str(line)
}

/// The last terminal event of a run folder's log (Finished, Diverged, Failed); None while it
/// trains, after a crash, or when there is no readable log.
pub fn terminal_event(dir: &Path) -> Option<Event> {
    let text = std::fs::read_to_string(dir.join(EVENTS_LOG)).ok()?;
    complete_lines(&text)
        .lines()
        .rev()
        .filter_map(|l| parse_event_line(l).ok())
        .find(Event::is_terminal)
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
pub const STEPS_HEADER: &str = "step,epoch,loss,accuracy,learning_rate,images_per_sec,elapsed_secs";
pub const EPOCHS_HEADER: &str =
    "epoch,step,train_loss,train_accuracy,val_loss,val_accuracy,duration_secs,val_top5";

/// A CSV or log file of the run folder, with its path for error messages.
struct Writer {
    path: PathBuf,
    file: BufWriter<File>,
}

impl Writer {
    fn create(path: PathBuf, header: Option<&str>) -> Result<Writer, SinkError> {
        let file = File::create(&path).map_err(|e| SinkError::new(&path, e))?;
        let mut w = Writer {
            path,
            file: BufWriter::new(file),
        };
        if let Some(h) = header {
            w.line(h)?;
        }
        Ok(w)
    }

    /// An existing file cut back to `len` bytes (what a resume state recorded), appended to.
    fn append_at(path: PathBuf, len: u64) -> Result<Writer, SinkError> {
        let have = std::fs::metadata(&path)
            .map_err(|e| SinkError::new(&path, e))?
            .len();
        if have < len {
            return Err(SinkError::new(
                &path,
                std::io::Error::other(format!(
                    "is {have} bytes, shorter than the {len} its resume state recorded"
                )),
            ));
        }
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| SinkError::new(&path, e))?;
        file.set_len(len).map_err(|e| SinkError::new(&path, e))?;
        Ok(Writer {
            path,
            file: BufWriter::new(file),
        })
    }

    /// Flushed and synced length in bytes (a resume state records it: it must survive a crash).
    fn len(&mut self) -> Result<u64, SinkError> {
        self.flush()?;
        self.file
            .get_ref()
            .sync_data()
            .map_err(|e| SinkError::new(&self.path, e))?;
        let meta = self.file.get_ref().metadata();
        meta.map(|m| m.len())
            .map_err(|e| SinkError::new(&self.path, e))
    }

    fn line(&mut self, text: &str) -> Result<(), SinkError> {
        writeln!(self.file, "{text}").map_err(|e| SinkError::new(&self.path, e))
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        self.file.flush().map_err(|e| SinkError::new(&self.path, e))
    }
}

struct Open {
    steps: Writer,
    epochs: Writer,
    events: Writer,
    /// TensorBoard's view of the same run.
    tb: EventFile,
    /// The run's sign of life for readers elsewhere, written while it is open.
    _beating: Beating,
    /// When the logs were last flushed for readers elsewhere.
    flushed: Instant,
}

impl Open {
    fn start(dir: &Path, steps: Writer, epochs: Writer, events: Writer) -> Result<Open, SinkError> {
        Ok(Open {
            steps,
            epochs,
            events,
            tb: EventFile::create(dir)?,
            _beating: Beating::start(dir)
                .map_err(|e| SinkError::new(dir.join(HEARTBEAT_FILE), e))?,
            flushed: Instant::now(),
        })
    }

    /// A process following the run (another window, on another machine) sees its curves grow
    /// at the heartbeat's pace: what was written is flushed that often.
    fn flush_for_readers(&mut self) -> Result<(), SinkError> {
        if self.flushed.elapsed() < HEARTBEAT_EVERY {
            return Ok(());
        }
        self.flushed = Instant::now();
        self.steps.flush()?;
        self.events.flush()
    }
}

/// A run folder being written: the trainer's [`EventSink`]. It is created when the run starts
/// (a run that cannot start leaves no folder) and writes the preset first.
pub struct RunFolder {
    pub dir: PathBuf,
    meta: RunMeta,
    open: Option<Open>,
}

impl RunFolder {
    pub fn new(dir: &Path, meta: RunMeta) -> RunFolder {
        RunFolder {
            dir: dir.to_path_buf(),
            meta,
            open: None,
        }
    }

    /// Creates the folder and writes the preset (first, so a folder always says what ran).
    pub fn create(dir: &Path, preset: &Preset, meta: &RunMeta) -> Result<RunFolder, SinkError> {
        let mut f = RunFolder::new(dir, meta.clone());
        f.open(preset)?;
        Ok(f)
    }

    fn writers(&mut self) -> Result<&mut Open, SinkError> {
        let dir = &self.dir;
        self.open
            .as_mut()
            .ok_or_else(|| SinkError::new(dir, std::io::Error::other("the run folder is not open")))
    }

    fn epoch_row(&mut self, m: &EpochMetrics) -> Result<(), SinkError> {
        let w = self.writers()?;
        w.epochs.line(&format!(
            "{},{},{},{},{},{},{:.3},{}",
            m.epoch,
            m.step,
            m.train_loss,
            m.train_accuracy,
            m.val_loss,
            m.val_accuracy,
            m.duration_secs,
            // NaN: not measured (5 classes or fewer).
            m.val_top5.unwrap_or(f32::NAN)
        ))?;
        // Epoch rows are few and precious: make them durable at once.
        w.epochs.flush()?;
        w.steps.flush()
    }

    pub fn flush(&mut self) -> Result<(), SinkError> {
        if let Some(w) = self.open.as_mut() {
            w.steps.flush()?;
            w.epochs.flush()?;
            w.events.flush()?;
            w.tb.flush()?;
        }
        Ok(())
    }
}

impl EventSink for RunFolder {
    fn open(&mut self, preset: &Preset) -> Result<(), SinkError> {
        let dir = self.dir.clone();
        std::fs::create_dir_all(&dir).map_err(|e| SinkError::new(&dir, e))?;
        let preset_path = dir.join(PRESET_FILE);
        preset
            .save(&preset_path)
            .map_err(|e| SinkError::new(&preset_path, std::io::Error::other(e.to_string())))?;
        save_meta(&dir, &self.meta)?;
        self.open = Some(Open::start(
            &dir,
            Writer::create(dir.join(STEPS_CSV), Some(STEPS_HEADER))?,
            Writer::create(dir.join(EPOCHS_CSV), Some(EPOCHS_HEADER))?,
            Writer::create(dir.join(EVENTS_LOG), None)?,
        )?);
        let text = std::fs::read_to_string(&preset_path).unwrap_or_default();
        // Markdown: four spaces make it a code block in TensorBoard's text tab.
        let code: String = text.lines().map(|l| format!("    {l}\n")).collect();
        self.writers()?.tb.text("preset", 0, &code)?;
        Ok(())
    }

    fn step(&mut self, m: &StepMetrics) -> Result<(), SinkError> {
        let w = self.writers()?;
        w.steps.line(&format!(
            "{},{},{},{},{},{},{:.3}",
            m.step, m.epoch, m.loss, m.accuracy, m.learning_rate, m.images_per_sec, m.elapsed_secs
        ))?;
        w.tb.scalars(
            m.step as i64,
            &[
                ("train/loss", m.loss),
                ("train/accuracy", m.accuracy),
                ("train/learning_rate", m.learning_rate as f32),
            ],
        )?;
        w.flush_for_readers()
    }

    /// Logs an event as one RON line: replaying the log redraws the run's plots.
    fn event(&mut self, e: &Event) -> Result<(), SinkError> {
        if let Event::Epoch(m) = e {
            self.epoch_row(m)?;
        }
        tensorboard_event(&mut self.writers()?.tb, e)?;
        if let Event::Started(s) = e {
            // What the run really uses, beside its name and tags.
            self.meta.threads = Some(s.threads);
            save_meta(&self.dir, &self.meta)?;
        }
        let events = &mut self.writers()?.events;
        let line = event_line(e).map_err(|err| SinkError::new(&events.path, err))?;
        events.line(&line)?;
        if matches!(e, Event::Epoch(_)) {
            events.flush()?;
        }
        self.writers()?.flush_for_readers()
    }

    fn position(&mut self) -> Result<Option<protocol::SinkPosition>, SinkError> {
        let Some(w) = self.open.as_mut() else {
            return Ok(None);
        };
        w.tb.flush()?;
        Ok(Some(protocol::SinkPosition {
            steps_bytes: w.steps.len()?,
            metrics_bytes: w.epochs.len()?,
            events_bytes: w.events.len()?,
        }))
    }

    fn reopen(&mut self, _preset: &Preset, at: &protocol::SinkPosition) -> Result<(), SinkError> {
        let dir = self.dir.clone();
        // Temporary files of saves a crash interrupted.
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if e.file_name().to_string_lossy().ends_with(".tmp") {
                let _ = std::fs::remove_file(e.path());
            }
        }
        // TensorBoard reads every events file of a folder: a new one continues the run.
        self.open = Some(Open::start(
            &dir,
            Writer::append_at(dir.join(STEPS_CSV), at.steps_bytes)?,
            Writer::append_at(dir.join(EPOCHS_CSV), at.metrics_bytes)?,
            Writer::append_at(dir.join(EVENTS_LOG), at.events_bytes)?,
        )?);
        Ok(())
    }

    /// Flushes everything, then appends the terminal event durably (when the run started).
    fn close(&mut self, terminal: &Event) -> Result<(), SinkError> {
        if self.open.is_none() {
            return Ok(());
        }
        if let Some(w) = self.open.as_mut() {
            tensorboard_event(&mut w.tb, terminal)?;
        }
        self.flush()?;
        // Stops the heartbeat before it is removed, so it cannot be written again.
        self.open = None;
        append_event(&self.dir, terminal)
            .map_err(|e| SinkError::new(self.dir.join(EVENTS_LOG), e))?;
        heartbeat::remove(&self.dir).map_err(|e| SinkError::new(self.dir.join(HEARTBEAT_FILE), e))
    }
}

/// Epoch metrics, activation histograms and the test accuracy as TensorBoard summaries.
fn tensorboard_event(tb: &mut EventFile, e: &Event) -> Result<(), SinkError> {
    match e {
        Event::Epoch(m) => {
            let mut values = vec![
                ("val/loss", m.val_loss),
                ("val/accuracy", m.val_accuracy),
                ("train/epoch_loss", m.train_loss),
            ];
            values.extend(m.val_top5.map(|t| ("val/top5", t)));
            tb.scalars(m.step as i64, &values)?;
            tb.flush()
        }
        Event::Probe(p) => {
            for l in &p.layers {
                let edges: Vec<f64> = l.bins.edges().iter().map(|&e| e as f64).collect();
                let counts: Vec<f64> = l.histogram.iter().map(|&c| c as f64).collect();
                let tag = format!("activations/{:02} {}", l.layer, l.label);
                tb.histogram(&tag, p.step as i64, (edges[0], &edges[1..]), &counts)?;
            }
            Ok(())
        }
        Event::Finished(f) => {
            let mut values = vec![("test/accuracy", f.test_accuracy)];
            values.extend(f.test_top5.map(|t| ("test/top5", t)));
            tb.scalars(f.steps as i64, &values)
        }
        _ => Ok(()),
    }
}

/// Reads a metrics CSV back as rows of numbers (header skipped).
pub fn read_csv(path: &Path) -> Result<Vec<Vec<f64>>, RunsError> {
    let text = std::fs::read_to_string(path).map_err(|e| RunsError::file(path, e))?;
    let text = complete_lines(&text);
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
                .map_err(|e| RunsError::Line {
                    path: path.to_path_buf(),
                    line: i + 1,
                    problem: e.to_string(),
                })?;
            if row.len() != columns {
                return Err(refused(format!(
                    "{}: line {}: {} values where the header has {columns} (truncated?)",
                    path.display(),
                    i + 1,
                    row.len()
                )));
            }
            Ok(row)
        })
        .collect()
}

/// The text up to its last newline: an append-only file cut by a crash ends in a torn line,
/// which is not part of what was written.
pub fn complete_lines(text: &str) -> &str {
    match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    }
}
