"""One benchmark of cmmd's speed and memory: model size and FLOPs, denoiser latency, end-to-end generation, training.

For each preset (`demo`, `paper-64`, `paper-128`; untrained pipelines, which cost exactly what trained ones do):

1. model: parameters, and GFLOP per forward at the paper's shape (18 frames of 4x16x16 SD-VAE latents for 128²,
   4x8x8 for 64², the demo's own latents, and an 80x112 mel), counted by FlopCounterMode on the meta device;
2. denoiser: milliseconds per evaluation of the U-Net (no gradient) at batch 1 and 8, the pipeline's own latents, eager
   and, on a GPU, replayed from a CUDA graph (`GraphedDenoiser`, which generation with λ = 0 uses there too; λ > 0
   needs the gradient and runs eagerly; `--no-cuda-graphs` turns it off); with `--channels-last` also a copy whose
   convolutions run channels-last (rows `eager-cl`, `cuda-graph-cl`);
3. generation: V2A and A2V seconds per 1.8 s and 3.6 s clip, end to end and split into the input side (frames →
   latents by the autoencoder for V2A, sound → mel for A2V), the denoiser, and the output side (mel → sound by the
   vocoder for V2A, latents → frames by the autoencoder for A2V), for DDIM-50, DDIM-25 and DPM-Solver++-10 and -20,
   with λ = 0 (replacement) and λ > 0 (the gradient guidance of Eq. 3, one backward pass per step). The denoiser is
   timed over `--measure-steps` real sampler steps and scaled to each step count (rows marked `scaled`); `--full`
   runs every step count for real;
4. training: clips/s and peak memory of the training step exactly as the loop runs it (CMMD with its negatives and
   nCMMD), from `benchmarks.system.train.measure`: synthetic clips from the loop's DataLoader, encoded every step,
   and on a GPU also from latents already on the device (a latent cache, as the paper configs train, without its
   I/O); on a GPU also the MFU (achieved FLOP/s of the U-Net over the device's bf16 dense peak).

`--precision bf16` runs denoiser, sampling and training under bf16 autocast (on a CPU that has AVX512-BF16 or AMX
this is also faster). Everything prints as a table and is written as one JSON file (`--json-out`).

    python -m benchmarks.system.suite                             # CPU, 2 threads, all presets (about 15 min)
    python -m benchmarks.system.suite --quick                     # demo only, a minute
    python -m benchmarks.system.suite --device cuda --precision bf16 --train-batch 32 --full
Targets (issue 8): paper-128 ≤ 1/10 of MM-Diffusion's 1,329 GFLOP per forward; CPU (2 threads): a 1.8 s V2A clip with
paper-128, DDIM-25, λ = 0, end to end in ≤ 200/7 ≈ 28.6 s (MM-Diffusion: about 20 × 10 s for 20 steps of a 1.6 s clip);
GPU (H100, bf16): a 3.6 s V2A clip, 25 steps, < 0.5 s; paper-128 training ≥ 35 % MFU and batch 32 within 40 GB.
"""
import copy, json, platform, sys, time
from pathlib import Path

import torch

from cmmd.media import mel_preset
from cmmd.pipeline import CMMDPipeline, mel_frames_covering
from cmmd.sampler import GraphedDenoiser, sample
from cmmd.training import load_config
from benchmarks.common import PRECISIONS, RESULTS, autocast_for, best_time, device_sync, parser
from benchmarks.components import model as bench_model
from benchmarks.system import train as bench_train

PRESETS = ("demo", "paper-64", "paper-128")
TRAIN_CONFIGS = {"demo": "demo", "paper-64": "aist-64", "paper-128": "aist-128"}
SAMPLERS = (("ddim", 50), ("ddim", 25), ("dpmpp", 10), ("dpmpp", 20))
MM_DIFFUSION_GFLOP = bench_model.MM_DIFFUSION_GFLOP  # per forward
MM_DIFFUSION_CPU_S = 20 * 10.0  # 20 steps of one 1.6 s clip on 2 CPU threads


