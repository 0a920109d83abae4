//! The streaming loader: a small pool of named worker threads decodes (and random-crops)
//! image files batch by batch, ahead of the trainer, through bounded queues. Workers hand back
//! plain pixels; tensors are made on the trainer thread.
//!
//! Memory bound: at most `prefetch` batches of one epoch are queued, being decoded or waiting,
//! so decoded pixels take at most prefetch × batch × C×H×W bytes (4 × 128 × 3×224×224 = 77 MB), plus one full-size source image per worker (≤ 512 MB each by the decoder limit;
//! a few MB for ordinary photos).
use super::folder::{decode, DecodeSpec, FileSet};
use crossbeam_channel::{bounded, Receiver, Sender};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

/// Decoded images of one batch, in order, as bytes (a quarter of the memory of floats); files
/// that failed are left out and named.
#[derive(Debug, Default)]
pub struct Decoded {
    pub pixels: Vec<u8>,
    pub labels: Vec<i64>,
    pub failed: Vec<(PathBuf, String)>,
}

struct Job {
    set: Arc<FileSet>,
    indices: Vec<usize>,
    /// Random-resized crop: (min area, one seed per image).
    crop: Option<(f64, Vec<u64>)>,
    reply: Sender<Decoded>,
}

/// The worker pool.
pub struct Pool {
    jobs: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

fn work(job: Job, spec: DecodeSpec) {
    let mut out = Decoded::default();
    for (k, &i) in job.indices.iter().enumerate() {
        let crop = job.crop.as_ref().map(|(a, seeds)| (*a, seeds[k]));
        match decode(&job.set.files[i], spec, crop) {
            Ok(px) => {
                out.pixels.extend(px);
                out.labels.push(job.set.labels[i]);
            }
            Err(why) => out.failed.push((job.set.files[i].clone(), why.to_string())),
        }
    }
    // The receiver is gone when the epoch was abandoned: nothing to do.
    let _ = job.reply.send(out);
}

impl Pool {
    pub fn new(workers: usize, spec: DecodeSpec) -> std::io::Result<Pool> {
        let (tx, rx) = bounded::<Job>(workers.max(1) * 2);
        let mut handles = Vec::new();
        for i in 0..workers.max(1) {
            let rx: Receiver<Job> = rx.clone();
            let h = std::thread::Builder::new()
                .name(format!("decode-{i}"))
                .spawn(move || {
                    while let Ok(job) = rx.recv() {
                        work(job, spec);
                    }
                })?;
            handles.push(h);
        }
        Ok(Pool {
            jobs: Some(tx),
            workers: handles,
        })
    }

    /// Streams `order` of `set` in batches of `batch`, keeping `prefetch` batches in flight.
    /// `crop` = (min area, per-image seeds in `order`'s order) for random-resized crops.
    pub fn stream(
        &self,
        set: Arc<FileSet>,
        order: Vec<usize>,
        batch: usize,
        prefetch: usize,
        crop: Option<(f64, Vec<u64>)>,
    ) -> Stream<'_> {
        let mut s = Stream {
            pool: self,
            set,
            order,
            crop,
            batch: batch.max(1),
            next: 0,
            pending: VecDeque::new(),
            prefetch: prefetch.max(1),
        };
        s.fill();
        s
    }

    /// Decodes a whole set in order, in parallel (the in-memory path).
    pub fn decode_all(&self, set: Arc<FileSet>, batch: usize) -> Decoded {
        let n = set.len();
        let mut all = Decoded::default();
        for part in self.stream(set, (0..n).collect(), batch, self.workers.len() * 2, None) {
            all.pixels.extend(part.pixels);
            all.labels.extend(part.labels);
            all.failed.extend(part.failed);
        }
        all
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.jobs = None;
        for h in self.workers.drain(..) {
            let _ = h.join();
        }
    }
}

/// One pass over a set, batch by batch, in order.
pub struct Stream<'a> {
    pool: &'a Pool,
    set: Arc<FileSet>,
    order: Vec<usize>,
    crop: Option<(f64, Vec<u64>)>,
    batch: usize,
    next: usize,
    pending: VecDeque<Receiver<Decoded>>,
    prefetch: usize,
}

impl Stream<'_> {
    fn fill(&mut self) {
        let Some(jobs) = &self.pool.jobs else {
            return;
        };
        while self.pending.len() < self.prefetch && self.next < self.order.len() {
            let end = (self.next + self.batch).min(self.order.len());
            let (tx, rx) = bounded(1);
            let crop = self
                .crop
                .as_ref()
                .map(|(a, seeds)| (*a, seeds[self.next..end].to_vec()));
            let job = Job {
                set: self.set.clone(),
                indices: self.order[self.next..end].to_vec(),
                crop,
                reply: tx,
            };
            if jobs.send(job).is_err() {
                return;
            }
            self.pending.push_back(rx);
            self.next = end;
        }
    }
}

impl Iterator for Stream<'_> {
    type Item = Decoded;

    fn next(&mut self) -> Option<Decoded> {
        let rx = self.pending.pop_front()?;
        let out = rx.recv().ok();
        self.fill();
        out
    }
}
