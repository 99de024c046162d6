"""The commands of `tfds-mnist-family` (its grammar and checks: ``tfds_mnist_family_cli``).

Every exception a user's mistake or bad data can cause is turned into one line
and an exit code (``user_errors``); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import sys
import tarfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

from tfds_mnist_family_cli import DATA_EXIT, OUTPUT_EXIT, USAGE_EXIT, UserError


def _tfds():
    import tensorflow_datasets as tfds

    import tfds_mnist_family  # noqa: F401  (registers the builders)
    return tfds


def _one_line(error: BaseException) -> str:
    return " ".join(line.strip() for line in str(error).splitlines() if line.strip())


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Maps the exceptions of bad input to ``UserError`` (one line, an exit code)."""
    from tfds_mnist_family.core.idx import IdxFormatError
    from tfds_mnist_family.core.sources import DataSourceError
    from tfds_mnist_family.infimnist.inputs import InputFilesError
    tfds = _tfds()
    data_errors = (DataSourceError, IdxFormatError, InputFilesError, tarfile.TarError, EOFError,
                   zlib.error)
    try:
        yield
    except BrokenPipeError:
        raise
    except tfds.core.registered.DatasetNotFoundError as e:
        first = _one_line(e).split(" Available datasets")[0].split(" Did you mean")[0]
        raise UserError(f"error: {first} (`tfds-mnist-family list` shows this package's "
                        "datasets)") from e
    except data_errors as e:
        raise UserError(f"error: {_one_line(e)}", DATA_EXIT) from e
    except OSError as e:
        raise UserError(f"error: {_one_line(e)}", OUTPUT_EXIT) from e
    except (ValueError, KeyError) as e:
        raise UserError(f"error: {_one_line(e)}", USAGE_EXIT) from e


def _check_config(name: str) -> None:
    """An unknown config of this package's datasets, named with the valid ones."""
    from tfds_mnist_family import listing
    dataset, _, config = name.partition("/")
    if dataset in listing.DATASETS and config and ":" not in config:
        names = [c.name for c in _tfds().builder_cls(dataset).BUILDER_CONFIGS]
        if config not in names:
            raise UserError(f"error: {dataset} has no config {config!r}; configs: "
                            f"{', '.join(names)}")


def prepare(name: str, args: argparse.Namespace):
    """Prepares ``name`` (if needed) and returns its builder."""
    tfds = _tfds()
    _check_config(name)
    builder = tfds.builder(name, data_dir=args.data_dir)
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
        manual_dir=getattr(args, "manual_dir", None),
        max_examples_per_split=getattr(args, "max_examples_per_split", None),
        try_download_gcs=False))
    return builder


def _dataset(builder, split: str, n: int | None):
    """The split as numpy examples; an unknown split fails here, before any output exists."""
    ds = builder.as_dataset(split=split)
    return _tfds().as_numpy(ds if n is None else ds.take(n))


def cmd_list(args: argparse.Namespace) -> int:
    from tfds_mnist_family import listing
    _tfds()
    print(listing.listing(args.name))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    builder = prepare(args.name, args)
    print(f"{args.name}: prepared in {time.perf_counter() - start:.1f} s at {builder.data_dir}")
    for split, info in builder.info.splits.items():
        print(f"  {split}: {info.num_examples} examples in {info.num_shards} shard(s)")
    return 0


def label_names(builder) -> list[str] | None:
    """The class names of the builder's ``label`` feature, if it is a ClassLabel."""
    tfds = _tfds()
    features = builder.info.features
    label = features["label"] if "label" in features.keys() else None
    return list(label.names) if isinstance(label, tfds.features.ClassLabel) else None


def cmd_show(args: argparse.Namespace) -> int:
    import numpy as np

    from tfds_mnist_family.core import sample_grid

    builder = prepare(args.name, args)
    examples = list(_dataset(builder, args.split, args.n))
    if not examples:
        raise UserError(f"error: split {args.split!r} of {args.name} is empty")
    names = label_names(builder)
    images = np.stack([e["image"] for e in examples])
    captions = [names[e["label"]] if names else str(e["label"]) for e in examples]
    path = sample_grid.save_grid(args.out, images, captions, columns=args.columns)
    print(f"wrote {len(examples)} examples of {args.name} {args.split} to {path}")
    return 0


