"""Training throughput (clips/s) and peak memory of a training config, the step exactly as `cmmd.training.train` runs it.

Each measured step is the loop's own work: take the batch from the loop's DataLoader (its `num_workers` generate the
synthetic clips or read the cache, pinned on a GPU),
encode frames, draw per-clip noise and the negatives, the Eq. 6 objective, backward, gradient clipping, AdamW and the
EMA update; checkpoints, validation and samples are left out. It reports clips per second for CMMD (the config's η and
negative count) and for nCMMD (η = 0), and the peak memory: the process's peak resident set on a CPU, the peak
allocated device memory on a GPU, where it also estimates MFU from the U-Net's FLOPs per clip (forward counted by
FlopCounterMode, backward taken as twice the forward) over the bf16 dense peak of the device.

    python benchmarks/bench_train.py                                  # the demo config on this CPU
    python benchmarks/bench_train.py --config aist-128 --data synthetic --device cuda --batch 32 --mixed_precision bf16
"""
import argparse, json, resource, sys, time

import torch

from cmmd.training import (load_config, build_pipeline, build_datasets, model_inputs, position_noise, training_loss,
                           _negative_config, derive_seed, SeededItems, StepBatches, EMA)

PEAK_BF16_TFLOPS = {"H100": 989.0, "H200": 989.0, "A100": 312.0, "L40S": 362.0, "A10": 125.0, "4090": 165.0}


def device_peak_tflops(device: torch.device):
    "Dense bf16 peak of the GPU, from its name (None when unknown or on a CPU)."
    if device.type != "cuda": return None
    name = torch.cuda.get_device_name(device)
    return next((v for k, v in PEAK_BF16_TFLOPS.items() if k in name), None)


def forward_flops(unet, x, mel) -> float:
    "FLOPs of one forward at this batch (FlopCounterMode)."
    from torch.utils.flop_counter import FlopCounterMode
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter: unet(x, mel, torch.zeros(x.shape[0], dtype=torch.long, device=x.device))
    return counter.get_total_flops()


def measure(cfg, device: torch.device, steps: int, warmup: int, dtype) -> dict:
    "Clips/s and peak memory of `steps` training steps after `warmup` steps."
    pipe = build_pipeline(cfg)
    unet, ae, schedule = pipe.unet.to(device).train(), pipe.autoencoder.to(device), pipe.schedule
    if cfg.gradient_checkpointing: unet.enable_gradient_checkpointing()
    ema = EMA(unet, cfg.ema_decay)
    opt = torch.optim.AdamW(unet.parameters(), lr=cfg.lr, betas=cfg.betas, fused=device.type == "cuda")
    ds = build_datasets(cfg, pipe.clip, pipe.mel)["train"]
    # the loop's own loader: its workers, and pinned memory on a GPU
    batches = iter(torch.utils.data.DataLoader(SeededItems(ds), batch_sampler=StepBatches(len(ds), cfg.batch_size, cfg.seed, 0, warmup + steps),
                                               num_workers=cfg.num_workers, pin_memory=device.type == "cuda"))
    negcfg = _negative_config(cfg, pipe.clip, pipe.mel)
    autocast = torch.autocast(device.type, dtype=dtype, enabled=dtype is not None)
    if device.type == "cuda": torch.cuda.reset_peak_memory_stats(device)
    flops = None
    for step in range(warmup + steps):
        if step == warmup:
            if device.type == "cuda": torch.cuda.synchronize(device)
            t0 = time.perf_counter()
        batch = next(batches)
        x = model_inputs(batch, ae, getattr(ds, "layout", None), device)
        t, nv, nm = position_noise(batch["position_seed"], x["video"], x["mel"], schedule)
        if flops is None:
            with autocast: flops = forward_flops(unet, x["video"], x["mel"]) / x["video"].shape[0]
        with autocast:
            o = training_loss(unet, x, t, nv, nm, cfg, schedule, negcfg, torch.Generator().manual_seed(derive_seed(cfg.seed, step)))
        o.loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), cfg.grad_clip)
        opt.step(); opt.zero_grad(set_to_none=True); ema.update(unet)
    if device.type == "cuda": torch.cuda.synchronize(device)
    dt = time.perf_counter() - t0
    # each positive clip costs one forward+backward; each negative pair one more
    passes = cfg.batch_size + (0 if cfg.contrastive_weight == 0 else 2 * min(cfg.n_negatives or cfg.batch_size, cfg.batch_size))
    res = dict(eta=cfg.contrastive_weight, n_negatives=cfg.n_negatives, batch=cfg.batch_size, steps=steps,
               seconds_per_step=dt / steps, clips_per_s=cfg.batch_size * steps / dt,
               forward_gflop_per_clip=flops / 1e9, passes_per_step=passes)
    if device.type == "cuda":
        res["peak_memory_gib"] = torch.cuda.max_memory_allocated(device) / 2**30
        peak = device_peak_tflops(device)
        achieved = 3 * flops * passes * steps / dt
        res["achieved_tflops"] = achieved / 1e12
        if peak: res["mfu"] = achieved / (peak * 1e12)
    else:
        res["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return res


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default=None, help="a config name or YAML (default: the demo)")
    p.add_argument("--data", default=None, help="override the config's data (e.g. synthetic for a paper config without its cache)")
    p.add_argument("--batch", type=int, default=None, help="global batch (default: the config's)")
    p.add_argument("--steps", type=int, default=10, help="measured steps")
    p.add_argument("--warmup", type=int, default=2, help="unmeasured steps first")
    p.add_argument("--device", default="cpu")
    p.add_argument("--mixed_precision", default=None, choices=["no", "bf16", "fp16"])
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--only", choices=["cmmd", "ncmmd"], default=None, help="measure one objective only")
    p.add_argument("--json", action="store_true", help="print JSON only")
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
        runs.append(dict(objective=name, **measure(load_config(a.config, {**over, "contrastive_weight": eta}), dev, a.steps, a.warmup, dtype)))
    out = dict(config=a.config or "demo", preset=cfg.preset, device=str(dev), threads=torch.get_num_threads(),
               mixed_precision=cfg.mixed_precision, runs=runs)
    if a.json: print(json.dumps(out, indent=1)); return
    print(f"{out['config']} ({cfg.preset}) on {dev}, {out['threads']} threads, mixed precision {cfg.mixed_precision}")
    for r in runs:
        mem = f"peak RSS {r['peak_rss_gib']:.2f} GiB" if "peak_rss_gib" in r else f"peak {r['peak_memory_gib']:.1f} GiB"
        mfu = f", {r['achieved_tflops']:.1f} TFLOP/s" + (f", MFU {100 * r['mfu']:.1f} %" if "mfu" in r else "") if "achieved_tflops" in r else ""
        print(f"  {r['objective']:6s} η={r['eta']:<4} batch {r['batch']:3d}: {r['clips_per_s']:7.2f} clips/s "
              f"({r['seconds_per_step']:.3f} s/step, {r['passes_per_step']} clip passes/step), {mem}{mfu}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
