#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! The building blocks of the lecture's full-size networks, each against an independent
//! computation: local response normalization, decorrelated batch norm, ceil-mode and
//! non-square pooling, 1×n convolutions, global max pooling.
use cnn_workbench::engine::tch;
use cnn_workbench::engine::Model;
use cnn_workbench::spec::layer::*;
use cnn_workbench::spec::{infer, InputShape, Network, Shape};

use tch::{Device, Kind, Tensor};

/// A network of `layers`, then Flatten and a 10-way Linear (a network must end in its classes).
fn network(input: (usize, usize, usize), mut layers: Vec<Layer>) -> Network {
    layers.push(Layer::Flatten);
    layers.push(Layer::Linear(Linear {
        out_features: 10,
        ..Linear::default()
    }));
    Network {
        input: InputShape {
            channels: input.0,
            height: input.1,
            width: input.2,
        },
        classes: 10,
        norm: Norm::Off,
        layers,
        ..Network::default()
    }
}

fn values(t: &Tensor) -> Vec<f32> {
    Vec::<f32>::try_from(t.contiguous().view([-1])).unwrap()
}

#[test]
fn lrn_divides_by_the_energy_of_neighbouring_channels() {
    // Krizhevsky et al. §3.3: b[i] = a[i] / (k + α Σ_{j=max(0,i−n/2)}^{min(N−1,i+n/2)} a[j]²)^β.
    // PyTorch: nn.LocalResponseNorm(size=3, alpha=3 * 0.1, beta=0.75, k=2.0)(x) gives the same.
    let l = Lrn {
        size: 3,
        alpha: 0.1,
        beta: 0.75,
        k: 2.0,
    };
    let net = network((6, 2, 3), vec![Layer::Lrn(l)]);
    let model = Model::build(&net, Device::Cpu, 1).unwrap();
    let x = Tensor::randn([2, 6, 2, 3], (Kind::Float, Device::Cpu));
    let y = values(&model.forward_all(&x, false)[0]);
    let a = values(&x);
    let at = |n: usize, c: usize, p: usize| a[(n * 6 + c) * 6 + p];
    for n in 0..2 {
        for c in 0..6usize {
            for p in 0..6 {
                let sum: f32 = (c.saturating_sub(1)..=(c + 1).min(5))
                    .map(|j| at(n, j, p) * at(n, j, p))
                    .sum();
                let expected = at(n, c, p) / (2.0f32 + 0.1 * sum).powf(0.75);
                let got = y[(n * 6 + c) * 6 + p];
                assert!((got - expected).abs() < 1e-5, "{got} vs {expected}");
            }
        }
    }
}

#[test]
fn lrn_sizes_that_cannot_work_are_named() {
    let even = network(
        (6, 4, 4),
        vec![Layer::Lrn(Lrn {
            size: 4,
            ..Lrn::default()
        })],
    );
    let e = infer(&even).unwrap_err().to_string();
    assert!(e.contains("LRN size 4 must be odd"), "{e}");
    let wide = network(
        (3, 4, 4),
        vec![Layer::Lrn(Lrn {
            size: 5,
            ..Lrn::default()
        })],
    );
    let e = infer(&wide).unwrap_err().to_string();
    assert!(
        e.contains("larger than the 3 channels — use at most 3"),
        "{e}"
    );
}

/// Per-group sample covariance of `y` [N, C, H, W] over batch and positions.
fn group_covariance(y: &Tensor, g: i64) -> Tensor {
    let s = y.size();
    let (n, c, pos) = (s[0], s[1], s[2] * s[3]);
    let x = y
        .reshape([n, c / g, g, pos])
        .permute([1, 2, 0, 3])
        .reshape([c / g, g, n * pos]);
    let xc = &x - x.mean_dim([2i64].as_slice(), true, None);
    xc.matmul(&xc.transpose(1, 2)) / (n * pos) as f64
}

