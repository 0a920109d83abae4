//! Checkpoint inspection: filters, feature maps, predictions, the confusion matrix and
//! saliency (Grad-CAM, gradient × input). Computed on the inspector's own thread; results are
//! plain numbers (see [`protocol::inspect`]).
use super::checkpoint;
use super::data::{Dataset, DecodeSpec};
use super::model::Model;
use crate::error::{refused, Result};
use protocol::inspect::*;
pub use protocol::inspect::{InspectReply, InspectRequest};
use spec::{Layer, Preset, Shape};
use tch::{Device, Kind, Tensor};

/// A loaded checkpoint with its test data: everything the panels ask about.
pub struct Inspection {
    pub preset: Preset,
    pub model: Model,
    pub data: Dataset,
    /// The test images the inspector shows (all of them, up to `INSPECT_TEST_IMAGES`).
    test_x: Tensor,
    test_y: Tensor,
}

/// A streamed test set is decoded only this far for the inspector.
pub const INSPECT_TEST_IMAGES: usize = 10_000;

fn to_vec(t: &Tensor) -> Vec<f32> {
    Vec::<f32>::try_from(
        t.detach()
            .to_kind(Kind::Float)
            .to_device(Device::Cpu)
            .contiguous()
            .view([-1]),
    )
    .unwrap_or_default()
}

impl Inspection {
    /// Loads the checkpoint and its dataset (`data` overrides the preset's data source).
    pub fn open(
        path: &std::path::Path,
        data: Option<spec::DataSource>,
        device: Device,
    ) -> Result<Inspection> {
        let (mut preset, model) = checkpoint::load(path, device)?;
        if let Some(d) = data {
            preset.data.source = d;
        }
        let i = preset.network.input;
        let data = Dataset::load(&preset.data, DecodeSpec::from(i), device)?;
        if (i.channels, i.height, i.width) != (data.channels, data.height, data.width) {
            return Err(refused(format!(
                "the checkpoint's network takes {}×{}×{} images but {} has {}×{}×{}",
                i.channels,
                i.height,
                i.width,
                preset.data.source.describe(),
                data.channels,
                data.height,
                data.width
            )));
        }
        let (test_x, test_y) = data.head(&data.test, INSPECT_TEST_IMAGES);
        Ok(Inspection {
            preset,
            model,
            data,
            test_x,
            test_y,
        })
    }

    pub fn summary(&self) -> InspectSummary {
        let d = self.preset.network.defaults();
        InspectSummary {
            name: self.preset.name.clone(),
            non_finite: crate::checkpoint::non_finite(&self.model),
            class_names: self.data.class_names.clone(),
            test_images: self.test_len(),
            layers: self
                .model
                .summary
                .layers
                .iter()
                .zip(&self.preset.network.layers)
                .map(|(info, layer)| LayerDesc {
                    index: info.index,
                    label: info.label.clone(),
                    is_map: matches!(info.output, Shape::Map { .. }),
                    is_conv: matches!(layer, Layer::Conv2d(_)),
                    is_activation: layer.output_activation(&d).is_some(),
                })
                .collect(),
            test_labels: Vec::<i64>::try_from(self.test_y.to_device(Device::Cpu))
                .unwrap_or_default()
                .into_iter()
                .map(|l| l as usize)
                .collect(),
        }
    }

    /// The kernels of every top-level Conv2d layer.
    pub fn filters(&self) -> Vec<FilterGrid> {
        let vars = self.model.vs.variables();
        let mut out = Vec::new();
        for (i, layer) in self.preset.network.layers.iter().enumerate() {
            if !matches!(layer, Layer::Conv2d(_)) {
                continue;
            }
            let name = format!("{}.weight", super::model::layer_path(i, layer));
            // Non-square (1×n) kernels have no square grid to draw.
            if let Some(w) = vars.get(&name).filter(|w| w.size()[2] == w.size()[3]) {
                let s = w.size();
                out.push(FilterGrid {
                    layer: i + 1,
                    label: self.model.summary.layers[i].label.clone(),
                    out_channels: s[0] as usize,
                    in_channels: s[1] as usize,
                    kernel: s[2] as usize,
                    weights: to_vec(w),
                });
            }
        }
        out
    }

    fn test_len(&self) -> usize {
        self.test_y.size()[0] as usize
    }

