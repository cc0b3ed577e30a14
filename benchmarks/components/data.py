"""Synthetic AV-sync data throughput: clips per second on one thread, at 64² and 128², with and without the mel.

    python -m benchmarks.components.data [--threads 1] [--clips 200] [--repeats 3] [--json]

"clip" = make_synthetic_clip (scene, frames, audio, events); "item" = a SyntheticAVDataset item (the clip in library
layouts, plus the normalised log-mel when "+ mel"). Each figure is the best of `--repeats` runs over `--clips`
consecutive indices (different scenes each run), per wall-clock second and per CPU second of this process (the
second is steadier on a shared machine). Also prints the onset / motion match rates of `sync_rates`.
"""
import json, time

import torch

from cmmd.data import SyntheticAVConfig, SyntheticAVDataset, make_synthetic_clip, sync_rates
from benchmarks.common import parser


def clips_per_second(fn, n: int, repeats: int) -> tuple:
    "Best rates (per wall second, per CPU second) over `repeats` runs of `fn(i)` for `n` new indices each."
    fn(0)
    wall = cpu = 0.0
    for r in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        for i in range(n): fn(1 + r * n + i)
        wall, cpu = max(wall, n / (time.perf_counter() - t)), max(cpu, n / (time.process_time() - c))
    return wall, cpu


def main():
    p = parser(__doc__, threads=1, repeats=3, json=True)  # one thread, as each data loader worker has
    p.add_argument("--clips", type=int, default=200, help="clips per timed run")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    rows = {}
    for size in (64, 128):
        for name, cfg in (("impacts", SyntheticAVConfig(size=size)), ("beat", SyntheticAVConfig(size=size, beat=True)),
                          ("hard", SyntheticAVConfig(size=size, distractors=2, offscreen_sounds=1, noise=0.01, pixel_noise=0.02))):
            rows[f"clip {size}² {name}"] = clips_per_second(lambda i: make_synthetic_clip(0, i, cfg), a.clips, a.repeats)
        for mel in (False, True):
            ds = SyntheticAVDataset(SyntheticAVConfig(size=size), length=10 ** 9, return_mel=mel)
            rows[f"item {size}² impacts" + (" + mel" if mel else "")] = clips_per_second(ds.__getitem__, a.clips, a.repeats)
    rates = {name: sync_rates(0, 100, cfg) for name, cfg in (
        ("impacts", SyntheticAVConfig()), ("beat", SyntheticAVConfig(beat=True)),
        ("hard", SyntheticAVConfig(distractors=2, offscreen_sounds=1, noise=0.01)))}
    if a.json: print(json.dumps(dict(clips_per_second=rows, sync_rates=rates, threads=a.threads))); return
    print(f"clips per second, {a.threads} thread(s), 18 frames at 10 fps + 1.8 s of 16 kHz audio")
    print(f"  {'':<28} {'wall':>8} {'CPU':>8}")
    for k, (w, c) in rows.items(): print(f"  {k:<28} {w:8.1f} {c:8.1f}")
    print("onset (librosa) and motion events vs true events, 100 clips at 64², ±100 ms")
    for k, r in rates.items(): print(f"  {k:<8} " + "  ".join(f"{m} {v:.3f}" for m, v in r.items()))


if __name__ == "__main__":
    main()
