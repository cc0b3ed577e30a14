"""V2A generation speed: seconds per clip, split into autoencoder / denoiser / vocoder time.

    python -m benchmarks.system.generate [--quick] [--full] [--presets demo paper-128] [--seconds 1.8 3.6]
                                         [--steps 25 50] [--guidance 0 1] [--threads 2] [--device cpu] [--json]

For each preset (untrained `CMMDPipeline.from_preset`, same cost as a trained one), clip length, step count and
guidance weight λ, the script times one V2A clip of random frames at the preset's size:

- autoencoder: `encode` of the input frames + `decode` of the latents (best of `--repeats`);
- denoiser: the sampler (`cmmd.sampler.sample`, DDIM, task v2a). Each DDIM step is one U-Net evaluation (plus one
  backward pass when λ > 0), so by default the script times `--measure-steps` steps and scales the time per step to
  25 and 50 steps (marked `scaled`); `--full` runs every step count for real;
- vocoder: the universal HiFi-GAN on the clip's mel.

`--quick` measures only the `demo` preset at 1.8 s, 25 steps, λ = 0 and 1. A 3.6 s clip (the paper's test length,
36 frames) is denoised as one window. Reference: MM-Diffusion's network takes about 10 s per evaluation on 2 CPU
threads of this machine kind, and its conditional scripts use 1000 DDPM steps (about 10 000 s per clip).
"""
import json, sys

import torch

from cmmd.media import mel_preset
from cmmd.pipeline import CMMDPipeline, mel_frames_covering
from cmmd.sampler import sample
from benchmarks.common import best_time, device_sync, parser

MM_DIFFUSION_S_PER_NFE, MM_DIFFUSION_STEPS = 10.0, 1000


def bench_clip(pipe, seconds: float, steps_list, guidance: float, measure_steps: int, full: bool, repeats: int, sync) -> list:
    "Timings of one V2A clip of `seconds` for each step count in `steps_list`."
    c, dev = pipe.clip, pipe.device
    f = round(seconds * c.fps)
    n = round(seconds * c.sample_rate)
    t = mel_frames_covering(n, mel_preset(pipe.mel).hop_length)
    frames = torch.rand(1, 3, f, c.size, c.size, device=dev)
    with torch.no_grad():
        latents = pipe.autoencoder.encode(frames)
        ae_s = best_time(lambda: pipe.autoencoder.decode(pipe.autoencoder.encode(frames)), repeats, sync)
        mel = torch.randn(1, 1, 80, t, device=dev)
        voc = pipe.vocoder
        voc_s = best_time(lambda: voc(mel), repeats, sync)

    def run(steps):
        with torch.set_grad_enabled(guidance > 0):
            sample(pipe.unet, pipe.schedule, task="v2a", video=latents, mel_shape=(1, 1, 80, t), steps=steps,
                   guidance=guidance, generator=torch.Generator().manual_seed(0), progress=False)

    rows = []
    per_step = None if full else best_time(lambda: run(measure_steps), 2, sync) / measure_steps
    for steps in steps_list:
        den_s = best_time(lambda: run(steps), 1, sync) if full else per_step * steps
        rows.append(dict(seconds=seconds, frames=f, mel_frames=t, steps=steps, guidance=guidance, autoencoder_s=round(ae_s, 3),
                         denoiser_s=round(den_s, 3), vocoder_s=round(voc_s, 3), total_s=round(ae_s + den_s + voc_s, 3),
                         denoiser_per_step_s=round(den_s / steps, 4), scaled=not full))
    return rows


def main():
    ap = parser(__doc__, threads=2, device=True, json=True)
    ap.add_argument("--presets", nargs="+", default=["demo", "paper-128"])
    ap.add_argument("--seconds", nargs="+", type=float, default=[1.8, 3.6])
    ap.add_argument("--steps", nargs="+", type=int, default=[25, 50])
    ap.add_argument("--guidance", nargs="+", type=float, default=[0.0, 1.0], help="λ values (0: replacement only)")
    ap.add_argument("--measure-steps", type=int, default=2, help="steps actually run per configuration unless --full")
    ap.add_argument("--full", action="store_true", help="run every step count instead of scaling the time per step")
    ap.add_argument("--quick", action="store_true", help="demo preset, 1.8 s, 25 steps only")
    ap.add_argument("--repeats", type=int, default=3, help="timed calls of the autoencoder and vocoder")
    args = ap.parse_args()
    if args.quick: args.presets, args.seconds, args.steps = ["demo"], [1.8], [25]
    torch.set_num_threads(args.threads)
    sync = device_sync(torch.device(args.device))
    results = []
    for name in args.presets:
        pipe = CMMDPipeline.from_preset(name).to(args.device)
        for seconds in args.seconds:
            for lam in args.guidance:
                for row in bench_clip(pipe, seconds, args.steps, lam, args.measure_steps, args.full, args.repeats, sync):
                    results.append(dict(preset=name, autoencoder=f"{pipe.autoencoder.backend}:{pipe.autoencoder.source or ''}",
                                        latents=list(pipe.latent_shape), **row))
        del pipe
    if args.json:
        print(json.dumps(dict(device=args.device, threads=args.threads, torch=torch.__version__, results=results,
                              mm_diffusion_reference_s=MM_DIFFUSION_S_PER_NFE * MM_DIFFUSION_STEPS)))
        return
    print(f"V2A seconds per clip on {args.device} ({args.threads} threads); denoiser "
          f"{'run in full' if args.full else f'timed over {args.measure_steps} steps and scaled'}")
    print(f"{'preset':<10}{'latents':>14}{'clip s':>7}{'steps':>6}{'λ':>5}{'autoenc':>9}{'denoiser':>10}{'vocoder':>9}"
          f"{'total':>9}{'s/step':>8}")
    for r in results:
        print(f"{r['preset']:<10}{'x'.join(map(str, r['latents'])):>14}{r['seconds']:>7}{r['steps']:>6}{r['guidance']:>5g}"
              f"{r['autoencoder_s']:>9.3f}{r['denoiser_s']:>10.2f}{r['vocoder_s']:>9.3f}{r['total_s']:>9.2f}"
              f"{r['denoiser_per_step_s']:>8.3f}")
    print(f"reference: MM-Diffusion ≈ {MM_DIFFUSION_S_PER_NFE:g} s per evaluation × {MM_DIFFUSION_STEPS} DDPM steps "
          f"≈ {MM_DIFFUSION_S_PER_NFE * MM_DIFFUSION_STEPS:,.0f} s per clip on 2 CPU threads")


if __name__ == "__main__":
    sys.exit(main())