def paper_shape(name: str) -> dict:
    "The FLOP-count shape of a preset: the paper's SD-VAE latents for the paper presets, the demo's own latents."
    if name == "demo": return dict(frames=18, size=16, mel_frames=112, latent_channels=3)
    return dict(frames=18, size=16 if name == "paper-128" else 8, mel_frames=112, latent_channels=4)


def clip_tensors(pipe, seconds: float, batch: int = 1):
    "Random frames, latents, waveform and mel of a clip of `seconds` at the pipeline's clip spec."
    c, dev = pipe.clip, pipe.device
    f, n = round(seconds * c.fps), round(seconds * c.sample_rate)
    t = mel_frames_covering(n, mel_preset(pipe.mel).hop_length)
    frames = torch.rand(batch, 3, f, c.size, c.size, device=dev)
    with torch.no_grad(): latents = pipe.autoencoder.encode(frames)
    return frames, latents, torch.randn(batch, n, device=dev) * 0.1, torch.randn(batch, 1, pipe.unet.config.n_mels, t, device=dev)


def denoiser_ms(pipe, model, batch: int, autocast, sync, repeats: int) -> float:
    "Milliseconds per evaluation of `model` (the U-Net, or it graphed) without gradient on a 1.8 s clip at `batch`."
    _, lat, _, mel = clip_tensors(pipe, 1.8)
    lat, mel = lat.expand(batch, *lat.shape[1:]).contiguous(), mel.expand(batch, *mel.shape[1:]).contiguous()
    t = torch.full((batch,), 500, device=pipe.device)
    def run():
        with torch.no_grad(), autocast(): model(lat, mel, t)
    return 1e3 * best_time(run, repeats, sync)


def generation_rows(pipe, model, seconds: float, task: str, guidance: float, autocast, sync, measure_steps: int,
                    full: bool, repeats: int, samplers=SAMPLERS) -> list:
    "Seconds per clip of one (task, length, λ) for every sampler setting, split into input, denoiser and output."
    frames, lat, wav, mel = clip_tensors(pipe, seconds)
    ae, voc = pipe.autoencoder, pipe.vocoder
    with torch.no_grad(), autocast():
        if task == "v2a":
            in_s = best_time(lambda: ae.encode(frames), repeats, sync)
            with torch.autocast(pipe.device.type, enabled=False):  # the pipeline runs the vocoder in fp32 (phases)
                out_s = best_time(lambda: voc(mel.float()), repeats, sync)
        else:
            in_s = best_time(lambda: pipe.encode_audio(wav), repeats, sync)
            out_s = best_time(lambda: ae.decode(lat), repeats, sync)
    known = dict(video=lat, mel_shape=tuple(mel.shape)) if task == "v2a" else dict(mel=mel, video_shape=tuple(lat.shape))

    def run(sampler, steps):
        with torch.set_grad_enabled(guidance > 0), autocast():
            sample(model, pipe.schedule, task=task, steps=steps, sampler=sampler, guidance=guidance,
                   generator=torch.Generator(pipe.device).manual_seed(0), progress=False, **known)

    rows, per_step = [], {}
    for sampler, steps in samplers:
        if full: den = best_time(lambda: run(sampler, steps), 1, sync)
        else:
            if sampler not in per_step: per_step[sampler] = best_time(lambda: run(sampler, measure_steps), 1, sync) / measure_steps
            den = per_step[sampler] * steps
        rows.append(dict(task=task, seconds=seconds, frames=frames.shape[2], mel_frames=mel.shape[-1], sampler=sampler,
                         steps=steps, guidance=guidance, input_s=in_s, denoiser_s=den, output_s=out_s,
                         total_s=in_s + den + out_s, scaled=not full))
    return rows


