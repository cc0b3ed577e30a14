"""The README's training job as this tree runs it, side by side with the same job at an earlier commit.

Each side is the repository's own `cmmd.training.train` on its own built-in demo config (`load_config(None)`), run in
a fresh process from its own source tree (`git archive` of the commit, unpacked in a temporary folder), so what is
compared is what a user of each commit got: the code, the defaults and the precision it picked. A global optimiser
step hook stamps the end of every training step (data, forward, backward, clipping, AdamW, EMA, logging); the
seconds per step are the median of the steps after `--warmup`. The sides take turns, round after round, so that a
busy moment of a shared machine hits both; the figure of a side is the median of its rounds' medians.

Only the training steps are timed: validation, checkpoints, samples and the final evaluation are switched off
(`val_every`/`checkpoint_every` 0 leave one at the end, after the last stamp). `--extra` adds runs of this tree with
config overrides (`name=key:value,key:value`), e.g. `fp32=mixed_precision:no`, to tell apart what each change gives;
a key `env.NAME` sets an environment variable of that run instead (`thp=env.GLIBC_TUNABLES:glibc.malloc.hugetlb=1`).

    python -m benchmarks.system.against_commit --commit 7261e88 --extra fp32=mixed_precision:no \\
        --out benchmarks/results/cpu-speed-against-7261e88.json
"""
import json, os, statistics, subprocess, sys, tarfile, tempfile
from pathlib import Path

from benchmarks.common import cpu_name, parser

ROOT = Path(__file__).resolve().parents[2]

# Run inside each side's process: stamp every optimiser step, train the demo for `steps` steps, print the stamps.
CHILD = r"""
import json, sys, time, torch
from torch.optim.optimizer import register_optimizer_step_post_hook
import cmmd, cmmd.training as T
stamps = []
register_optimizer_step_post_hook(lambda opt, args, kwargs: stamps.append(time.perf_counter()))
over = dict(output_dir=sys.argv[1], max_steps=int(sys.argv[2]), time_limit="none", cpu_threads=int(sys.argv[3]),
            checkpoint_every=0, val_every=0, n_samples=0, eval_clips=0, tensorboard=False, **json.loads(sys.argv[4]))
cfg = T.load_config(None, {k: str(v) for k, v in over.items()})
T.train(cfg, progress=False)
print("STAMPS", json.dumps(dict(source=cmmd.__file__, stamps=stamps, mixed_precision=cfg.mixed_precision)))
"""


def unpack(commit: str, dest: Path) -> Path:
    "The source tree of `commit`, unpacked under `dest` (`git archive`)."
    tar = dest / "src.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "-o", str(tar), commit], check=True)
    with tarfile.open(tar) as f: f.extractall(dest / commit, filter="data")
    return dest / commit


def run_side(tree: Path, out: Path, steps: int, threads: int, overrides: dict) -> dict:
    "One run of `tree`'s demo training in a fresh process: the step times (s) and what it ran."
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": str(threads),
           **{k[4:]: v for k, v in overrides.items() if k.startswith("env.")}}  # `env.NAME`: an environment variable
    config = {k: v for k, v in overrides.items() if not k.startswith("env.")}
    p = subprocess.run([sys.executable, "-c", CHILD, str(out), str(steps), str(threads), json.dumps(config)],
                       cwd=tree, env=env, capture_output=True, text=True)
    line = next((l for l in p.stdout.splitlines() if l.startswith("STAMPS ")), None)
    if p.returncode or line is None:
        raise RuntimeError(f"training in {tree} failed (exit {p.returncode}):\n{p.stderr[-3000:]}")
    rec = json.loads(line[len("STAMPS "):])
    if Path(rec["source"]).resolve().parent.parent != tree.resolve():
        raise RuntimeError(f"the run in {tree} imported cmmd from {rec['source']}, not from its own tree")
    s = rec["stamps"]
    return dict(steps=[b - a for a, b in zip(s, s[1:])], mixed_precision=rec["mixed_precision"])


def main():
    ap = parser(__doc__, threads=2)
    ap.add_argument("--commit", default="7261e88", help="the earlier commit (default: the tree as issue 19 found it)")
    ap.add_argument("--steps", type=int, default=40, help="training steps per run")
    ap.add_argument("--warmup", type=int, default=5, help="steps of each run left out of its median")
    ap.add_argument("--rounds", type=int, default=3, help="runs per side, taking turns")
    ap.add_argument("--extra", action="append", default=[], help="name=key:value,key:value: a run of this tree with overrides")
    ap.add_argument("--out", default=None, help="also write the figures as JSON")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sides = {a.commit: (unpack(a.commit, tmp), {}), "this tree": (ROOT, {})}
        for e in a.extra:
            name, _, kv = e.partition("=")
            sides[f"this tree, {name}"] = (ROOT, dict(item.split(":", 1) for item in kv.split(",")))
        rounds = {k: [] for k in sides}
        for r in range(a.rounds):
            for i, (k, (tree, over)) in enumerate(sides.items()):
                res = run_side(tree, tmp / f"run-{r}-{i}", a.steps, a.threads, over)
                rounds[k].append(dict(median_s=statistics.median(res["steps"][a.warmup:]), mixed_precision=res["mixed_precision"]))
                print(f"round {r + 1}: {k:<28} {rounds[k][-1]['median_s']:.3f} s/step ({res['mixed_precision']})", flush=True)
    base = statistics.median(x["median_s"] for x in rounds[a.commit])
    rows = {}
    for k, rs in rounds.items():
        s = statistics.median(x["median_s"] for x in rs)
        rows[k] = dict(seconds_per_step=s, steps_per_10_min=600 / s, speedup=base / s, mixed_precision=rs[0]["mixed_precision"],
                       rounds=[x["median_s"] for x in rs], overrides=sides[k][1])
    print(f"\nthe demo's training step, {a.threads} threads, median of {a.rounds} interleaved runs "
          f"(each the median of steps {a.warmup + 1}..{a.steps - 1}):")
    print(f"  {'tree':<30}{'precision':>10}{'s/step':>8}{'steps/10 min':>14}{'speed-up':>10}")
    for k, r in rows.items():
        print(f"  {k:<30}{r['mixed_precision']:>10}{r['seconds_per_step']:>8.3f}{r['steps_per_10_min']:>14.0f}{r['speedup']:>9.2f}×")
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(dict(commit=a.commit, cpu=cpu_name(), threads=a.threads, steps=a.steps, warmup=a.warmup, rows=rows), indent=1))


if __name__ == "__main__":
    sys.exit(main())