    /// Test image `index` as a batch of one (normalized).
    fn test_input(&self, index: usize) -> Result<Tensor> {
        if index >= self.test_len() {
            return Err(refused(format!(
                "test image {index} does not exist (the test set has {})",
                self.test_len()
            )));
        }
        Ok(self.test_x.narrow(0, index as i64, 1))
    }

    /// An input image in [0, 1] pixel units normalized like the data.
    fn normalize(&self, img: &Image) -> Result<Tensor> {
        let i = self.preset.network.input;
        if (img.channels, img.height, img.width) != (i.channels, i.height, i.width) {
            return Err(refused(format!(
                "the image is {}×{}×{} but the network takes {}×{}×{}",
                img.channels, img.height, img.width, i.channels, i.height, i.width
            )));
        }
        let c = img.channels as i64;
        let x = Tensor::from_slice(&img.data).view([1, c, img.height as i64, img.width as i64]);
        let m = Tensor::from_slice(&self.data.mean).view([1, c, 1, 1]);
        let s = Tensor::from_slice(&self.data.std).view([1, c, 1, 1]);
        Ok(((x - m) / s).to_device(self.model.device()))
    }

    /// Back to [0, 1] pixels for display.
    fn denormalize(&self, x: &Tensor) -> Image {
        let size = x.size();
        let c = size[1];
        let m = Tensor::from_slice(&self.data.mean)
            .view([1, c, 1, 1])
            .to_device(x.device());
        let s = Tensor::from_slice(&self.data.std)
            .view([1, c, 1, 1])
            .to_device(x.device());
        let px = (x * s + m).clamp(0.0, 1.0);
        Image {
            channels: c as usize,
            height: size[2] as usize,
            width: size[3] as usize,
            data: to_vec(&px),
        }
    }

    pub fn input(&self, input: &InputChoice) -> Result<Tensor> {
        match input {
            InputChoice::Test(i) => self.test_input(*i),
            InputChoice::Pixels(img) => self.normalize(img),
            InputChoice::File(path) => {
                let i = self.preset.network.input;
                self.normalize(&load_image_file(path, i.channels, i.height, i.width)?)
            }
        }
    }

    pub fn test_images(&self, indices: &[usize]) -> Vec<(usize, Image)> {
        indices
            .iter()
            .filter_map(|&i| self.test_input(i).ok().map(|x| (i, self.denormalize(&x))))
            .collect()
    }

    /// Every layer's output maps (layers with activations and feature-map outputs), the
    /// prediction and class probabilities.
    pub fn feature_maps(&self, input: &InputChoice, max_maps: usize) -> Result<FeatureMaps> {
        let x = self.input(input)?;
        let outs = tch::no_grad(|| self.model.forward_all(&x, false));
        let probs = to_vec(
            &outs
                .last()
                .ok_or_else(|| refused("the network has no layers"))?
                .softmax(-1, Kind::Float),
        );
        let d = self.preset.network.defaults();
        let layers = self
            .preset
            .network
            .layers
            .iter()
            .enumerate()
            .filter(|(i, l)| l.output_activation(&d).is_some() && outs[*i].dim() == 4)
            .map(|(i, _)| {
                let o = outs[i].get(0);
                let (c, h, w) = (
                    o.size()[0] as usize,
                    o.size()[1] as usize,
                    o.size()[2] as usize,
                );
                LayerMaps {
                    layer: i + 1,
                    label: self.model.summary.layers[i].label.clone(),
                    channels: c,
                    maps: (0..c.min(max_maps))
                        .map(|k| Image {
                            channels: 1,
                            height: h,
                            width: w,
                            data: to_vec(&o.get(k as i64)),
                        })
                        .collect(),
                }
            })
            .collect();
        Ok(FeatureMaps {
            input: self.denormalize(&x),
            predicted: argmax(&probs),
            probs,
            layers,
        })
    }

