//! `model.py`: the network as readable PyTorch code, one line per layer, with the module names
//! of the workbench's checkpoints ("01_conv2d", "05_residual.main.0.conv") so that its weights
//! load with `strict=True`. Blocks are written from the same [`BlockPlan`]s the engine builds.
use engine::model::layer_path;
use spec::layer::{Defaults, Layer};
use spec::{Network, Shape, SpecError};

/// A Python string literal.
pub fn py_str(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One layer as a Python expression for an input of shape `input` (each kind's
/// `LayerRules::pytorch`).
pub fn layer_expr(
    layer: &Layer,
    input: Shape,
    d: &Defaults,
    pad: &str,
) -> Result<String, spec::LayerError> {
    layer.rules().pytorch(input, d, pad)
}

/// The body of `model.py`'s `Net.__init__`: one `("NN_kind", module)` entry per layer, each
/// after a comment with the layer's number, label and output shape.
pub fn layer_entries(network: &Network) -> Result<String, SpecError> {
    let summary = spec::infer(network)?;
    let d = network.defaults();
    let pad = "            ";
    let mut out = String::new();
    let mut shape = summary.input;
    for (i, layer) in network.layers.iter().enumerate() {
        let info = &summary.layers[i];
        let expr = layer_expr(layer, shape, &d, pad).map_err(|reason| SpecError::Layer {
            index: i + 1,
            kind: layer.kind_name(&d),
            reason,
        })?;
        out += &format!(
            "{pad}# {} · {} · out {}\n{pad}({}, {expr}),\n",
            i + 1,
            layer.label(&d),
            info.output,
            py_str(&layer_path(i, layer))
        );
        shape = info.output;
    }
    Ok(out)
}

/// The whole of `model.py` for `preset`'s network.
pub fn model_py(preset: &spec::Preset) -> Result<String, SpecError> {
    let network = &preset.network;
    let summary = spec::infer(network)?;
    let input = network.input;
    let title = if preset.name.is_empty() {
        "A network".to_string()
    } else {
        preset.name.clone()
    };
    // Inside a docstring: no backslashes, no closing quotes.
    let doc = |s: &str| s.replace('\\', "/").replace("\"\"\"", "'''");
    let description: String = preset
        .description
        .lines()
        .map(|l| format!("{}\n", doc(l)))
        .collect();
    Ok(format!(
        r#""""{title} — exported from cnn-workbench.

{description}
Input: {c}×{h}×{w} images, each channel normalized with the training images' mean and std.
Output: logits for {classes} classes. {params} parameters, {macs} multiply-adds per image.

The module names are those of the workbench's checkpoints ("01_conv2d.weight"), so

    net = Net()
    net.load_state_dict(safetensors.torch.load_file("model.safetensors"), strict=True)

loads a workbench run's weights. The layers are defined in workbench_layers.py.
"""
from collections import OrderedDict

from torch import nn  # noqa: F401

from workbench_layers import *  # noqa: F401,F403

INPUT_SHAPE = ({c}, {h}, {w})
CLASSES = {classes}


class Net(WorkbenchNet):  # noqa: F405
    def __init__(self):
        super().__init__(OrderedDict([
{entries}        ]))
"#,
        title = doc(&title),
        c = input.channels,
        h = input.height,
        w = input.width,
        classes = network.classes,
        params = summary.total_params,
        macs = summary.total_macs,
        entries = layer_entries(network)?,
    ))
}
