#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! Engine on CPU: built shapes, activation formulas against PyTorch, determinism, trainer
//! control, divergence, failures, checkpoints, data errors and a short real MNIST run.
use cnn_workbench::engine::checkpoint;
use cnn_workbench::engine::data::{idx, synthetic, Dataset, DecodeSpec, Split};
use cnn_workbench::engine::layers::activation::apply;
use cnn_workbench::engine::tch;
use cnn_workbench::engine::train::loss_value;
use cnn_workbench::engine::{Model, RunOptions, Trainer};
use cnn_workbench::launch::start as start_run;
use cnn_workbench::protocol::{Command, Event};
use cnn_workbench::spec::layer::*;
use cnn_workbench::spec::*;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tch::{Device, Kind, Tensor};

fn mnist() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/mnist");
    assert!(
        p.is_dir(),
        "the MNIST test data is expected at {}",
        p.display()
    );
    p
}

fn preset(name: &str) -> Preset {
    Preset::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("presets")
            .join(name),
    )
    .unwrap()
}

/// LeNet-5 on a small slice of the synthetic data: quick to train.
fn tiny(seed: u64) -> Preset {
    let mut p = preset("lenet5.ron");
    p.data.synthetic_size = 600;
    p.training.epochs = 1;
    p.training.batch_size = 32;
    p.training.seed = seed;
    p.training.threads = 1;
    p.training.probe_every_steps = 5;
    p
}

fn conv(out: usize, k: usize) -> Layer {
    Layer::Conv2d(Conv2d {
        out_channels: out,
        kernel: k,
        ..Conv2d::default()
    })
}

fn act(a: Activation) -> Layer {
    Layer::Activation(ActivationLayer { act: Some(a) })
}

fn norm(n: Norm) -> Layer {
    Layer::Norm(NormLayer { kind: Some(n) })
}

fn assert_close(got: &Tensor, want: &[f64], tol: f64, what: &str) {
    let got = Vec::<f64>::try_from(got.to_kind(Kind::Double).flatten(0, -1)).unwrap();
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tol, "{what}: got {got:?}, want {want:?}");
    }
}

fn check_shapes(network: &Network) {
    let model = Model::build(network, Device::Cpu, 7).unwrap();
    let x = Tensor::randn(
        [
            3,
            network.input.channels as i64,
            network.input.height as i64,
            network.input.width as i64,
        ],
        (Kind::Float, Device::Cpu),
    );
    for train in [true, false] {
        let outs = model.forward_all(&x, train);
        // zip stops at the shorter: without this a missing output would go unchecked.
        assert_eq!(
            outs.len(),
            model.summary.layers.len(),
            "one output per layer"
        );
        for (info, out) in model.summary.layers.iter().zip(&outs) {
            assert_eq!(
                out.size(),
                info.output.with_batch(3),
                "layer {} {} (train={train})",
                info.index,
                info.label
            );
        }
    }
    let trainable: i64 = model
        .vs
        .trainable_variables()
        .iter()
        .map(|t| t.numel() as i64)
        .sum();
    assert_eq!(
        trainable as usize, model.summary.total_params,
        "parameter count"
    );
}

