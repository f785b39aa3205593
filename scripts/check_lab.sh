#!/usr/bin/env bash
# Checks the JupyterLab command line that scripts/lab.sh runs (with LAB_DRY_RUN=1, so nothing starts): 127.0.0.1
# by default, a token always (random, 48 hex digits, new each start, when LAB_TOKEN is unset or empty; never
# shorter than 16 characters) and never in the arguments, another address only when LAB_IP asks for it, and the
# printed SSH tunnel right. Then starts the lab for real (LAB_SETUP=0, a free port on 127.0.0.1, a fresh token)
# and checks that no process has the token in its arguments (/proc/*/cmdline, a kernel started too), that
# requests without the token or with a wrong one are refused, and that the kernel's start and stop print
# nothing to the lab's terminal (GoNB's log goes to .local/gonb.log); it stops only the lab it started.
# Run by make test; exits non-zero if a check failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
fails=0
fail() { echo "[check_lab] FAIL: $*"; fails=$((fails + 1)); }

# lab VAR=VALUE...: the dry run's output, with the environment's LAB_* variables cleared first.
lab() { env -u LAB_IP -u LAB_PORT -u LAB_TOKEN -u LAB_KERNEL -u LAB_URL_HOST "$@" LAB_DRY_RUN=1 bash scripts/lab.sh 2>&1; }
arg() { grep -E "^--$1=" <<<"$2" | sed "s/^--$1=//"; }
count() { grep -cE "^--$1=" <<<"$2"; }
# token OUT: the token in the printed URL (the only place the dry run shows it).
token() { sed -n 's|^\[lab\] open: *http://[^ ]*/lab?token=||p' <<<"$1"; }
# args OUT: the dry run's argument lines (after its "the command, one argument per line:").
args() { sed -n '/^\[lab\] the command, one argument per line:$/,$p' <<<"$1" | tail -n +2; }

out="$(lab)" || fail "default dry run exited $?: $out"
[[ "$(arg ServerApp.ip "$out")" == 127.0.0.1 ]] || fail "default address is not 127.0.0.1: $(arg ServerApp.ip "$out")"
[[ "$(count ServerApp.ip "$out")" == 1 ]] || fail "address given more than once"
t1="$(token "$out")"
[[ "$t1" =~ ^[0-9a-f]{48}$ ]] || fail "default token is not 48 hex digits: '$t1'"
[[ -n "$(args "$out")" ]] || fail "the dry run lists no arguments: $out"
grep -qi "token" <<<"$(args "$out")" && fail "a token option or the token among the arguments: $(args "$out" | grep -i token)"
grep -qF -- "$t1" <<<"$(args "$out")" && fail "the token is among the arguments"
grep -q "token goes in the environment (JUPYTER_TOKEN" <<<"$out" || fail "the dry run does not say the token goes through JUPYTER_TOKEN"
grep -q "ssh -N -L 8888:127.0.0.1:8888 " <<<"$out" || fail "the printed SSH tunnel is not -L 8888:127.0.0.1:8888"
grep -q "ssh -N .*then open http://127.0.0.1:8888/lab?token=$t1" <<<"$out" || fail "the tunnel's URL lacks the token"
t2="$(token "$(lab)")"
[[ -n "$t2" && "$t2" != "$t1" ]] || fail "two starts gave the same token"

out="$(lab LAB_TOKEN=)" || fail "LAB_TOKEN= exited $?"
[[ "$(token "$out")" =~ ^[0-9a-f]{48}$ ]] || fail "LAB_TOKEN= (empty) did not give a random token"
out="$(lab LAB_TOKEN=short)" && fail "LAB_TOKEN=short was accepted"
grep -q "shorter than 16" <<<"$out" || fail "LAB_TOKEN=short: no reason given: $out"
out="$(lab LAB_TOKEN=0123456789abcdefXYZ)"
[[ "$(token "$out")" == 0123456789abcdefXYZ ]] || fail "LAB_TOKEN not used"
grep -q "0123456789abcdefXYZ" <<<"$(args "$out")" && fail "LAB_TOKEN is among the arguments"

out="$(lab LAB_IP=)"
[[ "$(arg ServerApp.ip "$out")" == 127.0.0.1 ]] || fail "LAB_IP= (empty) did not mean 127.0.0.1"
out="$(lab LAB_IP=0.0.0.0)"
[[ "$(arg ServerApp.ip "$out")" == 0.0.0.0 ]] || fail "LAB_IP=0.0.0.0 not used"
grep -q "WARNING: listening on 0.0.0.0" <<<"$out" || fail "LAB_IP=0.0.0.0 gives no warning"
[[ "$(token "$out")" =~ ^[0-9a-f]{48}$ ]] || fail "LAB_IP=0.0.0.0 without a token"
out="$(lab LAB_PORT=9999)"
[[ "$(arg ServerApp.port "$out")" == 9999 && "$(arg ServerApp.port_retries "$out")" == 0 ]] || fail "LAB_PORT or port_retries"
grep -q "ssh -N -L 9999:127.0.0.1:9999 " <<<"$out" || fail "the SSH tunnel does not follow LAB_PORT"