#[test]
fn decorrelated_batch_norm_whitens_each_group_of_channels() {
    // Huang et al. 2018: x̂ = Σ^(−1/2)(x − μ) per group. NumPy: for a group X (g × m),
    // Xc = X − X.mean(1, keepdims=True); S = Xc @ Xc.T / m; W = U diag(λ^−½) Uᵀ; then
    // (W @ Xc) @ (W @ Xc).T / m = I — the check below, on a training batch whose channels are
    // strongly correlated (BatchNorm would leave these correlations in).
    let layers = vec![Layer::Norm(NormLayer {
        kind: Some(Norm::Decorrelated { group: 4 }),
    })];
    let net = network((8, 5, 5), layers);
    let model = Model::build(&net, Device::Cpu, 1).unwrap();
    let base = Tensor::randn([16, 1, 5, 5], (Kind::Float, Device::Cpu));
    let noise = Tensor::randn([16, 8, 5, 5], (Kind::Float, Device::Cpu)) * 0.3;
    let x = base.expand([16, 8, 5, 5], false) * 2.0 + noise + 1.5;
    let before = group_covariance(&x, 4);
    assert!(
        before.double_value(&[0, 0, 1]) > 1.0,
        "inputs are correlated"
    );
    let y = model.forward_all(&x, true).remove(0);
    let cov = group_covariance(&y, 4);
    let eye = Tensor::eye(4, (Kind::Float, Device::Cpu)).expand([2, 4, 4], false);
    let err = (&cov - eye).abs().max().double_value(&[]);
    assert!(err < 1e-3, "covariance differs from the identity by {err}");
    // In eval mode the running estimates (after many steps on the same batch) whiten it too.
    for _ in 0..100 {
        let _ = model.forward_all(&x, true);
    }
    let y = model.forward_all(&x, false).remove(0);
    let err = (group_covariance(&y, 4) - Tensor::eye(4, (Kind::Float, Device::Cpu)))
        .abs()
        .max()
        .double_value(&[]);
    assert!(err < 1e-2, "eval covariance off by {err}");
}

#[test]
fn decorrelated_groups_that_do_not_divide_the_channels_say_what_would() {
    let net = network(
        (24, 4, 4),
        vec![Layer::Norm(NormLayer {
            kind: Some(Norm::Decorrelated { group: 16 }),
        })],
    );
    let e = infer(&net).unwrap_err().to_string();
    assert!(
        e.contains(
            "groups of 16 channels do not divide 24 channels — use a divisor of 24, e.g. 12"
        ),
        "{e}"
    );
}

#[test]
fn ceil_mode_pooling_counts_the_partial_window_as_pytorch_does() {
    // PyTorch: nn.MaxPool2d(3, 2, ceil_mode=True) on 112×112 gives 56×56 (GoogLeNet's pools);
    // floor mode gives 55×55. On 6×6 with kernel 2, stride 4, padding 1, ceil mode: a third
    // window would start in the right padding, so it is dropped: 2×2, as PyTorch.
    let pool = |size, kernel, stride, padding, ceil_mode| {
        let net = network(
            (2, size, size),
            vec![Layer::MaxPool(MaxPool(Pool {
                kernel,
                stride: Some(stride),
                padding,
                ceil_mode,
                ..Pool::default()
            }))],
        );
        let s = infer(&net).unwrap();
        let model = Model::build(&net, Device::Cpu, 1).unwrap();
        let x = Tensor::randn([1, 2, size as i64, size as i64], (Kind::Float, Device::Cpu));
        let y = model.forward_all(&x, false).remove(0);
        let Shape::Map { h, w, .. } = s.layers[0].output else {
            panic!()
        };
        assert_eq!(
            y.size(),
            [1, 2, h as i64, w as i64],
            "libtorch agrees with the summary"
        );
        (h, w)
    };
    assert_eq!(pool(112, 3, 2, 0, true), (56, 56));
    assert_eq!(pool(112, 3, 2, 0, false), (55, 55));
    assert_eq!(pool(6, 2, 4, 1, true), (2, 2));
}

#[test]
fn one_by_n_convolutions_and_global_max_pooling() {
    // Inception v3's factorization: 1×7 then 7×1, each "same" padded, keeps 17×17.
    let conv = |k: usize, kw: usize| {
        Layer::Conv2d(Conv2d {
            out_channels: 4,
            kernel: k,
            kernel_w: Some(kw),
            padding: Padding::Same,
            ..Conv2d::default()
        })
    };
    let net = network(
        (3, 17, 17),
        vec![conv(1, 7), conv(7, 1), Layer::GlobalMaxPool],
    );
    let s = infer(&net).unwrap();
    assert_eq!(s.layers[0].output, Shape::Map { c: 4, h: 17, w: 17 });
    assert_eq!(s.layers[0].params, 4 * 3 * 7 + 4);
    assert_eq!(s.layers[1].macs, 4 * 17 * 17 * 4 * 7);
    assert_eq!(s.layers[2].output, Shape::Flat(4));
    let model = Model::build(&net, Device::Cpu, 1).unwrap();
    let x = Tensor::randn([2, 3, 17, 17], (Kind::Float, Device::Cpu));
    let layers = model.forward_all(&x, false);
    assert_eq!(layers[1].size(), [2, 4, 17, 17]);
    // Global max = the maximum over each map.
    let expected = layers[1].amax([2i64, 3].as_slice(), false);
    assert!(layers[2].allclose(&expected, 0.0, 0.0, false));
}

