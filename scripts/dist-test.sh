#!/usr/bin/env bash
# `make dist-test` (part of `make test`): the install bundle tried as a user installs it. Builds
# it (scripts/dist.sh --deb), unpacks it into a folder whose path has spaces and non-ASCII, and
# runs it in a sandbox (bubblewrap) that mounts only the system (/usr, /etc), the bundle —
# read-only — and a fresh HOME: no checkout, no .libtorch, no venv, no network. Then:
#   the binary's run path and strings name no folder of this machine;
#   `demo` trains (its run goes to the user's folder, not the read-only bundle);
#   `summary` of a zoo preset; `devices` says CPU only and names what is missing;
#   the window opens under Xvfb with its icon, the screenshot is not blank, and every libtorch
#   library the process maps comes from the bundle;
#   without OpenGL the window's error names the package;
#   the CUDA add-on: the venv's CUDA libraries laid out as the pack beside the bundle, and
#   named by CNN_WORKBENCH_LIBTORCH, are loaded ("CUDA libraries loaded, no GPU visible",
#   libtorch_cuda.so mapped from there); a pack of another torch version is refused;
#   the desktop-entry installer; the .deb's contents, and as root `apt-get install` of it,
#   `cnn-workbench demo` from /usr/bin, and its removal.
# Prints PASS per check and the cold-start figures; exits non-zero on the first failure.
# DIST_TEST_BUILD=0 tests the bundle already in dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

[[ ${DIST_TEST_BUILD:-1} == 0 ]] || scripts/dist.sh --deb

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
name="cnn-workbench-$version-linux-x86_64"
tarball="$root/dist/$name.tar.zst"
deb="$root/dist/cnn-workbench_${version}_amd64.deb"
torch=$(readlink -f .libtorch)
site=$(dirname "$torch")
torch_version=$(sed -n "s/^__version__ = '\(.*\)'/\1/p" "$torch/version.py")

tmp=$(mktemp -d)
xvfb_pid="" app_pid="" installed_deb=0
cleanup() {
    local rc=$?
    set +e
    [[ -n $app_pid ]] && kill "$app_pid" 2>/dev/null
    [[ -n $xvfb_pid ]] && kill "$xvfb_pid" 2>/dev/null
    ((installed_deb)) && dpkg -r cnn-workbench >/dev/null 2>&1
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}
pass() { echo "PASS: $*"; }
expect() { # expect FILE TEXT WHAT
    grep -qF -- "$2" "$1" || {
        sed 's/^/      /' "$1" | tail -20
        fail "$3: no \"$2\""
    }
}

place="$tmp/Programme für CNN"
mkdir -p "$place"
tar -C "$place" -I zstd -xf "$tarball"
bundle="$place/$name"
bin="$bundle/bin/cnn-workbench"
home="$tmp/home"
mkdir -p "$home/run"
chmod 700 "$home/run"
stamp="$tmp/stamp"
touch "$stamp"

# The sandbox: the system and the bundle (read-only) and a fresh HOME, nothing else.
sandbox_args=()
if command -v bwrap >/dev/null && bwrap --ro-bind / / true 2>/dev/null; then
    for d in /bin /lib /lib64 /sbin; do
        if [[ -L $d ]]; then
            sandbox_args+=(--symlink "$(readlink "$d")" "$d")
        elif [[ -d $d ]]; then
            sandbox_args+=(--ro-bind "$d" "$d")
        fi
    done
    sandbox_args=(bwrap --die-with-parent --ro-bind /usr /usr --ro-bind /etc /etc
        --ro-bind /sys /sys "${sandbox_args[@]}" --proc /proc --dev /dev --tmpfs /tmp
        --ro-bind "$bundle" "$bundle" --bind "$home" "$home" --clearenv)
    echo "sandbox: bubblewrap (only /usr, /etc, /sys, the bundle read-only and a fresh HOME)"
else
    sandbox_args=(env -i)
    echo "sandbox: env -i only (bubblewrap is missing or not allowed here): the checkout and" \
        "the venv stay visible, but nothing points at them"
