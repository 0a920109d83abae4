#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! Spec level: shape/parameter/MAC arithmetic, named errors for impossible networks, RON.
use cnn_workbench_spec as spec;
use spec::layer::*;
use spec::*;

/// The repository's top folder (this test belongs to the spec crate, in src/spec).
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn net(layers: Vec<Layer>) -> Network {
    Network {
        layers,
        ..Network::default()
    }
}

fn conv(out: usize, k: usize, pad: Padding) -> Layer {
    Layer::Conv2d(Conv2d {
        out_channels: out,
        kernel: k,
        padding: pad,
        ..Conv2d::default()
    })
}

fn act() -> Layer {
    Layer::Activation(ActivationLayer { act: None })
}

fn linear(n: usize) -> Layer {
    Layer::Linear(Linear {
        out_features: n,
        ..Linear::default()
    })
}

fn preset(name: &str) -> Preset {
    let path = format!("{}/presets/{name}", ROOT);
    Preset::load(std::path::Path::new(&path)).unwrap()
}

#[test]
fn lenet5_has_the_published_parameter_count_and_hand_computed_macs() {
    let s = infer(&preset("lenet5.ron").network).unwrap();
    assert_eq!(s.total_params, 61_706);
    let params: Vec<usize> = s
        .layers
        .iter()
        .map(|l| l.params)
        .filter(|p| *p > 0)
        .collect();
    assert_eq!(params, vec![156, 2_416, 48_120, 10_164, 850]);
    // conv1: 6·28·28·(1·5·5) = 117,600; conv2: 16·10·10·(6·5·5) = 240,000; dense: 48,000 +
    // 10,080 + 840.
    assert_eq!(s.total_macs, 117_600 + 240_000 + 48_000 + 10_080 + 840);
    assert_eq!(s.layers[5].output, Shape::Map { c: 16, h: 5, w: 5 });
}

#[test]
fn every_bundled_preset_is_valid_and_round_trips_through_ron() {
    let dir = format!("{}/presets", ROOT);
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("ron") {
            continue;
        }
        let p = Preset::load(&path).unwrap_or_else(|e| panic!("{e}"));
        infer(&p.network).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let text = p.to_ron().unwrap();
        let back = Preset::from_ron(&text, "round trip").unwrap();
        assert_eq!(back, p, "{}", path.display());
        // Stable: writing again gives the same text.
        assert_eq!(back.to_ron().unwrap(), text);
        count += 1;
    }
    assert!(count >= 4);
}

#[test]
fn older_files_with_missing_fields_still_load_with_defaults() {
    let text = r#"(
        name: "old",
        network: (layers: [Conv2d(out_channels: 4), Flatten, Linear()]),
    )"#;
    let p = Preset::from_ron(text, "old.ron").unwrap();
    assert_eq!(p.training, Training::default());
    assert_eq!(p.network.input.channels, 1);
    let Layer::Conv2d(c) = p.network.layers[0] else {
        panic!()
    };
    assert_eq!((c.kernel, c.stride, c.padding), (3, 1, Padding::Same));
    assert_eq!(infer(&p.network).unwrap().layers[2].output, Shape::Flat(10));
}

#[test]
fn malformed_ron_names_file_line_and_column() {
    let text = "(\n    name: \"x\",\n    network: (layers: [Conv2d(out_channels: \"six\")]),\n)";
    let err = Preset::from_ron(text, "broken.ron")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("broken.ron:3:"), "{err}");
    assert!(err.to_lowercase().contains("expected"), "{err}");
    let unknown = Preset::from_ron("(network: (layers: [Convolution]))", "u.ron")
        .unwrap_err()
        .to_string();
    assert!(
        unknown.contains("u.ron:1:") && unknown.contains("Convolution"),
        "{unknown}"
    );
}

