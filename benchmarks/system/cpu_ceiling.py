"""How fast the demo's training step could be on this CPU: its FLOPs, the CPU's bf16 peak, and the step measured.

The speed target of the README's job asks for twice the steps of the tree it was set against. This script says how far
the current step is from what the CPU can do at all, so that a shortfall is a measurement, not a guess:

- FLOPs of one demo training step (batch 8 + 2 + 2 negative pairs, forward and backward), counted by
  `torch.utils.flop_counter.FlopCounterMode` on the step itself (convolutions, matrix products, attention);
- the CPU's bf16 peak as the best of large matrix products and of the step's own largest convolution shapes, each
  timed alone (best of `--repeats`) at `--threads`;
- the step itself under bf16 autocast with freed memory kept (`cmmd.core.keep_freed_memory`, as training runs it):
  median seconds of `--steps` steps after two warm-up steps (forward and backward, no optimiser);
- the floor (FLOPs at the peak) and the FLOP/s a given step time needs (`--target-seconds`, e.g. half of an earlier
  tree's step).

    python -m benchmarks.system.cpu_ceiling [--threads 2] [--steps 5] [--target-seconds 0.606] [--json-out FILE]
"""
import json, statistics, sys, time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from cmmd.core import keep_freed_memory
from benchmarks.common import autocast_for, best_time, cpu_name, parser
from benchmarks.system.profile import training_step

SHAPES = {  # (input, weight) of the demo step's costliest convolutions (python -m benchmarks.system.profile), bf16
    "conv 3x3, 216x128x4x4": ((216, 128, 4, 4), (128, 128, 3, 3)),
    "conv 3x3, 216x64x16x16": ((216, 64, 16, 16), (64, 64, 3, 3)),
    "conv 3x3, 12x64x20x28": ((12, 64, 20, 28), (64, 64, 3, 3)),
}


def flops_of(fn) -> int:
    "FLOPs that `FlopCounterMode` counts in one call of `fn`."
    with FlopCounterMode(display=False) as fc: fn()
    return fc.get_total_flops()


def peak_gflops(repeats: int) -> dict:
    "GFLOP/s of bf16 matrix products and of the step's convolution shapes (forward), each alone."
    out = {}
    for n in (1024, 2048):
        a, b = torch.randn(n, n, dtype=torch.bfloat16), torch.randn(n, n, dtype=torch.bfloat16)
        out[f"matmul {n}^3"] = 2 * n ** 3 / best_time(lambda: a @ b, repeats) / 1e9
    for name, (xs, ws) in SHAPES.items():
        x, w = torch.randn(xs, dtype=torch.bfloat16), torch.randn(ws, dtype=torch.bfloat16)
        f = flops_of(lambda: F.conv2d(x, w, padding=1))
        out[name] = f / best_time(lambda: F.conv2d(x, w, padding=1), repeats) / 1e9
    return out


def main():
    ap = parser(__doc__, threads=2, repeats=5)
    ap.add_argument("--steps", type=int, default=5, help="timed steps after two warm-up steps (median)")
    ap.add_argument("--target-seconds", type=float, default=None, help="a step time to say the needed FLOP/s of")
    ap.add_argument("--json-out", default=None)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    keep_freed_memory()
    dev = torch.device("cpu")
    run = training_step(dev, autocast_for(dev, "bf16"))
    run(); run()
    times = []
    for _ in range(a.steps):
        t = time.perf_counter(); run(); times.append(time.perf_counter() - t)
    step = statistics.median(times)
    gflop = flops_of(run) / 1e9
    peaks = peak_gflops(a.repeats)
    peak = max(peaks.values())
    r = dict(cpu=cpu_name(), threads=a.threads, torch=torch.__version__, step_gflop=gflop, step_seconds=step,
             step_gflops=gflop / step, peaks_gflops=peaks, peak_gflops=peak, floor_seconds=gflop / peak,
             fraction_of_peak=gflop / step / peak)
    print(f"{r['cpu']}, {a.threads} threads, torch {torch.__version__}")
    print(f"demo training step (bf16, forward + backward): {gflop:.1f} GFLOP in {step:.3f} s (median of {a.steps}): "
          f"{gflop / step:.0f} GFLOP/s")
    for k, v in peaks.items(): print(f"  bf16 {k:<26} {v:7.0f} GFLOP/s")
    print(f"at the best of these ({peak:.0f} GFLOP/s) the step's FLOPs take {gflop / peak:.3f} s: "
          f"the step runs at {r['fraction_of_peak']:.0%} of that peak")
    if a.target_seconds:
        r["target_seconds"], r["target_gflops"] = a.target_seconds, gflop / a.target_seconds
        print(f"a step of {a.target_seconds:.3f} s needs {gflop / a.target_seconds:.0f} GFLOP/s, "
              f"{gflop / a.target_seconds / peak:.0%} of that peak, over the whole step")
    if a.json_out:
        Path(a.json_out).parent.mkdir(parents=True, exist_ok=True); Path(a.json_out).write_text(json.dumps(r, indent=1))


if __name__ == "__main__":
    sys.exit(main())
