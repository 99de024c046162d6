"""`tfds-mnist-family`: build, look at and export the datasets of this package.

    tfds-mnist-family build NAME[/CONFIG] [--data_dir D] [--manual_dir M]
    tfds-mnist-family show NAME[/CONFIG] --split S --n N --out grid.png
    tfds-mnist-family export NAME[/CONFIG] --split S --format csv [--out F] [--header]
    tfds-mnist-family demo [--data_dir D] [--out DIR]
    tfds-mnist-family infimnist [-d DATADIR] FORMAT FIRST [LAST]   (the reference tool)
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DEFAULT_DEMO_OUT = Path("out")


def _tfds():
    import tensorflow_datasets as tfds

    import tfds_mnist_family  # noqa: F401  (registers the builders)
    return tfds


def _builder(name: str, data_dir: str | None):
    tfds = _tfds()
    try:
        return tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError as e:
        raise SystemExit(f"error: unknown dataset {name!r}: {str(e).splitlines()[0]}") from e


def _download_config(args: argparse.Namespace):
    tfds = _tfds()
    return tfds.download.DownloadConfig(
        manual_dir=getattr(args, "manual_dir", None),
        max_examples_per_split=getattr(args, "max_examples_per_split", None),
        try_download_gcs=False,
    )


def prepare(name: str, args: argparse.Namespace):
    """Prepares ``name`` (if needed) and returns its builder."""
    builder = _builder(name, args.data_dir)
    builder.download_and_prepare(download_config=_download_config(args))
    return builder


def cmd_build(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    builder = prepare(args.name, args)
    print(f"{args.name}: prepared in {time.perf_counter() - start:.1f} s at {builder.data_dir}")
    for split, info in builder.info.splits.items():
        print(f"  {split}: {info.num_examples} examples in {info.num_shards} shard(s)")
    return 0


def _take_numpy(builder, split: str, n: int | None):
    tfds = _tfds()
    ds = builder.as_dataset(split=split)
    if n is not None:
        ds = ds.take(n)
    return tfds.as_numpy(ds)


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
    examples = list(_take_numpy(builder, args.split, args.n))
    if not examples:
        raise SystemExit(f"error: split {args.split!r} of {args.name} is empty")
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


def cmd_export(args: argparse.Namespace) -> int:
    if args.format != "csv":
        raise SystemExit(f"error: unsupported --format {args.format!r}; only 'csv' is supported")
    builder = prepare(args.name, args)
    out = open(args.out, "w", newline="") if args.out != "-" else sys.stdout
    count = 0
    try:
        writer = csv.writer(out, lineterminator="\n")
        for example in _take_numpy(builder, args.split, args.n):
            image = example["image"]
            if count == 0 and args.header:
                writer.writerow(csv_header(image.shape[1], image.shape[0]))
            writer.writerow([str(int(example["label"]))] + _format_pixels(image))
            count += 1
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"wrote {count} rows of {args.name} {args.split} to {args.out}", file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Prepares MNIST offline from the embedded files and shows what happened."""
    import numpy as np

    from tfds_mnist_family.core import mnist, sample_grid

    out_dir = Path(args.out)
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
    examples = list(_take_numpy(builder, "train", 50))
    grid = sample_grid.save_grid(out_dir / "infimnist_mnist_train.png",
                                 np.stack([e["image"] for e in examples]),
                                 [str(e["label"]) for e in examples])
    print(f"  sample grid of the first 50 training digits: {Path(grid).resolve()}")
    print('  load it with: import tfds_mnist_family, tensorflow_datasets as tfds; '
          f'tfds.load("infimnist/mnist", split="train", data_dir="{Path(data_dir).resolve()}")')
    return 0 if ok else 1


def _add_dataset_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="dataset name, e.g. infimnist/mnist, notmnist/small")
    p.add_argument("--data_dir", default=None, help="TFDS data directory (default ~/tensorflow_datasets)")
    p.add_argument("--manual_dir", default=None,
                   help="directory with local copies of the source files (offline builds)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tfds-mnist-family", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="prepare a dataset (with TFDS progress bars)")
    _add_dataset_args(p)
    p.add_argument("--max_examples_per_split", type=int, default=None,
                   help="prepare only this many examples per split (quick trials)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("show", help="save a PNG grid of examples")
    _add_dataset_args(p)
    p.add_argument("--split", default="train")
    p.add_argument("--n", type=int, default=50)
    p.add_argument("--columns", type=int, default=10)
    p.add_argument("--out", default="grid.png")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("export", help="write examples as MNIST-in-CSV (label, pix-11, pix-12, ...)")
    _add_dataset_args(p)
    p.add_argument("--split", default="train")
    p.add_argument("--format", default="csv", help="only 'csv'")
    p.add_argument("--out", default="-", help="output file ('-' = stdout)")
    p.add_argument("--header", action="store_true", help="write a header row first")
    p.add_argument("--n", type=int, default=None, help="only the first N examples")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("demo", help="prepare MNIST offline and show what was done")
    p.add_argument("--data_dir", default=None)
    p.add_argument("--out", default=str(DEFAULT_DEMO_OUT))
    p.set_defaults(func=cmd_demo)

    sub.add_parser("infimnist", add_help=False,
                   help="the InfiMNIST reference tool: [-d DATADIR] FORMAT FIRST [LAST]")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "infimnist":
        # The reference tool has its own grammar and exit codes (10 on bad usage).
        from tfds_mnist_family.infimnist import reference_cli
        return reference_cli.main(argv[1:])
    args = build_parser().parse_args(argv)
    from tfds_mnist_family.core.idx import IdxFormatError
    from tfds_mnist_family.core.sources import DataSourceError
    try:
        return args.func(args)
    except (DataSourceError, IdxFormatError, FileNotFoundError) as e:  # one line, no traceback
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
