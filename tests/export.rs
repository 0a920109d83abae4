#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! Export to PyTorch: the exported model.py, with the workbench's weights, gives the workbench's
//! logits for every bundled preset and every layer kind, and so do the TorchScript and ONNX
//! exports; train.py under `torchrun --nproc-per-node 2` (gloo, CPU) writes a run folder the
//! history reads; a worker that dies leaves a failed run; an existing folder is not replaced
//! without --force.
use cnn_workbench::engine::tch;
use cnn_workbench::engine::{checkpoint, model::Model};
use cnn_workbench::runs::{history, state::RunStatus};
use cnn_workbench::spec::{library, DataSource, Preset};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tch::{Device, Kind, Tensor};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> PathBuf {
    root().join(".venv/bin/python")
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cnn-workbench"));
    c.current_dir(root());
    c
}

fn ok(o: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{text}");
    text
}

/// A "run folder" of `preset` with weights whose batch-norm and Dice running statistics have
/// moved, and the eval-mode logits of a fixed input beside it (io.safetensors).
fn run_with_logits(preset: &Preset, dir: &Path) {
    let model = Model::build(&preset.network, Device::Cpu, 7).unwrap();
    let i = preset.network.input;
    let shape = [i.channels as i64, i.height as i64, i.width as i64];
    tch::manual_seed(11);
    tch::no_grad(|| {
        for _ in 0..3 {
            let x = Tensor::randn(
                [8, shape[0], shape[1], shape[2]],
                (Kind::Float, Device::Cpu),
            );
            let _ = model.forward_t(&(x * 1.5 + 0.3), true);
        }
    });
    let x = Tensor::randn(
        [3, shape[0], shape[1], shape[2]],
        (Kind::Float, Device::Cpu),
    );
    let logits = tch::no_grad(|| model.forward_t(&x, false));
    checkpoint::save(dir, "model", preset, &model).unwrap();
    Tensor::write_safetensors(&[("x", x), ("logits", logits)], dir.join("io.safetensors")).unwrap();
}

/// model.py (strict load), model.pt and model.onnx on the workbench's input: the largest
/// |logit difference| of each against the workbench.
const CHECK: &str = r#"
import json, sys, torch, onnxruntime
from safetensors.torch import load_file
sys.path.insert(0, sys.argv[1])
from model import Net
io = load_file(sys.argv[2])
x, want = io["x"], io["logits"]
net = Net()
net.load_state_dict(load_file(sys.argv[1] + "/model.safetensors"), strict=True)
net.eval()
with torch.no_grad():
    eager = (net(x) - want).abs().max().item()
    script = (torch.jit.load(sys.argv[1] + "/model.pt")(x) - want).abs().max().item()
s = onnxruntime.InferenceSession(sys.argv[1] + "/model.onnx", providers=["CPUExecutionProvider"])
onnx = (torch.from_numpy(s.run(None, {s.get_inputs()[0].name: x.numpy()})[0]) - want).abs().max().item()
print(json.dumps({"model_py": eager, "torchscript": script, "onnx": onnx}))
"#;

fn presets() -> Vec<(String, Preset)> {
    let mut all: Vec<(String, Preset)> = library::BUNDLED
        .iter()
        .map(|(f, text)| (f.to_string(), Preset::from_ron(text, f).unwrap()))
        .collect();
    for f in ["every-layer-a.ron", "every-layer-b.ron"] {
        let p = Preset::load(&root().join("tests/data").join(f)).unwrap();
        all.push((f.to_string(), p));
    }
    all
}

