//! Before the first step: the data, checked against the network, and the order fingerprint.
use super::TrainError;
use crate::data::{Dataset, DecodeSpec};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use spec::Preset;

/// Loads the data and checks that the network fits it.
pub(super) fn load_data(preset: &Preset, device: tch::Device) -> Result<Dataset, TrainError> {
    let input = preset.network.input;
    let data = Dataset::load(&preset.data, DecodeSpec::from(input), device)?;
    if (input.channels, input.height, input.width) != (data.channels, data.height, data.width) {
        return Err(TrainError::Settings(format!(
            "the network expects {}×{}×{} images but {} gives {}×{}×{} — change the network's input or the dataset",
            input.channels, input.height, input.width, preset.data.source.describe(),
            data.channels, data.height, data.width
        )));
    }
    if preset.network.classes != data.class_names.len() {
        return Err(TrainError::Settings(format!(
            "the network has {} classes but {} has {} — set the network's classes (and its last Linear layer's outputs) to {}",
            preset.network.classes,
            preset.data.source.describe(),
            data.class_names.len(),
            data.class_names.len()
        )));
    }
    Ok(data)
}

/// A fingerprint (FNV-1a) of the first epoch's order, drawn from a copy of the order stream.
pub(super) fn order_fingerprint(rng: &ChaCha8Rng, n: usize) -> u64 {
    let mut perm: Vec<i64> = (0..n as i64).collect();
    perm.shuffle(&mut rng.clone());
    perm.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &i| {
        (h ^ i as u64).wrapping_mul(0x0100_0000_01b3)
    })
}
