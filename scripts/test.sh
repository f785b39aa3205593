#!/usr/bin/env bash
# make test: the set-up (idempotent), then the pt-BR notebooks checked against the English ones, go vet, go test,
# every notebook executed headless in quick mode, and notebook 01 run cell by cell in `make lab` by a headless
# browser (scripts/e2e_lab.py).
# make test-long (scripts/test.sh long): the set-up, then the long checks only: the tests that GANLAB_LONG=1 turns
# on (the 10,000-step soak, the classifier trained with 5 seeds, 5 rounds of kill -9 instead of 3) and each file
# reader fuzzed for 60 s instead of 8.
# Every stage runs even when an earlier one failed; the exit status is non-zero when any failed.
#
#   GANLAB_TEST_NOTEBOOKS   notebooks to execute (default: notebooks/*.ipynb plus scripts/testdata/*.ipynb)
#   GO_TEST_FLAGS           extra flags for go test (e.g. -run=TestX)
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
mode="${1:-quick}"
[[ "$mode" == quick || "$mode" == long ]] || { echo "[test] usage: scripts/test.sh [quick|long]"; exit 2; }

"$ROOT/scripts/setup.sh" || { echo "[test] set-up failed: not running the tests"; exit 1; }

failed=()
stage() { printf '\n[test] === %s === (at %d s)\n' "$*" "$SECONDS"; }
# The quick-mode runs the notebooks write (out/runs/quick: checkpoints, a few hundred MB) are removed before and
# after, so that every test run starts from scratch and leaves no weight behind; out/notebooks (the executed
# notebooks) stays for a look.
rm -rf "$ROOT/out/runs/quick"
trap 'rm -rf "$ROOT/out/runs/quick"' EXIT

if [[ "$mode" == long ]]; then
  stage "go test, long checks (GANLAB_LONG=1)"
  GANLAB_LONG=1 GANLAB_REQUIRE_XLA=1 GANLAB_REQUIRE_DATA=1 go test -count=1 -timeout 60m -v ${GO_TEST_FLAGS:-} \
    -run 'TestSoak|TestClassifierSeeds|TestKill9DuringTrainingAndSaves' ./ganlib/lab ./ganlib/metrics ./ganlib/cmd/ganlab \
    || failed+=("go test (long)")
  GANLAB_FUZZTIME="${GANLAB_FUZZTIME:-60s}"
fi

if [[ "$mode" == quick ]]; then
shopt -s nullglob
if [[ -n "${GANLAB_TEST_NOTEBOOKS:-}" ]]; then
  read -ra notebooks <<<"$GANLAB_TEST_NOTEBOOKS"
