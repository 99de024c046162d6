"""The InfiMNIST 1.3 generator as pure TensorFlow ops, byte-exact with the reference C code.

``generate(indices, tables)`` maps a batch of int64 indices to ``(images, labels)``:
(B, 28, 28) uint8 and (B,) int64. It is made of plain TF ops only (no
``py_function``), so it runs inside ``tf.function``, ``tf.data`` and on a GPU,
with or without ``jit_compile=True``.

Exactness (see ``ALGORITHM.md``): every float32 operation is rounded on its own.
The two products ``F*T`` are computed as ``float64(F) * float64(T)`` (exact, since
24 + 24 significant bits fit in 53) and cast to float32 (one correct rounding), so
no float32 multiply ever feeds an add that XLA/LLVM could contract into an FMA.
``s * (d - e)`` with ``s = +-1`` is exact. On top of that each rounded float32
intermediate goes through an integer bit-level identity (``_rounded``) that the
compiler cannot see through: XLA:CPU otherwise kept wider intermediates and got
8 in 100,000 MNIST8M images wrong by one grey level. Translation is a per-code gather table built by
simulating the reference loops on index arrays (so codes 2 and 3 keep their quirks).

Index validity (0 <= i < 2**62) is checked by ``check_indices`` (Python, for
concrete values) and, with ``validate=True``, by ``tf.debugging`` asserts inside
the graph. XLA ignores graph asserts, so under ``jit_compile=True`` only the
Python-side checks of the entry points (pipeline, builder, CLI, Keras layer on
concrete inputs) apply.
"""

from __future__ import annotations

import dataclasses
import numpy as np
import tensorflow as tf

from tfds_mnist_family.core import epochs, mnist
from tfds_mnist_family.infimnist.indices import MAX_INDEX, IndexRange, check_indices

NUM_FIELDS = 1522
PIXELS = mnist.PIXELS
# Translation code -> flat offset (new c[p] = old c[p + offset]), for documentation/tests.
TRANSLATION_OFFSETS = (28, -28, 1, -1, 29, 27, -27, -29, 0)


# Every 784-pixel row of the tables is stored with _PAD zeros either side ("padded
# rows"): the pixels computed from padded rows are padded too (zeros stay zero), so the
# translation reads static windows of them. _PAD is the largest translation offset.
_PAD = max(abs(o) for o in TRANSLATION_OFFSETS)
ROW = PIXELS + 2 * _PAD


@dataclasses.dataclass(frozen=True)
class InfimnistInputs:
    """The six InfiMNIST files as tensors, every 784-pixel row padded to ``ROW`` (842).

    images: (70000, ROW) float16 (pixel values 0..255 are exact in float16), MNIST
      test images then training images, so row i is example i for every pristine
      index i < 70000. float16, not uint8: TF has no GPU kernel for uint8 gathers,
      and half the bytes of float32 per gathered row.
    labels: (70000,) int64, in the same order.
    fields: (1522, ROW) float32 deformation fields.
    tangents: (60000, 2 * ROW) float32; row a holds padded T[a][0] then padded T[a][1].
    Build them with ``numpy_inputs_to_tensors``. ``unpadded`` gives the pixels back:
    ``unpadded(t.images.numpy())``, ``unpadded(t.tangents.numpy().reshape(-1, 2, ROW))``.
    """

    images: tf.Tensor
    labels: tf.Tensor
    fields: tf.Tensor
    tangents: tf.Tensor
    # What the tables were made from (file -> SHA-256, ...), for the dataset metadata.
    provenance: dict = dataclasses.field(default_factory=dict, compare=False)

    def to(self, device: str) -> "InfimnistInputs":
        """A copy of the tables placed on ``device`` (e.g. ``"/GPU:0"``)."""
        with tf.device(device):
            return InfimnistInputs(*(tf.identity(t) for t in
                                     (self.images, self.labels, self.fields, self.tangents)),
                                   provenance=self.provenance)


def padded_rows(shape: tuple[int, ...], dtype=np.float32) -> np.ndarray:
    """A zeroed, 64-byte-aligned ``shape + (ROW,)`` array: the table layout of ``InfimnistInputs``."""
    out = aligned_empty(tuple(shape) + (ROW,), dtype)
    out.fill(0)
    return out


def unpadded(rows: np.ndarray) -> np.ndarray:
    """The (..., 784) pixel view of padded rows (..., ROW); unpadded arrays are returned as they are."""
    return rows[..., _PAD:_PAD + PIXELS] if rows.shape[-1] == ROW else rows


