//! On-the-fly augmentation of a normalized training batch. Random numbers come from the run's
//! own generator, so a seed reproduces the same augmented batches.
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use spec::Augment;
use tch::Tensor;

/// What the augmenter needs to know about the data.
pub struct AugmentContext<'a> {
    /// Per-channel value of a black pixel after normalization (the fill for moved images).
    pub background: &'a [f32],
    /// Per-channel std, to express PCA noise in normalized units.
    pub std: &'a [f32],
    pub pca: Option<&'a (Vec<f32>, Vec<f32>)>,
    /// The images were random-resized-cropped while decoding (streamed files): skip it here.
    pub cropped: bool,
}

fn gauss(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random_range(1e-12..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn sym(rng: &mut ChaCha8Rng, amount: f64) -> f64 {
    if amount > 0.0 {
        rng.random_range(-amount..=amount)
    } else {
        0.0
    }
}

/// One image's affine map (output pixel → input location in normalized [−1, 1]
/// coordinates): M = R · Shear · (1/s) · Flip, shifted, then restricted to a random-resized
/// crop when `rrc` > 0.
fn image_theta(a: &Augment, rrc: f64, rng: &mut ChaCha8Rng, w: i64, h: i64) -> [f32; 6] {
    let flip = if a.hflip && rng.random_bool(0.5) {
        -1.0
    } else {
        1.0
    };
    let s = 1.0 + sym(rng, a.scale);
    let r = sym(rng, a.rotate_degrees).to_radians();
    let sh = sym(rng, a.shear_degrees).to_radians().tan();
    let mut tx = sym(rng, a.translate) * 2.0;
    let mut ty = sym(rng, a.translate) * 2.0;
    if a.crop_padding > 0 {
        // Random crop from the zero-padded image = a whole-pixel shift.
        let p = a.crop_padding as i64;
        tx += rng.random_range(-p..=p) as f64 * 2.0 / w as f64;
        ty += rng.random_range(-p..=p) as f64 * 2.0 / h as f64;
    }
    let (sin, cos) = r.sin_cos();
    let mut m = [
        cos / s * flip,
        (cos * sh - sin) / s,
        tx,
        sin / s * flip,
        (sin * sh + cos) / s,
        ty,
    ];
    if rrc > 0.0 {
        // The crop's width and height as fractions of the image, and its centre.
        let (wf, hf) = rrc_fraction(rrc, rng);
        let cx = rng.random_range(-(1.0 - wf)..=(1.0 - wf));
        let cy = rng.random_range(-(1.0 - hf)..=(1.0 - hf));
        m = [
            wf * m[0],
            wf * m[1],
            wf * m[2] + cx,
            hf * m[3],
            hf * m[4],
            hf * m[5] + cy,
        ];
    }
    m.map(|v| v as f32)
}

/// Width and height fractions of a random-resized crop (area ≥ `min_area`, aspect 3/4–4/3;
/// ten tries, else the whole image), as in torchvision.
fn rrc_fraction(min_area: f64, rng: &mut ChaCha8Rng) -> (f64, f64) {
    let (lo, hi) = ((3.0f64 / 4.0).ln(), (4.0f64 / 3.0).ln());
    for _ in 0..10 {
        let area = rng.random_range(min_area.clamp(0.01, 1.0)..=1.0);
        let ratio = rng.random_range(lo..=hi).exp();
        let (wf, hf) = ((area * ratio).sqrt(), (area / ratio).sqrt());
        if wf <= 1.0 && hf <= 1.0 {
            return (wf, hf);
        }
    }
    (1.0, 1.0)
}

/// Returns the augmented batch (a new tensor; `xs` is unchanged).
pub fn apply(xs: &Tensor, a: &Augment, ctx: &AugmentContext, rng: &mut ChaCha8Rng) -> Tensor {
    if a.is_off() {
        return xs.shallow_clone();
    }
    let size = xs.size();
    let (n, c, h, w) = (size[0], size[1], size[2], size[3]);
    let device = xs.device();
    let mut x = xs.shallow_clone();

    let geometric = (a.random_resized_crop > 0.0 && !ctx.cropped)
        || a.hflip
        || a.crop_padding > 0
        || a.scale > 0.0
        || a.translate > 0.0
        || a.rotate_degrees > 0.0
        || a.shear_degrees > 0.0;
    if geometric {
        // One affine map per image, applied by grid sampling: output pixel → input location in
        // normalized [−1, 1] coordinates.
        let rrc = if ctx.cropped {
            0.0
        } else {
            a.random_resized_crop
        };
        let mut theta = Vec::with_capacity(n as usize * 6);
        for _ in 0..n {
            theta.extend_from_slice(&image_theta(a, rrc, rng, w, h));
        }
        let theta = Tensor::from_slice(&theta).view([n, 2, 3]).to_device(device);
        let grid = Tensor::affine_grid_generator(&theta, [n, c, h, w], false);
        let bg = Tensor::from_slice(ctx.background)
            .view([1, c, 1, 1])
            .to_device(device);
        // Sample the image relative to its background so uncovered pixels get the background.
        x = (&x - &bg).grid_sampler(&grid, 0, 0, false) + &bg;
    }

    if a.brightness > 0.0 || a.contrast > 0.0 {
        let b: Vec<f32> = (0..n).map(|_| sym(rng, a.brightness) as f32).collect();
        let k: Vec<f32> = (0..n)
            .map(|_| (1.0 + sym(rng, a.contrast)) as f32)
            .collect();
        let b = Tensor::from_slice(&b).view([n, 1, 1, 1]).to_device(device);
        let k = Tensor::from_slice(&k).view([n, 1, 1, 1]).to_device(device);
        let mean = x.mean_dim([1i64, 2, 3].as_slice(), true, None);
        x = (&x - &mean) * k + mean + b;
    }

    if a.pca_noise > 0.0 && c == 3 {
        if let Some((vals, vecs)) = ctx.pca {
            // δ_c = Σ_j p_cj · α_j · λ_j with α_j ~ N(0, σ²), per image.
            let mut delta = Vec::with_capacity(n as usize * 3);
            for _ in 0..n {
                let alpha: Vec<f64> = (0..3).map(|_| gauss(rng) * a.pca_noise).collect();
                for ch in 0..3 {
                    let d: f64 = (0..3)
                        .map(|j| vecs[ch * 3 + j] as f64 * alpha[j] * vals[j] as f64)
                        .sum();
                    delta.push((d / ctx.std[ch] as f64) as f32);
                }
            }
            let delta = Tensor::from_slice(&delta)
                .view([n, 3, 1, 1])
                .to_device(device);
            x += delta;
        }
    }
    x
}
