//! The CUDA part of libtorch as an add-on. The binary links only libtorch's CPU libraries
//! (`libtorch_cpu`, `libc10`); at start, before the first tensor, it looks for
//! `libtorch_cuda.so` of the same torch version and loads it with `RTLD_GLOBAL`, whose static
//! initializers register CUDA with libtorch — the way Python's `import torch` does it. Where it
//! looks, in order:
//!   1. `$CNN_WORKBENCH_LIBTORCH` when set (only there): a pip-installed torch — its `torch`
//!      folder, that folder's `lib/`, or the `site-packages` holding it;
//!   2. `cuda/torch/lib` beside the bundle (`make dist-cuda`'s pack unpacked into the bundle);
//!   3. the folder the running libtorch was loaded from (a checkout built with `make build`
//!      links the venv's torch, whose `lib/` has the CUDA libraries beside the CPU ones).
//!
//! The torch version of a candidate comes from `version.py` beside its `lib/`; one of another
//! version is refused with both versions named, and the program runs on the CPU.
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Names a pip-installed torch whose CUDA libraries to load.
pub const LIBTORCH_ENV: &str = "CNN_WORKBENCH_LIBTORCH";
const CUDA_LIB: &str = "libtorch_cuda.so";

/// What the start-up search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CudaAddon {
    /// libtorch_cuda.so is loaded; `gpus` is how many GPUs libtorch then sees.
    Loaded {
        lib: PathBuf,
        version: String,
        gpus: usize,
    },
    /// No candidate folder had the CUDA libraries.
    Missing {
        looked: Vec<PathBuf>,
        version: String,
    },
    /// The CUDA libraries found are another torch version's.
    Refused {
        lib: PathBuf,
        found: String,
        version: String,
    },
    /// The right version, but the dynamic loader refused it (a missing NVIDIA library, …).
    Failed { lib: PathBuf, error: String },
}

impl CudaAddon {
    pub fn loaded(&self) -> bool {
        matches!(self, CudaAddon::Loaded { .. })
    }
}

impl std::fmt::Display for CudaAddon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CudaAddon::Loaded {
                lib,
                version,
                gpus: 0,
            } => write!(
                f,
                "CUDA libraries loaded, no GPU visible: torch {version}'s {CUDA_LIB} from {}; \
                 training runs on the CPU",
                lib.display()
            ),
            CudaAddon::Loaded { lib, version, gpus } => write!(
                f,
                "CUDA: {gpus} GPU(s), torch {version}'s {CUDA_LIB} from {}",
                lib.display()
            ),
            CudaAddon::Missing { looked, version } => {
                let looked: Vec<String> = looked.iter().map(|p| p.display().to_string()).collect();
                let base = base_version(version);
                write!(
                    f,
                    "CPU only: no CUDA libraries at {}; torch {version}'s {CUDA_LIB} can be \
                     added with the CUDA pack cnn-workbench-cuda-…-torch{version}-linux-x86_64.tar.zst \
                     (unpacked into the folder that holds bin/, so that cuda/ sits beside it; \
                     as root for /opt/cnn-workbench) or with `pip install torch=={base}` and \
                     {LIBTORCH_ENV}=…/site-packages/torch",
                    looked.join(" or ")
                )
            }
            CudaAddon::Refused {
                lib,
                found,
                version,
            } => write!(
                f,
                "CPU only: the CUDA libraries at {} are torch {found}'s, but this libtorch is \
                 torch {version}'s — add the CUDA pack or pip torch of {version} instead",
                lib.display()
            ),
            CudaAddon::Failed { lib, error } => write!(
                f,
                "CPU only: {CUDA_LIB} at {} could not be loaded: {error}",
                lib.display()
            ),
        }
    }
}

static STATUS: OnceLock<CudaAddon> = OnceLock::new();

/// Looks for and loads the CUDA libraries, once; call it before the first tensor (later calls
/// return the first answer).
pub fn load() -> &'static CudaAddon {
    STATUS.get_or_init(search_and_load)
}

/// The torch version of the libtorch this process runs on: its `version.py` when it is a pip
/// torch, else the version this binary was built against (the bundle ships that one).
pub fn libtorch_version() -> String {
    running_libtorch()
        .as_deref()
        .and_then(version_of)
        .unwrap_or_else(|| crate::LIBTORCH_VERSION.to_string())
}

