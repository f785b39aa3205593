#!/usr/bin/env python3
"""Brazilian Portuguese (pt-BR) notebooks from one source: the English notebook and a translation file.

    i18n.py build [PATH...]      write DIR/pt-BR/NN_name.ipynb for each DIR/NN_name.ipynb that has a translation
                                 file DIR/pt-BR/NN_name.json (PATH: notebooks or folders; default: notebooks/)
    i18n.py check [--all] [PATH...]
                                 fail when a translation is missing, stale or the generated notebook is not what
                                 build makes; --all also fails for an English notebook with no translation file
    i18n.py todo NOTEBOOK        print, as a translation file, the markdown cells of NOTEBOOK that have no current
                                 translation, with their English text: the start of a new translation file
                                 (translate each value in place), or entries to add to an existing one
    i18n.py --self-test          the checks above against scripts/testdata/i18n/, and broken copies of it

The format (issue 26): code cells are copied unchanged from the English notebook (shared); each markdown cell is
replaced by its translation. The translation file is a JSON object {"<key>": "<translated markdown>", ...}, key =
the first 16 hex digits of sha256 of the English cell's source (joined into one string, UTF-8), entries in notebook
order. The translation keeps links as they are in the English cell (relative to the English notebook's folder);
relative links gain a "../" in the generated notebook, one folder deeper, except links to a sibling notebook
(NN_name.ipynb), which then point at its pt-BR twin. render_tutorials.py --translate uses the same functions on an
executed notebook, so tutorials/pt-BR/ shows the English run's outputs.
"""
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LANG = "pt-BR"
ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "scripts" / "testdata" / "i18n"


