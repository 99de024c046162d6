"""Static proof that a traced TensorFlow graph can run on a GPU.

No GPU is available where this package is developed, so GPU-readiness is shown
by inspecting the graph: every op must have a kernel registered for device type
GPU or DEFAULT (with a matching ``T``/dtype constraint where the kernel declares one), and
no op may be a Python callback (``PyFunc``/``EagerPyFunc``), which always runs
on the host.
"""

from __future__ import annotations

from collections.abc import Iterable

import tensorflow as tf
from tensorflow.python.framework import kernels

# Ops that place no kernel of their own: they are graph plumbing resolved by
# the runtime (function arguments, results, no-ops and control-flow bodies).
_STRUCTURAL_OPS = frozenset({"_Arg", "_Retval", "NoOp", "Placeholder"})
# "DEFAULT" kernels run on every device (e.g. int32 Const, kept in host memory).
_GPU_DEVICE_TYPES = ("GPU", "DEFAULT")
_HOST_CALLBACK_OPS = frozenset({"PyFunc", "EagerPyFunc", "PyFuncStateless"})


def _all_node_defs(graph_def) -> Iterable:
    yield from graph_def.node
    for function in graph_def.library.function:
        yield from function.node_def


def _dtype_attrs(node) -> dict[str, int]:
    return {name: value.type for name, value in node.attr.items() if value.WhichOneof("value") == "type"}


def _kernel_matches(kernel, node_dtypes: dict[str, int]) -> bool:
    for constraint in kernel.constraint:
        allowed = constraint.allowed_values.list.type
        dtype = node_dtypes.get(constraint.name)
        if dtype is not None and allowed and dtype not in allowed:
            return False
    return True


def ops_without_gpu_kernel(concrete_function) -> list[str]:
    """Names ``op(dtypes)`` of ops in the traced function that cannot run on a GPU."""
    graph_def = concrete_function.graph.as_graph_def()
    problems: set[str] = set()
    for node in _all_node_defs(graph_def):
        if node.op in _STRUCTURAL_OPS:
            continue
        dtypes = _dtype_attrs(node)
        label = f"{node.op}({', '.join(f'{k}={tf.dtypes.as_dtype(v).name}' for k, v in sorted(dtypes.items()))})"
        if node.op in _HOST_CALLBACK_OPS:
            problems.add(label + " [Python callback]")
            continue
        gpu_kernels = [k for k in kernels.get_registered_kernels_for_op(node.op).kernel
                       if k.device_type in _GPU_DEVICE_TYPES]
        if not any(_kernel_matches(k, dtypes) for k in gpu_kernels):
            problems.add(label)
    return sorted(problems)


def op_types(concrete_function) -> set[str]:
    """The set of op types in a traced function, nested functions included."""
    return {node.op for node in _all_node_defs(concrete_function.graph.as_graph_def())}
