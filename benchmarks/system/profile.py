"""Where the time goes: torch.profiler over one demo training step and one paper-128 sampler step.

Prints, for each workload, the operators with the most self time and the same time grouped into kinds (convolution,
attention, matrix products, normalisation, element-wise, copies, other), so the next optimisation targets what
dominates. Run it before and after a change.

    python -m benchmarks.system.profile [--device cpu|cuda] [--precision fp32|bf16] [--threads 2] [--rows 12] [--out FILE]
"""
import io, sys
from contextlib import redirect_stdout
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

from cmmd.core import keep_freed_memory
from cmmd.pipeline import CMMDPipeline, mel_frames_covering
from cmmd.media import mel_preset
from cmmd.sampler import sample
from cmmd.training import load_config, build_pipeline, build_datasets, train_step, _negative_config, SeededItems, StepBatches
from benchmarks.common import autocast_for, parser

KINDS = [("convolution", ("conv",)), ("attention", ("attention", "sdpa", "softmax")), ("matrix products", ("mm", "addmm", "bmm", "matmul", "linear")),
         ("normalisation", ("norm",)), ("copies and layout", ("copy", "cat", "contiguous", "clone", "to_copy", "permute", "transpose")),
         ("element-wise", ("add", "mul", "silu", "sigmoid", "gelu", "div", "sub", "exp", "sqrt", "pow", "neg", "where", "fill", "sum", "mean"))]


def kind(name: str) -> str:
    n = name.lower()
    return next((k for k, keys in KINDS if any(key in n for key in keys)), "other")


def summarise(prof, device: str, rows: int) -> str:
    "Top operators by self time and the time per kind."
    attr = "self_device_time_total" if device == "cuda" else "self_cpu_time_total"
    events = [e for e in prof.key_averages() if getattr(e, attr) > 0]
    total = sum(getattr(e, attr) for e in events)
    by_kind = {}
    for e in events: by_kind[kind(e.key)] = by_kind.get(kind(e.key), 0) + getattr(e, attr)
    lines = [f"total self time {total / 1e3:.1f} ms", "by kind:"]
    lines += [f"  {k:<20}{v / 1e3:>10.1f} ms {v / total:>7.1%}" for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1])]
    lines.append(f"top {rows} operators:")
    for e in sorted(events, key=lambda e: -getattr(e, attr))[:rows]:
        lines.append(f"  {e.key[:52]:<52}{getattr(e, attr) / 1e3:>10.1f} ms {getattr(e, attr) / total:>7.1%}  × {e.count}")
    return "\n".join(lines)


def training_step(dev, autocast):
    "A closure running one CMMD training step of the demo config (batch 8, two negative pairs per direction)."
    cfg = load_config(None, {})
    pipe = build_pipeline(cfg)
    unet, ae, sch = pipe.unet.to(dev).train(), pipe.autoencoder.to(dev), pipe.schedule
    ds = build_datasets(cfg, pipe.clip, pipe.mel)["train"]
    items, negcfg = SeededItems(ds), _negative_config(cfg, pipe.clip, pipe.mel)
    batch = torch.utils.data.default_collate([items[k] for k in next(iter(StepBatches(len(ds), cfg.batch_size, 0, 0, 1)))])
    def run():
        train_step(unet, batch, ae, cfg, sch, negcfg, torch.Generator().manual_seed(0), None, dev, autocast, torch.Tensor.backward)
        unet.zero_grad(set_to_none=True)
    return run


def sampler_step(dev, autocast, preset="paper-128"):
    "A closure running one V2A DDIM step (λ = 0) of a 1.8 s clip with `preset`."
    pipe = CMMDPipeline.from_preset(preset).to(dev)
    pipe.unet.eval()
    c = pipe.clip
    frames = torch.rand(1, 3, c.frames, c.size, c.size, device=dev)
    with torch.no_grad(): lat = pipe.autoencoder.encode(frames)
    t = mel_frames_covering(round(c.frames / c.fps * c.sample_rate), mel_preset(pipe.mel).hop_length)
    def run():
        with torch.no_grad(), autocast():
            sample(pipe.unet, pipe.schedule, task="v2a", video=lat, mel_shape=(1, 1, pipe.unet.config.n_mels, t), steps=1,
                   generator=torch.Generator(dev).manual_seed(0), progress=False)
    return run


def main():
    ap = parser(__doc__, threads=2, device=True, precision="fp32")
    ap.add_argument("--rows", type=int, default=12)
    ap.add_argument("--out", default=None, help="also write the report to this file")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    if dev.type == "cpu": keep_freed_memory()  # as training does (TrainConfig.keep_cpu_memory)
    autocast = autocast_for(dev, a.precision)
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if dev.type == "cuda" else [])
    buf = io.StringIO()
    with redirect_stdout(buf):
        print(f"{a.device}, {a.threads} threads, {a.precision}, torch {torch.__version__}")
        for name, make in [("demo training step (CMMD, batch 8, 2+2 negative pairs; forward + backward)", training_step),
                           ("paper-128 V2A sampler step (1.8 s clip, batch 1, no gradient)", sampler_step)]:
            run = make(dev, autocast)
            run(); run()  # warm-up
            if dev.type == "cuda": torch.cuda.synchronize()
            with profile(activities=acts) as prof:
                run()
                if dev.type == "cuda": torch.cuda.synchronize()
            print(f"\n== {name}\n" + summarise(prof, dev.type, a.rows))
    text = buf.getvalue()
    print(text)
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(text)


if __name__ == "__main__":
    sys.exit(main())
