"""InfiMNIST prepare with Apache Beam (DirectRunner, 2 worker processes) vs the
single-process fast writer, side by side: examples/s, peak RSS per process, bytes/example.

    python benchmarks/infimnist_beam.py --examples 1000000

Both prepare the same deformed range (from index 70000) from the synthetic golden
inputs (real MNIST + golden fields + rule-built tangents: the real archive's sizes).
Each runs in a fresh process; a sampler polls /proc every 0.2 s for that process and
all its descendants (the Beam workers), so each process's peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

DEFORMED_FIRST = 70_000
BEAM_ARGS = ["--runner=DirectRunner", "--direct_num_workers=2",
             "--direct_running_mode=multi_processing"]


def prepare(mode: str, first: int, count: int, data_dir: str, data_path: str) -> dict:
    """One prepare in this process; mode "fast" (default path) or "beam"."""
    import apache_beam as beam
    import tensorflow_datasets as tfds

    import tfds_mnist_family  # noqa: F401
    from tfds_mnist_family.infimnist import InfimnistConfig

    config = InfimnistConfig(first=first, last=first + count - 1, data_path=data_path)
    builder = tfds.builder("infimnist", config=config, data_dir=data_dir)
    options = beam.options.pipeline_options.PipelineOptions(BEAM_ARGS) if mode == "beam" else None
    start = time.perf_counter()
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
        beam_options=options, try_download_gcs=False))
    seconds = time.perf_counter() - start
    split = builder.info.splits["train"]
    # "complete": every requested example was written (one DirectRunner run once wrote
    # 865,934 of 1,000,000 without an error: benchmarks/RESULTS.md, "Beam").
    return {"mode": mode, "examples": split.num_examples, "complete": split.num_examples == count,
            "shards": split.num_shards, "seconds": round(seconds, 1),
            "examples_per_s": round(split.num_examples / seconds),
            "bytes_per_example": round(split.num_bytes / split.num_examples, 1)}


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                todo += [int(c) for c in Path(f"/proc/{p}/task/{task}/children").read_text().split()]
        except OSError:
            pass
    return found


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_child(args: list[str]) -> dict:
    """Runs one prepare in a fresh process; adds the peak RSS of it and of each descendant."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.Popen([sys.executable, __file__, *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    peaks: dict[int, float] = {}

    def sample() -> None:
        while proc.poll() is None:
            for pid in _descendants(proc.pid):
                peaks[pid] = max(peaks.get(pid, 0.0), _rss_mb(pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"child {args} failed ({proc.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    big = sorted((round(mb) for mb in peaks.values() if mb > 200), reverse=True)
    result["peak_rss_mb_per_process"] = big  # driver first when it is the largest
    result["peak_rss_mb_main"] = round(peaks.get(proc.pid, 0.0))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1_000_000)
    parser.add_argument("--first", type=int, default=DEFORMED_FIRST)
    parser.add_argument("--child", choices=["fast", "beam"])
    parser.add_argument("--data-path")
    parser.add_argument("--out-dir")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(prepare(args.child, args.first, args.examples, args.out_dir,
                                 args.data_path)))
        return
    from tfds_mnist_family.testing import infimnist_golden

    results = {"machine": f"{platform.machine()} {os.cpu_count()} cores, shared",
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "load_average_before": os.getloadavg()}
    common = ["--first", str(args.first), "--examples", str(args.examples),
              "--data-path", str(infimnist_golden.golden_data_dir())]
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("fast", "beam"):
            results[mode] = run_child(["--child", mode, "--out-dir", f"{tmp}/{mode}", *common])
            results[mode]["load_average_after"] = os.getloadavg()
    results["beam_over_fast"] = round(results["beam"]["examples_per_s"]
                                      / results["fast"]["examples_per_s"], 2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
