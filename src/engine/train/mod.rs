//! The training loop. It runs on the trainer thread, owns every tensor, and talks to the
//! outside only through commands in and events out (to its owner and to the sinks it is
//! handed). Cut into steps: setup, the control between steps, one optimizer step, probing,
//! the end of an epoch with its checkpoint policy, and the end of the run.
mod checkpoints;
mod control;
mod loss;
mod optimizer;
pub use optimizer::build_optimizer;
mod clock;
mod finetune;
pub(crate) mod outbox;
mod probe;
pub mod resume;
mod setup;
mod start;
use setup::{load_data, order_fingerprint};

pub use loss::{evaluate, loss_value};
pub use protocol::RunOptions;

use super::augment::{self, AugmentContext};
use super::data::{Batch, Dataset};
use super::device::{device_name, parse_device};
use super::model::Model;
use clock::Clock;
use control::Control;
use crossbeam_channel::Receiver;
use outbox::Outbox;
use probe::Probe;
use protocol::*;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use spec::Preset;
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;
use tch::Kind;

/// Why a run could not start or go on. Its text is the failed run's reason.
#[derive(thiserror::Error, Debug)]
pub enum TrainError {
    /// Settings, device or a network that does not fit the data: the user changes the preset.
    #[error("{0}")]
    Settings(String),
    #[error(transparent)]
    Training(#[from] spec::TrainingError),
    #[error(transparent)]
    Device(#[from] super::device::DeviceError),
    /// Resuming or fine-tuning refused the checkpoint it was given.
    #[error(transparent)]
    Engine(#[from] crate::error::EngineError),
    /// The dataset could not be loaded.
    #[error(transparent)]
    Data(#[from] super::data::DataError),
    #[error(transparent)]
    Network(#[from] spec::SpecError),
    /// A checkpoint could not be written into the run folder.
    #[error(transparent)]
    Checkpoint(#[from] super::checkpoint::CheckpointError),
    /// A file of the run folder could not be written.
    #[error(transparent)]
    Write(#[from] SinkError),
}

/// Seeds derived from the run seed for independent random streams.
fn stream_seed(seed: u64, stream: u64) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03)
}

/// Runs one training to its end; returns the terminal event (Finished, Diverged or Failed
/// when the receiver went away), or why it could not run.
pub(crate) fn run(
    preset: &Preset,
    opts: &RunOptions,
    cmds: &Receiver<Command>,
    out: &mut Outbox,
) -> Result<Event, TrainError> {
    let t = &preset.training;
    t.validate()?;
    let device = parse_device(&t.device)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (threads, thread_note) = spec::threads_for(t.threads, cores);
    // Always set: the count is process-wide, and an earlier run may have changed it.
    tch::set_num_threads(threads as i32);
    let data = load_data(preset, device)?;
    let start::Prepared {
        model,
        opt,
        order_rng,
        aug_rng,
        resume_from,
        notes,
    } = start::prepare(preset, opts, device, out)?;

    let n_train = data.train_len();
    let batch = t.batch_size.min(n_train);
    // A final batch of one image cannot be batch-normalized: drop it.
    let steps_per_epoch = n_train / batch + usize::from(n_train % batch > 1);
    let (probe_x, _) = data.head(&data.val, opts.probe_images);
    let probe = Probe::new(preset, &model, &probe_x, opts.probe_images);
    let started = Event::Started(StartInfo {
        data_order: order_fingerprint(&order_rng, n_train),
        device: device_name(device),
        summary: model.summary.clone(),
        class_names: data.class_names.clone(),
        train_images: n_train,
        val_images: data.val_len(),
        test_images: data.test_len(),
        steps_per_epoch,
        total_steps: t.total_steps(steps_per_epoch),
        probed_layers: probe.labels(),
        run_dir: opts.run_dir.clone(),
        threads,
    });
    if !out.send(started)? {
        return Ok(receiver_gone());
    }
    if let Some(note) = thread_note {
        out.send(Event::Warning(note))?;
    }
    for w in data.warnings.iter().chain(&notes) {
        out.send(Event::Warning(w.clone()))?;
    }
    let background: Vec<f32> = data
        .mean
        .iter()
        .zip(&data.std)
        .map(|(m, s)| -m / s)
        .collect();
    let mut lp = TrainLoop {
        preset,
        opts,
        cmds,
        data: &data,
        model,
        opt,
        probe,
        order_rng_epoch: order_rng.clone(),
        aug_rng_epoch: aug_rng.clone(),
        order_rng,
        aug_rng,
        sums: EpochSums::default(),
        background,
        batch,
        steps_per_epoch,
        total_steps: t.total_steps(steps_per_epoch),
        clock: Clock::new(opts),
        step: resume_from.as_ref().map_or(0, |s| s.step),
        epochs_done: resume_from.as_ref().map_or(0, |s| s.epochs_done),
        last: None,
        unsent: None,
        policy: checkpoints::EpochPolicy::new(resume_from.as_ref().and_then(|s| s.best_val)),
        pending_probe: None,
        reported: HashSet::new(),
        resume_from,
    };
    if let Some(s) = &lp.resume_from {
        lp.clock.trained_images = s.trained_images;
        let note = format!("resumed at step {} (epoch {})", s.step, s.epoch + 1);
        out.send(Event::Warning(note))?;
    }
    lp.run(out)
}

fn receiver_gone() -> Event {
    Event::Failed {
        reason: "the receiver went away".into(),
    }
}

/// How an epoch ended.
enum EpochEnd {
    Done,
    /// The user stopped the run.
    Stopped,
    /// The run ends now with this event (diverged, or the receiver went away).
    Terminal(Box<Event>),
}

struct TrainLoop<'a> {
    preset: &'a Preset,
    opts: &'a RunOptions,
    cmds: &'a Receiver<Command>,
    data: &'a Dataset,
    model: Model,
    opt: optimizer::Optim,
    probe: Probe,
    order_rng: ChaCha8Rng,
    aug_rng: ChaCha8Rng,
    /// The generators as they were at the start of the epoch in progress (for a resume state).
    order_rng_epoch: ChaCha8Rng,
    aug_rng_epoch: ChaCha8Rng,
    /// The epoch in progress's running sums.
    sums: EpochSums,
    /// Where a resumed run continues (taken by its first epoch).
    resume_from: Option<resume::ResumeState>,
    background: Vec<f32>,
    batch: usize,
    steps_per_epoch: usize,
    total_steps: usize,
    clock: Clock,
    step: usize,
    epochs_done: usize,
    last: Option<StepMetrics>,
    /// The last step's metrics while no Step event has carried them yet (Step events are
    /// throttled): sent before a pause, a stop or a checkpoint, so the step the window shows
    /// is the step they happen at.
    unsent: Option<StepMetrics>,
    policy: checkpoints::EpochPolicy,
    /// Gradient norms of a step that is probed, until its Probe event is sent.
    pending_probe: Option<Vec<GradNorm>>,
    /// Files already named in a warning as undecodable.
    reported: HashSet<PathBuf>,
}

/// One epoch's running sums.
#[derive(Default, Clone, Copy)]
struct EpochSums {
    loss: f64,
    correct: f64,
    seen: usize,
}

impl TrainLoop<'_> {
    fn run(&mut self, out: &mut Outbox) -> Result<Event, TrainError> {
        let t = &self.preset.training;
        let mut stopped = false;
        let first = self.resume_from.as_ref().map_or(0, |s| s.epoch);
        for epoch in first..t.epochs {
            if self.step >= self.total_steps {
                break;
            }
            match self.epoch(epoch, out)? {
                EpochEnd::Done => {}
                EpochEnd::Stopped => {
                    stopped = true;
                    break;
                }
                EpochEnd::Terminal(e) => return Ok(*e),
            }
            if self.reached_target(epoch, out)? {
                break;
            }
        }
        self.finish(stopped)
    }

    fn ctx(&self) -> (&Preset, &RunOptions, &Model) {
        (self.preset, self.opts, &self.model)
    }

    fn epoch(&mut self, epoch: usize, out: &mut Outbox) -> Result<EpochEnd, TrainError> {
        let epoch_start = Instant::now();
        let data = self.data;
        let n_train = data.train_len();
        self.order_rng_epoch = self.order_rng.clone();
        self.aug_rng_epoch = self.aug_rng.clone();
        let mut perm: Vec<i64> = (0..n_train as i64).collect();
        perm.shuffle(&mut self.order_rng);
        let order: Vec<usize> = perm.iter().map(|&i| i as usize).collect();
        let rrc = self.preset.training.augment.random_resized_crop;
        let crop = (rrc > 0.0 && data.is_streamed())
            .then(|| (rrc, (0..n_train).map(|_| self.aug_rng.random()).collect()));
        let mut batches = data.batches(&data.train, Some(order), self.batch, crop);
        // A resumed run: this epoch's shuffle and crops are drawn again, then the batches
        // already trained on are passed over.
        let skip = match self.resume_from.take() {
            Some(st) => {
                self.aug_rng = st.aug_rng.rng();
                self.sums = EpochSums {
                    loss: st.sums.0,
                    correct: st.sums.1,
                    seen: st.sums.2,
                };
                st.batch_in_epoch
            }
            None => {
                self.sums = EpochSums::default();
                0
            }
        };
        for _ in 0..skip {
            batches.next();
        }
        for b in skip..self.steps_per_epoch {
            let mut unsent = self.unsent.take();
            let (control, saved) =
                control::between_steps(self.cmds, out, self.ctx(), (self.step, &mut unsent))?;
            self.unsent = unsent;
            if saved {
                self.save_resume(epoch, b, out)?;
            }
            match control {
                Control::Stop => {
                    self.save_resume(epoch, b, out)?;
                    return Ok(EpochEnd::Stopped);
                }
                Control::Resumed => self.clock.restart_window(Instant::now()),
                Control::Go => {}
            }
            if self.opts.inject_panic_at_step == Some(self.step) {
                panic!("injected failure at step {}", self.step);
            }
            let Some(batch) = batches.next() else {
                break;
            };
            self.report_failed(&batch.failed, out)?;
            // Undecodable files can leave a batch too small to batch-normalize.
            if batch.len() < 2 {
                continue;
            }
            if let Some(end) = self.train_step(batch, epoch, out)? {
                return Ok(end);
            }
            let epoch_end = b + 1 == self.steps_per_epoch || self.step >= self.total_steps;
            if !self.emit_step(epoch_end, out)? {
                return Ok(EpochEnd::Terminal(Box::new(receiver_gone())));
            }
            if let Some(grads) = self.pending_probe.take() {
                let stats = self.probe.stats(&self.model, self.step, grads);
                out.send(Event::Probe(stats))?;
            }
            if self.step >= self.total_steps {
                break;
            }
        }
        self.clock.loop_secs += epoch_start.elapsed().as_secs_f64();
        let sums = self.sums;
        self.end_epoch(epoch, epoch_start, &sums, out)?;
        // The next epoch starts from the generators as they are now.
        self.order_rng_epoch = self.order_rng.clone();
        self.aug_rng_epoch = self.aug_rng.clone();
        self.sums = EpochSums::default();
        self.save_resume(epoch + 1, 0, out)?;
        Ok(EpochEnd::Done)
    }

    /// Names each file that could not be decoded, once per run.
    fn report_failed(
        &mut self,
        failed: &[(PathBuf, String)],
        out: &mut Outbox,
    ) -> Result<(), TrainError> {
        for (path, why) in failed {
            if self.reported.insert(path.clone()) {
                out.send(Event::Warning(format!(
                    "skipped {}: {why} (left out of this run)",
                    path.display()
                )))?;
            }
        }
        Ok(())
    }

    /// One optimizer step on these training images; Some when the run ends here.
    fn train_step(
        &mut self,
        batch: Batch,
        epoch: usize,
        out: &mut Outbox,
    ) -> Result<Option<EpochEnd>, TrainError> {
        let t = &self.preset.training;
        let step_start = Instant::now();
        // Dropout draws from libtorch's generator: seeded per step, so that a resumed run
        // draws what the uninterrupted one would have; held until the forward pass has drawn.
        let generator = crate::generator::lock();
        tch::manual_seed(stream_seed(t.seed, 1_000_000 + self.step as u64) as i64 & i64::MAX);
        let lr = t.lr_at(self.step, self.steps_per_epoch);
        self.opt.set_lr(lr);
        let images = batch.len();
        let (x, y) = (batch.x, batch.y);
        let aug_ctx = AugmentContext {
            background: &self.background,
            std: &self.data.std,
            pca: self.data.pca.as_ref(),
            cropped: self.data.is_streamed(),
        };
        let x = augment::apply(&x, &t.augment, &aug_ctx, &mut self.aug_rng);
        let (logits, aux) = self.model.forward_with_aux(&x, true);
        drop(generator);
        let mut loss = loss_value(&logits, &y, t.loss);
        // Auxiliary classifiers (GoogLeNet): their losses, weighted, join the training loss.
        for (weight, aux_logits) in aux {
            loss += loss_value(&aux_logits, &y, t.loss) * weight;
        }
        if let Some(p) = self.model.penalty(t.l1, t.l2) {
            loss += p;
        }
        let loss_v = loss.double_value(&[]);
        if !loss_v.is_finite() {
            let diverged = Event::Diverged {
                step: self.step + 1,
                last: self.last,
            };
            return Ok(Some(EpochEnd::Terminal(Box::new(diverged))));
        }
        self.opt.zero_grad();
        loss.backward();
        self.step += 1;
        let probe_now = self.probe.due(self.step);
        let grads = if probe_now {
            self.probe.grad_norms(&self.model)
        } else {
            Vec::new()
        };
        self.opt.step();
        let acc = logits
            .argmax(-1, false)
            .eq_tensor(&y)
            .to_kind(Kind::Double)
            .mean(Kind::Double)
            .double_value(&[]);
        self.clock.step_secs += step_start.elapsed().as_secs_f64();
        self.clock.trained_images += images;
        self.clock.window_images += images;
        self.sums.loss += loss_v * images as f64;
        self.sums.correct += acc * images as f64;
        self.sums.seen += images;
        let now = Instant::now();
        let window_secs = now
            .duration_since(self.clock.window_start)
            .as_secs_f64()
            .max(1e-9);
        let metrics = StepMetrics {
            step: self.step,
            epoch,
            loss: loss_v as f32,
            accuracy: acc as f32,
            learning_rate: lr,
            images_per_sec: (self.clock.window_images as f64 / window_secs) as f32,
            elapsed_secs: self.clock.start.elapsed().as_secs_f64(),
        };
        self.last = Some(metrics);
        self.unsent = Some(metrics);
        out.step(&metrics)?;
        if probe_now {
            self.pending_probe = Some(grads);
        }
        Ok(None)
    }
}

impl TrainLoop<'_> {
    /// Sends the last step's metrics at most every `step_interval`, and at an epoch's end;
    /// false once the receiver is gone.
    fn emit_step(&mut self, epoch_end: bool, out: &mut Outbox) -> Result<bool, TrainError> {
        let now = Instant::now();
        let due = now.duration_since(self.clock.last_emit) >= self.opts.step_interval;
        let Some(metrics) = self.unsent.filter(|_| epoch_end || due) else {
            return Ok(true);
        };
        if !out.offer(Event::Step(metrics))? {
            return Ok(false);
        }
        self.unsent = None;
        self.clock.last_emit = now;
        self.clock.restart_window(now);
        Ok(true)
    }

    /// Validation, the Epoch event and the checkpoints due.
    fn end_epoch(
        &mut self,
        epoch: usize,
        epoch_start: Instant,
        sums: &EpochSums,
        out: &mut Outbox,
    ) -> Result<(), TrainError> {
        let t = &self.preset.training;
        let val = evaluate(&self.model, self.data, &self.data.val, t.loss);
        self.report_failed(&val.failed, out)?;
        let (val_loss, val_accuracy) = (val.loss, val.accuracy);
        let metrics = EpochMetrics {
            epoch: epoch + 1,
            step: self.step,
            train_loss: (sums.loss / sums.seen.max(1) as f64) as f32,
            train_accuracy: (sums.correct / sums.seen.max(1) as f64) as f32,
            val_loss,
            val_accuracy,
            val_top5: val.top5,
            duration_secs: epoch_start.elapsed().as_secs_f64(),
        };
        self.epochs_done = epoch + 1;
        out.send(Event::Epoch(metrics))?;
        let ctx = (self.preset, self.opts, &self.model);
        for e in self
            .policy
            .after_epoch(ctx, self.epochs_done, val_accuracy, self.step)?
        {
            out.send(e)?;
        }
        Ok(())
    }

    /// With a target test accuracy: evaluates the test set and says whether it is reached.
    fn reached_target(&mut self, epoch: usize, out: &mut Outbox) -> Result<bool, TrainError> {
        let Some(target) = self.opts.target_test_accuracy else {
            return Ok(false);
        };
        let t = &self.preset.training;
        let acc = evaluate(&self.model, self.data, &self.data.test, t.loss).accuracy;
        out.send(Event::Warning(format!(
            "test accuracy after epoch {}: {:.2}%",
            epoch + 1,
            acc * 100.0
        )))?;
        Ok(acc >= target)
    }

    /// The test set and the final weights.
    fn finish(&mut self, stopped: bool) -> Result<Event, TrainError> {
        let t = &self.preset.training;
        let test = evaluate(&self.model, self.data, &self.data.test, t.loss);
        let checkpoint = checkpoints::save_final(self.preset, self.opts, &self.model)?;
        Ok(Event::Finished(FinishInfo {
            steps: self.step,
            epochs: self.epochs_done,
            test_loss: test.loss,
            test_accuracy: test.accuracy,
            test_top5: test.top5,
            duration_secs: self.clock.start.elapsed().as_secs_f64(),
            train_images_per_sec: (self.clock.trained_images as f64
                / self.clock.step_secs.max(1e-9)) as f32,
            train_loop_secs: self.clock.loop_secs,
            trained_images: self.clock.trained_images,
            stopped,
            checkpoint,
        }))
    }
}
