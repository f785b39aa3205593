#!/usr/bin/env python3
"""Execute ganlab notebooks headless and check their outputs.

    nbtest.py [options] NOTEBOOK...          execute each notebook, check it, save the executed copy
    nbtest.py --check-clean NOTEBOOK...      only check that committed notebooks carry no outputs

Each notebook runs with nbclient in the kernel named by its metadata (kernelspec.name), or --kernel, or
"ganlab-xla-cpu", with GANLAB_QUICK=1 unless --full. A notebook fails when a cell raises or shows an error, when it
shows fewer image/png outputs than metadata["ganlab"]["min_png"] (default 1), or when a regex in
metadata["ganlab"]["expect"] matches no output text. The executed copy goes to --out (default out/notebooks/);
the source notebook is never written.

It prints PASS/FAIL per notebook and ends with the line `N passed, M failed`; the exit status is 1 when any failed.
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path

import nbformat

DEFAULT_KERNEL = "ganlab-xla-cpu"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
TAGS = re.compile(r"<[^>]+>")
STYLE = re.compile(r"<style.*?</style>", re.DOTALL | re.IGNORECASE)


def html_text(html: str) -> str:
    text = TAGS.sub(" ", STYLE.sub("", html))
    text = text.replace("&#34;", '"').replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def strip_ansi(s: str) -> str:
    return ANSI.sub("", s)


def output_texts(nb):
    """Yields the text of every output: streams, text/plain, text/markdown, text/html (tags removed), errors."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            t = out.get("output_type")
            if t == "stream":
                yield strip_ansi(out.get("text", ""))
            elif t in ("display_data", "execute_result", "update_display_data"):
                data = out.get("data", {})
                for mime in ("text/plain", "text/markdown"):
                    if mime in data:
                        yield strip_ansi(_join(data[mime]))
                if "text/html" in data:
                    yield strip_ansi(html_text(_join(data["text/html"])))
            elif t == "error":
                yield strip_ansi("%s: %s\n%s" % (out.get("ename", ""), out.get("evalue", ""),
                                                  "\n".join(out.get("traceback", []))))


def _join(v):
    return "".join(v) if isinstance(v, list) else str(v)


def count_png(nb) -> int:
    return sum(1 for cell in nb.cells for out in cell.get("outputs", [])
               if out.get("output_type") in ("display_data", "execute_result", "update_display_data")
               and "image/png" in out.get("data", {}))


def error_outputs(nb):
    """Yields (cell index, text) for each error output, with the tail of what the cell printed before it (GoNB
    shows compiler errors as HTML before its error output)."""
    for i, cell in enumerate(nb.cells):
        before = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                context = "\n".join(before)[-1500:]
                yield i, strip_ansi("%s: %s%s" % (out.get("ename", ""), out.get("evalue", ""),
                                                  "\n" + context if context else ""))
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                before.append(strip_ansi(out.get("text", "")))
            elif "text/html" in out.get("data", {}):
                before.append(html_text(_join(out["data"]["text/html"])))


def dirty_cells(nb):
    """Yields a description of every code cell that carries outputs or an execution count."""
    for i, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            yield "cell %d has %d output(s)" % (i, len(cell["outputs"]))
        if cell.get("execution_count") is not None:
            yield "cell %d has execution_count %s" % (i, cell["execution_count"])


def check_clean(paths) -> int:
    bad = 0
    for p in paths:
        nb = nbformat.read(p, as_version=4)
        problems = list(dirty_cells(nb))
        if problems:
            bad += 1
            print("DIRTY %s: %s (clear outputs before committing: make clean-notebooks)" % (p, "; ".join(problems)))
    print("notebooks clean: %d of %d" % (len(paths) - bad, len(paths)))
    return bad