fi
# run_in [extra bwrap arguments --] command…: the command as a user of the bundle would run it.
run_in() {
    local extra=()
    if [[ ${1:-} == --with ]]; then
        shift
        while [[ $1 != -- ]]; do extra+=("$1"); shift; done
        shift
    fi
    local vars=(HOME="$home" PATH=/usr/bin:/bin LANG=C.UTF-8 XDG_RUNTIME_DIR="$home/run"
        CNN_WORKBENCH_REPORT_STARTUP=1)
    if [[ ${sandbox_args[0]} == bwrap ]]; then
        local setenv=() v
        for v in "${vars[@]}" ${SANDBOX_ENV:-}; do setenv+=(--setenv "${v%%=*}" "${v#*=}"); done
        "${sandbox_args[@]}" "${extra[@]}" "${setenv[@]}" "$@"
    else
        env -i "${vars[@]}" ${SANDBOX_ENV:-} "$@"
    fi
}

echo "== the bundle: $(du -sm "$bundle" | cut -f1) MB unpacked, $(($(stat -c %s "$tarball") / 1000000)) MB compressed, in \"$place\""
readelf -d "$bin" | grep -qF 'runpath: [$ORIGIN/../lib]' || fail "run path is not \$ORIGIN/../lib"
readelf -d "$bin" | grep -q 'libtorch_cuda' && fail "the binary links libtorch_cuda.so"
for p in "$root" "$site" "$HOME/.cargo"; do
    strings "$bin" | grep -qF "$p" && fail "the binary names $p"
done
pass "run path \$ORIGIN/../lib, libtorch_cuda not linked, no path of this machine in the binary"

# Caches dropped where allowed, for cold figures; the line says which.
if sync && echo 3 2>/dev/null >/proc/sys/vm/drop_caches; then cold="page cache dropped"; else cold="page cache not droppable here: warm"; fi

