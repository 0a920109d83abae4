//! Resumable, verified downloads. A file arrives in `<cache>/.downloads/<file>.part`; a second
//! attempt asks the server for the rest (an HTTP range request). Only a file whose MD5 matches
//! the catalog is unpacked; a mismatching one is removed.
use super::catalog::{catalog, Entry};
use md5::{Digest, Md5};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Told how a download goes; the CLI draws a progress bar, the window a panel.
pub trait Progress {
    /// A file starts downloading, or resumes with `done` bytes already here.
    fn file(&mut self, name: &str, done: u64, total: Option<u64>);
    /// `done` bytes of the current file are here; false cancels the download.
    fn bytes(&mut self, done: u64) -> bool;
    /// A line to show: a mirror that failed, unpacking, already downloaded.
    fn note(&mut self, line: &str);
}

#[derive(thiserror::Error, Debug)]
pub enum FetchError {
    #[error("no downloadable dataset named \"{name}\" — choose one of: {choices}")]
    Unknown { name: String, choices: String },
    #[error("{file}: every mirror failed — {}. What arrived is kept in {} and the next attempt resumes it", attempts.join("; "), partial.display())]
    AllMirrorsFailed {
        file: String,
        attempts: Vec<String>,
        partial: PathBuf,
    },
    #[error("{file}: checksum mismatch (MD5 {got}, expected {expected}) from {url} — the download is corrupt or not the expected file, so it was removed ({}); try again later or another mirror", path.display())]
    Checksum {
        file: String,
        url: String,
        got: String,
        expected: String,
        path: PathBuf,
    },
    #[error("{}: cannot {what}: {source}", path.display())]
    Io {
        path: PathBuf,
        what: &'static str,
        source: std::io::Error,
    },
    #[error("cancelled; what arrived is kept in {} and the next attempt resumes it", .0.display())]
    Cancelled(PathBuf),
    #[error("{}: not a dataset catalog: {problem}", path.display())]
    Catalog { path: PathBuf, problem: String },
    #[error("{}: cannot unpack: {problem}", archive.display())]
    Unpack { archive: PathBuf, problem: String },
}

pub(super) fn io(path: &Path, what: &'static str) -> impl FnOnce(std::io::Error) -> FetchError {
    let path = path.to_path_buf();
    move |source| FetchError::Io { path, what, source }
}

/// How one attempt at one mirror ended badly.
enum Attempt {
    /// The server or the connection: try the next mirror.
    Remote(String),
    /// Here (disk full, permissions): stop.
    Local(FetchError),
    Cancelled,
}

/// The MD5 of a file, in hex.
pub fn md5_file(path: &Path) -> Result<String, FetchError> {
    let mut f = File::open(path).map_err(io(path, "read"))?;
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(io(path, "read"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(15)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .build()
        .into()
}

fn header_u64(resp: &ureq::http::Response<ureq::Body>, name: &str) -> Option<u64> {
    resp.headers().get(name)?.to_str().ok()?.trim().parse().ok()
}

/// One GET of `url` into `part`, resuming what is there.
fn fetch_into(
    agent: &ureq::Agent,
    url: &str,
    name: &str,
    part: &Path,
    progress: &mut dyn Progress,
) -> Result<(), Attempt> {
    let have = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
    let mut req = agent.get(url);
    if have > 0 {
        req = req.header("Range", format!("bytes={have}-"));
    }
    let mut resp = req.call().map_err(|e| Attempt::Remote(e.to_string()))?;
    let length = header_u64(&resp, "content-length");
    let (append, total) = match resp.status().as_u16() {
        206 if have > 0 => (true, length.map(|l| l + have)),
        200 => (false, length),
        // Nothing left to send: the part is whole (the checksum says).
        416 if have > 0 => return Ok(()),
        s => return Err(Attempt::Remote(format!("HTTP {s}"))),
    };
    let open = if append {
        OpenOptions::new().append(true).open(part)
    } else {
        File::create(part)
    };
    let mut file = open.map_err(|e| Attempt::Local(io(part, "write")(e)))?;
    let mut done = if append { have } else { 0 };
    progress.file(name, done, total);
    let mut reader = resp.body_mut().as_reader();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                return Err(Attempt::Remote(format!(
                    "the connection broke after {done} bytes ({e})"
                )))
            }
        };
        file.write_all(&buf[..n])
            .map_err(|e| Attempt::Local(io(part, "write")(e)))?;
        done += n as u64;
        if !progress.bytes(done) {
            return Err(Attempt::Cancelled);
        }
    }
    file.flush()
        .map_err(|e| Attempt::Local(io(part, "write")(e)))?;
    match total {
        Some(t) if done < t => Err(Attempt::Remote(format!(
            "the connection closed after {done} of {t} bytes"
        ))),
        _ => Ok(()),
    }
}

