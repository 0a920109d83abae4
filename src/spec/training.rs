//! Training settings as plain data.
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    /// Plain SGD when momentum is 0; heavy-ball or Nesterov momentum otherwise.
    Sgd {
        #[serde(default)]
        momentum: f64,
        #[serde(default)]
        nesterov: bool,
    },
    Adam {
        #[serde(default = "beta1")]
        beta1: f64,
        #[serde(default = "beta2")]
        beta2: f64,
        #[serde(default = "adam_eps")]
        eps: f64,
    },
    /// Adam with decoupled weight decay.
    AdamW {
        #[serde(default = "beta1")]
        beta1: f64,
        #[serde(default = "beta2")]
        beta2: f64,
        #[serde(default = "adam_eps")]
        eps: f64,
    },
}

fn beta1() -> f64 {
    0.9
}
fn beta2() -> f64 {
    0.999
}
fn adam_eps() -> f64 {
    1e-8
}

impl Default for Optimizer {
    fn default() -> Self {
        Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
}

impl Optimizer {
    pub fn name(&self) -> &'static str {
        match self {
            Optimizer::Sgd { momentum, nesterov } if *momentum > 0.0 && *nesterov => "SGD+Nesterov",
            Optimizer::Sgd { momentum, .. } if *momentum > 0.0 => "SGD+momentum",
            Optimizer::Sgd { .. } => "SGD",
            Optimizer::Adam { .. } => "Adam",
            Optimizer::AdamW { .. } => "AdamW",
        }
    }

    pub fn from_name(name: &str) -> Option<Optimizer> {
        Some(match name.to_ascii_lowercase().as_str() {
            "sgd" => Optimizer::Sgd {
                momentum: 0.0,
                nesterov: false,
            },
            "momentum" | "sgd+momentum" => Optimizer::Sgd {
                momentum: 0.9,
                nesterov: false,
            },
            "nesterov" | "sgd+nesterov" => Optimizer::Sgd {
                momentum: 0.9,
                nesterov: true,
            },
            "adam" => Optimizer::default(),
            "adamw" => Optimizer::AdamW {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            },
            _ => return None,
        })
    }
}

/// Learning-rate schedule over epochs (after the optional warm-up).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Default)]
pub enum Schedule {
    #[default]
    Constant,
    /// Multiply by `gamma` every `every_epochs` epochs.
    Step { every_epochs: usize, gamma: f64 },
    /// Cosine from the base rate down to `min_lr` over the whole run.
    Cosine {
        #[serde(default)]
        min_lr: f64,
    },
    /// One-cycle (Smith & Topin), as PyTorch's `OneCycleLR` with cosine annealing: from
    /// `learning_rate / div_factor` up to `learning_rate` over the first `pct_start` of the
    /// run, then down to `learning_rate / div_factor / final_div_factor`.
    OneCycle {
        #[serde(default = "one_cycle_pct_start")]
        pct_start: f64,
        #[serde(default = "one_cycle_div_factor")]
        div_factor: f64,
        #[serde(default = "one_cycle_final_div_factor")]
        final_div_factor: f64,
    },
}

fn one_cycle_pct_start() -> f64 {
    0.3
}
fn one_cycle_div_factor() -> f64 {
    25.0
}
fn one_cycle_final_div_factor() -> f64 {
    1e4
}

impl Schedule {
    /// One-cycle with PyTorch's defaults.
    pub fn one_cycle() -> Schedule {
        Schedule::OneCycle {
            pct_start: one_cycle_pct_start(),
            div_factor: one_cycle_div_factor(),
            final_div_factor: one_cycle_final_div_factor(),
        }
    }
}

/// Cosine interpolation from `start` (at pct 0) to `end` (at pct 1), as PyTorch's
/// `OneCycleLR._annealing_cos`.
fn annealing_cos(start: f64, end: f64, pct: f64) -> f64 {
    end + (start - end) / 2.0 * ((std::f64::consts::PI * pct).cos() + 1.0)
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Default)]
pub enum Loss {
    /// Softmax cross-entropy (negative log-likelihood of the true class).
    #[default]
    CrossEntropy,
    /// Multiclass hinge: Σ_{j≠y} max(0, margin − s_y + s_j) / classes — exactly PyTorch's
    /// `MultiMarginLoss` (tested). The Weston–Watkins SVM loss as usually written (e.g. CS231n)
    /// leaves out the division by the number of classes: K times larger, same minimum; the
    /// lecture gives no formula of its own.
    Hinge {
        #[serde(default = "one")]
        margin: f64,
    },
    /// Cross-entropy against smoothed targets: 1 − ε + ε/K for the true class and ε/K for the
    /// others (Szegedy et al. 2016), as PyTorch's `cross_entropy(label_smoothing=ε)`.
    SmoothedCrossEntropy { smoothing: f64 },
}

