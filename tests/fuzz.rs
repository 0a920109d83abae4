#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! Fuzzing every parser of outside input with generated files: random bytes and mutations of
//! valid files (bit flips, extreme header values, insertions, deletions, truncations). Each
//! parser must return an error or a value — never panic, hang or allocate what a header
//! promises. `FUZZ_CASES` inputs per parser (`make test`: 300; `make fuzz`: 10,000). An input
//! that panics is written to target/fuzz-findings/ and the test fails naming it.
use cnn_workbench::engine::tch;
use cnn_workbench::engine::{checkpoint, data, import, model::Model};
use cnn_workbench::runs::compare::{Comparison, ComparisonRun};
use cnn_workbench::runs::{folder, history};
use cnn_workbench::spec::{self, library, CompareSpec, DataSpec, Preset};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn cases() -> usize {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// A mutation of `seed`: a few edits, some of them writing extreme integers where headers are.
fn mutate(rng: &mut ChaCha8Rng, seed: &[u8]) -> Vec<u8> {
    let mut d = seed.to_vec();
    for _ in 0..rng.random_range(1..8) {
        let len = d.len();
        let at = if len == 0 {
            0
        } else {
            rng.random_range(0..len)
        };
        match rng.random_range(0..8) {
            0 if len > 0 => d[at] ^= 1 << rng.random_range(0..8),
            1 if len > 0 => d[at] = [0u8, 0xff, 0x7f, 0x80][rng.random_range(0..4)],
            2 => {
                let n = rng.random_range(1..32);
                let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
                d.splice(at..at, bytes);
            }
            3 if len > 0 => {
                let end = (at + rng.random_range(1..64)).min(len);
                d.drain(at..end);
            }
            4 if len > 0 => {
                let end = (at + rng.random_range(1..64)).min(len);
                let chunk = d[at..end].to_vec();
                d.splice(at..at, chunk);
            }
            5 => d.truncate(at),
            _ if len >= at + 8 => {
                let v: u64 =
                    [u64::MAX, 1 << 40, u32::MAX as u64, 0, 1 << 31][rng.random_range(0..5)];
                let bytes = if rng.random_bool(0.5) {
                    v.to_be_bytes()
                } else {
                    v.to_le_bytes()
                };
                let n = if rng.random_bool(0.5) { 4 } else { 8 };
                d[at..at + n].copy_from_slice(&bytes[8 - n..]);
            }
            _ => {}
        }
    }
    d
}

/// A generated input, and whether it is a mutation of a valid seed (else random bytes).
fn input(rng: &mut ChaCha8Rng, seeds: &[Vec<u8>]) -> (Vec<u8>, bool) {
    if seeds.is_empty() || rng.random_bool(0.1) {
        let n = rng.random_range(0..2048);
        ((0..n).map(|_| rng.random()).collect(), false)
    } else {
        let i = rng.random_range(0..seeds.len());
        (mutate(rng, &seeds[i]), true)
    }
}

/// Runs `parse` on every seed (each must be accepted) and on `cases()` generated inputs;
/// fails on the first panic (saving the input) or on an input that takes over 10 s. At least
/// `min_rate` of the mutations must be accepted too: a parser that rejects everything (or a
/// test whose seeds no longer fit the parser) fails instead of passing by saying no. Each
/// parser's `min_rate` is about half the rate seen at 300 cases.
fn fuzz(name: &str, seeds: &[Vec<u8>], min_rate: f64, parse: impl Fn(&[u8]) -> bool) {
    for (i, seed) in seeds.iter().enumerate() {
        assert!(parse(seed), "{name}: valid seed {i} is rejected");
    }
    let mut rng = ChaCha8Rng::seed_from_u64(name.len() as u64 * 7919);
    let start = Instant::now();
    let mut slowest = Duration::ZERO;
    let (mut accepted, mut mutations, mut mutations_accepted) = (0, 0, 0);
    for i in 0..cases() {
        let (data, mutation) = input(&mut rng, seeds);
        let t = Instant::now();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse(&data)));
        let took = t.elapsed();
        slowest = slowest.max(took);
        let ok = matches!(r, Ok(true));
        accepted += usize::from(ok);
        mutations += usize::from(mutation);
        mutations_accepted += usize::from(ok && mutation);
        if r.is_err() || took > Duration::from_secs(10) {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-findings");
            std::fs::create_dir_all(&dir).unwrap();
            let file = dir.join(format!("{name}-{i}.bin"));
            std::fs::write(&file, &data).unwrap();
            panic!(
                "{name}: input {i} {} — saved as {}",
                if r.is_err() {
                    "panicked"
                } else {
                    "took over 10 s"
                },
                file.display()
            );
        }
    }
    let rate = mutations_accepted as f64 / mutations.max(1) as f64;
    println!(
        "fuzz {name}: {} inputs ({accepted} accepted; mutations {mutations_accepted} of \
         {mutations} = {:.1}%, at least {:.1}% required) in {:.1} s, slowest {:.1} ms, no panic",
        cases(),
        rate * 1e2,
        min_rate * 1e2,
        start.elapsed().as_secs_f64(),
        slowest.as_secs_f64() * 1e3
    );
    assert!(
        mutations_accepted > 0 && rate >= min_rate,
        "{name}: {mutations_accepted} of {mutations} mutations of valid inputs accepted \
         ({:.1}%), below {:.1}%",
        rate * 1e2,
        min_rate * 1e2
    );
}

