"""The demo training step (bf16) with its Conv2d/Conv3d weights channels-last against as it is, interleaved medians.
    PYTHONPATH=. python experiments/cpu_step/channels_last.py"""
import torch
torch.set_num_threads(2)
import benchmarks.system.cpu_speed as b
cfg, pipe, sets = b.setup({"mixed_precision": "no"})
t0 = b.Trainer("bf16", cfg, pipe, sets["train"], pipe.unet)
t1 = b.Trainer("bf16", cfg, pipe, sets["train"], pipe.unet)
for m in t1.unet.modules():
    if isinstance(m, torch.nn.Conv2d): m.to(memory_format=torch.channels_last)
    if isinstance(m, torch.nn.Conv3d): m.to(memory_format=torch.channels_last_3d)
print(b.interleaved({"base": t0, "channels_last": t1}, 10))
