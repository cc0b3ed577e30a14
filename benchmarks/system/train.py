"""Training throughput (clips/s) and peak memory of a training config, the step exactly as `cmmd.training.train` runs it.

Each measured step is the loop's own work: take the batch from the loop's DataLoader (its `num_workers` generate the
synthetic clips or read the cache, pinned on a GPU),
encode frames, draw per-clip noise and the negatives, the Eq. 6 objective, backward, gradient clipping, AdamW and the
EMA update; checkpoints, validation and samples are left out. It reports clips per second for CMMD (the config's η and
negative count) and for nCMMD (η = 0), and the peak memory: the process's peak resident set on a CPU, the peak
allocated device memory on a GPU, where it also estimates MFU from the U-Net's FLOPs per clip (forward counted by
FlopCounterMode, backward taken as twice the forward) over the bf16 dense peak of the device, next to the MFU
ceilings of `benchmarks.system.roofline` for the same step (eager: every operator its own kernel at the roofline;
fused).

To find what limits a step: `--phases` times data, encoding, noise, forward, backward and optimizer separately;
`--profile N` prints the N operators (kernels on a GPU) with the most time in the last step; `--source latents` feeds
random latents already on the device (training from a latent cache, without its I/O); `--channels-last` stores
convolution weights and activations channels-last; `--compile MODE` runs the U-Net under torch.compile and reports
the first step's time, compilation included. `scripts/gpu_train_profile.sh` runs these on a GPU.

    python -m benchmarks.system.train                                 # the demo config on this CPU
    python -m benchmarks.system.train --config aist-128 --data synthetic --device cuda --batch 32 --mixed_precision bf16
    python -m benchmarks.system.train --only cmmd --phases --profile 20 --steps 2
"""
import json, resource, time

import torch

from cmmd.training import (load_config, build_pipeline, build_datasets, model_inputs, position_noise, training_loss,
                           _negative_config, derive_seed, SeededItems, StepBatches, EMA)
from benchmarks.common import device_peak_tflops, gpu_spec, parser
from benchmarks.system import roofline as bench_roofline
from benchmarks.system.profile import summarise


def forward_flops(unet, x, mel) -> float:
    "FLOPs of one forward at this batch (FlopCounterMode)."
    from torch.utils.flop_counter import FlopCounterMode
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter: unet(x, mel, torch.zeros(x.shape[0], dtype=torch.long, device=x.device))
    return counter.get_total_flops()


class Phases:
    "Seconds per phase of the step, each phase ended by a device synchronisation (so only with `--phases`)."
    def __init__(self, device, on: bool):
        self.device, self.on, self.total, self.t = device, on, {}, None
    def start(self):
        if self.on: self._sync(); self.t = time.perf_counter()
    def __call__(self, name: str):
        if not self.on: return
        self._sync(); now = time.perf_counter()
        self.total[name] = self.total.get(name, 0.0) + now - self.t; self.t = now
    def _sync(self):
        if self.device.type == "cuda": torch.cuda.synchronize(self.device)


def roofline(unet, passes: int, video_shape, mel_shape, device_name: str) -> dict:
    "The eager and fused MFU ceilings of this step on this GPU (`benchmarks.system.roofline`), when it knows the GPU."
    gpu = gpu_spec(device_name)
    if gpu is None: return {}
    ops, params = bench_roofline.count(passes, frames=video_shape[2], side=video_shape[3], mel=tuple(mel_shape[2:]),
                                       unet_config=dict(unet.config))
    r = bench_roofline.report(ops, params, gpu, top=0)
    return dict(eager_mfu_ceiling=r["eager_mfu_ceiling"], fused_mfu_ceiling=r["fused_mfu_ceiling"])


def channels_last(unet: torch.nn.Module) -> torch.nn.Module:
    "Convolution weights in channels-last order (4-d: NHWC, 5-d: NDHWC), in place."
    for m in unet.modules():
        for p in m.parameters(recurse=False):
            if p.ndim in (4, 5): p.data = p.data.contiguous(memory_format=torch.channels_last if p.ndim == 4 else torch.channels_last_3d)
    return unet


def video_channels_last(v: torch.Tensor) -> torch.Tensor:
    "`b c f h w` stored as `b f h w c`, so each frame `(b f) c h w` is an NHWC view."
    return v.permute(0, 2, 3, 4, 1).contiguous().permute(0, 4, 1, 2, 3)