fn idx_file(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

#[test]
fn fuzz_presets_and_shape_inference() {
    let seeds: Vec<Vec<u8>> = library::BUNDLED
        .iter()
        .chain(library::ZOO.iter())
        .map(|(_, t)| t.as_bytes().to_vec())
        .collect();
    fuzz("preset", &seeds, 0.02, |d| {
        match Preset::from_ron(&String::from_utf8_lossy(d), "fuzz.ron") {
            Ok(p) => {
                let _ = spec::lab::receptive::fields(&p.network);
                let _ = p.training.validate();
                spec::infer(&p.network).is_ok()
            }
            Err(_) => false,
        }
    });
}

#[test]
fn fuzz_idx_files() {
    let tmp = tempfile::tempdir().unwrap();
    // Two image files for the three labels (a labels file as the images would be refused
    // whole, so it is no seed).
    let images = idx_file(&[3, 4, 4], &[7; 48]);
    let other = idx_file(&[3, 2, 5], &(0..30).collect::<Vec<u8>>());
    let labels = idx_file(&[3], &[0, 1, 2]);
    let t = tmp.path();
    std::fs::write(t.join("t10k-images-idx3-ubyte"), &images).unwrap();
    std::fs::write(t.join("t10k-labels-idx1-ubyte"), &labels).unwrap();
    std::fs::write(t.join("train-labels-idx1-ubyte"), &labels).unwrap();
    fuzz("idx", &[images, other], 0.10, |d| {
        std::fs::write(t.join("train-images-idx3-ubyte"), d).unwrap();
        data::idx::load_split(t, "train", 10).is_ok()
    });
    // A header that promises 2³² × 2³² × 2³² bytes in a 20-byte file: refused, not allocated.
    std::fs::write(
        t.join("train-images-idx3-ubyte"),
        idx_file(&[u32::MAX; 3], &[1; 8]),
    )
    .unwrap();
    assert!(data::idx::load_split(t, "train", 10).is_err());
}

#[test]
fn fuzz_cifar_batches() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let record: Vec<u8> = std::iter::once(3u8)
        .chain((0..3072).map(|i| i as u8))
        .collect();
    let batch: Vec<u8> = record.repeat(2);
    std::fs::write(t.join("test_batch.bin"), &batch).unwrap();
    fuzz("cifar-bin", &[batch], 0.08, |d| {
        std::fs::write(t.join("data_batch_1.bin"), d).unwrap();
        data::cifar::load(t, false).is_ok()
    });
}

#[test]
fn fuzz_pickles() {
    // {'data': 1, 'labels': [1, 2]} at protocol 2, and a numpy-free list of bytes.
    let seeds = vec![
        b"\x80\x02}q\x00(X\x04\x00\x00\x00dataq\x01K\x01X\x06\x00\x00\x00labelsq\x02]q\x03(K\x01K\x02eu.".to_vec(),
        b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00]\x94(C\x03abc\x94K\x05e.".to_vec(),
    ];
    fuzz("pickle", &seeds, 0.05, |d| match data::pickle::load(d) {
        Ok(v) => {
            let _ = data::pickle::u8_array(&v);
            true
        }
        Err(_) => false,
    });
}

#[test]
fn fuzz_images() {
    let tmp = tempfile::tempdir().unwrap();
    let mut seeds = Vec::new();
    for fmt in [
        image::ImageFormat::Png,
        image::ImageFormat::Jpeg,
        image::ImageFormat::Bmp,
    ] {
        let img =
            image::RgbImage::from_fn(9, 7, |x, y| image::Rgb([x as u8 * 20, y as u8 * 30, 90]));
        let mut bytes = std::io::Cursor::new(Vec::new());
        img.write_to(&mut bytes, fmt).unwrap();
        seeds.push(bytes.into_inner());
    }
    let path = tmp.path().join("x.img");
    let spec = data::DecodeSpec {
        channels: 3,
        height: 8,
        width: 8,
    };
    fuzz("image", &seeds, 0.08, |d| {
        std::fs::write(&path, d).unwrap();
        data::folder::decode(&path, spec, Some((0.3, 5))).is_ok()
    });
}