#[test]
fn linear_on_feature_maps_asks_for_flatten() {
    let n = net(vec![
        conv(6, 5, Padding::Pixels(2)),
        act(),
        Layer::MaxPool(MaxPool(Pool::default())),
        conv(16, 5, Padding::Pixels(0)),
        linear(10),
    ]);
    let e = infer(&n).unwrap_err();
    assert_eq!(e.layer_index(), Some(5));
    assert_eq!(e.to_string(), "layer 5 Linear: expects a flat input but gets 16×10×10 — add Flatten (or GlobalAvgPool) before it");
}

#[test]
fn kernel_larger_than_padded_input_is_named() {
    let mut n = net(vec![
        conv(4, 3, Padding::Pixels(0)),
        Layer::MaxPool(MaxPool(Pool {
            kernel: 6,
            ..Pool::default()
        })),
        conv(4, 7, Padding::Pixels(0)),
    ]);
    n.input = InputShape {
        channels: 1,
        height: 26,
        width: 26,
    };
    let e = infer(&n).unwrap_err();
    assert_eq!(
        e.to_string(),
        "layer 3 Conv2d: kernel 7 larger than padded input 4×4"
    );
}

#[test]
fn impossible_networks_give_named_errors_never_panics() {
    let cases: Vec<(Vec<Layer>, &str)> = vec![
        (
            vec![Layer::Flatten, conv(4, 3, Padding::Same)],
            "layer 2 Conv2d: convolution needs feature maps (C×H×W) but gets a flat vector of 784",
        ),
        (
            vec![
                conv(6, 3, Padding::Same),
                Layer::Norm(NormLayer {
                    kind: Some(Norm::Group { groups: 4 }),
                }),
            ],
            "layer 2 GroupNorm: 4 groups do not divide 6 channels",
        ),
        (
            vec![Layer::Conv2d(Conv2d {
                groups: 3,
                ..Conv2d::default()
            })],
            "layer 1 Conv2d: groups 3 must divide both input channels 1 and output channels 16",
        ),
        (
            vec![conv(4, 4, Padding::Same)],
            "layer 1 Conv2d: padding \"same\" needs an odd kernel, but kernel is 4",
        ),
        (
            vec![Layer::Dropout(Dropout { p: 1.0 })],
            "layer 1 Dropout: p must be in [0, 1), but is 1",
        ),
        (
            vec![
                Layer::Flatten,
                Layer::Norm(NormLayer {
                    kind: Some(Norm::Instance),
                }),
            ],
            "layer 2 InstanceNorm: instance norm needs feature maps",
        ),
        (
            vec![Layer::MaxPool(MaxPool(Pool {
                kernel: 2,
                stride: None,
                padding: 2,
                ..Pool::default()
            }))],
            "layer 1 MaxPool: padding 2 is more than half the window 2",
        ),
        (
            vec![Layer::Residual(Residual {
                out_channels: 0,
                ..Residual::default()
            })],
            "layer 1 Residual: out_channels must be at least 1",
        ),
        (
            vec![Layer::GlobalAvgPool, Layer::GlobalAvgPool],
            "layer 2 GlobalAvgPool: global average pooling needs feature maps",
        ),
        (
            vec![Layer::Flatten, linear(84)],
            "the network ends with 84 outputs but the data has 10 classes",
        ),
        (vec![], "the network has no layers"),
    ];
    for (layers, expected) in cases {
        let e = infer(&net(layers)).unwrap_err().to_string();
        assert!(e.starts_with(expected), "got {e:?}\nwant {expected:?}");
    }
}

