#!/usr/bin/env python3
"""The lab as a student uses it: `make lab` driven by a real browser (Debian's chromium, through Playwright).

    .local/venv/bin/python scripts/e2e_lab.py

Starts scripts/lab.sh (LAB_SETUP=0, a free port on 127.0.0.1, a fresh token, GANLAB_QUICK=1 so the kernels run
the notebooks' quick mode) and, in headless chromium:
  1. opens the lab without the token and with a wrong one: the login page, no notebook;
  2. opens notebooks/01_intro_fashion_mnist.ipynb with the token; its metadata starts the "Go (ganlab, XLA CPU)"
     kernel, which the toolbar must show;
  3. runs every cell with Shift+Enter, waits for each code cell's prompt to turn from [*] into [n], and fails on
     an error output (a stderr text with a panic or an error, a traceback) or on an inline image that is not a
     rendered <img> with a PNG of the expected size (the grids, the curves) or, for the training GIF, a GIF of
     the expected size with one frame per epoch;
  4. in the latent-walk cell (a GoNB slider, nbui.Explorer through lab.LatentWalk, which keeps the cell running
     while a browser shows it): waits for the slider and its image, drags the slider with the mouse, waits for
     the image to change to the new position's PNG, clicks "Done", and checks that the cell ends with the controls
     gone and the last position's image kept;
  5. switches the kernel to "Go (ganlab, pure Go)" in the kernel picker and runs the first cell again: its
     backend line must say pure Go.

Screenshots of each moment go to out/e2e/NN_what.png. The notebook file is never written (the lab runs with
autosave off in a settings folder of its own), and only the processes started here are stopped (the lab's
process group, after its kernels are shut down through its API).

Without chromium (/usr/bin/chromium) or Playwright it prints SKIP and exits 0, unless GANLAB_REQUIRE_BROWSER=1:
then it fails and says what is missing. Exit status 1 when a check failed.
"""

import base64
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
NOTEBOOK = "01_intro_fashion_mnist.ipynb"  # relative to notebooks/, the lab's root
OUT = ROOT / "out" / "e2e"
XLA_KERNEL, GO_KERNEL = "Go (ganlab, XLA CPU)", "Go (ganlab, pure Go)"
# The inline images of notebook 01, by cell index: (kind, (width, height), GIF frames). A grid is cols×28 px at its
# scale plus a 2 px gap around every image (nbui.Grid; lab.GridOf's scale 0 is 3 for 28 px images).
def _grid(cols, rows, scale):
    return (cols * 28 * scale + 2 * (cols + 1), rows * 28 * scale + 2 * (rows + 1))
def _png(size):
    return ("png", size, None)
EPOCHS = 10  # session(): Epochs 10; a fixed-noise grid is saved after every epoch, one GIF frame each
GIF_CAPTION = 16  # nbui.GIF's captionHeight: a white strip under each frame
EXPECTED_IMAGES = {
    4: [_png(_grid(10, 4, 2))],  # the first 40 real images, 10×4 at scale 2 (nbui.ShowGrid)
    10: [_png(_grid(5, 2, 3))] * 3,  # the fixed samples, 5×2, after epochs 1, 5 and 10 (ShowEpochs)
    12: [_png((864, 307))],  # nbui.ShowCurves' two panels
    14: [("gif", (_grid(5, 2, 3)[0], _grid(5, 2, 3)[1] + GIF_CAPTION), EPOCHS)],  # lab.ShowTrainingGIF
    16: [_png(_grid(10, 10, 2))],  # lab.ShowSamples 10×10 at scale 2
    18: [_png(_grid(11, 8, 3))],  # lab.ShowInterpolations: 8 walks of 11 steps at scale 3
    20: [_png(_grid(4, 1, 4))],  # lab.LatentWalk's frame: 4 pairs in one row at scale 4, the last position's
}
SLIDER_CELL = 20
SLIDER_STEPS = 11  # lab.LatentWalk(tr, 4, 11, 5): positions 0 … 10, t = i/10
SLIDER_TO = 0.7  # where the slider is dragged to, a fraction of its track: near position 7, "t = 0.70"
# What each cell above must call: a rewritten notebook fails here with a clear message, not on image counts.
CELL_MARKERS = {4: "nbui.ShowGrid", 10: "s.Run()", 12: "nbui.ShowCurves", 14: "lab.ShowTrainingGIF",
                16: "lab.ShowSamples", 18: "lab.ShowInterpolations", 20: "lab.LatentWalk(tr, 4, 11, 5)"}
