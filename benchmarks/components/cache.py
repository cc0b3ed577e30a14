"""Can the loader feed a GPU? Clips per second read from a latent clip cache, the way the training loop reads it.

The paper configs (`aist-128`, `epic-128`) train from a cache written by `cmmd-prepare`: per clip, fp16 latents of the
clip with its context (0.5 s each side) and the log-mel in every phase. This script writes a cache of that layout
filled with random values (`--clips` clips, `--shard-clips` a shard, as `cmmd-prepare` writes them) in a temporary
folder, then reads its train split through the loop's own dataset (`build_datasets`: random crops, the context
for the negatives, mel normalisation) and DataLoader (`SeededItems` + `StepBatches`, batches of `--batch`), with
0 and `--workers` worker processes, each worker on one thread. It prints clips per second, and how many workers
a GPU needs to be fed: a paper-128 step at 35 % MFU on an H100 (the issue's target; its FLOPs from
`benchmarks.system.roofline`, 10.47 TFLOP for 32 clips and 4 negative pairs) takes 30 ms, so about 1,060 clips/s.

    python -m benchmarks.components.cache                     # aist-128 layout, 1,024 clips, batch 32
    python -m benchmarks.components.cache --workers 2 --batches 40 --json
"""
import json, os, tempfile, time
from dataclasses import asdict

import torch

from cmmd.cache import ClipCache, ClipLayout
from cmmd.core import clip_spec
from cmmd.media import mel_preset
from cmmd.pipeline import PIPELINE_PRESETS
from cmmd.training import SeededItems, StepBatches, build_datasets, load_config
from benchmarks.common import GPUS, parser

# an aist-128 step (benchmarks.system.roofline), the MFU target (issue 8), the H100 bf16 dense peak (the GPU table)
STEP_TFLOP, TARGET_MFU, PEAK_TFLOPS = 10.47, 0.35, GPUS["h100"]["tflops"]


def write_cache(root: str, config: str, clips: int, shard_clips: int, latent_channels: int = 32, side: int = 16) -> ClipLayout:
    "A cache of `clips` random clips with the config's clip layout (one source; one clip in 16 in the val split)."
    cfg = load_config(config, {})
    lay = ClipLayout.from_spec(PIPELINE_PRESETS[cfg.preset]["clip"], margin=cfg.context)
    mel = mel_preset("hifigan16k")
    cache = ClipCache.create(root, lay, "float16", "float16", shard_clips, mel=asdict(mel), autoencoder={"backend": "random"})
    g = torch.Generator().manual_seed(0)
    with cache.writer("random.mp4") as w:
        for i in range(clips):
            w.add(torch.randn(latent_channels, lay.context_frames, side, side, generator=g),
                  torch.randn(lay.phases, mel.n_mels, lay.context_mel_frames, generator=g) - 4,
                  split="val" if i % 16 == 15 else "train", start=i * lay.seconds, left=lay.margin_frames, right=lay.margin_frames)
    cache.finalize()
    return lay


def clips_per_second(config: str, root: str, batch: int, workers: int, batches: int) -> float:
    "Clips/s of the loop's DataLoader over the cache (after its first batch: workers starting, files opening)."
    cfg = load_config(config, dict(data=root, batch_size=batch, num_workers=workers))
    ds = build_datasets(cfg, clip_spec(PIPELINE_PRESETS[cfg.preset]["clip"]))["train"]
    loader = torch.utils.data.DataLoader(SeededItems(ds), batch_sampler=StepBatches(len(ds), batch, 0, 0, batches + 1),
                                         num_workers=workers, worker_init_fn=lambda _: torch.set_num_threads(1),
                                         persistent_workers=False)
    it = iter(loader); next(it)
    t = time.perf_counter()
    for _ in range(batches): next(it)
    return batches * batch / (time.perf_counter() - t)


def main():
    ap = parser(__doc__, json=True)
    ap.add_argument("--config", default="aist-128")
    ap.add_argument("--clips", type=int, default=1024, help="clips written to the cache")
    ap.add_argument("--shard-clips", type=int, default=256)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--batches", type=int, default=20, help="batches timed (after one untimed)")
    ap.add_argument("--workers", type=int, default=2, help="DataLoader workers for the second row")
    a = ap.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as root:
        t = time.perf_counter(); write_cache(root, a.config, a.clips, a.shard_clips)
        written = time.perf_counter() - t
        size = sum(f.stat().st_size for f in os.scandir(os.path.join(root, "shards"))) / a.clips
        rows = {w: clips_per_second(a.config, root, a.batch, w, a.batches) for w in sorted({0, a.workers})}
    need = 32 / (STEP_TFLOP / (PEAK_TFLOPS * TARGET_MFU))  # clips/s at the target: 32 clips a step
    out = dict(config=a.config, clips=a.clips, bytes_per_clip=size, write_s=written, batch=a.batch,
               clips_per_s={str(w): v for w, v in rows.items()}, needed_clips_per_s=need,
               workers_needed=need / (rows[max(rows)] / max(max(rows), 1)))
    if a.json: print(json.dumps(out)); return
    print(f"{a.config} cache, {a.clips} random clips ({size / 1e3:.0f} kB each, written in {written:.1f} s), batches of {a.batch}")
    for w, v in rows.items(): print(f"  {w} worker{'s' if w != 1 else ''}{' (main process)' if w == 0 else ''}: {v:7.0f} clips/s")
    print(f"  a paper-128 step at {TARGET_MFU:.0%} MFU on an H100 needs {need:.0f} clips/s: about "
          f"{out['workers_needed']:.1f} workers of this machine's speed")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
