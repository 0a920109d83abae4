#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! Downloads against an HTTP server this test starts on 127.0.0.1 (never the internet):
//! mirror fallback after a 404, resuming a cut download with a range request, a corrupted
//! body, a full disk, cancelling, and `data get` end to end.
use cnn_workbench::engine::data::{cifar, detect};
use cnn_workbench::fetch::{self, Archive, Entry, FetchError, Progress};
use cnn_workbench::spec::DataSource;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Requests seen: (path, Range header).
type Log = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// Serves `body` under /ok/, /cut/ (half, then the connection closes), /bad/ (one byte
/// changed), /slow/ (small pieces with pauses); anything else is 404. Honours `Range`.
fn serve(body: Vec<u8>) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let seen = log.clone();
    let body = Arc::new(body);
    std::thread::Builder::new()
        .name("test-http".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                let (body, seen) = (body.clone(), seen.clone());
                std::thread::Builder::new()
                    .name("test-http-conn".into())
                    .spawn(move || respond(stream, &body, &seen))
                    .unwrap();
            }
        })
        .unwrap();
    (base, log)
}

fn respond(mut stream: TcpStream, body: &[u8], log: &Log) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut range = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some(v) = h
            .strip_prefix("Range: ")
            .or_else(|| h.strip_prefix("range: "))
        {
            range = Some(v.trim().to_string());
        }
    }
    log.lock().unwrap().push((path.clone(), range.clone()));
    let route = path.split('/').nth(1).unwrap_or("");
    if !["ok", "cut", "bad", "slow"].contains(&route) {
        let _ = stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    }
    let mut data = body.to_vec();
    if route == "bad" {
        let mid = data.len() / 2;
        data[mid] ^= 0xff;
    }
    let from: usize = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.trim_end_matches('-').parse().ok())
        .unwrap_or(0);
    let part = &data[from.min(data.len())..];
    let status = if from > 0 {
        "206 Partial Content"
    } else {
        "200 OK"
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        part.len()
    );
    let _ = stream.write_all(head.as_bytes());
    match route {
        "cut" => {
            let _ = stream.write_all(&part[..part.len() / 2]);
        }
        "slow" => {
            for chunk in part.chunks(1024) {
                if stream.write_all(chunk).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        _ => {
            let _ = stream.write_all(part);
        }
    }
    let _ = stream.flush();
}

/// A CIFAR-10 binary folder in a .tar.gz, as the archive would hold it.
fn cifar_archive() -> Vec<u8> {
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, format!("cifar-10-batches-bin/{name}"), data)
            .unwrap();
    };
    let record = |i: usize| -> Vec<u8> {
        let mut r = vec![(i % 10) as u8];
        r.extend((0..3072).map(|j| ((i + j) % 256) as u8));
        r
    };
    for b in 1..=5 {
        let data: Vec<u8> = (0..3).flat_map(|i| record(b * 10 + i)).collect();
        add(&format!("data_batch_{b}.bin"), &data);
    }
    let test: Vec<u8> = (0..4).flat_map(record).collect();
    add("test_batch.bin", &test);
    add(
        "batches.meta.txt",
        b"airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n",
    );
    tar.into_inner().unwrap().finish().unwrap()
}

fn md5(data: &[u8]) -> String {
    use md5::Digest;
    md5::Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn entry(base: &str, routes: &[&str], body: &[u8]) -> Entry {
    Entry {
        name: "cifar-10".into(),
        mirrors: routes.iter().map(|r| format!("{base}/{r}/")).collect(),
        files: vec![("cifar-10-python.tar.gz".into(), md5(body))],
        archive: Archive::TarGz,
    }
}

#[derive(Default)]
struct Recorder {
    lines: Vec<String>,
    resumed_from: Vec<u64>,
    updates: usize,
    cancel_after: Option<u64>,
}

impl Progress for Recorder {
    fn file(&mut self, _name: &str, done: u64, _total: Option<u64>) {
        self.resumed_from.push(done);
    }
    fn bytes(&mut self, done: u64) -> bool {
        self.updates += 1;
        self.cancel_after.is_none_or(|n| done < n)
    }
    fn note(&mut self, line: &str) {
        self.lines.push(line.into());
    }
}

#[test]
fn a_404_mirror_is_skipped_and_the_archive_unpacks_into_a_cifar_folder() {
    let body = cifar_archive();
    let (base, log) = serve(body.clone());
    let cache = tempfile::tempdir().unwrap();
    let mut p = Recorder::default();
    let dir = fetch::get(&entry(&base, &["gone", "ok"], &body), cache.path(), &mut p).unwrap();
    assert_eq!(dir, cache.path().join("cifar-10"));
    assert!(
        p.lines
            .iter()
            .any(|l| l.contains("/gone/") && l.contains("HTTP 404")),
        "{:?}",
        p.lines
    );
    assert_eq!(log.lock().unwrap().len(), 2);
    assert!(p.updates > 0, "the download reported no progress");
    assert_eq!(p.resumed_from, [0], "one file, from its start");
    assert!(matches!(detect(&dir).unwrap(), DataSource::Cifar { .. }));
    let (train, test, names) = cifar::load(&dir, false).unwrap();
    assert_eq!(
        (train.len(), test.len(), names[9].as_str()),
        (15, 4, "truck")
    );
    // Nothing left behind: no temporary folder, no archive.
    let left: Vec<_> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left.iter().filter(|n| n.starts_with(".unpacking")).count(),
        0
    );
    assert!(!cache
        .path()
        .join(".downloads/cifar-10-python.tar.gz")
        .exists());
}