/// A tiny trained run folder to mutate.
fn run_folder(dir: &Path) -> PathBuf {
    let mut p = library::bundled("lenet5.ron").unwrap();
    p.data = DataSpec {
        synthetic_size: 60,
        ..p.data
    };
    p.training.epochs = 2;
    p.training.probe_every_steps = 1;
    let run = dir.join("runs/seed");
    let opts = cnn_workbench::engine::RunOptions {
        run_dir: Some(run.clone()),
        ..Default::default()
    };
    cnn_workbench::launch::start(p, opts).unwrap().wait();
    run
}

#[test]
fn fuzz_checkpoints_and_state_dicts() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_folder(tmp.path());
    let good = std::fs::read(run.join("model.safetensors")).unwrap();
    let dir = tmp.path().join("ckpt");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(run.join("preset.ron"), dir.join("preset.ron")).unwrap();
    let file = dir.join("model.safetensors");
    fuzz("safetensors", std::slice::from_ref(&good), 0.07, |d| {
        std::fs::write(&file, d).unwrap();
        let _ = import::read_state_dict(&file);
        checkpoint::load(&file, tch::Device::Cpu).is_ok()
    });
    // torch.save's zip layout (written by PyTorch), read by the workbench's own pickle reader.
    let pth = dir.join("w.pth");
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    let script = "import sys, torch; torch.manual_seed(0); torch.save({'conv.weight': torch.randn(2, 1, 3, 3), 'conv.bias': torch.zeros(2), 'n': torch.tensor(3)}, sys.argv[1])";
    let o = std::process::Command::new(py)
        .args(["-c", script])
        .arg(&pth)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let seed = std::fs::read(&pth).unwrap();
    fuzz("torch-save", &[seed], 0.03, |d| {
        std::fs::write(&pth, d).unwrap();
        import::read_state_dict(&pth).is_ok()
    });
    let _ = Model::build(
        &library::bundled("lenet5.ron").unwrap().network,
        tch::Device::Cpu,
        1,
    );
}

#[test]
fn fuzz_run_folders_events_and_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_folder(tmp.path());
    let workspace = tmp.path();
    for (file, min_rate) in [
        ("events.log", 0.05),
        ("metrics.csv", 0.10),
        ("steps.csv", 0.05),
        ("run.ron", 0.005),
        ("preset.ron", 0.005),
    ] {
        let good = std::fs::read(run.join(file)).unwrap();
        fuzz(
            &format!("run-folder-{file}"),
            std::slice::from_ref(&good),
            min_rate,
            |d| {
                std::fs::write(run.join(file), d).unwrap();
                let _ = history::scan(workspace);
                let csv = folder::read_csv(&run.join(file));
                // The history reads a run with a damaged steps.csv or run.ron (it shows what it
                // can), so those files' own parsers say whether the input was accepted.
                let own = match file {
                    "steps.csv" => csv.is_ok(),
                    "run.ron" => folder::load_meta(&run).is_ok(),
                    _ => true,
                };
                history::load_run(&run).is_ok() && own
            },
        );
        std::fs::write(run.join(file), good).unwrap();
    }
    let lines: Vec<Vec<u8>> = std::fs::read_to_string(run.join("events.log"))
        .unwrap()
        .lines()
        .map(|l| l.as_bytes().to_vec())
        .collect();
    fuzz("event-line", &lines, 0.01, |d| {
        folder::parse_event_line(&String::from_utf8_lossy(d)).is_ok()
    });
}

#[test]
fn fuzz_comparison_manifests_and_catalogs() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path();
    let dir = ws.join("comparisons/c1");
    std::fs::create_dir_all(&dir).unwrap();
    // Written by the workbench's own types, so that it stays a valid manifest (a hand-written
    // one had drifted from the format and every input was rejected).
    let run = |variant: &str, seed| ComparisonRun {
        variant: variant.into(),
        seed,
        run: format!("{variant}-{seed}"),
    };
    let manifest = Comparison {
        name: "act".into(),
        created: "20261129-000000".into(),
        spec: CompareSpec::default(),
        runs: vec![run("relu", 1), run("relu", 2), run("mish", 1)],
    };
    let manifest = ron::ser::to_string_pretty(&manifest, Default::default())
        .unwrap()
        .into_bytes();
    fuzz("manifest", &[manifest], 0.01, |d| {
        std::fs::write(dir.join(cnn_workbench::runs::compare::MANIFEST), d).unwrap();
        let _ = Comparison::list(ws);
        Comparison::load(ws, "c1").is_ok()
    });
    let catalog = tmp.path().join("catalog.ron");
    let seed = ron::ser::to_string_pretty(&cnn_workbench::fetch::catalog(), Default::default())
        .unwrap()
        .into_bytes();
    fuzz("catalog", &[seed], 0.02, |d| {
        std::fs::write(&catalog, d).unwrap();
        cnn_workbench::fetch::load_catalog(&catalog).is_ok()
    });
}