#[test]
fn blocks_count_what_they_build() {
    // Residual 16→32, stride 2, batch norm: conv1 32·16·9, conv2 32·32·9, projection 32·16,
    // three norms of 2·32; no conv biases with norm.
    let mut n = net(vec![
        conv(16, 3, Padding::Same),
        Layer::Residual(Residual {
            out_channels: 32,
            stride: 2,
            ..Residual::default()
        }),
    ]);
    n.norm = Norm::Batch;
    let s = infer_layers(&n).unwrap();
    assert_eq!(
        s.layers[1].output,
        Shape::Map {
            c: 32,
            h: 14,
            w: 14
        }
    );
    assert_eq!(
        s.layers[1].params,
        32 * 16 * 9 + 32 * 32 * 9 + 32 * 16 + 3 * 64
    );
    // Identity shortcut when the shape is unchanged: no projection.
    let mut n2 = net(vec![
        conv(16, 3, Padding::Same),
        Layer::Residual(Residual::default()),
    ]);
    n2.norm = Norm::Batch;
    assert_eq!(
        infer_layers(&n2).unwrap().layers[1].params,
        2 * (16 * 16 * 9) + 2 * 32
    );
    // Inception output channels are the branch sum; spatial size is kept.
    let inc = Inception::default();
    let s = infer_layers(&net(vec![conv(8, 3, Padding::Same), Layer::Inception(inc)])).unwrap();
    assert_eq!(
        s.layers[1].output,
        Shape::Map {
            c: inc.out_channels(),
            h: 28,
            w: 28
        }
    );
    // Without norm: 1×1 (8·8+8) | 1×1 (8·8+8) → 3×3 (16·8·9+16) | 1×1 (4·8+4) → 5×5 (4·4·25+4) | pool→1×1 (4·8+4)
    assert_eq!(s.layers[1].params, 72 + 72 + 1168 + 36 + 404 + 36);
    // Bottleneck and NiN keep their documented structure.
    let s = infer_layers(&net(vec![
        conv(8, 3, Padding::Same),
        Layer::Bottleneck(Bottleneck::default()),
        Layer::NiN(NiN::default()),
    ]))
    .unwrap();
    assert_eq!(
        s.layers[1].output,
        Shape::Map {
            c: 32,
            h: 28,
            w: 28
        }
    );
    assert_eq!(
        s.layers[1].params,
        (8 * 8 + 8) + (8 * 8 * 9 + 8) + (32 * 8 + 32) + (32 * 8 + 32)
    );
    assert_eq!(s.layers[2].params, (32 * 32 * 9 + 32) + 2 * (32 * 32 + 32));
}

#[test]
fn network_defaults_are_followed_unless_overridden() {
    let mut n = net(vec![
        act(),
        Layer::Activation(ActivationLayer {
            act: Some(Activation::Tanh),
        }),
        Layer::Norm(NormLayer::default()),
    ]);
    n.activation = Activation::Mish;
    n.norm = Norm::Batch;
    let d = n.defaults();
    assert_eq!(n.layers[0].kind_name(&d), "Mish");
    assert_eq!(n.layers[1].kind_name(&d), "Tanh");
    assert_eq!(n.layers[2].kind_name(&d), "BatchNorm");
    // Dice has one learned α per channel.
    n.activation = Activation::Dice {
        eps: 1e-8,
        alpha_init: 0.0,
    };
    assert_eq!(infer_layers(&n).unwrap().layers[0].params, 1);
}

#[test]
fn learning_rate_schedules() {
    let mut t = Training {
        learning_rate: 0.1,
        epochs: 4,
        ..Training::default()
    };
    assert_eq!(t.lr_at(350, 100), 0.1);
    t.schedule = Schedule::Step {
        every_epochs: 2,
        gamma: 0.1,
    };
    assert!((t.lr_at(199, 100) - 0.1).abs() < 1e-12);
    assert!((t.lr_at(200, 100) - 0.01).abs() < 1e-12);
    t.schedule = Schedule::Cosine { min_lr: 0.0 };
    assert!((t.lr_at(0, 100) - 0.1).abs() < 1e-9);
    assert!((t.lr_at(200, 100) - 0.05).abs() < 1e-9);
    assert!(t.lr_at(399, 100) < 1e-5);
    t.warmup_steps = 10;
    t.schedule = Schedule::Constant;
    assert!((t.lr_at(0, 100) - 0.01).abs() < 1e-12);
    assert!((t.lr_at(9, 100) - 0.1).abs() < 1e-12);
}

