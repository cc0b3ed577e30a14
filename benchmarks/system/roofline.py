"""Roofline of a paper-128 training step: FLOPs and bytes of every operator, and the MFU they allow on a GPU.

A training step's time on a GPU is at least the sum, over its kernels, of the larger of (FLOPs / peak FLOP/s) and
(bytes read and written / peak memory bandwidth). This script runs one U-Net forward and backward on the meta device
(shapes only, nothing computed, a few seconds on a CPU) and records, for every ATen operator that does work, its FLOPs
(the formulas of `torch.utils.flop_counter`) and the bytes of its tensor inputs and outputs. It emulates CUDA bf16
autocast: convolutions, linear layers, matrix products and attention run in bf16 on bf16 copies of their fp32
inputs, group and layer norms run in fp32, everything else in the dtype it is given; attention is the flash kernel
(the one PyTorch picks on an H100 in bf16). It prints, per kind of operator, the calls, TFLOP, GB and the roofline
milliseconds, then two ceilings on MFU (achieved FLOP/s over the bf16 dense peak):

- eager: every operator is its own kernel, each at the roofline (full peak compute or full bandwidth, no launch cost);
- fused: only the convolutions, matrix products and attention move memory: every norm, activation, add and copy
  fused into them (the best any compiler could do without changing the kernels' own traffic).

A measured MFU below the eager ceiling is lost to launches, host work and kernels below their roofline; the fused
ceiling is what `torch.compile` can at most reach. The optimizer's traffic is added from the parameter count (fused
AdamW on fp32 weights, gradient clipping and the EMA).

    python -m benchmarks.system.roofline                     # aist-128 step: batch 32 + 4 negative pairs, H100
    python -m benchmarks.system.roofline --batch 8 --gpu h200 --top 20
    python -m benchmarks.system.roofline --plain-norms         # with torch.nn's norms (fp32 under autocast)
"""
import collections, json

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry

from torch import nn

from cmmd.unet import CMMDUNet, GroupNorm, LayerNorm
from benchmarks.common import GPUS, parser

LOW = {torch.conv1d, torch.conv2d, torch.conv3d, F.conv1d, F.conv2d, F.conv3d, F.linear, torch.matmul, torch.bmm,
       torch.mm, torch.addmm, torch.baddbmm, F.scaled_dot_product_attention}  # autocast's bf16 list (the ones used here)
FP32 = {F.group_norm, F.layer_norm, torch.group_norm, torch.layer_norm}  # autocast's fp32 list
KIND = {"convolution": "matmul/conv", "convolution_backward": "matmul/conv", "mm": "matmul/conv", "addmm": "matmul/conv",
        "bmm": "matmul/conv", "baddbmm": "matmul/conv",
        "_scaled_dot_product_flash_attention": "attention", "_scaled_dot_product_flash_attention_backward": "attention",
        "native_group_norm": "norm", "native_group_norm_backward": "norm", "native_layer_norm": "norm",
        "native_layer_norm_backward": "norm", "clone": "copy/layout", "copy_": "copy/layout", "cat": "copy/layout",
        "slice_backward": "copy/layout", "select_backward": "copy/layout", "_to_copy": "dtype cast",
        "upsample_nearest2d": "resample", "upsample_nearest2d_backward": "resample",
        "upsample_linear1d": "resample", "upsample_linear1d_backward": "resample"}
HEAVY = {"matmul/conv", "attention"}


def flash_sdpa(q, k, v, *a, **kw):
    "Attention as the flash kernel (its own forward and backward), not the math fallback the meta device would use."
    return torch.ops.aten._scaled_dot_product_flash_attention(q, k, v)[0]


class Autocast(TorchFunctionMode):
    "CUDA bf16 autocast's casts, for the meta device (where `torch.autocast` does not apply)."
    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        to = torch.bfloat16 if func in LOW else torch.float32 if func in FP32 else None
        if to is not None:
            cast = lambda x: x.to(to) if isinstance(x, torch.Tensor) and x.is_floating_point() and x.dtype != to else x
            args, kwargs = torch.utils._pytree.tree_map(cast, (args, kwargs))
        if func is F.scaled_dot_product_attention: return flash_sdpa(*args, **kwargs)
        return func(*args, **kwargs)


class Roofline(TorchDispatchMode):
    "FLOPs and bytes of every ATen operator that does work (views excluded)."
    def __init__(self):
        super().__init__()
        self.ops = collections.defaultdict(lambda: [0, 0.0, 0.0])  # name -> calls, flops, bytes

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        name = func._schema.name.split("::")[-1]
        if func.is_view or name in ("detach", "_unsafe_view", "empty", "zeros_like", "empty_like", "lift_fresh"): return out
        flops = flop_registry[func._overloadpacket](*args, **kwargs, out_val=out) if func._overloadpacket in flop_registry else 0
        seen, nbytes = set(), 0
        for x in torch.utils._pytree.tree_leaves((args, kwargs, out)):
            if isinstance(x, torch.Tensor) and id(x) not in seen:
                seen.add(id(x)); nbytes += x.numel() * x.element_size()
        r = self.ops[name]; r[0] += 1; r[1] += flops; r[2] += nbytes
        return out


