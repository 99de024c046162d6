"""Catalog metadata: short descriptions, licences, homepages, citations, versions, changelog."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tensorflow_datasets as tfds

import tfds_mnist_family
from tfds_mnist_family.infimnist import InfimnistConfig

ROOT = Path(__file__).resolve().parents[1]
BUILDERS = ["infimnist", "notmnist", "mnist_large_scale"]
MAX_DESCRIPTION = 800  # a catalog paragraph; details live in docs/datasets/


def _configs(name: str):
    return tfds.builder_cls(name).BUILDER_CONFIGS


@pytest.mark.parametrize("name", BUILDERS)
def test_info_is_catalog_quality(name):
    for config in _configs(name):
        info = tfds.builder(name, config=config.name, data_dir="/nonexistent").info
        assert 100 < len(info.description) <= MAX_DESCRIPTION, (name, len(info.description))
        assert "docs/datasets/" in info.description  # where the details are
        assert info.redistribution_info.license.strip(), f"{name}: no licence"
        assert info.homepage.startswith("http") and "@" in info.citation
        assert config.description and len(config.description) < 400


@pytest.mark.parametrize("name", BUILDERS)
def test_every_version_has_release_notes(name):
    builder_cls = tfds.builder_cls(name)
    for config in _configs(name):
        version = str(config.version or builder_cls.VERSION)
        notes = config.release_notes or builder_cls.RELEASE_NOTES
        assert version in notes, f"{name}/{config.name} {version} has no release note"


def test_mnist_licence_is_cc_by_sa_3():
    for name in ("infimnist/mnist", "mnist_large_scale/sctr1p000"):
        licence = tfds.builder(name, data_dir="/nonexistent").info.redistribution_info.license
        assert "CC BY-SA 3.0" in licence and "creativecommons.org/licenses/by-sa/3.0" in licence


def test_custom_range_config_is_versioned_and_described():
    config = InfimnistConfig(first=70_000, last=70_099, source="procedural")
    info = tfds.builder("infimnist", config=config, data_dir="/nonexistent").info
    assert str(info.version) == "1.1.0" and "70000..70099" in config.description
    assert len(repr(config)) < 150  # TFDS logs it on every load of a custom config


def test_one_package_version_and_a_changelog_entry_for_it():
    from importlib.metadata import version

    assert version("tfds_mnist_family") == tfds_mnist_family.__version__
    setup = (ROOT / "setup.cfg").read_text()
    assert "version = attr: tfds_mnist_family.__version__" in setup
    assert not re.search(r"^version\s*=\s*\d", setup, re.M)
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## {tfds_mnist_family.__version__}" in changelog
