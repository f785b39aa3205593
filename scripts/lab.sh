#!/usr/bin/env bash
# make lab: the set-up (idempotent), then JupyterLab on notebooks/, on 127.0.0.1 with a token, and prints the URL.
#
#   LAB_IP      address to listen on (default 127.0.0.1). Anything else (e.g. 0.0.0.0) must be asked for
#               explicitly and exposes the lab to that network: the token is then the only protection.
#   LAB_PORT    port (default 8888). The lab does not move to another port when it is taken: it stops.
#   LAB_TOKEN   token to use, at least 16 characters (unset or empty: a new random one each start); the lab
#               never runs without a token.
#   LAB_KERNEL  default kernel for new notebooks (default ganlab-xla-cpu)
#   LAB_URL_HOST  host name printed in the URL (the Docker images set 127.0.0.1: the published port)
#   LAB_SETUP=0 skip the set-up (used by the Docker images, whose build ran it)
#   LAB_DRY_RUN=1  print the jupyter-lab command line (one argument per line) instead of running it, and skip
#               the set-up; scripts/check_lab.sh (run by make test) checks it
#
# The token reaches jupyter-lab through the environment (JUPYTER_TOKEN, which jupyter_server reads), never
# through its arguments: those are readable by every local user (ps, /proc/PID/cmdline), the environment only by
# this user. The kernels' own log (GoNB: start, stop, cell errors) goes to .local/gonb.log, not to this terminal
# (the --logtostderr/--extra_log flags in kernels/*/kernel.json).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

dry_run="${LAB_DRY_RUN:-0}"
if [[ "${LAB_SETUP:-1}" != 0 && "$dry_run" == 0 ]]; then
  "$ROOT/scripts/setup.sh"
fi

ip="${LAB_IP:-127.0.0.1}"
port="${LAB_PORT:-8888}"
token="${LAB_TOKEN:-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}"  # 48 hex digits, 192 random bits
[[ -n "$token" ]] || { echo "[lab] LAB_TOKEN is empty: the lab never runs without a token"; exit 1; }
[[ ${#token} -ge 16 ]] || { echo "[lab] LAB_TOKEN is shorter than 16 characters: choose a longer one"; exit 1; }

case "$ip" in
  127.*|localhost|::1) host="$ip" ;;
  *) host="$(hostname -f 2>/dev/null || hostname)"
     echo "[lab] WARNING: listening on $ip as asked (LAB_IP): anyone who can reach this machine on port $port"
     echo "[lab]          and knows the token can run code here as $(id -un)." ;;
esac
url_host="${LAB_URL_HOST:-$host}"; [[ "$url_host" == *:* ]] && url_host="[$url_host]"

root_flag=()
[[ "$(id -u)" != 0 ]] || root_flag=(--allow-root)

if [[ "$dry_run" == 0 ]]; then
  mkdir -p "$JUPYTER_RUNTIME_DIR"
  # GoNB appends to .local/gonb.log from every kernel; keep one older generation once it passes 16 MiB.
  gonb_log="$LOCAL/gonb.log"
  if [[ -f "$gonb_log" && $(stat -c %s "$gonb_log") -gt $((16 << 20)) ]]; then mv -f "$gonb_log" "$gonb_log.1"; fi
fi
cat <<MSG

[lab] JupyterLab on notebooks/ (kernels: Go (ganlab, XLA CPU), Go (ganlab, pure Go))
[lab] open:   http://$url_host:$port/lab?token=$token
[lab] remote: ssh -N -L $port:127.0.0.1:$port USER@THIS_HOST   then open http://127.0.0.1:$port/lab?token=$token
[lab] stop:   Ctrl-C
[lab] the kernels' log (GoNB start/stop, cell errors) is in .local/gonb.log; only fatal kernel errors show here

MSG
cmd=("$VENV/bin/jupyter-lab" --no-browser "${root_flag[@]}"
  --ServerApp.ip="$ip" --ServerApp.port="$port" --ServerApp.port_retries=0
  --ServerApp.root_dir="$ROOT/notebooks"
  --ServerApp.open_browser=False --MappingKernelManager.default_kernel_name="${LAB_KERNEL:-ganlab-xla-cpu}")
unset JUPYTER_TOKEN_FILE
export JUPYTER_TOKEN="$token"
if [[ "$dry_run" != 0 ]]; then
  echo "[lab] dry run (LAB_DRY_RUN): the token goes in the environment (JUPYTER_TOKEN, ${#token} characters);"
  echo "[lab] the command, one argument per line:"
  printf '%s\n' "${cmd[@]}"
  exit 0
fi
exec "${cmd[@]}"