def count(batch: int, preset: str = "paper-128", latent_channels: int = 32, frames: int = 18, side: int = 16,
          mel: tuple = (80, 112), plain_norms: bool = False, unet_config: dict | None = None) -> tuple:
    """Per-operator (calls, FLOPs, bytes) of one forward and backward at `batch`, and the U-Net's parameter count
    (the preset's U-Net, or one built from `unet_config`, a `CMMDUNet.config`)."""
    if unet_config is None: unet = CMMDUNet.from_preset(preset, latent_channels=latent_channels)
    else:
        with torch.device("meta"): unet = CMMDUNet(**{k: v for k, v in unet_config.items() if not k.startswith("_")})
        latent_channels = unet.config.latent_channels
    unet = unet.to("meta").train()
    if plain_norms:  # torch.nn's norms, which autocast runs in fp32 (the U-Net's own keep bf16 activations in bf16)
        for m in unet.modules():
            if isinstance(m, GroupNorm): m.__class__ = nn.GroupNorm
            elif isinstance(m, LayerNorm): m.__class__ = nn.LayerNorm
    v = torch.randn(batch, latent_channels, frames, side, side, device="meta")
    m = torch.randn(batch, 1, *mel, device="meta")
    t = torch.zeros(batch, dtype=torch.long, device="meta")
    roof = Roofline()
    with roof, Autocast():
        ov, om = unet(v, m, t)
        loss = F.mse_loss(ov.float(), v) + F.mse_loss(om.float(), m)
        loss.backward()
    return dict(roof.ops), sum(p.numel() for p in unet.parameters())


def report(ops: dict, params: int, gpu: dict, top: int) -> dict:
    peak, bw = gpu["tflops"] * 1e12, gpu["tbps"] * 1e12
    kinds = collections.defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    for name, (n, f, b) in ops.items():
        k = KIND.get(name, "elementwise/reduction")
        kinds[k][0] += n; kinds[k][1] += f; kinds[k][2] += b; kinds[k][3] += max(f / peak, b / bw)
    # the optimizer, per fp32 parameter: fused AdamW reads p, g, m, v and writes p, m, v (28 B); clipping reads g (4 B);
    # the EMA reads its copy and p and writes its copy (12 B). (Autocast's weight casts are counted as dtype casts.)
    opt_bytes = params * (28 + 4 + 12)
    kinds["optimizer, clipping, EMA"] = [0, 0.0, float(opt_bytes), opt_bytes / bw]
    flops = sum(v[1] for v in kinds.values())
    eager = sum(v[3] for v in kinds.values())
    fused = sum(max(f / peak, b / bw) for name, (n, f, b) in ops.items() if KIND.get(name) in HEAVY) + opt_bytes / bw
    compute_only = flops / peak
    out = dict(gpu=gpu["name"], peak_tflops=gpu["tflops"], bandwidth_tbps=gpu["tbps"], tflop=flops / 1e12,
               gb=sum(v[2] for v in kinds.values()) / 1e9, params_m=params / 1e6,
               kinds={k: dict(calls=v[0], tflop=v[1] / 1e12, gb=v[2] / 1e9, roofline_ms=1e3 * v[3]) for k, v in kinds.items()},
               eager_ms=1e3 * eager, eager_mfu_ceiling=compute_only / eager,
               fused_ms=1e3 * fused, fused_mfu_ceiling=compute_only / fused, compute_ms=1e3 * compute_only,
               top=[dict(op=k, calls=n, tflop=f / 1e12, gb=b / 1e9, roofline_ms=1e3 * max(f / peak, b / bw))
                    for k, (n, f, b) in sorted(ops.items(), key=lambda kv: -max(kv[1][1] / peak, kv[1][2] / bw))[:top]])
    return out


def main():
    ap = parser(__doc__)
    ap.add_argument("--batch", type=int, default=36, help="clip passes per step (aist-128: 32 clips + 2 × 2 negative pairs)")
    ap.add_argument("--gpu", default="h100", choices=list(GPUS), type=str.lower)
    ap.add_argument("--top", type=int, default=12, help="operators listed by roofline time")
    ap.add_argument("--plain-norms", action="store_true", help="torch.nn's GroupNorm/LayerNorm instead of the U-Net's own "
                    "(autocast then runs them in fp32, with activation-sized dtype copies around them)")
    ap.add_argument("--json", action="store_true", help="print one JSON object only")
    a = ap.parse_args()
    ops, params = count(a.batch, plain_norms=a.plain_norms)
    r = report(ops, params, GPUS[a.gpu], a.top)
    r["batch"], r["plain_norms"] = a.batch, a.plain_norms
    if a.json: print(json.dumps(r)); return
    print(f"paper-128 training step, {a.batch} clip passes, forward + backward, bf16 autocast"
          f"{' (torch.nn norms)' if a.plain_norms else ''}, on an {r['gpu']} "
          f"({r['peak_tflops']:.0f} TFLOP/s bf16, {r['bandwidth_tbps']} TB/s)")
    print(f"  {r['tflop']:.2f} TFLOP, {r['gb']:.1f} GB read and written, {r['params_m']:.1f} M parameters")
    print(f"  {'kind':<36} {'calls':>6} {'TFLOP':>7} {'GB':>7} {'roofline ms':>12}")
    for k, v in sorted(r["kinds"].items(), key=lambda kv: -kv[1]["roofline_ms"]):
        print(f"  {k:<36} {v['calls']:6d} {v['tflop']:7.2f} {v['gb']:7.1f} {v['roofline_ms']:12.2f}")
    print("  top operators by roofline time:")
    for v in r["top"]: print(f"    {v['op']:<44} {v['calls']:5d} calls {v['tflop']:7.2f} TFLOP {v['gb']:7.1f} GB {v['roofline_ms']:7.2f} ms")
    print(f"  compute alone at peak: {r['compute_ms']:.1f} ms")
    print(f"  eager ceiling: {r['eager_ms']:.1f} ms a step, MFU ≤ {100 * r['eager_mfu_ceiling']:.1f} %")
    print(f"  fused ceiling: {r['fused_ms']:.1f} ms a step, MFU ≤ {100 * r['fused_mfu_ceiling']:.1f} %")
    print(json.dumps({k: v for k, v in r.items() if k != "top"}))


if __name__ == "__main__":
    main()