# The longest cells (the hand-written D/G steps and the training) take about a minute each on 2 idle cores and a
# few on a loaded one: generous, but bounded.
CELL_TIMEOUT_S = 480
ERROR_TEXT = re.compile(r"panic:|goroutine \d+ \[|\berror\b|exit status \d|Traceback", re.IGNORECASE)

t0 = time.monotonic()


def log(msg):
    print("[e2e] %5.1f s  %s" % (time.monotonic() - t0, msg), flush=True)


class Failure(Exception):
    pass


def missing_requirements():
    missing = []
    if not os.access(CHROMIUM, os.X_OK):
        missing.append("%s (Debian's chromium: `apt-get install -y chromium` as root, or `scripts/setup.sh browser`)"
                       % CHROMIUM)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright in .local/venv (`scripts/setup.sh venv`: scripts/requirements-lab.txt)")
    if not (ROOT / ".local/venv/bin/jupyter-lab").exists():
        missing.append(".local/venv/bin/jupyter-lab (`scripts/setup.sh venv`)")
    return missing


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_png(data: bytes, want, where):
    """Parses a PNG fully (signature, chunk CRCs, IHDR, the inflated image data's length) and checks its size."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise Failure("%s: not a PNG (starts with %r)" % (where, data[:8]))
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(kind + body) != crc:
            raise Failure("%s: PNG chunk %s has a bad CRC" % (where, kind))
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
        if kind == b"IEND":
            break
    if ihdr is None:
        raise Failure("%s: PNG without IHDR" % where)
    w, h, depth, color, _, _, interlace = ihdr
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    if interlace == 0:
        rows = zlib.decompress(idat)
        if len(rows) != h * (1 + (w * channels * depth + 7) // 8):
            raise Failure("%s: PNG image data of %d bytes for %d×%d" % (where, len(rows), w, h))
    if want and (w, h) != tuple(want):
        raise Failure("%s: PNG is %d×%d, expected %d×%d" % (where, w, h, want[0], want[1]))
    return w, h


def check_gif(data: bytes, want, frames_want, where):
    """Walks a GIF's blocks (header, logical screen, colour tables, extensions, image descriptors and their LZW
    sub-blocks, trailer), checks its size and that it has frames_want frames, each inside the screen."""
    def sub_blocks(pos):
        while data[pos]:
            pos += 1 + data[pos]
        return pos + 1
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise Failure("%s: not a GIF (starts with %r)" % (where, data[:6]))
    try:
        w, h, flags = struct.unpack("<HHB", data[6:11])
        pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
        frames = 0
        while data[pos] != 0x3B:
            kind, pos = data[pos], pos + 1
            if kind == 0x21:  # an extension: its label, then sub-blocks
                pos = sub_blocks(pos + 1)
            elif kind == 0x2C:  # an image: its descriptor, a local colour table, the LZW code size, sub-blocks
                x, y, fw, fh, fflags = struct.unpack("<HHHHB", data[pos:pos + 9])
                if x + fw > w or y + fh > h or fw == 0 or fh == 0:
                    raise Failure("%s: GIF frame %d is %d×%d at (%d, %d), outside the %d×%d screen"
                                  % (where, frames + 1, fw, fh, x, y, w, h))
                pos += 9 + (3 << ((fflags & 7) + 1) if fflags & 0x80 else 0)
                pos = sub_blocks(pos + 1)
                frames += 1
            else:
                raise Failure("%s: GIF block 0x%02x at byte %d" % (where, kind, pos - 1))
    except (IndexError, struct.error):
        raise Failure("%s: GIF cut short (%d bytes)" % (where, len(data)))
    if (w, h) != tuple(want):
        raise Failure("%s: GIF is %d×%d, expected %d×%d" % (where, w, h, want[0], want[1]))
    if frames != frames_want:
        raise Failure("%s: GIF with %d frame(s), expected %d" % (where, frames, frames_want))
    return w, h


class Lab:
    """make lab (scripts/lab.sh) in its own process group, with its Jupyter settings and workspaces in a temporary
    folder (autosave off, so the notebook file is never written) and its output in a private temporary file."""

    def __init__(self):
        self.port, self.token = free_port(), secrets.token_hex(24)
        self.base = "http://127.0.0.1:%d" % self.port
        self.tmp = Path(tempfile.mkdtemp(prefix="ganlab-e2e-"))  # 0700: the log holds the token
        settings = self.tmp / "user-settings"
        (settings / "@jupyterlab/docmanager-extension").mkdir(parents=True)
        (settings / "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings").write_text('{"autosave": false}')
        config = self.tmp / "config"
        config.mkdir()
        # scripts/env.sh sets JUPYTERLAB_SETTINGS_DIR and JUPYTERLAB_WORKSPACES_DIR to .local/jupyter (the user's);
        # a configuration file in JUPYTER_CONFIG_PATH wins over those, and leaves them alone.
        (config / "jupyter_server_config.json").write_text(json.dumps({"LabApp": {
            "user_settings_dir": str(settings), "workspaces_dir": str(self.tmp / "workspaces")}}))
        env = {k: v for k, v in os.environ.items()
               if k not in ("LAB_IP", "LAB_URL_HOST", "LAB_KERNEL", "LAB_DRY_RUN",
                            "JUPYTER_TOKEN", "JUPYTER_TOKEN_FILE")}
        env.update(LAB_SETUP="0", LAB_PORT=str(self.port), LAB_TOKEN=self.token, GANLAB_QUICK="1",
                   JUPYTER_CONFIG_PATH=str(config))
        self.log_path = self.tmp / "lab.log"
        self.log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen(["bash", str(ROOT / "scripts/lab.sh")], cwd=ROOT, env=env,
                                     stdin=subprocess.DEVNULL, stdout=self.log_file, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log("make lab (scripts/lab.sh) started: pid %d, 127.0.0.1:%d, a fresh token" % (self.proc.pid, self.port))

    def api(self, path, method="GET"):
        req = urllib.request.Request(self.base + path, method=method, headers={"Authorization": "token " + self.token})
        with urllib.request.urlopen(req, timeout=30) as r:
            body = r.read()
            return json.loads(body) if body else None

    def wait_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.api("/api/status")
                log("the lab answers")
                return
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise Failure("the lab exited (status %s) before answering:\n%s"
                              % (self.proc.returncode, self.output()))
            if time.monotonic() > deadline:
                raise Failure("the lab did not answer within %d s:\n%s" % (timeout, self.output()))
            time.sleep(0.5)

    def output(self, lines=30):
        try:
            text = self.log_path.read_text(errors="replace").replace(self.token, "<token>")
        except OSError:
            return ""
        return "\n".join("    | " + l for l in text.splitlines()[-lines:])

    def stop(self):
        """Shuts the lab's kernels down through its API (GoNB then stops its gopls too), then SIGTERM to the lab's
        process group, SIGKILL after 20 s."""
        if self.proc.poll() is None:
            try:
                for k in self.api("/api/kernels"):
                    self.api("/api/kernels/" + k["id"], "DELETE")
            except (OSError, ValueError) as e:
                log("could not shut the kernels down through the API: %s" % e)
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                log("the lab did not stop within 20 s of SIGTERM: SIGKILL to its process group")
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        self.log_file.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Student:
    """The browser side: one page of headless chromium, and the checks on what it shows."""

    def __init__(self, browser, lab):
        self.lab = lab
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.shots = 0
        self.writes = []
        # Belt and braces beside autosave off: no request may write the notebook.
        self.page.route("**/api/contents/**", self._contents)

    def _contents(self, route):
        method, url = route.request.method, route.request.url.split("?")[0]
        if method == "POST" and url.endswith("/checkpoints"):
            # JupyterLab checkpoints a notebook it opens: answered here, so that no .ipynb_checkpoints is written.
            route.fulfill(status=201, content_type="application/json",
                          body=json.dumps({"id": "checkpoint", "last_modified": "2000-01-01T00:00:00.000000Z"}))
        elif method in ("PUT", "PATCH", "POST", "DELETE"):
            self.writes.append("%s %s" % (method, url))
            route.abort()
        else:
            route.continue_()

    def shot(self, name):
        self.shots += 1
        path = OUT / ("%02d_%s.png" % (self.shots, name))
        self.page.screenshot(path=str(path))
        return path.relative_to(ROOT)

    def fail(self, msg, name="failure"):
        try:
            where = self.shot(name)
        except Exception as e:  # the page may be gone
            where = "none (%s)" % e
        raise Failure("%s\n    screenshot: %s" % (msg, where))

    def cell_fail(self, i, msg, name):
        """fail, with the text of cell i's output area (its end) as the page shows it."""
        self.fail("cell %d: %s\n    its output, as the page shows it:\n%s"
                  % (i, msg, "\n".join("    | " + l for l in self.output_text(i).splitlines())), name)

    def cells(self):
        return self.page.locator(".jp-Notebook .jp-Cell")

    def kernel_name(self):
        return self.page.locator(".jp-NotebookPanel-toolbar .jp-Toolbar-kernelName").inner_text().strip()

    def wait_kernel(self, display_name, timeout=120):
        """Waits until the toolbar names the kernel and its status is idle or unknown (GoNB announces no status
        before its first execution: JupyterLab shows "Unknown" until then); the first cell's run proves it answers."""
        deadline = time.monotonic() + timeout
        name = status = ""
        while time.monotonic() < deadline:
            name = self.kernel_name()
            indicator = self.page.locator(".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator")
            status = indicator.get_attribute("data-status")
            if name == display_name and status in ("idle", "unknown"):
                return
            time.sleep(0.5)
        self.fail("the toolbar shows kernel %r (status %r) after %d s, wanted %r"
                  % (name, status, timeout, display_name), "kernel")

    def output_text(self, i, limit=1500):
        text = self.cells().nth(i).locator(".jp-OutputArea").all_text_contents()
        text = "\n".join(t.strip() for t in text if t.strip())
        return text if len(text) <= limit else "... " + text[-limit:]

    def start_cell(self, i):
        """Selects cell i (a click on its prompt) and presses Shift+Enter. Returns a Run to wait on, None for a
        markdown cell."""
        cell = self.cells().nth(i)
        code = "jp-CodeCell" in (cell.get_attribute("class") or "")
        prompt = cell.locator(".jp-InputArea-prompt").first
        run = Run(self, i, prompt, prompt.inner_text().strip() if code else "")
        prompt.click()
        self.page.keyboard.press("Shift+Enter")
        return run if code else None

    def run_cell(self, i, timeout=CELL_TIMEOUT_S):
        """start_cell, and for a code cell waits until its prompt shows a new execution count. Returns the count
        (None for markdown)."""
        run = self.start_cell(i)
        return run.wait(timeout) if run else None

    def check_outputs(self, i):
        """No error in cell i's outputs, and its images rendered with the expected PNGs."""
        cell = self.cells().nth(i)
        stderr = cell.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        errors = stderr.all_text_contents()
        bad = [t for t in errors if ERROR_TEXT.search(t)]
        if bad:
            self.cell_fail(i, "an error output", "cell%02d_error" % i)
        imgs = self.images(i)
        want = EXPECTED_IMAGES.get(i, [])
        if len(imgs) != len(want):
            self.cell_fail(i, "%d image(s), expected %d" % (len(imgs), len(want)), "cell%02d_images" % i)
        for k, (img, spec) in enumerate(zip(imgs, want)):
            self.check_image(i, img, spec, "image %d" % (k + 1))
        return len(imgs)

    def images(self, i):
        """The <img> elements in cell i's outputs: src, natural size, whether loaded."""
        return self.cells().nth(i).locator(".jp-OutputArea-output img").evaluate_all(
            "els => els.map(e => ({src: e.getAttribute('src') || '', w: e.naturalWidth, h: e.naturalHeight,"
            " done: e.complete}))")

    def check_image(self, i, img, spec, where):
        """img (from images) is a data URL of spec's kind, decodes to spec's size (and frames), and the browser
        rendered it at that size."""
        kind, size, frames = spec
        m = re.match(r"data:image/%s;base64,(.*)$" % kind, img["src"], re.DOTALL)
        if not m:
            self.cell_fail(i, "%s: src is not a %s data URL: %.80s" % (where, kind.upper(), img["src"]),
                           "cell%02d_images" % i)
        try:
            data = base64.b64decode(m.group(1))
            if kind == "gif":
                check_gif(data, size, frames, where)
            else:
                check_png(data, size, where)
        except (Failure, ValueError, zlib.error, struct.error, KeyError) as e:
            self.cell_fail(i, str(e), "cell%02d_images" % i)
        if not img["done"] or (img["w"], img["h"]) != size:
            self.cell_fail(i, "%s: the browser rendered it at natural size %d×%d (complete: %s), expected %d×%d"
                           % (where, img["w"], img["h"], img["done"], *size), "cell%02d_images" % i)

    def explore_slider(self, i):
        """Runs the latent-walk cell i as a student plays with it: waits for the slider, its "Done" button and its
        image, drags the slider to the right with the mouse, waits for the image of the new position, clicks Done,
        and checks that the cell ends with the controls gone and that image kept."""
        cell = self.cells().nth(i)
        out = cell.locator(".jp-OutputArea")
        slider, done = out.locator("input[type=range]"), out.locator("button", has_text="Done")
        run = self.start_cell(i)
        deadline = time.monotonic() + CELL_TIMEOUT_S
        while not (slider.count() == 1 and done.count() == 1 and len(self.images(i)) == 1):
            if run.finished():
                self.cell_fail(i, "the cell ended without showing a slider, a Done button and one image (did "
                               "nbui.FrontEnd not see the browser?)", "slider_missing")
            if time.monotonic() > deadline:
                self.cell_fail(i, "no slider, Done button and image within %d s (%d slider(s), %d button(s), %d "
                               "image(s))" % (CELL_TIMEOUT_S, slider.count(), done.count(), len(self.images(i))),
                               "slider_missing")
            time.sleep(0.5)
        lo, hi, value = (slider.get_attribute(a) for a in ("min", "max", "value"))
        if (lo, hi, value) != ("0", str(SLIDER_STEPS - 1), "0"):
            self.cell_fail(i, "the slider spans %s…%s at %s, expected 0…%d at 0" % (lo, hi, value, SLIDER_STEPS - 1),
                           "slider")
        first = self.images(i)[0]
        self.check_image(i, first, EXPECTED_IMAGES[i][0], "the slider's image at t = 0")
        if "t = 0.00" not in self.output_text(i):
            self.cell_fail(i, "no label 't = 0.00' above the slider's image", "slider")
        log("cell %d: a slider 0…%d and a Done button, with its image at t = 0, %.1f s after Shift+Enter"
            % (i, SLIDER_STEPS - 1, time.monotonic() - run.start))
        self.shot("slider_start")

        # A drag with the mouse, as a student moves it (JupyterLab keeps the arrow keys in command mode): from the
        # thumb at the left end to SLIDER_TO of the track.
        slider.scroll_into_view_if_needed()
        box = slider.bounding_box()
        y = box["y"] + box["height"] / 2
        self.page.mouse.move(box["x"] + min(6, box["width"] / 4), y)
        self.page.mouse.down()
        self.page.mouse.move(box["x"] + SLIDER_TO * box["width"], y, steps=10)
        self.page.mouse.up()
        moved_at, value = time.monotonic(), int(slider.input_value())
        if not 0 < value < SLIDER_STEPS:
            self.cell_fail(i, "the slider is at %d after a drag to %d %% of its track" % (value, SLIDER_TO * 100),
                           "slider")
        label = "t = %.2f" % (value / (SLIDER_STEPS - 1))
        while True:
            imgs = self.images(i)
            if len(imgs) == 1 and imgs[0]["src"] != first["src"] and imgs[0]["done"] and label in self.output_text(i):
                break
            if run.finished() or time.monotonic() > moved_at + 120:
                self.cell_fail(i, "the image did not change to %r within 120 s of the move (cell %s)"
                               % (label, "ended" if run.finished() else "running"), "slider_stuck")
            time.sleep(0.25)
        # The drag sends several positions; wait until the image has stopped changing (1 s without a new one), so
        # that `moved` is the last position's image and not one still on its way.
        moved, still_since = imgs[0], time.monotonic()
        while time.monotonic() - still_since < 1.0 and time.monotonic() < moved_at + 120:
            time.sleep(0.2)
            now = self.images(i)
            if len(now) == 1 and now[0]["src"] != moved["src"]:
                moved, still_since = now[0], time.monotonic()
        self.check_image(i, moved, EXPECTED_IMAGES[i][0], "the slider's image at " + label)
        log("cell %d: slider dragged to %s: its image is a new %d×%d PNG (shown %.1f s after the mouse's release; "
            "the image follows the drag)" % (i, label, moved["w"], moved["h"], time.monotonic() - moved_at))
        cell.scroll_into_view_if_needed()
        self.shot("slider_moved")

        done.click()
        run.wait(CELL_TIMEOUT_S)
        if slider.count() or out.locator("button").count():
            self.cell_fail(i, "after Done: %d slider(s) and %d button(s) still shown" % (
                slider.count(), out.locator("button").count()), "slider_done")
        self.check_outputs(i)
        deadline = time.monotonic() + 15  # the closing label may reach the page just after the prompt turns
        while True:
            text, imgs = self.output_text(i), self.images(i)
            ok = len(imgs) == 1 and imgs[0]["src"] == moved["src"] and label in text and "closed" in text
            if ok or time.monotonic() > deadline:
                break
            time.sleep(0.25)
        if not ok:
            self.cell_fail(i, "after Done: not the image of %s, or no '%s ... (closed ...)' label" % (label, label),
                           "slider_done")
        if "static image stands for the slider" in text:
            self.cell_fail(i, "the static image (no browser) was shown too", "slider_done")
        log("cell %d: Done clicked: the cell ended, the controls gone, the image of %s kept" % (i, label))
        self.shot("slider_done")
        return 1


