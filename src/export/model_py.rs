//! `model.py`: the network as readable PyTorch code, one line per layer, with the module names
//! of the workbench's checkpoints ("01_conv2d", "05_residual.main.0.conv") so that its weights
//! load with `strict=True`. Blocks are written from the same [`BlockPlan`]s the engine builds.
use engine::model::layer_path;
use spec::layer::{BlockPlan, BranchPool, ConvUnit, Defaults, Layer, Norm};
use spec::{Activation, GeluForm, Init, Network, Shape, SpecError};

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

fn f(v: f64) -> String {
    format!("{v:?}")
}

fn init_name(i: Init) -> &'static str {
    match i {
        Init::Uniform => "uniform",
        Init::Msra => "msra",
        Init::Xavier => "xavier",
    }
}

/// An activation as a module; `channels` sizes Dice's parameters.
pub fn act(a: Activation, channels: usize) -> String {
    match a {
        Activation::Relu => "nn.ReLU()".into(),
        Activation::LeakyRelu { slope } => format!("nn.LeakyReLU({})", f(slope)),
        Activation::Elu { alpha } => format!("nn.ELU({})", f(alpha)),
        Activation::Selu => "nn.SELU()".into(),
        Activation::Gelu {
            form: GeluForm::Tanh,
        } => "nn.GELU(approximate=\"tanh\")".into(),
        Activation::Gelu {
            form: GeluForm::Erf,
        } => "nn.GELU()".into(),
        Activation::Swish { beta: 1.0 } => "nn.SiLU()".into(),
        Activation::Swish { beta } => format!("Swish({})", f(beta)),
        Activation::Mish => "nn.Mish()".into(),
        Activation::Sigmoid => "nn.Sigmoid()".into(),
        Activation::Tanh => "nn.Tanh()".into(),
        Activation::Dice { eps, alpha_init } => format!(
            "Dice({channels}, eps={}, alpha_init={})",
            f(eps),
            f(alpha_init)
        ),
    }
}

/// A normalization's name for `norm()` and its group argument.
fn norm_args(n: Norm) -> (&'static str, Option<usize>) {
    match n {
        Norm::Off => ("off", None),
        Norm::Batch => ("batch", None),
        Norm::Layer => ("layer", None),
        Norm::Instance => ("instance", None),
        Norm::Group { groups } => ("group", Some(groups)),
        Norm::Decorrelated { group } => ("decorrelated", Some(group)),
    }
}

fn norm(n: Norm, channels: usize, flat: bool) -> String {
    let (kind, group) = norm_args(n);
    let mut s = format!("norm(\"{kind}\", {channels}");
    if flat {
        s += ", flat=True";
    }
    if let Some(g) = group {
        s += &format!(", group={g}");
    }
    s + ")"
}

fn pair((a, b): (usize, usize)) -> String {
    format!("({a}, {b})")
}

fn unit(u: &ConvUnit, init: Init) -> String {
    let (kind, group) = norm_args(u.norm);
    let act = u.act.map_or("None".to_string(), |a| act(a, u.out_c));
    let group = group.map_or(String::new(), |g| format!(", group={g}"));
    format!(
        "Unit({}, {}, {}, {}, {}, \"{kind}\", {act}, \"{}\"{group})",
        u.in_c,
        u.out_c,
        pair(u.kernel),
        u.stride,
        pair(u.padding),
        init_name(init)
    )
}

/// A block as a Python expression, its inner lines indented by `pad`.
fn block(plan: &BlockPlan, init: Init, pad: &str) -> String {
    let inner = format!("{pad}    ");
    match plan {
        BlockPlan::Residual {
            main,
            shortcut,
            act: a,
            out_c,
        } => {
            let main: Vec<String> = main
                .iter()
                .map(|u| format!("{inner}    {},\n", unit(u, init)))
                .collect();
            let shortcut = shortcut.as_ref().map_or("None".into(), |u| unit(u, init));
            format!(
                "Residual(\n{inner}main=[\n{}{inner}],\n{inner}shortcut={shortcut},\n{inner}act={},\n{pad})",
                main.concat(),
                act(*a, *out_c)
            )
        }
        BlockPlan::Concat { branches } => {
            let lines: Vec<String> = branches
                .iter()
                .map(|(pool, units)| {
                    let pool = match pool {
                        BranchPool::None => "None",
                        BranchPool::Max => "\"max\"",
                        BranchPool::Avg => "\"avg\"",
                    };
                    let units: Vec<String> = units.iter().map(|u| unit(u, init)).collect();
                    format!("{inner}Branch({pool}, {}),\n", units.join(", "))
                })
                .collect();
            format!("Concat(\n{}{pad})", lines.concat())
        }
        BlockPlan::Sequence(units) => {
            let lines: Vec<String> = units
                .iter()
                .map(|u| format!("{inner}{},\n", unit(u, init)))
                .collect();
            format!("nn.Sequential(\n{}{pad})", lines.concat())
        }
    }
}

