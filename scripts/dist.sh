#!/usr/bin/env bash
# `make dist`: the install bundle, dist/cnn-workbench-<version>-linux-x86_64.tar.zst — the
# release binary, the libtorch CPU libraries it needs, licences, a desktop entry and icon, the
# presets, a README — and, with --deb, the same as dist/cnn-workbench_<version>_amd64.deb
# installing under /opt/cnn-workbench. Unpacked anywhere it runs without Rust or Python: the
# binary's run path is $ORIGIN/../lib and no path of this machine is left in it (checked below).
# The CUDA part of libtorch is not in it: `make dist-cuda` packs it as an add-on.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
deb=0
[[ "${1:-}" == --deb ]] && deb=1

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
name="cnn-workbench-$version-linux-x86_64"
torch=$(readlink -f .libtorch)
site=$(dirname "$torch")
cargo_home=$(readlink -f "${CARGO_HOME:-$HOME/.cargo}")
target="$root/target/dist"
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit+changes"

echo "==> building the bundle's binary (target/dist: its own build, paths of this machine remapped)"
# The remaps keep this machine's folders out of the binary's panic locations and of libtch's
# C++ (__FILE__ in libtorch's headers); the last matching prefix wins, so specific ones last.
CARGO_TARGET_DIR="$target" CNN_WORKBENCH_BUNDLE=1 CNN_WORKBENCH_COMMIT="$commit" \
    CARGO_PROFILE_RELEASE_STRIP=symbols \
    RUSTFLAGS="--remap-path-prefix=$cargo_home=/cargo --remap-path-prefix=$root=/cnn-workbench --remap-path-prefix=$torch=/libtorch" \
    CXXFLAGS="-ffile-prefix-map=$root=/cnn-workbench -ffile-prefix-map=$root/.libtorch=/libtorch -ffile-prefix-map=$torch=/libtorch" \
    cargo build --release --locked --bin cnn-workbench

stage="$root/dist/stage/$name"
rm -rf "$root/dist/stage"
mkdir -p "$stage"/{bin,lib} "$stage"/share/{applications,doc/cnn-workbench,cnn-workbench} \
    "$stage"/share/icons/hicolor/{256x256,64x64,scalable}/apps
cp "$target/release/cnn-workbench" "$stage/bin/"

# The libraries: what the binary needs, transitively, from the torch package (torch/lib and the
# nvidia/*/lib folders its libtorch_cpu names: the CUDA runtime and CUPTI, a few MB); the
# system's own (libc, libstdc++, libm, libgcc_s) stay the system's.
search=("$torch/lib" "$site"/nvidia/*/lib)
declare -A copied=()
system_libs=$(ldconfig -p)
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
bundle_deps() {
    local lib dir
    for lib in $(needed "$1"); do
        [[ -n "${copied[$lib]:-}" ]] && continue
        for dir in "${search[@]}"; do
            if [[ -f "$dir/$lib" ]]; then
                copied[$lib]=1
                cp -L "$dir/$lib" "$stage/lib/$lib"
                bundle_deps "$stage/lib/$lib"
                break
            fi
        done
        if [[ -z "${copied[$lib]:-}" ]] && ! grep -qF "	$lib " <<<"$system_libs"; then
            echo "dist: $lib (needed by $(basename "$1")) is neither in torch nor on this system" >&2
            exit 1
        fi
    done
}
bundle_deps "$stage/bin/cnn-workbench"
if [[ -n "${copied[libtorch_cuda.so]:-}" ]]; then
    echo "dist: the binary links libtorch_cuda.so; it must load it as an add-on instead" >&2
    exit 1
fi
# The wheel's libraries look for NVIDIA's under ../../nvidia; in the bundle everything is in lib/.
if command -v patchelf >/dev/null; then
    for f in "$stage"/lib/*; do patchelf --force-rpath --set-rpath '$ORIGIN' "$f"; done
fi

cp assets/cnn-workbench.desktop "$stage/share/applications/"
cp assets/icon/cnn-workbench-256.png "$stage/share/icons/hicolor/256x256/apps/cnn-workbench.png"
cp assets/icon/cnn-workbench-64.png "$stage/share/icons/hicolor/64x64/apps/cnn-workbench.png"
cp assets/icon/cnn-workbench.svg "$stage/share/icons/hicolor/scalable/apps/cnn-workbench.svg"
install -m 755 assets/bundle/install-desktop-entry.sh "$stage/share/cnn-workbench/"
cp -r presets "$stage/share/cnn-workbench/presets"
cp assets/bundle/README.txt "$stage/README.txt"

doc="$stage/share/doc/cnn-workbench"
cp LICENSE-MIT LICENSE-APACHE "$doc/"
python3 scripts/licenses.py "$doc/THIRD-PARTY-LICENSES.txt"
mkdir -p "$doc/pytorch" "$doc/nvidia"
cp -r "$site"/torch-*.dist-info/licenses/. "$doc/pytorch/"
for d in "$site"/nvidia_cuda_runtime-*.dist-info "$site"/nvidia_cuda_cupti-*.dist-info; do
    [[ -d "$d" ]] && cp "$d"/licenses/License.txt "$doc/nvidia/$(basename "$d" .dist-info).txt"
done
[[ -f /usr/share/doc/libgomp1/copyright ]] && cp /usr/share/doc/libgomp1/copyright "$doc/libgomp-copyright.txt"
{
    echo "cnn-workbench $version ($commit), built $(date -u +%Y-%m-%d) against libtorch $(sed -n "s/^__version__ = '\(.*\)'/\1/p" "$torch/version.py")"
    echo
    echo "Libraries in lib/ and their licences:"
    for f in "$stage"/lib/*; do
        case $(basename "$f") in
        libgomp*) l="GPL-3.0 with the GCC Runtime Library Exception (libgomp-copyright.txt)" ;;
        libcudart* | libcupti*) l="NVIDIA CUDA Toolkit EULA, redistributable part (nvidia/)" ;;
        *) l="PyTorch's BSD-3-Clause licence (pytorch/LICENSE, pytorch/third_party/)" ;;
        esac
        echo "  $(basename "$f"): $l"
    done
    echo "The Rust crates compiled into bin/cnn-workbench: THIRD-PARTY-LICENSES.txt."
    echo "cnn-workbench itself: MIT OR Apache-2.0 (LICENSE-MIT, LICENSE-APACHE)."
} > "$doc/README"

echo "==> checking that no path of this machine is left"
bin="$stage/bin/cnn-workbench"
readelf -d "$bin" | grep -E 'RUNPATH|RPATH' | grep -qF '[$ORIGIN/../lib]' ||
    { echo "dist: the binary's run path is not \$ORIGIN/../lib:" >&2; readelf -d "$bin" | grep PATH >&2; exit 1; }
for p in "$root" "$cargo_home" "$torch" "$HOME"; do
    if strings "$bin" | grep -qF "$p/"; then
        echo "dist: the binary still names $p:" >&2
        strings "$bin" | grep -F "$p/" | head -5 >&2
        exit 1
    fi
done

mkdir -p dist
echo "==> packing dist/$name.tar.zst"
tar -C "$root/dist/stage" --owner=0 --group=0 -cf - "$name" | zstd -q -T0 -12 -f -o "dist/$name.tar.zst"
ls -l "dist/$name.tar.zst" | awk '{printf "    %.0f MB compressed\n", $5 / 1e6}'
du -sm "$stage" | awk '{printf "    %s MB unpacked\n", $1}'

if ((deb)); then
    scripts/deb.sh "$stage" "$version"
fi
