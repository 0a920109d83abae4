//! Turning inspector numbers into RGBA pixels: filter grids on a symmetric colour scale, gray
//! maps, heat-map overlays. Shared by the window (textures) and the CLI (PNG files).
use protocol::inspect::{FilterGrid, Image};

/// An RGBA picture.
#[derive(Clone, Debug, PartialEq)]
pub struct Rgba {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

impl Rgba {
    fn new(width: usize, height: usize, background: [u8; 4]) -> Rgba {
        Rgba {
            width,
            height,
            pixels: background
                .iter()
                .copied()
                .cycle()
                .take(width * height * 4)
                .collect(),
        }
    }

    fn put(&mut self, x: usize, y: usize, c: [u8; 4]) {
        if x < self.width && y < self.height {
            let at = (y * self.width + x) * 4;
            self.pixels[at..at + 4].copy_from_slice(&c);
        }
    }

    pub fn save_png(&self, path: &std::path::Path) -> Result<(), RenderError> {
        image::save_buffer(
            path,
            &self.pixels,
            self.width as u32,
            self.height as u32,
            image::ExtendedColorType::Rgba8,
        )
        .map_err(|source| RenderError {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// Blue (negative) – white (zero) – red (positive), for v in [−1, 1].
pub fn diverging(v: f32) -> [u8; 4] {
    let v = v.clamp(-1.0, 1.0);
    let a = (1.0 - v.abs()) * 255.0;
    if v >= 0.0 {
        [255, a as u8, a as u8, 255]
    } else {
        [a as u8, a as u8, 255, 255]
    }
}

/// A heat colour for v in [0, 1] (black → red → yellow → white).
pub fn heat(v: f32) -> [u8; 3] {
    let v = v.clamp(0.0, 1.0);
    let r = (v * 3.0).min(1.0);
    let g = (v * 3.0 - 1.0).clamp(0.0, 1.0);
    let b = (v * 3.0 - 2.0).clamp(0.0, 1.0);
    [(r * 255.0) as u8, (g * 255.0) as u8, (b * 255.0) as u8]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FilterScale {
    /// One symmetric scale for the whole layer: kernels compare with each other.
    #[default]
    PerLayer,
    /// Each kernel stretched to its own largest |weight|: shapes of weak kernels show.
    PerFilter,
}

/// Columns of a near-square grid of `n` cells.
pub fn grid_columns(n: usize) -> usize {
    (n as f64).sqrt().ceil().max(1.0) as usize
}

/// All kernels of a conv layer as one grid image, each weight a `zoom`×`zoom` block, 1 px gaps.
/// RGB first layers are drawn in colour; otherwise each kernel is its channel mean on the
/// diverging scale (blue negative, red positive).
pub fn filter_grid(grid: &FilterGrid, scale: FilterScale, zoom: usize) -> Rgba {
    let k = grid.kernel;
    let cols = grid_columns(grid.out_channels);
    let rows = grid.out_channels.div_ceil(cols);
    let cell = k * zoom + 1;
    let mut img = Rgba::new(cols * cell + 1, rows * cell + 1, [40, 40, 40, 255]);
    let layer_max = grid.max_abs().max(1e-12);
    let colour = grid.in_channels == 3;
    for o in 0..grid.out_channels {
        let (cx, cy) = ((o % cols) * cell + 1, (o / cols) * cell + 1);
        let values: Vec<Vec<f32>> = if colour {
            (0..3).map(|i| grid.kernel_values(o, i).to_vec()).collect()
        } else {
            vec![grid.channel_mean(o)]
        };
        let max = match scale {
            FilterScale::PerLayer => layer_max,
            FilterScale::PerFilter => values
                .iter()
                .flatten()
                .fold(0.0f32, |m, v| m.max(v.abs()))
                .max(1e-12),
        };
        for y in 0..k {
            for x in 0..k {
                let c = if colour {
                    let ch = |i: usize| ((values[i][y * k + x] / max + 1.0) * 127.5) as u8;
                    [ch(0), ch(1), ch(2), 255]
                } else {
                    diverging(values[0][y * k + x] / max)
                };
                for dy in 0..zoom {
                    for dx in 0..zoom {
                        img.put(cx + x * zoom + dx, cy + y * zoom + dy, c);
                    }
                }
            }
        }
    }
    img
}

/// An image: RGB as is, one channel as gray, scaled from [lo, hi] (pixels: 0 and 1).
pub fn picture(img: &Image, lo: f32, hi: f32) -> Rgba {
    let (w, h) = (img.width, img.height);
    let plane = w * h;
    let span = (hi - lo).max(1e-12);
    let mut out = Rgba::new(w, h, [0, 0, 0, 255]);
    for y in 0..h {
        for x in 0..w {
            let v = |c: usize| {
                (((img.data[c * plane + y * w + x] - lo) / span).clamp(0.0, 1.0) * 255.0) as u8
            };
            let c = if img.channels >= 3 {
                [v(0), v(1), v(2), 255]
            } else {
                [v(0), v(0), v(0), 255]
            };
            out.put(x, y, c);
        }
    }
    out
}

/// A feature map on its own min–max range.
pub fn map_picture(img: &Image) -> Rgba {
    let lo = img.data.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = img.data.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    picture(img, lo.min(0.0), hi.max(lo + 1e-6))
}

/// Bilinear resampling of a one-channel map to `w`×`h` (Grad-CAM maps are coarser than the
/// input).
pub fn resize(map: &Image, w: usize, h: usize) -> Vec<f32> {
    let (mw, mh) = (map.width as f32, map.height as f32);
    let at = |x: i64, y: i64| {
        let x = x.clamp(0, map.width as i64 - 1) as usize;
        let y = y.clamp(0, map.height as i64 - 1) as usize;
        map.data[y * map.width + x]
    };
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let fx = (x as f32 + 0.5) * mw / w as f32 - 0.5;
            let fy = (y as f32 + 0.5) * mh / h as f32 - 0.5;
            let (x0, y0) = (fx.floor(), fy.floor());
            let (tx, ty) = (fx - x0, fy - y0);
            let (x0, y0) = (x0 as i64, y0 as i64);
            let top = at(x0, y0) * (1.0 - tx) + at(x0 + 1, y0) * tx;
            let bottom = at(x0, y0 + 1) * (1.0 - tx) + at(x0 + 1, y0 + 1) * tx;
            out.push(top * (1.0 - ty) + bottom * ty);
        }
    }
    out
}

/// `map` (values in [0, 1], any size) as a heat overlay on `input`, `zoom`× enlarged.
pub fn overlay(input: &Image, map: &Image, zoom: usize, alpha: f32) -> Rgba {
    let (w, h) = (input.width * zoom, input.height * zoom);
    let heatmap = resize(map, w, h);
    let base = picture(input, 0.0, 1.0);
    let mut out = Rgba::new(w, h, [0, 0, 0, 255]);
    for y in 0..h {
        for x in 0..w {
            let at = ((y / zoom) * input.width + x / zoom) * 4;
            let b = &base.pixels[at..at + 3];
            let v = heatmap[y * w + x];
            let hc = heat(v);
            let a = alpha * v.clamp(0.0, 1.0).sqrt();
            let mix = |i: usize| (b[i] as f32 * (1.0 - a) + hc[i] as f32 * a) as u8;
            out.put(x, y, [mix(0), mix(1), mix(2), 255]);
        }
    }
    out
}

/// A picture that could not be written.
#[derive(thiserror::Error, Debug)]
#[error("cannot write {}: {source}", path.display())]
pub struct RenderError {
    pub path: std::path::PathBuf,
    pub source: image::ImageError,
}
