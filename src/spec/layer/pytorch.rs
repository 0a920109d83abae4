//! The PyTorch text shared by the kinds' `pytorch` rules: numbers, initializations,
//! normalizations, convolution units and blocks as the exported `workbench_layers.py` spells
//! them.
use super::{BlockPlan, BranchPool, ConvUnit, Init, Norm, Pool};

/// A float as Python reads it back exactly.
pub(crate) fn f(v: f64) -> String {
    format!("{v:?}")
}

pub(crate) fn init_name(i: Init) -> &'static str {
    match i {
        Init::Uniform => "uniform",
        Init::Msra => "msra",
        Init::Xavier => "xavier",
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

pub(crate) fn norm(n: Norm, channels: usize, flat: bool) -> String {
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

pub(crate) fn pair((a, b): (usize, usize)) -> String {
    format!("({a}, {b})")
}

pub(crate) fn unit(u: &ConvUnit, init: Init) -> String {
    let (kind, group) = norm_args(u.norm);
    let act = u.act.map_or("None".to_string(), |a| a.pytorch(u.out_c));
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
pub(crate) fn block(plan: &BlockPlan, init: Init, pad: &str) -> String {
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
                a.pytorch(*out_c)
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

pub(crate) fn pool_args(p: &Pool) -> String {
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
