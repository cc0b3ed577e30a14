"""The demo's training step and the sampling of its evaluation set, variants side by side in one run.

Training: each variant runs the loop's whole step (`train_step` on the next batch of the run's own data stream,
gradient clipping, fused AdamW, EMA) on its own copy of the demo U-Net, the same batches in the same order. The
variants take turns step by step (interleaved, so that a busy moment of a shared machine hits all of them) and the
median of `--repeats` steps is reported: seconds per step, clips/s, steps in the README's ten minutes (the first step,
with its lazy set-up or compilation, then the median step), the speed-up over the first variant, and the peak resident memory of a fresh process running two steps of that variant.

    fp32        the demo as it trained before `mixed_precision: auto` (fp32; fused attention kernel)
    bf16-sdpa   bf16 autocast, the fused attention kernel (`F.scaled_dot_product_attention`) everywhere
    bf16-fp32-softmax  bf16 autocast, matmul attention with its softmax in fp32 (`attend` before its bf16 softmax)
    bf16        bf16 autocast with `cmmd.unet.attend` (matmul attention in bf16 on the CPU): what `auto` picks here
    bf16-compile  the same under torch.compile (inductor); its first step, compilation included, is reported apart
    ncmmd-*     the same without negatives (η = 0), for the cost of the contrastive term

Sampling: the evaluation set of the sync benchmark (`cmmd.metrics.sync_benchmark`, both tasks, the pipeline's
conditioning), DDIM 25 clip by clip in fp32 (the demo's scorer before batching), in batches in fp32, in batches under
bf16 autocast, and the demo's evaluation now (bf16, batches, DPM-Solver++ with 10 steps): clips/s (one clip = its V2A and its A2V generation, vocoder and scoring included),
interleaved, and the V2A / A2V F1 of each, to see that the faster settings score the same on a trained pipeline.

    python -m benchmarks.system.cpu_speed                                   # untrained demo pipeline
    python -m benchmarks.system.cpu_speed --pipeline runs/demo/pipeline --out benchmarks/results/cpu-speed.json
"""
import copy, dataclasses, json, os, statistics, subprocess, sys, time
from pathlib import Path

import torch

import cmmd.unet
from cmmd.core import native_bf16
from cmmd.training import (load_config, build_pipeline, build_datasets, train_step, _negative_config, SeededItems,
                           StepBatches, EMA)
from benchmarks.common import parser

TRAIN_VARIANTS = {  # name: (mixed precision, attention, contrastive weight or None for the config's, torch.compile)
    "fp32": ("no", "sdpa", None, False), "bf16-sdpa": ("bf16", "sdpa", None, False), "bf16-fp32-softmax": ("bf16", "attend-fp32", None, False),
    "bf16": ("bf16", "attend", None, False),
    "bf16-compile": ("bf16", "attend", None, True),
    "ncmmd-fp32": ("no", "sdpa", 0.0, False), "ncmmd-bf16": ("bf16", "attend", 0.0, False)}
ROOT = Path(__file__).resolve().parents[2]  # the repository root, where `import benchmarks` works
_attend = cmmd.unet.attend


def _attend_fp32_softmax(q, k, v, max_keys: int = 1024):
    "`cmmd.unet.attend` as it was: the bf16 matmul path with its softmax in fp32 (a cast there and back)."
    if q.device.type != "cpu" or q.dtype != torch.bfloat16 or k.shape[-2] > max_keys:
        return torch.nn.functional.scaled_dot_product_attention(q, k, v)
    w = torch.matmul(q * q.shape[-1] ** -0.5, k.transpose(-1, -2))
    return torch.matmul(w.float().softmax(-1).to(v.dtype), v)


def use_attention(kind: str):
    "Route the U-Net's attention through `cmmd.unet.attend`, its fp32-softmax form, or straight to the fused kernel."
    cmmd.unet.attend = {"attend": _attend, "attend-fp32": _attend_fp32_softmax}.get(
        kind, lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v))


class Trainer:
    "One variant: a U-Net copy, its optimiser and EMA, and its own iterator over the run's batches."
    def __init__(self, name: str, base_cfg, pipe, ds, unet0):
        precision, self.attention, eta, compiled = TRAIN_VARIANTS[name]
        self.cfg = base_cfg if eta is None else dataclasses.replace(base_cfg, contrastive_weight=eta)
        self.dtype = torch.bfloat16 if precision == "bf16" else None
        self.unet, self.pipe, self.first = copy.deepcopy(unet0).train(), pipe, None
        if compiled: self.unet.compile(dynamic=False)  # in place, as `train` does with `compile`
        self.opt = torch.optim.AdamW(self.unet.parameters(), lr=self.cfg.lr, betas=self.cfg.betas, fused=True)
        self.ema, self.negcfg = EMA(self.unet, self.cfg.ema_decay), _negative_config(self.cfg, pipe.clip, pipe.mel)
        self.items, self.step = SeededItems(ds), 0
        self.batches = iter(StepBatches(len(ds), self.cfg.batch_size, self.cfg.seed, 0, 10 ** 9))

    def __call__(self):
        t0 = time.perf_counter()
        loss = self._step()
        if self.first is None: self.first = time.perf_counter() - t0  # compilation included
        return loss

    def _step(self):
        use_attention(self.attention)
        batch = torch.utils.data.default_collate([self.items[k] for k in next(self.batches)])
        amp = lambda: torch.autocast("cpu", dtype=self.dtype, enabled=self.dtype is not None)
        g = torch.Generator().manual_seed(self.step)
        o = train_step(self.unet, batch, self.pipe.autoencoder, self.cfg, self.pipe.schedule, self.negcfg, g,
                       autocast=amp, backward=torch.Tensor.backward)
        torch.nn.utils.clip_grad_norm_(self.unet.parameters(), self.cfg.grad_clip)
        self.opt.step(); self.opt.zero_grad(set_to_none=True); self.ema.update(self.unet)
        self.step += 1
        return o.loss.item()


