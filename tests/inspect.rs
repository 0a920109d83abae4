#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! The checkpoint inspector's computations on a LeNet-5 trained briefly on MNIST: filters,
//! confusion matrix, Grad-CAM, feature maps; and the CLI's PNG exports.
use cnn_workbench::engine::inspect::Inspection;
use cnn_workbench::engine::tch;
use cnn_workbench::engine::RunOptions;
use cnn_workbench::launch::start as start_run;
use cnn_workbench::protocol::inspect::{Image, InputChoice};
use cnn_workbench::protocol::Event;
use cnn_workbench::render::{self, FilterScale};
use cnn_workbench::spec::{DataSource, Preset};
use std::path::{Path, PathBuf};
use tch::Device;

fn mnist() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/mnist")
}

/// LeNet-5 trained for a few hundred steps on an MNIST subset, written as a run folder.
fn trained(dir: &Path) -> PathBuf {
    let mut p =
        Preset::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/lenet5.ron")).unwrap();
    p.data.source = DataSource::Idx { folder: mnist() };
    p.data.train_limit = Some(6000);
    p.data.test_limit = Some(1000);
    p.training.epochs = 1;
    let run = dir.join("run");
    let events = start_run(
        p,
        RunOptions {
            run_dir: Some(run.clone()),
            ..Default::default()
        },
    )
    .unwrap()
    .wait();
    assert!(
        matches!(events.last(), Some(Event::Finished(_))),
        "{:?}",
        events.last()
    );
    run
}

