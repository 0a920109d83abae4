//! The training loop. It runs on the trainer thread, owns every tensor, and talks to the
//! outside only through commands and events.
use super::augment::{self, AugmentContext};
use super::checkpoint;
use super::data::Dataset;
use super::device::{device_name, parse_device};
use super::model::Model;
use super::stats;
use crate::protocol::*;
use crate::runs::RunFolder;
use crate::spec::{Loss, Optimizer, Preset};
use crossbeam_channel::{Receiver, Sender, TrySendError};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tch::nn::{self, OptimizerConfig};
use tch::{Kind, Tensor};

/// How a run is carried out (not part of the preset).
#[derive(Clone)]
pub struct RunOptions {
    /// Where the run folder goes; None keeps nothing on disk.
    pub run_dir: Option<PathBuf>,
    /// Minimum time between step events (the channel never backs up).
    pub step_interval: Duration,
    /// Validation images in the fixed probe batch.
    pub probe_images: usize,
    /// Called after each event is sent (the window uses it to request a repaint).
    pub notify: Option<Arc<dyn Fn() + Send + Sync>>,
    /// Written to the run folder's `run.ron`.
    pub meta: crate::runs::folder::RunMeta,
    /// Evaluate the test set after every epoch and stop once it reaches this accuracy.
    pub target_test_accuracy: Option<f32>,
    #[doc(hidden)]
    /// Test seam: panic on the trainer thread at this step.
    pub inject_panic_at_step: Option<usize>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            run_dir: None,
            step_interval: Duration::from_millis(50),
            probe_images: 256,
            notify: None,
            meta: Default::default(),
            target_test_accuracy: None,
            inject_panic_at_step: None,
        }
    }
}

/// Sends events and logs them in the run folder; false once the receiver is gone (then the run
/// stops quietly).
pub(crate) struct Outbox<'a> {
    pub tx: &'a Sender<Event>,
    pub notify: Option<&'a (dyn Fn() + Send + Sync)>,
    pub folder: Option<RunFolder>,
}

impl Outbox<'_> {
    fn log(&mut self, e: &Event) {
        if let Some(f) = self.folder.as_mut() {
            // A full disk must not kill the run; the live view still gets the event.
            let _ = f.event(e);
        }
    }

    pub fn send(&mut self, e: Event) -> bool {
        self.log(&e);
        let ok = self.tx.send(e).is_ok();
        if let Some(n) = self.notify {
            n();
        }
        ok
    }

    /// For frequent events: dropped rather than blocking when the receiver lags.
    fn offer(&mut self, e: Event) -> bool {
        self.log(&e);
        match self.tx.try_send(e) {
            Ok(()) => {
                if let Some(n) = self.notify {
                    n();
                }
                true
            }
            Err(TrySendError::Full(_)) => true,
            Err(TrySendError::Disconnected(_)) => false,
        }
    }
}

/// Mean loss and accuracy over a whole split, in eval mode.
pub fn evaluate(model: &Model, xs: &Tensor, ys: &Tensor, loss: Loss) -> (f32, f32) {
    let n = xs.size()[0];
    if n == 0 {
        return (f32::NAN, f32::NAN);
    }
    tch::no_grad(|| {
        let mut loss_sum = 0.0;
        let mut correct = 0.0;
        let mut start = 0;
        while start < n {
            let len = (n - start).min(1000);
            let x = xs.narrow(0, start, len);
            let y = ys.narrow(0, start, len);
            let logits = model.forward_t(&x, false);
            loss_sum += loss_value(&logits, &y, loss).double_value(&[]) * len as f64;
            correct += logits
                .argmax(-1, false)
                .eq_tensor(&y)
                .sum(Kind::Double)
                .double_value(&[]);
            start += len;
        }
        ((loss_sum / n as f64) as f32, (correct / n as f64) as f32)
    })
}

/// The training loss of logits against integer labels.
pub fn loss_value(logits: &Tensor, y: &Tensor, loss: Loss) -> Tensor {
    match loss {
        Loss::CrossEntropy => logits.cross_entropy_for_logits(y),
        Loss::Hinge { margin } => {
            // Σ_{j≠y} max(0, margin − s_y + s_j) / K, averaged over the batch (PyTorch's
            // MultiMarginLoss).
            let k = logits.size()[1] as f64;
            let true_score = logits.gather(1, &y.unsqueeze(1), false);
            let margins = (logits - &true_score + margin).clamp_min(0.0);
            let not_true = Tensor::ones_like(logits).scatter_value(1, &y.unsqueeze(1), 0.0);
            (margins * not_true)
                .sum_dim_intlist(1, false, Kind::Float)
                .mean(Kind::Float)
                / k
        }
    }
}

