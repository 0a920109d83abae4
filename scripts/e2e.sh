#!/usr/bin/env bash
# The window end to end with real X input: the release binary under Xvfb, driven by xdotool as
# a person would. It opens a small copy of presets/lenet5.ron, renames the network in the Name
# field, saves with Ctrl+S (the file changes, the title loses its " *"), trains with Ctrl+Enter
# until the run folder has its Finished event, and takes a screenshot that must not be blank.
# Prints PASS/FAIL per step and exits non-zero on the first failure. Needs xvfb, xdotool and
# imagemagick (.ci/run installs them). Artifacts (screenshots, the app's log) go to
# $E2E_OUT (default target/e2e).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${CNN_WORKBENCH_BIN:-${CARGO_TARGET_DIR:-target}/release/cnn-workbench}
OUT=${E2E_OUT:-${CARGO_TARGET_DIR:-target}/e2e}
TRAIN_TIMEOUT=${E2E_TRAIN_TIMEOUT:-180}
NEW_NAME="E2E renamed"

# Where the Name field is in a fresh 1440×900 window (measured on a screenshot: x 290–505,
# y 35–51, right of the palette and the "Name" label). The title check after typing proves
# the click landed in it.
NAME_X=${E2E_NAME_X:-400}
NAME_Y=${E2E_NAME_Y:-43}

for tool in Xvfb xdotool import identify; do
    command -v "$tool" >/dev/null || {
        echo "FAIL: $tool is missing (apt-get install xvfb xdotool imagemagick)"
        exit 2
    }
done
[[ -x $BIN ]] || {
    echo "FAIL: no binary at $BIN (cargo build --release)"
    exit 2
}
BIN=$(realpath "$BIN")

tmp=$(mktemp -d)
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
rm -f "$OUT"/*.png "$OUT"/app.log
xvfb_pid=""
app_pid=""
cleanup() {
    local rc=$?
    set +e # a killed child's status must not replace the script's
    if [[ -n $app_pid ]]; then
        kill "$app_pid" 2>/dev/null
        wait "$app_pid" 2>/dev/null
    fi
    if [[ -n $xvfb_pid ]]; then
        kill "$xvfb_pid" 2>/dev/null
        wait "$xvfb_pid" 2>/dev/null
    fi
    cp "$tmp/app.log" "$OUT/app.log" 2>/dev/null
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "FAIL: $*"
    [[ -n ${DISPLAY:-} ]] && import -window root "$OUT/failure.png" 2>/dev/null &&
        echo "      screenshot: $OUT/failure.png"
    [[ -f $tmp/app.log ]] && tail -n 20 "$tmp/app.log" | sed 's/^/      app: /'
    exit 1
}
pass() { echo "PASS: $*"; }

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

# A session of its own: eframe keeps the last session under the data folder, and runs go to
# $XDG_DATA_HOME/cnn-workbench/runs; nothing of the user's is read or touched.
export HOME=$tmp/home XDG_DATA_HOME=$tmp/data XDG_CONFIG_HOME=$tmp/config
export XDG_CACHE_HOME=$tmp/cache XDG_RUNTIME_DIR=$tmp/runtime
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
unset WAYLAND_DISPLAY

# LeNet-5 on 1,200 built-in images for one epoch: seconds of training.
preset=$tmp/e2e.ron
sed -e 's/epochs: [0-9]*/epochs: 1/' \
    -e 's/source: Synthetic(rgb: false),/&\n        synthetic_size: 1200,/' \
    presets/lenet5.ron >"$preset"
grep -q 'synthetic_size: 1200' "$preset" && grep -q 'epochs: 1,' "$preset" ||
    fail "presets/lenet5.ron no longer has the fields this script shortens"
# An old time stamp, so that a save shows as a newer one whatever the clock's resolution.
touch -d '2000-01-01 00:00:00' "$preset"
before_sum=$(sha256sum <"$preset")

