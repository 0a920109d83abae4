//! Background work for the Data section: downloads (with progress and cancel) and the dataset
//! view's numbers. Each runs on a named thread and reports through a bounded channel; the
//! window never waits for either.
use crossbeam_channel::{bounded, Receiver, Sender};
use engine::data::{self, DecodeSpec};
use fetch::{self, Progress};
use protocol::data::DatasetPreview;
use protocol::Notify;
use spec::{Augment, DataSpec, DOWNLOADABLE};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// What a download reports.
pub(crate) enum DownloadEvent {
    File {
        name: String,
        done: u64,
        total: Option<u64>,
    },
    Bytes(u64),
    Note(String),
    Done(Result<PathBuf, String>),
}

/// A download in progress, as the window shows it.
pub(crate) struct Download {
    pub name: String,
    pub file: String,
    pub done: u64,
    pub total: Option<u64>,
    /// Bytes and time when the current file (re)started, for the rate.
    pub started: (u64, Instant),
    pub notes: Vec<String>,
    pub result: Option<Result<PathBuf, String>>,
    cancel: Arc<AtomicBool>,
    events: Receiver<DownloadEvent>,
}

struct ChannelProgress {
    tx: Sender<DownloadEvent>,
    cancel: Arc<AtomicBool>,
    last: Instant,
}

impl Progress for ChannelProgress {
    fn file(&mut self, name: &str, done: u64, total: Option<u64>) {
        let _ = self.tx.send(DownloadEvent::File {
            name: name.into(),
            done,
            total,
        });
    }

    fn bytes(&mut self, done: u64) -> bool {
        // At most ~20 updates a second; a full queue drops one (the next carries the count).
        if self.last.elapsed().as_millis() >= 50 {
            self.last = Instant::now();
            let _ = self.tx.try_send(DownloadEvent::Bytes(done));
        }
        !self.cancel.load(Ordering::Relaxed)
    }

    fn note(&mut self, line: &str) {
        let _ = self.tx.send(DownloadEvent::Note(line.into()));
    }
}

impl Download {
    pub(crate) fn start(name: &str, notify: Notify) -> std::io::Result<Download> {
        let (tx, rx) = bounded(64);
        let cancel = Arc::new(AtomicBool::new(false));
        let mut progress = ChannelProgress {
            tx: tx.clone(),
            cancel: cancel.clone(),
            last: Instant::now(),
        };
        let n = name.to_string();
        std::thread::Builder::new()
            .name("download".into())
            .spawn(move || {
                let result = fetch::builtin(&n)
                    .and_then(|entry| fetch::get(&entry, &fetch::cache_dir(), &mut progress))
                    .map_err(|e| e.to_string());
                let _ = tx.send(DownloadEvent::Done(result));
                notify();
            })?;
        Ok(Download {
            name: name.into(),
            file: String::new(),
            done: 0,
            total: None,
            started: (0, Instant::now()),
            notes: Vec::new(),
            result: None,
            cancel,
            events: rx,
        })
    }

    pub(crate) fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Takes what the download reported; true when something changed.
    pub(crate) fn poll(&mut self) -> bool {
        let mut changed = false;
        while let Ok(e) = self.events.try_recv() {
            changed = true;
            match e {
                DownloadEvent::File { name, done, total } => {
                    self.file = name;
                    self.done = done;
                    self.total = total;
                    self.started = (done, Instant::now());
                }
                DownloadEvent::Bytes(done) => self.done = done,
                DownloadEvent::Note(n) => self.notes.push(n),
                DownloadEvent::Done(r) => self.result = Some(r),
            }
        }
        changed
    }

    /// Bytes per second over the current file, and the seconds left when the size is known.
    pub(crate) fn rate(&self) -> (f64, Option<f64>) {
        let secs = self.started.1.elapsed().as_secs_f64().max(1e-3);
        let rate = (self.done.saturating_sub(self.started.0)) as f64 / secs;
        let eta = self
            .total
            .filter(|_| rate > 0.0)
            .map(|t| t.saturating_sub(self.done) as f64 / rate);
        (rate, eta)
    }
}

/// The dataset view being made or shown.
pub(crate) struct DatasetView {
    pub preview: Option<Result<DatasetPreview, String>>,
    rx: Receiver<Result<DatasetPreview, String>>,
    /// Joined on drop: the thread uses libtorch, which must not outlive the process's exit.
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for DatasetView {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl DatasetView {
    pub(crate) fn start(
        spec: DataSpec,
        input: DecodeSpec,
        augment: Augment,
        notify: Notify,
    ) -> std::io::Result<DatasetView> {
        let (tx, rx) = bounded(1);
        let thread = std::thread::Builder::new()
            .name("dataset-view".into())
            .spawn(move || {
                let r = data::preview(&spec, input, &augment, 8).map_err(|e| e.to_string());
                let _ = tx.send(r);
                notify();
            })?;
        Ok(DatasetView {
            preview: None,
            rx,
            thread: Some(thread),
        })
    }

    pub(crate) fn poll(&mut self) {
        if self.preview.is_none() {
            if let Ok(r) = self.rx.try_recv() {
                self.preview = Some(r);
            }
        }
    }
}

/// The datasets present in the cache.
pub(crate) fn downloaded() -> Vec<String> {
    DOWNLOADABLE
        .map(|d| d.name)
        .iter()
        .filter(|n| fetch::dataset_dir(n).is_dir())
        .map(|n| n.to_string())
        .collect()
}