fn build_optimizer(vs: &nn::VarStore, t: &crate::spec::Training) -> Result<nn::Optimizer, String> {
    let lr = t.learning_rate;
    let wd = t.weight_decay;
    let r = match t.optimizer {
        Optimizer::Sgd { momentum, nesterov } => {
            if nesterov && momentum <= 0.0 {
                return Err("Nesterov momentum needs momentum > 0".into());
            }
            nn::Sgd {
                momentum,
                dampening: 0.0,
                wd,
                nesterov,
            }
            .build(vs, lr)
        }
        Optimizer::Adam { beta1, beta2, eps } => nn::Adam {
            beta1,
            beta2,
            wd,
            eps,
            amsgrad: false,
        }
        .build(vs, lr),
        Optimizer::AdamW { beta1, beta2, eps } => nn::AdamW {
            beta1,
            beta2,
            wd,
            eps,
            amsgrad: false,
        }
        .build(vs, lr),
    };
    r.map_err(|e| format!("cannot create the optimizer: {e}"))
}

/// Seeds derived from the run seed for independent random streams.
fn stream_seed(seed: u64, stream: u64) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03)
}

enum Control {
    Go,
    Stop,
}

/// Runs one training to its end; returns the terminal event (Finished or Diverged), or the
/// reason it could not run.
pub(crate) fn run(
    preset: &Preset,
    opts: &RunOptions,
    cmds: &Receiver<Command>,
    out: &mut Outbox,
) -> Result<Event, String> {
    let t = &preset.training;
    t.validate()?;
    let device = parse_device(&t.device)?;
    if t.threads > 0 {
        tch::set_num_threads(t.threads as i32);
    }
    let data = Dataset::load(&preset.data, device)?;
    let input = preset.network.input;
    if (input.channels, input.height, input.width) != (data.channels, data.height, data.width) {
        return Err(format!(
            "the network expects {}×{}×{} images but {} gives {}×{}×{} — change the network's input or the dataset",
            input.channels, input.height, input.width, preset.data.source.describe(),
            data.channels, data.height, data.width
        ));
    }
    if preset.network.classes != data.class_names.len() {
        return Err(format!(
            "the network has {} classes but the dataset has {}",
            preset.network.classes,
            data.class_names.len()
        ));
    }
    let mut model = Model::build(&preset.network, device, t.seed).map_err(|e| e.to_string())?;
    let mut opt = build_optimizer(&model.vs, t)?;
    tch::manual_seed(stream_seed(t.seed, 1) as i64 & i64::MAX);
    let mut order_rng = ChaCha8Rng::seed_from_u64(stream_seed(t.seed, 2));
    let mut aug_rng = ChaCha8Rng::seed_from_u64(stream_seed(t.seed, 3));

    if let Some(dir) = &opts.run_dir {
        out.folder = Some(RunFolder::create(dir, preset, &opts.meta)?);
    }

    let n_train = data.train_len();
    let bs = t.batch_size.min(n_train);
    // A final batch of one image cannot be batch-normalized: drop it.
    let steps_per_epoch = n_train / bs + usize::from(n_train % bs > 1);
    let total_steps = t.total_steps(steps_per_epoch);
    let d = preset.network.defaults();
    let probed: Vec<(usize, String, Option<crate::spec::Activation>)> = model
        .probed_layers()
        .iter()
        .map(|&i| {
            let layer = &preset.network.layers[i];
            (i, layer.label(&d), layer.output_activation(&d))
        })
        .collect();
    let probe_n = (opts.probe_images as i64).min(data.val_len() as i64).max(1);
    let probe_x = data.val_x.narrow(0, 0, probe_n.min(data.val_x.size()[0]));
    let background: Vec<f32> = data
        .mean
        .iter()
        .zip(&data.std)
        .map(|(m, s)| -m / s)
        .collect();
    let aug_ctx = AugmentContext {
        background: &background,
        std: &data.std,
        pca: data.pca.as_ref(),
    };

    let data_order = {
        let mut perm: Vec<i64> = (0..n_train as i64).collect();
        perm.shuffle(&mut order_rng.clone());
        // FNV-1a over the order.
        perm.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &i| {
            (h ^ i as u64).wrapping_mul(0x0100_0000_01b3)
        })
    };
    let started = Event::Started(StartInfo {
        data_order,
        device: device_name(device),
        summary: model.summary.clone(),
        class_names: data.class_names.clone(),
        train_images: n_train,
        val_images: data.val_len(),
        test_images: data.test_len(),
        steps_per_epoch,
        total_steps,
        probed_layers: probed.iter().map(|(i, l, _)| (i + 1, l.clone())).collect(),
        run_dir: opts.run_dir.clone(),
    });
    if !out.send(started) {
        return Ok(Event::Failed {
            reason: "the receiver went away".into(),
        });
    }

    let start = Instant::now();
    let mut step = 0usize;
    let mut last: Option<StepMetrics> = None;
    let mut stopped = false;
    let mut epochs_done = 0usize;
    let (mut step_secs, mut trained_images) = (0f64, 0usize);
    let mut best_val: Option<f32> = None;
    let (mut window_images, mut window_start) = (0usize, Instant::now());
    let mut last_emit = Instant::now() - opts.step_interval;

    let save_on_demand = |model: &Model, dir: Option<PathBuf>, step: usize| -> Event {
        let dir = dir.or_else(|| opts.run_dir.clone());
        match dir {
            None => Event::Warning("no folder to save the checkpoint in".into()),
            Some(dir) => match checkpoint::save(&dir, &format!("step-{step}"), preset, model) {
                Ok(path) => Event::CheckpointSaved { path, step },
                Err(e) => Event::Warning(format!("checkpoint not saved: {e}")),
            },
        }
    };

    'epochs: for epoch in 0..t.epochs {
        if step >= total_steps {
            break;
        }
        let epoch_start = Instant::now();
        let mut perm: Vec<i64> = (0..n_train as i64).collect();
        perm.shuffle(&mut order_rng);
        let (mut loss_sum, mut correct_sum, mut seen) = (0.0f64, 0.0f64, 0usize);
        for b in 0..steps_per_epoch {
            // Commands are handled between steps; a pause blocks here.
            let mut paused = false;
            loop {
                let cmd = if paused {
                    cmds.recv().ok()
                } else {
                    cmds.try_recv().ok()
                };
                let control = match cmd {
                    None if paused => Control::Stop,
                    None => Control::Go,
                    Some(Command::Pause) => {
                        if !paused {
                            paused = true;
                            out.send(Event::Paused { step });
                        }
                        continue;
                    }
                    Some(Command::Resume) => {
                        if paused {
                            paused = false;
                            out.send(Event::Resumed { step });
                            window_start = Instant::now();
                            window_images = 0;
                        }
                        continue;
                    }
                    Some(Command::Stop) => Control::Stop,
                    Some(Command::SaveCheckpoint(dir)) => {
                        out.send(save_on_demand(&model, dir, step));
                        continue;
                    }
                };
                match control {
                    Control::Stop => {
                        stopped = true;
                        break 'epochs;
                    }
                    Control::Go => break,
                }
            }
            if opts.inject_panic_at_step == Some(step) {
                panic!("injected failure at step {step}");
            }

            let step_start = Instant::now();
            let lr = t.lr_at(step, steps_per_epoch);
            opt.set_lr(lr);
            let from = b * bs;
            let to = (from + bs).min(n_train);
            let idx = Tensor::from_slice(&perm[from..to]).to_device(device);
            let x = data.train_x.index_select(0, &idx);
            let y = data.train_y.index_select(0, &idx);
            let x = augment::apply(&x, &t.augment, &aug_ctx, &mut aug_rng);
            let logits = model.forward_t(&x, true);
            let mut loss = loss_value(&logits, &y, t.loss);
            if let Some(p) = model.penalty(t.l1, t.l2) {
                loss += p;
            }
            let loss_v = loss.double_value(&[]);
            if !loss_v.is_finite() {
                if let Some(f) = out.folder.as_mut() {
                    let _ = f.flush();
                }
                return Ok(Event::Diverged {
                    step: step + 1,
                    last,
                });
            }
            opt.zero_grad();
            loss.backward();
            step += 1;
            let probe_now =
                t.probe_every_steps > 0 && (step == 1 || step.is_multiple_of(t.probe_every_steps));
            let grads = if probe_now {
                stats::grad_norms(model.layer_params())
            } else {
                Vec::new()
            };
            opt.step();

            let n = (to - from) as f64;
            let acc = logits
                .argmax(-1, false)
                .eq_tensor(&y)
                .to_kind(Kind::Double)
                .mean(Kind::Double)
                .double_value(&[]);
            step_secs += step_start.elapsed().as_secs_f64();
            trained_images += to - from;
            loss_sum += loss_v * n;
            correct_sum += acc * n;
            seen += to - from;
            window_images += to - from;
            let now = Instant::now();
            let window_secs = now.duration_since(window_start).as_secs_f64().max(1e-9);
            let metrics = StepMetrics {
                step,
                epoch,
                loss: loss_v as f32,
                accuracy: acc as f32,
                learning_rate: lr,
                images_per_sec: (window_images as f64 / window_secs) as f32,
                elapsed_secs: start.elapsed().as_secs_f64(),
            };
            last = Some(metrics);
            if let Some(f) = out.folder.as_mut() {
                f.step(&metrics)
                    .map_err(|e| format!("cannot write the step metrics: {e}"))?;
            }
            let epoch_end = b + 1 == steps_per_epoch || step >= total_steps;
            if epoch_end || now.duration_since(last_emit) >= opts.step_interval {
                if !out.offer(Event::Step(metrics)) {
                    return Ok(Event::Failed {
                        reason: "the receiver went away".into(),
                    });
                }
                last_emit = now;
                window_start = now;
                window_images = 0;
            }
            if probe_now {
                let layers = tch::no_grad(|| {
                    let outs = model.forward_all(&probe_x, false);
                    probed
                        .iter()
                        .map(|(i, label, act)| stats::layer_stats(i + 1, label, &outs[*i], *act))
                        .collect()
                });
                out.send(Event::Probe(ProbeStats {
                    step,
                    layers,
                    grad_norms: grads,
                }));
            }
            if step >= total_steps {
                break;
            }
        }
        let (val_loss, val_accuracy) = evaluate(&model, &data.val_x, &data.val_y, t.loss);
        let em = EpochMetrics {
            epoch: epoch + 1,
            step,
            train_loss: (loss_sum / seen.max(1) as f64) as f32,
            train_accuracy: (correct_sum / seen.max(1) as f64) as f32,
            val_loss,
            val_accuracy,
            duration_secs: epoch_start.elapsed().as_secs_f64(),
        };
        epochs_done = epoch + 1;
        if let Some(f) = out.folder.as_mut() {
            f.epoch(&em)
                .map_err(|e| format!("cannot write the epoch metrics: {e}"))?;
        }
        out.send(Event::Epoch(em));
        // Checkpoints during training: every N epochs and the best so far (the last is
        // written at the end).
        if let Some(dir) = opts.run_dir.clone() {
            let mut names = Vec::new();
            if t.checkpoint_every_epochs > 0
                && epochs_done.is_multiple_of(t.checkpoint_every_epochs)
            {
                names.push(format!("epoch-{epochs_done}"));
            }
            if t.checkpoint_best && best_val.is_none_or(|b| val_accuracy > b) {
                best_val = Some(val_accuracy);
                names.push("best".to_string());
            }
            for name in names {
                let e = match checkpoint::save(&dir, &name, preset, &model) {
                    Ok(path) => Event::CheckpointSaved { path, step },
                    Err(e) => Event::Warning(format!("checkpoint {name} not saved: {e}")),
                };
                out.send(e);
            }
        }
        if let Some(target) = opts.target_test_accuracy {
            let (_, acc) = evaluate(&model, &data.test_x, &data.test_y, t.loss);
            out.send(Event::Warning(format!(
                "test accuracy after epoch {}: {:.2}%",
                epoch + 1,
                acc * 100.0
            )));
            if acc >= target {
                break;
            }
        }
    }

    let (test_loss, test_accuracy) = evaluate(&model, &data.test_x, &data.test_y, t.loss);
    let mut saved = None;
    if let Some(mut f) = out.folder.take() {
        f.flush()
            .map_err(|e| format!("cannot write the metrics: {e}"))?;
        saved = Some(checkpoint::save(&f.dir, "model", preset, &model).map_err(|e| e.to_string())?);
    }
    // Keeps `model` alive (and mutable borrows honest) until the end of the run.
    let _ = &mut model;
    Ok(Event::Finished(FinishInfo {
        steps: step,
        epochs: epochs_done,
        test_loss,
        test_accuracy,
        duration_secs: start.elapsed().as_secs_f64(),
        train_images_per_sec: (trained_images as f64 / step_secs.max(1e-9)) as f32,
        stopped,
        checkpoint: saved,
    }))
}