def setup(overrides=None):
    cfg = load_config(None, overrides or {})
    pipe = build_pipeline(cfg)
    return cfg, pipe, build_datasets(cfg, pipe.clip, pipe.mel)


def interleaved(fns: dict, repeats: int, warmup: int = 2) -> dict:
    "Median seconds of each callable, the callables taking turns."
    for f in fns.values():
        for _ in range(warmup): f()
    times = {k: [] for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            t = time.perf_counter(); f(); times[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def peak_memory(variant: str, threads: int) -> float:
    "Peak resident memory (MiB) of a fresh process that builds the demo and runs two steps of `variant`."
    code = (f"import resource, torch; torch.set_num_threads({threads}); import benchmarks.system.cpu_speed as b; "
            f"cfg, pipe, sets = b.setup(); t = b.Trainer({variant!r}, cfg, pipe, sets['train'], pipe.unet); t(); t(); "
            f"print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return float(out.strip().splitlines()[-1])


def bench_training(variants, repeats: int, threads: int) -> dict:
    cfg, pipe, sets = setup({"mixed_precision": "no"})
    trainers = {v: Trainer(v, cfg, pipe, sets["train"], pipe.unet) for v in variants}
    med = interleaved(trainers, repeats)
    base = med[variants[0]]
    rows = {}
    for v, s in med.items():
        first = trainers[v].first
        rows[v] = dict(seconds_per_step=s, clips_per_s=cfg.batch_size / s, steps_per_10_min=1 + (600 - first) / s, speedup=base / s,
                       peak_rss_mib=peak_memory(v, threads), first_step_s=first)
    use_attention("attend")
    return rows


def bench_sampling(pipeline, n: int, repeats: int, batch_size: int) -> dict:
    from cmmd.metrics import sync_benchmark
    from cmmd.pipeline import CMMDPipeline
    cfg, pipe, sets = setup()
    if pipeline: pipe = CMMDPipeline.from_pretrained(pipeline)
    pipe.unet.eval()
    variants = {"fp32, clip by clip": dict(batch_size=1), f"fp32, batches of {batch_size}": dict(batch_size=batch_size),
                f"bf16, batches of {batch_size}": dict(batch_size=batch_size, dtype=torch.bfloat16),
                f"bf16, batches of {batch_size}, DPM++ 10": dict(batch_size=batch_size, dtype=torch.bfloat16, steps=10, sampler="dpmpp")}
    scores, runs = {}, {}
    for name, kw in variants.items():
        kw = {"steps": 25, "sampler": "ddim", **kw}
        def run(name=name, kw=kw): scores[name] = sync_benchmark(pipe, sets["eval"], n, n_boot=200, **kw)
        runs[name] = run
    med = interleaved(runs, repeats, warmup=0)
    base = med[next(iter(variants))]
    return {k: dict(seconds=s, clips_per_s=n / s, speedup=base / s, v2a_f1=scores[k]["v2a"]["generated"].f1,
                    a2v_f1=scores[k]["a2v"]["generated"].f1, v2a_ceiling=scores[k]["v2a"]["ceiling"].f1)
            for k, s in med.items()}


def main():
    ap = parser(__doc__, threads=2)
    ap.add_argument("--repeats", type=int, default=5, help="measured training steps per variant")
    ap.add_argument("--variants", default="fp32,bf16-sdpa,bf16-fp32-softmax,bf16,ncmmd-fp32,ncmmd-bf16")
    ap.add_argument("--pipeline", default=None, help="a trained pipeline folder for the sampling figures (default: untrained demo)")
    ap.add_argument("--clips", type=int, default=16, help="evaluation clips per sampling variant")
    ap.add_argument("--sampling_repeats", type=int, default=1)
    ap.add_argument("--skip", default="", help="training and/or sampling")
    ap.add_argument("--out", default=None, help="also write the figures as JSON")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    res = dict(threads=a.threads, torch=torch.__version__, native_bf16=native_bf16("cpu"))
    print(f"CPU, {a.threads} threads, torch {torch.__version__}, native bf16: {res['native_bf16']}")
    if "training" not in a.skip:
        res["training"] = bench_training(a.variants.split(","), a.repeats, a.threads)
        print(f"\ndemo training step (batch 8), median of {a.repeats}, interleaved:")
        print(f"  {'variant':<14}{'s/step':>8}{'clips/s':>9}{'steps/10min':>13}{'speed-up':>10}{'peak RSS MiB':>14}{'first step s':>14}")
        for k, r in res["training"].items():
            print(f"  {k:<14}{r['seconds_per_step']:>8.3f}{r['clips_per_s']:>9.2f}{r['steps_per_10_min']:>13.0f}"
                  f"{r['speedup']:>9.2f}×{r['peak_rss_mib']:>14.0f}{r['first_step_s']:>14.1f}")
    if "sampling" not in a.skip:
        res["sampling"] = bench_sampling(a.pipeline, a.clips, a.sampling_repeats, 16)
        print(f"\nsampling the evaluation set ({a.clips} clips, V2A + A2V, {a.pipeline or 'untrained demo'}):")
        for k, r in res["sampling"].items():
            print(f"  {k:<34}{r['seconds']:>7.1f} s {r['clips_per_s']:>6.3f} clips/s {r['speedup']:>5.2f}×   "
                  f"V2A F1 {r['v2a_f1']:.3f} (ceiling {r['v2a_ceiling']:.3f})  A2V F1 {r['a2v_f1']:.3f}")
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w") as f: json.dump(res, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
