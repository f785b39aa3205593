#!/usr/bin/env python3
"""Renders executed notebooks to tutorials/NN_name.md with images in tutorials/img/NN_name_K.png.

    render_tutorials.py [--out tutorials] [--translate notebooks/pt-BR] EXECUTED.ipynb...

ANSI colour codes are stripped from text outputs, GoNB's <style> blocks are dropped from HTML outputs, and images
are numbered in order of appearance, so the markdown reads well on its own and diffs stay small.

--translate DIR also renders tutorials/pt-BR/NN_name.md from the same executed notebook, its markdown cells swapped
for the translations in DIR/NN_name.json (scripts/i18n.py): the same outputs, no second run. Its images are the
English tutorial's (../img/NN_name_K.png). A notebook with no translation file is skipped, one with an untranslated
cell fails.
"""
import argparse
import base64
import json
import os
import re
import sys
from pathlib import Path

import nbformat
from nbconvert import MarkdownExporter

sys.path.insert(0, str(Path(__file__).resolve().parent))
import i18n  # noqa: E402 (scripts/i18n.py)

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
STYLE = re.compile(r"<style.*?</style>", re.DOTALL | re.IGNORECASE)


def lift_gifs(nb, stem):
    """nbconvert's markdown has no place for an image/gif output (lab.ShowTrainingGIF): each one becomes a markdown
    image whose bytes are returned beside the exporter's own outputs, so that it is numbered and written like them."""
    gifs = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/gif" in data:
                name = "img/%s_gif%d.gif" % (stem, len(gifs) + 1)
                gifs[name] = base64.b64decode("".join(data["image/gif"]))
                out["data"] = {"text/markdown": "![animated GIF](%s)" % name}
    return gifs


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


NOTE = {
    "en": ("> Rendered from a %(mode)s-mode run of `notebooks/%(stem)s.ipynb` on %(date)s: %(cpu)s (%(cores)s cores), "
           "kernel `%(kernel)s`, %(backend)s; the whole notebook took %(wall).0f s (`make tutorials` redoes it).\n"),
    "pt-BR": ("> Gerado a partir de uma execução em modo %(mode)s de `notebooks/%(stem)s.ipynb` (o mesmo código de "
              "`notebooks/pt-BR/%(stem)s.ipynb`) em %(date)s: %(cpu)s (%(cores)s núcleos), kernel `%(kernel)s`, "
              "%(backend)s; o notebook inteiro levou %(wall).0f s (`make tutorials` refaz).\n"),
}
MODE_PT = {"full": "completo", "quick": "rápido"}


def render(path: Path, out_dir: Path, translations=None, lang="en"):
    """Writes out_dir/<stem>.md (lang "en", images in out_dir/img/) or out_dir/pt-BR/<stem>.md (lang "pt-BR", the
    markdown cells swapped for translations, images taken from out_dir/img/, which the English render wrote)."""
    nb = clean(nbformat.read(path, as_version=4))
    stem = path.stem
    gifs = lift_gifs(nb, stem)
    md_dir, img_dir = out_dir, out_dir / "img"
    if translations is not None:
        raw, missing, _ = i18n.translate(json.loads(nbformat.writes(nb)), translations)
        if missing:
            lines = ["%s: markdown cell %d (\"%s\") has no translation (scripts/i18n.py check)" % (
                path, i + 1, i18n.first_line(text)) for i, text in missing]
            raise SystemExit("\n".join(lines))
        nb = nbformat.reads(json.dumps(raw), as_version=4)
        md_dir = out_dir / lang
    md_dir.mkdir(parents=True, exist_ok=True)
    img_dir.mkdir(parents=True, exist_ok=True)
    if lang == "en":
        for old in img_dir.glob(stem + "_*"):
            old.unlink()
    body, resources = MarkdownExporter().from_notebook_node(
        nb, resources={"output_files_dir": "img", "unique_key": stem})
    outputs = dict(resources.get("outputs", {}))
    outputs.update(gifs)
    # nbconvert names files img/<stem>_<cell>_<output>.<ext>; renumber them 1, 2, ... in order of appearance.
    order = sorted(outputs, key=lambda name: body.find(name) if name in body else len(body))
    for k, name in enumerate(order, 1):
        new = "img/%s_%d%s" % (stem, k, Path(name).suffix)
        if lang == "en":
            (out_dir / new).write_bytes(outputs[name])
            body = body.replace(name, new)
        else:  # the same outputs as the English tutorial: link its images
            if not (out_dir / new).exists() or (out_dir / new).read_bytes() != outputs[name]:
                raise SystemExit("%s: image %s is not the English tutorial's %s: render both from the same "
                                 "executed notebook" % (path, name, out_dir / new))
            body = body.replace(name, "../" + new)
    run = nb.metadata.get("ganlab_run")
    if run:  # say how the run was made, under the title
        home = os.environ.get("GANLAB_HOME", "")
        backend = run.get("backend", "").replace(home, "$GANLAB_HOME") if home else run.get("backend", "")
        mode = run.get("mode")
        note = NOTE[lang] % {
            "mode": MODE_PT.get(mode, mode) if lang != "en" else mode, "stem": stem, "date": run.get("date"),
            "cpu": run.get("cpu"), "cores": run.get("cores"), "kernel": run.get("kernel"),
            "backend": backend or ("backend not printed" if lang == "en" else "backend não impresso"),
            "wall": run.get("wall_s", 0)}
        lines = body.split("\n")
        title = next((i for i, l in enumerate(lines) if l.startswith("# ")), -1)
        lines.insert(title + 1, "\n" + note)
        body = "\n".join(lines)
    md = md_dir / (stem + ".md")
    md.write_text(re.sub(r"\n{3,}", "\n\n", body).strip() + "\n")
    print("rendered %s (%d image(s))" % (md, len(order)))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("notebooks", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, default=Path("tutorials"))
    ap.add_argument("--translate", type=Path, metavar="DIR",
                    help="also render OUT/pt-BR/ with the translations in DIR/NN_name.json (e.g. notebooks/pt-BR)")
    args = ap.parse_args()
    for p in args.notebooks:
        render(p, args.out)
        if args.translate:
            tr = args.translate / (p.stem + ".json")
            if not tr.exists():
                print("%s: no translation yet (%s): no %s tutorial" % (p.stem, tr, i18n.LANG))
                continue
            try:
                translations = i18n.load_translations(tr)
            except ValueError as e:
                raise SystemExit(str(e))
            render(p, args.out, translations, i18n.LANG)


if __name__ == "__main__":
    main()