fn one() -> f64 {
    1.0
}

/// On-the-fly augmentation of training batches; every field at 0/false is off.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Default)]
#[serde(default)]
pub struct Augment {
    /// Mirror left–right with probability ½.
    pub hflip: bool,
    /// Random crop after zero-padding by this many pixels on each side.
    pub crop_padding: usize,
    /// Random scale in [1 − s, 1 + s].
    pub scale: f64,
    /// Random translation up to this fraction of the width/height.
    pub translate: f64,
    /// Random rotation up to ± this many degrees.
    pub rotate_degrees: f64,
    /// Random horizontal shear up to ± this many degrees.
    pub shear_degrees: f64,
    /// Random brightness offset up to ± this (in units of the data's standard deviation).
    pub brightness: f64,
    /// Random contrast factor in [1 − c, 1 + c].
    pub contrast: f64,
    /// AlexNet-style PCA colour noise: σ of the per-image eigen-coefficients (RGB data only).
    pub pca_noise: f64,
    /// Random-resized crop (Inception / torchvision): a random part of the image covering
    /// this fraction of its area up to all of it, aspect ratio 3/4–4/3, scaled to the input.
    /// 0 = off; 0.08 is torchvision's default.
    pub random_resized_crop: f64,
}

impl Augment {
    pub fn is_off(&self) -> bool {
        *self == Augment::default()
    }

