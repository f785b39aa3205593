# Sourced by scripts/lab.sh, test.sh and tutorials.sh: the environment every ganlab command runs in.
# Everything points into <repo>/.local; nothing user-global is read or written by Jupyter.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
VENV="$LOCAL/venv"
export GANLAB_HOME="$ROOT"
export GOMLX_NO_AUTO_INSTALL=1
# Go's SIMD experiment: compute (GoMLX's pure-Go backend) has its AVX2/AVX-512 matrix products and element-wise
# kernels only in such builds (amd64; elsewhere the flag changes nothing). Every ganlab build uses it: the CLI, the
# tests and the notebooks' kernels (kernels/*/kernel.json), so they share one build cache.
export GOEXPERIMENT="${GOEXPERIMENT:-simd}"
_go="$(command -v go || true)"
[[ -n "$_go" ]] || for _g in /usr/local/go/bin/go "$HOME/go/bin/go"; do [[ -x "$_g" ]] && _go="$_g" && break; done
export PATH="$LOCAL/bin:$VENV/bin${_go:+:$(dirname "$_go")}:$PATH"
unset _go _g
export JUPYTER_CONFIG_DIR="$LOCAL/jupyter/config"
export JUPYTER_DATA_DIR="$LOCAL/jupyter/data"
export JUPYTER_RUNTIME_DIR="$LOCAL/jupyter/runtime"
export JUPYTER_PLATFORM_DIRS=1
export JUPYTERLAB_SETTINGS_DIR="$LOCAL/jupyter/lab/user-settings"
export JUPYTERLAB_WORKSPACES_DIR="$LOCAL/jupyter/lab/workspaces"
export PIP_DISABLE_PIP_VERSION_CHECK=1
