//! Verified downloads become a dataset folder atomically: everything is written into a
//! temporary folder beside the destination, which is renamed into place only when complete.
use super::catalog::{Archive, Entry};
use super::download::{io, FetchError};
use std::path::{Path, PathBuf};

fn fill(entry: &Entry, files: &[PathBuf], tmp: &Path) -> Result<(), FetchError> {
    match entry.archive {
        Archive::GzipFiles => {
            for f in files {
                let name = f.file_name().unwrap_or_default();
                std::fs::copy(f, tmp.join(name)).map_err(io(&tmp.join(name), "write"))?;
            }
        }
        Archive::TarGz => {
            for f in files {
                let file = std::fs::File::open(f).map_err(io(f, "read"))?;
                let gz = flate2::read::GzDecoder::new(std::io::BufReader::new(file));
                // `unpack` refuses entries that would land outside `tmp`.
                tar::Archive::new(gz)
                    .unpack(tmp)
                    .map_err(|e| FetchError::Unpack {
                        archive: f.clone(),
                        problem: e.to_string(),
                    })?;
            }
        }
    }
    Ok(())
}

/// Unpacks the verified `files` of `entry` into `cache/<name>`; nothing is left half-written.
pub fn unpack(entry: &Entry, files: &[PathBuf], cache: &Path) -> Result<PathBuf, FetchError> {
    let dest = cache.join(&entry.name);
    let tmp = cache.join(format!(".unpacking-{}-{}", entry.name, std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io(&tmp, "remove"))?;
    }
    std::fs::create_dir_all(&tmp).map_err(io(&tmp, "create"))?;
    if let Err(e) = fill(entry, files, &tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, &dest).map_err(|e| {
        let _ = std::fs::remove_dir_all(&tmp);
        io(&dest, "create")(e)
    })?;
    // The archives are no longer needed once unpacked.
    for f in files {
        let _ = std::fs::remove_file(f);
    }
    Ok(dest)
}