#[test]
fn one_cycle_matches_pytorch() {
    // m = nn.Linear(1, 1); opt = torch.optim.Adam(m.parameters(), lr=3e-3)
    // s = OneCycleLR(opt, max_lr=3e-3, total_steps=100); the lr before optimizer step k:
    let pytorch = [
        (0, 0.00011999999999999988),
        (1, 0.00012844134169772217),
        (10, 0.0008854918453923021),
        (29, 0.003),
        (30, 0.002998489605853573),
        (50, 0.002381680351727196),
        (99, 1.2e-08),
    ];
    let t = Training {
        learning_rate: 3e-3,
        epochs: 1,
        schedule: Schedule::one_cycle(),
        ..Training::default()
    };
    for (step, lr) in pytorch {
        let ours = t.lr_at(step, 100);
        assert!(
            (ours - lr).abs() < 1e-12,
            "step {step}: {ours} vs PyTorch {lr}"
        );
    }
    assert!(t.validate().is_ok());
    let bad = Training {
        schedule: Schedule::OneCycle {
            pct_start: 1.5,
            div_factor: 25.0,
            final_div_factor: 1e4,
        },
        ..t
    };
    let e = bad.validate().unwrap_err();
    assert_eq!(e, TrainingError::PctStart(1.5));
    assert_eq!(
        e.to_string(),
        "one-cycle pct_start is the warm-up share of the run: between 0 and 1, not 1.5"
    );
}

#[test]
fn activation_names_parse_as_typed_on_the_command_line() {
    for a in Activation::ALL {
        assert_eq!(
            Activation::from_name(a.name()).map(|x| x.name()),
            Some(a.name())
        );
    }
    assert_eq!(
        Activation::from_name("gelu-erf"),
        Some(Activation::Gelu {
            form: GeluForm::Erf
        })
    );
    assert_eq!(Activation::from_name("nope"), None);
}

#[test]
fn thread_counts_are_auto_by_default_and_clamped_to_the_cores() {
    assert_eq!(threads_for(0, 2), (2, None));
    assert_eq!(threads_for(1, 2), (1, None));
    let (n, note) = threads_for(64, 2);
    assert_eq!(n, 2);
    assert!(note
        .unwrap()
        .contains("64 threads asked for, but this machine has 2 cores"));
    // A machine that reports no cores still trains on one.
    assert_eq!(threads_for(0, 0), (1, None));
}

#[test]
fn element_wise_operations_are_counted_apart_from_multiply_adds() {
    let path = std::path::Path::new(ROOT).join("presets/lenet5.ron");
    let mut p = Preset::load(&path).unwrap();
    let s = infer(&p.network).unwrap();
    // By hand: ReLU 6·28·28 = 4,704; 2×2 max pool, 4 per output of 6·14·14 = 4,704;
    // ReLU 16·10·10 = 1,600; pool 4·16·5·5 = 1,600; ReLU 120 and 84.
    assert_eq!(s.total_elementwise, 4_704 * 2 + 1_600 * 2 + 120 + 84);
    assert_eq!(s.total_macs, 416_520, "multiply-adds unchanged");
    assert_eq!(
        s.layers[0].elementwise, 0,
        "a convolution's work is its multiply-adds"
    );
    // A BatchNorm after the first convolution: normalize, then scale and shift: 2 per value.
    p.network.layers.insert(
        1,
        Layer::Norm(NormLayer {
            kind: Some(Norm::Batch),
        }),
    );
    let with_norm = infer(&p.network).unwrap();
    assert_eq!(with_norm.layers[1].elementwise, 2 * 6 * 28 * 28);
    assert_eq!(with_norm.total_elementwise, s.total_elementwise + 2 * 4_704);
}

