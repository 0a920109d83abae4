//! libtorch's folder (from torch-sys) for the crates that link binaries, as
//! `DEP_CNN_WORKBENCH_ENGINE_LIBTORCH_LIB`, an rpath for this crate's own test binaries, and the
//! torch version Help → About shows.
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        println!("cargo:rustc-env=CNN_WORKBENCH_LIBTORCH_VERSION=unknown");
        return;
    };
    println!("cargo:libtorch_lib={lib}");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    // The torch package's version.py sits beside lib/ ("__version__ = '2.13.0+cu130'").
    let version = std::fs::read_to_string(Path::new(&lib).join("../version.py"))
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("__version__ = "))
                .map(|v| v.trim_matches(['\'', '"', ' ']).to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=CNN_WORKBENCH_LIBTORCH_VERSION={version}");
}