def _checked(value, shapes: list[tuple[int, ...]], what: str) -> np.ndarray:
    """``value`` as an array if its shape is one of ``shapes``; else ValueError naming ``what``."""
    array = np.asarray(value)
    if array.shape not in shapes:
        raise ValueError(f"{what}: shape {array.shape}; expected "
                         f"{' or '.join(str(s) for s in shapes)}")
    return array


def to_padded(array: np.ndarray, shape: tuple[int, ...], dtype=np.float32,
              what: str = "array") -> np.ndarray:
    """``array`` as ``shape + (ROW,)`` padded rows: itself if it already is one (aligned,
    right dtype), else a padded copy. Accepted: ``shape`` rows of 784 pixels (or 28x28),
    or of ``ROW`` padded pixels, the last row axis possibly flattened (the files' and
    ``InfimnistInputs``' layouts); any other shape raises ValueError naming ``what``."""
    shape = tuple(shape)
    flat = shape[:-1] + (shape[-1] * PIXELS,)
    flat_padded = shape[:-1] + (shape[-1] * ROW,)
    array = _checked(array, [shape + (PIXELS,), shape + (28, 28), flat, shape + (ROW,),
                             flat_padded], what)
    if array.shape == flat_padded:
        array = array.reshape(shape + (ROW,))
    if array.shape == shape + (ROW,):
        if array.dtype == dtype and array.flags.c_contiguous and array.ctypes.data % 64 == 0:
            return array
    out = padded_rows(shape, dtype)
    unpadded(out)[...] = unpadded(array).reshape(shape + (PIXELS,))
    return out


def _simulate(code: int, c: np.ndarray) -> np.ndarray:
    """Runs the reference translation loops for one basic code (0..3) on an index array."""
    c = c.copy()
    if code == 0:
        for p in range(0, 756):
            c[p] = c[p + 28]
        c[756:784] = PIXELS
    elif code == 1:
        for p in range(783, 27, -1):
            c[p] = c[p - 28]
        c[0:28] = PIXELS
    elif code == 2:
        for p in range(0, 783):
            c[p] = PIXELS if p % 28 == 0 else c[p + 1]
        c[783] = PIXELS
    elif code == 3:
        for p in range(783, 0, -1):
            c[p] = PIXELS if (p - 1) % 28 == 0 else c[p - 1]
        c[0] = PIXELS
    return c


def translation_tables() -> np.ndarray:
    """(9, 784) int32: output pixel p of code t is input pixel ``table[t, p]`` (784 = zero)."""
    plan = {0: [0], 1: [1], 2: [2], 3: [3], 4: [0, 2], 5: [0, 3], 6: [1, 2], 7: [1, 3], 8: []}
    tables = np.empty((9, PIXELS), np.int32)
    for code, steps in plan.items():
        c = np.arange(PIXELS, dtype=np.int32)
        for step in steps:
            c = _simulate(step, c)
        tables[code] = c
    return tables


_TABLES = translation_tables()


