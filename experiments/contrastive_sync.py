"""Does the contrastive loss improve sync? nCMMD (η = 0) against CMMD (η > 0), same budget and seeds.

Trains one model per (η, seed) on the built-in synthetic sync clips with `cmmd.training.train`, then scores V2A and
A2V on held-out clips (the same clips for every run) with `cmmd.metrics.sync_benchmark` at the end of each run:
onset F1 of the generated sound and bounce F1 of the generated frames against the exact event times, with their
bootstrap intervals, chance and ceiling. Runs are skipped when their results exist, so an interrupted sweep
resumes. Writes `results.json`, `results.md` (mean ± std over seeds, and the paired differences) and `sync.png`
into --out. A recipe is a set of `TrainConfig` overrides (e.g. the paper's: the defaults with
`--conditioning shared --min_snr_gamma 5 --sampler '{condition: replace}'`).

    python experiments/contrastive_sync.py --out experiments/contrastive_sync --seeds 0 1 2 --etas 0 0.1 \
        --max_steps 600 --time_limit none --lr_schedule cosine
    python experiments/contrastive_sync.py --out ... --report-only        # rebuild the tables and figure
Any other `--key value` is a `TrainConfig` override applied to every run (e.g. --preset tiny --batch_size 4).
"""
import argparse, json, logging
from pathlib import Path

import numpy as np

from cmmd.training import load_config, parse_overrides, train


def run_one(out: Path, eta: float, seed: int, over: dict, config) -> dict:
    "Train and score one (η, seed); cached in its folder's result.json."
    folder = out / "runs" / f"eta{eta:g}-seed{seed}"
    done = folder / "result.json"
    if done.is_file(): return json.loads(done.read_text())
    cfg = load_config(config, {**over, "contrastive_weight": eta, "seed": seed, "output_dir": str(folder),
                               "checkpoint_every": 0})
    res = train(cfg, resume="latest", progress=False)  # ends with the sync benchmark of the held-out clips
    r = dict(eta=eta, seed=seed, steps=res.step, minutes=res.seconds / 60, sync=res.sync)
    done.write_text(json.dumps(r, indent=1))
    return r


def scores(r: dict) -> dict:
    "The run's headline scores from its `sync_benchmark` rows (or from the older flat table of earlier runs)."
    s = r["sync"]
    if "generated" in s.get("v2a", {}):
        return {"V2A onset F1": s["v2a"]["generated"]["f1"], "V2A chance F1": s["v2a"]["chance_other"]["f1"],
                "V2A ceiling F1": s["v2a"]["ceiling"]["f1"], "A2V bounce F1": s["a2v"]["generated"]["f1"],
                "A2V chance F1": s["a2v"]["chance_other"]["f1"], "A2V ceiling F1": s["a2v"]["ceiling"]["f1"]}
    return {"V2A onset F1": s["v2a"]["f1"], "V2A chance F1": s["v2a_chance"]["f1"], "V2A ceiling F1": s["v2a_ground_truth"]["f1"],
            "A2V bounce F1": s.get("a2v", {}).get("f1", float("nan")), "A2V chance F1": float("nan"),
            "A2V ceiling F1": s.get("a2v_ground_truth", {}).get("f1", float("nan"))}

def summarise(results: list) -> dict:
    "Mean and std over seeds of each score, per η."
    rows = {}
    for r in results:
        d = rows.setdefault(r["eta"], {})
        vals = scores(r)
        for k, v in vals.items(): d.setdefault(k, []).append(v)
    return {eta: {k: dict(mean=float(np.mean(v)), std=float(np.std(v, ddof=1)) if len(v) > 1 else 0.0, values=v)
                  for k, v in d.items()} for eta, d in sorted(rows.items())}


def interval(r: dict, task: str = "v2a") -> str:
    "A run's F1 with its bootstrap interval over clips (older runs: the F1 alone)."
    row = r["sync"].get(task, {}).get("generated")
    return f"{row['f1']:.3f} [{row['low']:.3f}, {row['high']:.3f}]" if row else f"{scores(r)['V2A onset F1' if task == 'v2a' else 'A2V bounce F1']:.3f}"


