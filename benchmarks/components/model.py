"""Parameters and FLOPs per forward of each `CMMDUNet` preset at the paper's shape.

The shape is one training clip of the paper: 18 frames of 4x16x16 SD-VAE latents (128² video) and an 80x112 mel,
batch 1. FLOPs are counted by `torch.utils.flop_counter.FlopCounterMode` (2 per multiply-add; convolutions, matrix
products and attention) on the `meta` device, so nothing is computed and the figures do not depend on the machine.
Attention runs through the math backend of `F.scaled_dot_product_attention` so that its two matrix products are
counted. Reference: MM-Diffusion's coupled U-Net costs 1,329 GFLOP per forward (133.7 M parameters) on 16x3x64x64
pixels + 25,600 audio samples; the target for `paper-128` is at most a tenth of that.

    python -m benchmarks.components.model [--frames 18] [--size 16] [--mel-frames 112] [--json]
"""
import json

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from cmmd.unet import CMMDUNet, UNET_PRESETS
from benchmarks.common import parser

MM_DIFFUSION_GFLOP, MM_DIFFUSION_MPARAMS = 1329.0, 133.7


def measure(name: str, frames: int = 18, size: int = 16, mel_frames: int = 112, latent_channels: int = 4, **overrides) -> dict:
    "Parameters and forward FLOPs of preset `name` (batch 1) on the meta device."
    with torch.device("meta"):
        model = CMMDUNet.from_preset(name, latent_channels=latent_channels, **overrides).eval()
        video = torch.randn(1, latent_channels, frames, size, size)
        mel = torch.randn(1, 1, model.config.n_mels, mel_frames)
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), counter:
            model(video, mel, torch.tensor([500]))
    params = sum(p.numel() for p in model.parameters())
    return dict(preset=name, overrides=overrides, video=list(video.shape), mel=list(mel.shape), params=params,
                gflop=counter.get_total_flops() / 1e9)


def main():
    p = parser(__doc__)
    p.add_argument("--frames", type=int, default=18, help="video frames")
    p.add_argument("--size", type=int, default=16, help="latent height and width (16 for 128² frames, 8 for 64²)")
    p.add_argument("--mel-frames", type=int, default=112, help="mel frames")
    p.add_argument("--latent-channels", type=int, default=4, help="4 for the SD VAE, 32 for TAEF2")
    p.add_argument("--json", action="store_true", help="print one JSON object per line instead of a table")
    args = p.parse_args()
    rows = [measure(name, args.frames, args.size, args.mel_frames, args.latent_channels) for name in UNET_PRESETS]
    rows += [measure("paper-128", args.frames, args.size, args.mel_frames, args.latent_channels, fusion=f)
             for f in ("none", "cross-attn")]
    if args.json:
        for r in rows: print(json.dumps(r))
        return
    print(f"video {rows[0]['video']} + mel {rows[0]['mel']}, batch 1, forward pass")
    print(f"{'preset':<12}{'overrides':<22}{'params (M)':>12}{'GFLOP':>10}{'vs MM-Diffusion':>18}")
    for r in rows:
        ov = ",".join(f"{k}={v}" for k, v in r["overrides"].items())
        print(f"{r['preset']:<12}{ov:<22}{r['params'] / 1e6:>12.2f}{r['gflop']:>10.2f}{r['gflop'] / MM_DIFFUSION_GFLOP:>17.1%}")
    print(f"{'MM-Diffusion':<34}{MM_DIFFUSION_MPARAMS:>12.2f}{MM_DIFFUSION_GFLOP:>10.0f}{1:>17.1%}")


if __name__ == "__main__":
    main()
