//! The convolution explorer: small grids, filters with one kernel per input channel, stride,
//! zero or "same" padding and dilation; every output cell with its dot product written out.
use crate::LayerError;

/// A small matrix of numbers, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    pub h: usize,
    pub w: usize,
    pub v: Vec<f64>,
}

impl Grid {
    pub fn new(h: usize, w: usize) -> Grid {
        Grid {
            h,
            w,
            v: vec![0.0; h * w],
        }
    }

    pub fn from_rows(rows: &[&[f64]]) -> Grid {
        Grid {
            h: rows.len(),
            w: rows.first().map_or(0, |r| r.len()),
            v: rows.iter().flat_map(|r| r.iter().copied()).collect(),
        }
    }

    pub fn at(&self, y: usize, x: usize) -> f64 {
        self.v[y * self.w + x]
    }

    pub fn set(&mut self, y: usize, x: usize, value: f64) {
        self.v[y * self.w + x] = value;
    }

    /// The value at (y, x) of the grid zero-padded by `pad` on every side.
    pub fn padded(&self, y: i64, x: i64) -> f64 {
        if y < 0 || x < 0 || y >= self.h as i64 || x >= self.w as i64 {
            0.0
        } else {
            self.at(y as usize, x as usize)
        }
    }

    /// Resized, keeping the values that still fit and zero elsewhere.
    pub fn resized(&self, h: usize, w: usize) -> Grid {
        let mut g = Grid::new(h, w);
        for y in 0..h.min(self.h) {
            for x in 0..w.min(self.w) {
                g.set(y, x, self.at(y, x));
            }
        }
        g
    }

    pub fn rows(&self) -> Vec<Vec<f64>> {
        self.v.chunks(self.w.max(1)).map(|r| r.to_vec()).collect()
    }
}

/// One output channel: a kernel per input channel and a bias.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    pub name: String,
    pub kernels: Vec<Grid>,
    pub bias: f64,
}

/// The explorer's state.
#[derive(Clone, Debug, PartialEq)]
pub struct ConvLab {
    /// Input channels.
    pub input: Vec<Grid>,
    pub filters: Vec<Filter>,
    pub stride: usize,
    /// Zero padding on every side (ignored when `same`).
    pub padding: usize,
    /// Pad so that stride 1 keeps the size: (k − 1)·dilation / 2.
    pub same: bool,
    pub dilation: usize,
}

/// One product of a dot product: input value × weight, with where the input value is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Term {
    pub channel: usize,
    /// Row and column in the unpadded input (outside it: a padding zero).
    pub y: i64,
    pub x: i64,
    pub input: f64,
    pub weight: f64,
}

const LECTURE_IMAGE: [[f64; 6]; 6] = [
    [1., 0., 0., 0., 0., 1.],
    [0., 1., 0., 0., 1., 0.],
    [0., 0., 1., 1., 0., 0.],
    [1., 0., 0., 0., 1., 0.],
    [0., 1., 0., 0., 1., 0.],
    [0., 0., 1., 0., 1., 0.],
];

impl ConvLab {
    /// The lecture's 6×6 binary image with Filter 1 (the diagonal) and Filter 2 (the vertical
    /// line), stride 1, no padding.
    pub fn lecture() -> ConvLab {
        let rows: Vec<&[f64]> = LECTURE_IMAGE.iter().map(|r| r.as_slice()).collect();
        ConvLab {
            input: vec![Grid::from_rows(&rows)],
            filters: vec![
                Filter {
                    name: "Filter 1".into(),
                    kernels: vec![Grid::from_rows(&[
                        &[1., -1., -1.],
                        &[-1., 1., -1.],
                        &[-1., -1., 1.],
                    ])],
                    bias: 0.0,
                },
                Filter {
                    name: "Filter 2".into(),
                    kernels: vec![Grid::from_rows(&[
                        &[-1., 1., -1.],
                        &[-1., 1., -1.],
                        &[-1., 1., -1.],
                    ])],
                    bias: 0.0,
                },
            ],
            stride: 1,
            padding: 0,
            same: false,
            dilation: 1,
        }
    }

    /// Kernel height and width (every kernel of every filter has the same size).
    pub fn kernel(&self) -> (usize, usize) {
        self.filters
            .first()
            .and_then(|f| f.kernels.first())
            .map_or((1, 1), |k| (k.h, k.w))
    }

