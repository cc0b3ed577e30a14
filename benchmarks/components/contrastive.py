"""Long overfitting runs of Eq. 6 (unbounded) against its bounded variant and nCMMD on one synthetic batch: positive and negative losses over steps.

    python -m benchmarks.components.contrastive [--threads 1] [--steps 150] [--every 30] [--eta 0.1] [--lr 3e-3]

The setting is the one of the overfitting test in nbs/08_contrastive.ipynb (tiny U-Net, four synthetic clips,
video 3x18x4x4, mel 1x16x56, fixed timesteps and noises, negatives from make_negatives), run for longer.
"""
import time

import torch
import torch.nn.functional as F

from cmmd.contrastive import contrastive_loss
from cmmd.data import SyntheticAVConfig, SyntheticAVDataset
from cmmd.diffusion import NoiseSchedule
from cmmd.negatives import NegativeConfig, make_negatives
from cmmd.unet import CMMDUNet
from benchmarks.common import parser


def main():
    p = parser(__doc__, threads=1)
    p.add_argument("--steps", type=int, default=150, help="Adam steps per run")
    p.add_argument("--every", type=int, default=30, help="print the losses every this many steps")
    p.add_argument("--eta", type=float, default=0.1, help="contrastive weight of the two CMMD runs")
    p.add_argument("--lr", type=float, default=3e-3)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    ds = SyntheticAVDataset(SyntheticAVConfig(), length=4, seed=0)
    batch = [ds[i] for i in range(4)]
    video = F.avg_pool3d(torch.stack([x["video"] for x in batch]) * 2 - 1, (1, 16, 16))  # b 3 18 4 4
    mel = F.avg_pool2d(torch.stack([x["mel"] for x in batch]), (5, 2))  # b 1 16 56
    g = torch.Generator().manual_seed(0)
    negs = make_negatives(video, mel, cfg=NegativeConfig(edge="roll", mel_hop_seconds=0.032), generator=g)
    fixed = dict(t=torch.tensor([100, 300, 500, 700]), noise_video=torch.randn(video.shape, generator=g),
                 noise_mel=torch.randn(mel.shape, generator=g))
    sch = NoiseSchedule()
    print(f"{'run':<16}{'step':>6}{'objective':>11}{'positive':>10}{'neg audio':>11}{'neg video':>11}")
    for name, eta, bounded in [("nCMMD", 0.0, False), ("CMMD Eq. 6", a.eta, False), ("CMMD bounded", a.eta, True)]:
        torch.manual_seed(0)
        model = CMMDUNet.from_preset("tiny", latent_channels=3, n_mels=16)
        opt = torch.optim.Adam(model.parameters(), lr=a.lr)
        t0 = time.perf_counter()
        for step in range(1, a.steps + 1):
            o = contrastive_loss(model, video, mel, negs.audio, negs.video, eta=eta, bounded=bounded, schedule=sch, **fixed)
            opt.zero_grad(); o.loss.backward(); opt.step()
            if step % a.every == 0 or step == a.steps:  # the losses after this step
                with torch.no_grad():
                    d = contrastive_loss(model, video, mel, negs.audio, negs.video, eta=eta or a.eta, bounded=bounded,
                                         schedule=sch, **fixed).logs()
                objective = d["joint"] if eta == 0 else d["loss"]
                print(f"{name:<16}{step:>6}{objective:>11.3f}{d['joint']:>10.3f}{d['neg_audio']:>11.3f}{d['neg_video']:>11.3f}")
        print(f"{name:<16} {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
