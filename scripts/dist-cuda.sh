#!/usr/bin/env bash
# `make dist-cuda`: the CUDA add-on for the install bundle,
# dist/cnn-workbench-cuda-<version>-torch<torch version>-linux-x86_64.tar.zst, from the same torch
# package the bundle's libtorch came from. Unpacked into the bundle's folder it adds cuda/:
#   cuda/torch/version.py      the torch version (the binary refuses a pack of another one)
#   cuda/torch/lib/            libtorch_cuda.so and the CUDA libraries of torch/lib
#   cuda/nvidia/*/lib/         NVIDIA's libraries (cuDNN, cuBLAS, NCCL, …)
# The layout is the pip wheel's, so libtorch_cuda.so finds NVIDIA's libraries through its own
# run path ($ORIGIN/../../nvidia/…) unchanged. At start the binary loads
# cuda/torch/lib/libtorch_cuda.so (engine/cuda_addon.rs).
#
# usage: scripts/dist-cuda.sh              the pack, in dist/
#        scripts/dist-cuda.sh --stage DIR  only lay out DIR/cuda (hard links where it can: the
#                                          bundle test uses this instead of 3 GB of copies)
set -euo pipefail
cd "$(dirname "$0")/.."
torch=$(readlink -f .libtorch)
site=$(dirname "$torch")
torch_version=$(sed -n "s/^__version__ = '\(.*\)'/\1/p" "$torch/version.py")
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
[[ -f "$torch/lib/libtorch_cuda.so" ]] || {
    echo "dist-cuda: $torch is torch $torch_version without CUDA (no lib/libtorch_cuda.so)" >&2
    exit 1
}

stage_into() {
    local cuda="$1/cuda"
    rm -rf "$cuda"
    mkdir -p "$cuda/torch/lib"
    cp "$torch/version.py" "$cuda/torch/"
    # The CUDA libraries of torch/lib: everything there the CPU bundle does not already have.
    local f
    for f in "$torch"/lib/lib*cuda*.so* "$torch"/lib/libcaffe2_nvrtc.so "$torch"/lib/libtorch_nvshmem.so; do
        [[ -f "$f" ]] && { cp -al "$f" "$cuda/torch/lib/" 2>/dev/null || cp "$f" "$cuda/torch/lib/"; }
    done
    cp -al "$site/nvidia" "$cuda/nvidia" 2>/dev/null || cp -r "$site/nvidia" "$cuda/nvidia"
    # Python's parts of the NVIDIA packages are not needed.
    find "$cuda/nvidia" -name '__pycache__' -type d -prune -exec rm -rf {} +
    find "$cuda/nvidia" -name '*.py' -type f -delete
    {
        echo "The CUDA part of libtorch $torch_version for cnn-workbench $version."
        echo "Its licences: PyTorch's BSD-3-Clause (the bundle's share/doc/cnn-workbench/pytorch),"
        echo "NVIDIA's CUDA EULA (nvidia/*/License.txt where the packages ship it)."
    } > "$cuda/README"
    for d in "$site"/nvidia_*.dist-info; do
        [[ -f "$d/licenses/License.txt" ]] && cp "$d/licenses/License.txt" "$cuda/nvidia/$(basename "$d" .dist-info)-License.txt"
    done
    return 0
}

if [[ "${1:-}" == --stage ]]; then
    stage_into "$2"
    exit 0
fi

name="cnn-workbench-cuda-$version-torch$torch_version-linux-x86_64"
stage="dist/stage-cuda"
rm -rf "$stage"
mkdir -p "$stage"
stage_into "$stage"
du -sm "$stage/cuda" | awk '{printf "    %s MB unpacked\n", $1}'
echo "==> packing dist/$name.tar.zst (unpack it into the bundle's folder)"
tar -C "$stage" --owner=0 --group=0 -cf - cuda | zstd -q -T0 -6 -f -o "dist/$name.tar.zst"
ls -l "dist/$name.tar.zst" | awk '{printf "    %.0f MB compressed\n", $5 / 1e6}'
rm -rf "$stage"
