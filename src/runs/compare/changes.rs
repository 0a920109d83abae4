//! What a variant changes in the network it is made from, in the words of the dialog that set
//! it: "activation: ReLU -> GELU", "layer 7: Dropout 0.25 -> Dropout 0.5".
use spec::{Augment, Network, Preset};
use std::fmt::Debug;

/// One line per change. The fields a comparison varies are named with their values; anything
/// else that differs follows as "field: before -> after".
pub fn variant_changes(base: &Preset, variant: &Preset) -> Vec<String> {
    let mut out = Vec::new();
    let (a, b) = (&base.network, &variant.network);
    let (ta, tb) = (&base.training, &variant.training);
    named(&mut out, "activation", &a.activation, &b.activation, |x| {
        x.name()
    });
    named(&mut out, "normalization", &a.norm, &b.norm, |x| x.name());
    named(&mut out, "weight init", &a.init, &b.init, |x| x.name());
    named(&mut out, "optimizer", &ta.optimizer, &tb.optimizer, |x| {
        x.name()
    });
    if ta.learning_rate != tb.learning_rate {
        out.push(format!(
            "learning rate: {} -> {}",
            ta.learning_rate, tb.learning_rate
        ));
    }
    if ta.epochs != tb.epochs {
        out.push(format!("epochs: {} -> {}", ta.epochs, tb.epochs));
    }
    if ta.augment != tb.augment {
        let text = |x: &Augment| if x.is_off() { "off" } else { "on" };
        out.push(format!(
            "augmentation: {} -> {}",
            text(&ta.augment),
            text(&tb.augment)
        ));
    }
    layer_changes(&mut out, a, b);
    // Whatever else differs, field by field, with the fields above taken as equal.
    let mut rest = variant.clone();
    rest.network.activation = a.activation;
    rest.network.norm = a.norm;
    rest.network.init = a.init;
    rest.network.layers = a.layers.clone();
    let t = &mut rest.training;
    (t.optimizer, t.learning_rate, t.epochs) = (ta.optimizer, ta.learning_rate, ta.epochs);
    t.augment = ta.augment;
    // A comparison's variants carry no comparison of their own.
    rest.compare = base.compare.clone();
    out.extend(
        crate::history::config_diff(base, &rest)
            .into_iter()
            .map(|(field, x, y)| format!("{field}: {x} -> {y}")),
    );
    out
}

/// "what: A -> B" by name, or by value where the names agree (the same kind, other parameters).
fn named<T: PartialEq + Debug>(
    out: &mut Vec<String>,
    what: &str,
    a: &T,
    b: &T,
    name: impl Fn(&T) -> &'static str,
) {
    if a == b {
        return;
    }
    let (x, y) = if name(a) == name(b) {
        (format!("{a:?}"), format!("{b:?}"))
    } else {
        (name(a).to_string(), name(b).to_string())
    };
    out.push(format!("{what}: {x} -> {y}"));
}

/// Layers changed in place by their labels; inserted layers by count and kind.
fn layer_changes(out: &mut Vec<String>, a: &Network, b: &Network) {
    let (da, db) = (a.defaults(), b.defaults());
    if a.layers.len() == b.layers.len() {
        for (i, (x, y)) in a.layers.iter().zip(&b.layers).enumerate() {
            if x != y {
                let (lx, ly) = (x.label(&da), y.label(&db));
                let (lx, ly) = if lx == ly {
                    (format!("{x:?}"), format!("{y:?}"))
                } else {
                    (lx, ly)
                };
                out.push(format!("layer {}: {lx} -> {ly}", i + 1));
            }
        }
        return;
    }
    let kinds = |n: &Network| {
        let d = n.defaults();
        let mut k: Vec<String> = n.layers.iter().map(|l| l.kind_name(&d)).collect();
        k.sort_unstable();
        k
    };
    let (mut ka, kb) = (kinds(a), kinds(b));
    let inserted: Vec<String> = kb
        .into_iter()
        .filter(|k| match ka.iter().position(|x| x == k) {
            Some(i) => {
                ka.remove(i);
                false
            }
            None => true,
        })
        .collect();
    let mut line = format!("layers: {} -> {}", a.layers.len(), b.layers.len());
    if !inserted.is_empty() && ka.is_empty() {
        line += &format!(" ({} inserted)", inserted.join(", "));
    }
    out.push(line);
}
