"""The λ sweep of reconstruction guidance (Eq. 3) as a Markdown table: one row per (model, λ) from the JSON lines that
`experiments/sync_eval.py --out` wrote. `python experiments/guidance_sweep/report.py experiments/guidance_sweep/*.jsonl`."""
import json, sys
from pathlib import Path
import numpy as np
from scipy import stats

def rows(paths):
    for p in paths:
        for line in Path(p).read_text().splitlines():
            r = json.loads(line)
            if "variant" in r: yield Path(p).stem, r

def main(paths):
    print("| model | λ | V2A onset F1 [95 %] | hits / detected / events | chance: other clip / random times | ceiling |")
    print("|---|---|---|---|---|---|")
    for name, r in sorted(rows(paths), key=lambda x: (x[0], x[1]["variant"].get("guidance", 0))):
        s = r["scores"]["v2a"]; g = s["generated"]
        print(f"| {name} | {r['variant'].get('guidance', 0):g} | {g['f1']:.3f} [{g['low']:.3f}, {g['high']:.3f}] | "
              f"{g['hits']:.0f} / {g['detected']:.0f} / {g['events']:.0f} | {s['chance_other']['f1']:.3f} / "
              f"{s['chance_random']['f1']:.3f} | {s['ceiling']['f1']:.3f} |")
    paired(list(rows(paths)))

def paired(rs):
    "Per λ scored for both objectives of a seed (files `cmmd-seedN`, `ncmmd-seedN`): CMMD − nCMMD per seed, its mean and t-interval."
    f1 = {(name, r["variant"].get("guidance", 0)): r["scores"]["v2a"]["generated"]["f1"] for name, r in rs}
    seeds = sorted({int(n.rsplit("seed", 1)[1]) for n, _ in f1})
    for lam in sorted({lam for _, lam in f1}):
        d = {sd: f1[(f"cmmd-seed{sd}", lam)] - f1[(f"ncmmd-seed{sd}", lam)] for sd in seeds
             if (f"cmmd-seed{sd}", lam) in f1 and (f"ncmmd-seed{sd}", lam) in f1}
        if not d: continue
        x = np.array(list(d.values()))
        cells = ", ".join(f"seed {sd} {v:+.3f}" for sd, v in d.items())
        ci = "" if len(x) < 2 else ", 95 %% t-interval [%+.3f, %+.3f]" % stats.t.interval(0.95, len(x) - 1, x.mean(), stats.sem(x))
        print(f"\nλ = {lam:g}: CMMD − nCMMD {cells}; mean {x.mean():+.3f}{ci}")

if __name__ == "__main__": main(sys.argv[1:])
