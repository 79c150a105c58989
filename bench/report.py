"""Prints package-benchmark JMH results as ratios against the baselines measured in the same run."""
import json
import sys
import wave

results_path, wav_path = sys.argv[1], sys.argv[2]
with wave.open(wav_path) as w:
    seconds = w.getnframes() / w.getframerate()
# The benchmarks resample to 16 kHz and encode 20 ms frames, one notification each at MTU 247.
notifications = int(seconds * 50 + 0.999)

results = {}
for entry in json.load(open(results_path)):
    name = entry["benchmark"].split(".", 3)[-1].replace("_", " ")
    metrics = {k: v["score"] for k, v in entry.get("secondaryMetrics", {}).items()}
    results[name] = metrics


def find(prefix):
    return next((v for k, v in results.items() if k.startswith(prefix)), None)


baseline = find("decode: C loop")
rows = [
    ("C loop over opus_decode (baseline)", baseline),
    ("DecoderStage, one thread", find("decode: DecoderStage")),
    ("AudioPipeline, threads + rings", find("decode: AudioPipeline")),
]
if baseline:
    print(f"\ndecode, codec 21: {seconds:.1f} s of speech, {notifications} notifications per iteration (p50)")
    print(f"{'':36} {'wall ms':>9} {'CPU ms':>9} {'packets/s':>11} {'x real time':>12} {'mallocs':>8} {'vs C loop':>10}")
for label, m in rows:
    if m is None or baseline is None:
        continue
    wall_us = m["Time (wall clock)"]
    ratio = baseline["Time (wall clock)"] / wall_us
    print(f"{label:36} {wall_us / 1000:9.1f} {m['Time (total CPU)'] / 1000:9.1f} "
          f"{notifications / (wall_us / 1e6):11,.0f} {seconds / (wall_us / 1e6):11,.0f}x "
          f"{m.get('Malloc (total)', 0):8.0f} {ratio:9.2f}x")
pipeline = find("decode: AudioPipeline")
if pipeline and baseline:
    ratio = baseline["Time (wall clock)"] / pipeline["Time (wall clock)"]
    print(f"pipeline throughput = {ratio:.2f}x the plain C loop (target >= 0.80): {'met' if ratio >= 0.8 else 'NOT met'}")
    print("mallocs are per iteration (whole capture), not per packet: a constant count means no per-packet allocation")

ring_base = find("ring baseline")
print("\nring, 2 threads, 10^7 Int16 samples in 320-sample writes, consumer sums every sample (p50)")
for label, m in [("Mutex-guarded array queue (baseline)", ring_base), ("SPSCRing<Int16>", find("ring: SPSCRing"))]:
    if m is None or ring_base is None:
        continue
    wall_us = m["Time (wall clock)"]
    print(f"  {label:38} {wall_us / 1000:8.2f} ms  {1e7 / (wall_us / 1e6) / 1e6:8,.0f} M samples/s  "
          f"{1e7 / 320 / (wall_us / 1e6) / 1e6:6.2f} M writes/s  "
          f"{ring_base['Time (wall clock)'] / wall_us:5.2f}x baseline")
