"""Shared helper of the benchmark scripts (run them as `python benchmarks/bench_NAME.py`, which puts this folder on the path)."""
import time


def best_time(fn, repeats: int, sync=None) -> float:
    "The fastest of `repeats` runs of `fn`, in seconds, after one warm-up run; `sync` (e.g. `torch.cuda.synchronize`) waits for queued device work."
    sync = sync or (lambda: None)
    fn(); sync()
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); sync(); times.append(time.perf_counter() - t)
    return min(times)