class Run:
    """A code cell started with Shift+Enter, waited on through its prompt: [*] while it runs, then a new [n]."""

    def __init__(self, student, i, prompt, before):
        self.student, self.i, self.prompt, self.before = student, i, prompt, before
        self.start, self.seen_busy, self.count = time.monotonic(), False, None

    def finished(self):
        now = self.prompt.inner_text().strip()
        self.seen_busy = self.seen_busy or now == "[*]:"
        m = re.fullmatch(r"\[(\d+)\]:", now)
        if m and (self.seen_busy or now != self.before):
            self.count = int(m.group(1))
        return self.count is not None

    def wait(self, timeout):
        deadline = self.start + timeout
        while not self.finished():
            if time.monotonic() > deadline:
                self.student.cell_fail(self.i, "did not finish within %d s (prompt %r)"
                                       % (timeout, self.prompt.inner_text().strip()), "cell%02d_timeout" % self.i)
            time.sleep(0.25)
        log("cell %d ran: [%d] in %.1f s" % (self.i, self.count, time.monotonic() - self.start))
        return self.count


def refused(page, url, what, student):
    """The lab at url (no token or a wrong one) must answer with its login page and show no notebook."""
    resp = page.goto(url)
    page.wait_for_load_state("domcontentloaded")
    body = page.locator("body").inner_text()
    if "/login" not in page.url or page.locator(".jp-Notebook").count() or "forger and the detective" in body:
        student.fail("the lab %s: at %s, not the login page (status %s); the page shows:\n%s"
                     % (what, page.url.split("?")[0], resp.status if resp else None, body[:800]), "refused")
    if page.locator("input[type=password]").count() == 0:
        student.fail("the lab %s: the login page has no token field; it shows:\n%s" % (what, body[:800]), "refused")
    log("%s: the login page (%s), no notebook" % (what, page.url.split("?")[0]))


