"""The training curves of the long demo runs: the positive loss and the two negative losses of Eq. 6, unbounded (the
paper's -eta L-) against bounded (the smooth hinge). `python experiments/sync_budget/plot.py` writes losses.png here."""
import json
from pathlib import Path
import matplotlib; matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

here = Path(__file__).parent
fig, axs = plt.subplots(1, 2, figsize=(10, 3.2), sharey=True)
for ax, name in zip(axs, ("unbounded", "bounded")):
    f = here / f"{name}-metrics.jsonl"
    if not f.is_file(): continue
    rows = [r for r in map(json.loads, f.read_text().splitlines()) if "joint" in r]
    step = np.array([r["step"] for r in rows])
    smooth = lambda x: np.convolve(x, np.ones(9) / 9, mode="same")
    for key, lab in (("joint", "matched pairs (L+)"), ("neg_audio", "negative audio (L-)"), ("neg_video", "negative video (L-)")):
        ax.plot(step, smooth(np.array([r.get(key, np.nan) for r in rows])), label=lab, lw=1)
    ax.set_yscale("log"); ax.set_xlabel("step"); ax.set_title(f"CMMD, {name} contrast (eta 0.1)", fontsize=9)
axs[0].set_ylabel("loss (9-step mean)"); axs[0].legend(fontsize=7)
plt.tight_layout(); plt.savefig(here / "losses.png", dpi=80)
print(here / "losses.png")