    /// A moderate set of augmentations for 28×28 data, used by "augmentation on".
    pub fn standard() -> Augment {
        Augment {
            crop_padding: 2,
            rotate_degrees: 10.0,
            scale: 0.1,
            brightness: 0.1,
            contrast: 0.1,
            ..Augment::default()
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default)]
pub struct Training {
    pub epochs: usize,
    pub batch_size: usize,
    pub optimizer: Optimizer,
    pub learning_rate: f64,
    pub schedule: Schedule,
    /// Linear warm-up from 0 to the learning rate over this many steps.
    pub warmup_steps: usize,
    /// Weight decay applied by the optimizer (decoupled for AdamW), to every parameter unless
    /// `no_decay_on_biases_and_norms`.
    pub weight_decay: f64,
    /// The common exception: no weight decay on biases, normalization scales and shifts (and
    /// Dice's α), which regularizing only shrinks towards meaningless values.
    pub no_decay_on_biases_and_norms: bool,
    /// L1 penalty λ·Σ|w| on conv and linear weights (with `l2` > 0 too: elastic net).
    pub l1: f64,
    /// L2 penalty λ·Σw² on conv and linear weights, added to the loss.
    pub l2: f64,
    pub loss: Loss,
    pub augment: Augment,
    pub seed: u64,
    /// "auto" (CUDA if libtorch sees a GPU, else CPU), "cpu", "cuda" or "cuda:N".
    pub device: String,
    /// CPU threads for libtorch's operations; 0 is "auto": one per core (see [`threads_for`]).
    pub threads: usize,
    /// Probe activation statistics and gradient norms every this many steps.
    pub probe_every_steps: usize,
    /// Stop after this many optimizer steps in all (benchmarks, quick looks).
    pub max_steps: Option<usize>,
    /// Save a checkpoint every this many epochs (0: only the last).
    pub checkpoint_every_epochs: usize,
    /// Keep a checkpoint of the epoch with the best validation accuracy (`best.safetensors`).
    pub checkpoint_best: bool,
    /// Fine-tuning: start from this checkpoint's weights (a `.safetensors` file or a run
    /// folder); tensors whose names and shapes match are loaded, the others initialized.
    pub init_from: Option<std::path::PathBuf>,
    /// Layers (1-based) whose parameters are frozen: no gradient, no update.
    pub freeze: Vec<usize>,
}

impl Default for Training {
    fn default() -> Self {
        Training {
            epochs: 3,
            batch_size: 64,
            optimizer: Optimizer::default(),
            learning_rate: 1e-3,
            schedule: Schedule::Constant,
            warmup_steps: 0,
            weight_decay: 0.0,
            no_decay_on_biases_and_norms: false,
            l1: 0.0,
            l2: 0.0,
            loss: Loss::CrossEntropy,
            augment: Augment::default(),
            seed: 42,
            device: "auto".into(),
            threads: 0,
            probe_every_steps: 50,
            max_steps: None,
            checkpoint_every_epochs: 0,
            checkpoint_best: true,
            init_from: None,
            freeze: Vec::new(),
        }
    }
}

/// The libtorch thread count a run uses for `requested` threads on a machine with `cores`, and
/// a note for the user when the request was changed.
///
/// "auto" (0) is one thread per core, in the window as headless: the window repaints at a modest
/// rate while training (a frame a second, each about 20 ms of CPU under a software
/// renderer), and with that one thread per core trains at 0.9–0.95× the headless speed, where
/// one thread fewer than the cores loses about 30% (`bench/window.sh`). More threads than cores
/// only make them wait on each other, so a larger request is clamped.
pub fn threads_for(requested: usize, cores: usize) -> (usize, Option<String>) {
    let cores = cores.max(1);
    match requested {
        0 => (cores, None),
        n if n > cores => (
            cores,
            Some(format!(
                "{n} threads asked for, but this machine has {cores} cores: using {cores}"
            )),
        ),
        n => (n, None),
    }
}

impl Training {
    /// The learning rate at a step, given steps per epoch (warm-up, then the schedule).
    pub fn lr_at(&self, step: usize, steps_per_epoch: usize) -> f64 {
        let base = self.learning_rate;
        if step < self.warmup_steps {
            return base * (step + 1) as f64 / self.warmup_steps as f64;
        }
        let epoch = step / steps_per_epoch.max(1);
        match self.schedule {
            Schedule::Constant => base,
            Schedule::Step {
                every_epochs,
                gamma,
            } => base * gamma.powi((epoch / every_epochs.max(1)) as i32),
            Schedule::Cosine { min_lr } => {
                let total = self.total_steps(steps_per_epoch).max(1);
                let after = step.saturating_sub(self.warmup_steps) as f64;
                let span = total.saturating_sub(self.warmup_steps).max(1) as f64;
                let t = (after / span).min(1.0);
                min_lr + 0.5 * (base - min_lr) * (1.0 + (std::f64::consts::PI * t).cos())
            }
            Schedule::OneCycle {
                pct_start,
                div_factor,
                final_div_factor,
            } => {
                let total = self.total_steps(steps_per_epoch).max(2) as f64;
                let initial = base / div_factor;
                let min = initial / final_div_factor;
                // PyTorch's phase ends: step pct_start·total − 1, then total − 1.
                let end_up = pct_start * total - 1.0;
                let end_down = total - 1.0;
                let s = step as f64;
                if s <= end_up {
                    annealing_cos(initial, base, s / end_up.max(1e-9))
                } else {
                    let pct = ((s - end_up) / (end_down - end_up).max(1e-9)).min(1.0);
                    annealing_cos(base, min, pct)
                }
            }
        }
    }

    pub fn total_steps(&self, steps_per_epoch: usize) -> usize {
        let all = self.epochs * steps_per_epoch;
        self.max_steps.map_or(all, |m| m.min(all))
    }

    /// Settings that can never train, named for the user.
    pub fn validate(&self) -> Result<(), crate::TrainingError> {
        use crate::TrainingError as E;
        if self.epochs == 0 {
            return Err(E::Zero("epochs"));
        }
        if self.batch_size == 0 {
            return Err(E::Zero("batch size"));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(E::LearningRate(self.learning_rate));
        }
        if self.l1 < 0.0 || self.l2 < 0.0 || self.weight_decay < 0.0 {
            return Err(E::NegativeDecay);
        }
        if let Schedule::Step {
            every_epochs: 0, ..
        } = self.schedule
        {
            return Err(E::StepEvery);
        }
        if let Schedule::OneCycle {
            pct_start,
            div_factor,
            final_div_factor,
        } = self.schedule
        {
            if !(pct_start > 0.0 && pct_start < 1.0) {
                return Err(E::PctStart(pct_start));
            }
            if !(div_factor >= 1.0 && final_div_factor >= 1.0) {
                return Err(E::DivFactor);
            }
        }
        if let Loss::SmoothedCrossEntropy { smoothing } = self.loss {
            if !(0.0..1.0).contains(&smoothing) {
                return Err(E::Smoothing(smoothing));
            }
        }
        Ok(())
    }
}
