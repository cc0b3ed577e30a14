"""Operators per U-Net forward that launch work, counted by torch.profiler: on a GPU each is at least one kernel launch.

At batch 1 a GPU runs the `paper-128` U-Net's kernels faster than Python can launch them, so an eager evaluation costs
about the same at batch 1 and 8 and its time is the launch count times the host's cost per operator. This script
counts the operators that do work (views such as reshape or permute are left out unless they copy) for one eager
forward on the CPU, where the count is the same as on a GPU, and lists the most frequent ones.

    python benchmarks/bench_launches.py                     # paper-128
    python benchmarks/bench_launches.py --preset demo --top 15
"""
import argparse, collections

import torch
from torch.profiler import ProfilerActivity, profile

from cmmd.pipeline import PIPELINE_PRESETS
from cmmd.unet import CMMDUNet

VIEWS = {"aten::reshape", "aten::permute", "aten::slice", "aten::chunk", "aten::unsqueeze", "aten::expand", "aten::view",
         "aten::transpose", "aten::split", "aten::t", "aten::select", "aten::as_strided", "aten::_reshape_alias",
         "aten::squeeze", "aten::detach", "aten::alias", "aten::dropout"}  # dropout: identity in eval


def launches(event) -> int:
    "1 for an operator that does work; for a view, the copies it made."
    if event.name not in VIEWS: return 1
    stack, n = list(event.cpu_children), 0
    while stack:
        c = stack.pop()
        if c.name in ("aten::copy_", "aten::clone", "aten::contiguous"): n += 1
        else: stack += c.cpu_children
    return n


def count(preset: str, latent_channels: int, frames: int, mel_frames: int) -> collections.Counter:
    "Launching operators of one eager forward (no gradient) at batch 1, by name."
    unet = CMMDUNet.from_preset(PIPELINE_PRESETS[preset]["unet"], latent_channels=latent_channels).eval()
    side = {"paper-128": 16, "paper-64": 8}.get(preset, 16)
    args = (torch.randn(1, latent_channels, frames, side, side), torch.randn(1, 1, unet.config.n_mels, mel_frames),
            torch.zeros(1, dtype=torch.long))
    with torch.no_grad():
        unet(*args)
        with profile(activities=[ProfilerActivity.CPU]) as p: unet(*args)
    c = collections.Counter()
    for e in p.events():
        if e.cpu_parent is None and (n := launches(e)): c[e.name] += n
    return c


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="paper-128", choices=[p for p in PIPELINE_PRESETS if p != "tiny"])
    ap.add_argument("--latent-channels", type=int, default=None, help="default: 32 (TAEF2) for paper presets, 3 for demo")
    ap.add_argument("--frames", type=int, default=18)
    ap.add_argument("--mel-frames", type=int, default=112)
    ap.add_argument("--top", type=int, default=10)
    a = ap.parse_args()
    torch.set_num_threads(2)
    ch = a.latent_channels or (3 if a.preset == "demo" else 32)
    c = count(a.preset, ch, a.frames, a.mel_frames)
    print(f"{a.preset}: {sum(c.values())} launching operators per forward ({a.frames} frames, {ch} latent channels, "
          f"{a.mel_frames} mel frames, batch 1)")
    for name, n in c.most_common(a.top): print(f"  {n:5d}  {name}")


if __name__ == "__main__":
    main()
