"""Where does the video branch use the audio? For 32 held-out clips (data_seed 777), the video's v-loss with its own
clip's audio and with another clip's (clean condition, the same noise), split into the wall band (the latent pixels
the synthetic clips' walls cover, where a contact flashes) and the interior (where the objects move), and into the
frames that show an audible contact and the others. `python experiments/a2v_levers/gap_where.py <run> [--t 200 500]`"""
import argparse, json
from pathlib import Path
import torch
from cmmd.data import SyntheticAVDataset
from cmmd.training import load_config, _synthetic_config, run_pipeline

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("run"); ap.add_argument("--t", type=int, nargs="+", default=[200, 500, 800])
    ap.add_argument("--checkpoint", default=None, help="a checkpoint folder whose EMA weights to use (default: the pipeline)")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    run = Path(a.run)
    cfg = load_config(str(run / "config.yaml"))
    pipe = run_pipeline(run, a.checkpoint)
    scfg = _synthetic_config(cfg, pipe.clip)
    ds = SyntheticAVDataset(scfg, length=32, seed=777, mel_preset=pipe.mel)
    b = torch.utils.data.default_collate([ds[i] for i in range(32)])
    v, m = pipe.autoencoder.encode(b["video"]), b["mel"]
    n, f, h = v.shape[0], v.shape[2], v.shape[3]
    band = max(1, round(scfg.wall * h + 0.5))  # latent pixels touched by the wall (wall of 0.04 × 64 px over 4 px: 1)
    wall = torch.zeros(h, h, dtype=torch.bool); wall[:band] = wall[-band:] = True; wall[:, :band] = wall[:, -band:] = True
    contact = torch.zeros(n, f, dtype=torch.bool)  # frames showing an audible, visible contact
    for i in range(n):  # the frame nearest each heard event (the demo's clips have no off-screen sounds)
        for tau in b["event_times"][i, :int(b["n_events"][i])].tolist():
            k = int(tau * scfg.fps + 0.5)
            if 0 <= k < f: contact[i, k] = True
    g = torch.Generator().manual_seed(0)
    nv = pipe.schedule.video_noise(torch.randn(v.shape, generator=g))
    rows = []
    for t in a.t:
        tb = torch.full((n,), t, dtype=torch.long)
        xt, vt = pipe.schedule.add_noise(v, nv, tb), pipe.schedule.velocity(v, nv, tb)
        ts = torch.stack([tb, torch.zeros_like(tb)], 1)
        err = {}
        with torch.no_grad(), torch.autocast("cpu", torch.bfloat16):
            for name, c in (("own", m), ("other", torch.roll(m, 1, 0))):
                err[name] = (pipe.unet(xt, c, ts)[0].float() - vt).pow(2).mean(1)  # n f h w
        row = dict(t=t)
        for region, mask in (("wall band", wall.expand(n, f, h, h)), ("interior", (~wall).expand(n, f, h, h)),
                             ("contact frames", contact[:, :, None, None].expand(n, f, h, h)),
                             ("other frames", (~contact)[:, :, None, None].expand(n, f, h, h))):
            own, other = err["own"][mask].sum(), err["other"][mask].sum()
            row[region] = dict(own=float(own / mask.sum()), other=float(other / mask.sum()),
                               gap=float(100 * (other / own - 1)), share_of_extra=float((other - own) / (err["other"].sum() - err["own"].sum())))
        rows.append(row)
        print(f"t = {t}: " + "; ".join(f"{k} gap {r['gap']:+.0f} % ({100 * r['share_of_extra']:.0f} % of the extra error)"
                                        for k, r in row.items() if k != "t"), flush=True)
    if a.out: Path(a.out).write_text(json.dumps(dict(run=str(run), checkpoint=a.checkpoint, wall_band_pixels=band,
                                                    contact_frames=int(contact.sum()), rows=rows), indent=1) + "\n")

if __name__ == "__main__": main()
