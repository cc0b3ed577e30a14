"""Does torch.compile pay for sampling? The U-Net's forward eager and compiled, timed in turn on the same machine.

Builds the preset's untrained U-Net and a compiled copy (`--mode`, static shapes), runs the compile once (its time is
printed), then alternates: `--rounds` rounds, each timing `--calls` calls of the eager model and then of the compiled
one, and reports each round's best and the overall best per model. Alternating keeps a busy machine from favouring
one side.

    python -m benchmarks.system.compile                                  # paper-128, batch 1, bf16, CPU
    python -m benchmarks.system.compile --device cuda --batch 8 --mode max-autotune-no-cudagraphs
"""
import copy, json, time

import torch

from cmmd.pipeline import CMMDPipeline
from benchmarks.common import autocast_for, device_sync, parser


def main():
    ap = parser(__doc__, threads=2, device=True, precision="bf16")
    ap.add_argument("--preset", default="paper-128")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--mode", default="default", help="torch.compile mode")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--calls", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    sync = device_sync(dev)
    pipe = CMMDPipeline.from_preset(a.preset).to(dev)
    eager = pipe.unet.eval()
    compiled = copy.deepcopy(eager)
    compiled.compile(mode=a.mode, dynamic=False)
    c, f, side = eager.config.latent_channels, pipe.clip.frames, pipe.clip.size // pipe.autoencoder.downsample
    lat = torch.randn(a.batch, c, f, side, side, device=dev)
    mel = torch.randn(a.batch, 1, eager.config.n_mels, 112, device=dev)
    t = torch.full((a.batch,), 500, device=dev)
    autocast = autocast_for(dev, a.precision)()

    def best(model) -> float:
        ts = []
        for _ in range(a.calls):
            sync(); t0 = time.perf_counter(); model(lat, mel, t); sync(); ts.append(time.perf_counter() - t0)
        return min(ts)

    with torch.no_grad(), autocast:
        t0 = time.perf_counter(); compiled(lat, mel, t); sync(); compile_s = time.perf_counter() - t0
        eager(lat, mel, t)
        rounds = {"eager": [], "compiled": []}
        for _ in range(a.rounds):
            for name, model in (("eager", eager), ("compiled", compiled)): rounds[name].append(best(model))
    print(f"{a.preset} U-Net forward, batch {a.batch}, {a.precision}, {dev}, {torch.get_num_threads()} threads; "
          f"torch.compile mode {a.mode}: compiled in {compile_s:.1f} s")
    for k, v in rounds.items():
        print(f"  {k:<9} " + " ".join(f"{1e3 * x:8.1f}" for x in v) + f"   best {1e3 * min(v):.1f} ms")
    print(json.dumps(dict(preset=a.preset, batch=a.batch, precision=a.precision, mode=a.mode, device=str(dev),
                          compile_s=compile_s, ms={k: [1e3 * x for x in v] for k, v in rounds.items()})))


if __name__ == "__main__":
    main()
