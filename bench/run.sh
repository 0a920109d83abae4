#!/usr/bin/env bash
# `make bench`: cnn-workbench against an equivalent plain PyTorch script, in one run, on the
# same data, batch size and thread count. Prints images/s for both and their ratio, then the
# wall time for the best preset to reach 99% MNIST test accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/datasets/mnist}"
threads="${BENCH_THREADS:-$(nproc)}"
bin=target/release/cnn-workbench
py=.venv/bin/python
[[ -d "$data" ]] || { echo "bench: MNIST folder $data not found" >&2; exit 1; }

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

printf '%-14s %6s %6s %14s %14s %8s\n' network steps batch "workbench/s" "pytorch/s" ratio
for spec in "lenet5 lenet5.ron 32 800" "resnet-small resnet-small.ron 64 120"; do
    read -r net preset batch steps <<<"$spec"
    ours=$("$bin" train "presets/$preset" --data "$data" --epochs 100 --max-steps "$steps" \
        --batch-size "$batch" --threads "$threads" --out "$(mktemp -d)" --quiet | field images_per_sec)
    ref=$("$py" bench/reference.py --net "$net" --data "$data" --steps "$steps" \
        --batch-size "$batch" --threads "$threads" | field images_per_sec)
    ratio=$(python3 -c "print(f'{$ours / $ref:.2f}')")
    printf '%-14s %6s %6s %14.0f %14.0f %8s\n' "$net" "$steps" "$batch" "$ours" "$ref" "${ratio}x"
done

echo
echo "time to 99% MNIST test accuracy (LeNet-5 preset, checked after each epoch):"
start=$(date +%s.%N)
line=$("$bin" train presets/lenet5.ron --data "$data" --epochs 20 --threads "$threads" \
    --target-accuracy 0.99 --out "$(mktemp -d)" --quiet)
end=$(date +%s.%N)
echo "  $line"
python3 -c "print(f'  wall time (process, including data loading): {$end - $start:.1f} s')"