def _cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def run_one(path: Path, args) -> tuple[bool, list[str], float]:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("ganlab", {}) or {}
    kernel = args.kernel or nb.metadata.get("kernelspec", {}).get("name") or DEFAULT_KERNEL
    problems = []
    raised = ""
    start = time.monotonic()
    client = NotebookClient(
        nb, timeout=args.timeout, kernel_name=kernel, allow_errors=False,
        startup_timeout=args.startup_timeout, record_timing=True,
        resources={"metadata": {"path": str(path.parent.resolve())}})
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    log_path = out_dir / (path.stem + ".kernel.log")
    try:
        with open(log_path, "wb") as log:  # the kernel's own stderr (GoNB logs a lot) goes to a file
            client.execute(stderr=log)
    except CellTimeoutError as e:
        problems.append("cell timed out after %d s: %s" % (args.timeout, str(e).splitlines()[0] if str(e) else ""))
    except CellExecutionError as e:
        # Reported below from the cell's error output, with what the cell printed before it.
        raised = _tail(strip_ansi(str(e)))
    except Exception as e:  # kernel died, kernel not found, ...
        problems.append("execution failed: %s: %s" % (type(e).__name__, _short(strip_ansi(str(e)))))
    elapsed = time.monotonic() - start

    for i, text in error_outputs(nb):
        problems.append("cell %d failed: %s" % (i, text))
    if raised and not any(p.startswith("cell ") for p in problems):
        problems.append("a cell raised: ... " + raised)
    min_png = int(meta.get("min_png", 1))
    got_png = count_png(nb)
    if got_png < min_png:
        problems.append("%d image/png output(s), want at least %d" % (got_png, min_png))
    texts = list(output_texts(nb))
    for rx in meta.get("expect", []) or []:
        if not any(re.search(rx, t, re.MULTILINE) for t in texts):
            problems.append("no output matches %r" % rx)
    problems += huge_page_problems(kernel, texts)

    # How this run was made, for the tutorials rendered from it (scripts/render_tutorials.py prints it).
    nb.metadata["ganlab_run"] = {
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "mode": "full" if args.full else "quick",
        "kernel": kernel,
        "wall_s": round(elapsed, 1),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "backend": next((m.group(0) for t in texts for m in [re.search(r"^backend: .*$", t, re.MULTILINE)] if m), ""),
    }
    out_path = out_dir / path.name
    nbformat.write(nb, out_path)
    return not problems, problems, elapsed


def huge_page_problems(kernel: str, texts: list) -> list:
    """The XLA CPU kernel carries GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (make setup), so a notebook's ModeLine must
    report a malloc block in huge pages where the kernel's transparent huge pages are in madvise or always mode
    (unless the speed switch is off: GANLAB_SPEED=off). Returns the problems found."""
    if kernel != "ganlab-xla-cpu" or os.environ.get("GANLAB_SPEED") == "off":
        return []
    try:
        thp = Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text()
    except OSError:
        return []
    if "[madvise]" not in thp and "[always]" not in thp:
        return []
    # lab.ModeLine prints "mode: …" and the backend line, then on XLA the malloc line.
    if not any(re.search(r"^mode: .*\nbackend: XLA CPU", t, re.MULTILINE) for t in texts):
        return []  # no ModeLine, or not on XLA
    found = [int(m.group(1)) for t in texts for m in re.finditer(r"malloc block got (\d+) MiB of huge pages", t)]
    if not found:
        return ["the ModeLine says XLA CPU but not what malloc got (lab.ModeLine)"]
    if max(found) < 32:
        return ["the kernel's malloc got %d MiB of huge pages for a 64 MiB block: is GLIBC_TUNABLES in its kernelspec "
                "(make setup)?" % max(found)]
    return []


def _tail(s: str, n: int = 1200) -> str:
    s = s.strip()
    return s if len(s) <= n else s[-n:]


def _short(s: str, n: int = 600) -> str:
    s = s.strip()
    return s if len(s) <= n else s[:n] + " ..."


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*", type=Path)
    ap.add_argument("--check-clean", action="store_true", help="only check that the notebooks carry no outputs")
    ap.add_argument("--kernel", default="", help="kernel name for every notebook (default: notebook metadata)")
    ap.add_argument("--full", action="store_true", help="full mode: do not set GANLAB_QUICK=1")
    ap.add_argument("--timeout", type=int, default=1800, help="per-cell timeout in seconds (default 1800)")
    ap.add_argument("--startup-timeout", type=int, default=300, help="kernel start timeout in seconds")
    ap.add_argument("--out", default="out/notebooks", help="folder for executed copies (default out/notebooks)")
    args = ap.parse_args()

    if args.check_clean:
        return 1 if check_clean(args.notebooks) else 0

    out = Path(args.out).resolve()
    for p in args.notebooks:
        if out == p.parent.resolve():
            print("refusing to write executed copies next to the sources (%s): choose another --out" % out)
            return 2
    if args.full:
        os.environ.pop("GANLAB_QUICK", None)
    else:
        os.environ["GANLAB_QUICK"] = "1"
    os.environ.setdefault("GOMLX_NO_AUTO_INSTALL", "1")

    passed = failed = 0
    for p in args.notebooks:
        print("RUN  %s (%s mode)" % (p, "full" if args.full else "quick"), flush=True)
        ok, problems, elapsed = run_one(p, args)
        if ok:
            passed += 1
            print("PASS %s (%.1f s)" % (p, elapsed), flush=True)
        else:
            failed += 1
            print("FAIL %s (%.1f s)" % (p, elapsed), flush=True)
            for pr in problems:
                print("     - " + pr.replace("\n", "\n       "), flush=True)
        print("     executed copy: %s (kernel log: %s.kernel.log)" % (Path(args.out) / p.name, Path(args.out) / p.stem),
              flush=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
