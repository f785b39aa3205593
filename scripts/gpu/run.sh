#!/usr/bin/env bash
# The GPU check of issue 8, for the project's GPU test machine (one H200; jax 0.11.2 + jax-cuda13-pjrt 0.11.2 and
# NVIDIA's library wheels in its Python; no Go, no network). It uses the bundle that scripts/gpu/build.sh made
# here (out/gpu: a cgo ganlab binary, the PyTorch peer script, the brain-MRI images) and, in a few minutes:
#
#   1. finds jax's CUDA PJRT plugin (site-packages/jax_plugins/xla_cuda13/xla_cuda_plugin.so) and the
#      site-packages/nvidia/*/lib folders, and sets PJRT_PLUGIN_LIBRARY_PATH, LD_LIBRARY_PATH and XLA_FLAGS;
#   2. runs `ganlab doctor` (its cuda line must name the plugin);
#   3. times the full MRI protocol: lecture DCGAN 128×128×1, batch 4, 10 epochs × 1,000 steps (goal: < 60 s),
#      writing each epoch's samples as PNG (first: it is the goal, and the bench must not eat its time);
#   4. prints the bench table on CUDA (ganlib XLA CUDA, and PyTorch on the GPU when torch is installed there).
#
# Everything goes to $OUT (default out/gpu-results): doctor.txt, bench.txt, bench.json, mri.txt, mri/*.png,
# env.txt, summary.txt.
#
#   bash scripts/gpu/run.sh              # on the device
#   bash scripts/gpu/run.sh --dry-run    # here: the same bundle and steps on the XLA CPU plugin, few steps
#
# Options: --bundle DIR (default out/gpu), --out DIR (default $OUT or out/gpu-results), --bench-steps N (20),
# --mri-epochs N (10), --mri-steps N (1000), --mri-timeout S (240), --bench-timeout S (240): the device's
# calls are limited to 10 minutes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bundle="$root/out/gpu"
out="${OUT:-$root/out/gpu-results}"
dry=0
bench_steps=20
mri_epochs=10
mri_steps=1000
mri_timeout=240
bench_timeout=240
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dry-run) dry=1 ;;
    --bundle) bundle="$2"; shift ;;
    --out) out="$2"; shift ;;
    --bench-steps) bench_steps="$2"; shift ;;
    --mri-epochs) mri_epochs="$2"; shift ;;
    --mri-steps) mri_steps="$2"; shift ;;
    --mri-timeout) mri_timeout="$2"; shift ;;
    --bench-timeout) bench_timeout="$2"; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [[ $dry == 1 ]]; then
  # Few steps: this checks the flow and the bundle, not the speed.
  bench_steps=2; mri_epochs=2; mri_steps=2
fi

say() { echo "== $*" | tee -a "$out/summary.txt"; }
die() { echo "run.sh: $*" >&2; [[ -d "$out" ]] && echo "FAILED: $*" >> "$out/summary.txt"; exit 1; }

mkdir -p "$out"
: > "$out/summary.txt"
ganlab="$bundle/ganlab"
[[ -x "$ganlab" ]] || die "no ganlab binary at $ganlab: run bash scripts/gpu/build.sh on a machine with Go first"
cat "$bundle/BUILD" >> "$out/summary.txt" 2>/dev/null || true
python="${PYTHON:-$(command -v python3 || command -v python || true)}"
export GOMLX_NO_AUTO_INSTALL=1

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(uname -srm); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "glibc: $(ldd --version 2>&1 | head -1)"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 || echo "nvidia-smi: not found"
  echo "python: ${python:-none} $([[ -n "$python" ]] && "$python" --version 2>&1)"
} > "$out/env.txt"
cat "$out/env.txt" | tee -a "$out/summary.txt"

if [[ $dry == 1 ]]; then
  backend=cpu; impls=xla; mode="dry run on the XLA CPU plugin"
  plugin_dir="$root/.local/pjrt"
  [[ -f "$plugin_dir/pjrt_c_api_cpu_plugin.so" ]] || die "dry run: no CPU plugin in $plugin_dir (make setup)"
  export PJRT_PLUGIN_LIBRARY_PATH="$plugin_dir"
  peer_python="$root/.local/peers/venv/bin/python"
  [[ -x "$peer_python" ]] && peer_device=cpu || peer_python=""
