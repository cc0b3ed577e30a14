"""Score a trained pipeline on the sync benchmark (held-out synthetic clips) under several sampler settings, and its
cross-modal gap: `python experiments/sync_eval.py runs/demo/pipeline --n 64 --variants '[{}, {"cfg_scale": 2}]'`.
Writes one JSON line per variant to --out."""
import argparse, json, time
from pathlib import Path
import torch
from cmmd.data import SyntheticAVDataset
from cmmd.metrics import sync_benchmark, format_sync_table, cross_modal_gap, format_gap
from cmmd.training import load_config, _synthetic_config, run_pipeline

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("pipeline"); ap.add_argument("--n", type=int, default=64); ap.add_argument("--steps", type=int, default=25)
    ap.add_argument("--variants", default="[{}]", help="JSON list of sampler overrides")
    ap.add_argument("--tasks", default="v2a,a2v"); ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--gap", action="store_true", help="also the cross-modal gap (replace and clean)")
    ap.add_argument("--out", default=None)
    ap.add_argument("--bf16", action="store_true", help="sample under bf16 autocast (as the training runs' own evaluation does)")
    ap.add_argument("--data_seed", type=int, default=777, help="a synthetic set no run trains on (runs use data_seed 0)")
    ap.add_argument("--checkpoint", default=None, help="a checkpoint folder whose EMA weights to score; the pipeline folder "
                    "may then be missing (a run still training), and the run's config builds it")
    a = ap.parse_args()
    cfg = load_config(str(Path(a.pipeline).parent / "config.yaml"))
    pipe = run_pipeline(Path(a.pipeline).parent, a.checkpoint)
    ds = SyntheticAVDataset(_synthetic_config(cfg, pipe.clip), length=max(a.n, 32), seed=a.data_seed, mel_preset=pipe.mel)
    def keep(row):  # each row is written as soon as it is measured, so a stopped sweep keeps what it finished
        if a.out:
            with open(a.out, "a") as f: f.write(json.dumps(row) + "\n")
    if a.gap:
        batch = torch.utils.data.default_collate([ds[i] for i in range(32)])
        v, m = pipe.autoencoder.encode(batch["video"]), batch["mel"]
        for cond in ("replace", "clean"):
            g = cross_modal_gap(pipe.unet, pipe.schedule, v, m, condition=cond)
            print(f"cross-modal gap, condition={cond}\n" + format_gap(g), flush=True)
            keep(dict(pipeline=a.pipeline, gap=g, condition=cond))
    for var in json.loads(a.variants):
        t0 = time.time()
        s = sync_benchmark(pipe, ds, a.n, a.steps, tuple(a.tasks.split(",")), seed=a.seed,
                           dtype=torch.bfloat16 if a.bf16 else None, **var)
        print(f"\n{var}  ({time.time() - t0:.0f} s)\n" + format_sync_table(s), flush=True)
        keep(dict(pipeline=a.pipeline, checkpoint=a.checkpoint, variant=var, n=a.n, steps=a.steps, bf16=a.bf16, seconds=time.time() - t0,
                  scores={t: {k: vars(r) for k, r in rs.items()} for t, rs in s.items()}))

if __name__ == "__main__": main()
