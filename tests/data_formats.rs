#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! Colour data: CIFAR-10/100 in both distributions, image folders with bad files among good
//! ones, the streaming loader against the in-memory path, and decoding to the network input.
use cnn_workbench::engine::data::{cifar, detect, folder, Dataset, DecodeSpec, Split};
use cnn_workbench::engine::tch;
use cnn_workbench::spec::{DataSource, DataSpec, Loader};
use std::path::{Path, PathBuf};
use tch::{Device, Kind};

const NAMES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// Image i of a batch: pixel j is (i·7 + j) mod 256; its label i mod 10.
fn pixel(i: usize, j: usize) -> u8 {
    ((i * 7 + j) % 256) as u8
}

fn write_bin(path: &Path, n: usize, label_bytes: usize, offset: usize) {
    let mut out = Vec::new();
    for i in offset..offset + n {
        if label_bytes == 2 {
            out.push((i % 20) as u8); // coarse
        }
        out.push((i % 10) as u8);
        out.extend((0..3072).map(|j| pixel(i, j)));
    }
    std::fs::write(path, out).unwrap();
}

fn cifar10_bin(dir: &Path) {
    for b in 1..=5 {
        write_bin(&dir.join(format!("data_batch_{b}.bin")), 4, 1, (b - 1) * 4);
    }
    write_bin(&dir.join("test_batch.bin"), 5, 1, 100);
    std::fs::write(dir.join("batches.meta.txt"), NAMES.join("\n") + "\n\n").unwrap();
}

#[test]
fn cifar10_binary_batches_load_with_their_class_names() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cifar-10-batches-bin");
    std::fs::create_dir(&dir).unwrap();
    cifar10_bin(&dir);
    // The parent folder (where the archive was unpacked) is found too.
    assert_eq!(
        detect(tmp.path()).unwrap(),
        DataSource::Cifar {
            folder: tmp.path().into()
        }
    );
    let (train, test, names) = cifar::load(tmp.path(), false).unwrap();
    assert_eq!(names, NAMES);
    assert_eq!((train.len(), test.len()), (20, 5));
    assert_eq!((train.channels, train.height, train.width), (3, 32, 32));
    // Image 13 (batch 4, record 1): label 3, pixel j = (13·7 + j) mod 256, channel-major as stored.
    assert_eq!(train.labels[13], 3);
    let img = &train.pixels[13 * 3072..14 * 3072];
    for j in [0, 1023, 1024, 3071] {
        assert_eq!(img[j], pixel(13, j) as f32 / 255.0, "pixel {j}");
    }
    assert_eq!(test.labels[0], 0); // image 100
}

#[test]
fn cifar100_binary_has_fine_and_coarse_labels() {
    let tmp = tempfile::tempdir().unwrap();
    write_bin(&tmp.path().join("train.bin"), 30, 2, 0);
    write_bin(&tmp.path().join("test.bin"), 10, 2, 30);
    let fine: Vec<String> = (0..100).map(|i| format!("fine{i}")).collect();
    let coarse: Vec<String> = (0..20).map(|i| format!("coarse{i}")).collect();
    std::fs::write(tmp.path().join("fine_label_names.txt"), fine.join("\n")).unwrap();
    std::fs::write(tmp.path().join("coarse_label_names.txt"), coarse.join("\n")).unwrap();
    let (train, _, names) = cifar::load(tmp.path(), false).unwrap();
    assert_eq!(names.len(), 100);
    assert_eq!(train.labels[17], 7);
    let (train, _, names) = cifar::load(tmp.path(), true).unwrap();
    assert_eq!(names.len(), 20);
    assert_eq!(names[17], "coarse17");
    assert_eq!(train.labels[17], 17);
}

fn python() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python")
}

