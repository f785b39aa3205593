#!/usr/bin/env bash
# The side-by-side benchmark of issue 8 in one command: installs the peers if needed (bench/peers/install.sh),
# builds ganlab (with GOEXPERIMENT=simd, as every ganlab build: scripts/env.sh) into .local/bin/ganlab-bench, and
# runs `ganlab bench -peers` with the arguments given, writing
# out/bench/latest.{txt,json}. See docs/benchmarks.md.
#
#   bash bench/run.sh                                  # all models: xla, go, pytorch, keras (long on 2 cores)
#   bash bench/run.sh -models mlp,dcgan28 -peer-threads 1
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/env.sh"
cd "$root"
bash bench/peers/install.sh
echo "bench: building .local/bin/ganlab-bench (GOEXPERIMENT=$GOEXPERIMENT)"
go build -o .local/bin/ganlab-bench ./ganlib/cmd/ganlab
mkdir -p out/bench
.local/bin/ganlab-bench bench -peers "$@" -json out/bench/latest.json | tee out/bench/latest.txt
