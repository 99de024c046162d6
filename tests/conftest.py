"""Shared fixtures: the real data beside the checkout, and one prepared MNIST."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TFDS_MNIST_FAMILY_SHARED", REPO.parent / "shared"))
SHARED_DATA = SHARED / "data"


def shared_path(*parts: str) -> Path:
    """A file under ../shared; CI always has it, so its absence is an error."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: the tests need ../shared beside the checkout "
            "(or TFDS_MNIST_FAMILY_SHARED pointing at it)")
    return path


@pytest.fixture(scope="session")
def shared_mnist_dir() -> Path:
    return shared_path("data", "mnist")


@pytest.fixture(scope="session")
def prepared_mnist_dir(tmp_path_factory) -> str:
    """A TFDS data_dir holding a prepared ``infimnist/mnist`` (built once per session)."""
    import tensorflow_datasets as tfds

    import tfds_mnist_family  # noqa: F401

    data_dir = str(tmp_path_factory.mktemp("tfds_mnist"))
    tfds.builder("infimnist/mnist", data_dir=data_dir).download_and_prepare(
        download_config=tfds.download.DownloadConfig(try_download_gcs=False))
    return data_dir