else
  backend=cuda; impls=cuda; mode="CUDA"
  [[ -n "$python" ]] || die "no python3 on PATH: it holds jax-cuda13-pjrt and the CUDA libraries (or set PYTHON)"
  # site-packages folders of that Python, then the plugin and NVIDIA's library folders in them.
  mapfile -t sites < <("$python" -c 'import site, sys; print("\n".join(site.getsitepackages() + [site.getusersitepackages()] + sys.path))' | awk 'NF && !seen[$0]++')
  plugin=""
  for s in "${sites[@]}"; do
    for f in "$s"/jax_plugins/xla_cuda*/xla_cuda_plugin.so "$s"/jax_plugins/xla_cuda*/pjrt_c_api_cuda_plugin.so; do
      [[ -f "$f" ]] && { plugin="$f"; site="$s"; break 2; }
    done
  done
  [[ -n "$plugin" ]] || die "no jax CUDA PJRT plugin (jax_plugins/xla_cuda*/xla_cuda_plugin.so) in ${sites[*]}"
  say "plugin: $plugin"
  export PJRT_PLUGIN_LIBRARY_PATH="$(dirname "$plugin")"
  libs=""
  for d in "$site"/nvidia/*/lib; do [[ -d "$d" ]] && libs="${libs:+$libs:}$d"; done
  [[ -n "$libs" ]] || say "warning: no $site/nvidia/*/lib folders; relying on the plugin's RPATH and the system's CUDA"
  export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "LD_LIBRARY_PATH: $LD_LIBRARY_PATH"
  # ptxas and libdevice for XLA's GPU compiler: the folder that holds nvvm/libdevice. go-xla v0.4.1 sets the flag
  # only when XLA_FLAGS does not name it, and then to <site>/nvidia itself, one level above where jax's CUDA 13
  # wheels put libdevice (nvidia/cu13 or nvidia/cuda_nvcc); go-xla v0.2.0 put a path of its author's machine there.
  cuda_dir=""
  for d in "$site"/nvidia/cu13 "$site"/nvidia/cuda_nvcc "$site"/nvidia/*; do
    [[ -d "$d/nvvm/libdevice" ]] && { cuda_dir="$d"; break; }
  done
  if [[ -n "$cuda_dir" ]]; then
    export XLA_FLAGS="${XLA_FLAGS:+$XLA_FLAGS }--xla_gpu_cuda_data_dir=$cuda_dir"
    say "XLA_FLAGS: $XLA_FLAGS"
  else
    say "warning: no nvvm/libdevice under $site/nvidia; XLA looks for CUDA in its default places"
  fi
  peer_python=""
  if "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    peer_python="$python"; peer_device=cuda
    impls="cuda,pytorch-cuda"
    say "PyTorch: $("$python" -c 'import torch; print(torch.__version__, torch.cuda.get_device_name(0))' 2>&1)"
  else
    say "PyTorch-on-GPU skipped: torch is not installed in $python or sees no GPU"
  fi
fi
if [[ -n "${peer_python:-}" && $dry == 1 ]]; then impls="xla,pytorch"; fi
export GANLAB_BACKEND="$backend"
say "mode: $mode; implementations: $impls"

say "1/3 ganlab doctor"
# doctor also checks Go, Jupyter and GoNB, which the device does not have: its exit status is not the test; the
# backend and cuda lines are.
timeout 60 "$ganlab" doctor > "$out/doctor.txt" 2>&1 || true
cat "$out/doctor.txt"
if [[ $dry == 0 ]]; then
  grep -q '^\[ok  \] backend .*XLA CUDA' "$out/doctor.txt" || die "doctor did not load the CUDA plugin (see $out/doctor.txt)"
  grep -q '^\[info\] cuda .*PJRT CUDA plugin found' "$out/doctor.txt" || die "doctor has no CUDA plugin line (see $out/doctor.txt)"
else
  grep -q '^\[ok  \] backend .*XLA CPU' "$out/doctor.txt" || die "doctor did not load the CPU plugin (see $out/doctor.txt)"
  grep -q '^\[info\] cuda ' "$out/doctor.txt" || die "doctor has no cuda line (see $out/doctor.txt)"
fi
grep -E '^\[(ok  |FAIL|info)\] (backend|cuda)' "$out/doctor.txt" >> "$out/summary.txt"

say "2/3 MRI protocol: $mri_epochs epochs × $mri_steps steps, batch 4, 128×128×1"
mri_args=(bench -mri -mri-epochs "$mri_epochs" -mri-steps "$mri_steps" -mri-out "$out/mri")
[[ -d "$bundle/brain-mri/no" ]] && mri_args+=(-mri-data "$bundle/brain-mri/no")
set +e
timeout "$mri_timeout" "$ganlab" "${mri_args[@]}" 2>&1 | tee "$out/mri.txt"
rc2=${PIPESTATUS[0]}
set -e
grep -E 'MRI protocol total|^backend' "$out/mri.txt" >> "$out/summary.txt" || true
[[ $rc2 == 0 ]] || say "MRI protocol exited with $rc2 (see mri.txt); going on to the bench"
total="$(sed -n 's/^MRI protocol total: \([0-9.]*\) s.*/\1/p' "$out/mri.txt")"
if [[ $dry == 0 && $rc2 == 0 ]]; then
  if awk -v t="$total" 'BEGIN { exit !(t < 60) }'; then say "MRI protocol: $total s < 60 s: goal met"; else say "MRI protocol: $total s: goal (< 60 s) NOT met"; fi
fi

say "3/3 ganlab bench ($impls, $bench_steps steps)"
bench_args=(bench -impls "$impls" -steps "$bench_steps" -warmup 2 -json "$out/bench.json")
[[ $dry == 1 ]] && bench_args=(bench -impls "$impls" -quick -models mlp,lecture-b4 -json "$out/bench.json")
[[ -n "${peer_python:-}" ]] && bench_args+=(-python "$peer_python" -peers-dir "$bundle/peers")
set +e
timeout "$bench_timeout" "$ganlab" "${bench_args[@]}" 2>&1 | tee "$out/bench.txt"
rc=${PIPESTATUS[0]}
set -e
[[ $rc == 0 ]] || say "bench exited with $rc (see bench.txt)"
grep -E '^(mlp|dcgan28|lecture)|^  (xla|cuda|pytorch)' "$out/bench.txt" >> "$out/summary.txt" || true

[[ $rc2 == 0 ]] || die "MRI protocol exited with $rc2 (see $out/mri.txt)"
[[ $rc == 0 ]] || die "bench exited with $rc (see $out/bench.txt)"
say "done: results in $out"