#[test]
fn a_cut_download_resumes_with_a_range_request() {
    let body = cifar_archive();
    let (base, log) = serve(body.clone());
    let cache = tempfile::tempdir().unwrap();
    let mut p = Recorder::default();
    let e = fetch::get(&entry(&base, &["cut"], &body), cache.path(), &mut p).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("connection") && msg.contains("next attempt resumes"),
        "{msg}"
    );
    let part = cache.path().join(".downloads/cifar-10-python.tar.gz.part");
    let kept = std::fs::metadata(&part).unwrap().len();
    assert_eq!(kept, (body.len() / 2) as u64);
    assert!(!cache.path().join("cifar-10").exists());

    let mut p = Recorder::default();
    fetch::get(&entry(&base, &["ok"], &body), cache.path(), &mut p).unwrap();
    assert_eq!(p.resumed_from, [kept]);
    let last = log.lock().unwrap().last().cloned().unwrap();
    assert_eq!(last.1.as_deref(), Some(format!("bytes={kept}-").as_str()));
    assert!(cifar::is_cifar(&cache.path().join("cifar-10")));
}

#[test]
fn a_corrupted_download_is_removed_and_the_error_says_so() {
    let body = cifar_archive();
    let (base, _) = serve(body.clone());
    let cache = tempfile::tempdir().unwrap();
    let e = fetch::get(
        &entry(&base, &["bad"], &body),
        cache.path(),
        &mut Recorder::default(),
    )
    .unwrap_err();
    assert!(matches!(e, FetchError::Checksum { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("checksum mismatch") && msg.contains("it was removed"),
        "{msg}"
    );
    assert!(!cache
        .path()
        .join(".downloads/cifar-10-python.tar.gz.part")
        .exists());
    assert!(!cache.path().join("cifar-10").exists());
}

#[test]
fn a_full_disk_names_the_file_and_stops() {
    let body = cifar_archive();
    let (base, _) = serve(body.clone());
    let cache = tempfile::tempdir().unwrap();
    let dl = cache.path().join(".downloads");
    std::fs::create_dir_all(&dl).unwrap();
    // Writes to /dev/full fail with ENOSPC, as on a full disk.
    std::os::unix::fs::symlink("/dev/full", dl.join("cifar-10-python.tar.gz.part")).unwrap();
    let e = fetch::get(
        &entry(&base, &["ok", "ok"], &body),
        cache.path(),
        &mut Recorder::default(),
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("cifar-10-python.tar.gz.part") && msg.contains("No space left"),
        "{msg}"
    );
    assert!(!cache.path().join("cifar-10").exists());
}

#[test]
fn cancelling_keeps_what_arrived_for_later() {
    // 64 KiB that do not compress, served slowly in 1 KiB pieces.
    let mut x = 0x2545_f491_u32;
    let body: Vec<u8> = (0..65_536)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    let (base, _) = serve(body.clone());
    let cache = tempfile::tempdir().unwrap();
    let e = Entry {
        name: "noise".into(),
        mirrors: vec![format!("{base}/slow/")],
        files: vec![("noise.gz".into(), md5(&body))],
        archive: Archive::GzipFiles,
    };
    let mut p = Recorder {
        cancel_after: Some(4096),
        ..Recorder::default()
    };
    let err = fetch::get(&e, cache.path(), &mut p).unwrap_err();
    assert!(matches!(err, FetchError::Cancelled(_)), "{err}");
    let part = cache.path().join(".downloads/noise.gz.part");
    let kept = std::fs::metadata(&part).unwrap().len();
    assert!((4096..65_536).contains(&kept), "{kept}");
    assert!(!cache.path().join("noise").exists());
}

fn run(args: &[&str], cache: &Path) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cnn-workbench"))
        .args(args)
        .env("CNN_WORKBENCH_DATA", cache)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn data_get_downloads_verifies_and_unpacks_then_trains_by_name() {
    let body = cifar_archive();
    let (base, _) = serve(body.clone());
    let cache = tempfile::tempdir().unwrap();
    // The built-in MD5 (the real CIFAR-10 archive's) does not match this small archive.
    let (ok, text) = run(
        &[
            "data",
            "get",
            "cifar-10",
            "--mirror",
            &format!("{base}/ok/"),
        ],
        cache.path(),
    );
    assert!(
        !ok && text.contains("checksum mismatch")
            && text.contains("c58f30108f718f92721af3b95e9d6bbb"),
        "{text}"
    );
    // A catalog for this server (as an internal mirror would have) verifies and unpacks.
    let catalog = cache.path().join("catalog.ron");
    let e = vec![entry(&base, &["gone", "ok"], &body)];
    std::fs::write(&catalog, ron::to_string(&e).unwrap()).unwrap();
    let (ok, text) = run(
        &[
            "data",
            "get",
            "cifar-10",
            "--catalog",
            &catalog.display().to_string(),
        ],
        cache.path(),
    );
    assert!(ok, "{text}");
    assert!(text.contains("cifar-10 is ready in"), "{text}");
    let (ok, text) = run(&["data", "list"], cache.path());
    assert!(
        ok && text
            .lines()
            .any(|l| l.starts_with("cifar-10 ") && l.ends_with("downloaded")),
        "{text}"
    );
    let preset = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/cifar-vgg.ron");
    let runs = tempfile::tempdir().unwrap();
    let (ok, text) = run(
        &[
            "train",
            &preset.display().to_string(),
            "--data",
            "cifar-10",
            "--epochs",
            "1",
            "--out",
            &runs.path().display().to_string(),
        ],
        cache.path(),
    );
    assert!(ok, "{text}");
    assert!(text.contains("test accuracy"), "{text}");
    let (ok, text) = run(&["data", "get", "mnist-9000"], cache.path());
    assert!(
        !ok && text.contains("no downloadable dataset named \"mnist-9000\""),
        "{text}"
    );
}

#[test]
fn gzip_files_are_kept_as_they_are() {
    let (base, _) = serve(b"\x1f\x8bnot really".to_vec());
    let cache = tempfile::tempdir().unwrap();
    let e = Entry {
        name: "tiny".into(),
        mirrors: vec![format!("{base}/ok")],
        files: vec![("a.gz".into(), md5(b"\x1f\x8bnot really"))],
        archive: Archive::GzipFiles,
    };
    let dir = fetch::get(&e, cache.path(), &mut Recorder::default()).unwrap();
    let mut f = std::fs::File::open(dir.join("a.gz")).unwrap();
    let mut s = Vec::new();
    f.read_to_end(&mut s).unwrap();
    assert_eq!(s, b"\x1f\x8bnot really");
}

#[test]
fn a_broken_catalog_names_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.ron");
    std::fs::write(&path, "[\n  (name: \"x\", mirrors: [],\n").unwrap();
    let e = fetch::load_catalog(&path).unwrap_err().to_string();
    assert!(
        e.contains("catalog.ron: not a dataset catalog: line"),
        "{e}"
    );
}

/// The datasets the window and `--data` offer are exactly those the download catalog holds,
/// and each one's input size is what its format gives (MNIST-format 1×28×28, CIFAR 3×32×32).
#[test]
fn the_downloadable_datasets_are_the_catalogs() {
    let offered: Vec<&str> = cnn_workbench::spec::DOWNLOADABLE.map(|d| d.name).to_vec();
    let catalog: Vec<String> = fetch::catalog().into_iter().map(|e| e.name).collect();
    assert_eq!(offered, catalog);
    for d in cnn_workbench::spec::DOWNLOADABLE {
        let cifar = matches!(
            fetch::catalog()
                .iter()
                .find(|e| e.name == d.name)
                .unwrap()
                .archive,
            Archive::TarGz
        );
        let format = if cifar {
            cnn_workbench::spec::Format::Cifar
        } else {
            cnn_workbench::spec::Format::Idx
        };
        assert_eq!(d.format, format, "{}", d.name);
        assert_eq!(
            d.input(),
            Some(if cifar { (3, 32) } else { (1, 28) }),
            "{}",
            d.name
        );
    }
}