def measure(cfg, device: torch.device, steps: int, warmup: int, dtype, source: str = "loader", layout: str = "contiguous",
            compile_mode: str | None = None, phases: bool = False, profile_rows: int = 0) -> dict:
    "Clips/s and peak memory of `steps` training steps after `warmup` steps."
    pipe = build_pipeline(cfg)
    unet, ae, schedule = pipe.unet.to(device).train(), pipe.autoencoder.to(device), pipe.schedule
    if cfg.gradient_checkpointing: unet.enable_gradient_checkpointing()
    if layout == "channels_last": channels_last(unet)
    ema = EMA(unet, cfg.ema_decay)
    model = torch.compile(unet, mode=compile_mode, dynamic=False) if compile_mode else unet
    opt = torch.optim.AdamW(unet.parameters(), lr=cfg.lr, betas=cfg.betas, fused=True)
    ds = build_datasets(cfg, pipe.clip, pipe.mel)["train"]
    if source == "loader":  # the loop's own loader: its workers, and pinned memory on a GPU
        batches = iter(torch.utils.data.DataLoader(SeededItems(ds), batch_sampler=StepBatches(len(ds), cfg.batch_size, cfg.seed, 0, warmup + steps),
                                                   num_workers=cfg.num_workers, pin_memory=device.type == "cuda"))
    else:
        b0 = model_inputs(torch.utils.data.default_collate([SeededItems(ds)[k] for k in next(iter(StepBatches(len(ds), cfg.batch_size, cfg.seed, 0, 1)))]),
                          ae, getattr(ds, "layout", None), device)
        g = torch.Generator(device).manual_seed(0)
        batches = iter([dict(video=torch.randn(b0["video"].shape, device=device, generator=g), mel=torch.randn(b0["mel"].shape, device=device, generator=g),
                             position_seed=torch.arange(i * cfg.batch_size, (i + 1) * cfg.batch_size)) for i in range(warmup + steps)])
    negcfg = _negative_config(cfg, pipe.clip, pipe.mel)
    autocast = torch.autocast(device.type, dtype=dtype, enabled=dtype is not None)
    if device.type == "cuda": torch.cuda.reset_peak_memory_stats(device)
    flops, ph, first = None, Phases(device, phases), None
    prof = None
    for step in range(warmup + steps):
        if step == warmup:
            if device.type == "cuda": torch.cuda.synchronize(device)
            t0 = time.perf_counter()
            ph.total.clear()
        if step == 0: t_first = time.perf_counter()
        if step == 1:  # the first step's time: compilation, autotuning and allocator warm-up
            if device.type == "cuda": torch.cuda.synchronize(device)
            first = time.perf_counter() - t_first
        ph.start()
        if compile_mode: torch.compiler.cudagraph_mark_step_begin()  # as the loop does (mode reduce-overhead)
        batch = next(batches)
        ph("data")
        if source == "loader": x = model_inputs(batch, ae, getattr(ds, "layout", None), device)
        else: x = dict(video=batch["video"], mel=batch["mel"], context={})
        if layout == "channels_last":
            x["video"], x["mel"] = video_channels_last(x["video"]), x["mel"].contiguous(memory_format=torch.channels_last)
        ph("encode")
        t, nv, nm = position_noise(batch["position_seed"], x["video"], x["mel"], schedule)
        ph("noise")
        if flops is None:
            with autocast: flops = forward_flops(unet, x["video"], x["mel"]) / x["video"].shape[0]
            ph.start()
        if profile_rows and step == warmup + steps - 1:
            from torch.profiler import ProfilerActivity, profile
            prof = profile(activities=[ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else []))
            prof.__enter__()
        with autocast:
            o = training_loss(model, x, t, nv, nm, cfg, schedule, negcfg, torch.Generator().manual_seed(derive_seed(cfg.seed, step)))
        ph("forward")
        o.loss.backward()
        ph("backward")
        # as the loop does it: a non-finite step is skipped on the device, nothing is read back
        norm = torch.nn.utils.clip_grad_norm_(unet.parameters(), cfg.grad_clip)
        ok = torch.isfinite(o.loss.detach()) & torch.isfinite(norm)
        opt.found_inf = (~ok).float()
        opt.step(); opt.zero_grad(set_to_none=True); ema.update(unet, ok)
        ph("optimizer")
        if prof is not None:
            if device.type == "cuda": torch.cuda.synchronize(device)
            prof.__exit__(None, None, None)
    if device.type == "cuda": torch.cuda.synchronize(device)
    dt = time.perf_counter() - t0
    # each positive clip costs one forward+backward; each negative pair one more
    passes = cfg.batch_size + (0 if cfg.contrastive_weight == 0 else 2 * min(cfg.n_negatives or cfg.batch_size, cfg.batch_size))
    res = dict(eta=cfg.contrastive_weight, n_negatives=cfg.n_negatives, batch=cfg.batch_size, steps=steps,
               seconds_per_step=dt / steps, clips_per_s=cfg.batch_size * steps / dt,
               forward_gflop_per_clip=flops / 1e9, passes_per_step=passes, source=source, layout=layout,
               compile=compile_mode, first_step_s=first)
    if phases: res["phases_s_per_step"] = {k: v / steps for k, v in ph.total.items()}
    if prof is not None:
        res["profile"] = summarise(prof, device.type, profile_rows)
    if device.type == "cuda":
        res["peak_memory_gib"] = torch.cuda.max_memory_allocated(device) / 2**30
        peak = device_peak_tflops(device)
        achieved = 3 * flops * passes * steps / dt
        res["achieved_tflops"] = achieved / 1e12
        if peak:
            res["mfu"] = achieved / (peak * 1e12)
            res.update(roofline(unet, passes, x["video"].shape, x["mel"].shape, torch.cuda.get_device_name(device)))
    else:
        res["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return res


def main():
    p = parser(__doc__, device=True)
    p.add_argument("--config", default=None, help="a config name or YAML (default: the demo)")
    p.add_argument("--data", default=None, help="override the config's data (e.g. synthetic for a paper config without its cache)")
    p.add_argument("--batch", type=int, default=None, help="global batch (default: the config's)")
    p.add_argument("--steps", type=int, default=10, help="measured steps")
    p.add_argument("--warmup", type=int, default=2, help="unmeasured steps first")
    p.add_argument("--mixed_precision", default=None, choices=["no", "bf16", "fp16"])
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--only", choices=["cmmd", "ncmmd"], default=None, help="measure one objective only")
    p.add_argument("--source", choices=["loader", "latents"], default="loader",
                   help="loader: the loop's DataLoader and frame encoding; latents: random latents already on the device "
                        "(what a latent cache costs, without its I/O)")
    p.add_argument("--channels-last", action="store_true", help="convolution weights and inputs in channels-last order")
    p.add_argument("--compile", default=None, help="torch.compile mode for the U-Net (default, max-autotune-no-cudagraphs, ...)")
    p.add_argument("--phases", action="store_true", help="also time each phase of the step (synchronising between phases)")
    p.add_argument("--profile", type=int, default=0, help="profile the last step and print this many top operators (kernels on a GPU)")
    p.add_argument("--json", action="store_true", help="print JSON only")
    p.add_argument("--json-out", default=None, help="also write the JSON to this file (benchmarks/results/train-*.json feed "
                                                  "the performance page's targets)")
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    over = {k: v for k, v in dict(data=a.data, batch_size=a.batch, mixed_precision=a.mixed_precision).items() if v is not None}
    if a.data == "synthetic": over["context"] = 0.8  # synthetic context is a multiple of 0.4 s (the paper configs' 0.5 s is for real data)
    cfg = load_config(a.config, over)
    dev = torch.device(a.device)
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(cfg.mixed_precision)
    runs = []
    for name, eta in [("cmmd", cfg.contrastive_weight), ("ncmmd", 0.0)]:
        if a.only and a.only != name: continue
        if name == "cmmd" and eta == 0: continue
        runs.append(dict(objective=name, **measure(load_config(a.config, {**over, "contrastive_weight": eta}), dev, a.steps, a.warmup, dtype,
                                                      a.source, "channels_last" if a.channels_last else "contiguous", a.compile,
                                                      a.phases, a.profile)))
    out = dict(config=a.config or "demo", preset=cfg.preset, device=str(dev), threads=torch.get_num_threads(),
               mixed_precision=cfg.mixed_precision, runs=runs,
               device_name=torch.cuda.get_device_name(dev) if dev.type == "cuda" else "CPU", torch=torch.__version__)
    if a.json_out:
        from pathlib import Path
        Path(a.json_out).parent.mkdir(parents=True, exist_ok=True); Path(a.json_out).write_text(json.dumps(out, indent=1))
    if a.json: print(json.dumps(out, indent=1)); return
    print(f"{out['config']} ({cfg.preset}) on {dev}, {out['threads']} threads, mixed precision {cfg.mixed_precision}")
    for r in runs:
        mem = f"peak RSS {r['peak_rss_gib']:.2f} GiB" if "peak_rss_gib" in r else f"peak {r['peak_memory_gib']:.1f} GiB"
        mfu = f", {r['achieved_tflops']:.1f} TFLOP/s" + (f", MFU {100 * r['mfu']:.1f} %" if "mfu" in r else "") if "achieved_tflops" in r else ""
        if "eager_mfu_ceiling" in r: mfu += f" (roofline ceilings: eager {100 * r['eager_mfu_ceiling']:.1f} %, fused {100 * r['fused_mfu_ceiling']:.1f} %)"
        print(f"  {r['objective']:6s} η={r['eta']:<4} batch {r['batch']:3d}: {r['clips_per_s']:7.2f} clips/s "
              f"({r['seconds_per_step']:.3f} s/step, {r['passes_per_step']} clip passes/step), {mem}{mfu}; first step {r['first_step_s']:.1f} s")
        if "phases_s_per_step" in r: print("    phases (s/step): " + ", ".join(f"{k} {v:.3f}" for k, v in r["phases_s_per_step"].items()))
        if "profile" in r: print("    " + r.pop("profile").replace("\n", "\n    "))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
