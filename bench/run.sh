#!/usr/bin/env bash
# `make bench`: cnn-workbench against plain PyTorch in one run, on the same data, network,
# batch size, optimizer, learning rate, schedule and thread count, both timed over the same
# thing: the whole training loop of a fixed number of steps, data included, evaluation not.
#   1. throughput: the workbench with probes (activation statistics, gradient norms) at the
#      default interval and without, beside PyTorch with a DataLoader and with whole-tensor
#      batches;
#   2. the CPU time of one window frame, headless (examples/ui_frame.rs);
#   3. time to 99% MNIST test accuracy: presets/mnist-fast.ron beside the same recipe in PyTorch;
#   4. data loading: images/s decoded, random-resized-cropped, flipped and batched from a
#      generated folder of JPEGs, the streaming loader beside torchvision's ImageFolder +
#      DataLoader(num_workers=2), one shuffled epoch each;
#   5. the History with 1,000 and 10,000 runs: scan (open to list), filter + sort, a frame
#      (examples/history_bench.rs).
# bench/window.sh (not part of this: it needs Xvfb) compares training in the window with headless.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/datasets/mnist}"
threads="${BENCH_THREADS:-$(nproc)}"
bin=target/release/cnn-workbench
py=.venv/bin/python
[[ -d "$data" ]] || { echo "bench: MNIST folder $data not found" >&2; exit 1; }

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
# The best of three runs: the machine's noise only ever slows a run down.
best3() { for _ in 1 2 3; do "$@"; done | sort -g | tail -1; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}x')"; }

echo "1. Training throughput, images/s over the whole loop (data included), $threads threads, best of 3"
printf '%-13s %5s %5s %12s %12s %12s %12s %9s %9s\n' network steps batch "wb probes" "wb no probe" \
    "pt loader" "pt tensors" "wb/loader" "wb/tensor"
# network, preset, batch, steps, and the preset's optimizer recipe for PyTorch.
for spec in "lenet5 lenet5.ron 32 800 2e-3 cosine" "resnet-small resnet-small.ron 64 120 2e-3 cosine"; do
    read -r net preset batch steps lr schedule <<<"$spec"
    ours() {
        "$bin" train "presets/$preset" --data "$data" --epochs 100 --max-steps "$steps" \
            --batch-size "$batch" --threads "$threads" --probe-every "$1" --out "$(mktemp -d)" \
            --quiet | field loop_images_per_sec
    }
    ref() {
        "$py" bench/reference.py --net "$net" --data "$data" --steps "$steps" --batch-size "$batch" \
            --lr "$lr" --schedule "$schedule" --threads "$threads" --loader "$1" 2>/dev/null \
            | field images_per_sec
    }
    with=$(best3 ours 50) without=$(best3 ours 0)
    loader=$(best3 ref dataloader) tensors=$(best3 ref tensor)
    printf '%-13s %5s %5s %12.0f %12.0f %12.0f %12.0f %9s %9s\n' "$net" "$steps" "$batch" \
        "$with" "$without" "$loader" "$tensors" "$(ratio "$with" "$loader")" "$(ratio "$with" "$tensors")"
    python3 -c "print(f'{\"\":13} probe overhead at the default interval: {($without / $with - 1) * 100:.1f}%')"
done
echo "   (wb: cnn-workbench; pt: PyTorch; ratios with probes on; the presets' optimizer and schedule on both sides)"

echo
echo "2. Window frame, CPU time headless (layout and tessellation; rasterizing is the renderer's)"
cargo build --release --quiet --example ui_frame
target/release/examples/ui_frame 2>/dev/null | sed 's/^/   /'

echo
echo "3. Time to 99% MNIST test accuracy, $threads threads (test set checked after each epoch, not timed)"
ours=$("$bin" train presets/mnist-fast.ron --data "$data" --threads "$threads" \
    --target-accuracy 0.99 --out "$(mktemp -d)" --quiet)
ref=$("$py" bench/reference.py --net lenet5 --data "$data" --epochs 3 --batch-size 64 --lr 3e-3 \
    --schedule onecycle --loader tensor --target-accuracy 0.99 --threads "$threads" 2>/dev/null)
printf '   %-44s %8s %8s %10s\n' "" "epochs" "test %" "train s"
printf '   %-44s %8s %8.2f %10.2f\n' "cnn-workbench presets/mnist-fast.ron" \
    "$(field epochs <<<"$ours")" "$(python3 -c "print($(field test_accuracy <<<"$ours") * 100)")" \
    "$(field loop_secs <<<"$ours")"
printf '   %-44s %8s %8.2f %10.2f\n' "PyTorch LeNet-5, Adam one-cycle 3e-3, batch 64" \
    "$(field epochs <<<"$ref")" "$(python3 -c "print($(field test_accuracy <<<"$ref") * 100)")" \
    "$(field duration_secs <<<"$ref")"
echo "   time ratio (PyTorch / cnn-workbench): $(ratio "$(field duration_secs <<<"$ref")" "$(field loop_secs <<<"$ours")")"

echo
bench/loader.sh

echo
echo "5. History: 1,000 and 10,000 run folders (copies of a real LeNet-5 run), scan, filter + sort, frame"
cargo build --release --quiet --example history_bench
target/release/examples/history_bench 2>/dev/null | sed 's/^/   /'
