"""What the benchmarks share: the timing helper, the flags they all spell the same way, and the GPU spec table.

Every benchmark runs from the repository root as a module, `python -m benchmarks.components.NAME` or
`python -m benchmarks.system.NAME` (benchmarks/README.md lists them); nothing here touches `sys.path`.
"""
import argparse, sys, time
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parent / "results"  # the committed figures the docs cite; quick/ is not committed
PRECISIONS = {"fp32": None, "bf16": torch.bfloat16}  # --precision: the autocast dtype (None: autocast off)

# dense bf16 TFLOP/s and memory TB/s (vendor data sheets); a device name is matched against the keys in this order
# (so "h100 pcie" before "h100", "a100" before "a10")
GPUS = {"h100 pcie": dict(name="H100 PCIe", tflops=756.0, tbps=2.0),
        "h100": dict(name="H100 SXM", tflops=989.0, tbps=3.35), "h200": dict(name="H200", tflops=989.0, tbps=4.8),
        "a100": dict(name="A100 SXM 80GB", tflops=312.0, tbps=2.04), "l40s": dict(name="L40S", tflops=362.0, tbps=0.864),
        "a10": dict(name="A10", tflops=125.0, tbps=0.6), "4090": dict(name="RTX 4090", tflops=165.0, tbps=1.008)}


def gpu_spec(device_name: str) -> dict | None:
    "The `GPUS` entry of a device name such as `torch.cuda.get_device_name()` gives (None when unknown)."
    return next((g for k, g in GPUS.items() if k in device_name.lower()), None)


def device_peak_tflops(device: torch.device) -> float | None:
    "Dense bf16 peak of the GPU, from its name (None when unknown or on a CPU)."
    if device.type != "cuda": return None
    gpu = gpu_spec(torch.cuda.get_device_name(device))
    return gpu and gpu["tflops"]


def cpu_name() -> str:
    "The CPU's model name (`/proc/cpuinfo` on Linux, else `platform.processor()`), to label figures with the machine."
    import platform
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"): return line.split(":", 1)[1].strip()
    except OSError: pass
    return platform.processor() or platform.machine()


def best_time(fn, repeats: int, sync=None) -> float:
    "The fastest of `repeats` runs of `fn`, in seconds, after one warm-up run; `sync` (e.g. `torch.cuda.synchronize`) waits for queued device work."
    sync = sync or (lambda: None)
    fn(); sync()
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); sync(); times.append(time.perf_counter() - t)
    return min(times)


def device_sync(device: torch.device):
    "A callable that waits for the work queued on `device` (a no-op on a CPU)."
    return (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)


def autocast_for(device: torch.device, precision: str):
    "A factory of autocast contexts on `device` in `precision` (a `PRECISIONS` key; fp32 leaves autocast off)."
    dtype = PRECISIONS[precision]
    return lambda: torch.autocast(device.type, dtype=dtype, enabled=dtype is not None)


def parser(doc: str, *, threads: int | None = None, device: bool = False, precision: str | None = None,
           repeats: int | None = None, json: bool = False, **kw) -> argparse.ArgumentParser:
    """An argument parser described by the first line of `doc`, with the shared flags asked for: `--threads`,
    `--device`, `--precision`, `--repeats` (each given its default here; None or False leaves it out) and `--json`.
    `kw` goes to `argparse.ArgumentParser`."""
    spec = getattr(sys.modules["__main__"], "__spec__", None)  # set when run as `python -m benchmarks.…`
    if spec and spec.name.startswith("benchmarks."): kw.setdefault("prog", f"python -m {spec.name}")
    p = argparse.ArgumentParser(**{"description": doc.splitlines()[0], **kw})
    if threads is not None: p.add_argument("--threads", type=int, default=threads, help="torch CPU threads (default: %(default)s)")
    if device: p.add_argument("--device", default="cpu", help="torch device, cpu or cuda (default: %(default)s)")
    if precision is not None:
        p.add_argument("--precision", default=precision, choices=tuple(PRECISIONS),
                       help="autocast dtype of the networks (default: %(default)s)")
    if repeats is not None:
        p.add_argument("--repeats", type=int, default=repeats, help="timed runs; the fastest is reported (default: %(default)s)")
    if json: p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return p
