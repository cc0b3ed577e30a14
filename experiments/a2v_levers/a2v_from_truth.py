"""Can the video branch place bounces on the sounds when the scene is given? A2V started from the true frames' latents
noised to the first timestep at or below t0 of a `--steps`-step schedule (the layout and the objects are there, the
motion more or less erased) instead of from pure noise, with the clip's own audio and, as the control, another clip's
audio; both scored against the clip's own bounces (the sync benchmark's matching, ±100 ms). Own above other means the
audio moves the bounces. DDIM over that schedule's timesteps from there, bf16, 64 held-out clips (data_seed 777).
`python experiments/a2v_levers/a2v_from_truth.py runs/vstd-b3000 --t0 300 500 700 900 --out a2v-from-truth.json`

`--scene` says what is noised to t0 instead of the true clip: `truth-still` (the true middle frame in every frame: a
still of the right scene, as in image-to-video), `keyframe` (the middle frame of the model's own A2V sample in every
frame: a two-stage A2V that needs nothing but the audio, a frame first, then its motion) or `shared-noise` (the
model's A2V sample from noise shared by all frames)."""
import argparse, json
from pathlib import Path
import numpy as np, torch
from cmmd.data import SyntheticAVDataset, motion_events, visible_bounces
from cmmd.metrics import SyncRow, _bounce_match, collated_batches
from cmmd.sampler import sample_ddim, ddim_timesteps
from cmmd.diffusion import draw_noise
from cmmd.training import load_config, _synthetic_config, run_pipeline

def still(v: torch.Tensor) -> torch.Tensor:
    "The middle frame of each clip `b c f h w` in all its frames: a still of one scene."
    return v[:, :, v.shape[2] // 2:v.shape[2] // 2 + 1].expand_as(v).contiguous()

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("run"); ap.add_argument("--t0", type=int, nargs="+", default=[300, 500, 700, 900])
    ap.add_argument("--n", type=int, default=64); ap.add_argument("--steps", type=int, default=25); ap.add_argument("--out", default=None)
    ap.add_argument("--scene", choices=["truth", "truth-still", "keyframe", "shared-noise"], default="truth",
                    help="what is noised to t0: the true frames, the true middle frame in every frame, the middle frame of "
                         "the model's own A2V sample in every frame, or the model's A2V sample from noise shared by all frames")
    ap.add_argument("--checkpoint", default=None, help="a checkpoint folder whose EMA weights to use (default: the pipeline's)")
    ap.add_argument("--sampler", default="{}", help='JSON overrides of the run\'s conditioning, e.g. \'{"condition": "replace", "guidance": 100}\'')
    a = ap.parse_args()
    pipe = run_pipeline(a.run, a.checkpoint)
    cfg = load_config(str(Path(a.run) / "config.yaml"))
    ds = SyntheticAVDataset(_synthetic_config(cfg, pipe.clip), length=a.n, seed=777, mel_preset=pipe.mel)
    cond = {**{k: v for k, v in pipe.sample_kwargs.items() if k != "sampler"}, **json.loads(a.sampler)}
    fps, frames, sched = pipe.clip.fps, pipe.clip.frames, pipe.schedule
    ts_all = ddim_timesteps(sched, a.steps)
    rows = {}
    for t0 in a.t0:
        ts = ts_all[ts_all <= t0]
        counts = {"own audio": [], "other clip's audio": []}
        g = torch.Generator().manual_seed(0)
        for batch in collated_batches(ds, a.n, 16):
            v, m = pipe.autoencoder.encode(batch["video"]), batch["mel"]
            bounces = [visible_bounces(batch["event_times"][j], batch["event_ids"][j], batch["event_kinds"][j],
                                       int(batch["n_events"][j]), fps, frames) for j in range(len(v))]
            if a.scene in ("keyframe", "shared-noise"):  # stage 1: A2V with the clip's own audio, all steps
                z = draw_noise(torch.empty_like(v[:, :, :1] if a.scene == "shared-noise" else v), g).expand_as(v).contiguous()
                with torch.no_grad(), torch.autocast("cpu", torch.bfloat16):
                    v = sample_ddim(pipe.unet, sched, z, draw_noise(torch.empty_like(m), g), ts_all, known="audio", cond=m,
                                    generator=g, progress=False, **cond).video.float()
            if a.scene in ("truth-still", "keyframe"): v = still(v)
            nv = sched.video_noise(draw_noise(torch.empty_like(v), g))
            xv = sched.add_noise(v, nv, torch.full((len(v),), int(ts[0]), dtype=torch.long))
            for name, mel in (("own audio", m), ("other clip's audio", torch.roll(m, 1, 0))):
                with torch.no_grad(), torch.autocast("cpu", torch.bfloat16):
                    lat = sample_ddim(pipe.unet, sched, xv, draw_noise(torch.empty_like(m), g), ts, known="audio", cond=mel,
                                      generator=g, progress=False, **cond).video
                fr = pipe.autoencoder.decode(lat.float()).float()
                for j in range(len(v)):
                    mt, mid = motion_events(fr[j].transpose(0, 1), fps)
                    counts[name].append(_bounce_match(mt, mid, *bounces[j], 0.1))
        rows[t0] = {"start_t": int(ts[0]), **{k: vars(SyncRow.from_counts(np.array(c))) for k, c in counts.items()}}
        print(f"t0 = {t0} (from t = {int(ts[0])}, {len(ts)} steps): " + "; ".join(f"{k} {r['f1']:.3f} [{r['low']:.3f}, {r['high']:.3f}] "
              f"({r['hits']:.0f} / {r['detected']:.0f} / {r['events']:.0f})" for k, r in rows[t0].items() if k != "start_t"), flush=True)
    if a.out: Path(a.out).write_text(json.dumps(dict(run=a.run, checkpoint=a.checkpoint, scene=a.scene, sampler=cond, n=a.n, steps=a.steps, rows=rows), indent=1) + "\n")

if __name__ == "__main__": main()
