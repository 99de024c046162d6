#!/usr/bin/env bash
# CI leg for the OLDEST supported versions (docs/SUPPORTED_VERSIONS.md): a separate
# virtualenv .venv-oldest pinned by .ci/constraints-oldest.txt, the package installed
# with --no-deps, then the fast golden + builder subset. Exits non-zero on any failure.
#   PYTHON=python3.11 bash .ci/oldest_leg.sh     (default: python3.11, else python3)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${PYTHON:-}" ]]; then
  if command -v python3.11 >/dev/null 2>&1; then PYTHON=python3.11; else PYTHON=python3; fi
fi
VENV=.venv-oldest
CONSTRAINTS=.ci/constraints-oldest.txt

rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --upgrade pip
# Every direct dependency of setup.cfg, pinned to its lower bound by the constraints file.
"$PY" -m pip install --quiet -c "$CONSTRAINTS" \
  tensorflow tensorflow-datasets keras numpy pillow h5py tqdm importlib_resources \
  tensorflow-metadata pyarrow pytest dill
"$PY" -m pip install --quiet --no-deps -e .
"$PY" -m pip check  # setup.cfg's ranges must admit these pins
"$PY" - <<'PY'
import importlib.metadata as md
for name in ("tensorflow", "tensorflow-datasets", "keras", "numpy", "protobuf"):
    print(f"oldest leg: {name}=={md.version(name)}")
PY

TF_CPP_MIN_LOG_LEVEL=2 "$PY" -m pytest -q -p no:cacheprovider -x \
  tests/test_infimnist_ops.py tests/test_infimnist_builder.py \
  tests/test_infimnist_fast_writer.py tests/test_tfds_compat.py tests/test_mnist_config.py \
  tfds_mnist_family