/// Every entry of the palette (which offers every layer kind: `tests/plain/spec.rs`) builds in
/// libtorch to the shape and parameter count inference gives, and has a PyTorch expression
/// for export.
#[test]
fn every_palette_entry_builds_to_its_inferred_shape_and_exports() {
    for item in Layer::palette().into_iter().flat_map(|g| g.items) {
        let mut network = Network {
            input: InputShape {
                channels: 16,
                height: 32,
                width: 32,
            },
            classes: 10,
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
        // A dense layer takes flat features.
        let at = usize::from(matches!(item.layer, Layer::Linear(_)));
        if at == 1 {
            network.layers.insert(0, Layer::Flatten);
        }
        check_shapes(&network);
        let summary = infer(&network).unwrap();
        let input = match at {
            0 => summary.input,
            _ => summary.layers[0].output,
        };
        let expr = cnn_workbench::export::model_py::layer_expr(
            &item.layer,
            input,
            &network.defaults(),
            "",
        )
        .unwrap_or_else(|e| panic!("{}: no PyTorch expression: {e}", item.name));
        assert!(!expr.trim().is_empty(), "{}", item.name);
    }
}

#[test]
fn every_layer_kind_builds_to_its_inferred_shape_and_parameter_count() {
    let maps = Network {
        input: InputShape {
            channels: 3,
            height: 17,
            width: 17,
        },
        classes: 10,
        norm: Norm::Batch,
        layers: vec![
            Layer::Conv2d(Conv2d {
                out_channels: 12,
                kernel: 3,
                stride: 2,
                padding: Padding::Pixels(1),
                dilation: 1,
                groups: 3,
                bias: true,
                init: Some(Init::Xavier),
                kernel_w: None,
            }),
            Layer::Conv2d(Conv2d {
                out_channels: 12,
                kernel: 3,
                dilation: 2,
                padding: Padding::Same,
                init: Some(Init::Uniform),
                ..Conv2d::default()
            }),
            norm(Norm::Batch),
            norm(Norm::Layer),
            norm(Norm::Instance),
            norm(Norm::Group { groups: 3 }),
            norm(Norm::Off),
            act(Activation::Dice {
                eps: 1e-8,
                alpha_init: 0.25,
            }),
            Layer::MaxPool(MaxPool(Pool {
                kernel: 3,
                stride: Some(1),
                padding: 1,
                ..Pool::default()
            })),
            Layer::AvgPool(AvgPool(Pool {
                kernel: 2,
                stride: Some(1),
                padding: 0,
                ..Pool::default()
            })),
            Layer::L2Pool(L2Pool(Pool {
                kernel: 2,
                stride: None,
                padding: 1,
                ..Pool::default()
            })),
            Layer::Residual(Residual {
                out_channels: 16,
                stride: 2,
                act: Some(Activation::Elu { alpha: 1.0 }),
                norm: None,
            }),
            Layer::Residual(Residual::default()),
            Layer::Bottleneck(Bottleneck {
                mid_channels: 4,
                out_channels: 16,
                stride: 1,
                act: None,
                norm: Some(Norm::Group { groups: 2 }),
            }),
            Layer::Inception(Inception::default()),
            Layer::NiN(NiN {
                out_channels: 8,
                kernel: 3,
                stride: 2,
                padding: Padding::Pixels(1),
                act: None,
                norm: Some(Norm::Off),
            }),
            Layer::Dropout2d(Dropout2d(Dropout { p: 0.2 })),
            Layer::GlobalAvgPool,
            norm(Norm::Batch),
            norm(Norm::Layer),
            act(Activation::Dice {
                eps: 1e-8,
                alpha_init: 0.0,
            }),
            Layer::Dropout(Dropout { p: 0.3 }),
            Layer::Linear(Linear {
                out_features: 10,
                bias: false,
                init: Some(Init::Msra),
            }),
        ],
        ..Network::default()
    };
    check_shapes(&maps);
    let flat = Network {
        layers: vec![
            conv(4, 5),
            Layer::Flatten,
            Layer::Linear(Linear {
                out_features: 32,
                ..Linear::default()
            }),
            act(Activation::Gelu {
                form: GeluForm::Erf,
            }),
            Layer::Linear(Linear::default()),
        ],
        ..Network::default()
    };
    check_shapes(&flat);
}

#[test]
fn activations_match_pytorch() {
    // Values from PyTorch 2.13:
    //   x = torch.tensor([-3.0, -1.0, -0.25, 0.0, 0.5, 2.0], dtype=torch.float64)
    //   F.leaky_relu(x, 0.1); F.elu(x, 0.5); F.selu(x); F.gelu(x, approximate='tanh');
    //   F.gelu(x); x*torch.sigmoid(x); x*torch.sigmoid(1.702*x); F.mish(x); torch.sigmoid(x);
    //   torch.tanh(x)
    let x = Tensor::from_slice(&[-3.0f64, -1.0, -0.25, 0.0, 0.5, 2.0]);
    let cases: Vec<(Activation, [f64; 6])> = vec![
        (Activation::Relu, [0.0, 0.0, 0.0, 0.0, 0.5, 2.0]),
        (
            Activation::LeakyRelu { slope: 0.1 },
            [-0.3, -0.1, -0.025, 0.0, 0.5, 2.0],
        ),
        (
            Activation::Elu { alpha: 0.5 },
            [
                -0.475106465816068,
                -0.31606027941427883,
                -0.11059960846429756,
                0.0,
                0.5,
                2.0,
            ],
        ),
        (
            Activation::Selu,
            [
                -1.6705687287671118,
                -1.1113307378125625,
                -0.388890197478119,
                0.0,
                0.5253504936777402,
                2.101401974710961,
            ],
        ),
        (
            Activation::Gelu {
                form: GeluForm::Tanh,
            },
            [
                -0.0036373920817729943,
                -0.15880800939172324,
                -0.100324649298315,
                0.0,
                0.34571400982514394,
                1.954597694087775,
            ],
        ),
        (
            Activation::Gelu {
                form: GeluForm::Erf,
            },
            [
                -0.00404969409489031,
                -0.15865525393145702,
                -0.10032341857926907,
                0.0,
                0.34573123063700656,
                1.9544997361036416,
            ],
        ),
        (
            Activation::Swish { beta: 1.0 },
            [
                -0.14227761953270035,
                -0.2689414213699951,
                -0.10945587477855048,
                0.0,
                0.3112296656009273,
                1.7615941559557646,
            ],
        ),
        (
            Activation::Swish { beta: 1.702 },
            [
                -0.01807130970778597,
                -0.1542042340671787,
                -0.09880035009980583,
                0.0,
                0.35038843660638014,
                1.9356586231442083,
            ],
        ),
        (
            Activation::Mish,
            [
                -0.1456474612756246,
                -0.30340146137410895,
                -0.129926963679141,
                0.0,
                0.3752452113048951,
                1.9439589595339946,
            ],
        ),
        (
            Activation::Sigmoid,
            [
                0.04742587317756678,
                0.2689414213699951,
                0.43782349911420193,
                0.5,
                0.6224593312018546,
                0.8807970779778823,
            ],
        ),
        (
            Activation::Tanh,
            [
                -0.9950547536867305,
                -0.7615941559557649,
                -0.24491866240370913,
                0.0,
                0.46211715726000974,
                0.9640275800758169,
            ],
        ),
    ];
    for (a, want) in cases {
        assert_close(&apply(a, &x).unwrap(), &want, 1e-12, a.name());
    }
    // The lecture's GELU formula, written out, agrees with the tanh form.
    let c = (2.0f64 / std::f64::consts::PI).sqrt();
    let lecture: Vec<f64> = [-3.0f64, -1.0, -0.25, 0.0, 0.5, 2.0]
        .iter()
        .map(|&v| 0.5 * v * (1.0 + (c * (v + 0.044715 * v * v * v)).tanh()))
        .collect();
    assert_close(
        &apply(
            Activation::Gelu {
                form: GeluForm::Tanh,
            },
            &x,
        )
        .unwrap(),
        &lecture,
        1e-12,
        "lecture GELU",
    );
}

#[test]
fn pooling_matches_the_lecture_example() {
    // The lecture's 4×4 example; L2 from torch: F.lp_pool2d(m, 2, 2) / 2 (= √mean of squares).
    let m = Tensor::from_slice(&[
        2.0f32, 2., 4., 4., 2., 4., 8., 4., 4., 4., 4., 1., 6., 10., 3., 4.,
    ])
    .view([1, 1, 4, 4]);
    let net = |layer: Layer| Network {
        input: InputShape {
            channels: 1,
            height: 4,
            width: 4,
        },
        classes: 4,
        layers: vec![layer, Layer::Flatten],
        ..Network::default()
    };
    let run = |layer: Layer| {
        Model::build(&net(layer), Device::Cpu, 0)
            .unwrap()
            .forward_t(&m, false)
    };
    assert_close(
        &run(Layer::MaxPool(MaxPool(Pool::default()))),
        &[4.0, 8.0, 10.0, 4.0],
        0.0,
        "max",
    );
    assert_close(
        &run(Layer::AvgPool(AvgPool(Pool::default()))),
        &[2.5, 5.0, 6.0, 3.0],
        0.0,
        "avg",
    );
    assert_close(
        &run(Layer::L2Pool(L2Pool(Pool::default()))),
        &[
            2.6457513110645907,
            5.291502622129181,
            6.48074069840786,
            3.24037034920393,
        ],
        1e-5,
        "L2",
    );
}

#[test]
fn losses_match_pytorch() {
    // logits = [[1.0, 2.0, 0.5], [0.1, -0.3, 0.8]], y = [0, 2]:
    // F.multi_margin_loss(logits, y, margin=1.0) = 0.4666666666666667,
    // F.cross_entropy(logits, y) = 1.0341938254073617
    let logits = Tensor::from_slice(&[1.0f32, 2.0, 0.5, 0.1, -0.3, 0.8]).view([2, 3]);
    let y = Tensor::from_slice(&[0i64, 2]);
    assert_close(
        &loss_value(&logits, &y, Loss::Hinge { margin: 1.0 }),
        &[0.4666666666666667],
        1e-6,
        "hinge",
    );
    assert_close(
        &loss_value(&logits, &y, Loss::CrossEntropy),
        &[1.0341938254073617],
        1e-6,
        "cross-entropy",
    );
    // F.cross_entropy(logits, y, label_smoothing=0.1) = 1.0558604001998901
    assert_close(
        &loss_value(&logits, &y, Loss::SmoothedCrossEntropy { smoothing: 0.1 }),
        &[1.0558604001998901],
        1e-6,
        "label smoothing",
    );
}

#[test]
fn dice_uses_batch_statistics_in_training_and_running_statistics_in_eval() {
    let network = Network {
        layers: vec![
            conv(4, 3),
            act(Activation::Dice {
                eps: 1e-8,
                alpha_init: 0.1,
            }),
            Layer::GlobalAvgPool,
            Layer::Linear(Linear::default()),
        ],
        ..Network::default()
    };
    let model = Model::build(&network, Device::Cpu, 1).unwrap();
    let x = Tensor::randn([8, 1, 28, 28], (Kind::Float, Device::Cpu)) * 3.0 + 2.0;
    let eval1 = model.forward_t(&x, false);
    let train = model.forward_t(&x, true);
    let eval2 = model.forward_t(&x, false);
    assert!(
        f64::try_from((&train - &eval1).abs().max()).unwrap() > 1e-3,
        "train and eval should differ"
    );
    // Training updated the running statistics, so eval changed too — and is deterministic.
    assert!(f64::try_from((&eval2 - &eval1).abs().max()).unwrap() > 1e-6);
    assert_eq!(
        f64::try_from((model.forward_t(&x, false) - &eval2).abs().max()).unwrap(),
        0.0
    );
}

fn run(p: Preset, opts: RunOptions) -> Vec<Event> {
    start_run(p, opts).unwrap().wait()
}

fn losses(dir: &Path) -> Vec<f64> {
    cnn_workbench::runs::folder::read_csv(&dir.join("steps.csv"))
        .unwrap()
        .iter()
        .map(|r| r[2])
        .collect()
}

/// Builds models on another thread until `stop` is set, as a comparison's ensembles or the
/// inspector do while a run trains: each build seeds libtorch's one generator.
fn build_models_until(stop: std::sync::Arc<std::sync::atomic::AtomicBool>) -> usize {
    let network = preset("lenet5.ron").network;
    let mut built = 0;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        Model::build(&network, Device::Cpu, built as u64).unwrap();
        built += 1;
    }
    built
}

