#!/usr/bin/env bash
# make tutorials: executes notebooks/*.ipynb in full mode (GANLAB_QUICK unset) and renders each executed copy to
# tutorials/NN_name.md with its images in tutorials/img/, and, for each notebook translated
# (notebooks/pt-BR/NN_name.json, scripts/i18n.py), to tutorials/pt-BR/NN_name.md: the same run, the markdown in
# Portuguese. Executed copies stay in out/tutorials/.
#
#   GANLAB_TUTORIALS   notebooks to render (default: notebooks/*.ipynb)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh"
shopt -s nullglob
if [[ -n "${GANLAB_TUTORIALS:-}" ]]; then read -ra nbs <<<"$GANLAB_TUTORIALS"; else nbs=(notebooks/*.ipynb); fi
if [[ ${#nbs[@]} -eq 0 ]]; then echo "[tutorials] no notebooks under notebooks/ yet"; exit 0; fi
unset GANLAB_QUICK
# A tutorial shows a run from scratch: remove each notebook's full-mode run folders (out/runs/<notebook>, the
# lab.RunDir convention) so that re-running does not just reload an earlier checkpoint.
for nb in "${nbs[@]}"; do
  stem="$(basename "$nb" .ipynb)"
  if [[ -e "out/runs/$stem" ]]; then echo "[tutorials] removing out/runs/$stem (earlier full-mode run)"; rm -rf "out/runs/$stem"; fi
done
"$VENV/bin/python" scripts/nbtest.py --full --out out/tutorials "${nbs[@]}"
executed=()
for nb in "${nbs[@]}"; do executed+=("out/tutorials/$(basename "$nb")"); done
"$VENV/bin/python" scripts/render_tutorials.py --out tutorials --translate notebooks/pt-BR "${executed[@]}"
