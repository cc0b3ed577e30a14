"""How much does the video branch mix frames? A2V (clean audio), 8 held-out clips (data_seed 777): one frame's noisy
input is perturbed and the change of the x0 estimate is measured at every frame, relative to the perturbed frame's;
plus the norms of the temporal layers' output weights. A model that has learnt that a clip's frames share one scene
moves the far frames too. `python experiments/frame_mixing.py runs/demo` (its newest checkpoint's EMA weights);
without a run: the untrained demo U-Net (all zeros: no mixing yet)."""
import sys, torch
from safetensors.torch import load_file
from cmmd.training import load_config, build_pipeline, _synthetic_config
from cmmd.data import SyntheticAVDataset
torch.manual_seed(0)
run = sys.argv[1] if len(sys.argv) > 1 else None
cfg = load_config(f"{run}/config.yaml") if run else load_config()
pipe = build_pipeline(cfg)
if run:
    from cmmd.training import list_checkpoints; ck = list_checkpoints(run)[-1]; print(ck)
    pipe.unet.load_state_dict(load_file(f"{ck}/ema.safetensors"))
unet = pipe.unet.eval()
ds = SyntheticAVDataset(_synthetic_config(cfg, pipe.clip), length=8, seed=777, mel_preset=pipe.mel)
b = torch.utils.data.default_collate([ds[i] for i in range(8)])
v, m = pipe.autoencoder.encode(b["video"]), b["mel"]
norms = {}
for n, p in unet.named_parameters():
    if ("temporal_conv.conv.weight" in n) or ("temporal_attn.to_out.weight" in n):
        k = "conv" if "conv" in n else "attn"; norms.setdefault(k, []).append(round(p.norm().item(), 3))
print("temporal output weight norms", norms)
for t in (200, 500, 800, 950):
    tb = torch.full((8,), t); noise = torch.randn_like(v)
    xt = pipe.schedule.add_noise(v, noise, tb)
    ts = torch.stack([tb, torch.zeros_like(tb)], 1)  # A2V: clean audio
    with torch.no_grad():
        sch = pipe.schedule
        o = sch.x0_from_v(xt, unet(xt, m, ts).video, tb)
        x2 = xt.clone(); x2[:, :, 8] += 0.5 * torch.randn_like(x2[:, :, 8])
        d = (sch.x0_from_v(x2, unet(x2, m, ts).video, tb) - o).pow(2).mean((0, 1, 3, 4)).sqrt()
    print(t, "x0-pred rel. change at frames 0..17 (perturbed: 8):", " ".join(f"{x:.3f}" for x in (d / d[8]).tolist()))
