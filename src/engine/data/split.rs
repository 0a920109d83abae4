//! Batches of one split: index_select from tensors in memory, or decoded by the worker pool.
use super::{Dataset, FileSet};
use std::path::PathBuf;
use std::sync::Arc;
use tch::{Kind, Tensor};

/// One split of a dataset.
pub enum Split {
    /// Normalized images and labels on the device.
    Memory { x: Tensor, y: Tensor },
    /// Image files, decoded when needed.
    Files(Arc<FileSet>),
}

impl Split {
    pub fn len(&self) -> usize {
        match self {
            Split::Memory { y, .. } => y.size()[0] as usize,
            Split::Files(f) => f.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Normalized images and labels on the device; files that could not be decoded are named.
pub struct Batch {
    pub x: Tensor,
    pub y: Tensor,
    pub failed: Vec<(PathBuf, String)>,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.y.size()[0] as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Dataset {
    /// Pixel bytes (channel-major) as a normalized batch on the device: x / 255 − mean, over
    /// std, as one multiply and one add in place.
    fn normalized(&self, pixels: &[u8], labels: &[i64]) -> (Tensor, Tensor) {
        let c = self.channels as i64;
        let n = labels.len() as i64;
        let scale: Vec<f32> = self.std.iter().map(|s| 1.0 / (255.0 * s)).collect();
        let shift: Vec<f32> = self
            .mean
            .iter()
            .zip(&self.std)
            .map(|(m, s)| -m / s)
            .collect();
        let mut x = Tensor::from_slice(pixels)
            .view([n, c, self.height as i64, self.width as i64])
            .to_device(self.device)
            .to_kind(Kind::Float);
        let scale = Tensor::from_slice(&scale)
            .view([1, c, 1, 1])
            .to_device(self.device);
        let shift = Tensor::from_slice(&shift)
            .view([1, c, 1, 1])
            .to_device(self.device);
        let _ = x.g_mul_(&scale);
        let _ = x.g_add_(&shift);
        let y = Tensor::from_slice(labels).to_device(self.device);
        (x, y)
    }

    /// Batches of `split` in `order` (None: in stored order). `crop` = (min area, a seed per
    /// image of `order`) takes random-resized crops while decoding streamed files; images in
    /// memory are cropped by the augmenter instead.
    pub fn batches<'a>(
        &'a self,
        split: &'a Split,
        order: Option<Vec<usize>>,
        batch: usize,
        crop: Option<(f64, Vec<u64>)>,
    ) -> Box<dyn Iterator<Item = Batch> + 'a> {
        let batch = batch.max(1);
        match (split, &self.pool) {
            (Split::Memory { x, y }, _) => {
                let n = y.size()[0];
                match order {
                    None => Box::new((0..n).step_by(batch).map(move |from| {
                        let len = (n - from).min(batch as i64);
                        Batch {
                            x: x.narrow(0, from, len),
                            y: y.narrow(0, from, len),
                            failed: Vec::new(),
                        }
                    })),
                    Some(order) => {
                        let chunks: Vec<Vec<i64>> = order
                            .chunks(batch)
                            .map(|c| c.iter().map(|&i| i as i64).collect())
                            .collect();
                        Box::new(chunks.into_iter().map(move |c| {
                            let idx = Tensor::from_slice(&c).to_device(x.device());
                            Batch {
                                x: x.index_select(0, &idx),
                                y: y.index_select(0, &idx),
                                failed: Vec::new(),
                            }
                        }))
                    }
                }
            }
            (Split::Files(set), Some(pool)) => {
                let order = order.unwrap_or_else(|| (0..set.len()).collect());
                let stream = pool.stream(set.clone(), order, batch, self.prefetch, crop);
                Box::new(stream.map(move |d| {
                    let (x, y) = self.normalized(&d.pixels, &d.labels);
                    Batch {
                        x,
                        y,
                        failed: d.failed,
                    }
                }))
            }
            (Split::Files(_), None) => Box::new(std::iter::empty()),
        }
    }

    /// The first `n` images of a split (probes, the inspector), as one batch.
    pub fn head(&self, split: &Split, n: usize) -> (Tensor, Tensor) {
        let n = n.min(split.len()).max(1);
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for b in self.batches(split, Some((0..n).collect()), 256, None) {
            xs.push(b.x);
            ys.push(b.y);
        }
        if xs.is_empty() {
            let c = self.channels as i64;
            return (
                Tensor::zeros(
                    [0, c, self.height as i64, self.width as i64],
                    (Kind::Float, self.device),
                ),
                Tensor::zeros([0], (Kind::Int64, self.device)),
            );
        }
        (Tensor::cat(&xs, 0), Tensor::cat(&ys, 0))
    }
}
