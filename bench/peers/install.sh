#!/usr/bin/env bash
# Installs the peers of `ganlab bench` (PyTorch on the CPU, Keras 3 on TensorFlow-CPU) into their own virtualenv,
# .local/peers/venv, from PyPI with pinned versions (bench/peers/requirements.txt). Idempotent: a venv whose
# stamp matches the requirements is kept. Not part of `make test`; run it when you want the peers:
#
#   bash bench/peers/install.sh        # then: ganlab bench -peers
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
req="$root/bench/peers/requirements.txt"
venv="$root/.local/peers/venv"
stamp="$venv/.ganlab-peers-stamp"
python="${PYTHON:-python3}"
want="$(sha256sum "$req" | cut -c1-16)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && "$venv/bin/python" -c 'import torch, keras, tensorflow' 2>/dev/null; then
  echo "peers: $venv is up to date (torch, keras, tensorflow)"
  exit 0
fi
echo "peers: creating $venv with $("$python" --version 2>&1)"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
echo "peers: installing $(grep -v '^#' "$req" | tr '\n' ' ')(about 4 GB with torch's CUDA libraries)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
KERAS_BACKEND=tensorflow TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" - <<'PY'
import torch, keras, tensorflow as tf
print(f"peers: torch {torch.__version__} (CUDA available: {torch.cuda.is_available()}), "
      f"keras {keras.__version__} on tensorflow {tf.__version__}")
PY
echo "$want" > "$stamp"