#[test]
fn exported_models_give_the_workbench_logits_for_every_bundled_preset_and_layer_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let mut worst = Vec::new();
    for (file, preset) in presets() {
        let run = tmp.path().join(format!("run-{file}"));
        run_with_logits(&preset, &run);
        let out = tmp.path().join(format!("export-{file}"));
        let mut cmd = bin();
        cmd.arg("export").arg(&run).arg("--to").arg(&out);
        let text = ok(&cmd
            .args(["--format", "torchscript", "--format", "onnx"])
            .output()
            .unwrap());
        assert!(text.contains("(opset 18)"), "{text}");
        let o = Command::new(python())
            .args(["-c", CHECK])
            .arg(&out)
            .arg(run.join("io.safetensors"))
            .output()
            .unwrap();
        let line = ok(&o);
        let v: serde_json::Value =
            serde_json::from_str(line.lines().rfind(|l| l.starts_with('{')).unwrap()).unwrap();
        println!("{file}: {v}");
        for key in ["model_py", "torchscript", "onnx"] {
            let d = v[key].as_f64().unwrap();
            assert!(d <= 1e-5, "{file}: {key} differs from the workbench by {d}");
        }
        worst.push((file, v));
    }
    assert_eq!(worst.len(), library::BUNDLED.len() + 2);
}

/// LeNet-5 on the first 1,993 MNIST training images, exported. 1,993 − 199 for validation =
/// 1,794 = 2 × 897, and 897 = 28 × 32 + 1: under torchrun with 2 processes each epoch ends in
/// a batch of one image, which is no step (it cannot be batch-normalized).
fn mnist_export(dir: &Path, epochs: usize, max_steps: Option<usize>) -> PathBuf {
    let mut p = library::bundled("lenet5.ron").unwrap();
    p.data.source = DataSource::Idx {
        folder: root().join("../shared/datasets/mnist"),
    };
    p.data.train_limit = Some(1993);
    p.data.test_limit = Some(500);
    p.training.epochs = epochs;
    p.training.max_steps = max_steps;
    p.training.batch_size = 64;
    let preset = dir.join("lenet.ron");
    p.save(&preset).unwrap();
    let out = dir.join("export");
    ok(&bin()
        .arg("export")
        .arg(&preset)
        .arg("--to")
        .arg(&out)
        .output()
        .unwrap());
    out
}

fn torchrun(project: &Path, runs: &Path) -> Command {
    let mut c = Command::new(python());
    c.current_dir(project)
        .args(["-m", "torch.distributed.run", "--nproc-per-node", "2"])
        .args([
            "--master-port",
            &free_port().to_string(),
            "train.py",
            "--runs",
        ])
        .arg(runs)
        .env("OMP_NUM_THREADS", "1");
    c
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn train_py_under_torchrun_writes_a_run_folder_the_workbench_reads() {
    let tmp = tempfile::tempdir().unwrap();
    // Three epochs asked for, stopped by max_steps exactly at the end of the second.
    let project = mnist_export(tmp.path(), 3, Some(2 * 28));
    let workspace = tmp.path().join("workspace");
    let text = ok(&torchrun(&project, &workspace.join("runs"))
        .output()
        .unwrap());
    let runs = history::scan(&workspace);
    assert_eq!(runs.len(), 1, "{text}");
    let RunStatus::Finished { test_accuracy, .. } = runs[0].status else {
        panic!("{:?}\n{text}", runs[0].status);
    };
    println!("torchrun (2 processes, gloo) LeNet-5, 1,993 MNIST images, 2 epochs: test accuracy {test_accuracy}");
    assert!(test_accuracy > 0.8, "{test_accuracy}");
    let run = history::load_run(&runs[0].dir).unwrap();
    assert_eq!(run.state.epochs.len(), 2);
    // Counted as the workbench counts: 897 images a process in batches of 32 → 28 steps
    // (n / batch, plus one for a last batch of two or more); two epochs; the run's epochs are
    // those it trained, not the three asked for.
    let start = run.state.start.as_ref().unwrap();
    assert_eq!(start.steps_per_epoch, 897 / 32 + usize::from(897 % 32 > 1));
    let finish = run.state.finish.as_ref().unwrap();
    assert_eq!((finish.steps, finish.epochs), (56, 2));
    // One RESULT line, the workbench's: the same keys in the same order, the same numbers.
    let line = text.lines().find(|l| l.starts_with("RESULT ")).unwrap();
    let fields = cnn_workbench::protocol::parse_result_line(line).unwrap();
    let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, cnn_workbench::protocol::RESULT_KEYS, "{line}");
    let value = |k: &str| fields.iter().find(|(key, _)| key == k).unwrap().1.clone();
    assert_eq!(value("steps"), "56");
    assert_eq!(value("epochs"), "2");
    assert_eq!(value("test_accuracy"), format!("{test_accuracy:.4}"));
    assert_eq!(Path::new(&value("run")), runs[0].dir);
    // The loop's wall time covers its steps' time, as the workbench's does.
    assert!(
        finish.train_loop_secs * finish.train_images_per_sec as f64
            >= finish.trained_images as f64 * 0.99,
        "{finish:?}"
    );
    // The logs start with the workbench's headers.
    for (file, header) in [
        ("steps.csv", cnn_workbench::runs::folder::STEPS_HEADER),
        ("metrics.csv", cnn_workbench::runs::folder::EPOCHS_HEADER),
    ] {
        let text = std::fs::read_to_string(runs[0].dir.join(file)).unwrap();
        assert_eq!(text.lines().next(), Some(header), "{file}");
    }
    assert!(run.meta.tags.contains(&"torchrun".to_string()));
    // The weights are the workbench's: they load into its model and give the same accuracy.
    let (_, model) = checkpoint::load(&runs[0].dir, Device::Cpu).unwrap();
    assert_eq!(model.layer_count(), run.preset.network.layers.len());
    let insp =
        cnn_workbench::engine::inspect::Inspection::open(&runs[0].dir, None, Device::Cpu).unwrap();
    let ours = insp.confusion(0).accuracy;
    assert!(
        (ours - test_accuracy).abs() < 0.005,
        "the workbench measures {ours}, train.py reported {test_accuracy}"
    );
}

