"""Evaluation costs on CPU: I3D / Inception features per clip, and FD / KVD / FAD / beat / AV-Align times for typical sizes.

    python -m benchmarks.components.metrics [--threads 2] [--repeats 2] [--json]

I3D: seconds per clip of 16 frames at 224² (FVD's input) and for the paper's clips (18 and 36 frames, 128² → 224²),
batch 1 and 4. Inception: seconds per frame (299²). Statistics on random features of the real sizes (I3D logits 400-d,
CLAP 512-d, Inception 2048-d): Fréchet distance from features (covariance + matrix square root) and from stored stats
(square root only); KVD with 100 subsets of 1000; FAD per set / per sample / FAD∞ for 50 clips of 4 CLAP frames
against 5000 reference frames. Beat tracking and AV-Align: seconds per 3.6 s clip. Each figure is the best of
`--repeats` runs after one warm-up.
"""
import json, warnings

import numpy as np
import torch

from cmmd.data import SyntheticAVConfig, make_synthetic_clip
from cmmd.metrics import (av_align, beat_track, fad, fad_inf, fad_per_sample, frame_features, frechet_distance,
                          gaussian_stats, i3d_preprocess, kernel_distance, load_i3d, load_inception)
from benchmarks.common import best_time, parser


def main():
    p = parser(__doc__, threads=2, repeats=2, json=True)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    warnings.simplefilter("ignore")  # small per-set FAD covariances are singular by design here
    rows, r = {}, a.repeats
    i3d, inception = load_i3d(), load_inception()
    for frames, size, batch in ((16, 224, 1), (16, 224, 4), (18, 128, 1), (36, 128, 1)):
        v = torch.rand(batch, 3, frames, size, size)
        with torch.no_grad():
            rows[f"I3D {frames}×{size}² batch {batch}, s/clip"] = best_time(lambda: i3d(i3d_preprocess(v)), r) / batch
    v = torch.rand(1, 3, 8, 128, 128)
    rows["Inception 128²→299² batch 8, s/frame"] = best_time(lambda: frame_features(inception, v, batch_size=8), r) / 8
    rng = np.random.default_rng(0)
    for d, n in ((400, 2048), (512, 5000), (2048, 10000)):
        x, y = rng.normal(size=(n, d)), rng.normal(size=(n, d))
        sx, sy = gaussian_stats(x), gaussian_stats(y)
        rows[f"FD {d}-d, {n} vs {n} features, s"] = best_time(lambda: frechet_distance(x, y), r)
        rows[f"FD {d}-d from stored stats, s"] = best_time(lambda: frechet_distance(sx, sy), r)
    x, y = rng.normal(size=(2048, 400)), rng.normal(size=(2048, 400))
    rows["KVD 400-d, 100 subsets × 1000, s"] = best_time(lambda: kernel_distance(x, y), r)
    gen, ref = [rng.normal(size=(4, 512)) for _ in range(50)], gaussian_stats(rng.normal(size=(5000, 512)))
    rows["FAD per set, 50 clips × 4 frames, 512-d, s"] = best_time(lambda: fad(gen, ref), r)
    rows["FAD per sample, 50 clips, s"] = best_time(lambda: fad_per_sample(gen, ref), r)
    many = [rng.normal(size=(4, 512)) for _ in range(1000)]
    rows["FAD∞, 4000 frames, 25 steps, s"] = best_time(lambda: fad_inf(many, ref), r)
    clip = make_synthetic_clip(0, 0, SyntheticAVConfig(frames=36, beat=True))
    rows["beat_track 3.6 s clip, s"] = best_time(lambda: beat_track(clip.audio), r)
    rows["av_align 3.6 s clip 128², s"] = best_time(lambda: av_align(clip.frames, clip.audio), r)
    if a.json: print(json.dumps(dict(seconds=rows, threads=a.threads))); return
    print(f"seconds, {a.threads} thread(s), best of {a.repeats}")
    for k, s in rows.items(): print(f"  {k:<46} {s:9.4f}")


if __name__ == "__main__":
    main()
