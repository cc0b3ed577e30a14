"""Sync against training steps: score every checkpoint of a run (its EMA weights in the run's final pipeline) on the
sync benchmark, and its cross-modal gap. `python experiments/sync_checkpoints.py runs/long --tasks a2v,v2a --n 64`.
Writes one JSON line per checkpoint to --out (default `<run>/sync-checkpoints.jsonl`) and prints a table."""
import argparse, json, time
from pathlib import Path
import torch
from safetensors.torch import load_file
from cmmd.data import SyntheticAVDataset
from cmmd.metrics import sync_benchmark, cross_modal_gap
from cmmd.training import load_config, _synthetic_config, list_checkpoints, run_pipeline

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("run"); ap.add_argument("--n", type=int, default=64); ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--tasks", default="v2a,a2v"); ap.add_argument("--data_seed", type=int, default=777)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    run = Path(a.run)
    cfg = load_config(str(run / "config.yaml"))
    pipe = run_pipeline(run, "latest")  # the checkpoints' weights go in below
    ds = SyntheticAVDataset(_synthetic_config(cfg, pipe.clip), length=max(a.n, 32), seed=a.data_seed, mel_preset=pipe.mel)
    batch = torch.utils.data.default_collate([ds[i] for i in range(32)])
    v, m = pipe.autoencoder.encode(batch["video"]), batch["mel"]
    out = Path(a.out or run / "sync-checkpoints.jsonl")
    done = {json.loads(l)["step"] for l in out.read_text().splitlines()} if out.is_file() else set()
    for ck in list_checkpoints(run):
        step = json.loads((ck / "state.json").read_text())["step"]
        if step in done: continue
        pipe.unet.load_state_dict(load_file(ck / "ema.safetensors"))
        t0 = time.time()
        gap = cross_modal_gap(pipe.unet, pipe.schedule, v, m, condition="clean")
        s = sync_benchmark(pipe, ds, a.n, a.steps, tuple(a.tasks.split(",")), dtype=torch.bfloat16)
        row = dict(run=str(run), step=step, n=a.n, steps=a.steps, seconds=time.time() - t0, gap=gap,
                   scores={t: {k: vars(r) for k, r in rs.items()} for t, rs in s.items()})
        with open(out, "a") as f: f.write(json.dumps(row) + "\n")
        cells = [f"{t} {rs['generated'].f1:.3f} [{rs['generated'].low:.3f}, {rs['generated'].high:.3f}] "
                 f"(chance {rs['chance_other'].f1:.3f}, ceiling {rs['ceiling'].f1:.3f})" for t, rs in s.items()]
        gv = {t: f"{gap['video'][t]['gap_other']:+.1f} %" for t in gap["video"]}
        print(f"step {step:5d}  " + "  ".join(cells) + f"  video gap {gv}", flush=True)

if __name__ == "__main__": main()
