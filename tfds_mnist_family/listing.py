"""What the package offers, without preparing anything: datasets, configs, splits, sizes."""

from __future__ import annotations

DATASETS = ("infimnist", "notmnist", "mnist_large_scale")


def _split_sizes(config) -> dict[str, int | None]:
    """Example counts per split where the config fixes them (None: counted when built)."""
    from tfds_mnist_family.core import mnist
    splits = getattr(config, "splits", None)
    if isinstance(splits, dict):  # infimnist: split -> IndexRange
        return {name: len(index_range) for name, index_range in splits.items()}
    if isinstance(splits, tuple):  # mnist_large_scale: the 50k/10k/10k protocol
        return {name: mnist.span_length(mnist.REDUCED_SPLIT_SPANS[name]) for name in splits}
    names = ["train"] + ([f"fold_{k}" for k in range(5)] if getattr(config, "font_folds", False)
                         else [])
    return dict.fromkeys(names)


def listing(name: str | None = None) -> str:
    """A plain-text table of every dataset/config with its splits and sizes."""
    import tensorflow_datasets as tfds

    import tfds_mnist_family  # noqa: F401  (registers the builders)
    names = DATASETS if name is None else (name.split("/")[0],)
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        raise ValueError(f"unknown dataset {unknown[0]!r}; this package has {', '.join(DATASETS)}")
    lines = []
    for dataset in names:
        builder_cls = tfds.builder_cls(dataset)
        lines.append(f"{dataset} (default config: {builder_cls.DEFAULT_CONFIG_NAME})")
        for config in builder_cls.BUILDER_CONFIGS:
            sizes = ", ".join(f"{split} {'?' if n is None else f'{n:,}'}"
                              for split, n in _split_sizes(config).items())
            lines.append(f"  {dataset}/{config.name:<22} {sizes}")
    lines.append("(? = counted when built; infimnist also takes any index range: "
                 "InfimnistConfig(first=..., last=...))")
    return "\n".join(lines)
