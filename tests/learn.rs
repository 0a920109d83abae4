#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! The concept lab reproduces the lecture's worked numbers (convolution with Filters 1 and 2 at
//! stride 1 and 2, pooling), its derivatives match libtorch's autograd, the backprop view's
//! hand gradients equal autograd's, receptive fields and cost formulas match hand computation.
use cnn_workbench::engine::lab;
use cnn_workbench::spec::lab::act::{derivative, DiceStats};
use cnn_workbench::spec::lab::backprop::{backward, forward, TinyNet};
use cnn_workbench::spec::lab::pool::{PoolKind, PoolLab};
use cnn_workbench::spec::lab::receptive::{fields, Field};
use cnn_workbench::spec::lab::{cost, ConvLab, Grid};
use cnn_workbench::spec::layer::{Bottleneck, Layer};
use cnn_workbench::spec::{library, Activation, GeluForm, Shape};

fn rows(g: &Grid) -> Vec<Vec<f64>> {
    g.rows()
}

#[test]
fn the_lecture_convolution_example_gives_the_lecture_feature_maps() {
    let mut lab = ConvLab::lecture();
    // The lecture's slides "CNN – Convolution", stride 1 (Filter 1, then Filter 2).
    assert_eq!(
        rows(&lab.output(0).unwrap()),
        vec![
            vec![3., -1., -3., -1.],
            vec![-3., 1., 0., -3.],
            vec![-3., -3., 0., 1.],
            vec![3., -2., -2., -1.],
        ]
    );
    assert_eq!(
        rows(&lab.output(1).unwrap()),
        vec![
            vec![-1., -1., -1., -1.],
            vec![-1., -1., -2., 1.],
            vec![-1., -1., -2., 1.],
            vec![-1., 0., -4., 3.],
        ]
    );
    assert!(
        lab.size_formula().ends_with("= 4"),
        "{}",
        lab.size_formula()
    );
    // "If stride = 2": a 2×2 map.
    lab.stride = 2;
    assert_eq!(
        rows(&lab.output(0).unwrap()),
        vec![vec![3., -3.], vec![-3., 0.]]
    );
    assert_eq!(
        rows(&lab.output(1).unwrap()),
        vec![vec![-1., -1.], vec![-1., -2.]]
    );
    assert!(
        lab.size_formula().ends_with("= 2"),
        "{}",
        lab.size_formula()
    );
    // The first cell's dot product, written out.
    lab.stride = 1;
    let text = lab.explain(0, 0, 0);
    assert!(
        text.starts_with("1·1 + 0·(−1) + 0·(−1) + 0·(−1) + 1·1"),
        "{text}"
    );
    assert!(text.ends_with("= 3"), "{text}");
    // "same" padding keeps 6×6; the corner then reads padding zeros.
    lab.same = true;
    assert_eq!(lab.out_size().unwrap(), (6, 6));
    assert_eq!(lab.value(0, 0, 0), 1.0 + 1.0); // x[0][0]·1 + x[1][1]·1
}

#[test]
fn pooling_gives_the_lecture_numbers_and_l2_lies_between_average_and_max() {
    let lab = PoolLab::lecture();
    assert_eq!(
        rows(&lab.output(PoolKind::Max).unwrap()),
        vec![vec![4., 8.], vec![10., 4.]]
    );
    assert_eq!(
        rows(&lab.output(PoolKind::Average).unwrap()),
        vec![vec![2.5, 5.], vec![6., 3.]]
    );
    // √((2² + 2² + 2² + 4²)/4) = √7
    let l2 = lab.output(PoolKind::L2).unwrap();
    assert!((l2.at(0, 0) - 7f64.sqrt()).abs() < 1e-12);
    for y in 0..2 {
        for x in 0..2 {
            let (a, m) = (
                lab.value_of(PoolKind::Average, y, x),
                lab.value_of(PoolKind::Max, y, x),
            );
            assert!(a <= l2.at(y, x) && l2.at(y, x) <= m);
        }
    }
    // The max of the bottom-left window is the 10, where the gradient goes.
    assert_eq!(lab.argmax(1, 0), (3, 1));
    // "CNN – Max Pooling": 2×2 max pooling of the two 4×4 feature maps.
    let conv = ConvLab::lecture();
    let pooled = |f| {
        PoolLab {
            input: conv.output(f).unwrap(),
            kind: PoolKind::Max,
            kernel: 2,
            stride: 2,
        }
        .output(PoolKind::Max)
        .unwrap()
    };
    assert_eq!(rows(&pooled(0)), vec![vec![3., 0.], vec![3., 1.]]);
    assert_eq!(rows(&pooled(1)), vec![vec![-1., 1.], vec![0., 3.]]);
}

