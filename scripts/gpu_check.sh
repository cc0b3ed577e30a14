#!/usr/bin/env bash
# The GPU checks of cmmd, in under 10 minutes on one H100/H200, from the repository root:
#
#   bash scripts/gpu_check.sh [OUT_DIR]          # default OUT_DIR: gpu-check/
#
# 1. `nbdev_test --flags cuda` (the CUDA cells of 03_latents, 05_negatives, 09_sampler, and every fast test on the GPU
#    machine's own CPU);                                                                          (limit 140 s)
# 2. the benchmark on the GPU in bf16 with every sampler step count run in full and training at batch 32:
#    parameters, GFLOP per forward, ms per denoiser evaluation, V2A/A2V seconds per 1.8 s and 3.6 s clip (input,
#    denoiser, output), training clips/s, peak memory and MFU, and the issue-8 targets met or not;  (limit 200 s)
#    then the paper-128 denoiser again with `torch.compile` (mode default): compile time and ms per evaluation; (80 s)
# 3. a 200-step `paper-128` training smoke run on synthetic clips through `accelerate launch cmmd/train.py`, bf16,
#    batch 32, with a checkpoint at step 150 and a resume for the last 50 steps.                 (limits 120 s + 50 s)
# Each step's log goes to OUT_DIR (nbdev_test.log, bench.log + bench-cuda-bf16.json, bench_compile.log, train.log); a step that fails or
# runs out of time is reported and the next one still runs. The script exits non-zero if any step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-gpu-check}; mkdir -p "$out"
export PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null || {
  echo "gpu_check: no CUDA device visible to torch (python -c 'import torch; print(torch.cuda.is_available())')"; exit 1; }
# cmmd and its test tools, on top of whatever torch the machine has (torch itself is not reinstalled)
python -c "import cmmd, nbdev" 2>/dev/null || pip install -q -e ".[dev]" || { echo "gpu_check: pip install -e .[dev] failed"; exit 1; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"
failed=()
step() {  # name limit_s command...
  local name=$1 limit=$2; shift 2
  local t0=$(date +%s)
  echo "== $name (limit ${limit} s): $*"
  timeout "$limit" "$@" > "$out/$name.log" 2>&1
  local rc=$?
  tail -n 40 "$out/$name.log"
  echo "== $name: exit $rc after $(( $(date +%s) - t0 )) s"
  [ $rc -eq 0 ] || failed+=("$name (exit $rc$([ $rc -eq 124 ] && echo ', timed out'))")
}
step nbdev_test 140 nbdev_test --flags cuda --n_workers 8
step bench 200 python benchmarks/bench.py --device cuda --precision bf16 --full --train-batch 32 --train-steps 10 \
  --json-out "$out/bench-cuda-bf16.json"
step bench_compile 80 python benchmarks/bench.py --device cuda --precision bf16 --compile default --presets paper-128 \
  --skip generation training --json-out "$out/bench-cuda-bf16-compiled.json"
train=(accelerate launch --num_processes 1 --mixed_precision bf16 cmmd/train.py --config aist-128 --data synthetic --context 0.8
       --output_dir "$out/smoke" --batch_size 32 --num_workers 4 --warmup_steps 20 --checkpoint_every 150
       --val_every 100 --val_clips 32 --sample_every 200 --n_samples 2 --eval_clips 8 --time_limit 4 --quiet)
step train 120 "${train[@]}" --max_steps 150
step train_resume 50 "${train[@]}" --max_steps 200 --resume latest
[ -f "$out/smoke/metrics.jsonl" ] && python - "$out/smoke/metrics.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
steps = [r for r in rows if "loss" in r]
if steps: print(f"smoke run: {len(steps)} logged steps, last step {steps[-1]['step']}, loss {steps[0]['loss']:.4f} → {steps[-1]['loss']:.4f}")
PY
if [ ${#failed[@]} -eq 0 ]; then echo "gpu_check: all steps passed"; else echo "gpu_check: FAILED: ${failed[*]}"; exit 1; fi