/// The pid of the torchrun worker with RANK=1 among the processes on this machine.
fn rank_one_worker(project: &Path) -> Option<i32> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let env = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        let cwd = std::fs::read_link(entry.path().join("cwd")).ok();
        let vars: Vec<&[u8]> = env.split(|b| *b == 0).collect();
        if cwd.as_deref() == Some(project) && vars.contains(&b"RANK=1".as_slice()) {
            return Some(pid);
        }
    }
    None
}

#[test]
fn a_torchrun_worker_that_dies_leaves_a_failed_run_not_a_finished_one() {
    let tmp = tempfile::tempdir().unwrap();
    let project = mnist_export(tmp.path(), 50, None);
    let workspace = tmp.path().join("workspace");
    let mut child = torchrun(&project, &workspace.join("runs"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait for training to be under way, then kill rank 1 as the OOM killer would.
    let started = std::time::Instant::now();
    let killed = loop {
        assert!(started.elapsed().as_secs() < 120, "training never started");
        let steps = std::fs::read_dir(workspace.join("runs"))
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| std::fs::read_to_string(e.ok()?.path().join("steps.csv")).ok());
        if steps.is_some_and(|s| s.lines().count() > 5) {
            if let Some(pid) = rank_one_worker(&project) {
                break Command::new("kill")
                    .args(["-9", &pid.to_string()])
                    .status()
                    .unwrap();
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(!status.success());
    let runs = history::scan(&workspace);
    assert_eq!(runs.len(), 1);
    let RunStatus::Failed { reason } = &runs[0].status else {
        panic!("{:?}", runs[0].status);
    };
    println!("failed run: {reason}");
    assert!(reason.contains("worker"), "{reason}");
    assert!(!runs[0].dir.join("model.safetensors").exists());
}

#[test]
fn an_existing_folder_is_kept_unless_forced_and_bad_sources_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("mine.txt"), "keep me").unwrap();
    let o = bin()
        .args(["export", "lenet5.ron", "--to"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("mine.txt")).unwrap(),
        "keep me"
    );
    ok(&bin()
        .args(["export", "lenet5.ron", "--force", "--to"])
        .arg(&out)
        .output()
        .unwrap());
    assert!(out.join("model.py").is_file() && !out.join("mine.txt").exists());
    // The built-in shapes travel with the project.
    assert!(out.join("data/train-images-idx3-ubyte").is_file());

    let o = bin()
        .args(["export", "no-such-preset.ron", "--to"])
        .arg(tmp.path().join("x"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("no-such-preset.ron"),
        "{err}"
    );
    assert!(!tmp.path().join("x").exists());
}

/// The exported train.py's learning-rate schedules give the workbench's rate at every step
/// (warm-up, step decay, cosine, one-cycle; stopped early by max_steps or not): one contract,
/// checked on both sides.
#[test]
fn train_py_learning_rates_are_the_workbenchs() {
    use cnn_workbench::spec::training::Schedule;
    let tmp = tempfile::tempdir().unwrap();
    let project = mnist_export(tmp.path(), 3, None);
    let base = library::bundled("lenet5.ron").unwrap().training;
    let steps_per_epoch = 37;
    let cases: Vec<(Schedule, usize, Option<usize>)> = vec![
        (Schedule::Constant, 0, None),
        (Schedule::Constant, 10, None),
        (
            Schedule::Step {
                every_epochs: 1,
                gamma: 0.5,
            },
            5,
            None,
        ),
        (Schedule::Cosine { min_lr: 1e-4 }, 0, None),
        (Schedule::Cosine { min_lr: 0.0 }, 7, Some(80)),
        (
            Schedule::OneCycle {
                pct_start: 0.3,
                div_factor: 25.0,
                final_div_factor: 1e4,
            },
            0,
            None,
        ),
        (
            Schedule::OneCycle {
                pct_start: 0.25,
                div_factor: 10.0,
                final_div_factor: 100.0,
            },
            0,
            Some(50),
        ),
    ];
    let trainings: Vec<_> = cases
        .iter()
        .map(|(schedule, warmup, max_steps)| {
            let mut t = base.clone();
            t.schedule = *schedule;
            t.warmup_steps = *warmup;
            t.max_steps = *max_steps;
            t
        })
        .collect();
    let steps = 3 * steps_per_epoch + 3;
    let script = format!(
        "import json, sys\nimport train\nts = json.loads(sys.stdin.read())\n\
         print(json.dumps([[train.lr_at(t, s, {steps_per_epoch}) for s in range({steps})] for t in ts]))"
    );
    let rates = python_json(
        &project,
        &script,
        &serde_json::to_value(&trainings).unwrap(),
    );
    let python_rates: Vec<Vec<f64>> = serde_json::from_value(rates).unwrap();
    for ((t, case), py) in trainings.iter().zip(&cases).zip(&python_rates) {
        for (s, p) in py.iter().enumerate() {
            let r = t.lr_at(s, steps_per_epoch);
            assert!(
                (r - p).abs() <= 1e-12 * r.abs().max(1e-12),
                "{case:?} step {s}: workbench {r}, train.py {p}"
            );
        }
    }
}

/// Runs `script` with the exported project's Python in `project`, `input` on its stdin; its
/// stdout parsed as JSON.
fn python_json(project: &Path, script: &str, input: &serde_json::Value) -> serde_json::Value {
    use std::io::Write;
    let mut child = Command::new(python())
        .current_dir(project)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = ok(&child.wait_with_output().unwrap());
    serde_json::from_str(out.lines().last().unwrap()).unwrap()
}

/// The exported augment.py turns the same drawn numbers into the same batch as the workbench:
/// the affine map of each geometry (mirror, scale, rotation, shear, shift, random-resized
/// crop), then grid sampling with the background, brightness and contrast, PCA colour noise.
#[test]
fn augment_py_applies_drawn_numbers_as_the_workbench_does() {
    use cnn_workbench::engine::augment::{apply_draws, Draws, Geometry};
    let tmp = tempfile::tempdir().unwrap();
    let project = mnist_export(tmp.path(), 1, None);
    let geometries = [
        Geometry {
            flip: 1.0,
            scale: 1.0,
            rotate: 0.0,
            shear: 0.0,
            shift: (0.0, 0.0),
            crop: None,
        },
        Geometry {
            flip: -1.0,
            scale: 1.15,
            rotate: 0.3,
            shear: 0.1,
            shift: (0.2, -0.1),
            crop: None,
        },
        Geometry {
            flip: 1.0,
            scale: 0.9,
            rotate: -0.2,
            shear: -0.05,
            shift: (-0.25, 0.3),
            crop: Some((0.7, 0.8, 0.1, -0.2)),
        },
    ];
    let geo_json: Vec<serde_json::Value> = geometries
        .iter()
        .map(|g| {
            serde_json::json!({"flip": g.flip, "scale": g.scale, "rotate": g.rotate,
                "shear": g.shear, "shift": [g.shift.0, g.shift.1], "crop": g.crop.map(|c| [c.0, c.1, c.2, c.3])})
        })
        .collect();
    let (n, c, h, w) = (3i64, 3i64, 6i64, 5i64);
    let pixels: Vec<f32> = (0..n * c * h * w)
        .map(|i| ((i as f32) * 0.37).sin() * 1.5)
        .collect();
    let x = Tensor::from_slice(&pixels).view([n, c, h, w]);
    let draws = Draws {
        theta: Some(geometries.iter().map(|g| g.theta()).collect()),
        brightness_contrast: Some((vec![0.1, -0.2, 0.0], vec![1.2, 0.8, 1.0])),
        pca_delta: Some(vec![0.05, -0.02, 0.01, 0.0, 0.03, -0.04, 0.02, 0.02, 0.02]),
    };
    let background = [-0.4f32, -0.5, -0.6];
    let ours = Vec::<f32>::try_from(apply_draws(&x, &draws, &background).flatten(0, -1)).unwrap();
    let script = "import json, sys\nimport torch\nimport augment\nd = json.loads(sys.stdin.read())\n\
        thetas = [augment.theta_of({**g, 'crop': tuple(g['crop']) if g['crop'] else None}) for g in d['geometries']]\n\
        x = torch.tensor(d['x'], dtype=torch.float32).view(*d['shape'])\n\
        draws = {'theta': thetas, 'brightness_contrast': (d['b'], d['k']), 'pca_delta': d['pca']}\n\
        y = augment.apply_draws(x, draws, torch.tensor(d['background']))\n\
        print(json.dumps({'theta': thetas, 'y': y.reshape(-1).tolist()}))";
    let (b, k) = draws.brightness_contrast.clone().unwrap();
    let theirs = python_json(
        &project,
        script,
        &serde_json::json!({"geometries": geo_json, "x": pixels, "shape": [n, c, h, w],
            "b": b, "k": k, "pca": draws.pca_delta, "background": background}),
    );
    for (g, py) in geometries.iter().zip(theirs["theta"].as_array().unwrap()) {
        for (r, p) in g.theta().iter().zip(py.as_array().unwrap()) {
            let p = p.as_f64().unwrap();
            assert!(
                (*r as f64 - p).abs() < 1e-6,
                "{g:?}: {:?} vs {py}",
                g.theta()
            );
        }
    }
    let py_y: Vec<f64> = theirs["y"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(py_y.len(), ours.len());
    let worst = ours
        .iter()
        .zip(&py_y)
        .map(|(a, b)| (*a as f64 - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-5, "largest difference {worst}");
}

/// The exported data.py holds out the same validation images as the workbench (its shuffle is
/// the workbench's, ChaCha8 drawn as Rust's rand does), for sizes and fractions where rounding
/// differs between the languages (1,995 × 0.1 = 199.5) and the full MNIST size.
#[test]
fn data_py_holds_out_the_workbenchs_validation_images() {
    use cnn_workbench::engine::data::split_indices;
    let tmp = tempfile::tempdir().unwrap();
    let project = mnist_export(tmp.path(), 1, None);
    let cases: Vec<(usize, f64)> = vec![
        (2, 0.1),
        (10, 0.25),
        (1995, 0.1),
        (2005, 0.1),
        (777, 0.0),
        (60000, 0.1),
    ];
    let script = "import json, sys\nimport data\ncases = json.loads(sys.stdin.read())\n\
        print(json.dumps([[data.Data._split(n, f)[0].tolist(), data.Data._split(n, f)[1].tolist()] for n, f in cases]))";
    let theirs = python_json(&project, script, &serde_json::json!(cases));
    for ((n, f), py) in cases.iter().zip(theirs.as_array().unwrap()) {
        let (train, val) = split_indices(*n, *f);
        let ours = serde_json::json!([train, val]);
        assert!(ours == *py, "n = {n}, fraction {f}: the splits differ");
    }
}