/// Frozen layers are stored as layer numbers; every edit of the layer list renumbers them so
/// the same layers stay frozen (hand-checked expectations below).
#[test]
fn frozen_layers_follow_their_layer_through_every_edit() {
    let mut p = spec::library::default_preset();
    let conv2 = p.network.layers[3].clone();
    p.set_frozen(3, true); // layer 4: the second convolution
    p.set_frozen(0, true); // layer 1
    assert_eq!(p.training.freeze, vec![1, 4]);
    // Insert before both: each moves down by one.
    assert_eq!(p.insert_layer(0, Layer::Flatten), 0);
    assert_eq!(p.training.freeze, vec![2, 5]);
    assert_eq!(p.network.layers[4], conv2);
    // Remove the inserted layer: back to where they were.
    p.remove_layer(0).unwrap();
    assert_eq!(p.training.freeze, vec![1, 4]);
    // Remove a frozen layer: its mark goes, the other stays on its layer.
    p.remove_layer(0).unwrap();
    assert_eq!(p.training.freeze, vec![3]);
    assert_eq!(p.network.layers[2], conv2);
    // Move the frozen conv to the end (before index len) and to the front.
    let n = p.network.layers.len();
    assert_eq!(p.move_layer(2, n), Some(n - 1));
    assert_eq!(p.training.freeze, vec![n]);
    assert_eq!(p.network.layers[n - 1], conv2);
    assert_eq!(p.move_layer(n - 1, 0), Some(0));
    assert_eq!(p.training.freeze, vec![1]);
    // A move onto itself changes nothing.
    assert_eq!(p.move_layer(0, 1), None);
    // Duplicate keeps the copy frozen too; out-of-range edits do nothing.
    assert_eq!(p.duplicate_layer(0), Some(1));
    assert_eq!(p.training.freeze, vec![1, 2]);
    assert!(p.remove_layer(99).is_none());
    assert_eq!(p.duplicate_layer(99), None);
    // Unfreezing removes only that layer's mark.
    p.set_frozen(0, false);
    assert_eq!(p.training.freeze, vec![2]);
}

/// Every layer kind that follows the network-wide activation, normalization or initialization
/// takes them into `Network::resolved` (what comparisons use to refuse variants that would
/// train the same network). The factorized Inception block and the auxiliary head were once
/// missed by a hand-kept list: a network of InceptionV3 blocks resolved the same whatever its
/// activation.
#[test]
fn every_kind_that_follows_the_network_resolves_with_it() {
    let net = |layers: Vec<Layer>, act: Activation, init: Init| Network {
        input: InputShape {
            channels: 3,
            height: 32,
            width: 32,
        },
        classes: 10,
        activation: act,
        init,
        layers,
        ..Network::default()
    };
    let inception = vec![
        Layer::InceptionV3(InceptionFactorized::default()),
        Layer::GlobalAvgPool,
        Layer::Linear(Linear {
            out_features: 10,
            ..Linear::default()
        }),
    ];
    let relu = net(inception.clone(), Activation::Relu, Init::Msra).resolved();
    let gelu = net(inception.clone(), Activation::Tanh, Init::Msra).resolved();
    assert_ne!(relu, gelu, "InceptionV3 follows the network's activation");
    let xavier = net(inception, Activation::Relu, Init::Xavier).resolved();
    assert_ne!(
        relu, xavier,
        "InceptionV3 builds its convolutions with the network's init"
    );
    // The auxiliary head builds its layers with the network's init too.
    let aux = vec![
        Layer::Conv2d(Conv2d::default()),
        Layer::AuxClassifier(AuxClassifier::default()),
        Layer::Flatten,
    ];
    assert_ne!(
        net(aux.clone(), Activation::Relu, Init::Msra).resolved(),
        net(aux, Activation::Relu, Init::Xavier).resolved()
    );
    // Kinds that follow nothing resolve the same whatever the network-wide choices.
    let plain = vec![Layer::Flatten, Layer::Dropout(Dropout { p: 0.5 })];
    assert_eq!(
        net(plain.clone(), Activation::Relu, Init::Msra).resolved(),
        net(plain, Activation::Tanh, Init::Xavier).resolved()
    );
}

