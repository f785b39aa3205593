"""The models of `ganlab bench` in PyTorch, timed one full GAN step at a time.

A full step is what ganlab's gan.Trainer.TrainStep does: G(z) without gradient, one D update (Adam(2e-4, β1 0.5))
on B real and B fake images with binary cross-entropy, then one G update through D (frozen: no weight gradients)
on fresh noise with the non-saturating loss. Same layer shapes, hence the same FLOP, as ganlib/bench.Models().

    python bench/peers/torch_gan.py --model lecture-b4 [--steps 10] [--warmup 2] [--device cpu|cuda]

Prints one line `BENCH_JSON {...}` (first_ms, step_ms, info) for `ganlab bench`.
"""

import argparse
import json
import os
import sys
import time

import torch
from torch import nn


class Reshape(nn.Module):
    def __init__(self, *dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return x.reshape(x.shape[0], *self.dims)


def lrelu():
    return nn.LeakyReLU(0.2)


def build(model):
    """Returns (G, D, size, channels, batch). Images are NCHW, PyTorch's native layout."""
    if model == "mlp":
        g = nn.Sequential(
            nn.Linear(100, 256), lrelu(), nn.Linear(256, 512), lrelu(), nn.Linear(512, 1024), lrelu(),
            nn.Linear(1024, 784), nn.Tanh(), Reshape(1, 28, 28))
        d = nn.Sequential(
            nn.Flatten(), nn.Linear(784, 512), lrelu(), nn.Dropout(0.3), nn.Linear(512, 256), lrelu(),
            nn.Dropout(0.3), nn.Linear(256, 1))
        return g, d, 28, 1, 64
    if model == "dcgan28":
        g = nn.Sequential(
            nn.Linear(100, 7 * 7 * 128), lrelu(), Reshape(128, 7, 7),
            nn.ConvTranspose2d(128, 64, 5, stride=2, padding=2, output_padding=1), lrelu(),
            nn.ConvTranspose2d(64, 1, 5, stride=2, padding=2, output_padding=1), nn.Tanh())
        d = nn.Sequential(
            nn.Conv2d(1, 64, 5, stride=2, padding=2), lrelu(), nn.Conv2d(64, 128, 5, stride=2, padding=2), lrelu(),
            nn.Flatten(), nn.Linear(7 * 7 * 128, 1))
        return g, d, 28, 1, 64
    if model in ("lecture-b4", "lecture-b16"):
        s, c = 128, 1
        g = nn.Sequential(
            nn.Linear(100, 32 * 32 * 256), lrelu(), Reshape(256, 32, 32),
            nn.ConvTranspose2d(256, 128, 4, stride=2, padding=1), lrelu(),
            nn.ConvTranspose2d(128, 128, 4, stride=2, padding=1), lrelu(),
            nn.Conv2d(128, c, 4, padding="same"), nn.Tanh())
        d = nn.Sequential(
            nn.Conv2d(c, 64, 3, padding=1), lrelu(),
            nn.Conv2d(64, 128, 3, stride=2, padding=1), lrelu(),
            nn.Conv2d(128, 128, 3, stride=2, padding=1), lrelu(),
            nn.Conv2d(128, 256, 3, stride=2, padding=1), lrelu(),
            nn.Flatten(), nn.Dropout(0.4), nn.Linear(16 * 16 * 256, 1))
        return g, d, s, c, int(model.split("-b")[1])
    sys.exit(f"torch_gan.py: unknown model {model!r} (mlp, dcgan28, lecture-b4, lecture-b16)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--steps", type=int, default=10, help="timed steps (at most)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed steps after the first")
    ap.add_argument("--min-steps", type=int, default=3, help="timed steps before --budget-s may stop timing")
    ap.add_argument("--budget-s", type=float, default=0, help="stop timing after this many seconds (0: never)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: PyTorch's default)")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)

    dev = torch.device(a.device)
    torch.manual_seed(1)
    G, D, s, c, b = build(a.model)
    G, D = G.to(dev), D.to(dev)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    data = torch.rand(2 * b, c, s, s, device=dev) * 2 - 1
    ones, zeros = torch.ones(b, 1, device=dev), torch.zeros(b, 1, device=dev)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)

    def step():
        z = torch.randn(b, 100, device=dev)
        with torch.no_grad():
            fake = G(z)
        real = data[torch.randint(0, data.shape[0], (b,), device=dev)]
        opt_d.zero_grad(set_to_none=True)
        d_loss = (bce(D(real), ones) + bce(D(fake), zeros)) * 0.5
        d_loss.backward()
        opt_d.step()
        D.requires_grad_(False)
        opt_g.zero_grad(set_to_none=True)
        g_loss = bce(D(G(torch.randn(b, 100, device=dev))), ones)
        g_loss.backward()
        opt_g.step()
        D.requires_grad_(True)
        return d_loss, g_loss

    t0 = time.perf_counter()
    step()
    sync()
    first = (time.perf_counter() - t0) * 1e3
    for _ in range(a.warmup):
        if a.budget_s > 0 and (time.perf_counter() - t0) >= a.budget_s / 2:
            break  # a slow implementation: the first step already used much of the budget
        step()
    sync()
    times, cpu, spent = [], [], 0.0
    for i in range(a.steps):
        if a.budget_s > 0 and i >= a.min_steps and spent >= a.budget_s:
            break
        t0, c0 = time.perf_counter(), time.process_time()
        d_loss, g_loss = step()
        sync()
        dt = time.perf_counter() - t0
        spent += dt
        times.append(dt * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    if not (torch.isfinite(d_loss) and torch.isfinite(g_loss)):
        sys.exit(f"torch_gan.py: non-finite loss ({d_loss.item()}, {g_loss.item()})")
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"{torch.get_num_threads()} threads"
    info = f"torch {torch.__version__} on {a.device} ({name}), eager, NCHW"
    print("BENCH_JSON " + json.dumps({"impl": "pytorch", "model": a.model, "first_ms": first, "step_ms": times, "cpu_ms": cpu,
                                      "info": info}), flush=True)


if __name__ == "__main__":
    main()
