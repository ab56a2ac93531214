"""Small zeroed arrays of a size fixed at compile time, on the stack of a compiled function:
the per-group and per-cause state of the compiled walks (:mod:`survival_stats._compiled_cuminc`).

numba's ``np.zeros`` is a heap allocation that LLVM cannot tell apart from the other arrays
of the function, so every store to one state array makes it reload all the others. A stack
array (an ``alloca``) provably aliases nothing else, and its shape is a constant: the loops
over groups and causes keep values in registers (measured: the cuminc walk of 1,000,000
subjects, 3 groups, 2 causes, a fifth less time).

The shape is spelled by a layout string over the groups (``G``, the length of the ``groups``
tuple), the groups less one (``M``, the rows of Gray's test) and the causes (``C``, the length
of the ``causes`` tuple): ``fixed_zeros(sizes, causes, "CMG")`` is a (causes, groups - 1,
groups) float64 array. The tuples' lengths are part of their numba type, so each number of
groups and causes compiles (and caches) its own machine code. Such an array lives as long as
the call that made it: it must not be returned (return a copy).
"""

from __future__ import annotations

import math

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic
from numba.np.arrayobj import populate_array


def _fixed_shape(groups, causes, layout) -> tuple[int, ...] | None:
    """The shape that ``layout`` spells for these tuple types (None: not a layout literal)."""
    if not isinstance(layout, types.StringLiteral) or not isinstance(groups, types.BaseTuple) \
            or not isinstance(causes, types.BaseTuple):
        return None
    dims = {"G": len(groups), "C": len(causes), "M": max(len(groups) - 1, 0)}
    if set(layout.literal_value) - set(dims):
        raise ValueError(f"layout {layout.literal_value!r}: letters G, M, C only")
    return tuple(dims[letter] for letter in layout.literal_value)


def _stack_array_codegen(dtype, shape: tuple[int, ...]):
    """Code that allocates ``shape`` zeroed items of ``dtype`` on the stack (in the entry
    block: once per call) and wraps them as a C-contiguous array without a memory owner."""
    array_type = types.Array(dtype, len(shape), "C")

    def codegen(context, builder, signature, args):
        count = max(1, math.prod(shape))
        item = context.get_abi_sizeof(context.get_data_type(dtype))
        buffer = cgutils.alloca_once(builder, context.get_data_type(dtype), size=count)
        cgutils.memset(builder, buffer, context.get_constant(types.intp, count * item), 0)
        strides, step = [], item
        for extent in reversed(shape):
            strides.insert(0, step)
            step *= extent
        array = context.make_array(array_type)(context, builder)
        populate_array(array, data=buffer,
                       shape=[context.get_constant(types.intp, s) for s in shape],
                       strides=[context.get_constant(types.intp, s) for s in strides],
                       itemsize=context.get_constant(types.intp, item), meminfo=None)
        return array._getvalue()

    return array_type, codegen


@intrinsic
def fixed_zeros(typingctx, groups, causes, layout):
    """Zeroed float64 stack array of the shape ``layout`` spells (see the module)."""
    shape = _fixed_shape(groups, causes, layout)
    if shape is None:
        return None
    array_type, codegen = _stack_array_codegen(types.float64, shape)
    return array_type(groups, causes, layout), codegen


@intrinsic
def fixed_int_zeros(typingctx, groups, causes, layout):
    """Zeroed int64 stack array of the shape ``layout`` spells (see the module)."""
    shape = _fixed_shape(groups, causes, layout)
    if shape is None:
        return None
    array_type, codegen = _stack_array_codegen(types.int64, shape)
    return array_type(groups, causes, layout), codegen
