"""Shared fixtures: the embedded MNIST, optional real third-party data, one prepared MNIST.

Everything the suite needs ships with the repository, except large third-party
files (the real notMNIST_small archive, the QMNIST labels). Tests that need
them read ``$TFDS_MNIST_FAMILY_DATA`` (the package's one local-data variable) and
are skipped with one line naming the file when it is not set. CI sets it (to
``../shared/data``), and with ``$CI`` set a missing file fails instead of skipping,
so nothing is skipped silently there.

The variable is removed from the environment for the tests themselves, so
builders under test never pick up local files by accident.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DATA_ENV_VAR = "TFDS_MNIST_FAMILY_DATA"
_DATA_DIR = os.environ.pop(DATA_ENV_VAR, None)


def real_data(*parts: str) -> Path:
    """A third-party file under ``$TFDS_MNIST_FAMILY_DATA``; skips (fails on CI) without it."""
    relative = Path(*parts)
    if _DATA_DIR and (Path(_DATA_DIR) / relative).exists():
        return Path(_DATA_DIR) / relative
    where = f"{_DATA_DIR}/{relative}" if _DATA_DIR else f"$TFDS_MNIST_FAMILY_DATA/{relative}"
    message = (f"needs {relative} (third-party data, not in the repository): set "
               f"${DATA_ENV_VAR} to a folder holding it; looked for {where}")
    if os.environ.get("CI"):
        pytest.fail(message + " [CI must not skip data tests]", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The folder named by ``$TFDS_MNIST_FAMILY_DATA`` (for tests that pass it on)."""
    return real_data(".").resolve()


@pytest.fixture(scope="session")
def shared_mnist_dir() -> Path:
    """The four original MNIST .gz files (the package's embedded, checksum-identical copy)."""
    from tfds_mnist_family.core import mnist
    return mnist.EMBEDDED_DIR


@pytest.fixture(scope="session")
def prepared_mnist_dir(tmp_path_factory) -> str:
    """A TFDS data_dir holding a prepared ``infimnist/mnist`` (built once per session)."""
    import tensorflow_datasets as tfds

    import tfds_mnist_family  # noqa: F401

    data_dir = str(tmp_path_factory.mktemp("tfds_mnist"))
    tfds.builder("infimnist/mnist", data_dir=data_dir).download_and_prepare(
        download_config=tfds.download.DownloadConfig(try_download_gcs=False))
    return data_dir
