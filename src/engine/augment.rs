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

/// One image's drawn geometry: what its affine map is made of. (The exported project's
/// `augment.py` makes the same map from the same numbers: `theta_of`, checked by a test.)
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Geometry {
    /// −1 mirrors, 1 does not.
    pub flip: f64,
    /// 1 + the drawn scale change.
    pub scale: f64,
    /// Radians.
    pub rotate: f64,
    /// tan of the shear angle.
    pub shear: f64,
    /// Shift in normalized [−1, 1] coordinates (translation and the crop's whole-pixel shift).
    pub shift: (f64, f64),
    /// A random-resized crop: (width fraction, height fraction, centre x, centre y).
    pub crop: Option<(f64, f64, f64, f64)>,
}

impl Geometry {
    /// The affine map (output pixel → input location in normalized [−1, 1] coordinates):
    /// M = R · Shear · (1/s) · Flip, shifted, then restricted to the crop.
    pub fn theta(&self) -> [f32; 6] {
        let (s, flip, sh) = (self.scale, self.flip, self.shear);
        let (sin, cos) = self.rotate.sin_cos();
        let (tx, ty) = self.shift;
        let mut m = [
            cos / s * flip,
            (cos * sh - sin) / s,
            tx,
            sin / s * flip,
            (sin * sh + cos) / s,
            ty,
        ];
        if let Some((wf, hf, cx, cy)) = self.crop {
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
}

/// Draws one image's geometry; `rrc` > 0 adds a random-resized crop of at least that area.
fn draw_geometry(a: &Augment, rrc: f64, rng: &mut ChaCha8Rng, w: i64, h: i64) -> Geometry {
    let flip = if a.hflip && rng.random_bool(0.5) {
        -1.0
    } else {
        1.0
    };
    let scale = 1.0 + sym(rng, a.scale);
    let rotate = sym(rng, a.rotate_degrees).to_radians();
    let shear = sym(rng, a.shear_degrees).to_radians().tan();
    let mut tx = sym(rng, a.translate) * 2.0;
    let mut ty = sym(rng, a.translate) * 2.0;
    if a.crop_padding > 0 {
        // Random crop from the zero-padded image = a whole-pixel shift.
        let p = a.crop_padding as i64;
        tx += rng.random_range(-p..=p) as f64 * 2.0 / w as f64;
        ty += rng.random_range(-p..=p) as f64 * 2.0 / h as f64;
    }
    let crop = (rrc > 0.0).then(|| {
        // The crop's width and height as fractions of the image, and its centre.
        let (wf, hf) = rrc_fraction(rrc, rng);
        let cx = rng.random_range(-(1.0 - wf)..=(1.0 - wf));
        let cy = rng.random_range(-(1.0 - hf)..=(1.0 - hf));
        (wf, hf, cx, cy)
    });
    Geometry {
        flip,
        scale,
        rotate,
        shear,
        shift: (tx, ty),
        crop,
    }
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

/// What one batch's augmentation drew, per image: the affine maps, brightness shifts and
/// contrast factors, and PCA colour offsets (3 per image, in normalized units). Applying them
/// is plain arithmetic ([`apply_draws`]), the same in the exported project's `augment.py`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Draws {
    pub theta: Option<Vec<[f32; 6]>>,
    pub brightness_contrast: Option<(Vec<f32>, Vec<f32>)>,
    pub pca_delta: Option<Vec<f32>>,
}

/// Returns the augmented batch (a new tensor; `xs` is unchanged).
pub fn apply(xs: &Tensor, a: &Augment, ctx: &AugmentContext, rng: &mut ChaCha8Rng) -> Tensor {
    if a.is_off() {
        return xs.shallow_clone();
    }
    let draws = draw(xs.size(), a, ctx, rng);
    apply_draws(xs, &draws, ctx.background)
}

/// Draws a batch's augmentation for images of `size` [n, c, h, w]: the maps of all images,
/// then their brightness, then their contrast, then their colour noise (this order is what a
/// seed reproduces).
pub fn draw(size: Vec<i64>, a: &Augment, ctx: &AugmentContext, rng: &mut ChaCha8Rng) -> Draws {
    let (n, c, h, w) = (size[0], size[1], size[2], size[3]);
    let mut draws = Draws::default();
    let geometric = (a.random_resized_crop > 0.0 && !ctx.cropped)
        || a.hflip
        || a.crop_padding > 0
        || a.scale > 0.0
        || a.translate > 0.0
        || a.rotate_degrees > 0.0
        || a.shear_degrees > 0.0;
    if geometric {
        let rrc = if ctx.cropped {
            0.0
        } else {
            a.random_resized_crop
        };
        draws.theta = Some(
            (0..n)
                .map(|_| draw_geometry(a, rrc, rng, w, h).theta())
                .collect(),
        );
    }
    if a.brightness > 0.0 || a.contrast > 0.0 {
        let b: Vec<f32> = (0..n).map(|_| sym(rng, a.brightness) as f32).collect();
        let k: Vec<f32> = (0..n)
            .map(|_| (1.0 + sym(rng, a.contrast)) as f32)
            .collect();
        draws.brightness_contrast = Some((b, k));
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
            draws.pca_delta = Some(delta);
        }
    }
    draws
}

/// Applies drawn augmentation to a normalized batch: each image's map by grid sampling
/// (uncovered pixels get `background`, a black pixel after normalization), then
/// (x − mean)·k + mean + b per image, then the colour offsets.
pub fn apply_draws(xs: &Tensor, draws: &Draws, background: &[f32]) -> Tensor {
    let size = xs.size();
    let (n, c, h, w) = (size[0], size[1], size[2], size[3]);
    let device = xs.device();
    let mut x = xs.shallow_clone();
    if let Some(theta) = &draws.theta {
        let flat: Vec<f32> = theta.iter().flatten().copied().collect();
        let theta = Tensor::from_slice(&flat).view([n, 2, 3]).to_device(device);
        let grid = Tensor::affine_grid_generator(&theta, [n, c, h, w], false);
        let bg = Tensor::from_slice(background)
            .view([1, c, 1, 1])
            .to_device(device);
        // Sample the image relative to its background so uncovered pixels get the background.
        x = (&x - &bg).grid_sampler(&grid, 0, 0, false) + &bg;
    }
    if let Some((b, k)) = &draws.brightness_contrast {
        let b = Tensor::from_slice(b).view([n, 1, 1, 1]).to_device(device);
        let k = Tensor::from_slice(k).view([n, 1, 1, 1]).to_device(device);
        let mean = x.mean_dim([1i64, 2, 3].as_slice(), true, None);
        x = (&x - &mean) * k + mean + b;
    }
    if let Some(delta) = &draws.pca_delta {
        let delta = Tensor::from_slice(delta)
            .view([n, 3, 1, 1])
            .to_device(device);
        x += delta;
    }
    x
}