fn search_and_load() -> CudaAddon {
    let running = running_libtorch();
    let version = libtorch_version();
    let candidates = match std::env::var_os(LIBTORCH_ENV) {
        Some(named) if !named.is_empty() => vec![resolve_named(Path::new(&named))],
        _ => {
            let beside = bundle_root().map(|r| r.join("cuda").join("torch").join("lib"));
            beside.into_iter().chain(running).collect()
        }
    };
    let Some(lib) = candidates.iter().find(|d| d.join(CUDA_LIB).is_file()) else {
        return CudaAddon::Missing {
            looked: candidates,
            version,
        };
    };
    let lib = lib.clone();
    match version_of(&lib) {
        Some(found) if found != version => {
            return CudaAddon::Refused {
                lib,
                found,
                version,
            }
        }
        _ => {}
    }
    // SAFETY: loading runs the library's initializers, which register CUDA with the libtorch
    // already loaded; it is the same version (checked above), as Python's torch does it.
    let opened = unsafe {
        libloading::os::unix::Library::open(
            Some(lib.join(CUDA_LIB)),
            libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_GLOBAL,
        )
    };
    match opened {
        Ok(library) => {
            // Never unloaded: libtorch keeps pointers into it for the life of the process.
            std::mem::forget(library);
            let gpus = usize::try_from(tch::Cuda::device_count()).unwrap_or(0);
            CudaAddon::Loaded { lib, version, gpus }
        }
        Err(e) => CudaAddon::Failed {
            lib,
            error: e.to_string(),
        },
    }
}

/// A named torch: the `torch` folder, its `lib/`, or the `site-packages` folder holding it.
fn resolve_named(named: &Path) -> PathBuf {
    [
        named.join("lib"),
        named.to_path_buf(),
        named.join("torch/lib"),
    ]
    .into_iter()
    .find(|d| d.join(CUDA_LIB).is_file())
    .unwrap_or_else(|| named.join("lib"))
}

/// The bundle's top folder: the one holding `bin/` with this executable (the real path, so
/// `/usr/bin/cnn-workbench` linking to `/opt/cnn-workbench/bin/` gives `/opt/cnn-workbench`).
pub fn bundle_root() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
    Some(exe.parent()?.parent()?.to_path_buf())
}

/// The folder the running `libtorch_cpu.so` was loaded from, from `/proc/self/maps`.
pub fn running_libtorch() -> Option<PathBuf> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines().find_map(|line| {
        // The path is the sixth field and may hold spaces: everything after the inode.
        let path = line.splitn(6, ' ').nth(5)?.trim_start();
        let path = Path::new(path);
        (path.file_name()? == "libtorch_cpu.so").then(|| path.parent().map(Path::to_path_buf))?
    })
}

/// The torch version of a `lib/` folder, from `version.py` beside it ("2.13.0+cu130").
pub fn version_of(lib: &Path) -> Option<String> {
    let text = std::fs::read_to_string(lib.parent()?.join("version.py")).ok()?;
    parse_version_py(&text)
}

/// `__version__ = '2.13.0+cu130'` → "2.13.0+cu130".
pub fn parse_version_py(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix("__version__"))
        .and_then(|rest| rest.trim_start().strip_prefix('='))
        .map(|v| v.trim().trim_matches(['\'', '"']).to_string())
        .filter(|v| !v.is_empty())
}

/// "2.13.0+cu130" → "2.13.0".
pub fn base_version(version: &str) -> &str {
    version.split('+').next().unwrap_or(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_read_from_the_torch_packages_version_py() {
        let text = "from typing import Optional\n__version__ = '2.13.0+cu130'\ndebug = False\n";
        assert_eq!(parse_version_py(text).as_deref(), Some("2.13.0+cu130"));
        assert_eq!(
            parse_version_py("__version__ = \"2.11.0\"").as_deref(),
            Some("2.11.0")
        );
        assert_eq!(parse_version_py("version = '1'"), None);
        assert_eq!(base_version("2.13.0+cu130"), "2.13.0");
    }

    #[test]
    fn a_named_torch_is_found_by_its_folder_its_lib_or_its_site_packages() {
        let dir = tempfile::tempdir().expect("temp dir");
        let lib = dir.path().join("torch/lib");
        std::fs::create_dir_all(&lib).expect("mkdir");
        std::fs::write(lib.join(CUDA_LIB), b"").expect("write");
        assert_eq!(resolve_named(&dir.path().join("torch")), lib);
        assert_eq!(resolve_named(&lib), lib);
        assert_eq!(resolve_named(dir.path()), lib);
    }

    #[test]
    fn the_running_libtorch_is_found_in_this_process() {
        // The test binary links libtorch_cpu.so, so its folder must be found and hold it.
        let _ = tch::Tensor::zeros([1], (tch::Kind::Float, tch::Device::Cpu));
        let lib = running_libtorch().expect("libtorch_cpu.so in /proc/self/maps");
        assert!(lib.join("libtorch_cpu.so").is_file(), "{}", lib.display());
    }
}
