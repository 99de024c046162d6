"""`tfds-mnist-family`: the command line's grammar, checked before anything heavy is imported.

    tfds-mnist-family list [NAME]
    tfds-mnist-family build NAME[/CONFIG] [--data_dir D] [--manual_dir M] [--max_examples_per_split N]
    tfds-mnist-family show NAME[/CONFIG] [--split S] [--n N] [--out grid.png]
    tfds-mnist-family export NAME[/CONFIG] [--split S] [--format csv] [--out F] [--header] [--n N]
    tfds-mnist-family demo [--data_dir D] [--out DIR]
    tfds-mnist-family infimnist [-d DATADIR] [--procedural] FORMAT FIRST [LAST]

This module imports only the standard library, so ``--help``, ``--version`` and
every usage error answer at once; TensorFlow is imported (by
``tfds_mnist_family.cli``) only for a command that needs it. It lives outside the
``tfds_mnist_family`` package because importing that package registers the
TFDS builders, which imports TensorFlow Datasets.

Every user error is one line on stderr (``--debug`` adds the traceback). Exit codes:
0 success; 1 the demo's self-check failed, or the output pipe closed; 2 bad
command-line usage; 3 input data missing, corrupt or not matching its checksum;
4 an output or data directory that cannot be written; 10 bad usage of the
``infimnist`` reference tool (the C tool's code); 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

USAGE_EXIT, DATA_EXIT, OUTPUT_EXIT, REFERENCE_USAGE_EXIT = 2, 3, 4, 10
PROG = "tfds-mnist-family"

# The InfiMNIST reference tool's grammar.
FORMATS = ("patterns", "labels", "svmlight", "vw", "arff", "display")
MAX_INDEX = 2**62  # = tfds_mnist_family.infimnist.indices.MAX_INDEX (a test keeps them equal)
MAX_IDX_COUNT = 2**31 - 1  # IDX headers store the example count as int32
REFERENCE_USAGE = (
    f"usage: {PROG} infimnist [-d DATADIR] [--procedural] FORMAT FIRST [LAST]\n"
    f"       {PROG} infimnist [-d DATADIR] [--procedural] --indices FILE {{patterns|labels}}\n"
    "  FORMAT: a prefix of " + ", ".join(FORMATS) + "\n"
    "  FIRST, LAST: example indices, 0 <= FIRST <= LAST < 2**62 (LAST defaults to FIRST)\n"
    "  DATADIR: directory with the six InfiMNIST data files, or infimnist.tar.gz\n"
    "  --procedural: inputs computed from MNIST alone (not MNIST8M)\n")


class UserError(Exception):
    """A mistake of the user's: one line on stderr and an exit code, no traceback."""

    def __init__(self, message: str, code: int = USAGE_EXIT) -> None:
        super().__init__(message)
        self.code = code


# --- the reference tool's grammar -----------------------------------------------------------
def _reference_error(message: str) -> UserError:
    return UserError(f"infimnist: {message} (usage: {PROG} infimnist --help)", REFERENCE_USAGE_EXIT)


def _format(word: str) -> str:
    matches = [f for f in FORMATS if word and f.startswith(word)]
    if len(matches) != 1:
        raise _reference_error(f"unknown or ambiguous FORMAT {word!r}; one of {', '.join(FORMATS)}")
    return matches[0]