#[test]
fn same_seed_gives_identical_losses_and_a_different_seed_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let mut dirs = Vec::new();
    for (i, seed) in [5u64, 5, 6].iter().enumerate() {
        // The second run trains while models are built beside it: its numbers must not move.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let builder = (i == 1).then(|| {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("build-models".into())
                .spawn(move || build_models_until(stop))
                .unwrap()
        });
        let dir = tmp.path().join(format!("r{i}"));
        let mut p = tiny(*seed);
        p.training.augment = Augment::standard();
        p.network
            .layers
            .insert(8, Layer::Dropout(Dropout { p: 0.2 }));
        let events = run(
            p,
            RunOptions {
                run_dir: Some(dir.clone()),
                ..RunOptions::default()
            },
        );
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(builder) = builder {
            assert!(
                builder.join().unwrap() > 0,
                "no model was built beside the run"
            );
        }
        assert!(
            matches!(events.last(), Some(Event::Finished(_))),
            "{:?}",
            events.last()
        );
        dirs.push(dir);
    }
    let (a, b, c) = (losses(&dirs[0]), losses(&dirs[1]), losses(&dirs[2]));
    assert!(a.len() >= 15);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn a_run_streams_metrics_probes_and_writes_its_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let mut p = tiny(3);
    p.network.activation = Activation::Sigmoid;
    let events = run(
        p,
        RunOptions {
            run_dir: Some(dir.clone()),
            step_interval: Duration::ZERO,
            ..RunOptions::default()
        },
    );
    let Event::Started(s) = &events[0] else {
        panic!("first event {:?}", events[0])
    };
    assert_eq!(s.summary.total_params, 61_706);
    assert_eq!(
        s.probed_layers.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        vec![2, 5, 9, 11]
    );
    let steps = events
        .iter()
        .filter(|e| matches!(e, Event::Step(_)))
        .count();
    assert!(steps > 5, "{steps} step events");
    let probe = events
        .iter()
        .find_map(|e| {
            if let Event::Probe(p) = e {
                Some(p)
            } else {
                None
            }
        })
        .unwrap();
    assert_eq!(probe.layers.len(), 4);
    for l in &probe.layers {
        assert_eq!(l.histogram.len(), cnn_workbench::protocol::HIST_BINS);
        assert!((l.histogram.iter().sum::<f32>() - 1.0).abs() < 1e-3);
        assert!((0.0..=1.0).contains(&l.dead_fraction));
        assert!(l.saturated_fraction.is_some(), "sigmoid is bounded");
        // Sigmoid outputs are never ≤ 0 except by underflow: none dead.
        assert!(l.dead_fraction < 0.01);
    }
    assert!(probe.grad_norms.iter().any(|g| g.norm > 0.0));
    let Some(Event::Finished(f)) = events.last() else {
        panic!("{:?}", events.last())
    };
    assert!(f.test_accuracy.is_finite() && !f.stopped);
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::Epoch(m) if m.epoch == 1)));
    for name in [
        "preset.ron",
        "metrics.csv",
        "steps.csv",
        "model.safetensors",
    ] {
        assert!(dir.join(name).is_file(), "{name}");
    }
    assert_eq!(
        Preset::load(&dir.join("preset.ron"))
            .unwrap()
            .network
            .activation,
        Activation::Sigmoid
    );
}

#[test]
fn pause_resume_and_stop_are_obeyed() {
    let mut p = tiny(1);
    p.data.synthetic_size = 3000;
    p.training.epochs = 20;
    let mut t = start_run(
        p,
        RunOptions {
            step_interval: Duration::ZERO,
            ..RunOptions::default()
        },
    )
    .unwrap();
    let next_step = |t: &mut Trainer| loop {
        match t.recv_timeout(Duration::from_secs(60)).expect("event") {
            Event::Step(m) => return m.step,
            e if e.is_terminal() => panic!("ended: {e:?}"),
            _ => {}
        }
    };
    next_step(&mut t);
    t.send(Command::Pause);
    let paused_at = loop {
        match t.recv_timeout(Duration::from_secs(60)).expect("event") {
            Event::Paused { step } => break step,
            e if e.is_terminal() => panic!("ended: {e:?}"),
            _ => {}
        }
    };
    // Drain what was already queued, then nothing may arrive while paused.
    while t.recv_timeout(Duration::from_millis(100)).is_some() {}
    assert!(
        t.recv_timeout(Duration::from_millis(400)).is_none(),
        "events while paused"
    );
    t.send(Command::Resume);
    assert!(
        matches!(t.recv_timeout(Duration::from_secs(10)), Some(Event::Resumed { step }) if step == paused_at)
    );
    assert!(next_step(&mut t) > paused_at);
    t.send(Command::Stop);
    let last = t.wait().into_iter().last();
    let Some(Event::Finished(f)) = last else {
        panic!("{last:?}")
    };
    assert!(f.stopped);
    assert!(f.steps < 20 * 84);
}

