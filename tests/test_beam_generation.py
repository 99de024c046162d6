"""Beam generation (DirectRunner, 2 worker processes) writes exactly the examples of the
default single-process path: same indices, stored PNG bytes, pixels and labels."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow_datasets as tfds

import tfds_mnist_family  # noqa: F401  registers the builders
from tfds_mnist_family.core import sources
from tfds_mnist_family.infimnist import InfimnistConfig
from tfds_mnist_family.testing import infimnist_golden

if os.environ.get("CI"):
    import apache_beam as beam  # CI installs the beam extra: no silent skip
else:
    beam = pytest.importorskip("apache_beam")

DIRECT_2 = ["--runner=DirectRunner", "--direct_num_workers=2",
            "--direct_running_mode=multi_processing"]


def _prepare(name_or_config, data_dir, beam_args=None, **config_kwargs):
    options = None if beam_args is None else beam.options.pipeline_options.PipelineOptions(beam_args)
    kwargs = {"config": name_or_config} if not isinstance(name_or_config, str) else {}
    name = "infimnist" if kwargs else name_or_config
    builder = tfds.builder(name, data_dir=str(data_dir), **kwargs)
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
        try_download_gcs=False, beam_options=options, **config_kwargs))
    return builder


def _records(builder, split: str) -> dict[str, np.ndarray]:
    """Every example sorted by index, with the stored (undecoded) image bytes too."""
    def read(decoders=None):
        data = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1, decoders=decoders))
        order = np.argsort(data["index"])
        return {k: v[order] for k, v in data.items()}
    decoded = read()
    decoded["png"] = read({"image": tfds.decode.SkipDecoding()})["image"]
    return decoded


def _assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_infimnist_range_with_beam_is_identical_to_single_process(tmp_path, monkeypatch):
    """4 chunks of 2,500 deformed indices on 2 DirectRunner worker processes."""
    monkeypatch.setattr(tfds.builder_cls("infimnist"), "BEAM_CHUNK", 2_500)
    config = InfimnistConfig(first=70_000, last=79_999,
                             data_path=str(infimnist_golden.golden_data_dir()))
    default = _prepare(config, tmp_path / "default")
    beamed = _prepare(config, tmp_path / "beam", DIRECT_2)
    expected, got = _records(default, "train"), _records(beamed, "train")
    np.testing.assert_array_equal(got["index"], np.arange(70_000, 80_000))
    _assert_same(expected, got)
    assert beamed.info.splits["train"].num_examples == 10_000
    assert beamed.info.metadata["generation"] == "apache_beam"  # not a silent fallback
    assert "generation" not in default.info.metadata


def test_infimnist_beam_honours_max_examples_and_procedural_source(tmp_path, monkeypatch):
    monkeypatch.setattr(tfds.builder_cls("infimnist"), "BEAM_CHUNK", 300)
    config = InfimnistConfig(first=69_900, last=79_999, source="procedural")
    default = _prepare(config, tmp_path / "default", max_examples_per_split=1_000)
    beamed = _prepare(config, tmp_path / "beam", ["--runner=DirectRunner"],
                      max_examples_per_split=1_000)
    got = _records(beamed, "train")
    np.testing.assert_array_equal(got["index"], np.arange(69_900, 70_900))  # pristine + deformed
    _assert_same(_records(default, "train"), got)


def test_mnist_large_scale_with_beam_is_identical_to_single_process(tmp_path, monkeypatch):
    monkeypatch.setattr(tfds.builder_cls("mnist_large_scale"), "BEAM_CHUNK", 256)
    limit = {"max_examples_per_split": 600}  # 3 chunks per split, the last one short
    default = _prepare("mnist_large_scale/sctr1p000-4p000", tmp_path / "default", **limit)
    beamed = _prepare("mnist_large_scale/sctr1p000-4p000", tmp_path / "beam", DIRECT_2, **limit)
    for split in ("train", "validation", "test"):
        got = _records(beamed, split)
        assert len(got["index"]) == 600
        _assert_same(_records(default, split), got)


def test_tfds_build_cli_with_beam_matches_single_process(tmp_path, monkeypatch):
    """The documented spelling: tfds build ... --beam_pipeline_options=..."""
    monkeypatch.delenv(sources.MIRROR_ENV_VAR, raising=False)
    data_path = str(infimnist_golden.golden_data_dir())
    kwargs = f'{{"first": 70000, "last": 70999, "data_path": "{data_path}"}}'
    tfds_cli = os.path.join(os.path.dirname(sys.executable), "tfds")
    subprocess.run([tfds_cli, "build", "--imports", "tfds_mnist_family", "infimnist",
                    "--config", kwargs, "--data_dir", str(tmp_path / "beam"),
                    "--beam_pipeline_options=runner=DirectRunner,direct_num_workers=2,"
                    "direct_running_mode=multi_processing"],
                   check=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    config = InfimnistConfig(first=70_000, last=70_999, data_path=data_path)
    beamed = tfds.builder("infimnist", config=config, data_dir=str(tmp_path / "beam"))
    assert beamed.info.metadata["generation"] == "apache_beam"
    default = _prepare(config, tmp_path / "default")
    _assert_same(_records(default, "train"), _records(beamed, "train"))


def test_remote_inputs_are_copied_through_gfile(tmp_path):
    """A `gs://`-style data_path: the worker copies it with tf.io.gfile (here `ram://`)."""
    import tensorflow as tf

    golden = infimnist_golden.golden_data_dir()
    remote = "ram://infimnist_test/data"
    for path in sorted(p for p in golden.rglob("*") if p.is_file()):
        target = f"{remote}/{path.relative_to(golden).as_posix()}"
        tf.io.gfile.makedirs(target.rsplit("/", 1)[0])
        tf.io.gfile.copy(str(path), target, overwrite=True)
    local = sources.local_copy(remote, tmp_path)
    assert sorted(p.relative_to(local) for p in local.rglob("*") if p.is_file()) == sorted(
        p.relative_to(golden) for p in golden.rglob("*") if p.is_file())
    config = InfimnistConfig(first=70_000, last=70_099, data_path=remote)
    remote_built = _prepare(config, tmp_path / "remote")
    local_built = _prepare(InfimnistConfig(first=70_000, last=70_099, data_path=str(golden)),
                           tmp_path / "local")
    _assert_same(_records(local_built, "train"), _records(remote_built, "train"))
