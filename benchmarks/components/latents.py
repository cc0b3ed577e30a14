"""Encode/decode throughput of the frame autoencoders (frames per second at 128², CPU threads fixed).

    python -m benchmarks.components.latents [--threads 2] [--frames 18] [--size 128] [--repeats 3] [--specs pixel pixel:2 taef2]
"""
import torch

from cmmd.latents import load_autoencoder
from benchmarks.common import best_time, parser


def main():
    p = parser(__doc__, threads=2, repeats=3)
    p.add_argument("--frames", type=int, default=18, help="frames per clip (one clip per call)")
    p.add_argument("--size", type=int, default=128, help="frame side in pixels")
    p.add_argument("--specs", nargs="+", default=["pixel", "pixel:2", "taef2"], help="load_autoencoder specs")
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    dtype = getattr(torch, a.dtype)
    frames = torch.rand(1, 3, a.frames, a.size, a.size, generator=torch.Generator().manual_seed(0))
    print(f"{a.frames} frames of {a.size}², {a.threads} threads, {a.dtype}, torch {torch.__version__}")
    print(f"{'spec':>10} {'latents':>16} {'encode f/s':>11} {'decode f/s':>11}")
    for spec in a.specs:
        try: ae = load_autoencoder(spec, dtype=dtype)
        except FileNotFoundError as e:
            print(f"{spec:>10} skipped: {e}")
            continue
        z = ae.encode(frames)
        t_enc = best_time(lambda: ae.encode(frames), a.repeats)
        t_dec = best_time(lambda: ae.decode(z), a.repeats)
        shape = "x".join(map(str, z.shape[1:]))
        print(f"{spec:>10} {shape:>16} {a.frames / t_enc:11.1f} {a.frames / t_dec:11.1f}")


if __name__ == "__main__":
    main()
