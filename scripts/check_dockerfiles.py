#!/usr/bin/env python3
"""Checks the rules docker/ must keep, without a docker engine (make test runs it, after hadolint when installed).

For each Dockerfile: every FROM pins its image by a tag other than "latest" or by a digest (or names an earlier
stage); the image runs as a non-root USER (the last USER, set before CMD, is neither root nor 0); a RUN calls
scripts/setup.sh, the same set-up as the README's first command; it EXPOSEs 8888; CMD starts Jupyter through
scripts/lab.sh, which always sets a token, and no token is baked into the image or emptied on a command line.

    scripts/check_dockerfiles.py [Dockerfile...]   (default: docker/Dockerfile.*, not the .dockerignore files)
    scripts/check_dockerfiles.py --self-test       also checks that broken examples are caught
"""
import glob
import os
import re
import sys


def instructions(text):
    """(keyword, arguments) per instruction, continuation lines joined and comments dropped."""
    out, cur = [], ""
    for line in text.splitlines():
        s = line.strip()
        if not cur and (not s or s.startswith("#")):
            continue
        if cur and s.startswith("#"):
            continue
        cur += " " + s[:-1] if s.endswith("\\") else " " + s
        if not s.endswith("\\"):
            kw, _, args = cur.strip().partition(" ")
            out.append((kw.upper(), args.strip()))
            cur = ""
    return out


def problems(text):
    errs, stages, user, saw_cmd = [], set(), None, False
    ins = instructions(text)
    for kw, args in ins:
        if kw == "FROM":
            words = [w for w in args.split() if not w.startswith("--")]
            image = words[0] if words else ""
            if len(words) >= 3 and words[1].upper() == "AS":
                stages.add(words[2].lower())
            if image.lower() in stages:
                continue
            name, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
            if "@sha256:" not in image and (not tag or tag == "latest"):
                errs.append(f"FROM {image}: pin the base image by a tag (not latest) or a digest")
        elif kw == "USER":
            user = args.split(":")[0]
            if saw_cmd:
                errs.append("USER after CMD")
        elif kw in ("CMD", "ENTRYPOINT"):
            saw_cmd = True
            if "scripts/lab.sh" not in args:
                errs.append(f"{kw} {args}: start Jupyter through scripts/lab.sh (it always sets a token)")
        elif kw in ("ENV", "ARG") and re.search(r"\bLAB_TOKEN=", args):
            errs.append(f"{kw} {args}: a token baked into the image; pass LAB_TOKEN at run time or let lab.sh make one")
        if re.search(r"(ServerApp|NotebookApp|IdentityProvider)\.token=(''|\"\"|\s|$)", args) or "--no-token" in args:
            errs.append(f"{kw} {args}: an empty Jupyter token")
    if user is None or user in ("root", "0"):
        errs.append(f"runs as {user or 'root (no USER)'}: add a non-root USER")
    if not any(kw == "RUN" and re.search(r"(^|[\s/])scripts/setup\.sh\b", a) for kw, a in ins):
        errs.append("no RUN calls scripts/setup.sh (the README's set-up)")
    if not any(kw == "EXPOSE" and re.search(r"(^|\s)8888(/tcp)?(\s|$)", a) for kw, a in ins):
        errs.append("no EXPOSE 8888 (Jupyter)")
    if not any(kw in ("CMD", "ENTRYPOINT") for kw, _ in ins):
        errs.append("no CMD starting Jupyter")
    return errs


GOOD = """FROM golang:1.26.8-bookworm AS go
FROM debian:12.8
RUN useradd u
USER 1000:1000
RUN bash \\
    scripts/setup.sh
EXPOSE 8888
CMD ["bash", "scripts/lab.sh"]
"""
BROKEN = {
    "latest": GOOD.replace("debian:12.8", "debian:latest"),
    "untagged": GOOD.replace("debian:12.8", "debian"),
    "root": GOOD.replace("USER 1000:1000", "USER root"),
    "no user": GOOD.replace("USER 1000:1000\n", ""),
    "no setup": GOOD.replace("scripts/setup.sh", "scripts/other.sh"),
    "no expose": GOOD.replace("EXPOSE 8888", "EXPOSE 8080"),
    "not lab.sh": GOOD.replace('["bash", "scripts/lab.sh"]', '["jupyter-lab", "--ServerApp.token="]'),
    "baked token": GOOD.replace("EXPOSE 8888", "EXPOSE 8888\nENV LAB_TOKEN=abcdefabcdefabcdef"),
}


def main(argv):
    fails = 0
    if "--self-test" in argv:
        argv = [a for a in argv if a != "--self-test"]
        if problems(GOOD):
            print(f"[check_dockerfiles] self-test: the good example fails: {problems(GOOD)}")
            fails += 1
        for name, text in BROKEN.items():
            if not problems(text):
                print(f"[check_dockerfiles] self-test: the '{name}' example passes")
                fails += 1
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files = argv or sorted(f for f in glob.glob(os.path.join(root, "docker", "Dockerfile.*")) if not f.endswith(".dockerignore"))
    if not files:
        print("[check_dockerfiles] no Dockerfiles found")
        return 1
    for path in files:
        with open(path) as f:
            errs = problems(f.read())
        for e in errs:
            print(f"[check_dockerfiles] {os.path.relpath(path, root)}: {e}")
        fails += len(errs)
        if not errs:
            print(f"[check_dockerfiles] {os.path.relpath(path, root)}: ok (pinned base, non-root USER, scripts/setup.sh, EXPOSE 8888, lab.sh with a token)")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
