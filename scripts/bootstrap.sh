#!/usr/bin/env bash
# Installs libtorch (from the PyPI torch wheel) once per user and links it into the project.
# Idempotent: a second run takes well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

torch_version=$(sed -n 's/^torch==\([0-9.]*\).*/\1/p' requirements.txt)
venv="${CNN_WORKBENCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/cnn-workbench/torch-$torch_version}"
py="$venv/bin/python"

have_torch() {
    [[ -x "$py" ]] && "$py" - "$torch_version" <<'PY' 2>/dev/null
import sys, torch, safetensors.torch, numpy, PIL, torchvision, tensorboard, onnx, onnxscript, onnxruntime
sys.exit(0 if torch.__version__.split("+")[0] == sys.argv[1] else 1)
PY
}

if ! have_torch; then
    echo "==> installing torch==$torch_version into $venv (once; about 5 GB, a few minutes)"
    python3 -m venv "$venv"
    "$py" -m pip install --disable-pip-version-check -q -r requirements.txt
fi

torch_dir=$("$py" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
if [[ "$(readlink .libtorch 2>/dev/null || true)" != "$torch_dir" ]]; then
    ln -sfn "$torch_dir" .libtorch
fi
# The benchmark and the checkpoint examples use this environment's Python: .venv/bin/python.
if [[ "$(readlink .venv 2>/dev/null || true)" != "$venv" ]]; then
    ln -sfn "$venv" .venv
fi
