#!/usr/bin/env bash
# Debian packages `make test` needs besides Rust and Python: python3-venv (for the torch
# environment), Mesa's Vulkan on the CPU (the window snapshot renders with wgpu on lavapipe),
# and Xvfb, xauth, xdotool and ImageMagick (scripts/e2e.sh drives the real window); for the
# install bundle (scripts/dist.sh, dist-test.sh) zstd, patchelf, bubblewrap (the sandbox),
# x11-utils (xprop) and OpenGL's libegl1/libgl1, which the window loads by name; for
# comparisons as Slurm job arrays a single-node Slurm (scripts/slurm-local.sh): slurmctld,
# slurmd, slurm-client and munge. Installs
# what is missing when it can (root, or sudo without a password); otherwise names the command.
set -euo pipefail
need=()
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
for pkg in mesa-vulkan-drivers libvulkan1 xvfb xauth xdotool imagemagick zstd patchelf bubblewrap \
    x11-utils libegl1 libgl1 slurmctld slurmd slurm-client munge; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
((${#need[@]})) || exit 0
install=(apt-get install -y -q --no-install-recommends "${need[@]}")
if [[ $(id -u) == 0 ]]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && "${install[@]}"
elif sudo -n true 2>/dev/null; then
    sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive "${install[@]}"
else
    echo "error: missing Debian packages: ${need[*]}" >&2
    echo "install them with: sudo apt-get install ${need[*]}" >&2
    exit 1
fi
