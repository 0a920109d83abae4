#!/usr/bin/env bash
# Part 4 of `make bench` (also runnable alone): images/s decoded, random-resized-cropped, flipped
# and batched from a generated folder of JPEGs — the streaming loader (examples/loader_bench.rs)
# beside torchvision's ImageFolder + DataLoader(num_workers=2) (bench/loader.py), one shuffled
# epoch each, best of 3. The folders are generated once into the cache (BENCH_LOADER_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
best3() { for _ in 1 2 3; do "$@"; done | sort -g | tail -1; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}x')"; }
echo "4. Data loading, images/s over one shuffled epoch: decode JPEG, random-resized crop, flip, batch of 128"
cargo build --release --quiet --example loader_bench
images="${BENCH_LOADER_IMAGES:-20000}"
folders="${BENCH_LOADER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cnn-workbench/bench-jpegs}"
printf '   %-10s %8s %8s %14s %14s %8s\n' "size" "images" "workers" "cnn-workbench" "torchvision" "ratio"
for size in 64 224; do
    dir="$folders/$images-$size"
    if [[ ! -f "$dir/.complete" ]]; then
        echo "   (writing $images JPEGs of ${size}×$size into $dir, once)"
        rm -rf "$dir"
        "$py" bench/loader.py "$dir" --size "$size" --make "$images"
        touch "$dir/.complete"
    fi
    ours() { target/release/examples/loader_bench "$dir" "$size" 2 | field images_per_sec; }
    ref() { "$py" bench/loader.py "$dir" --size "$size" --workers 2 2>/dev/null | field images_per_sec; }
    o=$(best3 ours) r=$(best3 ref)
    printf '   %-10s %8s %8s %14.0f %14.0f %8s\n' "${size}×$size" "$images" 2 "$o" "$r" "$(ratio "$o" "$r")"
done
echo "   (cnn-workbench: 2 decode threads, the training split of the folder; torchvision: 2 worker processes, all of it)"
