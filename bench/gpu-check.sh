#!/usr/bin/env bash
# The GPU check, for a lent GPU machine (PyTorch 2.11 there, no network, a 15-minute loan):
# the binary `make gpu-check-build` made here against torch 2.11's libtorch, run with
# LD_LIBRARY_PATH on that machine's torch/lib, which also holds the CUDA libraries the binary
# loads as its add-on. In under 8 minutes, everything written under $OUT (default
# target/gpu-check/out):
#   devices.txt     what `cnn-workbench devices` found
#   lenet5.txt      LeNet-5 for one epoch of the built-in synthetic data on the device
#   resnet20.txt    cifar-resnet20 training throughput on synthetic RGB (batch 128), beside the
#                   same network exported to PyTorch and trained eagerly in that machine's torch
#                   (bench/gpu_reference.py), both timed over the same number of steps
#   compare.txt     a two-variant comparison (ReLU vs GELU, one seed each) on the device
#   summary.txt     the figures in one place
# It runs here too (`--device cpu`, fewer steps) so it is known to work before a GPU is lent.
#
# usage: bench/gpu-check.sh [--device cuda|cpu] [--bin PATH] [--steps N] [--python PY]
#                           [--torch DIR]
#   --python: the Python whose torch runs the PyTorch side (default python3);
#   --torch:  the torch folder whose lib/ the binary runs on (default: that Python's torch;
#             here, without a GPU: the 2.11 venv of `make gpu-check-build`).
set -euo pipefail
cd "$(dirname "$0")/.."
device=cuda
bin=target/gpu-check/cnn-workbench
steps=300
py=python3
torch=""
while (($#)); do
    case $1 in
    --device) device=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --python) py=$2; shift 2 ;;
    --torch) torch=$2; shift 2 ;;
    *) echo "gpu-check: unknown argument $1" >&2; exit 2 ;;
    esac
done
OUT=${OUT:-target/gpu-check/out}
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
bin=$(realpath "$bin")
started=$SECONDS
log() { echo "$*" | tee -a "$OUT/summary.txt"; }
: >"$OUT/summary.txt"

# The machine's torch: its lib/ has libtorch_cpu (what the binary links) and libtorch_cuda.
[[ -n $torch ]] || torch=$("$py" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
torch=$(realpath "$torch")
# Only the binary runs on it (the PyTorch side keeps its own libraries).
wb() { LD_LIBRARY_PATH="$torch/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" CNN_WORKBENCH_LIBTORCH="$torch" "$bin" "$@"; }
ws="$OUT/workspace"
mkdir -p "$ws"
log "gpu-check on $(hostname): the binary on libtorch $(sed -n "s/^__version__ = '\(.*\)'/\1/p" "$torch/version.py") at $torch; PyTorch side: torch $("$py" -c 'import torch; print(torch.__version__)'); device $device"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | sed 's/^/  GPU: /' | tee -a "$OUT/summary.txt"

echo "== 1. devices"
wb devices | tee "$OUT/devices.txt"
log "devices: $(tr '\n' ' ' <"$OUT/devices.txt" | cut -c1-300)"

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" | tail -1; }

echo "== 2. LeNet-5, one epoch of the built-in data on $device"
wb train presets/lenet5.ron --data synthetic --device "$device" --epochs 1 --quiet \
    --workspace "$ws" 2>&1 | tee "$OUT/lenet5.txt"
log "lenet5 1 epoch: test_accuracy=$(field test_accuracy <"$OUT/lenet5.txt") images/s=$(field loop_images_per_sec <"$OUT/lenet5.txt") secs=$(field loop_secs <"$OUT/lenet5.txt")"

echo "== 3. cifar-resnet20 throughput, synthetic RGB, batch 128, $steps steps"
# Random 32×32 RGB in CIFAR-10's binary format (the built-in shapes are 28×28): 8,192 training
# images, enough batches of 128 for the steps; the PyTorch side draws the same shapes.
cifar=$(mktemp -d)
trap 'rm -rf "$cifar"' EXIT
python3 - "$cifar" <<'PY'
import os, sys
for name, n in [("data_batch_1.bin", 8192), ("test_batch.bin", 512)]:
    with open(os.path.join(sys.argv[1], name), "wb") as f:
        for i in range(n):
            f.write(bytes([i % 10]) + os.urandom(3072))
PY
wb export presets/cifar-resnet20.ron --to "$OUT/resnet20-export" --force >/dev/null
{
    echo "cnn-workbench:"
    wb train presets/cifar-resnet20.ron --data "$cifar" --device "$device" \
        --epochs 1000 --max-steps "$steps" --batch-size 128 --probe-every 0 --quiet \
        --workspace "$ws"
    echo "PyTorch eager (the exported model.py):"
    "$py" bench/gpu_reference.py "$OUT/resnet20-export" --device "$device" --steps "$steps" \
        --batch-size 128
} 2>&1 | tee "$OUT/resnet20.txt"
ours=$(grep '^RESULT' "$OUT/resnet20.txt" | grep -v torch= | field loop_images_per_sec)
theirs=$(grep '^RESULT torch=' "$OUT/resnet20.txt" | field images_per_sec)
log "resnet20 images/s: cnn-workbench $ours, PyTorch eager $theirs, ratio $("$py" -c "print(f'{$ours / $theirs:.2f}x')")"

echo "== 4. comparison: ReLU vs GELU, one seed each, on $device"
wb compare presets/lenet5.ron --vary activation=relu,gelu --seeds 1 --data synthetic \
    --device "$device" --epochs 1 --workspace "$ws" 2>&1 | tee "$OUT/compare.txt"
log "compare: $(grep -iE '^ *(relu|gelu)' "$OUT/compare.txt" | tr -s ' ' | tr '\n' ';' | cut -c1-300)"

log "gpu-check: done in $((SECONDS - started)) s; everything is in $OUT"