#[test]
fn a_nan_loss_ends_the_run_as_diverged() {
    let mut p = tiny(1);
    p.training.optimizer = Optimizer::Sgd {
        momentum: 0.0,
        nesterov: false,
    };
    p.training.learning_rate = 1e30;
    let events = run(p, RunOptions::default());
    let Some(Event::Diverged { step, last }) = events.last() else {
        panic!("{:?}", events.last())
    };
    // The first step's loss is finite (the weights are still the initial ones); the update
    // with lr 1e30 makes the next one infinite, so the run diverges right after a good step.
    let last = last.expect("a finite step before the divergence");
    assert!(last.loss.is_finite(), "{last:?}");
    assert_eq!(*step, last.step + 1);
}

#[test]
fn a_panic_on_the_trainer_thread_becomes_a_failed_event() {
    let events = run(
        tiny(1),
        RunOptions {
            inject_panic_at_step: Some(2),
            ..RunOptions::default()
        },
    );
    let Some(Event::Failed { reason }) = events.last() else {
        panic!("{:?}", events.last())
    };
    assert!(reason.contains("injected failure at step 2"), "{reason}");
}

#[test]
fn impossible_settings_fail_with_a_reason() {
    let mut p = tiny(1);
    p.training.device = "cuda:7".into();
    let events = run(p, RunOptions::default());
    assert!(
        matches!(events.last(), Some(Event::Failed { reason }) if reason.to_lowercase().contains("cuda")),
        "{:?}",
        events.last()
    );
    let mut p = tiny(1);
    p.data.source = DataSource::Synthetic { rgb: true };
    let events = run(p, RunOptions::default());
    assert!(
        matches!(events.last(), Some(Event::Failed { reason }) if reason.contains("expects 1×28×28 images") && reason.contains("3×28×28")),
        "{:?}",
        events.last()
    );
    let mut p = tiny(1);
    p.data.source = DataSource::Idx {
        folder: "/no/such/folder".into(),
    };
    let events = run(p, RunOptions::default());
    assert!(
        matches!(events.last(), Some(Event::Failed { reason }) if reason.contains("/no/such/folder")),
        "{:?}",
        events.last()
    );
}

#[test]
fn checkpoints_round_trip_and_mismatches_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let p = preset("resnet-small.ron");
    let model = Model::build(&p.network, Device::Cpu, 3).unwrap();
    // Move the weights and batch-norm statistics away from their initial values.
    let x = Tensor::randn([16, 1, 28, 28], (Kind::Float, Device::Cpu));
    for _ in 0..3 {
        let _ = model.forward_t(&x, true);
    }
    tch::no_grad(|| {
        for t in model.vs.trainable_variables() {
            let _ = t.shallow_clone().g_add_(&(t.randn_like() * 0.1));
        }
    });
    let path = checkpoint::save(tmp.path(), "model", &p, &model).unwrap();
    let (loaded_preset, loaded) = checkpoint::load(&path, Device::Cpu).unwrap();
    assert_eq!(loaded_preset, p);
    let diff = (model.forward_t(&x, false) - loaded.forward_t(&x, false))
        .abs()
        .max();
    assert_eq!(f64::try_from(diff).unwrap(), 0.0);

    // Another network: the mismatch is named exactly.
    let mut other = p.network.clone();
    other.layers[0] = Layer::Conv2d(Conv2d {
        out_channels: 16,
        kernel: 5,
        bias: false,
        ..Conv2d::default()
    });
    let mut m2 = Model::build(&other, Device::Cpu, 3).unwrap();
    let e = checkpoint::load_weights(&mut m2, &path)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("01_conv2d.weight has shape [16, 1, 3, 3] but the network needs [16, 1, 5, 5]"),
        "{e}"
    );
    let lenet = Model::build(&preset("lenet5.ron").network, Device::Cpu, 0);
    let e = checkpoint::load_weights(&mut lenet.unwrap(), &path)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("missing tensor 01_conv2d.bias") && e.contains("unexpected tensor"),
        "{e}"
    );

    // A truncated file.
    let bytes = std::fs::read(&path).unwrap();
    let cut = tmp.path().join("cut.safetensors");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let mut m3 = Model::build(&p.network, Device::Cpu, 3).unwrap();
    let e = checkpoint::load_weights(&mut m3, &cut)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("cut.safetensors") && e.contains("corrupt or truncated"),
        "{e}"
    );
}

fn write_idx(dir: &Path, name: &str, magic: u32, dims: &[u32], data: &[u8]) {
    let mut bytes = magic.to_be_bytes().to_vec();
    for d in dims {
        bytes.extend_from_slice(&d.to_be_bytes());
    }
    bytes.extend_from_slice(data);
    std::fs::write(dir.join(name), bytes).unwrap();
}

#[test]
fn bad_idx_files_give_errors_naming_the_file_and_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let e = idx::load_split(d, "train", 10).unwrap_err().to_string();
    assert!(
        e.contains("no train-images-idx3-ubyte or train-images-idx3-ubyte.gz"),
        "{e}"
    );

    write_idx(
        d,
        "train-images-idx3-ubyte",
        0x803,
        &[5, 4, 4],
        &[7u8; 5 * 16],
    );
    write_idx(d, "train-labels-idx1-ubyte", 0x801, &[5], &[0, 1, 2, 3, 4]);
    let ok = idx::load_split(d, "train", 10).unwrap();
    assert_eq!((ok.len(), ok.height, ok.width), (5, 4, 4));

    write_idx(d, "train-labels-idx1-ubyte", 0x801, &[5], &[0, 1, 12, 3, 4]);
    let e = idx::load_split(d, "train", 10).unwrap_err().to_string();
    assert!(
        e.contains("train-labels-idx1-ubyte: label 12 at index 2 is outside 0–9"),
        "{e}"
    );

    write_idx(d, "train-labels-idx1-ubyte", 0x801, &[4], &[0, 1, 2, 3]);
    let e = idx::load_split(d, "train", 10).unwrap_err().to_string();
    assert!(
        e.contains("has 5 images but") && e.contains("has 4 labels"),
        "{e}"
    );

    write_idx(d, "train-images-idx3-ubyte", 0x803, &[5, 4, 4], &[7u8; 30]);
    let e = idx::load_split(d, "train", 10).unwrap_err().to_string();
    assert!(e.contains("train-images-idx3-ubyte: truncated: the header promises 5×4×4 = 80 bytes of data but only 30 follow"), "{e}");

    write_idx(d, "train-images-idx3-ubyte", 0x801, &[5], &[0; 5]);
    let e = idx::load_split(d, "train", 10).unwrap_err().to_string();
    assert!(e.contains("not an IDX image file"), "{e}");

    // A real file cut short: gzip notices.
    let real = std::fs::read(mnist().join("t10k-labels-idx1-ubyte.gz")).unwrap();
    std::fs::write(d.join("t10k-labels-idx1-ubyte.gz"), &real[..real.len() / 2]).unwrap();
    std::fs::copy(
        mnist().join("t10k-images-idx3-ubyte.gz"),
        d.join("t10k-images-idx3-ubyte.gz"),
    )
    .unwrap();
    let e = idx::load_split(d, "t10k", 10).unwrap_err().to_string();
    assert!(
        e.contains("t10k-labels-idx1-ubyte.gz") && e.contains("corrupt or truncated gzip"),
        "{e}"
    );
}

