//! Link settings so that plain `cargo run` finds libtorch without LD_LIBRARY_PATH, and so that
//! the CUDA part of libtorch is kept even though no symbol of it is referenced directly (the
//! linker would otherwise drop it with --as-needed and no GPU would ever be seen). Also the
//! versions Help → About shows.
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    // Set by release builds; a development build says so instead of a stale commit.
    println!("cargo:rerun-if-env-changed=CNN_WORKBENCH_COMMIT");
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
        if Path::new(&lib).join("libtorch_cuda.so").exists() {
            println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-L{lib},-ltorch_cuda,--as-needed");
        }
        // The torch package's version.py sits beside lib/ ("__version__ = '2.13.0+cu130'").
        let version_py = Path::new(&lib).join("../version.py");
        let version = std::fs::read_to_string(version_py)
            .ok()
            .and_then(|text| {
                text.lines()
                    .find_map(|l| l.strip_prefix("__version__ = "))
                    .map(|v| v.trim_matches(['\'', '"', ' ']).to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        println!("cargo:rustc-env=CNN_WORKBENCH_LIBTORCH_VERSION={version}");
    } else {
        println!("cargo:rustc-env=CNN_WORKBENCH_LIBTORCH_VERSION=unknown");
    }
}