else
  notebooks=(notebooks/*.ipynb scripts/testdata/*.ipynb)
fi
committed=(notebooks/*.ipynb scripts/testdata/*.ipynb)

stage "committed notebooks carry no outputs"
if [[ ${#committed[@]} -gt 0 ]]; then
  "$VENV/bin/python" scripts/nbtest.py --check-clean "${committed[@]}" || failed+=("notebook outputs committed")
fi

stage "pt-BR notebooks: translations and generated notebooks agree with the English (scripts/i18n.py)"
"$VENV/bin/python" scripts/i18n.py --self-test || failed+=("i18n self-test")
"$VENV/bin/python" scripts/i18n.py check --all || failed+=("pt-BR notebooks")

# The notebooks run beside the Go stages (neither keeps both cores busy alone); their report is printed last.
stage "notebooks, headless, quick mode (GANLAB_QUICK=1): started in the background"
mkdir -p out/notebooks
nb_log="out/notebooks/nbtest.log"
"$VENV/bin/python" scripts/nbtest.py --out out/notebooks "${notebooks[@]}" >"$nb_log" 2>&1 &
nb_pid=$!
trap 'kill "$nb_pid" 2>/dev/null; rm -rf "$ROOT/out/runs/quick"' EXIT

stage "go vet ./..."
go vet ./... || failed+=("go vet")

stage "go test (GANLAB_REQUIRE_XLA=1 GANLAB_REQUIRE_DATA=1)"
GANLAB_REQUIRE_XLA=1 GANLAB_REQUIRE_DATA=1 go test -count=1 -timeout 30m ${GO_TEST_FLAGS:-} ./... || failed+=("go test")

# Every ganlab build uses GOEXPERIMENT=simd (scripts/env.sh). A user's own program that imports ganlib may be built
# without it, where compute's pure-Go backend has no SIMD kernels: the packages whose results depend on that build
# run again without it. ganlib/nn runs its per-backend tests on the "go" subtests alone (its XLA subtests are the
# same as in the stage above).
stage "go test without GOEXPERIMENT=simd: ./ganlib/backend, and ./ganlib/nn on the pure-Go backend"
GOEXPERIMENT= GANLAB_REQUIRE_XLA=1 go test -count=1 -timeout 30m ${GO_TEST_FLAGS:-} ./ganlib/backend \
  || failed+=("go test (no GOEXPERIMENT=simd)")
GOEXPERIMENT= GANLAB_REQUIRE_XLA=1 go test -count=1 -timeout 30m -run '/^go$' ${GO_TEST_FLAGS:-} ./ganlib/nn \
  || failed+=("go test (no GOEXPERIMENT=simd, nn)")

stage "the Jupyter command line (scripts/check_lab.sh)"
bash scripts/check_lab.sh || failed+=("jupyter command line")

stage "docker/: hadolint and scripts/check_dockerfiles.py"
if [[ -x "$LOCAL/bin/hadolint" ]]; then
  echo "[test] $LOCAL/bin/hadolint docker/Dockerfile.cpu docker/Dockerfile.cuda"
  "$LOCAL/bin/hadolint" --no-color docker/Dockerfile.cpu docker/Dockerfile.cuda && echo "[test] hadolint: no findings" \
    || failed+=("hadolint")
else
  echo "[test] hadolint not installed (scripts/setup.sh hadolint; x86-64 only): the script check alone"
fi
"$VENV/bin/python" scripts/check_dockerfiles.py --self-test || failed+=("dockerfile rules")

fi

# Each file reader fuzzed for a bounded time (GANLAB_FUZZTIME, default 8s each; 0 skips): a crash, a hang or an
# allocation beyond the file's size fails make test, and go test leaves the input under
# ganlib/data/testdata/fuzz/<target>/ to reproduce it with a plain go test.
#
# Go 1.26's fuzz coordinator can fail a target that found nothing, with a bare "context deadline exceeded", when a
# duration -fuzztime runs out (a race between the deadline and its worker context: golang/go#75804, fixed in Go
# 1.27). Such a run writes no input. It is told apart (that one line under "--- FAIL", no "Failing input", no new
# file under testdata/fuzz/<target>/) and the target is fuzzed again, up to three runs in all (on 2 busy cores the
# race hit 1 and 2 of the 5 targets in two make test runs); anything else fails at once.
fuzz_corpus_count() { find "ganlib/data/testdata/fuzz/$1" -type f 2>/dev/null | wc -l; }
fuzz_deadline_race() {  # $1: target, $2: go test's output, $3: corpus files before the run
  local body
  body="$(sed -n "/^--- FAIL: $1 (/,/^FAIL\$/p" <<<"$2" | sed '1d;$d' | tr -d '[:space:]')"
  [[ "$body" == contextdeadlineexceeded ]] && ! grep -q 'Failing input written' <<<"$2" \
    && [[ "$(fuzz_corpus_count "$1")" == "$3" ]]
}
stage "fuzz the file readers (${GANLAB_FUZZTIME:-8s} each)"
if [[ "${GANLAB_FUZZTIME:-8s}" != 0 ]]; then
  for target in FuzzReadIDX FuzzNIfTI FuzzDICOM FuzzImageDecode FuzzLoadFolder; do
    for try in 1 2 3; do
      echo "[test] go test -run '^\$' -fuzz '^$target\$' -fuzztime ${GANLAB_FUZZTIME:-8s} ./ganlib/data"
      before="$(fuzz_corpus_count "$target")"
      if fuzz_out="$(go test -run '^$' -fuzz "^$target\$" -fuzztime "${GANLAB_FUZZTIME:-8s}" ./ganlib/data 2>&1)"; then
        grep -E '^fuzz: elapsed' <<<"$fuzz_out" | tail -n 1  # the last progress line: execs and new interesting inputs
        break
      fi
      echo "$fuzz_out"
      if [[ $try -lt 3 ]] && fuzz_deadline_race "$target" "$fuzz_out" "$before"; then
        echo "[test] $target: \"context deadline exceeded\" with no failing input: Go's fuzz deadline race (golang/go#75804); again"
        continue
      fi
      failed+=("fuzz $target"); break
    done
  done
fi

if [[ "$mode" == long ]]; then
  if [[ ${#failed[@]} -gt 0 ]]; then echo "[test] FAILED: ${failed[*]}"; exit 1; fi
  echo "[test] long checks passed"; exit 0
fi

# The browser test runs notebook 01 in `make lab`, whose kernel writes the quick run folder that nbtest's run of
# notebook 01 writes (out/runs/quick/01_intro_fashion_mnist): it starts once the notebooks are done.
wait "$nb_pid"; nb_status=$?
stage "the lab in a real browser (scripts/e2e_lab.py)"
"$VENV/bin/python" scripts/e2e_lab.py || failed+=("browser")

stage "notebooks, headless, quick mode (GANLAB_QUICK=1): their report"
[[ $nb_status == 0 ]] || failed+=("notebooks")
cat "$nb_log"

# nbtest's `N passed, M failed` stays the last line on success.
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "[test] FAILED: ${failed[*]}"
  exit 1
fi
