"""Catalog metadata shared by the builders: licences for ``redistribution_info``."""

from __future__ import annotations

MNIST_LICENSE = ("MNIST: Yann LeCun, Corinna Cortes and Christopher J. C. Burges, "
                 "Creative Commons Attribution-Share Alike 3.0 (CC BY-SA 3.0), "
                 "https://creativecommons.org/licenses/by-sa/3.0/")

INFIMNIST_LICENSE = (MNIST_LICENSE + ". Deformed digits are derived from MNIST with the "
                     "InfiMNIST data files of L. Bottou (https://leon.bottou.org/projects/infimnist); "
                     "check that page for their terms.")

MNIST_LARGE_SCALE_LICENSE = (MNIST_LICENSE + ". Generated images are derived from MNIST. The "
                             "official HDF5 files (restricted, https://zenodo.org/record/3820247) "
                             "are under the terms of that record.")

NOTMNIST_LICENSE = ("No licence stated by the author (Yaroslav Bulatov, 2011, "
                    "http://yaroslavvb.blogspot.com/2011/09/notmnist-dataset.html); glyphs are "
                    "rendered from publicly available fonts. Check before redistributing.")


def redistribution_info(license_text: str) -> dict[str, str]:
    """The ``redistribution_info`` argument of ``tfds.core.DatasetInfo``."""
    return {"license": license_text}