def source_text(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def key(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def first_line(text):
    for line in text.splitlines():
        if line.strip() and line.strip() != "%%":  # GoNB's "%%" says nothing about the cell
            return line.strip()[:80]
    return "(empty)"


def rel(p):
    p = Path(p).resolve()
    try:
        return str(p.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


# Relative link targets in markdown: [text](target), ![alt](target), [ref]: target, src="target", href="target".
LINK = re.compile(r'(\]\(\s*<?)([^)\s>]+)|(^\s*\[[^\]]+\]:\s*<?)(\S+?)(?=>?\s|>?$)|((?:src|href)\s*=\s*")([^"]+)',
                  re.MULTILINE)
SIBLING_NOTEBOOK = re.compile(r"^[^/]+\.ipynb(#.*)?$")


def relink(md):
    """Moves the relative link targets of a markdown text one folder down (a "../" in front)."""

    def fix(m):
        prefix = m.group(1) or m.group(3) or m.group(5)
        target = m.group(2) or m.group(4) or m.group(6)
        if (re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target) or target.startswith(("#", "/"))
                or SIBLING_NOTEBOOK.match(target)):
            return m.group(0)
        return prefix + "../" + target

    return LINK.sub(fix, md)


def load_translations(path):
    """The translation file as a dict; ValueError naming the file and what is wrong."""
    try:
        with open(path, encoding="utf-8") as f:
            tr = json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError("%s: not valid JSON: %s" % (rel(path), e)) from None
    if not isinstance(tr, dict):
        raise ValueError("%s: must be a JSON object {\"<key>\": \"<translated markdown>\"}" % rel(path))
    for k, v in tr.items():
        if not re.fullmatch(r"[0-9a-f]{16}", k):
            raise ValueError("%s: key %r is not 16 lower-case hex digits (sha256 of the English cell)" % (rel(path), k))
        if not isinstance(v, str):
            raise ValueError("%s: the translation of %s is a %s, not a string" % (rel(path), k, type(v).__name__))
    return tr


def translate(nb, translations):
    """Returns (translated copy of the notebook dict, missing, used).

    missing: (cell index, English text) of markdown cells with no translation; used: the keys used. Code and raw
    cells, outputs included, are copied unchanged, so this works on executed notebooks too."""
    out = copy.deepcopy(nb)
    missing, used = [], set()
    for i, cell in enumerate(out.get("cells", [])):
        if cell.get("cell_type") != "markdown":
            continue
        text = source_text(cell)
        k = key(text)
        if k not in translations:
            missing.append((i, text))
            continue
        used.add(k)
        new = relink(translations[k])
        cell["source"] = new.splitlines(keepends=True) if isinstance(cell.get("source"), list) else new
    return out, missing, used


def dumps(nb):
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def pairs(paths, require_translation):
    """(English notebook, translation file, generated notebook) for each PATH (a notebook or a folder); plus errors
    for files in a pt-BR folder that belong to no English notebook."""
    out, errors, notes = [], [], []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            pt = p / LANG
            nbs = sorted(p.glob("*.ipynb"))
            stems = {n.stem for n in nbs}
            for j in sorted(pt.glob("*.json")):
                if j.stem not in stems:
                    errors.append("%s: a translation of %s, which does not exist" % (rel(j), rel(p / (j.stem + ".ipynb"))))
            for g in sorted(pt.glob("*.ipynb")):
                if g.stem not in stems:
                    errors.append("%s: a generated notebook with no English notebook %s" % (rel(g), rel(p / g.name)))
                elif not (pt / (g.stem + ".json")).exists():
                    errors.append("%s: a generated notebook with no translation file %s" % (rel(g), rel(pt / (g.stem + ".json"))))
        elif p.suffix == ".ipynb" and p.exists():
            nbs = [p]
        else:
            errors.append("%s: not a notebook or a folder" % rel(p))
            continue
        for n in nbs:
            j = n.parent / LANG / (n.stem + ".json")
            if j.exists():
                out.append((n, j, n.parent / LANG / n.name))
            elif require_translation:
                errors.append("%s: no translation file %s" % (rel(n), rel(j)))
            else:
                notes.append("%s: not translated yet (no %s)" % (rel(n), rel(j)))
    return out, errors, notes


def describe_difference(have, want, en_path, tr_path, gen_path):
    """One line saying where the generated notebook on disk differs from what build makes."""
    hc, wc = have.get("cells", []), want.get("cells", [])
    for i, (h, w) in enumerate(zip(hc, wc)):
        if h == w:
            continue
        what = "%s cell %d (\"%s\")" % (h.get("cell_type", "?"), i + 1, first_line(source_text(h)))
        if h.get("cell_type") != w.get("cell_type"):
            return "%s: %s is a %s cell in %s" % (rel(gen_path), what, w.get("cell_type"), rel(en_path))
        if h.get("outputs") and h.get("outputs") != w.get("outputs"):
            return "%s: %s carries outputs (commit generated notebooks without outputs: run build)" % (rel(gen_path), what)
        if w.get("cell_type") == "markdown":
            return ("%s: %s differs from its translation in %s (edit the translation, not the generated notebook, "
                    "then run scripts/i18n.py build)" % (rel(gen_path), what, rel(tr_path)))
        return ("%s: %s differs from %s (code cells are shared: edit the English notebook, then run "
                "scripts/i18n.py build)" % (rel(gen_path), what, rel(en_path)))
    if len(hc) != len(wc):
        return "%s: %d cells, build makes %d from %s (run scripts/i18n.py build)" % (rel(gen_path), len(hc), len(wc), rel(en_path))
    return "%s: its metadata or format fields differ from %s (run scripts/i18n.py build)" % (rel(gen_path), rel(en_path))


def check_one(en_path, tr_path, gen_path):
    """Errors for one English notebook and its translation."""
    errors = []
    with open(en_path, encoding="utf-8") as f:
        nb = json.load(f)
    try:
        tr = load_translations(tr_path)
    except ValueError as e:
        return [str(e)]
    want, missing, used = translate(nb, tr)
    for i, text in missing:
        errors.append("%s: markdown cell %d (\"%s\") has no translation for its current text (key %s) in %s: the "
                      "English is new or changed; translate it (scripts/i18n.py todo %s)" % (
                          rel(en_path), i + 1, first_line(text), key(text), rel(tr_path), rel(en_path)))
    for k, v in tr.items():
        if k not in used:
            errors.append("%s: translation %s (\"%s\") is stale: no markdown cell of %s has that English text any "
                          "more; remove it" % (rel(tr_path), k, first_line(v), rel(en_path)))
    if missing:
        return errors  # what build would make is not defined yet
    if not gen_path.exists():
        errors.append("%s: missing; run scripts/i18n.py build" % rel(gen_path))
        return errors
    with open(gen_path, encoding="utf-8") as f:
        try:
            have = json.load(f)
        except json.JSONDecodeError as e:
            errors.append("%s: not valid JSON: %s" % (rel(gen_path), e))
            return errors
    if have != want:
        errors.append(describe_difference(have, want, en_path, tr_path, gen_path))
    return errors


def check(paths, require_all=False):
    """(errors, notes) for the given notebooks or folders."""
    triples, errors, notes = pairs(paths, require_all)
    for en, tr, gen in triples:
        errors += check_one(en, tr, gen)
    return errors, notes


def build(paths):
    """Writes the generated notebooks; returns (errors, notes)."""
    triples, errors, notes = pairs(paths, False)
    for en, tr_path, gen in triples:
        with open(en, encoding="utf-8") as f:
            nb = json.load(f)
        try:
            tr = load_translations(tr_path)
        except ValueError as e:
            errors.append(str(e))
            continue
        out, missing, used = translate(nb, tr)
        if missing:
            for i, text in missing:
                errors.append("%s: markdown cell %d (\"%s\") has no translation in %s (scripts/i18n.py todo %s)" % (
                    rel(en), i + 1, first_line(text), rel(tr_path), rel(en)))
            errors.append("%s: not written" % rel(gen))
            continue
        for k in tr:
            if k not in used:
                notes.append("%s: translation %s is stale (check fails until it is removed)" % (rel(tr_path), k))
        text = dumps(out)
        old = gen.read_text(encoding="utf-8") if gen.exists() else None
        if old != text:
            gen.write_text(text, encoding="utf-8")
            notes.append("wrote %s" % rel(gen))
        else:
            notes.append("%s: up to date" % rel(gen))
    return errors, notes


def todo(path):
    """The untranslated markdown cells of one English notebook, as a translation file's entries."""
    path = Path(path)
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    tr_path = path.parent / LANG / (path.stem + ".json")
    tr = load_translations(tr_path) if tr_path.exists() else {}
    _, missing, _ = translate(nb, tr)
    return {key(text): text for _, text in missing}


# --- self-test -------------------------------------------------------------------------------------------------

def self_test():
    """Checks the fixture (scripts/testdata/i18n) passes and that broken copies of it fail with the right message."""
    fails = []

    def expect(name, errors, *needles):
        text = "\n".join(errors)
        if not errors:
            fails.append("%s: check passed" % name)
        elif not all(n in text for n in needles):
            fails.append("%s: the message lacks %r:\n%s" % (name, needles, text))
        else:
            print("[i18n] self-test ok: %s -> %s" % (name, errors[0]))

    errors, _ = check([FIXTURE], require_all=True)
    if errors:
        fails.append("the committed fixture fails:\n" + "\n".join(errors))
    else:
        print("[i18n] self-test ok: the committed fixture %s passes" % rel(FIXTURE))

    stem = next(FIXTURE.glob("*.ipynb")).stem
    with tempfile.TemporaryDirectory() as tmp:
        def fresh():
            d = Path(tmp) / "case"
            shutil.rmtree(d, ignore_errors=True)
            shutil.copytree(FIXTURE, d)
            en, tr, gen = d / (stem + ".ipynb"), d / LANG / (stem + ".json"), d / LANG / (stem + ".ipynb")
            return d, en, tr, gen, json.loads(en.read_text(encoding="utf-8"))

        def markdown_index(nb, n=0):
            return [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown"][n]

        def code_index(nb, n=0):
            return [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"][n]

        def set_source(cell, text):
            cell["source"] = text.splitlines(keepends=True) if isinstance(cell["source"], list) else text

        # 1. An English markdown cell changes, its translation does not.
        d, en, tr, gen, nb = fresh()
        i = markdown_index(nb, 1)
        old_first = first_line(source_text(nb["cells"][i]))
        set_source(nb["cells"][i], source_text(nb["cells"][i]) + "\nOne more English sentence.")
        en.write_text(dumps(nb), encoding="utf-8")
        errors, _ = check([d])
        expect("English markdown changed", errors, "has no translation for its current text", old_first, "is stale")
        e2, _ = build([d])
        expect("build refuses a notebook with an untranslated cell", e2, "not written")
        if json.loads(gen.read_text(encoding="utf-8")) != json.loads((FIXTURE / LANG / (stem + ".ipynb")).read_text(encoding="utf-8")):
            fails.append("build wrote a notebook although a cell has no translation")

        # 2. A stale translation: an entry no English cell uses.
        d, en, tr, gen, nb = fresh()
        t = json.loads(tr.read_text(encoding="utf-8"))
        t[key("A cell that was removed.")] = "Uma célula que foi removida."
        tr.write_text(json.dumps(t, indent=1, ensure_ascii=False), encoding="utf-8")
        errors, _ = check([d])
        expect("stale translation", errors, "is stale", "Uma célula que foi removida.")

        # 3. The generated notebook edited by hand (a markdown cell).
        d, en, tr, gen, nb = fresh()
        g = json.loads(gen.read_text(encoding="utf-8"))
        i = markdown_index(g, 0)
        set_source(g["cells"][i], source_text(g["cells"][i]) + "\nEditado à mão.")
        gen.write_text(dumps(g), encoding="utf-8")
        errors, _ = check([d])
        expect("pt-BR markdown edited by hand", errors, "differs from its translation", "markdown cell %d" % (i + 1))

        # 4. A code cell changed in the pt-BR notebook only.
        d, en, tr, gen, nb = fresh()
        g = json.loads(gen.read_text(encoding="utf-8"))
        i = code_index(g, 1)
        set_source(g["cells"][i], source_text(g["cells"][i]).replace("0.5", "0.25"))
        gen.write_text(dumps(g), encoding="utf-8")
        errors, _ = check([d])
        expect("pt-BR code edited", errors, "code cells are shared", "code cell %d" % (i + 1))

        # 5. A code cell changed in the English notebook only; build repairs it.
        d, en, tr, gen, nb = fresh()
        i = code_index(nb, 1)
        set_source(nb["cells"][i], source_text(nb["cells"][i]) + "\n// one more line")
        en.write_text(dumps(nb), encoding="utf-8")
        errors, _ = check([d])
        expect("English code edited, not rebuilt", errors, "code cells are shared")
        e2, _ = build([d])
        errors, _ = check([d])
        if e2 or errors:
            fails.append("build did not repair an English code change: %s" % (e2 + errors))
        elif "// one more line" not in source_text(json.loads(gen.read_text(encoding="utf-8"))["cells"][i]):
            fails.append("build did not copy the English code cell")
        else:
            print("[i18n] self-test ok: build repairs an English code change")

        # 6. Outputs saved into the generated notebook; 7. a missing generated notebook; 8. a bad translation file.
        d, en, tr, gen, nb = fresh()
        g = json.loads(gen.read_text(encoding="utf-8"))
        g["cells"][code_index(g, 0)]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["x\n"]}]
        gen.write_text(dumps(g), encoding="utf-8")
        expect("outputs saved in the pt-BR notebook", check([d])[0], "carries outputs")
        gen.unlink()
        expect("generated notebook missing", check([d])[0], "missing; run scripts/i18n.py build")
        d, en, tr, gen, nb = fresh()
        t = json.loads(tr.read_text(encoding="utf-8"))
        t[next(iter(t))] = ["not", "a", "string"]
        tr.write_text(json.dumps(t), encoding="utf-8")
        expect("translation not a string", check([d])[0], rel(tr), "not a string")
        d, en, tr, gen, nb = fresh()
        tr.unlink()
        expect("generated notebook without translation", check([d])[0], "no translation file")

        # 9. Links: relative targets move one folder down; sibling notebooks and URLs stay.
        got = relink("[a](../docs/x.md) ![b](img/p.png) [c](https://e.org/x) [d](02_theory.ipynb#top) "
                     "<img src=\"p.png\"> [e](#sec)\n[ref]: docs/y.md")
        want = ("[a](../../docs/x.md) ![b](../img/p.png) [c](https://e.org/x) [d](02_theory.ipynb#top) "
                "<img src=\"../p.png\"> [e](#sec)\n[ref]: ../docs/y.md")
        if got != want:
            fails.append("relink:\n got %s\nwant %s" % (got, want))
        else:
            print("[i18n] self-test ok: relink")

        # 10. The tutorial: render_tutorials.py --translate on an executed copy (outputs added here by hand).
        d, en, tr, gen, nb = fresh()
        executed = Path(tmp) / "executed"
        executed.mkdir()
        i = code_index(nb, 1)
        png = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAAAAABX3VL4AAAADklEQVR4nGNgcGBo+A8AAwUBwE4zW+kAAAAASUVORK5CYII="  # a valid 2×2 grey PNG
        nb["cells"][i]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["D(x) = 0.5000 output kept\n"]},
                                     {"output_type": "display_data", "metadata": {}, "data": {"image/png": png}}]
        (executed / en.name).write_text(dumps(nb), encoding="utf-8")
        out = Path(tmp) / "tutorials"
        r = subprocess.run([sys.executable, str(ROOT / "scripts" / "render_tutorials.py"), "--out", str(out),
                            "--translate", str(d / LANG), str(executed / en.name)], capture_output=True, text=True)
        md = out / LANG / (stem + ".md")
        t = json.loads(tr.read_text(encoding="utf-8"))
        if r.returncode != 0 or not md.exists():
            fails.append("render_tutorials.py --translate failed:\n%s%s" % (r.stdout, r.stderr))
        else:
            body = md.read_text(encoding="utf-8")
            en_body = (out / (stem + ".md")).read_text(encoding="utf-8")
            pt_title = first_line(next(iter(t.values())))
            if ("D(x) = 0.5000 output kept" not in body or pt_title not in body or pt_title in en_body
                    or "(../img/%s_1.png)" % stem not in body or "(img/%s_1.png)" % stem not in en_body
                    or not (out / "img" / (stem + "_1.png")).exists() or (out / LANG / "img").exists()):
                fails.append("tutorial %s lacks the output or the translation:\n%s" % (md, body))
            else:
                print("[i18n] self-test ok: render_tutorials.py --translate keeps the outputs and images, swaps the markdown")

    for f in fails:
        print("[i18n] self-test FAILED: " + f)
    return not fails


def main(argv):
    if argv[:1] == ["--self-test"]:
        return 0 if self_test() else 1
    if not argv or argv[0] not in ("build", "check", "todo"):
        print(__doc__)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == "todo":
        if len(args) != 1:
            print("usage: i18n.py todo NOTEBOOK")
            return 2
        try:
            print(json.dumps(todo(args[0]), indent=1, ensure_ascii=False))
        except (OSError, ValueError) as e:
            print("[i18n] %s" % e)
            return 1
        return 0
    require_all = "--all" in args
    paths = [a for a in args if a != "--all"] or [str(ROOT / "notebooks")]
    errors, notes = build(paths) if cmd == "build" else check(paths, require_all)
    for n in notes:
        print("[i18n] " + n)
    for e in errors:
        print("[i18n] ERROR " + e)
    if errors:
        print("[i18n] %s: %d problem(s)" % (cmd, len(errors)))
        return 1
    if cmd == "check":
        print("[i18n] check: translations and generated notebooks agree")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
