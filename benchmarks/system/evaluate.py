"""Cost of `cmmd-evaluate` on CPU: I3D features per clip, and the whole evaluation of a test set of the Big Buck Bunny cache.

    python -m benchmarks.system.evaluate [--items 20] [--pipeline untrained:tiny] [--n-samples 5] [--steps 10] [--threads 2]

I3D: seconds per real test clip (TAEF2 latents decoded to 18 frames of 128², resized to 224²), batch 4, best of two
runs after a warm-up. Whole evaluation: `evaluate` on the first `--items` clips of the test split, both tasks, in a
fresh output folder (every generation, vocoding and feature computed), then again with everything cached; figures
are seconds per test item and per generated clip. The default pipeline is an untrained tiny U-Net on the cache's
geometry (TAEF2, 128²): its sampling cost is far below a trained paper-size U-Net's, so the generation share of the
time is a lower bound; pass a pipeline folder to time a real one.
"""
import json, os, tempfile, time
from pathlib import Path

import torch

from cmmd.cache import ClipCache, ClipCacheDataset
from cmmd.evaluate import evaluate
from cmmd.latents import load_autoencoder
from cmmd.metrics import embed_videos, load_i3d
from benchmarks.common import best_time, parser


def main():
    p = parser(__doc__, threads=2, json=True)
    p.add_argument("--cache", default=str(Path(os.environ.get("CMMD_ASSETS", "~/.cache/cmmd/assets")).expanduser() / "caches/bbb-taef2-128"),
                   help="prepared clip cache with a test split (default: the Big Buck Bunny sample cache)")
    p.add_argument("--pipeline", default="untrained:tiny", help="pipeline folder, or untrained:<unet preset>")
    p.add_argument("--items", type=int, default=20, help="test items evaluated")
    p.add_argument("--n-samples", type=int, default=5, help="generations per item and task")
    p.add_argument("--steps", type=int, default=10, help="sampler steps")
    a = p.parse_args()
    if not (Path(a.cache) / "index.jsonl").exists():
        raise SystemExit(f"{a.cache}: no prepared cache; run tools/get_assets.sh, then python -c 'import cmmd.prepare as p; p.sample_cache()'")
    torch.set_num_threads(a.threads)
    ds = ClipCacheDataset(a.cache, "test")
    ae = load_autoencoder(ClipCache(a.cache).config["autoencoder"])
    with torch.no_grad(): frames = ae.decode(torch.stack([ds[i]["video"] for i in range(4)])).clamp(0, 1)
    i3d = load_i3d()
    setting = f"{a.pipeline}, {a.n_samples} generations per item and task, {a.steps} steps, {a.threads} thread(s)"
    if not a.json: print(f"seconds; {setting}; cache {a.cache}", flush=True)
    rows = {}
    show = lambda k, s: rows.__setitem__(k, s) if a.json else print(f"  {k:<58} {s:9.3f}", flush=True)
    show("I3D features, 18×128² → 224², batch 4, s/clip", best_time(lambda: embed_videos(i3d, frames), 2) / 4)
    with tempfile.TemporaryDirectory() as out:
        kw = dict(n_samples=a.n_samples, steps=a.steps, max_items=a.items, device="cpu", log=lambda m: None)
        t = time.perf_counter(); res = evaluate(a.pipeline, a.cache, out, **kw); first = time.perf_counter() - t
        items = res["data"]["items"]
        n_gen = items * a.n_samples * 2
        show(f"whole evaluation ({'untrained' if not res['pipeline']['trained'] else 'trained'} pipeline), {items} items, s/item", first / items)
        show("whole evaluation, s per generated clip", first / n_gen)
        show("whole evaluation, s total", first)
        t = time.perf_counter(); again_res = evaluate(a.pipeline, a.cache, out, **kw); again = time.perf_counter() - t
    assert again_res["cache"]["generated"] == 0, "the re-run generated again"
    show("re-run (generations and features cached), s/item", again / items)
    if a.json: print(json.dumps(dict(seconds=rows, setting=setting)))


if __name__ == "__main__":
    main()