def csv_header(num_pixels_per_row: int, num_rows: int) -> list[str]:
    """MNIST-in-CSV header: ``label, pix-11, pix-12, ...`` (pix-RC, 1-based row R, column C)."""
    return ["label"] + [f"pix-{r}{c}" for r in range(1, num_rows + 1)
                        for c in range(1, num_pixels_per_row + 1)]


def _format_pixels(image) -> list[str]:
    flat = image.reshape(-1)
    if flat.dtype.kind in "ui":
        return [str(int(v)) for v in flat]
    return [f"{float(v):.6g}" for v in flat]


def _write_csv(out: io.TextIOBase, examples, header: bool) -> int:
    writer = csv.writer(out, lineterminator="\n")
    count = 0
    for example in examples:
        image = example["image"]
        if count == 0 and header:
            writer.writerow(csv_header(image.shape[1], image.shape[0]))
        writer.writerow([str(int(example["label"]))] + _format_pixels(image))
        count += 1
    return count


def cmd_export(args: argparse.Namespace) -> int:
    from tfds_mnist_family.core.atomic import atomic_output

    builder = prepare(args.name, args)
    examples = _dataset(builder, args.split, args.n)
    if args.out == "-":
        count = _write_csv(sys.stdout, examples, args.header)
    else:  # appears complete or not at all; a failed export leaves the old file intact
        with atomic_output(args.out, "w", newline="") as out:
            count = _write_csv(out, examples, args.header)
    print(f"wrote {count} rows of {args.name} {args.split} to {args.out}", file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Prepares MNIST offline from the embedded files and shows what happened."""
    import numpy as np

    from tfds_mnist_family.core import mnist, sample_grid

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    data_dir = args.data_dir or str(out_dir / "tensorflow_datasets")
    args.data_dir = data_dir
    start = time.perf_counter()
    builder = prepare("infimnist/mnist", args)
    print(f"infimnist/mnist prepared offline in {time.perf_counter() - start:.1f} s")
    print(f"  data: {Path(builder.data_dir).resolve()}")
    ok = True
    for split, info in builder.info.splits.items():
        labels = np.concatenate([batch["label"] for batch in
                                 _tfds().as_numpy(builder.as_dataset(split=split, batch_size=8192))])
        counts = np.bincount(labels, minlength=10).tolist()
        published = mnist.PUBLISHED_CLASS_COUNTS.get(split)
        published = None if published is None else list(published)
        verdict = "" if published is None else (
            "  (matches the published table)" if counts == published else "  (DIFFERS from the published table!)")
        ok &= published is None or counts == published
        print(f"  {split:<10} {info.num_examples:>6} examples, per class {counts}{verdict}")
    examples = list(_dataset(builder, "train", 50))
    grid = sample_grid.save_grid(out_dir / "infimnist_mnist_train.png",
                                 np.stack([e["image"] for e in examples]),
                                 [str(e["label"]) for e in examples])
    print(f"  sample grid of the first 50 training digits: {Path(grid).resolve()}")
    print('  load it with: import tfds_mnist_family, tensorflow_datasets as tfds; '
          f'tfds.load("infimnist/mnist", split="train", data_dir="{Path(data_dir).resolve()}")')
    return 0 if ok else 1


COMMANDS = {"list": cmd_list, "build": cmd_build, "show": cmd_show, "export": cmd_export,
            "demo": cmd_demo}


def run(args: argparse.Namespace) -> int:
    """Runs a parsed command; bad input becomes ``UserError``."""
    with user_errors():
        try:
            return COMMANDS[args.command](args)
        except BrokenPipeError:  # e.g. `export ... | head`
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1


def run_reference_tool(opts: dict) -> int:
    """The ``infimnist`` reference tool on parsed options (see ``reference_cli``)."""
    from tfds_mnist_family.infimnist import reference_cli
    with user_errors():
        return reference_cli.run(opts)


def main(argv: list[str] | None = None) -> int:
    """Same as the ``tfds-mnist-family`` command."""
    import tfds_mnist_family_cli
    return tfds_mnist_family_cli.main(argv)
