#!/usr/bin/env bash
# Training speed in the window against headless, on the same preset and machine: opens
# `cnn-workbench PRESET --train` under Xvfb (a software renderer: the hardest case), waits for
# the run to finish, then trains the same preset headless; both runs' own train_images_per_sec.
# Repeated (window and headless interleaved, REPEAT times, default 3) and the medians compared,
# since a run of a few seconds on a shared machine varies by several percent.
# Needs Xvfb (apt-get install xvfb xauth). Usage: bench/window.sh [PRESET]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-presets/lenet5.ron}"
repeat="${REPEAT:-3}"
bin=target/release/cnn-workbench
command -v Xvfb >/dev/null || { echo "bench/window.sh: Xvfb is not installed (apt-get install xvfb xauth)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'kill ${app:-} ${xvfb:-} 2>/dev/null || true; rm -rf "$tmp"' EXIT
display=":$((90 + RANDOM % 9))"
Xvfb "$display" -screen 0 1600x1000x24 >/dev/null 2>&1 & xvfb=$!
sleep 1

field() { sed -n "s/.*$1:\([0-9.]*\).*/\1/p" "$2" | tail -1; }
median() { tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

window_rates=() headless_rates=() threads="?"
for i in $(seq "$repeat"); do
    # The window, on a fresh data folder: no earlier session or run in the way.
    data="$tmp/data$i"
    env ${WINDOW_ENV:-} DISPLAY=$display XDG_RUNTIME_DIR=$tmp XDG_DATA_HOME=$data \
        "$bin" "$preset" --train >"$tmp/app$i.log" 2>&1 & app=$!
    log=""
    for _ in $(seq 600); do
        log=$(ls "$data"/cnn-workbench/runs/*/events.log 2>/dev/null | head -1 || true)
        [[ -n "$log" ]] && grep -q "Finished" "$log" && break
        sleep 0.5
    done
    kill $app 2>/dev/null || true
    wait $app 2>/dev/null || true
    window_rates+=("$(field train_images_per_sec "$log")")
    threads=$(field threads "$log")
    "$bin" train "$preset" --out "$tmp/cli$i" --quiet >/dev/null
    headless_rates+=("$(field train_images_per_sec "$tmp/cli$i/events.log")")
done
w=$(echo "${window_rates[@]}" | median)
h=$(echo "${headless_rates[@]}" | median)
printf '%-36s %10s %8s   %s\n' "$(basename "$preset"), $repeat runs each" "img/s" threads "(all runs)"
printf '%-36s %10.0f %8s   %s\n' "window (Xvfb, PRESET --train)" "$w" "$threads" "${window_rates[*]}"
printf '%-36s %10.0f %8s   %s\n' "headless (train)" "$h" "$threads" "${headless_rates[*]}"
python3 -c "print(f'window / headless (medians): {$w / $h:.2f}x')"
