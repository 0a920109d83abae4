//! Link settings so that plain `cargo run` finds libtorch without LD_LIBRARY_PATH, and so that
//! the CUDA part of libtorch is kept even though no symbol of it is referenced directly (the
//! linker would otherwise drop it with --as-needed and no GPU would ever be seen). libtorch's
//! folder comes from the engine crate's build script.
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_CNN_WORKBENCH_ENGINE_LIBTORCH_LIB");
    if let Ok(lib) = std::env::var("DEP_CNN_WORKBENCH_ENGINE_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
        if Path::new(&lib).join("libtorch_cuda.so").exists() {
            println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-L{lib},-ltorch_cuda,--as-needed");
        }
    }
}