#[test]
fn synthetic_data_is_deterministic_balanced_and_normalized() {
    let a = synthetic::generate(200, false, 9);
    let b = synthetic::generate(200, false, 9);
    assert_eq!(a.pixels, b.pixels);
    assert_ne!(a.pixels, synthetic::generate(200, false, 10).pixels);
    for class in 0..10i64 {
        assert_eq!(a.labels.iter().filter(|&&l| l == class).count(), 20);
    }
    let rgb = synthetic::generate(20, true, 1);
    assert_eq!(rgb.pixels.len(), 20 * 3 * 28 * 28);
    let spec = DataSpec {
        synthetic_size: 600,
        ..DataSpec::default()
    };
    let ds = Dataset::load(&spec, GRAY28, Device::Cpu).unwrap();
    assert_eq!(
        (ds.train_len(), ds.val_len(), ds.test_len()),
        (540, 60, 100)
    );
    let m = f64::try_from(train_x(&ds).mean(Kind::Double)).unwrap();
    let s = f64::try_from(train_x(&ds).std(true)).unwrap();
    assert!(m.abs() < 1e-4 && (s - 1.0).abs() < 1e-3, "mean {m} std {s}");
}

#[test]
fn augmentation_keeps_shapes_and_is_reproducible() {
    use cnn_workbench::engine::augment::{apply, AugmentContext};
    use rand::SeedableRng;
    let spec = DataSpec {
        synthetic_size: 60,
        source: DataSource::Synthetic { rgb: true },
        ..DataSpec::default()
    };
    let ds = Dataset::load(&spec, RGB28, Device::Cpu).unwrap();
    let bg: Vec<f32> = ds.mean.iter().zip(&ds.std).map(|(m, s)| -m / s).collect();
    let ctx = AugmentContext {
        background: &bg,
        std: &ds.std,
        pca: ds.pca.as_ref(),
        cropped: false,
    };
    let all = Augment {
        hflip: true,
        crop_padding: 2,
        scale: 0.1,
        translate: 0.1,
        rotate_degrees: 15.0,
        shear_degrees: 10.0,
        brightness: 0.2,
        contrast: 0.2,
        pca_noise: 0.1,
        random_resized_crop: 0.5,
    };
    let x = train_x(&ds).narrow(0, 0, 8);
    let run = |seed| {
        apply(
            &x,
            &all,
            &ctx,
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(seed),
        )
    };
    let (a, b, c) = (run(1), run(1), run(2));
    assert_eq!(a.size(), x.size());
    assert_eq!(f64::try_from((&a - &b).abs().max()).unwrap(), 0.0);
    assert!(f64::try_from((&a - &c).abs().max()).unwrap() > 0.1);
    assert!(f64::try_from((&a - &x).abs().max()).unwrap() > 0.1);
    // A flip alone, applied to a left-right mirrored pair, is exact.
    let flip_only = Augment {
        hflip: true,
        ..Augment::default()
    };
    let f = apply(
        &x,
        &flip_only,
        &ctx,
        &mut rand_chacha::ChaCha8Rng::seed_from_u64(4),
    );
    for i in 0..8 {
        let same = f64::try_from((f.get(i) - x.get(i)).abs().max()).unwrap() < 1e-5;
        let mirrored = f64::try_from((f.get(i) - x.get(i).flip([2])).abs().max()).unwrap() < 1e-5;
        assert!(same || mirrored, "image {i} is neither kept nor mirrored");
    }
}

#[test]
fn lenet5_on_an_mnist_subset_reaches_a_sane_accuracy() {
    let mut p = preset("lenet5.ron");
    p.data.source = DataSource::Idx { folder: mnist() };
    p.data.train_limit = Some(4000);
    p.data.test_limit = Some(1000);
    p.training.epochs = 2;
    let events = run(p, RunOptions::default());
    let Some(Event::Finished(f)) = events.last() else {
        panic!("{:?}", events.last())
    };
    assert!(f.test_accuracy > 0.9, "test accuracy {}", f.test_accuracy);
}

#[test]
fn the_synthetic_data_is_learnable_but_not_trivial() {
    let mut p = preset("lenet5.ron");
    p.data.synthetic_size = 3000;
    p.training.epochs = 2;
    let events = run(p, RunOptions::default());
    let Some(Event::Finished(f)) = events.last() else {
        panic!("{:?}", events.last())
    };
    assert!(
        f.test_accuracy > 0.5 && f.test_accuracy < 0.995,
        "test accuracy {}",
        f.test_accuracy
    );
}

#[test]
fn libtorch_errors_are_shortened_to_their_message() {
    use cnn_workbench::engine::trainer::panic_text;
    let payload: Box<dyn std::any::Any + Send> = Box::new(String::from(
        r#"called `Result::unwrap()` on an `Err` value: Torch("CUDA out of memory. Tried to allocate 2.00 GiB\nException raised from malloc at c10/cuda/CUDACachingAllocator.cpp:1 (most recent call first):\nframe #0: ...")"#,
    ));
    assert_eq!(
        panic_text(payload.as_ref()),
        "out of memory — lower the batch size or the input size (the training panel and `summary` estimate what fits). libtorch: CUDA out of memory. Tried to allocate 2.00 GiB"
    );
}

#[test]
fn every_bundled_preset_trains() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets");
    // The CIFAR presets train on a small CIFAR-10 binary folder in the real format.
    let cifar = tempfile::tempdir().unwrap();
    for name in ["data_batch_1.bin", "test_batch.bin"] {
        let data: Vec<u8> = (0..60usize)
            .flat_map(|i| {
                std::iter::once((i % 10) as u8).chain((0..3072).map(move |j| ((i * j) % 251) as u8))
            })
            .collect();
        std::fs::write(cifar.path().join(name), data).unwrap();
    }
    let mut trained = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        // presets/zoo/ holds the full-size networks, checked by tests/zoo.rs.
        if path.is_dir() {
            continue;
        }
        let mut p = Preset::load(&path).unwrap();
        if matches!(p.data.source, DataSource::Downloaded { .. }) {
            p.data.source = DataSource::Cifar {
                folder: cifar.path().into(),
            };
        }
        p.data.synthetic_size = 300;
        p.training.max_steps = Some(6);
        p.training.batch_size = 16;
        let events = run(p, RunOptions::default());
        let Some(Event::Finished(f)) = events.last() else {
            panic!("{}: {:?}", path.display(), events.last())
        };
        assert_eq!(f.steps, 6, "{}", path.display());
        assert!(f.test_loss.is_finite(), "{}", path.display());
        trained += 1;
    }
    assert!(
        trained >= library::BUNDLED.len(),
        "{trained} presets trained"
    );
}

