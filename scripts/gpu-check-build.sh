#!/usr/bin/env bash
# `make gpu-check-build`: the binary for bench/gpu-check.sh, built here against torch 2.11's
# libtorch (what the lent GPU machine has; nothing can be installed there), into
# target/gpu-check/cnn-workbench: stripped, small enough to carry (≤ 60 MB), linking only
# libtorch's CPU libraries — there it loads the machine's libtorch_cuda.so as its add-on.
# tch 0.26 is made for libtorch 2.13; LIBTORCH_BYPASS_VERSION_CHECK=1 lets it build against
# 2.11 once the 15 wrapper functions 2.11 lacks are stubbed (below).
# The venv (torch without its 3 GB of NVIDIA packages, plus the two small ones libtorch_cpu
# links: the CUDA runtime and CUPTI) is made once, in ~/.cache/cnn-workbench/torch-2.11.0.
# pip downloads about 600 MB the first time.
set -euo pipefail
cd "$(dirname "$0")/.."
want=${GPU_TORCH_VERSION:-2.11.0}
venv="${XDG_CACHE_HOME:-$HOME/.cache}/cnn-workbench/torch-$want"
py="$venv/bin/python"
site=$(ls -d "$venv"/lib/python3*/site-packages 2>/dev/null | head -1 || true)
if [[ ! -f ${site:-/nonexistent}/torch/lib/libtorch_cpu.so ]]; then
    echo "==> a venv with torch==$want's libtorch in $venv (once)"
    python3 -m venv "$venv"
    # Its libraries and headers only: `import torch` is not needed (nor would work without
    # NVIDIA's 3 GB); bench/gpu-check.sh here runs its PyTorch side in the project's venv.
    "$py" -m pip install --disable-pip-version-check -q --no-deps "torch==$want"
    site=$(ls -d "$venv"/lib/python3*/site-packages | head -1)
fi
torch="$site/torch"
# The NVIDIA packages libtorch_cpu.so itself needs (to link against it), at torch's versions.
meta=$(ls -d "$site"/torch-"$want"*.dist-info)/METADATA
runtime=()
for pkg in nvidia-cuda-runtime nvidia-cuda-cupti; do
    req=$(sed -n "s/^Requires-Dist: \($pkg[-a-z0-9]*==[0-9.]*\).*/\1/p" "$meta" | head -1)
    [[ -n $req ]] && runtime+=("$req")
done
# torch ≥ 2.11 names them through NVIDIA's cuda-toolkit package and its extras instead.
toolkit=$(sed -n 's/^Requires-Dist: cuda-toolkit\[.*\]==\([0-9.]*\).*/\1/p' "$meta" | head -1)
[[ -n $toolkit ]] && runtime+=("cuda-toolkit[cudart,cupti]==$toolkit")
missing=()
for lib in $(readelf -d "$torch/lib/libtorch_cpu.so" | sed -n 's/.*(NEEDED).*\[\(libcu[a-z]*\.so[.0-9]*\)\]/\1/p'); do
    [[ -n $(find "$site/nvidia" -name "$lib" 2>/dev/null | head -1) ]] || missing+=("$lib")
done
if ((${#missing[@]})); then
    echo "==> libtorch_cpu.so needs ${missing[*]}: installing ${runtime[*]}"
    "$py" -m pip install --disable-pip-version-check -q "${runtime[@]}"
fi

version=$(sed -n "s/^__version__ = '\(.*\)'/\1/p" "$torch/version.py")
echo "==> building against torch $version (target/gpu-check)"
# tch 0.26's generated C wrapper names ops that torch 2.11 does not have yet (the philox
# generators, the Lanczos upsampling, one flash-attention variant) and one whose arguments
# changed: those functions are stubbed in a copy of torch-sys (scripts/stub_missing_ops.py;
# the workbench calls none of them). The checkout is copied too, so that the patch does not
# touch its Cargo.lock.
gc="$PWD/target/gpu-check"
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
ws="$gc/workspace"
rm -rf "$ws"
mkdir -p "$ws"
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$ws"
sys_src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/torch-sys-0.26.0 | head -1)
if [[ ! -d $gc/torch-sys ]]; then
    cp -r "$sys_src" "$gc/torch-sys"
fi
build() {
    (cd "$ws" && LIBTORCH="$torch" LIBTORCH_BYPASS_VERSION_CHECK=1 LIBTORCH_CXX11_ABI=1 \
        CARGO_TARGET_DIR="$gc" CNN_WORKBENCH_BUNDLE=1 CARGO_PROFILE_RELEASE_STRIP=symbols \
        CNN_WORKBENCH_COMMIT="$commit" \
        cargo build --release --bin cnn-workbench \
        --config "patch.crates-io.torch-sys.path=\"$gc/torch-sys\"" 2>&1 | tee "$gc/build.log")
}
for attempt in 1 2 3; do
    if build; then
        break
    fi
    ((attempt < 3)) && grep -q "torch_api_generated.cpp:[0-9]*:[0-9]*: error" "$gc/build.log" || {
        echo "gpu-check-build: the build failed (log: $gc/build.log)" >&2
        exit 1
    }
    echo "==> stubbing what torch $version lacks:"
    python3 scripts/stub_missing_ops.py "$gc/torch-sys/libtch/torch_api_generated.cpp" "$gc/build.log" | sed 's/^/    /'
done
cp target/gpu-check/release/cnn-workbench target/gpu-check/cnn-workbench
size=$(stat -c %s target/gpu-check/cnn-workbench)
echo "    target/gpu-check/cnn-workbench: $((size / 1000000)) MB"
((size <= 60000000)) || { echo "gpu-check-build: over 60 MB" >&2; exit 1; }
echo "    try it here: bench/gpu-check.sh --device cpu --torch $torch --python .venv/bin/python"
