//! The built-in dataset: ten classes of procedurally drawn shapes and strokes on 28×28, with
//! random position, size, rotation, stroke thickness, distractor strokes and noise. Pure Rust
//! and deterministic for a seed, so training works with no files.
use super::RawImages;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const SIZE: usize = 28;

pub const CLASS_NAMES: [&str; 10] = [
    "ring", "disc", "square", "triangle", "plus", "cross", "arc", "bars", "zigzag", "star",
];

type P = (f32, f32);

/// Distance from point `q` to segment a–b.
fn seg_dist(q: P, a: P, b: P) -> f32 {
    let (vx, vy) = (b.0 - a.0, b.1 - a.1);
    let (wx, wy) = (q.0 - a.0, q.1 - a.1);
    let len2 = vx * vx + vy * vy;
    let t = if len2 > 0.0 {
        ((wx * vx + wy * vy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (dx, dy) = (wx - t * vx, wy - t * vy);
    (dx * dx + dy * dy).sqrt()
}

enum Prim {
    Seg(P, P),
    Ring(P, f32),
    Disc(P, f32),
    /// Ring minus the sector around angle `gap_at` (radians) of half-width `gap`.
    Arc(P, f32, f32, f32),
}

impl Prim {
    /// Distance from the stroke's centre line (0 inside filled shapes).
    fn dist(&self, q: P) -> f32 {
        match *self {
            Prim::Seg(a, b) => seg_dist(q, a, b),
            Prim::Ring(c, r) => (((q.0 - c.0).powi(2) + (q.1 - c.1).powi(2)).sqrt() - r).abs(),
            Prim::Disc(c, r) => (((q.0 - c.0).powi(2) + (q.1 - c.1).powi(2)).sqrt() - r).max(0.0),
            Prim::Arc(c, r, gap_at, gap) => {
                let ang = (q.1 - c.1).atan2(q.0 - c.0);
                let mut diff = (ang - gap_at).abs() % std::f32::consts::TAU;
                if diff > std::f32::consts::PI {
                    diff = std::f32::consts::TAU - diff;
                }
                if diff < gap {
                    // Distance to the nearer end of the arc.
                    let e1 = gap_at + gap;
                    let e2 = gap_at - gap;
                    let p1 = (c.0 + r * e1.cos(), c.1 + r * e1.sin());
                    let p2 = (c.0 + r * e2.cos(), c.1 + r * e2.sin());
                    seg_dist(q, p1, p1).min(seg_dist(q, p2, p2))
                } else {
                    (((q.0 - c.0).powi(2) + (q.1 - c.1).powi(2)).sqrt() - r).abs()
                }
            }
        }
    }
}

fn polygon(points: &[P]) -> Vec<Prim> {
    (0..points.len())
        .map(|i| Prim::Seg(points[i], points[(i + 1) % points.len()]))
        .collect()
}

/// The shape of class `class` in unit coordinates (centred at 0, radius about 1).
fn shape(class: usize, rng: &mut ChaCha8Rng) -> Vec<Prim> {
    let o = (0.0, 0.0);
    match class {
        0 => vec![Prim::Ring(o, 0.85)],
        1 => vec![Prim::Disc(o, 0.6)],
        2 => polygon(&[(-0.8, -0.8), (0.8, -0.8), (0.8, 0.8), (-0.8, 0.8)]),
        3 => polygon(&[(0.0, -0.9), (0.85, 0.7), (-0.85, 0.7)]),
        4 => vec![
            Prim::Seg((-0.9, 0.0), (0.9, 0.0)),
            Prim::Seg((0.0, -0.9), (0.0, 0.9)),
        ],
        5 => vec![
            Prim::Seg((-0.8, -0.8), (0.8, 0.8)),
            Prim::Seg((-0.8, 0.8), (0.8, -0.8)),
        ],
        6 => vec![Prim::Arc(o, 0.8, rng.random_range(-0.4..0.4f32), 0.9)],
        7 => vec![
            Prim::Seg((-0.9, -0.45), (0.9, -0.45)),
            Prim::Seg((-0.9, 0.45), (0.9, 0.45)),
        ],
        8 => {
            let pts = [
                (-0.9, 0.5),
                (-0.45, -0.5),
                (0.0, 0.5),
                (0.45, -0.5),
                (0.9, 0.5),
            ];
            pts.windows(2).map(|w| Prim::Seg(w[0], w[1])).collect()
        }
        _ => {
            // Five-pointed star drawn as its outline through alternate points.
            let pts: Vec<P> = (0..5)
                .map(|k| {
                    let a =
                        -std::f32::consts::FRAC_PI_2 + k as f32 * 2.0 * std::f32::consts::TAU / 5.0;
                    (0.9 * a.cos(), 0.9 * a.sin())
                })
                .collect();
            polygon(&pts)
        }
    }
}

fn gauss(rng: &mut ChaCha8Rng) -> f32 {
    // Box–Muller; the generator must stay pure Rust and reproducible.
    let u1: f32 = rng.random_range(1e-7..1.0f32);
    let u2: f32 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// Draws one image of `class` into a coverage mask in [0, 1].
fn draw(class: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
    let prims = shape(class, rng);
    let scale = rng.random_range(6.0..11.5f32);
    let angle = rng.random_range(-0.6..0.6f32);
    let cx = SIZE as f32 / 2.0 + rng.random_range(-4.0..4.0f32);
    let cy = SIZE as f32 / 2.0 + rng.random_range(-4.0..4.0f32);
    let thick = rng.random_range(0.8..2.2f32);
    let (sin, cos) = angle.sin_cos();
    // Up to two distractor strokes as thick as the shape make the task less trivial.
    let count = rng.random_range(0..3usize);
    let distractors: Vec<(P, P)> = (0..count)
        .map(|_| {
            let a = (
                rng.random_range(0.0..28.0f32),
                rng.random_range(0.0..28.0f32),
            );
            let len = rng.random_range(3.0..10.0f32);
            let t = rng.random_range(0.0..std::f32::consts::TAU);
            (a, (a.0 + len * t.cos(), a.1 + len * t.sin()))
        })
        .collect();
    let mut img = vec![0.0f32; SIZE * SIZE];
    for y in 0..SIZE {
        for x in 0..SIZE {
            let (px, py) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            // Into the shape's unit frame: undo rotation and scale.
            let q = (
                (cos * px + sin * py) / scale,
                (-sin * px + cos * py) / scale,
            );
            let d = prims
                .iter()
                .map(|p| p.dist(q))
                .fold(f32::INFINITY, f32::min)
                * scale;
            let mut v = (thick / 2.0 - d + 0.5).clamp(0.0, 1.0);
            for &(a, b) in &distractors {
                let dd = seg_dist((x as f32 + 0.5, y as f32 + 0.5), a, b);
                v = v.max((thick / 2.0 - dd + 0.5).clamp(0.0, 1.0) * 0.9);
            }
            img[y * SIZE + x] = v;
        }
    }
    img
}

/// Generates `n` images (classes balanced and interleaved), gray or RGB.
pub fn generate(n: usize, rgb: bool, seed: u64) -> RawImages {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let c = if rgb { 3 } else { 1 };
    let plane = SIZE * SIZE;
    let mut pixels = Vec::with_capacity(n * c * plane);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let class = i % 10;
        let mask = draw(class, &mut rng);
        let noise = rng.random_range(0.1..0.35f32);
        let (fg, bg): ([f32; 3], [f32; 3]) = if rgb {
            // Colours vary per image; foreground and background differ in brightness.
            let bg = [0.0; 3].map(|_: f32| rng.random_range(0.0..0.4f32));
            let fg = [0.0; 3].map(|_: f32| rng.random_range(0.5..1.0f32));
            (fg, bg)
        } else {
            let b = rng.random_range(0.0..0.2f32);
            ([rng.random_range(0.7..1.0f32); 3], [b; 3])
        };
        for ch in 0..c {
            for &m in &mask {
                let v = bg[ch] + (fg[ch] - bg[ch]) * m + noise * gauss(&mut rng);
                pixels.push(v.clamp(0.0, 1.0));
            }
        }
        labels.push(class as i64);
    }
    RawImages {
        pixels,
        labels,
        channels: c,
        height: SIZE,
        width: SIZE,
    }
}