def _index(word: str, what: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", word):
        raise _reference_error(f"{what} must be an integer, got {word!r}")
    value = int(word)
    if not 0 <= value < MAX_INDEX:
        raise _reference_error(f"{what} must be in 0 <= i < 2**62, got {value}")
    return value


def read_index_file(path: str) -> list[int]:
    """One index per line (blank lines ignored); errors name the file and line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise _reference_error(f"--indices {path}: not a UTF-8 text file of one index per "
                               "line") from None
    except OSError as e:
        raise _reference_error(f"--indices {path}: cannot read ({e.strerror})") from None
    return [_index(line.strip(), f"--indices {path}:{lineno}")
            for lineno, line in enumerate(lines, 1) if line.strip()]


def parse_reference_args(argv: Sequence[str]) -> dict:
    """The reference tool's grammar: ``[-d DATADIR] [--procedural] FORMAT FIRST [LAST]`` or
    ``--indices FILE {patterns|labels}``; raises UserError (exit 10)."""
    opts: dict = {"datadir": None, "indices": None, "procedural": False, "listed": None}
    rest: list[str] = []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg in ("-d", "--indices"):
            if not args:
                raise _reference_error(f"{arg} needs an argument")
            opts["datadir" if arg == "-d" else "indices"] = args.pop(0)
        elif arg == "--procedural":
            opts["procedural"] = True
        elif arg in ("-h", "--help"):
            opts["help"] = True
            return opts
        else:
            rest.append(arg)
    if not rest:
        raise _reference_error("missing FORMAT")
    opts["format"] = fmt = _format(rest[0])
    if opts["indices"] is not None:
        if fmt not in ("patterns", "labels"):
            raise _reference_error("--indices works with the patterns and labels formats only")
        if len(rest) != 1:
            raise _reference_error("--indices takes no FIRST/LAST")
        opts["listed"] = read_index_file(opts["indices"])
        count = len(opts["listed"])
    else:
        if len(rest) not in (2, 3):
            raise _reference_error("expected FORMAT FIRST [LAST]")
        opts["first"] = _index(rest[1], "FIRST")
        opts["last"] = _index(rest[2], "LAST") if len(rest) == 3 else opts["first"]
        if opts["last"] < opts["first"]:
            raise _reference_error(f"LAST ({opts['last']}) is smaller than FIRST ({opts['first']})")
        count = opts["last"] - opts["first"] + 1
    if fmt in ("patterns", "labels") and count > MAX_IDX_COUNT:
        raise _reference_error(f"{count} examples do not fit an IDX file (at most 2**31-1); "
                               "split the range")
    return opts


# --- the main grammar -----------------------------------------------------------------------
def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value}")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage block
        raise UserError(f"{self.prog}: {message} (see {self.prog} --help)")


def _version() -> str:
    from importlib import metadata
    try:
        return metadata.version("tfds_mnist_family")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "unknown (not installed)"


def _add_dataset_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="dataset or dataset/config, e.g. infimnist/mnist, notmnist/small, "
                                "mnist_large_scale/scte2p000 (see `list`)")
    p.add_argument("--data_dir", default=None, metavar="DIR",
                   help="TFDS data directory (default: ~/tensorflow_datasets)")
    p.add_argument("--manual_dir", default=None, metavar="DIR",
                   help="directory with local copies of the source files, for offline builds")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Build, look at and export the MNIST-family TFDS "
                     "datasets. Exit codes: 0 ok, 1 self-check failed, 2 bad usage, 3 bad or "
                     "missing input data, 4 cannot write output, 10 bad infimnist usage.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("--debug", action="store_true",
                        help="show Python tracebacks and TensorFlow's log lines")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)

    p = sub.add_parser("list", help="list datasets, configs, splits and sizes (no data needed)")
    p.add_argument("name", nargs="?", help="only this dataset (e.g. infimnist)")

    p = sub.add_parser("build", help="prepare a dataset (with progress bars)")
    _add_dataset_args(p)
    p.add_argument("--max_examples_per_split", type=positive_int, default=None, metavar="N",
                   help="prepare only the first N examples of each split (quick trials)")

    p = sub.add_parser("show", help="save a PNG grid of the first examples of a split")
    _add_dataset_args(p)
    p.add_argument("--split", default="train", help="split, slicing allowed (default: train)")
    p.add_argument("--n", type=positive_int, default=50, help="number of examples (default: 50)")
    p.add_argument("--columns", type=positive_int, default=10,
                   help="images per row (default: 10)")
    p.add_argument("--out", default="grid.png", help="PNG file to write (default: grid.png)")

    p = sub.add_parser("export", help="write examples as MNIST-in-CSV (label, pix-11, pix-12, ...)")
    _add_dataset_args(p)
    p.add_argument("--split", default="train", help="split, slicing allowed (default: train)")
    p.add_argument("--format", default="csv", choices=["csv"], help="output format (only csv)")
    p.add_argument("--out", default="-", help="file to write, '-' for stdout (default: -)")
    p.add_argument("--header", action="store_true", help="write a header row first")
    p.add_argument("--n", type=positive_int, default=None, help="only the first N examples")

    p = sub.add_parser("demo", help="prepare MNIST offline from the embedded files and report")
    p.add_argument("--data_dir", default=None, metavar="DIR",
                   help="TFDS data directory (default: OUT/tensorflow_datasets)")
    p.add_argument("--out", default="out", metavar="DIR",
                   help="where the sample grid (and default data) go (default: out)")

    sub.add_parser("infimnist", add_help=False,
                   help="the InfiMNIST reference tool: [-d DATADIR] FORMAT FIRST [LAST] "
                        "(`infimnist --help` for its usage)")
    return parser


def _check_writable_file(path: str, option: str) -> None:
    if path == "-":
        return
    target = Path(path)
    if target.is_dir():
        raise UserError(f"{option} {path}: is a directory; give a file name", OUTPUT_EXIT)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"{option} {path}: directory {parent} does not exist; create it first",
                        OUTPUT_EXIT)
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UserError(f"{option} {path}: not writable; choose another location", OUTPUT_EXIT)


def _check_data_dir(path: str | None) -> None:
    if path is not None and Path(path).exists() and not Path(path).is_dir():
        raise UserError(f"--data_dir {path}: is a file, not a directory", OUTPUT_EXIT)


def check_paths(args: argparse.Namespace) -> None:
    """Checks every path option before any work, so a mistake touches no file."""
    if args.command in ("build", "show", "export", "demo"):
        _check_data_dir(args.data_dir)
    if args.command in ("show", "export"):
        _check_writable_file(args.out, "--out")
    if getattr(args, "manual_dir", None) and not Path(args.manual_dir).is_dir():
        raise UserError(f"--manual_dir {args.manual_dir}: no such directory", DATA_EXIT)


def import_quietly(module: str) -> None:
    """Imports ``module`` (TensorFlow, or a package importing it) with stderr silenced when
    TF_CPP_MIN_LOG_LEVEL is 3: TensorFlow's CUDA-probe lines on CPU-only machines are
    printed by C++ before any log level applies. Python errors still surface."""
    import importlib
    if module in sys.modules or os.environ.get("TF_CPP_MIN_LOG_LEVEL") != "3":
        importlib.import_module(module)
        return
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        importlib.import_module(module)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _run(argv: list[str]) -> int:
    if argv and argv[0] == "infimnist":
        opts = parse_reference_args(argv[1:])
        if opts.get("help"):
            sys.stdout.write(REFERENCE_USAGE)
            return 0
        import_quietly("tfds_mnist_family.cli")  # TensorFlow from here on
        return sys.modules["tfds_mnist_family.cli"].run_reference_tool(opts)
    args = build_parser().parse_args(argv)
    check_paths(args)
    import_quietly("tfds_mnist_family.cli")  # TensorFlow from here on
    return sys.modules["tfds_mnist_family.cli"].run(args)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = False
    while argv[:1] == ["--debug"]:
        debug, argv = True, argv[1:]
    if argv[:1] != ["infimnist"] and "--debug" in argv:  # also accepted after the command
        debug, argv = True, [a for a in argv if a != "--debug"]
    if not debug:  # quiet TensorFlow: set before it is imported
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    try:
        return _run(argv)
    except UserError as e:
        if debug:
            raise
        print(e, file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
