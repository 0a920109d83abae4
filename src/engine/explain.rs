//! "Explain this number": one output value of a convolution layer of a checkpoint, taken apart
//! into the input window, the kernels and the bias that make it.
use super::inspect::Inspection;
use super::model::layer_path;
use crate::error::{refused, Result};
use protocol::inspect::{Explained, InputChoice};
use spec::layer::Layer;
use tch::{Kind, Tensor};

fn values(t: &Tensor) -> Vec<f32> {
    Vec::<f32>::try_from(t.to_kind(Kind::Float).contiguous().view([-1])).unwrap_or_default()
}

impl Inspection {
    /// The convolution behind value (channel, y, x) of layer `layer`'s output (1-based): the
    /// layer itself when it is a convolution, else the convolution right before it with only
    /// element-wise layers (normalization, activation, dropout) between.
    pub fn explain(
        &self,
        input: &InputChoice,
        layer: usize,
        channel: usize,
        y: usize,
        x: usize,
    ) -> Result<Explained> {
        let layers = &self.preset.network.layers;
        let shown = layer
            .checked_sub(1)
            .filter(|&i| i < layers.len())
            .ok_or_else(|| refused("no such layer"))?;
        let mut ci = shown;
        let conv = loop {
            match &layers[ci] {
                Layer::Conv2d(c) => break c,
                l if l.is_per_position() && ci > 0 => ci -= 1,
                other => {
                    return Err(refused(format!(
                        "layer {} comes from a {} — \"explain this number\" takes apart convolution layers (and the normalization and activation right after one)",
                        layer,
                        other.kind_name(&self.preset.network.defaults())
                    )))
                }
            }
        };
        let xs = self.input(input)?;
        let outs = tch::no_grad(|| self.model.forward_all(&xs, false));
        let conv_in = if ci == 0 {
            xs.shallow_clone()
        } else {
            outs[ci - 1].shallow_clone()
        };
        let out = &outs[ci];
        let size = out.size();
        if channel as i64 >= size[1] || y as i64 >= size[2] || x as i64 >= size[3] {
            return Err(refused(format!(
                "({channel}, {y}, {x}) is outside layer {}'s output",
                ci + 1
            )));
        }
        let vars = self.model.vs.variables();
        let prefix = layer_path(ci, &layers[ci]);
        let weight = vars
            .get(&format!("{prefix}.weight"))
            .ok_or_else(|| refused("the layer has no weights"))?;
        let bias = vars
            .get(&format!("{prefix}.bias"))
            .map_or(0.0, |b| b.double_value(&[channel as i64]) as f32);
        let (inputs, kernel) = windows(conv, &conv_in, weight, (channel, y, x))?;
        let pick = |t: &Tensor| t.double_value(&[0, channel as i64, y as i64, x as i64]) as f32;
        let summary = &self.model.summary;
        Ok(Explained {
            conv_layer: ci + 1,
            label: summary.layers[ci].label.clone(),
            shown_layer: shown + 1,
            shown_label: summary.layers[shown].label.clone(),
            shown_value: pick(&outs[shown]),
            channel,
            y,
            x,
            kernel,
            inputs,
            bias,
            network_value: pick(out),
            receptive: spec::lab::receptive::window_on_input(&self.preset.network, ci, y, x),
        })
    }
}

type Windows = Vec<(usize, Vec<f32>, Vec<f32>)>;

/// Per input channel that output `channel` reads (its group's), the window under the kernel at
/// output (y, x) — padding zeros included, dilation applied — and the kernel; and the kernel
/// size.
fn windows(
    conv: &spec::layer::Conv2d,
    conv_in: &Tensor,
    weight: &Tensor,
    (channel, y, x): (usize, usize, usize),
) -> Result<(Windows, (usize, usize))> {
    let (kh, kw) = conv.kernel2();
    let (ph, pw) = conv.padding.resolve2((kh, kw), conv.dilation)?;
    let (s, d) = (conv.stride as i64, conv.dilation as i64);
    let in_c = conv_in.size()[1] as usize;
    let per_group = in_c / conv.groups.max(1);
    let group = channel / (conv.out_channels / conv.groups.max(1)).max(1);
    let img = conv_in.get(0);
    let (h, w) = (img.size()[1], img.size()[2]);
    let mut inputs = Vec::new();
    for k in 0..per_group {
        let c = group * per_group + k;
        let plane = img.get(c as i64);
        let mut window = Vec::with_capacity(kh * kw);
        for i in 0..kh as i64 {
            for j in 0..kw as i64 {
                let yy = y as i64 * s + i * d - ph as i64;
                let xx = x as i64 * s + j * d - pw as i64;
                let inside = yy >= 0 && xx >= 0 && yy < h && xx < w;
                window.push(if inside {
                    plane.double_value(&[yy, xx]) as f32
                } else {
                    0.0
                });
            }
        }
        inputs.push((c, window, values(&weight.get(channel as i64).get(k as i64))));
    }
    Ok((inputs, (kh, kw)))
}
