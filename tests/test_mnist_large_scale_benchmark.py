"""The scale-generalisation benchmark runs end to end in --quick mode."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "mnist_large_scale_scale_generalisation.py"


def test_scale_generalisation_quick_run(tmp_path):
    out = tmp_path / "results.json"
    result = subprocess.run([sys.executable, str(BENCHMARK), "--quick", "--json", str(out)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(out.read_text())
    scales = [r["scale"] for r in report["results"]]
    assert len(scales) == 17 and scales[0] == 0.5 and scales[-1] == 8.0
    # The quick run is too short to learn (it checks the plumbing, not accuracy), so
    # check what it computes: the official grid s = 2**(k/4), k = -4..12, and each
    # accuracy measured on exactly --test-size (32) digits.
    assert [r["k"] for r in report["results"]] == list(range(-4, 13))
    assert scales == [round(2 ** (k / 4), 3) for k in range(-4, 13)]
    assert report["args"]["test_size"] == 32 and report["args"]["train_size"] == 256
    assert all(abs(r["accuracy"] * 32 - round(r["accuracy"] * 32)) < 1e-6 for r in report["results"])
    assert "| accuracy (%) |" in result.stdout