    /// The confusion matrix on the test set, with up to `per_cell` examples per cell.
    pub fn confusion(&self, per_cell: usize) -> Confusion {
        let k = self.data.class_names.len();
        let n = self.test_len();
        let mut counts = vec![vec![0u32; k]; k];
        let mut examples = vec![Vec::new(); k * k];
        tch::no_grad(|| {
            let mut start = 0;
            while start < n {
                let len = (n - start).min(1000);
                let x = self.test_x.narrow(0, start as i64, len as i64);
                let probs = self.model.forward_t(&x, false).softmax(-1, Kind::Float);
                let pred = Vec::<i64>::try_from(probs.argmax(-1, false).to_device(Device::Cpu))
                    .unwrap_or_default();
                let top = to_vec(&probs.max_dim(-1, false).0);
                let truth = Vec::<i64>::try_from(
                    self.test_y
                        .narrow(0, start as i64, len as i64)
                        .to_device(Device::Cpu),
                )
                .unwrap_or_default();
                for j in 0..len {
                    let (t, p) = (truth[j] as usize, pred[j] as usize);
                    counts[t][p] += 1;
                    let cell = &mut examples[t * k + p];
                    if cell.len() < per_cell {
                        cell.push((start + j, top[j]));
                    }
                }
                start += len;
            }
        });
        Confusion::from_counts(counts, examples)
    }

    /// Grad-CAM at layer `layer` (1-based, a feature-map layer) for `class` (None: the
    /// predicted class), and gradient × input, both for `input`.
    pub fn saliency(
        &self,
        input: &InputChoice,
        layer: usize,
        class: Option<usize>,
    ) -> Result<Saliency> {
        let x = self.input(input)?;
        let info = self
            .model
            .summary
            .layers
            .get(layer.wrapping_sub(1))
            .ok_or_else(|| refused(format!("there is no layer {layer}")))?;
        let Shape::Map { h, w, .. } = info.output else {
            return Err(refused(format!(
                "layer {layer} {} outputs a flat vector; Grad-CAM needs feature maps",
                info.label
            )));
        };
        // Grad-CAM: the gradient of the class score at the layer's output, averaged per channel,
        // weights the channels; ReLU keeps what speaks for the class.
        let a = tch::no_grad(|| self.model.forward_range(&x, 0..layer, false))
            .detach()
            .set_requires_grad(true);
        let logits = self
            .model
            .forward_range(&a, layer..self.model.layer_count(), false);
        let probs = to_vec(&logits.softmax(-1, Kind::Float));
        let class = class.unwrap_or_else(|| argmax(&probs));
        if class >= probs.len() {
            return Err(refused(format!("class {class} does not exist")));
        }
        logits.get(0).get(class as i64).backward();
        let grad = a.grad();
        let weights = grad.mean_dim([2i64, 3].as_slice(), true, Kind::Float);
        let cam = (weights * a.detach())
            .sum_dim_intlist(1, false, Kind::Float)
            .relu()
            .get(0);
        let cam_max = cam.max().double_value(&[]);
        let cam = if cam_max > 0.0 { cam / cam_max } else { cam };
        // Gradient × input, summed over channels, absolute.
        let xi = x.detach().set_requires_grad(true);
        self.model
            .forward_t(&xi, false)
            .get(0)
            .get(class as i64)
            .backward();
        let gxi = (xi.grad() * &xi)
            .sum_dim_intlist(1, false, Kind::Float)
            .abs()
            .get(0);
        let gmax = gxi.max().double_value(&[]);
        let gxi = if gmax > 0.0 { gxi / gmax } else { gxi };
        let size = x.size();
        Ok(Saliency {
            layer,
            class,
            probs,
            input: self.denormalize(&x),
            cam: Image {
                channels: 1,
                height: h,
                width: w,
                data: to_vec(&cam),
            },
            grad_x_input: Image {
                channels: 1,
                height: size[2] as usize,
                width: size[3] as usize,
                data: to_vec(&gxi),
            },
        })
    }

    /// The usual Grad-CAM layer (see [`InspectSummary::default_cam_layer`]).
    pub fn default_cam_layer(&self) -> Option<usize> {
        self.summary().default_cam_layer()
    }
}

/// Decodes an image file and fits it to a network input: gray or RGB, resized. A mostly light
/// gray picture is inverted, since MNIST-style digits are light on dark.
pub fn load_image_file(
    path: &std::path::Path,
    channels: usize,
    height: usize,
    width: usize,
) -> Result<Image> {
    let img = super::data::folder::open_limited(path)
        .map_err(|e| refused(format!("cannot open the image {}: {e}", path.display())))?;
    let channels = if channels == 3 { 3 } else { 1 };
    // The same resize (shorter side) and centre crop as evaluation.
    let spec = super::data::DecodeSpec {
        channels,
        height,
        width,
    };
    let mut data = super::data::folder::to_unit(&super::data::folder::fit(img, spec, None));
    // A dark digit drawn on white, for a network trained on MNIST's white on black.
    if channels == 1 && data.iter().sum::<f32>() / data.len().max(1) as f32 > 0.5 {
        data.iter_mut().for_each(|v| *v = 1.0 - *v);
    }
    Ok(Image {
        channels,
        height,
        width,
        data,
    })
}