# The Docker images' settings: 0.0.0.0 inside the container (asked for explicitly), still with a token.
for f in docker/Dockerfile.cpu docker/Dockerfile.cuda; do
  grep -q "LAB_IP=0.0.0.0" "$f" || continue
  grep -qE "LAB_TOKEN=[^\"$]" "$f" && fail "$f bakes a token into the image"
done

# --- The lab for real: a free port on 127.0.0.1, a fresh token (through the environment only: a command-line
# argument here would be found by the scan), no set-up. Stopped on exit, and only the process started here.
py=.local/venv/bin/python
lab_pid="" lab_log=""
stop_lab() {
  if [[ -n "$lab_pid" ]] && kill -0 "$lab_pid" 2>/dev/null; then
    kill -TERM "$lab_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$lab_pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$lab_pid" 2>/dev/null && { echo "[check_lab] the lab did not stop on SIGTERM within 20 s: killing it"; kill -KILL "$lab_pid"; }
    wait "$lab_pid" 2>/dev/null
  fi
}
trap 'stop_lab; [[ -z "$lab_log" ]] || rm -f "$lab_log"' EXIT
if [[ ! -x .local/venv/bin/jupyter-lab ]]; then
  fail "no .local/venv/bin/jupyter-lab (scripts/setup.sh venv): the lab was not started"
else
  port="$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  tok="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
  lab_log="$(mktemp)"  # 0600: the lab prints its URL, token included
  ( unset LAB_IP LAB_URL_HOST LAB_KERNEL LAB_DRY_RUN JUPYTER_TOKEN_FILE
    export LAB_SETUP=0 LAB_PORT="$port" LAB_TOKEN="$tok"
    exec bash scripts/lab.sh ) >"$lab_log" 2>&1 &
  lab_pid=$!  # lab.sh execs jupyter-lab: this is the server's own pid
  CHECK_TOKEN="$tok" "$py" - "$port" "$lab_pid" <<'PY'
# python - PORT LAB_PID, the token in CHECK_TOKEN (never in argv); exits with the number of failed checks.
import json, os, sys, time, urllib.error, urllib.request
port, lab_pid = int(sys.argv[1]), int(sys.argv[2])
tok = os.environ["CHECK_TOKEN"]
base = f"http://127.0.0.1:{port}"
fails = 0
def fail(msg):
    global fails; fails += 1; print(f"[check_lab] FAIL: {msg}", flush=True)
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None
opener = urllib.request.build_opener(NoRedirect)
def req(path, token=None, method="GET", body=None):
    """(status, Location header, body text) of one request; token None: no token at all."""
    r = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    if token is not None: r.add_header("Authorization", f"token {token}")
    try:
        with opener.open(r, timeout=30) as resp: return resp.status, resp.headers.get("Location", ""), resp.read().decode(errors="replace")
    except urllib.error.HTTPError as e: return e.code, e.headers.get("Location", ""), e.read().decode(errors="replace")
def alive(pid):
    try: os.kill(pid, 0); return True
    except OSError: return False
def cmdlines():
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/cmdline", "rb") as f: out[int(d)] = f.read()
            except OSError: pass
    return out
def scan(when):
    cl = cmdlines()
    if b"jupyter-lab" not in cl.get(lab_pid, b""): fail(f"{when}: the lab's own /proc/{lab_pid}/cmdline could not be read (the scan would see nothing)")
    for pid, c in sorted(cl.items()):
        if tok.encode() in c:
            fail(f"{when}: the token is in the arguments of process {pid}: {c.split(bytes(1))[0].decode(errors='replace')}")
    return cl

deadline = time.time() + 60
while True:
    try:
        st, _, body = req("/api/status", tok)
        if st == 200: break
    except OSError: pass
    if not alive(lab_pid): print("[check_lab] FAIL: the lab exited before answering"); sys.exit(1)
    if time.time() > deadline: print("[check_lab] FAIL: the lab did not answer on /api/status with the token within 60 s"); sys.exit(1)
    time.sleep(0.5)
print(f"[check_lab] the lab answers on 127.0.0.1:{port} after {60 - (deadline - time.time()):.1f} s", flush=True)
scan("lab running")