def main():
    missing = missing_requirements()
    if missing:
        msg = "the browser test needs: " + "; ".join(missing)
        if os.environ.get("GANLAB_REQUIRE_BROWSER") == "1":
            print("[e2e] FAIL (GANLAB_REQUIRE_BROWSER=1): " + msg, flush=True)
            return 1
        print("[e2e] SKIP: " + msg + " (GANLAB_REQUIRE_BROWSER=1 makes this a failure)", flush=True)
        return 0
    from playwright.sync_api import sync_playwright, Error as PlaywrightError

    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    source = (ROOT / "notebooks" / NOTEBOOK).read_bytes()
    cells = json.loads(source)["cells"]
    for i, marker in CELL_MARKERS.items():
        if i >= len(cells) or marker not in "".join(cells[i]["source"]):
            print("[e2e] FAIL: notebooks/%s: cell %d does not call %s: the notebook changed; update EXPECTED_IMAGES, "
                  "SLIDER_CELL and CELL_MARKERS in scripts/e2e_lab.py" % (NOTEBOOK, i, marker), flush=True)
            return 1
    checkpoints = ROOT / "notebooks" / ".ipynb_checkpoints"
    had_checkpoints = checkpoints.exists()
    lab = Lab()
    student = None
    ok = False
    try:
        lab.wait_ready()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
            try:
                student = Student(browser, lab)
                page = student.page
                url = "%s/lab/workspaces/ganlab-e2e/tree/%s" % (lab.base, NOTEBOOK)
                refused(page, url, "without the token", student)
                student.shot("no_token")
                wrong = secrets.token_hex(24)
                refused(page, url + "?token=" + wrong, "with a wrong token", student)
                student.shot("wrong_token")

                page.goto(url + "?reset&token=" + lab.token)
                page.locator(".jp-Notebook .jp-Cell").first.wait_for()
                try:  # JupyterLab's "get notified about Jupyter news?" toast: no
                    page.locator(".jp-toast-button", has_text="No").click(timeout=5000)
                except PlaywrightError:
                    pass
                # The notebook's metadata names ganlab-xla-cpu: JupyterLab starts it without asking. Were it to ask,
                # the kernel picker's dialog would be answered with that kernel.
                dialog = page.locator(".jp-Dialog select")
                try:
                    dialog.wait_for(timeout=3000)
                    dialog.select_option(label=XLA_KERNEL)
                    page.locator(".jp-Dialog .jp-mod-accept").click()
                    log("picked %s in the kernel dialog" % XLA_KERNEL)
                except PlaywrightError:
                    pass
                student.wait_kernel(XLA_KERNEL)
                n = student.cells().count()
                log("%s open with %d cells, kernel %s" % (NOTEBOOK, n, XLA_KERNEL))
                student.shot("notebook_open")

                if n != len(cells):
                    student.fail("the page shows %d cells, the notebook has %d" % (n, len(cells)), "cells")
                images = 0
                for i in range(n):
                    if i == SLIDER_CELL:
                        images += student.explore_slider(i)
                    elif student.run_cell(i) is not None:
                        images += student.check_outputs(i)
                        student.cells().nth(i).scroll_into_view_if_needed()
                        student.shot("cell%02d" % i)
                text = "\n".join(student.output_text(i, 100000) for i in range(n))
                for rx in [r"mode: quick mode", r"backend: XLA CPU", r"step 200 \(one batch\): D loss",
                           r"EPOCH: 10 ", r"Done: \d+ generator steps", r"%d grids, from step" % EPOCHS,
                           r"Saved as \S+training\.gif", r"100 samples after step", r"8 walks of 11 steps"]:
                    if not re.search(rx, text):
                        student.fail("no cell output matches %r" % rx, "xla_missing_text")
                log("every cell ran without an error; %d images rendered, PNGs and a GIF of the expected sizes"
                    % images)

                first = next(i for i in range(n)
                             if "jp-CodeCell" in (student.cells().nth(i).get_attribute("class") or ""))
                page.locator(".jp-NotebookPanel-toolbar .jp-Toolbar-kernelName").click()
                page.locator(".jp-Dialog select").select_option(label=GO_KERNEL)
                page.locator(".jp-Dialog .jp-mod-accept").click()
                student.wait_kernel(GO_KERNEL)
                log("kernel switched to %s in the kernel picker" % GO_KERNEL)
                student.run_cell(first)
                student.check_outputs(first)
                out = student.output_text(first)
                if not re.search(r"^backend: pure Go", out, re.MULTILINE):
                    student.cell_fail(first, "in %s: no line 'backend: pure Go'" % GO_KERNEL, "go_kernel")
                student.cells().nth(first).scroll_into_view_if_needed()
                student.shot("go_kernel")
                backend_line = next(l for l in out.splitlines() if l.startswith("backend:"))
                log("cell %d in the pure-Go kernel: %s" % (first, backend_line))
                if student.writes:
                    raise Failure("the page tried to write through the contents API: %s" % "; ".join(student.writes))
                ok = True
            except PlaywrightError as e:  # a selector not found, a timeout: with the page as it was
                where = "none"
                if student:
                    try:
                        where = student.shot("failure")
                    except PlaywrightError:
                        pass
                raise Failure("%s: %s\n    screenshot: %s" % (type(e).__name__, str(e)[:1500], where))
            finally:
                browser.close()
    except Failure as e:
        print("[e2e] FAIL: %s" % e, flush=True)
        print("[e2e] the lab's output (token replaced):\n" + lab.output(), flush=True)
    finally:
        lab.stop()
        log("the lab stopped")
    if (ROOT / "notebooks" / NOTEBOOK).read_bytes() != source:
        (ROOT / "notebooks" / NOTEBOOK).write_bytes(source)
        print("[e2e] FAIL: notebooks/%s was written during the test (restored)" % NOTEBOOK, flush=True)
        ok = False
    if not had_checkpoints:  # the server makes the folder when JupyterLab lists checkpoints; nothing is in it
        try:
            checkpoints.rmdir()
        except OSError:
            pass
    if ok:
        log("PASS: screenshots in %s" % OUT.relative_to(ROOT))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
