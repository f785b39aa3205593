#!/usr/bin/env python3
"""Renders executed notebooks to tutorials/NN_name.md with images in tutorials/img/NN_name_K.png.

    render_tutorials.py [--out tutorials] EXECUTED.ipynb...

ANSI colour codes are stripped from text outputs, GoNB's <style> blocks are dropped from HTML outputs, and images
are numbered in order of appearance, so the markdown reads well on its own and diffs stay small.
"""
import argparse
import os
import re
from pathlib import Path

import nbformat
from nbconvert import MarkdownExporter

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
STYLE = re.compile(r"<style.*?</style>", re.DOTALL | re.IGNORECASE)


def clean(nb):
    home = os.environ.get("GANLAB_HOME", "")

    def tidy(text):  # no colour codes, no absolute paths of the machine that rendered it
        text = ANSI.sub("", text)
        return text.replace(home, "$GANLAB_HOME") if home else text

    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                out["text"] = tidy(out.get("text", ""))
            elif out.get("output_type") == "error":
                out["traceback"] = [tidy(t) for t in out.get("traceback", [])]
            data = out.get("data", {})
            if "text/plain" in data:
                data["text/plain"] = tidy("".join(data["text/plain"]))
            if "text/html" in data:
                data["text/html"] = tidy(STYLE.sub("", "".join(data["text/html"])).strip())
    return nb


def render(path: Path, out_dir: Path):
    nb = clean(nbformat.read(path, as_version=4))
    stem = path.stem
    img_dir = out_dir / "img"
    img_dir.mkdir(parents=True, exist_ok=True)
    for old in img_dir.glob(stem + "_*"):
        old.unlink()
    body, resources = MarkdownExporter().from_notebook_node(
        nb, resources={"output_files_dir": "img", "unique_key": stem})
    outputs = resources.get("outputs", {})
    # nbconvert names files img/<stem>_<cell>_<output>.<ext>; renumber them 1, 2, ... in order of appearance.
    order = sorted(outputs, key=lambda name: body.find(name) if name in body else len(body))
    for k, name in enumerate(order, 1):
        new = "img/%s_%d%s" % (stem, k, Path(name).suffix)
        (out_dir / new).write_bytes(outputs[name])
        body = body.replace(name, new)
    run = nb.metadata.get("ganlab_run")
    if run:  # say how the run was made, under the title
        home = os.environ.get("GANLAB_HOME", "")
        backend = run.get("backend", "").replace(home, "$GANLAB_HOME") if home else run.get("backend", "")
        note = ("> Rendered from a %s-mode run of `notebooks/%s.ipynb` on %s: %s (%s cores), kernel `%s`, "
                "%s; the whole notebook took %.0f s (`make tutorials` redoes it).\n" % (
                    run.get("mode"), stem, run.get("date"), run.get("cpu"), run.get("cores"), run.get("kernel"),
                    backend or "backend not printed", run.get("wall_s", 0)))
        lines = body.split("\n")
        title = next((i for i, l in enumerate(lines) if l.startswith("# ")), -1)
        lines.insert(title + 1, "\n" + note)
        body = "\n".join(lines)
    md = out_dir / (stem + ".md")
    md.write_text(re.sub(r"\n{3,}", "\n\n", body).strip() + "\n")
    print("rendered %s (%d image(s))" % (md, len(order)))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("notebooks", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, default=Path("tutorials"))
    args = ap.parse_args()
    for p in args.notebooks:
        render(p, args.out)


if __name__ == "__main__":
    main()