def training_rows(name: str, device, batch: int, steps: int, warmup: int, dtype, sources=("loader",)) -> list:
    """Clips/s and peak memory of CMMD and nCMMD training steps of the preset's training config, for each source:
    "loader", synthetic clips made by the loop's DataLoader and encoded by the autoencoder every step; "latents",
    latents already on the device (training from a latent cache, the paper configs' way, without its I/O)."""
    rows = []
    for source in sources:
        for eta in (None, 0.0):
            over = dict(data="synthetic", context=0.8, batch_size=batch, gradient_checkpointing=False)  # synthetic: a multiple of 0.4 s
            if eta is not None: over["contrastive_weight"] = eta
            cfg = load_config(TRAIN_CONFIGS[name], over)
            rows.append(dict(preset=name, config=TRAIN_CONFIGS[name], **bench_train.measure(cfg, device, steps, warmup, dtype, source)))
    return rows


def main():
    ap = parser(__doc__, threads=2, device=True, precision="fp32", repeats=3)
    ap.add_argument("--presets", nargs="+", default=list(PRESETS), choices=PRESETS)
    ap.add_argument("--seconds", nargs="+", type=float, default=[1.8, 3.6])
    ap.add_argument("--lambdas", nargs="+", type=float, default=[0.0, 1.0], help="guidance weights λ to time (0: replacement)")
    ap.add_argument("--samplers", nargs="+", default=[f"{s}-{n}" for s, n in SAMPLERS], help="sampler-steps settings to time")
    ap.add_argument("--no-cuda-graphs", action="store_true", help="on a GPU, run the U-Net eagerly instead of replaying CUDA graphs")
    ap.add_argument("--measure-steps", type=int, default=2, help="sampler steps timed per setting unless --full")
    ap.add_argument("--full", action="store_true", help="run every sampler step count for real")
    ap.add_argument("--compile", default=None, help="torch.compile mode for the U-Net (e.g. default, max-autotune); its compile time is reported")
    ap.add_argument("--channels-last", action="store_true", help="also time the denoiser with channels-last weights and activations")
    ap.add_argument("--train-batch", type=int, default=None, help="training batch (default: the config's on a GPU, 8 for demo and 2 otherwise on a CPU)")
    ap.add_argument("--train-steps", type=int, default=3)
    ap.add_argument("--skip", nargs="*", default=[], choices=("denoiser", "generation", "training"))
    ap.add_argument("--quick", action="store_true", help="demo only, 1.8 s, no training")
    ap.add_argument("--json-out", default=None, help="where to write the JSON (default benchmarks/results/bench-DEVICE-PRECISION.json; with --quick, "
                    "benchmarks/results/quick/, which is not committed)")
    a = ap.parse_args()
    if a.quick: a.presets, a.seconds, a.skip = ["demo"], [1.8], ["training"]
    torch.set_num_threads(a.threads)
    samplers = [(s.split("-")[0], int(s.split("-")[1])) for s in a.samplers]
    dev = torch.device(a.device)
    cuda = dev.type == "cuda"
    sync, dtype, autocast = device_sync(dev), PRECISIONS[a.precision], autocast_for(dev, a.precision)
    out = dict(device=torch.cuda.get_device_name(dev) if cuda else f"{platform.processor() or platform.machine()} CPU",
               threads=a.threads, precision=a.precision, compile=a.compile, torch=torch.__version__, measure_steps=a.measure_steps, full=a.full,
               cuda_graphs=cuda and not a.no_cuda_graphs, models=[], denoiser=[], generation=[], training=[])
    t_start = time.perf_counter()
    path = Path(a.json_out or RESULTS / ("quick" if a.quick else "") / f"bench-{dev.type}-{a.precision}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    def save():  # after every preset, so a run cut short keeps what it measured
        out["seconds"] = time.perf_counter() - t_start
        path.write_text(json.dumps(out, indent=1))
    for name in a.presets:
        m = bench_model.measure(name, **paper_shape(name))
        out["models"].append(dict(preset=name, params_m=m["params"] / 1e6, gflop=m["gflop"], video=m["video"], mel=m["mel"],
                                  vs_mm_diffusion=m["gflop"] / MM_DIFFUSION_GFLOP))
        print(f"[{name}] {m['params'] / 1e6:.2f} M parameters, {m['gflop']:.1f} GFLOP per forward at {m['video']} + {m['mel']} "
              f"({m['gflop'] / MM_DIFFUSION_GFLOP:.1%} of MM-Diffusion's {MM_DIFFUSION_GFLOP:,.0f})", flush=True)
        if "denoiser" in a.skip and "generation" in a.skip and "training" in a.skip: continue
        pipe = CMMDPipeline.from_preset(name).to(dev)
        pipe.unet.eval()
        if a.compile:
            pipe.unet.compile(mode=a.compile, dynamic=False)
            _, lat, _, mel = clip_tensors(pipe, 1.8)
            t0 = time.perf_counter()
            with torch.no_grad(), autocast(): pipe.unet(lat, mel, torch.full((1,), 500, device=dev))
            sync()
            first = time.perf_counter() - t0
            out.setdefault("compile_first_call", []).append(dict(preset=name, mode=a.compile, first_call_s=first))
            print(f"[{name}] torch.compile (mode {a.compile}): first call {first:.1f} s", flush=True)
        ae = f"{pipe.autoencoder.backend}:{pipe.autoencoder.source or ''}"
        model = GraphedDenoiser(pipe.unet) if cuda and not a.no_cuda_graphs else pipe.unet  # λ > 0 (gradient) runs eagerly
        if "denoiser" not in a.skip:
            variants = [("eager", pipe.unet)] + ([("cuda-graph", model)] if model is not pipe.unet else [])
            if a.channels_last:  # a copy of the U-Net whose convolutions run channels-last (the activations follow the weights)
                cl = bench_train.channels_last(copy.deepcopy(pipe.unet))
                variants += [("eager-cl", cl)] + ([("cuda-graph-cl", GraphedDenoiser(cl))] if model is not pipe.unet else [])
            for b in (1, 8):
                for label, m in variants:
                    ms = denoiser_ms(pipe, m, b, autocast, sync, a.repeats)
                    out["denoiser"].append(dict(preset=name, batch=b, latents=list(pipe.latent_shape), mode=label, ms_per_eval=ms))
                    print(f"[{name}] denoiser ({label}), batch {b}: {ms:.1f} ms per evaluation ({ms / b:.1f} ms per clip)", flush=True)
        if "generation" not in a.skip:
            for seconds in a.seconds:
                for task in ("v2a", "a2v"):
                    for lam in a.lambdas:
                        for r in generation_rows(pipe, model, seconds, task, lam, autocast, sync, a.measure_steps, a.full,
                                                 a.repeats, samplers):
                            out["generation"].append(dict(preset=name, autoencoder=ae, cuda_graphs=model is not pipe.unet and lam == 0, **r))
                print(f"[{name}] generation of {seconds} s clips timed", flush=True)
                save()
        del pipe
        if "training" not in a.skip:
            batch = a.train_batch or (None if cuda else (8 if name == "demo" else 2))
            cfg_batch = load_config(TRAIN_CONFIGS[name], {}).batch_size
            sources = ("loader", "latents") if cuda else ("loader",)  # the CPU's time goes to the loader's rows
            for r in training_rows(name, dev, batch or cfg_batch, a.train_steps, 1, dtype, sources):
                out["training"].append(r)
                mem = f"{r['peak_memory_gib']:.2f} GiB allocated" if cuda else f"{r['peak_rss_gib']:.2f} GiB peak RSS"
                mfu = f", MFU {r['mfu']:.1%}" if "mfu" in r else ""
                print(f"[{name}] training from {r['source']}, η={r['eta']:g}, batch {r['batch']}: {r['clips_per_s']:.2f} clips/s, "
                      f"{mem}{mfu}", flush=True)
        save()
    save()
    report(out)
    print(f"\nwrote {path} ({out['seconds']:.0f} s)")


def report(out: dict):
    "The tables and the targets."
    print(f"\n{out['device']}, {out['threads']} threads, {out['precision']}, torch {out['torch']}")
    print(f"\n{'preset':<11}{'params (M)':>11}{'GFLOP/fwd':>11}{'vs MM-Diff':>11}")
    for m in out["models"]: print(f"{m['preset']:<11}{m['params_m']:>11.2f}{m['gflop']:>11.1f}{m['vs_mm_diffusion']:>11.1%}")
    if out["denoiser"]:
        print(f"\n{'preset':<11}{'latents':>16}{'batch':>6}{'mode':>12}{'ms/eval':>10}")
        for d in out["denoiser"]:
            print(f"{d['preset']:<11}{'x'.join(map(str, d['latents'])):>16}{d['batch']:>6}{d.get('mode', 'eager'):>12}{d['ms_per_eval']:>10.1f}")
    if out["generation"]:
        print(f"\nseconds per clip (denoiser {'run in full' if out['full'] else 'timed over %d steps and scaled' % out['measure_steps']})")
        print(f"{'preset':<11}{'task':<5}{'clip s':>7}{'sampler':>9}{'steps':>6}{'λ':>4}{'input':>8}{'denoiser':>10}{'output':>8}{'total':>8}")
        for g in out["generation"]:
            print(f"{g['preset']:<11}{g['task']:<5}{g['seconds']:>7}{g['sampler']:>9}{g['steps']:>6}{g['guidance']:>4g}"
                  f"{g['input_s']:>8.3f}{g['denoiser_s']:>10.2f}{g['output_s']:>8.3f}{g['total_s']:>8.2f}")
    if out["training"]:
        print(f"\n{'preset':<11}{'source':>8}{'η':>5}{'batch':>6}{'clips/s':>9}{'s/step':>8}{'memory GiB':>11}{'MFU':>7}")
        for r in out["training"]:
            mem = r.get("peak_memory_gib", r.get("peak_rss_gib"))
            mfu = f"{r['mfu']:>7.1%}" if "mfu" in r else f"{'—':>7}"
            print(f"{r['preset']:<11}{r.get('source', 'loader'):>8}{r['eta']:>5g}{r['batch']:>6}{r['clips_per_s']:>9.2f}"
                  f"{r['seconds_per_step']:>8.2f}{mem:>11.2f}{mfu}")
    print("\ntargets")
    for m in out["models"]:
        if m["preset"] == "paper-128":
            print(f"  paper-128 FLOPs ≤ {MM_DIFFUSION_GFLOP / 10:.1f} GFLOP: {m['gflop']:.1f} → {'met' if m['gflop'] <= MM_DIFFUSION_GFLOP / 10 else 'NOT met'}")
    for g in out["generation"]:
        if (g["preset"], g["task"], g["seconds"], g["sampler"], g["steps"], g["guidance"]) == ("paper-128", "v2a", 1.8, "ddim", 25, 0.0) and "CPU" in out["device"]:
            ok = g["total_s"] <= MM_DIFFUSION_CPU_S / 7
            print(f"  CPU V2A 1.8 s, paper-128, 25 steps ≤ {MM_DIFFUSION_CPU_S / 7:.1f} s: {g['total_s']:.1f} s "
                  f"({MM_DIFFUSION_CPU_S / g['total_s']:.1f}× faster than MM-Diffusion) → {'met' if ok else 'NOT met'}")
        if (g["preset"], g["task"], g["seconds"], g["sampler"], g["steps"], g["guidance"]) == ("paper-128", "v2a", 3.6, "ddim", 25, 0.0) and "CPU" not in out["device"]:
            print(f"  GPU V2A 3.6 s, paper-128, 25 steps < 0.5 s: {g['total_s']:.3f} s → {'met' if g['total_s'] < 0.5 else 'NOT met'}")
    for r in out["training"]:
        if r["preset"] == "paper-128" and "mfu" in r:
            print(f"  paper-128 training MFU ≥ 35 %, from {r.get('source', 'loader')}, η={r['eta']:g}: {r['mfu']:.1%} → "
                  f"{'met' if r['mfu'] >= 0.35 else 'NOT met'}")
            if r["batch"] >= 32: print(f"  paper-128 training at batch {r['batch']} within 40 GB: {r['peak_memory_gib']:.1f} GiB → "
                                       f"{'met' if r['peak_memory_gib'] <= 40 / 1.073741824 else 'NOT met'}")


if __name__ == "__main__":
    sys.exit(main())
