//! A comparison: one dimension of the preset varied over a list of values, each over several
//! seeds. Variants differ only in that dimension; runs with the same seed see the same data.
use super::layer::{Init, Layer, Norm};
use super::CompareError;
use super::{Activation, Augment, Optimizer, Preset};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dimension {
    Activation,
    Normalization,
    Optimizer,
    LearningRate,
    DropoutRate,
    Init,
    Augmentation,
}

impl Dimension {
    pub const ALL: [Dimension; 7] = [
        Dimension::Activation,
        Dimension::Normalization,
        Dimension::Optimizer,
        Dimension::LearningRate,
        Dimension::DropoutRate,
        Dimension::Init,
        Dimension::Augmentation,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Dimension::Activation => "activation",
            Dimension::Normalization => "normalization",
            Dimension::Optimizer => "optimizer",
            Dimension::LearningRate => "learning rate",
            Dimension::DropoutRate => "dropout rate",
            Dimension::Init => "weight init",
            Dimension::Augmentation => "augmentation",
        }
    }

    pub fn from_name(s: &str) -> Option<Dimension> {
        let k: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        Some(match k.as_str() {
            "activation" | "act" => Dimension::Activation,
            "normalization" | "norm" => Dimension::Normalization,
            "optimizer" | "opt" => Dimension::Optimizer,
            "learningrate" | "lr" => Dimension::LearningRate,
            "dropoutrate" | "dropout" => Dimension::DropoutRate,
            "weightinit" | "init" => Dimension::Init,
            "augmentation" | "augment" | "aug" => Dimension::Augmentation,
            _ => return None,
        })
    }

    /// The values a new comparison starts with.
    pub fn default_values(&self) -> Vec<String> {
        let v: &[&str] = match self {
            Dimension::Activation => &["relu", "elu", "gelu", "swish", "mish"],
            Dimension::Normalization => &["off", "batch", "layer", "group"],
            Dimension::Optimizer => &["sgd", "momentum", "adam", "adamw"],
            Dimension::LearningRate => &["0.0003", "0.001", "0.003"],
            Dimension::DropoutRate => &["0", "0.25", "0.5"],
            Dimension::Init => &["uniform", "msra", "xavier"],
            Dimension::Augmentation => &["off", "on"],
        };
        v.iter().map(|s| s.to_string()).collect()
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default)]
pub struct CompareSpec {
    pub dimension: Dimension,
    pub values: Vec<String>,
    pub seeds: usize,
    /// Varying normalization: first insert a Norm layer (following the network's choice)
    /// after each convolution that has none, before its activation — the usual place.
    pub insert_norm: bool,
    /// Epochs each run trains; None: the preset's.
    pub epochs: Option<usize>,
}

impl Default for CompareSpec {
    fn default() -> Self {
        CompareSpec {
            dimension: Dimension::Activation,
            values: Dimension::Activation.default_values(),
            seeds: 3,
            insert_norm: false,
            epochs: None,
        }
    }
}

fn number(v: &str, what: &'static str) -> Result<f64, CompareError> {
    v.trim()
        .parse::<f64>()
        .map_err(|_| CompareError::NotANumber {
            value: v.to_string(),
            what,
        })
}

fn unknown(what: &'static str, value: &str, hint: &'static str) -> CompareError {
    CompareError::UnknownValue {
        what,
        value: value.to_string(),
        hint,
    }
}

impl CompareSpec {
    /// Parses the CLI's `--vary dimension=v1,v2,…`.
    pub fn from_arg(arg: &str, seeds: usize) -> Result<CompareSpec, CompareError> {
        let (dim, values) = arg
            .split_once('=')
            .ok_or_else(|| CompareError::Syntax(arg.to_string()))?;
        let dimension =
            Dimension::from_name(dim).ok_or_else(|| CompareError::UnknownDimension {
                name: dim.to_string(),
                known: Dimension::ALL
                    .map(|d| d.name().replace(' ', "-"))
                    .join(", "),
            })?;
        let values = values
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        Ok(CompareSpec {
            dimension,
            values,
            seeds,
            insert_norm: false,
            epochs: None,
        })
    }

    /// Every variant (label, preset) — not yet per seed. Errors name the bad value, and refuse
    /// variants that would train the same network with the same settings (with the fix).
    pub fn variants(&self, base: &Preset) -> Result<Vec<(String, Preset)>, CompareError> {
        if self.values.is_empty() {
            return Err(CompareError::Empty("value"));
        }
        if self.seeds == 0 {
            return Err(CompareError::Empty("seed"));
        }
        if self.epochs == Some(0) {
            return Err(CompareError::Empty("epoch"));
        }
        let mut base = base.clone();
        if let Some(e) = self.epochs {
            base.training.epochs = e;
        }
        if self.insert_norm && self.dimension == Dimension::Normalization {
            insert_norm_after_convs(&mut base.network);
        }
        let variants = self.apply_values(&base)?;
        let effective: Vec<Preset> = variants.iter().map(|(_, p)| effective(p)).collect();
        for i in 0..variants.len() {
            for j in 0..i {
                if effective[i] == effective[j] {
                    return Err(CompareError::Same(self.same_reason(
                        &base,
                        &variants[j].0,
                        &variants[i].0,
                    )));
                }
            }
        }
        Ok(variants)
    }