fn url_for(mirror: &str, file: &str) -> String {
    if mirror.ends_with('/') {
        format!("{mirror}{file}")
    } else {
        format!("{mirror}/{file}")
    }
}

/// Downloads one file of `entry` into `dir`, verified; returns its path.
fn download_file(
    entry: &Entry,
    (file, md5): (&str, &str),
    dir: &Path,
    progress: &mut dyn Progress,
) -> Result<PathBuf, FetchError> {
    let done_path = dir.join(file);
    if done_path.is_file() && md5_file(&done_path)? == md5 {
        progress.note(&format!("{file}: already downloaded and verified"));
        return Ok(done_path);
    }
    let part = dir.join(format!("{file}.part"));
    let agent = agent();
    let mut attempts = Vec::new();
    let mut mismatch = None;
    for mirror in &entry.mirrors {
        let url = url_for(mirror, file);
        match fetch_into(&agent, &url, file, &part, progress) {
            Ok(()) => {}
            Err(Attempt::Remote(why)) => {
                progress.note(&format!("{url}: {why}"));
                attempts.push(format!("{url}: {why}"));
                continue;
            }
            Err(Attempt::Local(e)) => return Err(e),
            Err(Attempt::Cancelled) => return Err(FetchError::Cancelled(part)),
        }
        let got = md5_file(&part)?;
        if got == md5 {
            std::fs::rename(&part, &done_path).map_err(io(&done_path, "write"))?;
            return Ok(done_path);
        }
        std::fs::remove_file(&part).map_err(io(&part, "remove"))?;
        progress.note(&format!("{url}: checksum mismatch, removed"));
        attempts.push(format!("{url}: checksum mismatch (MD5 {got})"));
        mismatch = Some(FetchError::Checksum {
            file: file.into(),
            url,
            got,
            expected: md5.into(),
            path: part.clone(),
        });
    }
    match mismatch {
        Some(e) if attempts.len() == 1 => Err(e),
        _ => Err(FetchError::AllMirrorsFailed {
            file: file.into(),
            attempts,
            partial: part,
        }),
    }
}

/// The catalog entry called `name`.
pub fn entry(name: &str, entries: &[Entry]) -> Result<Entry, FetchError> {
    entries
        .iter()
        .find(|e| e.name == name)
        .cloned()
        .ok_or_else(|| FetchError::Unknown {
            name: name.into(),
            choices: entries
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// Downloads, verifies and unpacks `entry` into `cache/<name>`; returns that folder.
pub fn get(
    entry: &Entry,
    cache: &Path,
    progress: &mut dyn Progress,
) -> Result<PathBuf, FetchError> {
    let dest = cache.join(&entry.name);
    if dest.is_dir() {
        progress.note(&format!("{} is already in {}", entry.name, dest.display()));
        return Ok(dest);
    }
    let dir = cache.join(".downloads");
    std::fs::create_dir_all(&dir).map_err(io(&dir, "create"))?;
    let mut files = Vec::new();
    for (file, md5) in &entry.files {
        files.push(download_file(entry, (file, md5), &dir, progress)?);
    }
    progress.note(&format!("verified; unpacking into {}", dest.display()));
    super::unpack::unpack(entry, &files, cache)
}

/// The catalog in use: the RON file `$CNN_WORKBENCH_CATALOG` names (an internal mirror, say),
/// else the built-in one.
pub fn configured_catalog() -> Result<Vec<Entry>, FetchError> {
    match std::env::var_os("CNN_WORKBENCH_CATALOG") {
        Some(path) => load_catalog(Path::new(&path)),
        None => Ok(catalog()),
    }
}

/// A catalog file: a RON list of entries.
pub fn load_catalog(path: &Path) -> Result<Vec<Entry>, FetchError> {
    let path = path.to_path_buf();
    let text = std::fs::read_to_string(&path).map_err(io(&path, "read"))?;
    ron::from_str(&text).map_err(|e| FetchError::Catalog {
        path,
        problem: format!(
            "line {}, column {}: {}",
            e.span.start.line, e.span.start.col, e.code
        ),
    })
}

/// The entry for `name` in the catalog in use.
pub fn builtin(name: &str) -> Result<Entry, FetchError> {
    entry(name, &configured_catalog()?)
}