fn pool_args(p: &spec::layer::Pool) -> String {
    let mut s = format!(
        "{}, stride={}, padding={}",
        pair(p.kernel2()),
        p.stride(),
        p.padding
    );
    if p.ceil_mode {
        s += ", ceil_mode=True";
    }
    s
}

/// One layer as a Python expression for an input of shape `input`.
pub fn layer_expr(
    layer: &Layer,
    input: Shape,
    d: &Defaults,
    pad: &str,
) -> Result<String, spec::LayerError> {
    let (in_c, flat) = match input {
        Shape::Map { c, .. } => (c, false),
        Shape::Flat(n) => (n, true),
    };
    Ok(match layer {
        Layer::Conv2d(c) => {
            let mut s = format!(
                "conv({in_c}, {}, {}, stride={}, padding={}",
                c.out_channels,
                pair(c.kernel2()),
                c.stride,
                pair(c.padding.resolve2(c.kernel2(), c.dilation)?)
            );
            if c.dilation != 1 {
                s += &format!(", dilation={}", c.dilation);
            }
            if c.groups != 1 {
                s += &format!(", groups={}", c.groups);
            }
            if !c.bias {
                s += ", bias=False";
            }
            s + &format!(", init=\"{}\")", init_name(c.init.unwrap_or(d.init)))
        }
        Layer::MaxPool(p) => format!("nn.MaxPool2d({})", pool_args(p)),
        Layer::AvgPool(p) => format!("nn.AvgPool2d({}, count_include_pad=True)", pool_args(p)),
        Layer::L2Pool(p) => format!("L2Pool2d({})", pool_args(p)),
        Layer::GlobalAvgPool => "GlobalAvgPool()".into(),
        Layer::GlobalMaxPool => "GlobalMaxPool()".into(),
        Layer::Flatten => "nn.Flatten()".into(),
        Layer::Linear(l) => format!(
            "linear({}, {}{}, init=\"{}\")",
            input.numel(),
            l.out_features,
            if l.bias { "" } else { ", bias=False" },
            init_name(l.init.unwrap_or(d.init))
        ),
        Layer::Dropout(p) => format!("nn.Dropout({})", f(p.p)),
        Layer::Dropout2d(p) => format!("nn.Dropout2d({})", f(p.p)),
        Layer::Norm(n) => norm(n.resolve(d), in_c, flat),
        Layer::Lrn(l) => format!(
            "local_response_norm({}, alpha={}, beta={}, k={})",
            l.size,
            f(l.alpha),
            f(l.beta),
            f(l.k)
        ),
        Layer::Activation(a) => act(a.resolve(d), in_c),
        Layer::Residual(b) => block(&b.plan(in_c, d), d.init, pad),
        Layer::Bottleneck(b) => block(&b.plan(in_c, d), d.init, pad),
        Layer::Inception(b) => block(&b.plan(in_c, d), d.init, pad),
        Layer::InceptionV3(b) => block(&b.plan(in_c, d), d.init, pad),
        Layer::NiN(b) => block(&b.plan(in_c, d)?, d.init, pad),
        Layer::AuxClassifier(a) => {
            let p = a.plan(input, d)?;
            let i = init_name(d.init);
            let inner = format!("{pad}    ");
            format!(
                "AuxHead(\n{inner}{},\n{inner}fc1=linear({}, {}, init=\"{i}\"),\n{inner}act={},\n{inner}fc2=linear({}, {}, init=\"{i}\"),\n{inner}pool={}, stride={}, dropout={}, weight={},\n{pad})",
                unit(&p.conv, d.init),
                p.flat,
                p.hidden,
                act(p.act, p.hidden),
                p.hidden,
                p.classes,
                a.pool,
                a.pool_stride,
                f(a.dropout),
                f(a.weight)
            )
        }
    })
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