st, _, body = req("/api/contents", tok)
if st != 200 or '"content"' not in body: fail(f"/api/contents with the token: {st} (wanted 200 and a listing)")
wrong = "0" * 48 if tok != "0" * 48 else "1" * 48
for path, token, what in [("/api/status", None, "no token"), ("/api/contents", None, "no token"),
                          ("/api/contents", wrong, "a wrong token"), (f"/api/contents?token={wrong}", None, "a wrong ?token="),
                          ("/api/kernels", None, "no token"), ("/api/sessions", wrong, "a wrong token")]:
    st, _, body = req(path, token)
    if st != 403 or '"content"' in body: fail(f"{path} with {what}: {st} (wanted 403, no listing)")
for path in ["/lab", f"/lab?token={wrong}", f"/lab/tree/x.ipynb?token={wrong}"]:
    st, loc, body = req(path)
    if st != 302 or "/login" not in loc: fail(f"{path} without the right token: {st} {loc!r} (wanted 302 to /login)")

# A kernel (the pure-Go one, the lightest): no token in its process's arguments either.
st, _, body = req("/api/kernels", tok, "POST", {"name": "ganlab-go"})
if st != 201:
    fail(f"starting a ganlab-go kernel: {st} {body[:200]}")
else:
    kid = json.loads(body)["id"]
    # Talk to it as a notebook would (kernel_info over its connection file, path from its own command line): a
    # GoNB kernel that no client ever reached answers its shutdown request late, and panics when then stopped.
    conn = [a for c in cmdlines().values() for a in c.split(bytes(1)) if a.endswith(f"kernel-{kid}.json".encode())]
    if not conn:
        fail("the kernel's process was not found by the scan")
    else:
        from jupyter_client import BlockingKernelClient
        kc = BlockingKernelClient(connection_file=conn[0].decode())
        kc.load_connection_file(); kc.start_channels()
        try: kc.wait_for_ready(timeout=60)
        except RuntimeError as e: fail(f"the ganlab-go kernel did not answer kernel_info within 60 s: {e}")
        kc.stop_channels()
    cl = scan("kernel running")
    # The kernel's own children (gopls): they must go with it (a GoNB kernel stopped by signal leaves gopls behind).
    kpids = [p for p, c in cl.items() if f"kernel-{kid}.json".encode() in c]
    def ppid(p):
        try:
            with open(f"/proc/{p}/stat") as f: return int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError): return None
    kids = [p for p in cl if ppid(p) in kpids]
    st, _, body = req(f"/api/kernels/{kid}", tok, "DELETE")
    if st != 204: fail(f"stopping the kernel: {st} {body[:200]}")
    deadline = time.time() + 10
    while any(f"kernel-{kid}.json".encode() in c for c in cmdlines().values()):
        if time.time() > deadline: fail("the kernel's process is still there 10 s after it was stopped"); break
        time.sleep(0.2)
    def running(p):  # alive and not a zombie
        try:
            with open(f"/proc/{p}/stat") as f: return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError): return False
    deadline = time.time() + 10
    while [p for p in kids if running(p)] and time.time() < deadline: time.sleep(0.2)
    for p in [p for p in kids if running(p)]:
        fail(f"the kernel's child {p} ({cl[p].split(bytes(1))[0].decode(errors='replace')}) outlived it: killed")
        try: os.kill(p, 9)
        except OSError: pass
    print(f"[check_lab] a ganlab-go kernel started and stopped (children: {len(kids)})", flush=True)
sys.exit(min(fails, 100))
PY
  fails=$((fails + $?))
  sleep 0.5  # the kernel's last lines, if any, reach the lab's log
  # GoNB's klog lines ("I1207 16:17:21.096574 8997 main.go:187] ..."), its test lines, the gopls kill trace.
  noise="$(grep -E "^[IWEF][0-9]{4} [0-9:.]+ +[0-9]+ [^ ]+\.go:[0-9]+\]|Info message|killing gopls|goroutine [0-9]+ \[" "$lab_log")"
  [[ -z "$noise" ]] || fail "the kernel's start/stop printed to the lab's terminal: ${noise:0:400}"
  stop_lab
  kill -0 "$lab_pid" 2>/dev/null && fail "the lab (pid $lab_pid) is still running after being stopped"
  if ((fails)); then  # (the token replaced in bash, not given to sed as an argument)
    echo "[check_lab] the lab's output (token replaced):"
    while IFS= read -r l; do echo "${l//"$tok"/<token>}"; done <"$lab_log" | tail -n 30
  fi
  rm -f "$lab_log"; lab_log=""
fi

if ((fails)); then echo "[check_lab] $fails check(s) failed"; exit 1; fi
echo "[check_lab] ok: 127.0.0.1 by default, a 48-hex-digit token each start, never in a process's arguments, required"
echo "[check_lab]     by the running lab (403 / login without it), LAB_IP/LAB_TOKEN/LAB_PORT honoured, kernels quiet"