run_in --with --unshare-net -- "$bin" demo >"$tmp/demo.log" 2>&1 || { cat "$tmp/demo.log"; fail "demo"; }
expect "$tmp/demo.log" "run folder: $home/.local/share/cnn-workbench/runs/" "demo's run folder"
ls "$home"/.local/share/cnn-workbench/runs/*/steps.csv >/dev/null || fail "demo wrote no steps.csv"
first_step=$(sed -n 's/^first step after \(.*\) s$/\1/p' "$tmp/demo.log")
pass "demo trained (first step after ${first_step} s, $cold); its run is in the user's folder"

[[ -z $(find "$bundle" -newer "$stamp" -print -quit) ]] || fail "something was written into the bundle"
pass "nothing written into the (read-only) bundle"

run_in --with --unshare-net -- "$bin" summary "$bundle/share/cnn-workbench/presets/zoo/resnet18.ron" >"$tmp/summary.log" 2>&1 ||
    { cat "$tmp/summary.log"; fail "summary"; }
expect "$tmp/summary.log" "11,689,512" "ResNet-18's parameters"
pass "summary of the zoo's ResNet-18: 11,689,512 parameters"

run_in --with --unshare-net -- "$bin" devices >"$tmp/devices.log" 2>&1 || fail "devices"
expect "$tmp/devices.log" "libtorch $torch_version from $bundle/lib" "devices' libtorch"
expect "$tmp/devices.log" "CPU only: no CUDA libraries at $bundle/cuda/torch/lib or $bundle/lib" "devices without CUDA"
echo "      devices: $(tail -1 "$tmp/devices.log" | cut -c1-160)…"
pass "devices: CPU only, naming where it looked and how to add CUDA"

# The window, under Xvfb, with the X socket mounted into the sandbox.
sync && echo 3 2>/dev/null >/proc/sys/vm/drop_caches || true
display=":$((90 + RANDOM % 100))"
Xvfb "$display" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
for _ in $(seq 50); do [[ -S /tmp/.X11-unix/X${display#:} ]] && break; sleep 0.1; done
window_bind=(--bind /tmp/.X11-unix /tmp/.X11-unix)
SANDBOX_ENV="DISPLAY=$display" run_in --with "${window_bind[@]}" -- "$bin" >"$tmp/window.log" 2>&1 &
app_pid=$!
for _ in $(seq 600); do grep -q '^first frame after' "$tmp/window.log" && break; sleep 0.1; done
grep -q '^first frame after' "$tmp/window.log" || { cat "$tmp/window.log"; fail "the window showed no frame in 60 s"; }
sleep 3
import -display "$display" -window root "$tmp/window.png"
colours=$(identify -format '%k' "$tmp/window.png")
((colours > 50)) || fail "the screenshot is blank ($colours colours)"
win=$(DISPLAY=$display xdotool search --onlyvisible --name 'cnn-workbench$' 2>/dev/null | head -1 || true)
[[ -n $win ]] || fail "no window titled …cnn-workbench"
DISPLAY=$display xprop -id "$win" -notype 32c _NET_WM_ICON | grep -q '^_NET_WM_ICON = 256, 256,' ||
    fail "the window has no 256×256 icon"
pid=$(pgrep -n -f "^$bin\$" || true)
[[ -n $pid ]] || fail "no window process"
# A path may hold spaces: it is everything after the fifth field.
maps=$(sed -E 's/^([^ ]+ +){5}//' "/proc/$pid/maps" | grep -E '/lib(torch|c10|gomp|cudart|cupti)[^/]*$' | sort -u)
[[ -n $maps ]] || fail "no libtorch library mapped?"
outside=$(grep -vF "$bundle/lib/" <<<"$maps" || true)
[[ -z $outside ]] || fail "libraries mapped from outside the bundle: $outside"
mkdir -p "${DIST_TEST_OUT:-target/dist-test}" && cp "$tmp/window.png" "${DIST_TEST_OUT:-target/dist-test}/window.png"
pass "window: $(sed -n 's/^\(first frame after .*\)/\1/p' "$tmp/window.log"), icon 256×256, screenshot $colours colours, libraries mapped: $(wc -l <<<"$maps") files, all from $bundle/lib"
kill "$app_pid"
wait "$app_pid" 2>/dev/null || true
app_pid=""

# Without OpenGL: the libraries hidden (bound over with /dev/null) — a clear error, not a crash.
nogl=()
for l in libEGL.so.1 libGL.so.1; do
    f=$(readlink -f "/usr/lib/x86_64-linux-gnu/$l")
    [[ -f $f ]] && nogl+=(--ro-bind /dev/null "$f")
done
if SANDBOX_ENV="DISPLAY=$display" run_in --with "${window_bind[@]}" "${nogl[@]}" -- "$bin" >"$tmp/nogl.log" 2>&1; then
    fail "the window started without OpenGL?"
fi
expect "$tmp/nogl.log" "apt install libegl1 libgl1" "the missing-OpenGL error"
pass "without OpenGL: $(cut -c1-120 "$tmp/nogl.log")…"

# The CUDA add-on. 1: the venv's torch named by CNN_WORKBENCH_LIBTORCH.
venv_bind=(--ro-bind "$site" "$site")
SANDBOX_ENV="CNN_WORKBENCH_LIBTORCH=$torch" run_in --with "${venv_bind[@]}" -- "$bin" devices >"$tmp/addon-env.log" 2>&1 || fail "devices with the add-on"
expect "$tmp/addon-env.log" "CUDA libraries loaded, no GPU visible: torch $torch_version's libtorch_cuda.so from $torch/lib" "CNN_WORKBENCH_LIBTORCH"
pass "CNN_WORKBENCH_LIBTORCH=<venv torch>: $(tail -1 "$tmp/addon-env.log" | cut -c1-60)…"

# 2: the pack's layout beside the bundle (scripts/dist-cuda.sh --stage, hard links), and the
# library really mapped while a run trains.
scripts/dist-cuda.sh --stage "$bundle"
run_in -- "$bin" devices >"$tmp/addon-pack.log" 2>&1 || fail "devices with the pack"
expect "$tmp/addon-pack.log" "CUDA libraries loaded, no GPU visible: torch $torch_version's libtorch_cuda.so from $bundle/cuda/torch/lib" "the pack"
run_in -- "$bin" demo >"$tmp/addon-demo.log" 2>&1 &
demo_pid=$!
cuda_map=""
for _ in $(seq 300); do
    pid=$(pgrep -n -f "^$bin demo\$" || true)
    [[ -n $pid ]] && cuda_map=$(grep -F "libtorch_cuda.so" "/proc/$pid/maps" 2>/dev/null | head -1 || true)
    [[ -n $cuda_map ]] && break
    sleep 0.1
done
wait "$demo_pid" || { cat "$tmp/addon-demo.log"; fail "demo with the pack"; }
grep -qF "$bundle/cuda/torch/lib/libtorch_cuda.so" <<<"$cuda_map" || fail "libtorch_cuda.so not mapped from the pack: $cuda_map"
pass "CUDA pack beside the bundle: loaded, no GPU visible; demo trains with libtorch_cuda.so mapped from $bundle/cuda/torch/lib"

# 3: a pack of another torch version is refused, naming both; the program runs on the CPU.
sed -i "s/^__version__ = .*/__version__ = '2.12.0+cu126'/" "$bundle/cuda/torch/version.py"
run_in -- "$bin" devices >"$tmp/addon-old.log" 2>&1 || fail "devices with an old pack"
expect "$tmp/addon-old.log" "are torch 2.12.0+cu126's, but this libtorch is torch $torch_version's" "refusing another version"
expect "$tmp/addon-old.log" "cpu" "the CPU still there"
pass "a pack of torch 2.12.0+cu126 refused, both versions named"
rm -rf "$bundle/cuda"

