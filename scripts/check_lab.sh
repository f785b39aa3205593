#!/usr/bin/env bash
# Checks the JupyterLab command line that scripts/lab.sh runs (with LAB_DRY_RUN=1, so nothing starts): 127.0.0.1
# by default, a token always (random, 48 hex digits, new each start, when LAB_TOKEN is unset or empty; never
# shorter than 16 characters), another address only when LAB_IP asks for it, and the printed SSH tunnel right.
# Run by make test; exits non-zero on the first failed check.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
fails=0
fail() { echo "[check_lab] FAIL: $*"; fails=$((fails + 1)); }

# lab VAR=VALUE...: the dry run's output, with the environment's LAB_* variables cleared first.
lab() { env -u LAB_IP -u LAB_PORT -u LAB_TOKEN -u LAB_KERNEL -u LAB_URL_HOST "$@" LAB_DRY_RUN=1 bash scripts/lab.sh 2>&1; }
arg() { grep -E "^--$1=" <<<"$2" | sed "s/^--$1=//"; }
count() { grep -cE "^--$1=" <<<"$2"; }

out="$(lab)" || fail "default dry run exited $?: $out"
[[ "$(arg ServerApp.ip "$out")" == 127.0.0.1 ]] || fail "default address is not 127.0.0.1: $(arg ServerApp.ip "$out")"
[[ "$(count ServerApp.ip "$out")" == 1 && "$(count IdentityProvider.token "$out")" == 1 ]] || fail "address or token given more than once"
t1="$(arg IdentityProvider.token "$out")"
[[ "$t1" =~ ^[0-9a-f]{48}$ ]] || fail "default token is not 48 hex digits: '$t1'"
grep -q -- "--ServerApp.token=\|--NotebookApp.token=\|--IdentityProvider.token=$" <<<"$out" && fail "an empty or second token option"
grep -q "ssh -N -L 8888:127.0.0.1:8888 " <<<"$out" || fail "the printed SSH tunnel is not -L 8888:127.0.0.1:8888"
grep -q "http://127.0.0.1:8888/lab?token=$t1" <<<"$out" || fail "the printed URL lacks the token"
t2="$(arg IdentityProvider.token "$(lab)")"
[[ -n "$t2" && "$t2" != "$t1" ]] || fail "two starts gave the same token"

out="$(lab LAB_TOKEN=)" || fail "LAB_TOKEN= exited $?"
[[ "$(arg IdentityProvider.token "$out")" =~ ^[0-9a-f]{48}$ ]] || fail "LAB_TOKEN= (empty) did not give a random token"
out="$(lab LAB_TOKEN=short)" && fail "LAB_TOKEN=short was accepted"
grep -q "shorter than 16" <<<"$out" || fail "LAB_TOKEN=short: no reason given: $out"
out="$(lab LAB_TOKEN=0123456789abcdefXYZ)"
[[ "$(arg IdentityProvider.token "$out")" == 0123456789abcdefXYZ ]] || fail "LAB_TOKEN not used"

out="$(lab LAB_IP=)"
[[ "$(arg ServerApp.ip "$out")" == 127.0.0.1 ]] || fail "LAB_IP= (empty) did not mean 127.0.0.1"
out="$(lab LAB_IP=0.0.0.0)"
[[ "$(arg ServerApp.ip "$out")" == 0.0.0.0 ]] || fail "LAB_IP=0.0.0.0 not used"
grep -q "WARNING: listening on 0.0.0.0" <<<"$out" || fail "LAB_IP=0.0.0.0 gives no warning"
[[ "$(arg IdentityProvider.token "$out")" =~ ^[0-9a-f]{48}$ ]] || fail "LAB_IP=0.0.0.0 without a token"
out="$(lab LAB_PORT=9999)"
[[ "$(arg ServerApp.port "$out")" == 9999 && "$(arg ServerApp.port_retries "$out")" == 0 ]] || fail "LAB_PORT or port_retries"
grep -q "ssh -N -L 9999:127.0.0.1:9999 " <<<"$out" || fail "the SSH tunnel does not follow LAB_PORT"

# The Docker images' settings: 0.0.0.0 inside the container (asked for explicitly), still with a token.
for f in docker/Dockerfile.cpu docker/Dockerfile.cuda; do
  grep -q "LAB_IP=0.0.0.0" "$f" || continue
  grep -qE "LAB_TOKEN=[^\"$]" "$f" && fail "$f bakes a token into the image"
done

if ((fails)); then echo "[check_lab] $fails check(s) failed"; exit 1; fi
echo "[check_lab] ok: 127.0.0.1 by default, a 48-hex-digit token each start, LAB_IP/LAB_TOKEN/LAB_PORT honoured"
