"""Sync through the public file paths: fresh synthetic clips written as real files (.mp4 with H.264 + AAC, and .wav),
sent through `cmmd.pipeline.generate_file` (what `cmmd-generate` runs: V2A from the .mp4, A2V from the .wav), the
outputs read back from disk and scored like the sync benchmark: onsets of the generated sound and bounces of the
generated frames against the true event times within ±100 ms, with bootstrap intervals over clips, the input files
themselves as the ceiling and another clip's events as chance.

    python experiments/sync_files.py runs/demo/pipeline --n 32 --steps 10 --work /tmp/sync-files --out sync-files.json
"""
import argparse, json, time, wave
from pathlib import Path

import numpy as np
import torch

from cmmd.core import native_bf16
from cmmd.data import SyntheticAVDataset, onset_times, visible_bounces
from cmmd.media import write_mp4, read_audio, read_clip
from cmmd.metrics import SyncRow, match_counts, bounce_counts, format_sync_table
from cmmd.pipeline import CMMDPipeline, generate_file
from cmmd.training import load_config, _synthetic_config


def write_wav(path, audio: torch.Tensor, sample_rate: int):
    "16-bit PCM mono, with the standard library."
    pcm = (audio.clamp(-1, 1).numpy() * 32767).round().astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(sample_rate); w.writeframes(pcm.tobytes())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pipeline")
    ap.add_argument("--n", type=int, default=32)
    ap.add_argument("--data_seed", type=int, default=778, help="a synthetic set no run trains or is evaluated on")
    ap.add_argument("--work", default="/tmp/sync-files", help="where the input and output files go")
    ap.add_argument("--steps", type=int, default=None, help="sampler steps (default: the pipeline's, as cmmd-generate)")
    ap.add_argument("--precision", default="bf16" if native_bf16("cpu") else "fp32")
    ap.add_argument("--out", default=None, help="also write the rows as JSON")
    a = ap.parse_args()
    pipe = CMMDPipeline.from_pretrained(a.pipeline)
    cfg = load_config(str(Path(a.pipeline).parent / "config.yaml"))
    c = pipe.clip
    ds = SyntheticAVDataset(_synthetic_config(cfg, c), length=a.n, seed=a.data_seed, mel_preset=pipe.mel)
    work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
    quiet = lambda *args, **kw: None
    counts = {t: {k: [] for k in ("generated", "ceiling", "chance_other")} for t in ("v2a", "a2v")}
    items = [ds[j] for j in range(a.n)]
    events = [it["event_times"][: int(it["n_events"])].numpy() for it in items]
    bounces = [visible_bounces(it["event_times"], it["event_ids"], it["event_kinds"], int(it["n_events"]), c.fps, c.frames)
               for it in items]
    t0 = time.time()
    for j, it in enumerate(items):
        mp4, wav = work / f"clip{j}.mp4", work / f"clip{j}.wav"
        write_mp4(mp4, it["video"].transpose(0, 1), it["audio"], c.fps, c.sample_rate)
        write_wav(wav, it["audio"], c.sample_rate)
        v2a = generate_file(work / f"clip{j}-v2a.mp4", video=mp4, pipeline=pipe, seed=j, steps=a.steps, precision=a.precision, log=quiet)
        a2v = generate_file(work / f"clip{j}-a2v.mp4", audio=wav, pipeline=pipe, seed=j, steps=a.steps, precision=a.precision, log=quiet)
        on, on_true = onset_times(read_audio(v2a["wav"], c.sample_rate), c.sample_rate), onset_times(read_audio(mp4, c.sample_rate), c.sample_rate)
        counts["v2a"]["generated"].append(match_counts(on, events[j]))
        counts["v2a"]["ceiling"].append(match_counts(on_true, events[j]))
        counts["v2a"]["chance_other"].append(match_counts(on, events[(j + 1) % a.n]))
        seconds = c.frames / c.fps
        gen, true = (read_clip(p, seconds=seconds, fps=c.fps, size=c.size).frames for p in (a2v["mp4"], mp4))
        counts["a2v"]["generated"].append(bounce_counts(gen, *bounces[j], c.fps))
        counts["a2v"]["ceiling"].append(bounce_counts(true, *bounces[j], c.fps))
        counts["a2v"]["chance_other"].append(bounce_counts(gen, *bounces[(j + 1) % a.n], c.fps))
    rows = {t: {k: SyncRow.from_counts(np.asarray(v)) for k, v in r.items()} for t, r in counts.items()}
    print(f"{a.n} clips through the files in {time.time() - t0:.0f} s ({a.precision}, {a.steps or 'the pipeline default'} steps); ceiling = the input files")
    print(format_sync_table(rows))
    if a.out: Path(a.out).write_text(json.dumps({t: {k: vars(s) for k, s in r.items()} for t, r in rows.items()}, indent=1))


if __name__ == "__main__": main()