    /// Padding (rows, columns) on each side.
    pub fn pad(&self) -> (usize, usize) {
        if self.same {
            let (kh, kw) = self.kernel();
            ((kh - 1) * self.dilation / 2, (kw - 1) * self.dilation / 2)
        } else {
            (self.padding, self.padding)
        }
    }

    fn out_len(&self, n: usize, k: usize, p: usize) -> Result<usize, LayerError> {
        let span = self.dilation.max(1) * (k - 1) + 1;
        let room = n + 2 * p;
        if room < span {
            return Err(LayerError::KernelSpan { span, room });
        }
        Ok((room - span) / self.stride.max(1) + 1)
    }

    /// Output height and width.
    pub fn out_size(&self) -> Result<(usize, usize), LayerError> {
        let (kh, kw) = self.kernel();
        let (ph, pw) = self.pad();
        let g = self.input.first().ok_or(LayerError::NoInput)?;
        Ok((self.out_len(g.h, kh, ph)?, self.out_len(g.w, kw, pw)?))
    }

    /// The output-size formula with the numbers filled in (rows).
    pub fn size_formula(&self) -> String {
        let (kh, _) = self.kernel();
        let (ph, _) = self.pad();
        let n = self.input.first().map_or(0, |g| g.h);
        match self.out_size() {
            Ok((oh, _)) => format!(
                "floor((n + 2p − d·(k − 1) − 1) / s) + 1 = floor(({n} + 2·{ph} − {}·({kh} − 1) − 1) / {}) + 1 = {oh}",
                self.dilation, self.stride
            ),
            Err(e) => e.to_string(),
        }
    }

    /// The products that make output cell (oy, ox) of filter `f`.
    pub fn terms(&self, f: usize, oy: usize, ox: usize) -> Vec<Term> {
        let (ph, pw) = self.pad();
        let (s, d) = (self.stride.max(1) as i64, self.dilation.max(1) as i64);
        let mut out = Vec::new();
        for (c, (input, k)) in self.input.iter().zip(&self.filters[f].kernels).enumerate() {
            for i in 0..k.h {
                for j in 0..k.w {
                    let y = oy as i64 * s + i as i64 * d - ph as i64;
                    let x = ox as i64 * s + j as i64 * d - pw as i64;
                    out.push(Term {
                        channel: c,
                        y,
                        x,
                        input: input.padded(y, x),
                        weight: k.at(i, j),
                    });
                }
            }
        }
        out
    }

    /// Output cell (oy, ox) of filter `f`: Σ input·weight + bias.
    pub fn value(&self, f: usize, oy: usize, ox: usize) -> f64 {
        self.terms(f, oy, ox)
            .iter()
            .map(|t| t.input * t.weight)
            .sum::<f64>()
            + self.filters[f].bias
    }

    /// Filter `f`'s feature map.
    pub fn output(&self, f: usize) -> Result<Grid, LayerError> {
        let (oh, ow) = self.out_size()?;
        let mut g = Grid::new(oh, ow);
        for y in 0..oh {
            for x in 0..ow {
                g.set(y, x, self.value(f, y, x));
            }
        }
        Ok(g)
    }

    /// The dot product written out: "1·1 + 0·(−1) + … = 3", one line per input channel and
    /// their sum when there are several.
    pub fn explain(&self, f: usize, oy: usize, ox: usize) -> String {
        let terms = self.terms(f, oy, ox);
        let mut lines = Vec::new();
        let mut sums = Vec::new();
        for c in 0..self.input.len() {
            let ts: Vec<&Term> = terms.iter().filter(|t| t.channel == c).collect();
            let sum: f64 = ts.iter().map(|t| t.input * t.weight).sum();
            let parts: Vec<String> = ts
                .iter()
                .map(|t| format!("{}·{}", super::factor(t.input), super::factor(t.weight)))
                .collect();
            let label = if self.input.len() > 1 {
                format!("channel {}: ", c + 1)
            } else {
                String::new()
            };
            lines.push(format!(
                "{label}{} = {}",
                parts.join(" + "),
                super::num(sum)
            ));
            sums.push(sum);
        }
        let bias = self.filters[f].bias;
        let total = self.value(f, oy, ox);
        if self.input.len() > 1 || bias != 0.0 {
            let mut parts: Vec<String> = sums.iter().map(|s| super::factor(*s)).collect();
            if bias != 0.0 {
                parts.push(format!("bias {}", super::factor(bias)));
            }
            lines.push(format!("{} = {}", parts.join(" + "), super::num(total)));
        }
        lines.join("\n")
    }
}
