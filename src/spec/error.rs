//! Why a layer, a training setting or a comparison is refused. The texts are shown to users as
//! they are (the editor, the CLI and the tests quote them), so each says what is wrong and the
//! fix; the variants let callers and tests tell the cases apart without reading the text.

/// Why one layer cannot take its input or its parameters (in [`crate::SpecError::Layer`]).
#[derive(thiserror::Error, Clone, Debug, PartialEq)]
pub enum LayerError {
    #[error(
        "{what} needs feature maps (C×H×W) but gets a flat vector of {n} — move it before Flatten"
    )]
    NeedsMaps { what: String, n: usize },
    #[error("expects a flat input but gets {shape} — add Flatten (or GlobalAvgPool) before it")]
    NeedsFlat { shape: String },
    /// A count that must be positive: a stride, a channel number, a kernel.
    #[error("{0} must be at least 1")]
    Zero(String),
    /// A (possibly dilated) window larger than the padded input.
    #[error("{window} larger than padded input {h}×{w}")]
    TooLarge { window: String, h: usize, w: usize },
    #[error("padding {padding} is more than half the window {kernel}")]
    PoolPadding { padding: usize, kernel: usize },
    #[error("identity shortcut of {input} cannot be added to {output}")]
    Shortcut { input: String, output: String },
    #[error(
        "n = {0} — use 0 for 3×3 convolutions or an odd n > 1 (7 in the paper) for 1×n and n×1"
    )]
    InceptionN(usize),
    #[error("padding {h}×{w} on a square kernel")]
    PaddingNotSquare { h: usize, w: usize },
    #[error("padding \"same\" needs an odd kernel, but kernel is {kernel}")]
    SameNeedsOdd { kernel: usize },
    #[error(
        "groups {groups} must divide both input channels {inputs} and output channels {outputs}"
    )]
    Groups {
        groups: usize,
        inputs: usize,
        outputs: usize,
    },
    #[error("p must be in [0, 1), but is {0}")]
    DropoutP(f64),
    #[error("{groups} groups do not divide {channels} channels")]
    NormGroups { groups: usize, channels: usize },
    #[error(
        "decorrelated groups of {group} channels do not divide {channels} channels — use a divisor of {channels}, e.g. {fit}"
    )]
    Decorrelated {
        group: usize,
        channels: usize,
        fit: usize,
    },
    #[error("LRN size {0} must be odd (a window centred on each channel), e.g. 5")]
    LrnEven(usize),
    #[error("LRN size {size} is larger than the {channels} channels — use at most {max}")]
    LrnTooLarge {
        size: usize,
        channels: usize,
        max: usize,
    },
    /// The Learn lab's sliding window (no padding rule of a layer).
    #[error("the kernel spans {span} pixels but the padded input is only {room} wide")]
    KernelSpan { span: usize, room: usize },
    #[error("a {k}×{k} window does not fit a {h}×{w} input")]
    WindowDoesNotFit { k: usize, h: usize, w: usize },
    #[error("no input")]
    NoInput,
}

/// Why training settings are refused before a run starts.
#[derive(thiserror::Error, Clone, Debug, PartialEq)]
pub enum TrainingError {
    #[error("{0} must be at least 1")]
    Zero(&'static str),
    #[error("learning rate must be a positive number, but is {0}")]
    LearningRate(f64),
    #[error("weight decay, L1 and L2 must not be negative")]
    NegativeDecay,
    #[error("step decay needs every_epochs of at least 1")]
    StepEvery,
    #[error("one-cycle pct_start is the warm-up share of the run: between 0 and 1, not {0}")]
    PctStart(f64),
    #[error("one-cycle div_factor and final_div_factor must be at least 1")]
    DivFactor,
    #[error("label smoothing must be at least 0 and below 1, not {0}")]
    Smoothing(f64),
}

/// Why a comparison (`--vary`, the Compare dialog) cannot make its variants.
#[derive(thiserror::Error, Clone, Debug, PartialEq)]
pub enum CompareError {
    #[error("--vary needs DIMENSION=VALUES, e.g. activation=relu,mish (got \"{0}\")")]
    Syntax(String),
    #[error("unknown dimension \"{name}\": use one of {known}")]
    UnknownDimension { name: String, known: String },
    /// A value the dimension does not know: `what` names the dimension, `hint` the choices.
    #[error("unknown {what} \"{value}\"{hint}")]
    UnknownValue {
        what: &'static str,
        value: String,
        hint: &'static str,
    },
    #[error("\"{value}\" is not a {what}")]
    NotANumber { value: String, what: &'static str },
    #[error("augmentation is \"on\" or \"off\", not \"{0}\"")]
    Augmentation(String),
    #[error("the network has no Dropout layer to vary")]
    NoDropout,
    #[error("a comparison needs at least one {0}")]
    Empty(&'static str),
    /// Two variants that would train the same network with the same settings.
    #[error("{0}")]
    Same(String),
}