#[test]
fn activation_derivatives_match_autograd() {
    let dice = DiceStats {
        mean: 0.3,
        var: 0.8,
    };
    let acts = [
        Activation::Relu,
        Activation::LeakyRelu { slope: 0.2 },
        Activation::Elu { alpha: 0.7 },
        Activation::Selu,
        Activation::Gelu {
            form: GeluForm::Tanh,
        },
        Activation::Gelu {
            form: GeluForm::Erf,
        },
        Activation::Swish { beta: 1.702 },
        Activation::Mish,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Dice {
            eps: 1e-8,
            alpha_init: 0.25,
        },
    ];
    let xs = [-3.0, -1.5, -0.3, 0.4, 1.2, 2.5];
    for a in acts {
        let auto = lab::derivative(a, &xs, dice.mean, dice.var);
        assert_eq!(auto.len(), xs.len(), "{a:?}");
        for (x, g) in xs.iter().zip(&auto) {
            let hand = derivative(a, *x, dice);
            assert!(
                (hand - g).abs() < 1e-4,
                "{a:?} at {x}: hand {hand}, autograd {g}"
            );
        }
    }
}

#[test]
fn backprop_by_hand_equals_autograd() {
    for act in [Activation::Relu, Activation::Tanh, Activation::Sigmoid] {
        for label in [0, 1] {
            let net = TinyNet {
                act,
                label,
                ..TinyNet::default()
            };
            let hand = backward(&net, &forward(&net));
            let auto = lab::autograd(&net);
            let pairs: Vec<(&str, Vec<f64>, Vec<f64>)> = vec![
                ("logits", hand.logits.to_vec(), auto.logits.to_vec()),
                ("w2", hand.w2.to_vec(), auto.w2.to_vec()),
                ("b2", hand.b2.to_vec(), auto.b2.to_vec()),
                ("z3", hand.z3.to_vec(), auto.z3.to_vec()),
                ("z2", hand.z2.to_vec(), auto.z2.to_vec()),
                ("z1", hand.z1.to_vec(), auto.z1.to_vec()),
                ("w1", hand.w1.to_vec(), auto.w1.to_vec()),
                ("b1", vec![hand.b1], vec![auto.b1]),
            ];
            for (name, h, a) in pairs {
                assert_eq!(h.len(), a.len(), "{act:?} {name}");
                for (x, y) in h.iter().zip(&a) {
                    assert!((x - y).abs() < 1e-12, "{act:?} {name}: {h:?} vs {a:?}");
                }
            }
            // ReLU at the default weights: some conv outputs are negative and get no gradient.
            if act == Activation::Relu {
                assert!(hand.z1.contains(&0.0));
            }
        }
    }
}

#[test]
fn receptive_fields_of_lenet5_and_the_small_resnet_match_hand_computation() {
    let win = |size, jump| Field::Window { size, jump };
    let lenet = library::bundled("lenet5.ron").unwrap();
    // conv 5×5 → 5; pool 2 → 5 + 1 = 6, jump 2; conv 5×5 → 6 + 4·2 = 14; pool → 14 + 1·2 = 16, jump 4.
    let f = fields(&lenet.network).unwrap();
    assert_eq!(
        &f[..7],
        &[
            win(5, 1),
            win(5, 1),
            win(6, 2),
            win(14, 2),
            win(14, 2),
            win(16, 4),
            Field::Whole
        ]
    );
    let resnet = library::bundled("resnet-small.ron").unwrap();
    // conv 3 → 3; residual (two 3×3) → 7; stride-2 residual → 7 + 2 = 9 (jump 2), + 2·2 = 13;
    // again → 13 + 2·2 = 17 (jump 4), + 2·4 = 25; global pooling → all.
    let f = fields(&resnet.network).unwrap();
    assert_eq!(
        f,
        vec![
            win(3, 1),
            win(3, 1),
            win(3, 1),
            win(7, 1),
            win(13, 2),
            win(25, 4),
            Field::Whole,
            Field::Whole
        ]
    );
}

#[test]
fn cost_formulas_show_the_lecture_arithmetic() {
    let lenet = library::bundled("lenet5.ron").unwrap();
    let s = cnn_workbench::spec::infer(&lenet.network).unwrap();
    let d = lenet.network.defaults();
    let lines = cost::explain(
        &lenet.network.layers[3],
        s.layers[2].output,
        s.layers[3].output,
        &d,
    );
    assert!(lines[0].ends_with("(5·5·6 + 1) · 16 = 2,416"), "{lines:?}");
    assert!(lines[1].ends_with("= 240,000"), "{lines:?}");
    // The lecture's bottleneck: c = 256, d = 64: about 70K weights instead of about 600K.
    let b = Layer::Bottleneck(Bottleneck {
        mid_channels: 64,
        out_channels: 256,
        stride: 1,
        act: None,
        norm: None,
    });
    let map = Shape::Map {
        c: 256,
        h: 14,
        w: 14,
    };
    let lines = cost::explain(&b, map, map, &d);
    assert!(lines[0].ends_with("= 69,632"), "{lines:?}");
    assert!(lines[1].contains("= 589,824 weights"), "{lines:?}");
}
