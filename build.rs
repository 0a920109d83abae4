//! Link settings. libtorch's CPU libraries only: the CUDA part is an add-on the binary loads at
//! start (engine::cuda_addon), so the same binary runs with or without it. The run path:
//! - a checkout build (`make build`): the absolute path of the checkout's libtorch, so plain
//!   `cargo run` works without LD_LIBRARY_PATH;
//! - the install bundle (`make dist` sets CNN_WORKBENCH_BUNDLE=1): `$ORIGIN/../lib`, the
//!   bundle's own lib/ folder wherever it is unpacked, and no path of the build machine.
//!
//! libtorch's folder comes from the engine crate's build script.
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_CNN_WORKBENCH_ENGINE_LIBTORCH_LIB");
    println!("cargo:rerun-if-env-changed=CNN_WORKBENCH_BUNDLE");
    if std::env::var_os("CNN_WORKBENCH_BUNDLE").is_some_and(|v| v == "1") {
        println!("cargo:rustc-link-arg-bins=-Wl,-rpath,$ORIGIN/../lib");
    } else if let Ok(lib) = std::env::var("DEP_CNN_WORKBENCH_ENGINE_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    }
}
