"""One demo training step (bf16, cmmd-train's loop step) at a global batch B on T threads: median seconds per step over N.
Two processes at B=4, T=1 run side by side against one at B=8, T=2 say whether data parallelism over the two cores pays.
    PYTHONPATH=. python experiments/cpu_step/data_parallel.py 8 2 12
    PYTHONPATH=. python experiments/cpu_step/data_parallel.py 4 1 12 & PYTHONPATH=. python experiments/cpu_step/data_parallel.py 4 1 12"""
import sys, torch
B, T, N = map(int, sys.argv[1:4]); torch.set_num_threads(T)
import benchmarks.system.cpu_speed as b
cfg, pipe, sets = b.setup({"batch_size": B})
t = b.Trainer("bf16", cfg, pipe, sets["train"], pipe.unet)
med = b.interleaved({"step": t}, N)["step"]  # two warm-up steps, then the median of N
n = sum(p.numel() for p in t.unet.parameters())
print(f"B={B} T={T} median {med:.3f} s/step  params {n/1e6:.2f} M", flush=True)
