"""The private TFDS API used by the batch writer is checked, and its loss is survivable."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import tensorflow_datasets as tfds

from tfds_mnist_family.core import tfds_compat
from tfds_mnist_family.infimnist import InfimnistConfig


@pytest.fixture
def fresh_check():
    tfds_compat.missing_private_api.cache_clear()
    yield
    tfds_compat.missing_private_api.cache_clear()


def test_installed_tfds_has_the_private_api_the_batch_writer_uses(fresh_check):
    problems = tfds_compat.missing_private_api()
    assert problems == (), (f"TFDS {tfds.__version__} changed private API used by "
                            f"core/tfds_compat.py: {problems}")


def test_changed_api_is_named_and_the_generic_writer_takes_over(tmp_path, monkeypatch, caplog,
                                                               fresh_check):
    monkeypatch.setitem(tfds_compat._PRIVATE_API, "_get_filename_template",  # noqa: SLF001
                        ("split_name", "renamed_in_a_future_tfds"))
    assert tfds_compat.missing_private_api() == (
        "tfds.core.GeneratorBasedBuilder._get_filename_template has no parameter(s) "
        "renamed_in_a_future_tfds",)
    config = InfimnistConfig(first=69_995, last=70_014, source="procedural")
    builder = tfds.builder("infimnist", config=config, data_dir=str(tmp_path))
    with caplog.at_level(logging.WARNING, logger=tfds_compat.__name__):
        builder.download_and_prepare()
    assert "renamed_in_a_future_tfds" in caplog.text and "generic writer" in caplog.text
    data = tfds.as_numpy(builder.as_dataset(split="train", batch_size=-1))
    # TFDS's generic writer stores examples in key-hash order: same examples, other order.
    np.testing.assert_array_equal(np.sort(data["index"]), np.arange(69_995, 70_015))


@pytest.mark.parametrize("limit", [0, -5])
def test_non_positive_max_examples_per_split_is_refused_before_writing(tmp_path, limit):
    builder = tfds.builder("infimnist", config=InfimnistConfig(first=70_000, last=70_009,
                                                               source="procedural"),
                           data_dir=str(tmp_path))
    with pytest.raises(ValueError, match=f"max_examples_per_split={limit}: must be a positive"):
        builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
            max_examples_per_split=limit))
    assert not builder.is_prepared()


@pytest.mark.parametrize("name", ["infimnist", "notmnist", "mnist_large_scale"])
def test_builders_override_the_private_prepare_message_hook(name):
    assert hasattr(tfds.core.GeneratorBasedBuilder, "_log_download_bytes"), (
        f"TFDS {tfds.__version__} dropped _log_download_bytes: PrepareMessageMixin is inert")
    assert issubclass(tfds.builder_cls(name), tfds_compat.PrepareMessageMixin)


def test_local_preparation_does_not_print_unknown_size(tmp_path, capsys):
    config = InfimnistConfig(first=70_000, last=70_009, source="procedural")
    tfds.builder("infimnist", config=config, data_dir=str(tmp_path)).download_and_prepare()
    out = capsys.readouterr().out
    assert "Unknown size" not in out
    assert "Preparing dataset infimnist/range_70000_70009_procedural/1.1.0 from local" in out


def test_lost_examples_fail_the_build(tmp_path, monkeypatch):
    builder = tfds.builder("infimnist", config=InfimnistConfig(first=70_000, last=70_009,
                                                               source="procedural"),
                           data_dir=str(tmp_path))
    real = type(builder).expected_split_sizes
    monkeypatch.setattr(type(builder), "expected_split_sizes",
                        lambda self, config: {k: v + 1 for k, v in real(self, config).items()})
    with pytest.raises(RuntimeError, match=r"incomplete write \(train: 10 of 11 examples\)"):
        builder.download_and_prepare()
    assert not builder.is_prepared()