pub fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .fold(
            (0, f32::NEG_INFINITY),
            |b, (i, &x)| if x > b.1 { (i, x) } else { b },
        )
        .0
}

/// A checkpoint open on its own thread (the window never waits on it).
pub struct InspectorHandle {
    requests: crossbeam_channel::Sender<InspectRequest>,
    replies: crossbeam_channel::Receiver<InspectReply>,
    /// Requests sent and not yet answered (the panels show a spinner).
    pub pending: usize,
}

impl InspectorHandle {
    pub fn spawn(
        path: std::path::PathBuf,
        data: Option<spec::DataSource>,
        notify: Option<std::sync::Arc<dyn Fn() + Send + Sync>>,
    ) -> std::io::Result<InspectorHandle> {
        let (req_tx, req_rx) = crossbeam_channel::bounded::<InspectRequest>(64);
        let (rep_tx, rep_rx) = crossbeam_channel::bounded::<InspectReply>(64);
        let name = format!("trainer:inspect {}", path.display());
        std::thread::Builder::new().name(name).spawn(move || {
            let send = |r: InspectReply| {
                let ok = rep_tx.send(r).is_ok();
                if let Some(n) = &notify {
                    n();
                }
                ok
            };
            let device = Device::cuda_if_available();
            let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                Inspection::open(&path, data, device)
            }));
            let insp = match opened {
                Ok(Ok(i)) => i,
                Ok(Err(e)) => {
                    send(InspectReply::Failed(e.to_string()));
                    return;
                }
                Err(p) => {
                    send(InspectReply::Failed(super::trainer::panic_text(p.as_ref())));
                    return;
                }
            };
            if !send(InspectReply::Opened(insp.summary())) {
                return;
            }
            while let Ok(req) = req_rx.recv() {
                let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match req {
                    InspectRequest::Filters => InspectReply::Filters(insp.filters()),
                    InspectRequest::FeatureMaps(input) => {
                        InspectReply::FeatureMaps(shown(insp.feature_maps(&input, 64)))
                    }
                    InspectRequest::Confusion => InspectReply::Confusion(insp.confusion(64)),
                    InspectRequest::Saliency {
                        input,
                        layer,
                        class,
                    } => InspectReply::Saliency(shown(insp.saliency(&input, layer, class))),
                    InspectRequest::TestImages(idx) => {
                        InspectReply::TestImages(insp.test_images(&idx))
                    }
                    InspectRequest::Explain {
                        input,
                        layer,
                        channel,
                        y,
                        x,
                    } => InspectReply::Explain(shown(insp.explain(&input, layer, channel, y, x))),
                    InspectRequest::Averaged { tta, ensemble } => {
                        let mut all = vec![path.clone()];
                        all.extend(ensemble);
                        // This checkpoint and its test images are already loaded.
                        let first = (&insp.preset, &insp.model);
                        let (x, y) = (&insp.test_x, &insp.test_y);
                        let r = super::ensemble::evaluate_on(&all, first, (x, y), tta, device);
                        InspectReply::Averaged(shown(r))
                    }
                }))
                .unwrap_or_else(|p| InspectReply::Failed(super::trainer::panic_text(p.as_ref())));
                if !send(reply) {
                    return;
                }
            }
        })?;
        Ok(InspectorHandle {
            requests: req_tx,
            replies: rep_rx,
            pending: 1,
        })
    }

    pub fn ask(&mut self, r: InspectRequest) {
        if self.requests.try_send(r).is_ok() {
            self.pending += 1;
        }
    }

    pub fn try_recv(&mut self) -> Option<InspectReply> {
        let r = self.replies.try_recv().ok()?;
        self.pending = self.pending.saturating_sub(1);
        Some(r)
    }

    /// Waits for the next answer (the CLI and tests).
    pub fn recv(&mut self) -> Option<InspectReply> {
        let r = self.replies.recv().ok()?;
        self.pending = self.pending.saturating_sub(1);
        Some(r)
    }
}

/// An answer for the inspector's window, which shows the reason as text.
fn shown<T>(r: Result<T>) -> Result<T, protocol::inspect::Unanswered> {
    r.map_err(|e| protocol::inspect::Unanswered(e.to_string()))
}
