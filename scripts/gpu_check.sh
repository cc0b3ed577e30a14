#!/usr/bin/env bash
# The GPU checks of cmmd, in under 10 minutes on one H100/H200, from the repository root:
#
#   bash scripts/gpu_check.sh [OUT_DIR]          # default OUT_DIR: gpu-check/
#
# cmmd runs from this checkout on the machine's own CUDA build of torch: nothing is installed (`pip install -e .` would
# replace that torch with the pinned CPU one). The script stops at once, naming them, if Python packages are missing.
# In order of what matters most, each step with its own time limit:
# 1. the benchmark on the GPU in bf16, paper-128 first, every sampler step count run in full with λ = 0 (the U-Net
#    replayed from CUDA graphs), training at batch 32: parameters, GFLOP per forward, ms per denoiser evaluation (eager
#    and graphed), V2A/A2V seconds per 1.8 s and 3.6 s clip (input, denoiser, output), training clips/s, peak memory
#    and MFU (synthetic clips encoded every step, and latents already on the device), and the issue-8 targets met or
#    not;                                                                                                (limit 230 s)
#    then the λ > 0 rows for paper-128 (eager: the guidance needs the gradient), timed over 2 steps and scaled;  (40 s)
# 2. a 200-step `paper-128` training smoke run on synthetic clips through `accelerate launch cmmd/train.py`, bf16,
#    batch 32, with a checkpoint at step 150 and a resume for the last 50 steps;               (limits 150 s + 70 s)
# 3. `nbdev_test --flags cuda` on the notebooks that hold CUDA cells (03_latents, 05_negatives, 09_sampler); their
#    CPU tests run too. The whole CPU suite is CI's job.                                                (limit 100 s)
# 4. only with GPU_CHECK_COMPILE=1 (it does not fit the 10 minutes with the rest): the paper-128 denoiser under
#    `torch.compile` (mode default), compile time and ms per evaluation.                                (limit 180 s)
# Each step's log goes to OUT_DIR (bench.log + bench-cuda-bf16.json, bench_guided.log + bench-cuda-bf16-guided.json,
# train.log, train_resume.log, nbdev_test.log), the smoke run's folder to $GPU_CHECK_SMOKE_DIR (default
# OUT_DIR/smoke); a step that fails or runs out of time is reported and the next one still runs. The script exits
# non-zero if any step failed.
# Where a training step's time goes (profile, channels-last, torch.compile): scripts/gpu_train_profile.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-gpu-check}; mkdir -p "$out"
smoke=${GPU_CHECK_SMOKE_DIR:-$out/smoke}  # the smoke run's checkpoints, samples and metrics
export PYTHONUNBUFFERED=1
python -c "import cmmd" 2>/dev/null || export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
missing=$(python - <<'PY'
import importlib.util
mods = ("torch torchvision torchaudio numpy scipy einops diffusers accelerate safetensors librosa av soundfile "
        "matplotlib tqdm fastcore yaml nbdev execnb").split()
print(" ".join(m for m in mods if importlib.util.find_spec(m) is None))
PY
)
[ -z "$missing" ] || { echo "gpu_check: these Python packages are missing: $missing"; exit 1; }
python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" || {
  echo "gpu_check: no CUDA device visible to torch (python -c 'import torch; print(torch.cuda.is_available())')"; exit 1; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda)"
failed=()
step() {  # name limit_s command...
  local name=$1 limit=$2; shift 2
  local t0=$(date +%s)
  echo "== $name (limit ${limit} s): $*"
  timeout "$limit" "$@" > "$out/$name.log" 2>&1
  local rc=$?
  tail -n "${GPU_CHECK_TAIL:-30}" "$out/$name.log"
  echo "== $name: exit $rc after $(( $(date +%s) - t0 )) s"
  [ $rc -eq 0 ] || failed+=("$name (exit $rc$([ $rc -eq 124 ] && echo ', timed out'))")
}
step bench 230 python -m benchmarks.system.suite --device cuda --precision bf16 --full --lambdas 0 --train-batch 32 \
  --train-steps 8 --presets paper-128 paper-64 demo --json-out "$out/bench-cuda-bf16.json"
step bench_guided 40 python -m benchmarks.system.suite --device cuda --precision bf16 --lambdas 1 --presets paper-128 \
  --skip denoiser training --json-out "$out/bench-cuda-bf16-guided.json"
train=(accelerate launch --num_processes 1 --num_machines 1 --mixed_precision bf16 --dynamo_backend no cmmd/train.py
       --config aist-128 --data synthetic --context 0.8 --output_dir "$smoke" --batch_size 32 --num_workers 8
       --warmup_steps 20 --checkpoint_every 150 --val_every 100 --val_clips 32 --sample_every 200 --n_samples 1
       --eval_clips 4 --time_limit 4 --quiet)
step train 150 "${train[@]}" --max_steps 150
step train_resume 70 "${train[@]}" --max_steps 200 --resume latest
[ -f "$smoke/metrics.jsonl" ] && python - "$smoke/metrics.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
steps = [r for r in rows if "loss" in r]
if steps: print(f"smoke run: {len(steps)} logged steps, last step {steps[-1]['step']}, loss {steps[0]['loss']:.4f} → {steps[-1]['loss']:.4f}")
PY
nbs=$(grep -l '#| cuda' nbs/*.ipynb | xargs -n1 basename | paste -sd'|')
step nbdev_test 100 env OMP_NUM_THREADS=4 nbdev_test --flags cuda --n_workers 3 --file_re "^(${nbs//./\\.})$"
[ "${GPU_CHECK_COMPILE:-0}" = 1 ] && step bench_compile 180 python -m benchmarks.system.suite --device cuda --precision bf16 \
  --compile default --presets paper-128 --skip generation training --json-out "$out/bench-cuda-bf16-compiled.json"
if [ ${#failed[@]} -eq 0 ]; then echo "gpu_check: all steps passed"; else echo "gpu_check: FAILED: ${failed[*]}"; exit 1; fi