# The desktop entry installer, into the fresh HOME.
run_in -- "$bundle/share/cnn-workbench/install-desktop-entry.sh" >/dev/null || fail "install-desktop-entry.sh"
expect "$home/.local/share/applications/cnn-workbench.desktop" "Exec=\"$bin\" %f" "the desktop entry's Exec"
[[ -f $home/.local/share/icons/hicolor/256x256/apps/cnn-workbench.png ]] || fail "the icon was not installed"
pass "desktop entry and icon installed for the user, Exec quoted for the path with spaces"

# The .deb.
dpkg-deb -c "$deb" >"$tmp/deb.txt"
for f in ./opt/cnn-workbench/bin/cnn-workbench ./opt/cnn-workbench/lib/libtorch_cpu.so \
    ./usr/bin/cnn-workbench ./usr/share/applications/cnn-workbench.desktop \
    ./usr/share/icons/hicolor/256x256/apps/cnn-workbench.png; do
    grep -qF " $f" "$tmp/deb.txt" || fail ".deb lacks $f"
done
pass ".deb: $(($(stat -c %s "$deb") / 1000000)) MB, /opt/cnn-workbench, /usr/bin/cnn-workbench, desktop entry and icon"
if [[ $(id -u) == 0 && ${DIST_TEST_DPKG:-1} == 1 ]] && ! dpkg -s cnn-workbench >/dev/null 2>&1; then
    installed_deb=1
    apt-get install -y -q "$deb" >"$tmp/apt.log" 2>&1 || { tail "$tmp/apt.log"; fail "apt-get install ./$(basename "$deb")"; }
    run_in --with --ro-bind /opt /opt -- /usr/bin/cnn-workbench demo >"$tmp/deb-demo.log" 2>&1 ||
        { cat "$tmp/deb-demo.log"; fail "cnn-workbench demo after installing the .deb"; }
    run_in --with --ro-bind /opt /opt -- /usr/bin/cnn-workbench devices >"$tmp/deb-devices.log" 2>&1
    expect "$tmp/deb-devices.log" "libtorch $torch_version from /opt/cnn-workbench/lib" "the installed libtorch"
    dpkg -r cnn-workbench >/dev/null
    installed_deb=0
    [[ ! -e /usr/bin/cnn-workbench && ! -e /opt/cnn-workbench ]] || fail "dpkg -r left files"
    pass "apt-get install ./$(basename "$deb"): cnn-workbench demo trains from /usr/bin with /opt's libtorch; dpkg -r removes it"
else
    echo "SKIP: installing the .deb (needs root and no cnn-workbench installed already)"
fi
echo "dist-test: all passed"