#[test]
fn an_auxiliary_head_trains_beside_the_main_path_and_is_ignored_in_evaluation() {
    let mut net = network(
        (3, 20, 20),
        vec![
            Layer::Conv2d(Conv2d {
                out_channels: 8,
                ..Conv2d::default()
            }),
            Layer::AuxClassifier(AuxClassifier {
                pool: 5,
                pool_stride: 3,
                channels: 4,
                hidden: 16,
                ..AuxClassifier::default()
            }),
        ],
    );
    net.classes = 10;
    let s = infer(&net).unwrap();
    // Identity on the main path; the head's parameters: 1×1 conv 8→4 (+bias), 4·6·6 → 16,
    // 16 → 10.
    assert_eq!(s.layers[1].output, s.layers[0].output);
    assert_eq!(
        s.layers[1].params,
        (8 * 4 + 4) + (4 * 36 * 16 + 16) + (16 * 10 + 10)
    );
    assert!(s.layers[1].label.contains("branch"));
    let model = Model::build(&net, Device::Cpu, 1).unwrap();
    let x = Tensor::randn([4, 3, 20, 20], (Kind::Float, Device::Cpu));
    let (main, aux) = model.forward_with_aux(&x, true);
    assert_eq!(aux.len(), 1);
    assert_eq!(aux[0].0, 0.3);
    assert_eq!(aux[0].1.size(), [4, 10]);
    assert_eq!(main.size(), [4, 10]);
    let (_, aux) = model.forward_with_aux(&x, false);
    assert!(aux.is_empty());
    // On a flat input it cannot tap a feature map, and says so.
    let flat = network(
        (3, 8, 8),
        vec![
            Layer::Flatten,
            Layer::AuxClassifier(AuxClassifier::default()),
        ],
    );
    let e = infer(&flat).unwrap_err().to_string();
    assert!(
        e.contains("auxiliary classifier (it taps a feature map)"),
        "{e}"
    );
}

#[test]
fn factorized_inception_counts_its_one_by_n_convolutions() {
    // Figure 6 of Szegedy et al. 2016 with n = 7 on a 17×17×64 map, no norm (biases):
    // 1×1: 64·16+16; single: 64·8+8, 8·8·7+8 (1×7), 8·12·7+12 (7×1);
    // double: 64·6+6, then 7×1, 1×7, 7×1 of 6·6·7+6, then 1×7 6·10·7+10; pool: 64·4+4.
    let block = InceptionFactorized {
        c1: 16,
        c3_reduce: 8,
        c3: 12,
        c33_reduce: 6,
        c33: 10,
        pool_proj: 4,
        n: 7,
        ..InceptionFactorized::default()
    };
    let expected = (64 * 16 + 16)
        + (64 * 8 + 8)
        + (8 * 8 * 7 + 8)
        + (8 * 12 * 7 + 12)
        + (64 * 6 + 6)
        + 3 * (6 * 6 * 7 + 6)
        + (6 * 10 * 7 + 10)
        + (64 * 4 + 4);
    let net = network((64, 17, 17), vec![Layer::InceptionV3(block)]);
    let s = infer(&net).unwrap();
    assert_eq!(
        s.layers[0].output,
        Shape::Map {
            c: 42,
            h: 17,
            w: 17
        }
    );
    assert_eq!(s.layers[0].params, expected);
    let model = Model::build(&net, Device::Cpu, 1).unwrap();
    let built: i64 = model
        .vs
        .trainable_variables()
        .iter()
        .map(|t| t.numel() as i64)
        .sum();
    assert_eq!(built as usize, s.total_params);
    let x = Tensor::randn([2, 64, 17, 17], (Kind::Float, Device::Cpu));
    assert_eq!(model.forward_all(&x, false)[0].size(), [2, 42, 17, 17]);
    // An even n has no centre: refused with what to use.
    let even = network(
        (64, 17, 17),
        vec![Layer::InceptionV3(InceptionFactorized { n: 4, ..block })],
    );
    let e = infer(&even).unwrap_err().to_string();
    assert!(e.contains("an odd n > 1 (7 in the paper)"), "{e}");
}

#[test]
fn a_batch_too_small_to_whiten_a_group_is_named_with_the_fix() {
    let layers = vec![Layer::Norm(NormLayer {
        kind: Some(Norm::Decorrelated { group: 8 }),
    })];
    let model = Model::build(&network((16, 1, 1), layers), Device::Cpu, 1).unwrap();
    let x = Tensor::randn([4, 16, 1, 1], (Kind::Float, Device::Cpu));
    let p = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| model.forward_all(&x, true)))
        .unwrap_err();
    let text = cnn_workbench::engine::trainer::panic_text(p.as_ref());
    assert!(
        text.contains("a group of 8 channels needs more than 8 values per channel in a batch")
            && text.contains("use smaller groups (group: 4) or a larger batch"),
        "{text}"
    );
}
