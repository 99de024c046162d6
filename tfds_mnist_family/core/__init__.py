"""Shared building blocks: IDX I/O, data sources, embedded MNIST, sample grids."""