def deformation_params(i: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """(k1, k2, a) for int64 indices i (meaningful for i >= 70000)."""
    mask = tf.constant(0xFFFFFFFF, tf.int64)
    k1 = tf.math.floormod(tf.bitwise.bitwise_and(tf.bitwise.bitwise_and(i, mask) * 131071, mask),
                          tf.constant(NUM_FIELDS - 1, tf.int64))
    k2 = tf.math.floormod(k1 + 1 + 2 * tf.math.floormod(i, tf.constant(NUM_FIELDS, tf.int64)),
                          tf.constant(NUM_FIELDS, tf.int64))
    return k1, k2, mnist.training_image_of(i)


def _validate_in_graph(i: tf.Tensor) -> tf.Tensor:
    """``i``, after an in-graph check that 0 <= i < 2**62.

    Uses ``CheckNumerics`` on a scalar that is NaN iff some index is invalid:
    unlike ``tf.debugging.assert_*`` (string tensors, host-only) it has GPU
    kernels, and its message is an attribute.
    """
    bad = tf.reduce_any((i < 0) | (i >= tf.constant(MAX_INDEX, tf.int64)))
    flag = tf.where(bad, tf.constant(np.nan, tf.float32), tf.constant(0.0, tf.float32))
    checked = tf.debugging.check_numerics(
        flag, message="InfiMNIST index out of range (negative or >= 2**62); valid indices "
                      "are 0 <= i < 2**62")
    with tf.control_dependencies([checked]):
        return tf.identity(i)


def _prepare(indices: tf.Tensor, tables: InfimnistInputs, validate: bool):
    """The per-example parameters of a batch: (source row, k1, k2, a, s, code, zero, labels)."""
    i = tf.cast(tf.reshape(indices, [-1]), tf.int64)
    if validate:
        if tf.executing_eagerly():
            check_indices(i.numpy())
        else:
            i = _validate_in_graph(i)
    k1, k2, a = deformation_params(i)
    pristine = i < mnist.NUM_IMAGES
    source = mnist.source_row(i)    # row of tables.images / tables.labels
    labels = tf.gather(tables.labels, source)
    # s = +-1 for deformed examples, 0 for pristine ones (then v == x exactly).
    s = tf.where(pristine, 0.0, tf.where(tf.math.floormod(k1 + k2, 2) == 0, 1.0, -1.0))[:, None]
    code = tf.where(pristine, tf.constant(8, tf.int64), tf.math.floormod(k1, 9))  # 8 = no move
    # 0 for every valid index (i < 2**62), but not provably so: feeds _rounded.
    zero = tf.cast(tf.bitwise.right_shift(i, tf.constant(62, tf.int64)), tf.int32)[:, None]
    return source, k1, k2, a, s, code, zero, labels


def generate(indices: tf.Tensor, tables: InfimnistInputs, validate: bool = False,
             fused: bool = True) -> tuple[tf.Tensor, tf.Tensor]:
    """InfiMNIST examples for a 1-D batch of indices: ((B,28,28) uint8, (B,) int64 labels).

    ``fused=True`` gathers every input pixel already translated (translation
    commutes with the per-pixel steps), so under ``jit_compile=True`` XLA emits one
    loop with no intermediate tensors; ``fused=False`` gathers whole rows and
    translates the quantized output, which is faster without XLA. Both are
    byte-exact. With ``validate=True`` the graph asserts 0 <= i < 2**62 (not under
    XLA, which drops asserts); eager calls are checked by ``check_indices``.
    ``compiled_generator`` is the fastest form under XLA (two compiled stages).
    """
    source, k1, k2, a, s, code, zero, labels = _prepare(indices, tables, validate)
    if fused:
        images = _deform_fused(tables, source, k1, k2, a, s, code, zero)
    else:
        images = _deform_rows(tables, source, k1, k2, a, s, code, zero)
    return tf.reshape(images, [-1, 28, 28]), labels


def untranslated(indices: tf.Tensor, tables: InfimnistInputs,
                 validate: bool = False) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Stage 1 of ``compiled_generator``: ((B, ROW) uint8 deformed pixels before the
    translation, in padded rows, (B,) translation codes, (B,) labels). Whole-row
    gathers only, so XLA vectorises it; ``translate`` finishes the images."""
    source, k1, k2, a, s, code, zero, labels = _prepare(indices, tables, validate)
    q = _row_pixels(tables, source, k1, k2, a, s, zero)
    return tf.cast(q, tf.uint8), code, labels


# Code -> True where the reference loops blank the pixel (bool: TF has no GPU uint8 gather).
_BLANK = _TABLES == PIXELS


def translate(padded: tf.Tensor, code: tf.Tensor) -> tf.Tensor:
    """Stage 2 of ``compiled_generator``: (B, ROW) uint8 padded pixels, (B,) codes -> (B, 784).

    Every code is a flat shift by ``TRANSLATION_OFFSETS[code]`` with some pixels
    blanked (``translation_tables``), so the output is one of nine static windows
    of the padded rows, selected per example: contiguous loads only. Returns flat
    rows: under XLA:CPU a (B, 28, 28) result or a ``pad`` here is 3x slower.
    """
    out = padded[:, _PAD:_PAD + PIXELS]  # code 8: no move
    for c, offset in enumerate(TRANSLATION_OFFSETS[:-1]):
        out = tf.where((code == c)[:, None], padded[:, _PAD + offset:_PAD + offset + PIXELS], out)
    return tf.where(tf.gather(tf.constant(_BLANK), code), tf.zeros_like(out), out)


def compiled_generator(tables: InfimnistInputs, jit_compile: bool = True,
                       batch_size: int | None = None):
    """``indices -> (images (B,28,28) uint8, labels)``, compiled for speed, byte-exact.

    Under XLA: ``untranslated`` and ``translate`` as two compiled functions (XLA does
    not vectorise ``generate(fused=True)``'s per-pixel gathers; two stages with the
    small uint8 intermediate in between run 1.5-2.2x faster on 2 cores,
    ``benchmarks/RESULTS.md``). Without XLA: ``generate(fused=False)``. With
    ``batch_size``, the functions are traced once for that fixed batch size.
    """
    spec = None if batch_size is None else [tf.TensorSpec([batch_size], tf.int64)]
    if not jit_compile:
        return tf.function(lambda i: generate(i, tables, fused=False), input_signature=spec)
    stage1 = tf.function(lambda i: untranslated(i, tables), jit_compile=True,
                         input_signature=spec)
    stage2 = tf.function(translate, jit_compile=True)

    def run(indices: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        if tf.executing_eagerly():  # XLA drops in-graph asserts: check concrete indices here
            check_indices(np.asarray(indices))
        pixels, code, labels = stage1(indices)
        return tf.reshape(stage2(pixels, code), [-1, 28, 28]), labels
    return run


def _rounded(x: tf.Tensor, zero: tf.Tensor) -> tf.Tensor:
    """``x`` with its float32 rounding forced: the bits go through an integer OR with
    ``zero`` (always 0, but unknown to the compiler), so XLA cannot keep a wider
    intermediate or contract the producer into an FMA."""
    return tf.bitcast(tf.bitwise.bitwise_or(tf.bitcast(x, tf.int32), zero), tf.float32)


def _pixel(x: tf.Tensor, f1: tf.Tensor, t0: tf.Tensor, f2: tf.Tensor, t1: tf.Tensor,
           s: tf.Tensor, zero: tf.Tensor) -> tf.Tensor:
    """Steps 5-6 of ALGORITHM.md, each float32 operation rounded on its own.

    Without the ``_rounded`` barriers, XLA:CPU was measured to skip intermediate
    roundings (8 wrong images per 100,000 over MNIST8M, invisible in the 3229
    golden vectors, caught by the whole-range digest).
    """
    d = _rounded(tf.cast(tf.cast(f1, tf.float64) * tf.cast(t0, tf.float64), tf.float32), zero)
    e = _rounded(tf.cast(tf.cast(f2, tf.float64) * tf.cast(t1, tf.float64), tf.float32), zero)
    v = _rounded(x + s * _rounded(d - e, zero), zero)   # s in {-1, 0, 1}: s*(d-e) is exact
    return tf.clip_by_value(v, 0.0, 255.0)  # then truncate toward 0 by the uint8 cast


def _row_pixels(tables, source, k1, k2, a, s, zero) -> tf.Tensor:
    """(B, ROW) float32 deformed pixels in padded rows, untranslated, from whole-row gathers."""
    t = tf.gather(tables.tangents, a)                                  # (B, 2 * ROW)
    return _pixel(tf.cast(tf.gather(tables.images, source), tf.float32),
                  tf.gather(tables.fields, k1), t[:, :ROW], tf.gather(tables.fields, k2),
                  t[:, ROW:], s, zero)


def _deform_rows(tables, source, k1, k2, a, s, code, zero) -> tf.Tensor:
    return translate(tf.cast(_row_pixels(tables, source, k1, k2, a, s, zero), tf.uint8), code)


def _deform_fused(tables, source, k1, k2, a, s, code, zero) -> tf.Tensor:
    # Input pixel of each output pixel, as a column of the padded rows (blanked ones: any).
    src = tf.gather(tf.constant(np.minimum(_TABLES, PIXELS - 1) + _PAD), code)  # (B, 784)
    blank = tf.gather(tf.constant(_BLANK), code)                       # (B, 784) bool

    def at(table: tf.Tensor, row: tf.Tensor, offset: int = 0) -> tf.Tensor:
        # Flat element gathers; int32 offsets (< 101.1 M) vectorize better than int64.
        flat = tf.reshape(table, [-1])
        return tf.gather(flat, tf.cast(row, tf.int32)[:, None] * table.shape[-1] + offset + src)

    q = _pixel(tf.cast(at(tables.images, source), tf.float32), at(tables.fields, k1),
               at(tables.tangents, a), at(tables.fields, k2), at(tables.tangents, a, ROW),
               s, zero)
    return tf.cast(tf.where(blank, tf.zeros_like(q), q), tf.uint8)


def numpy_inputs_to_tensors(test_images: np.ndarray, test_labels: np.ndarray,
                            train_images: np.ndarray, train_labels: np.ndarray,
                            fields: np.ndarray, tangents: np.ndarray,
                            provenance: dict | None = None) -> InfimnistInputs:
    """Builds ``InfimnistInputs`` from numpy arrays (shapes checked, naming the argument).

    ``tangents``: (60000, 2, 784) (or 60000 x 1568) float32 is copied into padded
    rows; a (60000, 2, ROW) ``padded_rows`` array (what the loaders read into) is
    shared with TensorFlow, not copied. Values are not checked here (the loaders
    of ``inputs`` reject NaN, inf and values beyond the pixel scale).
    """
    n_test, n_train = mnist.NUM_TEST_IMAGES, mnist.NUM_TRAIN_IMAGES
    images = padded_rows((mnist.NUM_IMAGES,), np.float16)
    unpadded(images)[:n_test] = _checked(test_images, [(n_test, 28, 28), (n_test, PIXELS)],
                                         "test_images").reshape(-1, PIXELS)
    unpadded(images)[n_test:] = _checked(train_images, [(n_train, 28, 28), (n_train, PIXELS)],
                                         "train_images").reshape(-1, PIXELS)
    labels = np.concatenate([_checked(test_labels, [(n_test,)], "test_labels"),
                             _checked(train_labels, [(n_train,)], "train_labels")])
    tangents = to_padded(tangents, (n_train, 2), what="tangents")
    return InfimnistInputs(
        images=share_with_tf(images),
        labels=tf.constant(labels.astype(np.int64)),
        fields=tf.constant(to_padded(fields, (NUM_FIELDS,), what="fields")),
        tangents=share_with_tf(tangents.reshape(n_train, 2 * ROW)),
        provenance=dict(provenance or {}),
    )


def aligned_empty(shape: tuple[int, ...], dtype=np.float32, alignment: int = 64) -> np.ndarray:
    """An uninitialised numpy array whose buffer is ``alignment``-byte aligned.

    TensorFlow can adopt such a buffer without copying (see ``share_with_tf``).
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    raw = np.empty(nbytes + alignment, np.uint8)
    offset = (-raw.ctypes.data) % alignment
    return raw[offset:offset + nbytes].view(dtype).reshape(shape)


def share_with_tf(array: np.ndarray) -> tf.Tensor:
    """A CPU tensor viewing ``array``'s memory (zero-copy via DLPack) when it is 64-byte
    aligned and C-contiguous; otherwise a copy. Do not modify ``array`` afterwards."""
    if array.flags.c_contiguous and array.ctypes.data % 64 == 0 and array.size:
        with tf.device("/CPU:0"):
            return tf.experimental.dlpack.from_dlpack(array.__dlpack__())
    return tf.constant(array)


class BatchGenerator:
    """Compiled ``generate`` for a fixed batch size; pads the last batch so XLA compiles once.

    ``generator(indices)`` takes any 1-D integer array (checked with
    ``check_indices``) and returns numpy ``(images (n,28,28) uint8, labels (n,) int64)``.
    """

    def __init__(self, tables: InfimnistInputs, batch_size: int = 8192,
                 jit_compile: bool = True) -> None:
        self.tables = tables
        self.batch_size = epochs.check_batch_size(batch_size)
        self.jit_compile = jit_compile
        self._fn = compiled_generator(tables, jit_compile, batch_size=batch_size)

    def __call__(self, indices) -> tuple[np.ndarray, np.ndarray]:
        indices = check_indices(indices).reshape(-1)
        images = np.empty((len(indices), 28, 28), np.uint8)
        labels = np.empty((len(indices),), np.int64)
        for lo in range(0, len(indices), self.batch_size):
            chunk = indices[lo:lo + self.batch_size]
            n = len(chunk)
            if n < self.batch_size:
                chunk = np.concatenate([chunk, np.zeros(self.batch_size - n, np.int64)])
            im, lb = self._fn(tf.constant(chunk))
            images[lo:lo + n] = im.numpy()[:n]
            labels[lo:lo + n] = lb.numpy()[:n]
        return images, labels

    def iter_range(self, index_range: IndexRange):
        """Yields (indices, images, labels) numpy batches covering ``index_range``."""
        for chunk in index_range.chunks(self.batch_size):
            indices = chunk.arange()
            images, labels = self(indices)
            yield indices, images, labels
