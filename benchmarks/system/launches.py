"""Operators per U-Net forward that launch work, counted by torch.profiler: on a GPU each is at least one kernel launch.

At batch 1 a GPU runs the `paper-128` U-Net's kernels faster than Python can launch them, so an eager evaluation costs
about the same at batch 1 and 8 and its time is the launch count times the host's cost per operator. This script
counts the operators that do work (views such as reshape or permute are left out unless they copy) for one eager
forward on the CPU, where the count is the same as on a GPU, and lists the most frequent ones.

    python -m benchmarks.system.launches                    # paper-128
    python -m benchmarks.system.launches --preset demo --top 15
    python -m benchmarks.system.launches --training         # one aist-128 training step, by phase

`--training` counts one step of the preset's training config (batch 2 on synthetic clips; the count does not depend
on the batch) phase by phase: the batch's autoencoder encode, the per-clip noise, the forward with its negatives and
loss, the backward, gradient clipping, the finite check, AdamW (fused, skipping a bad step on the device, as the loop
runs it) and the EMA update. On a CPU gradient clipping falls back to one operator per parameter tensor; on a GPU it
is a few multi-tensor kernels.
"""
import collections

import torch
from torch.profiler import ProfilerActivity, profile

from cmmd.pipeline import PIPELINE_PRESETS
from cmmd.unet import CMMDUNet
from benchmarks.common import parser

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


def count_training(preset: str) -> dict:
    "Launching operators of one training step of the preset's config, by phase."
    from cmmd.training import (load_config, build_pipeline, build_datasets, model_inputs, position_noise, training_loss,
                               _negative_config, SeededItems, StepBatches, EMA)
    cfg = load_config({"demo": "demo", "paper-64": "aist-64", "paper-128": "aist-128"}[preset],
                      dict(data="synthetic", context=0.8, batch_size=2))
    pipe = build_pipeline(cfg)
    unet, ae, sch = pipe.unet.train(), pipe.autoencoder, pipe.schedule
    ds = build_datasets(cfg, pipe.clip, pipe.mel)["train"]
    items, negcfg = SeededItems(ds), _negative_config(cfg, pipe.clip, pipe.mel)
    opt, ema = torch.optim.AdamW(unet.parameters(), lr=cfg.lr, fused=True), EMA(unet, cfg.ema_decay)

    def step(k: int, counts: dict | None):
        batch = torch.utils.data.default_collate([items[i] for i in next(iter(StepBatches(len(ds), cfg.batch_size, 0, k, k + 1)))])
        def phase(name, fn):
            if counts is None: return fn()
            with profile(activities=[ProfilerActivity.CPU]) as p: r = fn()
            counts[name] = sum(launches(e) for e in p.events() if e.cpu_parent is None)
            return r
        x = phase("autoencoder encode", lambda: model_inputs(batch, ae, None, "cpu"))
        t, nv, nm = phase("per-clip noise", lambda: position_noise(batch["position_seed"], x["video"], x["mel"], sch))
        o = phase("forward, negatives, loss", lambda: training_loss(unet, x, t, nv, nm, cfg, sch, negcfg, torch.Generator().manual_seed(k)))
        phase("backward", lambda: o.loss.backward())
        norm = phase("gradient clipping", lambda: torch.nn.utils.clip_grad_norm_(unet.parameters(), cfg.grad_clip))
        ok = phase("finite check", lambda: torch.isfinite(o.loss.detach()) & torch.isfinite(norm))
        def adamw():
            opt.found_inf = (~ok).float()
            opt.step(); opt.zero_grad(set_to_none=True)
        phase("AdamW", adamw)
        phase("EMA", lambda: ema.update(unet, ok))

    step(0, None)  # warm-up: lazy initialisation is not part of a step
    counts = {}
    step(1, counts)
    return counts


def main():
    ap = parser(__doc__)
    ap.add_argument("--preset", default="paper-128", choices=[p for p in PIPELINE_PRESETS if p != "tiny"])
    ap.add_argument("--latent-channels", type=int, default=None, help="default: 32 (TAEF2) for paper presets, 3 for demo")
    ap.add_argument("--frames", type=int, default=18)
    ap.add_argument("--mel-frames", type=int, default=112)
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--training", action="store_true", help="count one training step of the preset's config instead")
    a = ap.parse_args()
    torch.set_num_threads(2)
    if a.training:
        counts = count_training(a.preset)
        print(f"{a.preset}: {sum(counts.values())} launching operators per training step")
        for name, n in counts.items(): print(f"  {n:5d}  {name}")
        return
    ch = a.latent_channels or (3 if a.preset == "demo" else 32)
    c = count(a.preset, ch, a.frames, a.mel_frames)
    print(f"{a.preset}: {sum(c.values())} launching operators per forward ({a.frames} frames, {ch} latent channels, "
          f"{a.mel_frames} mel frames, batch 1)")
    for name, n in c.most_common(a.top): print(f"  {n:5d}  {name}")


if __name__ == "__main__":
    main()