def paired_table(results: list, name) -> str:
    "Per seed, each objective's V2A F1 with its interval over clips, and the paired difference; its mean with a t-interval over seeds."
    from scipy import stats
    by = {(r["seed"], r["eta"]): r for r in results}
    etas, seeds = sorted({r["eta"] for r in results}), sorted({r["seed"] for r in results})
    lines = ["| seed | " + " | ".join(f"V2A F1 [95 %], {name(e)}" for e in etas) + " | chance (other clip) | " +
             (f"{name(etas[-1]).split(' (')[0]} − {name(etas[0]).split(' (')[0]} |" if len(etas) > 1 else "|"),
             "|---|" + "---|" * (len(etas) + 1 + (len(etas) > 1))]
    diffs = []
    for sd in seeds:
        cells = [interval(by[(sd, e)]) if (sd, e) in by else "—" for e in etas]
        chance = scores(by[(sd, etas[0])])["V2A chance F1"] if (sd, etas[0]) in by else float("nan")
        d = ""
        if len(etas) > 1 and all((sd, e) in by for e in (etas[0], etas[-1])):
            diffs.append(scores(by[(sd, etas[-1])])["V2A onset F1"] - scores(by[(sd, etas[0])])["V2A onset F1"]); d = f"{diffs[-1]:+.3f}"
        lines.append(f"| {sd} | " + " | ".join(cells) + f" | {chance:.3f} | {d} |")
    if len(diffs) >= 2:
        d = np.array(diffs); half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
        verdict = "no difference measured" if d.mean() - half <= 0 <= d.mean() + half else "a difference"
        lines.append(f"\npaired difference over {len(d)} seeds: {d.mean():+.3f}, 95 % t-interval [{d.mean() - half:+.3f}, "
                     f"{d.mean() + half:+.3f}]: {verdict}")
    return "\n".join(lines)


def report(out: Path, results: list):
    "results.json, results.md and sync.png."
    import matplotlib; matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    s = summarise(results)
    (out / "results.json").write_text(json.dumps(dict(runs=results, summary={str(k): v for k, v in s.items()}), indent=1))
    etas, metrics = list(s), list(next(iter(s.values())))
    name = lambda eta: "nCMMD (η = 0)" if eta == 0 else f"CMMD (η = {eta:g})"
    lines = ["| score | " + " | ".join(name(e) for e in etas) + " |", "|---|" + "---|" * len(etas)]
    for m in metrics:
        lines.append(f"| {m} | " + " | ".join(f"{s[e][m]['mean']:.3f} ± {s[e][m]['std']:.3f}" for e in etas) + " |")
    seeds = sorted({r["seed"] for r in results})
    steps = {e: sorted({r["steps"] for r in results if r["eta"] == e}) for e in etas}
    lines.append(f"\nmean ± std over seeds {seeds}; steps per run: " + ", ".join(f"{name(e)} {steps[e]}" for e in etas) +
                 f"; {np.mean([r['minutes'] for r in results]):.1f} min per run (train + scoring)")
    lines += ["", paired_table(results, name)]
    (out / "results.md").write_text("\n".join(lines) + "\n")
    fig, axes = plt.subplots(1, 3, figsize=(9, 2.8))
    for ax, m in zip(axes, ["V2A onset F1", "A2V bounce F1", "V2A chance F1"]):
        for i, e in enumerate(etas):
            v = s[e][m]["values"]
            ax.bar(i, np.mean(v), color="C0" if e == 0 else "C1", alpha=0.6)
            ax.scatter([i] * len(v), v, color="k", s=12, zorder=3)
        ax.set_xticks(range(len(etas)), [name(e).split(" (")[0] + f"\nη={e:g}" for e in etas]); ax.set_title(m, fontsize=9)
    fig.tight_layout(); fig.savefig(out / "sync.png", dpi=100); plt.close(fig)
    print("\n".join(lines))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="experiments/contrastive_sync")
    p.add_argument("--config", default=None, help="base config (default: the demo)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--etas", type=float, nargs="+", default=[0.0, 0.1])
    p.add_argument("--report-only", action="store_true")
    a, rest = p.parse_known_args()
    logging.basicConfig(level=logging.WARNING)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    over = parse_overrides(rest)
    if a.report_only:
        results = [json.loads(f.read_text()) for f in sorted(out.glob("runs/*/result.json"))]
        if not results: raise SystemExit(f"no runs/*/result.json in {out}: nothing to report")
    else:
        results = []
        for seed in a.seeds:  # seeds outermost: a partial sweep still compares both objectives
            for eta in a.etas:
                r = run_one(out, eta, seed, over, a.config)
                sc = scores(r)
                print(f"η={eta:g} seed={seed}: V2A F1 {sc['V2A onset F1']:.3f} (chance {sc['V2A chance F1']:.3f}), "
                      f"A2V F1 {sc['A2V bounce F1']:.3f} ({r['minutes']:.1f} min)", flush=True)
                results.append(r)
    report(out, results)


if __name__ == "__main__":
    main()
