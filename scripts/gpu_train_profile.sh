#!/usr/bin/env bash
# Where a paper-128 training step spends its time on a GPU, and what torch.compile and channels-last change; at most
# 9 minutes on one H100/H200, from the repository root, after (or instead of) scripts/gpu_check.sh:
#
#   bash scripts/gpu_train_profile.sh [OUT_DIR]          # default OUT_DIR: gpu-check/
#
# Every step is `python -m benchmarks.system.train` with the aist-128 config on synthetic clips, batch 32, bf16,
# CMMD (η = 0.1, 36 clip passes a step); each prints seconds per step, clips/s, peak memory, TFLOP/s, MFU and the
# first step's time; its log goes to OUT_DIR/NAME.log as it runs and its figures to OUT_DIR/NAME.json (copy those to
# benchmarks/results/train-cuda-NAME.json for the performance page's targets). In order of what matters (the
# roofline of `python -m benchmarks.system.roofline` puts eager training's MFU ceiling at 33 % and a fused step's at
# 72 % on an H100):
# 1. train_latents: latents already on the device (training from a latent cache, without its I/O), eager;   (75 s)
# 2. train_latents_compiled: the same with the U-Net under torch.compile (mode default); the first step's time is
#    the compile time (on a 2-core CPU it was 450 s; a GPU host compiles Triton kernels on all its cores); (limit 240 s)
# 3. train_latents_graphs: the same under mode reduce-overhead (CUDA graphs as well; Inductor's cache from step 2
#    shortens its compile);                                                                           (limit 120 s)
# 4. train_phases: the loop's own DataLoader and frame encoding, each phase timed (data, encode, noise, forward,
#    backward, optimizer; synchronising between phases), and torch.profiler over the last step: the 30 kernels with
#    the most device time and the time per kind;                                                       (limit 100 s)
# 5. only with GPU_PROFILE_LAYOUT=1 (it does not fit the 9 minutes with the rest): train_latents_cl, step 1 with
#    convolution weights and activations channels-last, profiled (70 s), and denoiser_layout, the denoiser rows of
#    `python -m benchmarks.system.suite` for paper-128, eager and CUDA-graphed, contiguous and channels-last, at
#    batch 1 and 8                                                                                            (60 s).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-gpu-check}; mkdir -p "$out"
export PYTHONUNBUFFERED=1
python -c "import cmmd" 2>/dev/null || export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" || {
  echo "gpu_train_profile: no CUDA device visible to torch"; exit 1; }
bench=(python -m benchmarks.system.train --config aist-128 --data synthetic --device cuda --batch 32 --mixed_precision bf16
       --only cmmd)
failed=()
step() {  # name limit_s command...: the log is written as the step runs, and its summary printed after
  local name=$1 limit=$2; shift 2
  local t0=$(date +%s)
  echo "== $name (limit ${limit} s)"
  timeout "$limit" "$@" > "$out/$name.log" 2>&1
  local rc=$?
  grep -v '^{"config' "$out/$name.log" | grep -v -i warn | tail -n 50
  echo "== $name: exit $rc after $(( $(date +%s) - t0 )) s"
  [ $rc -eq 0 ] || failed+=("$name (exit $rc)")
}
step train_latents 75 "${bench[@]}" --json-out "$out/train_latents.json" --source latents --steps 5 --warmup 2
step train_latents_compiled 240 "${bench[@]}" --json-out "$out/train_latents_compiled.json" --source latents --steps 5 --warmup 1 --compile default
step train_latents_graphs 120 "${bench[@]}" --json-out "$out/train_latents_graphs.json" --source latents --steps 5 --warmup 2 --compile reduce-overhead
step train_phases 100 "${bench[@]}" --json-out "$out/train_phases.json" --steps 3 --warmup 2 --phases --profile 30
if [ "${GPU_PROFILE_LAYOUT:-0}" = 1 ]; then
  step train_latents_cl 70 "${bench[@]}" --json-out "$out/train_latents_cl.json" --source latents --steps 5 --warmup 2 --channels-last --profile 20
  step denoiser_layout 60 python -m benchmarks.system.suite --device cuda --precision bf16 --presets paper-128 --skip generation \
    training --channels-last --json-out "$out/bench-cuda-bf16-layout.json"
fi
if [ ${#failed[@]} -eq 0 ]; then echo "gpu_train_profile: all steps passed"; else echo "gpu_train_profile: FAILED: ${failed[*]}"; exit 1; fi
