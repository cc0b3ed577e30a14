"""Time to build one batch of negatives (both modalities), with and without contexts, beside the time to copy the batch.

    python -m benchmarks.components.negatives [--threads 2] [--batch 32] [--repeats 5] [--device cpu]
"""
import torch

from cmmd.negatives import NegativeConfig, make_negatives
from benchmarks.common import best_time, device_sync, parser


def main():
    p = parser(__doc__, threads=2, device=True, repeats=5)
    p.add_argument("--batch", type=int, default=32, help="clips per batch")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    sync = device_sync(dev)
    b, cfg = a.batch, NegativeConfig()
    # (name, video b c f h w, mel b 1 m t); contexts add 0.5 s each side: 5 video frames, 32 mel frames
    cases = [("SD latents 4x16x16", (b, 4, 18, 16, 16)), ("pixels 3x64x64", (b, 3, 18, 64, 64)), ("pixels 3x128x128", (b, 3, 18, 128, 128))]
    print(f"device {dev}, threads {a.threads}, batch {b}, clips 1.8 s (18 frames, 80 x 112 mel)")
    for name, vshape in cases:
        vctx = torch.randn(vshape[:2] + (28,) + vshape[3:], device=dev)
        mctx = torch.randn(b, 1, 80, 176, device=dev)
        video, mel = vctx[:, :, 5:23].contiguous(), mctx[..., 32:144].contiguous()
        g = torch.Generator().manual_seed(0)
        copy = best_time(lambda: (video.clone(), mel.clone()), a.repeats, sync)
        plain = best_time(lambda: make_negatives(video, mel, cfg, g), a.repeats, sync)
        ctx = best_time(lambda: make_negatives(video, mel, cfg, g, vctx, mctx, 5, 32), a.repeats, sync)
        mb = (video.numel() + mel.numel()) * 4 / 2**20
        print(f"{name:18s} {mb:6.1f} MiB of positives: copying them {copy * 1e3:7.2f} ms; negatives {plain * 1e3:7.2f} ms "
              f"without context, {ctx * 1e3:7.2f} ms with context")


if __name__ == "__main__":
    main()