/// The palette offers every layer kind the workbench has (the kinds come from the `Layer`
/// enum itself, not from a list kept by hand), and each palette entry round-trips through RON
/// and has a receptive-field rule.
#[test]
fn the_palette_offers_every_layer_kind_and_each_round_trips() {
    use strum::IntoEnumIterator;
    let offered: std::collections::BTreeSet<LayerKind> = Layer::palette()
        .iter()
        .flat_map(|g| g.items.iter().map(|i| i.layer.kind()))
        .collect();
    let missing: Vec<LayerKind> = LayerKind::iter().filter(|k| !offered.contains(k)).collect();
    assert!(missing.is_empty(), "not in the palette: {missing:?}");
    for item in Layer::palette().into_iter().flat_map(|g| g.items) {
        let text = ron::to_string(&item.layer).unwrap();
        let back: Layer = ron::from_str(&text).unwrap();
        assert_eq!(back, item.layer, "{} through RON: {text}", item.name);
        // A field for the layer on a map input big enough for any default kernel.
        let mut network = Network {
            input: InputShape {
                channels: 16,
                height: 32,
                width: 32,
            },
            layers: vec![
                item.layer.clone(),
                Layer::Flatten,
                Layer::Linear(Linear {
                    out_features: 10,
                    ..Linear::default()
                }),
            ],
            ..Network::default()
        };
        if matches!(item.layer, Layer::Linear(_)) {
            network.layers.insert(0, Layer::Flatten);
        }
        let summary = infer(&network).unwrap_or_else(|e| panic!("{}: {e}", item.name));
        let fields = spec::lab::receptive::fields_of(&network, &summary);
        assert_eq!(fields.len(), network.layers.len(), "{}", item.name);
    }
}

/// The Learn lab plots every activation of the palette (GELU in both forms) with its own
/// parameters; the per-kind facts agree with each other.
#[test]
fn the_learn_lab_plots_every_activation_with_its_parameters() {
    let forms = Activation::lab_forms(0.2, 0.5, 1.702, 0.3);
    assert_eq!(
        forms.len(),
        Activation::ALL.len() + 1,
        "GELU twice: tanh and erf"
    );
    for a in Activation::ALL {
        assert!(
            forms.iter().any(|f| f.name() == a.name()),
            "{} missing from the lab",
            a.name()
        );
    }
    assert!(forms.contains(&Activation::LeakyRelu { slope: 0.2 }));
    assert!(forms.contains(&Activation::Elu { alpha: 0.5 }));
    assert!(forms.contains(&Activation::Swish { beta: 1.702 }));
    assert!(forms.contains(&Activation::Gelu {
        form: spec::activation::GeluForm::Erf
    }));
    for a in Activation::ALL {
        // A bounded function flattens at its bounds; one dead exactly where not positive
        // is piecewise linear and does not.
        assert!(a.bounds().is_none() || a.saturates(), "{}", a.name());
        assert!(
            !(a.dead_where_not_positive() && a.saturates()),
            "{}",
            a.name()
        );
    }
}

/// The dataset-format registry: each format once, its source round-trips to it, and the
/// exported project's `data.py` has the loader it names.
#[test]
fn every_dataset_format_is_registered_once_with_a_python_loader() {
    let data_py = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../export/python/data.py"
    ))
    .unwrap();
    let mut seen = std::collections::HashSet::new();
    for info in &FORMATS {
        assert!(seen.insert(info.format), "{:?} twice", info.format);
        assert_eq!(info.format.info(), info);
        let source = info.format.source("some/folder".into());
        assert_eq!(source.format(), Some(info.format));
        assert_eq!(source.input(), info.input);
        assert!(source.describe().starts_with(info.describes_as));
        let round: DataSource = ron::from_str(&ron::to_string(&source).unwrap()).unwrap();
        assert_eq!(round, source);
        let loader = format!("def load_{}(", info.python);
        assert!(data_py.contains(&loader), "data.py lacks {loader}");
    }
    for d in DOWNLOADABLE {
        assert!(d.input().is_some(), "{}: its format fixes no input", d.name);
    }
}
