#!/usr/bin/env bash
# Builds the bundle that scripts/gpu/run.sh uses on the GPU test machine (an H200 with jax-cuda13-pjrt and the
# CUDA libraries in its Python, but no Go and no network), run HERE: the cgo `ganlab` binary (x86-64 on both
# sides, nothing cross-built), the PyTorch peer script and the brain-MRI images, in out/gpu/ (git-ignored):
#
#   bash scripts/gpu/build.sh            # → out/gpu/{ganlab,peers/,brain-mri/,BUILD}
#   bash scripts/gpu/run.sh --dry-run    # the same bundle, end to end on this CPU
#
# The device then runs: bash scripts/gpu/run.sh   (with out/gpu carried along).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/scripts/env.sh"
out="${GANLAB_GPU_BUNDLE:-$root/out/gpu}"
rm -rf "$out"
mkdir -p "$out/peers" "$out/brain-mri"
cd "$root"
echo "gpu bundle: building ganlab (cgo, $(go env GOOS)/$(go env GOARCH), $(go version | awk '{print $3}')) into $out"
CGO_ENABLED=1 go build -trimpath -o "$out/ganlab" ./ganlib/cmd/ganlab
cp bench/peers/torch_gan.py "$out/peers/"
mri="$root/.local/data/brain-mri/no"
if [[ -d "$mri" ]]; then
  cp -r "$mri" "$out/brain-mri/no"
  cp "$root/.local/data/brain-mri/NOTICE" "$out/brain-mri/" 2>/dev/null || true
else
  echo "gpu bundle: no $mri (make setup builds it); the MRI protocol will train on random images" >&2
fi
glibc="$(objdump -T "$out/ganlab" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1 || true)"
{
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- ganlib bench scripts/gpu || echo ' (+ uncommitted changes)')"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -m), $(go version | awk '{print $3}')"
  echo "needs: glibc >= ${glibc#GLIBC_} (dynamic: libc only; the PJRT plugin is loaded at run time)"
} > "$out/BUILD"
cat "$out/BUILD"
du -sh "$out" | awk '{print "gpu bundle: " $1 " in " $2}'
