"""A2V frames of a run's pipeline for 2 held-out clips (data_seed 777), each under its true frames; every other frame,
DPM-Solver++ 25 steps in bf16. `python experiments/a2v_frames.py runs/demo out.png`"""
import sys, torch, matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
from cmmd.data import SyntheticAVDataset
from cmmd.training import load_config, _synthetic_config, run_pipeline
from cmmd.sampler import sample
run, out = sys.argv[1], sys.argv[2]
pipe = run_pipeline(run); cfg = load_config(f"{run}/config.yaml")
ds = SyntheticAVDataset(_synthetic_config(cfg, pipe.clip), length=4, seed=777, mel_preset=pipe.mel)
b = torch.utils.data.default_collate([ds[i] for i in range(2)])
v = pipe.autoencoder.encode(b["video"])
with torch.autocast("cpu", torch.bfloat16):
    lat = sample(pipe.unet, pipe.schedule, task="a2v", mel=b["mel"], video_shape=tuple(v.shape), steps=25, progress=False,
                 generator=torch.Generator().manual_seed(0), **pipe.sample_kwargs).video
gen, ref = pipe.autoencoder.decode(lat.float()).clamp(0, 1), pipe.autoencoder.decode(v).clamp(0, 1)
rows = [ref[0], gen[0], ref[1], gen[1]]
fig, ax = plt.subplots(4, 9, figsize=(9, 4.4))
for r, x in enumerate(rows):
    for k in range(9):
        ax[r, k].imshow(x[:, 2 * k].permute(1, 2, 0).numpy()); ax[r, k].axis("off")
    ax[r, 0].set_title(("truth" if r % 2 == 0 else "A2V") + f" clip {r // 2}", fontsize=7, loc="left")
plt.tight_layout(); plt.savefig(out, dpi=72)