# Xvfb picks a free display itself and writes its number to fd 3.
Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp 3>"$tmp/display" 2>"$tmp/xvfb.log" &
xvfb_pid=$!
wait_for 20 test -s "$tmp/display" || fail "Xvfb did not start: $(cat "$tmp/xvfb.log")"
export DISPLAY=:$(head -n 1 "$tmp/display")
pass "Xvfb on $DISPLAY"

"$BIN" "$preset" >"$tmp/app.log" 2>&1 &
app_pid=$!

window=""
find_window() {
    kill -0 "$app_pid" 2>/dev/null || fail "the app exited"
    # By the ASCII part of the title: xdotool's regex does not match the dash's UTF-8 bytes.
    window=$(xdotool search --onlyvisible --name 'cnn-workbench$' 2>/dev/null | head -n 1)
    [[ -n $window ]]
}
wait_for 60 find_window || fail "no window within 60 s"
title() { xdotool getwindowname "$window"; }
title_is() { [[ $(title) == "$1" ]]; }
wait_for 20 title_is "LeNet-5 — cnn-workbench" ||
    fail "the preset did not open: title \"$(title)\""
pass "window $window shows the preset: \"$(title)\""

# No window manager: focus must be given explicitly before keys reach the window.
xdotool windowfocus --sync "$window"
sleep 1 # the first frames (fonts, layout) settle before input

xdotool mousemove --window "$window" "$NAME_X" "$NAME_Y" click 1
sleep 0.3
xdotool key --clearmodifiers ctrl+a
xdotool type --delay 30 "$NEW_NAME"
wait_for 10 title_is "$NEW_NAME * — cnn-workbench" ||
    fail "typing into the Name field at ($NAME_X, $NAME_Y): title \"$(title)\""
[[ $(sha256sum <"$preset") == "$before_sum" ]] || fail "the file changed before saving"
pass "renamed, unsaved: \"$(title)\""
import -window root "$OUT/renamed.png"

xdotool key --clearmodifiers ctrl+s
saved() {
    grep -q "name: \"$NEW_NAME\"" "$preset" && [[ $(sha256sum <"$preset") != "$before_sum" ]] &&
        (($(stat -c %Y "$preset") > $(date -d '2000-01-02' +%s)))
}
wait_for 10 saved || fail "Ctrl+S did not write the new name to $(basename "$preset")"
wait_for 5 title_is "$NEW_NAME — cnn-workbench" ||
    fail "after Ctrl+S the title still says \"$(title)\""
pass "Ctrl+S saved the file (new name, new mtime) and the title lost its *: \"$(title)\""

xdotool key --clearmodifiers ctrl+Return
runs=$XDG_DATA_HOME/cnn-workbench/runs
run_dir=""
started() {
    run_dir=$(find "$runs" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n 1)
    [[ -n $run_dir ]]
}
wait_for 20 started || fail "Ctrl+Enter started no run in $runs"
pass "Ctrl+Enter started $(basename "$run_dir")"
finished() {
    kill -0 "$app_pid" 2>/dev/null || fail "the app exited during training"
    grep -q '^Finished(' "$run_dir/events.log" 2>/dev/null
}
wait_for "$TRAIN_TIMEOUT" finished ||
    fail "no Finished event in $run_dir/events.log within $TRAIN_TIMEOUT s"
grep -q "name: \"$NEW_NAME\"" "$run_dir/preset.ron" ||
    fail "the run trained another network than the saved one"
[[ -f $run_dir/model.safetensors ]] || fail "the finished run has no model.safetensors"
pass "the run finished: $(grep '^Finished(' "$run_dir/events.log" | cut -c 1-120)"

sleep 2 # the window repaints once a second while training; let the end be drawn
import -window root "$OUT/trained.png"
std=$(identify -format '%[fx:standard_deviation]' "$OUT/trained.png")
colours=$(identify -format '%k' "$OUT/trained.png")
awk -v s="$std" 'BEGIN { exit !(s > 0.05) }' && ((colours > 64)) ||
    fail "the screenshot looks blank: std $std, $colours colours ($OUT/trained.png)"
pass "screenshot $OUT/trained.png is not blank: std $std, $colours colours"
echo "PASS: end to end"
