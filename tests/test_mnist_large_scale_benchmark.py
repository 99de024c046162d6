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
    assert all(0.0 <= r["accuracy"] <= 1.0 for r in report["results"])
    assert "| accuracy (%) |" in result.stdout