    /// Why two variants are the same network, and what to change.
    fn same_reason(&self, base: &Preset, a: &str, b: &str) -> String {
        let n = &base.network;
        let name = &base.name;
        let same =
            format!("\"{a}\" and \"{b}\" would train the same network with the same settings");
        let follows = |f: &dyn Fn(&Layer) -> Option<bool>| {
            n.layers.iter().filter_map(f).collect::<Vec<bool>>()
        };
        match self.dimension {
            Dimension::Normalization => {
                let norms = follows(&|l| l.norm_setting().map(|n| n.is_none()));
                if norms.is_empty() {
                    format!("{name} has no normalization layers, so {same}: add Norm layers, or let the comparison insert one after each convolution (\"insert a Norm layer after each convolution\"; --insert-norm)")
                } else if !norms.contains(&true) {
                    format!("every normalization layer of {name} sets its own kind, so {same}: set them to follow the network's normalization")
                } else {
                    format!("{same} (the values name the same normalization)")
                }
            }
            Dimension::Activation => {
                let acts = follows(&|l| l.activation_setting().map(|a| a.is_none()));
                if !acts.contains(&true) {
                    format!("no activation of {name} follows the network's activation, so {same}: add Activation layers, or set them to follow the network")
                } else {
                    format!("{same} (the values name the same activation)")
                }
            }
            Dimension::Init => format!("every layer of {name} sets its own initialization, so {same}: set them to follow the network's init"),
            _ => format!("{same}: the values are the same {}", self.dimension.name()),
        }
    }

    fn apply_values(&self, base: &Preset) -> Result<Vec<(String, Preset)>, CompareError> {
        self.values
            .iter()
            .map(|v| {
                let mut p = base.clone();
                let label = v.trim().to_lowercase();
                match self.dimension {
                    Dimension::Activation => {
                        p.network.activation =
                            Activation::from_name(v).ok_or_else(|| unknown("activation", v, ""))?;
                    }
                    Dimension::Normalization => {
                        p.network.norm =
                            Norm::from_name(v).ok_or_else(|| unknown("normalization", v, ""))?;
                    }
                    Dimension::Optimizer => {
                        p.training.optimizer =
                            Optimizer::from_name(v).ok_or_else(|| unknown("optimizer", v, ""))?;
                    }
                    Dimension::LearningRate => {
                        p.training.learning_rate = number(v, "learning rate")?
                    }
                    Dimension::DropoutRate => {
                        let rate = number(v, "dropout rate")?;
                        let mut found = false;
                        for l in &mut p.network.layers {
                            let d = if let Layer::Dropout2d(d) = l {
                                Some(&mut d.0)
                            } else if let Layer::Dropout(d) = l {
                                Some(d)
                            } else {
                                None
                            };
                            if let Some(d) = d {
                                d.p = rate;
                                found = true;
                            }
                        }
                        if !found {
                            return Err(CompareError::NoDropout);
                        }
                    }
                    Dimension::Init => {
                        p.network.init = match label.as_str() {
                            "uniform" => Init::Uniform,
                            "msra" | "kaiming" | "he" => Init::Msra,
                            "xavier" | "glorot" => Init::Xavier,
                            _ => return Err(unknown("init", v, ": use uniform, msra or xavier")),
                        };
                    }
                    Dimension::Augmentation => {
                        p.training.augment = match label.as_str() {
                            "off" => Augment::default(),
                            "on" if base.training.augment.is_off() => Augment::standard(),
                            "on" => base.training.augment,
                            _ => return Err(CompareError::Augmentation(v.to_string())),
                        };
                    }
                }
                p.compare = None;
                Ok((label, p))
            })
            .collect()
    }

    /// The seeds: the preset's seed and the next ones.
    pub fn seed_list(&self, base_seed: u64) -> Vec<u64> {
        (0..self.seeds as u64)
            .map(|i| base_seed.wrapping_add(i))
            .collect()
    }
}

/// What a preset trains, whatever its network-wide defaults say: its network resolved (see
/// [`super::Network::resolved`]), its name and comparison left out.
pub fn effective(p: &Preset) -> Preset {
    let mut e = p.clone();
    e.network = p.network.resolved();
    e.name = String::new();
    e.description = String::new();
    e.compare = None;
    e
}

/// Inserts a Norm layer that follows the network's normalization after every convolution not
/// already followed by one (before its activation).
pub fn insert_norm_after_convs(n: &mut super::Network) {
    let mut i = 0;
    while i < n.layers.len() {
        let conv = matches!(n.layers[i], Layer::Conv2d(_));
        let normed = matches!(n.layers.get(i + 1), Some(Layer::Norm(_)));
        if conv && !normed {
            n.layers
                .insert(i + 1, Layer::Norm(super::layer::NormLayer::default()));
            i += 1;
        }
        i += 1;
    }
}