#[test]
fn checkpoints_every_n_epochs_and_on_demand() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let mut p = tiny(2);
    p.data.synthetic_size = 200;
    p.training.epochs = 4;
    p.training.checkpoint_every_epochs = 2;
    p.training.checkpoint_best = false;
    let t = start_run(
        p,
        RunOptions {
            run_dir: Some(dir.clone()),
            ..RunOptions::default()
        },
    )
    .unwrap();
    t.send(Command::SaveCheckpoint(None));
    let events = t.wait();
    assert!(
        matches!(events.last(), Some(Event::Finished(_))),
        "{:?}",
        events.last()
    );
    let saved: Vec<String> = events
        .iter()
        .filter_map(|e| {
            if let Event::CheckpointSaved { path, .. } = e {
                path.file_name().map(|n| n.to_string_lossy().into_owned())
            } else {
                None
            }
        })
        .collect();
    assert!(
        saved.contains(&"epoch-2.safetensors".to_string())
            && saved.contains(&"epoch-4.safetensors".to_string()),
        "{saved:?}"
    );
    assert!(
        saved.iter().any(|n| n.starts_with("step-")),
        "on-demand checkpoint: {saved:?}"
    );
    assert!(!dir.join("best.safetensors").exists());
    // Each loads back into the network.
    for n in &saved {
        checkpoint::load(&dir.join(n), Device::Cpu).unwrap();
    }
}

#[test]
fn the_thread_count_is_clamped_to_the_cores_said_and_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let mut p = tiny(1);
    p.training.threads = 4096;
    p.training.max_steps = Some(3);
    let events = run(
        p,
        RunOptions {
            run_dir: Some(dir.clone()),
            ..RunOptions::default()
        },
    );
    let cores = std::thread::available_parallelism().unwrap().get();
    let Event::Started(s) = &events[0] else {
        panic!("{:?}", events[0])
    };
    assert_eq!(s.threads, cores);
    assert!(events.iter().any(|e| matches!(e,
        Event::Warning(w) if w.contains("4096 threads asked for") && w.contains(&format!("using {cores}")))));
    assert!(matches!(events.last(), Some(Event::Finished(_))));
    let meta = cnn_workbench::runs::folder::load_meta(&dir).unwrap();
    assert_eq!(meta.threads, Some(cores));
}

#[test]
fn dead_and_saturated_units_are_defined_by_the_gradient() {
    use cnn_workbench::engine::layers::activation::apply;
    use cnn_workbench::engine::stats::layer_stats;
    // z: 3 probe images × 2 channels × 1 × 2 positions, all at one value.
    let at = |v: f32| Tensor::full([3, 2, 1, 2], v as f64, (tch::Kind::Float, Device::Cpu));
    let stats = |act: Activation, v: f32| {
        let z = at(v);
        let out = apply(act, &z).unwrap();
        let s = layer_stats(1, "x", &out, Some(act), Some(&z));
        (s.dead_fraction, s.saturated_fraction)
    };
    // ReLU: derivative 0 for z < 0 → every unit dead; piecewise linear → no saturation.
    assert_eq!(stats(Activation::Relu, -1.0), (1.0, None));
    assert_eq!(stats(Activation::Relu, 1.0), (0.0, None));
    // Leaky ReLU: derivative 0.01 on negative inputs → alive (the old "never positive" rule
    // called all of these dead).
    assert_eq!(
        stats(Activation::LeakyRelu { slope: 0.01 }, -1.0),
        (0.0, None)
    );
    // ELU at z = −5: derivative α·e^z = 0.0067 (torch.autograd on F.elu) — alive, but below 2%
    // of its largest derivative (1): on the negative plateau, saturated.
    assert_eq!(
        stats(Activation::Elu { alpha: 1.0 }, -5.0),
        (0.0, Some(1.0))
    );
    assert_eq!(stats(Activation::Elu { alpha: 1.0 }, 0.5), (0.0, Some(0.0)));
    // Sigmoid at ±10: σ'(10) = 4.5e-5 < 2% of σ'(0) = 0.25 → saturated, not dead; at 0 neither.
    assert_eq!(stats(Activation::Sigmoid, 10.0), (0.0, Some(1.0)));
    assert_eq!(stats(Activation::Sigmoid, -10.0), (0.0, Some(1.0)));
    assert_eq!(stats(Activation::Sigmoid, 0.0), (0.0, Some(0.0)));
    // Tanh at 3: 1 − tanh²(3) = 0.0099 < 0.02 → saturated.
    assert_eq!(stats(Activation::Tanh, 3.0), (0.0, Some(1.0)));
    // Mish far below zero: the derivative vanishes (dead, and saturated).
    let (dead, sat) = stats(Activation::Mish, -40.0);
    assert_eq!((dead, sat), (1.0, Some(1.0)));
    assert_eq!(stats(Activation::Mish, 2.0), (0.0, Some(0.0)));
}