/// Writes a Python-version CIFAR-10 folder with numpy and `pickle` at `protocol`, as
/// torchvision's download unpacks it (`cifar-10-batches-py/`).
fn cifar10_py(root: &Path, protocol: u8) {
    let script = format!(
        r#"
import numpy as np, pickle, os, sys
d = os.path.join(sys.argv[1], "cifar-10-batches-py")
os.makedirs(d, exist_ok=True)
def batch(start, n):
    i = np.arange(start, start + n)[:, None]
    j = np.arange(3072)[None, :]
    return {{"batch_label": "b", "labels": [int(k % 10) for k in range(start, start + n)],
            "data": ((i * 7 + j) % 256).astype(np.uint8), "filenames": ["x.png"] * n}}
for b in range(1, 6):
    pickle.dump(batch((b - 1) * 4, 4), open(os.path.join(d, "data_batch_%d" % b), "wb"), protocol={protocol})
pickle.dump(batch(100, 5), open(os.path.join(d, "test_batch"), "wb"), protocol={protocol})
pickle.dump({{"label_names": {NAMES:?}, "num_vis": 3072}}, open(os.path.join(d, "batches.meta"), "wb"), protocol={protocol})
"#
    );
    let o = std::process::Command::new(python())
        .args(["-c", &script, &root.display().to_string()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn cifar10_python_pickles_equal_the_binary_version() {
    let tmp = tempfile::tempdir().unwrap();
    cifar10_bin(tmp.path());
    let (bin_train, bin_test, _) = cifar::load(tmp.path(), false).unwrap();
    // Protocol 2 is what the original files use; 4 and 5 are what Python 3 writes today.
    for protocol in [2, 4, 5] {
        let root = tempfile::tempdir().unwrap();
        cifar10_py(root.path(), protocol);
        let (train, test, names) = cifar::load(root.path(), false).unwrap();
        assert_eq!(names, NAMES, "protocol {protocol}");
        assert_eq!(train.labels, bin_train.labels, "protocol {protocol}");
        assert_eq!(train.pixels, bin_train.pixels, "protocol {protocol}");
        assert_eq!(test.pixels, bin_test.pixels, "protocol {protocol}");
    }
}

#[test]
fn bad_cifar_files_are_named_with_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    cifar10_bin(tmp.path());
    // Truncated: one byte short.
    let f = tmp.path().join("data_batch_2.bin");
    let mut bytes = std::fs::read(&f).unwrap();
    bytes.pop();
    std::fs::write(&f, bytes).unwrap();
    let e = cifar::load(tmp.path(), false).unwrap_err().to_string();
    assert!(e.contains("data_batch_2.bin"), "{e}");
    assert!(e.contains("not a whole number of 3073-byte records"), "{e}");

    // A pickle that is not a CIFAR batch, and a file that is not a pickle at all.
    let py = tempfile::tempdir().unwrap();
    cifar10_py(py.path(), 2);
    let d = py.path().join("cifar-10-batches-py");
    let o = std::process::Command::new(python())
        .args([
            "-c",
            "import pickle, sys; pickle.dump({'labels': [1, 2]}, open(sys.argv[1], 'wb'), protocol=2)",
            &d.join("data_batch_3").display().to_string(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let e = cifar::load(py.path(), false).unwrap_err().to_string();
    assert!(
        e.contains("data_batch_3") && e.contains("not a CIFAR batch"),
        "{e}"
    );
    std::fs::write(d.join("data_batch_3"), b"hello").unwrap();
    let e = cifar::load(py.path(), false).unwrap_err().to_string();
    assert!(
        e.contains("data_batch_3") && e.contains("not a binary pickle"),
        "{e}"
    );
}

/// An image of `w`×`h` whose pixel (x, y) has value (x·10 + y) in every channel.
fn gradient(w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| {
        let v = (x * 10 + y) as u8;
        image::Rgb([v, v / 2, 255 - v])
    })
}

/// A PNG whose header claims 30,000×30,000 pixels (the data after it is a 1×1 image's).
fn huge_png(path: &Path) {
    let mut bytes = Vec::new();
    image::DynamicImage::ImageLuma8(image::GrayImage::new(1, 1))
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    // IHDR data starts at byte 16: width, height (big-endian), then the chunk's CRC at 29.
    bytes[16..20].copy_from_slice(&30_000u32.to_be_bytes());
    bytes[20..24].copy_from_slice(&30_000u32.to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    std::fs::write(path, bytes).unwrap();
}

/// Three classes of generated images in several formats and sizes, plus bad files.
fn image_folder(root: &Path) {
    for (c, class) in ["circle", "square", "triangle"].iter().enumerate() {
        let d = root.join(class);
        std::fs::create_dir_all(&d).unwrap();
        for i in 0..8u32 {
            let img = image::DynamicImage::ImageRgb8(gradient(20 + i + c as u32, 16 + i));
            let (name, img) = match i % 4 {
                0 => (format!("{i}.png"), img),
                1 => (format!("{i}.jpg"), img),
                2 => (format!("{i}.bmp"), img),
                _ => (
                    format!("{i}.PNG"),
                    image::DynamicImage::ImageLuma8(img.to_luma8()),
                ),
            };
            img.save(d.join(name)).unwrap();
        }
        // WebP (lossless) too.
        image::DynamicImage::ImageRgb8(gradient(30, 20))
            .save(d.join("8.webp"))
            .unwrap();
    }
    let bad = root.join("square");
    std::fs::write(bad.join("readme.txt"), "not an image").unwrap();
    std::fs::write(bad.join("corrupt.jpg"), b"\xff\xd8\xff\xe0 truncated").unwrap();
    huge_png(&bad.join("huge.png"));
}

fn spec_for(root: &Path, loader: Loader) -> DataSpec {
    DataSpec {
        source: DataSource::ImageFolder {
            folder: root.into(),
        },
        loader,
        validation_fraction: 0.2,
        ..DataSpec::default()
    }
}

const RGB16: DecodeSpec = DecodeSpec {
    channels: 3,
    height: 16,
    width: 16,
};

#[test]
fn an_image_folder_skips_bad_files_and_names_them() {
    let tmp = tempfile::tempdir().unwrap();
    image_folder(tmp.path());
    let index = folder::scan(tmp.path()).unwrap();
    assert_eq!(index.classes, ["circle", "square", "triangle"]);
    // 27 images + the corrupt JPEG and the huge PNG (found by name, refused when decoded).
    assert_eq!(index.train.len(), 29);
    assert_eq!(index.skipped.len(), 1, "{:?}", index.skipped);
    assert!(index.skipped[0].0.ends_with("readme.txt"));

    let ds = Dataset::load(&spec_for(tmp.path(), Loader::Memory), RGB16, Device::Cpu).unwrap();
    assert_eq!(ds.train_len() + ds.val_len() + ds.test_len(), 27);
    let w = ds.warnings.join("\n");
    assert!(w.contains("readme.txt: not an image"), "{w}");
    assert!(w.contains("corrupt.jpg: not a readable image"), "{w}");
    assert!(
        w.contains("huge.png: larger than the decoder's limit"),
        "{w}"
    );
}

/// Tried as a new user would: a named pipe called `pipe.png` among the images made `train`
/// hang silently (reading it waits for a writer). It is passed over and named.
#[test]
fn a_named_pipe_among_the_images_is_named_and_skipped_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    image_folder(tmp.path());
    let pipe = tmp.path().join("circle").join("pipe.png");
    let made = std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .unwrap();
    assert!(made.success());
    // On a thread, so that a regression fails the test instead of hanging it.
    let root = tmp.path().to_path_buf();
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("load-with-pipe".into())
        .spawn(move || {
            let index = folder::scan(&root).unwrap();
            let ds = Dataset::load(&spec_for(&root, Loader::Memory), RGB16, Device::Cpu).unwrap();
            let _ = tx.send((index.train.len(), index.skipped, ds.warnings));
        })
        .unwrap();
    let (train, skipped, warnings) = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("loading a folder with a named pipe finished");
    assert_eq!(train, 29, "the same images as without the pipe");
    assert!(
        skipped
            .iter()
            .any(|(p, why)| p.ends_with("pipe.png") && why == "a named pipe, not a regular file"),
        "{skipped:?}"
    );
    let w = warnings.join("\n");
    assert!(
        w.contains("pipe.png: a named pipe, not a regular file"),
        "{w}"
    );
}

#[test]
fn streaming_gives_the_same_images_as_memory() {
    let tmp = tempfile::tempdir().unwrap();
    image_folder(tmp.path());
    let mem = Dataset::load(&spec_for(tmp.path(), Loader::Memory), RGB16, Device::Cpu).unwrap();
    let st = Dataset::load(&spec_for(tmp.path(), Loader::Streaming), RGB16, Device::Cpu).unwrap();
    assert!(st.is_streamed() && !mem.is_streamed());
    assert!(matches!(st.train, Split::Files(_)));
    // Same statistics (the sample is the whole, small, training set) and the same test batch.
    assert_eq!((mem.mean.len(), st.mean.len()), (3, 3));
    for (a, b) in mem.mean.iter().zip(&st.mean) {
        assert!((a - b).abs() < 1e-5, "{:?} vs {:?}", mem.mean, st.mean);
    }
    let (xm, ym) = mem.head(&mem.test, 100);
    let (xs, ys) = st.head(&st.test, 100);
    assert_eq!(
        Vec::<i64>::try_from(&ym).unwrap(),
        Vec::<i64>::try_from(&ys).unwrap()
    );
    let diff = (&xm - &xs).abs().max().double_value(&[]);
    // The streamed test split still holds the bad files: they are left out of its batches.
    assert_eq!(xm.size(), xs.size());
    assert!(diff < 1e-4, "max difference {diff}");
    // Batches of a shuffled order arrive in that order.
    let order: Vec<usize> = (0..st.train_len()).rev().collect();
    let labels: Vec<i64> = st
        .batches(&st.train, Some(order), 4, None)
        .flat_map(|b| Vec::<i64>::try_from(&b.y).unwrap())
        .collect();
    let Split::Files(set) = &st.train else {
        unreachable!()
    };
    let expected: Vec<i64> = set
        .files
        .iter()
        .zip(&set.labels)
        .rev()
        .filter(|(f, _)| !f.ends_with("corrupt.jpg") && !f.ends_with("huge.png"))
        .map(|(_, &l)| l)
        .collect();
    assert_eq!(labels, expected);
}

#[test]
fn decoding_resizes_the_shorter_side_and_crops_the_centre() {
    // torchvision: CenterCrop(4)(Resize(4)(img)) of an 8×4 image keeps columns 2..6 unscaled.
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("wide.png");
    image::GrayImage::from_fn(8, 4, |x, _| image::Luma([(x * 30) as u8]))
        .save(&p)
        .unwrap();
    let spec = DecodeSpec {
        channels: 1,
        height: 4,
        width: 4,
    };
    let px = folder::decode(&p, spec, None).unwrap();
    assert_eq!(px[..4], [60, 90, 120, 150]);
    // Grey input to a 3-channel network: three equal planes.
    let rgb = folder::decode(
        &p,
        DecodeSpec {
            channels: 3,
            ..spec
        },
        None,
    )
    .unwrap();
    assert_eq!(&rgb[..16], &rgb[16..32]);
}

#[test]
fn random_resized_crops_stay_within_torchvisions_ranges() {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for _ in 0..500 {
        let (x, y, w, h) = folder::rrc_rect(200, 100, 0.25, &mut rng);
        let area = (w * h) as f64 / 20_000.0;
        let ratio = w as f64 / h as f64;
        assert!(x + w <= 200 && y + h <= 100);
        let centre = (w, h) == (100, 100);
        assert!(
            centre || ((0.24..=1.0).contains(&area) && (0.73..=1.37).contains(&ratio)),
            "area {area} ratio {ratio}"
        );
    }
}

#[test]
fn folder_layouts_that_cannot_work_say_why() {
    let tmp = tempfile::tempdir().unwrap();
    let one = tmp.path().join("one");
    std::fs::create_dir_all(one.join("cats")).unwrap();
    gradient(8, 8).save(one.join("cats/a.png")).unwrap();
    let e = folder::scan(&one).unwrap_err().to_string();
    assert!(e.contains("only one class folder (\"cats\")"), "{e}");

    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(empty.join("cats")).unwrap();
    std::fs::create_dir_all(empty.join("dogs")).unwrap();
    gradient(8, 8).save(empty.join("cats/a.png")).unwrap();
    let e = folder::scan(&empty).unwrap_err().to_string();
    assert!(e.contains("dogs") && e.contains("holds no images"), "{e}");

    // A link back up the tree is followed once, then named and passed over.
    std::fs::create_dir_all(empty.join("dogs/inner")).unwrap();
    gradient(8, 8).save(empty.join("dogs/inner/b.png")).unwrap();
    std::os::unix::fs::symlink(empty.join("dogs"), empty.join("dogs/inner/loop")).unwrap();
    let index = folder::scan(&empty).unwrap();
    assert_eq!(index.train.len(), 2);
    assert!(
        index
            .skipped
            .iter()
            .any(|(p, why)| p.ends_with("loop") && why.contains("symlink loop")),
        "{:?}",
        index.skipped
    );

    // train/ + val/ + test/: all three splits are the folder's own.
    let split = tmp.path().join("split");
    for s in ["train", "val", "test"] {
        for c in ["a", "b"] {
            std::fs::create_dir_all(split.join(s).join(c)).unwrap();
            for i in 0..3 {
                gradient(8, 8)
                    .save(split.join(s).join(c).join(format!("{i}.png")))
                    .unwrap();
            }
        }
    }
    let index = folder::scan(&split).unwrap();
    assert_eq!(index.train.len(), 6);
    assert_eq!(index.val.as_ref().map(|v| v.len()), Some(6));
    assert_eq!(index.test.as_ref().map(|v| v.len()), Some(6));
}

#[test]
fn normalized_folder_data_has_zero_mean_per_channel() {
    let tmp = tempfile::tempdir().unwrap();
    image_folder(tmp.path());
    let ds = Dataset::load(&spec_for(tmp.path(), Loader::Memory), RGB16, Device::Cpu).unwrap();
    let Split::Memory { x, .. } = &ds.train else {
        panic!("expected memory")
    };
    let m = x.mean_dim([0i64, 2, 3].as_slice(), false, Kind::Double);
    let m = Vec::<f64>::try_from(&m).unwrap();
    assert!(m.iter().all(|v| v.abs() < 1e-4), "{m:?}");
}

fn train(args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cnn-workbench"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("train")
        .args(args)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// Fashion-MNIST written out as an image folder: `per_class` PNGs per class, train/ + test/.
fn fashion_folder(root: &Path, per_class: usize) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/fashion-mnist");
    let raw = cnn_workbench::engine::data::idx::load_split(&src, "t10k", 10).unwrap();
    let mut taken = [0usize; 10];
    for i in 0..raw.len() {
        let class = raw.labels[i] as usize;
        if taken[class] >= 2 * per_class {
            continue;
        }
        let split = if taken[class] < per_class {
            "train"
        } else {
            "test"
        };
        taken[class] += 1;
        let d = root.join(split).join(format!("{class:02}"));
        std::fs::create_dir_all(&d).unwrap();
        let px: Vec<u8> = raw.pixels[i * 784..(i + 1) * 784]
            .iter()
            .map(|v| (v * 255.0).round() as u8)
            .collect();
        image::GrayImage::from_raw(28, 28, px)
            .unwrap()
            .save(d.join(format!("{i}.png")))
            .unwrap();
    }
}

#[test]
fn resnet20_trains_on_a_cifar_folder_and_on_an_image_folder() {
    let cifar = tempfile::tempdir().unwrap();
    cifar10_bin(cifar.path());
    let runs = tempfile::tempdir().unwrap();
    let out = |n: &str| runs.path().join(n).display().to_string();
    let c = cifar.path().display().to_string();
    let (ok, text) = train(&[
        "presets/cifar-resnet20.ron",
        "--data",
        &c,
        "--epochs",
        "1",
        "--out",
        &out("cifar"),
    ]);
    assert!(ok, "{text}");
    // Ten classes: top-5 accuracy is reported beside top-1.
    assert!(
        text.contains("test accuracy") && text.contains("(top-5 "),
        "{text}"
    );

    let folder = tempfile::tempdir().unwrap();
    fashion_folder(folder.path(), 12);
    let f = folder.path().display().to_string();
    let (ok, text) = train(&[
        "presets/cifar-resnet20.ron",
        "--data",
        &f,
        "--epochs",
        "1",
        "--out",
        &out("folder"),
    ]);
    assert!(ok, "{text}");
    assert!(text.contains("(top-5 "), "{text}");
    let events = std::fs::read_to_string(runs.path().join("folder/events.log")).unwrap();
    assert!(events.contains("train_images:108,"), "train images not 108");

    // Three classes for a ten-class network: the message says what to change.
    let three = tempfile::tempdir().unwrap();
    image_folder(three.path());
    let (ok, text) = train(&[
        "presets/cifar-resnet20.ron",
        "--data",
        &three.path().display().to_string(),
        "--out",
        &out("three"),
    ]);
    assert!(!ok);
    assert!(
        text.contains("the network has 10 classes but image folder")
            && text.contains("has 3 — set the network's classes"),
        "{text}"
    );
}

#[test]
fn the_inspectors_image_file_is_fitted_like_evaluation() {
    // A 64×32 colour photo for a 3×16×16 network: halved, then the middle 16 columns.
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("photo.png");
    image::RgbImage::from_fn(64, 32, |x, _| {
        image::Rgb([if x < 32 { 255 } else { 0 }, 0, 200])
    })
    .save(&p)
    .unwrap();
    let img = cnn_workbench::engine::inspect::load_image_file(&p, 3, 16, 16).unwrap();
    assert_eq!(
        (img.channels, img.height, img.width, img.data.len()),
        (3, 16, 16, 768)
    );
    let decoded = folder::decode(&p, RGB16, None).unwrap();
    assert_eq!(img.data, folder::to_unit(&decoded));
    // Red: left half of the crop bright, right half dark; blue constant.
    assert!(
        img.data[0] > 0.9 && img.data[15] < 0.1,
        "{:?}",
        &img.data[..16]
    );
    assert!((img.data[512] - 200.0 / 255.0).abs() < 1e-6);
}