#[test]
fn inspection_of_a_trained_lenet() {
    let tmp = tempfile::tempdir().unwrap();
    let run = trained(tmp.path());
    let insp = Inspection::open(&run, None, Device::Cpu).unwrap();

    // Filters: one grid per conv layer with the kernels' dimensions; the image has them too.
    let filters = insp.filters();
    assert_eq!(filters.len(), 2);
    assert_eq!(
        (
            filters[0].out_channels,
            filters[0].in_channels,
            filters[0].kernel
        ),
        (6, 1, 5)
    );
    assert_eq!(
        (
            filters[1].out_channels,
            filters[1].in_channels,
            filters[1].kernel
        ),
        (16, 6, 5)
    );
    let img = render::filter_grid(&filters[0], FilterScale::PerLayer, 4);
    // 3 columns × 2 rows of 5×5 kernels at 4 pixels per weight, 1-pixel gaps.
    assert_eq!(
        (img.width, img.height),
        (3 * (5 * 4 + 1) + 1, 2 * (5 * 4 + 1) + 1)
    );

    // Confusion matrix: sums to the test set; its diagonal is the accuracy the run reported.
    let c = insp.confusion(8);
    assert_eq!(c.total(), 1000);
    let diag: u32 = (0..10).map(|i| c.counts[i][i]).sum();
    assert!((c.accuracy - diag as f32 / 1000.0).abs() < 1e-6);
    let reported = cnn_workbench::runs::history::load_run(&run)
        .unwrap()
        .state
        .finish
        .unwrap()
        .test_accuracy;
    assert!(
        (c.accuracy - reported).abs() < 1e-4,
        "{} vs {reported}",
        c.accuracy
    );
    assert!(c.accuracy > 0.9);
    for i in 0..10 {
        for j in 0..10 {
            let ex = &c.examples[i * 10 + j];
            assert_eq!(ex.len(), (c.counts[i][j] as usize).min(8));
        }
    }

    // Grad-CAM at the second conv's activation (16×10×10): that spatial size, not constant.
    let layer = insp.default_cam_layer().unwrap();
    assert_eq!(layer, 5);
    let s = insp.saliency(&InputChoice::Test(3), layer, None).unwrap();
    assert_eq!((s.cam.height, s.cam.width), (10, 10));
    let (lo, hi) = s
        .cam
        .data
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
    assert!(hi - lo > 0.1, "Grad-CAM is constant: {lo}..{hi}");
    assert_eq!((s.grad_x_input.height, s.grad_x_input.width), (28, 28));
    assert!(insp
        .saliency(&InputChoice::Test(3), 8, None)
        .unwrap_err()
        .to_string()
        .contains("flat"));

    // Feature maps for a drawn input: every activation layer with maps, and probabilities.
    let drawn = Image {
        channels: 1,
        height: 28,
        width: 28,
        data: (0..784)
            .map(|i| if (i % 28) == 14 { 1.0 } else { 0.0 })
            .collect(),
    };
    let m = insp.feature_maps(&InputChoice::Pixels(drawn), 64).unwrap();
    assert_eq!(
        m.layers.iter().map(|l| l.layer).collect::<Vec<_>>(),
        vec![2, 5]
    );
    assert_eq!(m.layers[0].maps.len(), 6);
    assert!((m.probs.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    let wrong = Image {
        channels: 3,
        height: 28,
        width: 28,
        data: vec![0.0; 3 * 784],
    };
    assert!(insp
        .feature_maps(&InputChoice::Pixels(wrong), 4)
        .unwrap_err()
        .to_string()
        .contains("3×28×28"));
}

#[test]
fn inspect_cli_prints_the_matrix_and_writes_pngs() {
    let tmp = tempfile::tempdir().unwrap();
    let run = trained(tmp.path());
    let out = tmp.path().join("out");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_cnn-workbench"))
        .args([
            "inspect",
            run.to_str().unwrap(),
            "--export-filters",
            out.to_str().unwrap(),
            "--export-cam",
            "7",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout.contains("test accuracy:") && stdout.contains("precision"),
        "{stdout}"
    );
    for f in [
        "layer01-filters.png",
        "layer04-filters.png",
        "gradcam-7.png",
    ] {
        let img = image::open(out.join(f)).unwrap();
        assert!(img.width() > 10, "{f}");
    }
    // A checkpoint whose weights do not match is refused with the mismatch named.
    std::fs::write(run.join("model.safetensors"), b"not safetensors").unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_cnn-workbench"))
        .args(["inspect", run.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!o.status.success());
    // Said once which file, and in words what is wrong with it.
    let err = String::from_utf8_lossy(&o.stderr);
    let file = run.join("model.safetensors").display().to_string();
    assert!(err.contains("not a safetensors checkpoint"), "{err}");
    assert_eq!(err.matches(&file).count(), 1, "{err}");
}

#[test]
fn checkpoints_load_in_python_with_safetensors() {
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(py.exists(), "make bootstrap creates .venv");
    let tmp = tempfile::tempdir().unwrap();
    let p =
        Preset::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/lenet5.ron")).unwrap();
    let model = cnn_workbench::engine::Model::build(&p.network, Device::Cpu, 1).unwrap();
    let path = cnn_workbench::engine::checkpoint::save(tmp.path(), "model", &p, &model).unwrap();
    let script = format!(
        "from safetensors.torch import load_file\nt = load_file({:?})\nprint(sorted(t))\nprint(tuple(t['01_conv2d.weight'].shape))",
        path.display().to_string()
    );
    let o = std::process::Command::new(py)
        .args(["-c", &script])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        out.contains("'01_conv2d.bias', '01_conv2d.weight', '04_conv2d.bias'"),
        "{out}"
    );
    assert!(out.contains("(6, 1, 5, 5)"), "{out}");
}

/// "Explain this number": a trained LeNet-5's conv value taken apart gives the network's own
/// value, and the ReLU after it shows max(0, that).
#[test]
fn explain_this_number_equals_the_networks_output() {
    let tmp = tempfile::tempdir().unwrap();
    let run = trained(tmp.path());
    let insp = Inspection::open(&run, None, Device::Cpu).unwrap();
    // Layer 5 is the ReLU after layer 4, the second convolution (6 → 16 channels, 5×5).
    let e = insp.explain(&InputChoice::Test(3), 5, 7, 4, 6).unwrap();
    assert_eq!((e.conv_layer, e.shown_layer, e.kernel), (4, 5, (5, 5)));
    assert_eq!(e.inputs.len(), 6);
    // Σ over input channels of window·kernel, plus the bias, by hand.
    let by_hand: f64 = e
        .inputs
        .iter()
        .flat_map(|(_, w, k)| w.iter().zip(k).map(|(a, b)| *a as f64 * *b as f64))
        .sum::<f64>()
        + e.bias as f64;
    assert!(
        (by_hand - e.network_value as f64).abs() < 1e-4,
        "{by_hand} vs {}",
        e.network_value
    );
    assert_eq!(e.shown_value, e.network_value.max(0.0));
    // Receptive field: 14×14 starting at 2·(4, 6) − 2 = (6, 10).
    assert_eq!(e.receptive, Some(((6, 20), (10, 24))));
    // The first conv with its padding: the corner's window is mostly padding zeros.
    let e = insp.explain(&InputChoice::Test(0), 1, 0, 0, 0).unwrap();
    assert!(e.inputs[0].1.iter().filter(|v| **v == 0.0).count() >= 16);
    // A dense layer has no window to show.
    let err = insp.explain(&InputChoice::Test(0), 8, 0, 0, 0).unwrap_err();
    assert!(err.to_string().contains("convolution"), "{err}");
}

/// A checkpoint with NaN weights (a diverged run's) is named as such, not shown as "NaN%".
#[test]
fn non_finite_weights_are_named_and_accuracies_are_not_shown_as_nan() {
    let tmp = tempfile::tempdir().unwrap();
    let run = trained(tmp.path());
    let file = run.join("model.safetensors");
    let mut tensors = tch::Tensor::read_safetensors(&file).unwrap();
    for (name, t) in tensors.iter_mut() {
        if name == "04_conv2d.weight" {
            *t = t.fill(f64::NAN);
        }
    }
    tch::Tensor::write_safetensors(&tensors, &file).unwrap();
    let insp = Inspection::open(&file, None, Device::Cpu).unwrap();
    assert_eq!(
        insp.summary().non_finite,
        vec!["04_conv2d.weight (NaN)".to_string()]
    );
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_cnn-workbench"))
        .arg("inspect")
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("the weights are not finite — 04_conv2d.weight (NaN)"),
        "{text}"
    );
    assert!(!text.contains("NaN%") && !text.contains("nan%"), "{text}");
}