#[test]
fn histograms_use_fixed_symmetric_log_bins_and_count_what_is_beyond() {
    use cnn_workbench::engine::stats::layer_stats;
    use cnn_workbench::protocol::{HistBins, HIST_BINS};
    // m = 10 ** torch.linspace(-2, 3, 20); edges = torch.cat([-m.flip(0), [0.0], m])
    // torch.bucketize([0, 0, 0, 5, -5, 2000], edges, right=True) - 1 → [20, 20, 20, 31, 8, 40]
    // (40: beyond the last edge, counted in the last bin, 39)
    let edges = HistBins::SymLog.edges();
    assert_eq!(edges.len(), HIST_BINS + 1);
    assert_eq!(
        (edges[0], edges[20], edges[21], edges[40]),
        (-1000.0, 0.0, 0.01, 1000.0)
    );
    let out = Tensor::from_slice(&[0.0f32, 0.0, 0.0, 5.0, -5.0, 2000.0]).view([6, 1]);
    let s = layer_stats(1, "x", &out, None, None);
    assert_eq!(s.bins, HistBins::SymLog);
    let at = |i: usize| s.histogram[i];
    assert!((at(20) - 0.5).abs() < 1e-6, "{:?}", s.histogram);
    assert!((at(31) - 1.0 / 6.0).abs() < 1e-6, "{:?}", s.histogram);
    assert!((at(8) - 1.0 / 6.0).abs() < 1e-6, "{:?}", s.histogram);
    assert!((at(39) - 1.0 / 6.0).abs() < 1e-6, "{:?}", s.histogram);
    assert!((s.histogram.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    assert!(
        (s.beyond - 1.0 / 6.0).abs() < 1e-6,
        "beyond ±1000: {}",
        s.beyond
    );
}

#[test]
fn dice_follows_the_lecture_formula_in_training_and_evaluation() {
    use cnn_workbench::engine::layers::activation::ActModule;
    // p(s) = sigmoid((s − E[s]) / √(Var[s] + ε)), f(s) = p(s)·s + (1 − p(s))·α·s, per feature:
    // x = [[1, -2], [3, 0.5], [-1, 4], [2, -0.5]], α = 0.25, ε = 1e-8 (PyTorch, float64):
    //   mean = x.mean(0); var = x.var(0, unbiased=False); p = sigmoid((x - mean) / sqrt(var + eps))
    //   train = p * x + (1 - p) * alpha * x
    // then, with the running statistics after that one batch (momentum 0.1, unbiased variance):
    //   rm = 0.1 * mean; rv = 0.9 + 0.1 * x.var(0, unbiased=True); the same with rm, rv for eval.
    let train_want = [
        0.5933819607418833,
        -0.8656116910589096,
        2.4724324831476254,
        0.3125,
        -0.38445509144113577,
        3.4898139675720925,
        1.4361869806694374,
        -0.2707508440369546,
    ];
    let eval_want = [
        0.7677294685772282,
        -0.7423535758195545,
        2.8492432386676594,
        0.3460216540326095,
        -0.4472310274011669,
        3.87938360906062,
        1.771730574979826,
        -0.271744679248554,
    ];
    let vs = tch::nn::VarStore::new(Device::Cpu);
    let dice = Activation::Dice {
        eps: 1e-8,
        alpha_init: 0.25,
    };
    let module = ActModule::new(&vs.root(), dice, 2);
    let x = Tensor::from_slice(&[1.0f32, -2.0, 3.0, 0.5, -1.0, 4.0, 2.0, -0.5]).view([4, 2]);
    assert_close(
        &module.forward_t(&x, true),
        &train_want,
        1e-5,
        "Dice, training",
    );
    assert_close(
        &module.forward_t(&x, false),
        &eval_want,
        1e-5,
        "Dice, evaluation",
    );
    // Without its module Dice has no formula to apply (the old stateless shortcut is gone).
    assert!(apply(dice, &x).is_none());
}

#[test]
fn layer_instance_and_group_norm_equal_pytorchs_group_norm() {
    use cnn_workbench::engine::layers::norm::NormModule;
    use cnn_workbench::spec::Shape;
    // x = torch.tensor([...16 values...]).view(2, 4, 1, 2); weight and bias set as below;
    // nn.GroupNorm(G, 4)(x) with G = 1 (our Layer), 4 (our Instance), 2 (our Group(2)).
    let x = Tensor::from_slice(&[
        0.5f32, -1.0, 2.0, 0.0, 1.5, 3.0, -2.0, 0.25, 1.0, 1.0, -0.5, 4.0, 2.5, -3.0, 0.75, 0.1,
    ])
    .view([2, 4, 1, 2]);
    let cases = [
        (
            Norm::Layer,
            [
                0.069011, -1.418449, -0.285491, 0.375603, 0.980869, 2.964149, -0.418348, -0.046483,
                0.308889, 0.308889, 0.519, -0.646889, 1.533038, -4.166868, 0.002429, -0.081774,
            ],
        ),
        (
            Norm::Instance,
            [
                1.599987, -1.399987, -0.299998, 0.699997, -2.299983, 1.699982, -0.249999, 0.249999,
                0.100006, 0.100006, 0.7, -0.299999, 1.699999, -2.299999, 0.249988, -0.249988,
            ],
        ),
        (
            Norm::Group { groups: 2 },
            [
                0.273204, -1.805248, -0.550552, 0.373204, 0.587107, 2.224844, -0.366785, -0.059709,
                -0.244123, -0.244123, 0.773538, -0.602954, 2.128342, -3.407775, 0.083356, 0.001573,
            ],
        ),
    ];
    for (kind, want) in cases {
        let vs = tch::nn::VarStore::new(Device::Cpu);
        let module = NormModule::new(&vs.root(), kind, Shape::Map { c: 4, h: 1, w: 2 });
        tch::no_grad(|| {
            let mut vars = vs.variables();
            let mut set = |name: &str, v: &[f32]| {
                vars.get_mut(name).unwrap().copy_(&Tensor::from_slice(v));
            };
            set("weight", &[1.5, -0.5, 2.0, 0.25]);
            set("bias", &[0.1, 0.2, -0.3, 0.0]);
        });
        for train in [true, false] {
            assert_close(&module.forward_t(&x, train), &want, 1e-5, kind.name());
        }
    }
}

#[test]
fn initializations_have_their_distributions_with_pytorchs_fans_for_grouped_convolutions() {
    // A grouped convolution: weight [64, 32/4, 3, 3]; PyTorch's fans for it:
    //   torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(64, 8, 3, 3)) = (72, 576)
    // MSRA (kaiming_normal_, relu): std = sqrt(2 / 72) = 0.16667
    // Xavier (xavier_uniform_): bound = sqrt(6 / (72 + 576)) = 0.096225, std = bound / sqrt(3)
    // Uniform (the lecture's ±1/fan-in): bound = 1/72, std = bound / sqrt(3)
    let weights = |init: Init| {
        let network = Network {
            input: InputShape {
                channels: 32,
                height: 8,
                width: 8,
            },
            init,
            layers: vec![
                Layer::Conv2d(Conv2d {
                    out_channels: 64,
                    kernel: 3,
                    groups: 4,
                    ..Conv2d::default()
                }),
                Layer::GlobalAvgPool,
                Layer::Linear(Linear::default()),
            ],
            ..Network::default()
        };
        let model = Model::build(&network, Device::Cpu, 7).unwrap();
        let w = model.vs.variables()["01_conv2d.weight"].shallow_clone();
        assert_eq!(w.size(), vec![64, 8, 3, 3]);
        Vec::<f32>::try_from(w.flatten(0, -1)).unwrap()
    };
    let stats = |v: &[f32]| {
        let n = v.len() as f64;
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
        let max = v.iter().fold(0f64, |m, &x| m.max((x as f64).abs()));
        (mean, var.sqrt(), max)
    };
    let (mean, std, _) = stats(&weights(Init::Msra));
    assert!(
        mean.abs() < 0.01 && (std / (2.0f64 / 72.0).sqrt() - 1.0).abs() < 0.03,
        "MSRA std {std}"
    );
    let bound = (6.0f64 / (72.0 + 576.0)).sqrt();
    let (_, std, max) = stats(&weights(Init::Xavier));
    assert!(
        max <= bound * (1.0 + 1e-6) && max > 0.99 * bound,
        "Xavier max {max} vs {bound}"
    );
    assert!(
        (std / (bound / 3f64.sqrt()) - 1.0).abs() < 0.03,
        "Xavier std {std}"
    );
    let (_, std, max) = stats(&weights(Init::Uniform));
    assert!(
        max <= (1.0 / 72.0) * (1.0 + 1e-6) && max > 0.99 / 72.0,
        "Uniform max {max}"
    );
    assert!(
        (std / (1.0 / 72.0 / 3f64.sqrt()) - 1.0).abs() < 0.03,
        "Uniform std {std}"
    );
}

#[test]
fn l1_and_l2_penalties_sum_the_weights_of_convolutions_and_linear_layers_only() {
    let mut network = preset("lenet5.ron").network;
    network.norm = Norm::Batch;
    network.layers.insert(1, Layer::Norm(Default::default()));
    let model = Model::build(&network, Device::Cpu, 3).unwrap();
    // Independently: Σ|w| and Σw² over every *.weight of a conv or linear layer, in f64.
    let (mut l1, mut l2) = (0f64, 0f64);
    for (name, t) in model.vs.variables() {
        if name.ends_with(".weight") && (name.contains("conv2d") || name.contains("linear")) {
            for x in Vec::<f32>::try_from(t.flatten(0, -1)).unwrap() {
                l1 += (x as f64).abs();
                l2 += (x as f64).powi(2);
            }
        }
    }
    let got = |a: f64, b: f64| f64::try_from(model.penalty(a, b).unwrap()).unwrap();
    assert!((got(0.01, 0.0) - 0.01 * l1).abs() < 1e-4 * l1, "L1");
    assert!((got(0.0, 0.02) - 0.02 * l2).abs() < 1e-4 * l2, "L2");
    assert!(
        (got(0.01, 0.02) - (0.01 * l1 + 0.02 * l2)).abs() < 1e-4 * (l1 + l2),
        "elastic net"
    );
    assert!(model.penalty(0.0, 0.0).is_none());
}

#[test]
fn pca_colour_noise_follows_alexnets_definition() {
    use cnn_workbench::engine::augment::{apply, AugmentContext};
    use rand::SeedableRng;
    // AlexNet (Krizhevsky et al. 2012, §4.1): add [p1 p2 p3][α1λ1 α2λ2 α3λ3]ᵀ to every pixel of
    // an image, α_i ~ N(0, 0.1²) once per image, p_i and λ_i the eigenvectors and eigenvalues of
    // the RGB covariance. So the offset's covariance over images is 0.1² · Σ_i λ_i² p_i p_iᵀ
    // (numpy: V @ np.diag(0.01 * lam**2) @ V.T), which the sample covariance must match.
    let vals = vec![0.5f32, 0.2, 0.05];
    // Eigenvectors as columns of V = [[0.6, -0.8, 0], [0.8, 0.6, 0], [0, 0, 1]], row-major.
    let vecs = vec![0.6f32, -0.8, 0.0, 0.8, 0.6, 0.0, 0.0, 0.0, 1.0];
    let pca = (vals.clone(), vecs.clone());
    let ctx = AugmentContext {
        background: &[0.0, 0.0, 0.0],
        std: &[1.0, 1.0, 1.0],
        pca: Some(&pca),
        cropped: false,
    };
    let a = Augment {
        pca_noise: 0.1,
        ..Augment::default()
    };
    let n = 20_000;
    let x = Tensor::zeros([n, 3, 2, 2], (Kind::Float, Device::Cpu));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let out = apply(&x, &a, &ctx, &mut rng);
    // The same offset on every pixel of an image.
    let spread = f64::try_from(
        (out.amax([2, 3], false) - out.amin([2, 3], false))
            .abs()
            .max(),
    )
    .unwrap();
    assert!(
        spread < 1e-6,
        "one offset per image, not per pixel: {spread}"
    );
    let d = Vec::<f32>::try_from(
        out.mean_dim(&[2i64, 3][..], false, Kind::Float)
            .flatten(0, -1),
    )
    .unwrap();
    let v = |r: usize, c: usize| vecs[r * 3 + c] as f64;
    for r in 0..3 {
        for c in 0..3 {
            let want: f64 = (0..3)
                .map(|i| v(r, i) * v(c, i) * 0.01 * (vals[i] as f64).powi(2))
                .sum();
            let got = (0..n as usize)
                .map(|k| d[k * 3 + r] as f64 * d[k * 3 + c] as f64)
                .sum::<f64>()
                / n as f64;
            assert!(
                (got - want).abs() < 0.05 * 0.0025,
                "cov[{r}][{c}] {got} vs {want}"
            );
        }
    }
}

#[test]
fn weight_decay_can_spare_biases_and_normalization() {
    use cnn_workbench::engine::train::build_optimizer;
    // SGD without momentum, lr 0.1, weight decay 0.5, zero loss gradients: one step multiplies
    // every decayed parameter by 1 − 0.1·0.5 = 0.95 (PyTorch: p -= lr · (grad + wd · p)).
    let mut network = preset("lenet5.ron").network;
    network.norm = Norm::Batch;
    network.layers.insert(1, Layer::Norm(Default::default()));
    for spare in [false, true] {
        let model = Model::build(&network, Device::Cpu, 3).unwrap();
        let t = Training {
            optimizer: Optimizer::Sgd {
                momentum: 0.0,
                nesterov: false,
            },
            learning_rate: 0.1,
            weight_decay: 0.5,
            no_decay_on_biases_and_norms: spare,
            ..Training::default()
        };
        let mut opt = build_optimizer(&model.vs, &t).unwrap();
        let before: Vec<(String, Tensor)> = model
            .vs
            .variables()
            .into_iter()
            .map(|(k, v)| (k, v.copy()))
            .collect();
        let x = Tensor::randn([4, 1, 28, 28], (Kind::Float, Device::Cpu));
        opt.zero_grad();
        (model.forward_t(&x, true).sum(Kind::Float) * 0.0).backward();
        opt.step();
        let vars = model.vs.variables();
        let mut spared_seen = 0;
        for (name, old) in before {
            if name.contains("running") {
                continue;
            }
            let ratio = f64::try_from((&vars[&name] - &old * 0.95).abs().max()).unwrap();
            let same = f64::try_from((&vars[&name] - &old).abs().max()).unwrap();
            let spared = name.ends_with(".bias") || name.starts_with("02_norm");
            spared_seen += usize::from(spared);
            if spare && spared {
                assert!(same < 1e-7, "{name} must not decay");
            } else {
                assert!(ratio < 1e-6, "{name} must decay by 0.95 (spare {spare})");
            }
        }
        // The norm's weight and bias and every layer's bias: the spared branch did run.
        assert!(
            spared_seen >= 7,
            "{spared_seen} parameters were candidates for sparing"
        );
    }
}

const GRAY28: DecodeSpec = DecodeSpec {
    channels: 1,
    height: 28,
    width: 28,
};
const RGB28: DecodeSpec = DecodeSpec {
    channels: 3,
    height: 28,
    width: 28,
};

/// The training images of a dataset held in memory.
fn train_x(ds: &Dataset) -> tch::Tensor {
    match &ds.train {
        Split::Memory { x, .. } => x.shallow_clone(),
        Split::Files(_) => panic!("expected images in memory"),
    }
}
