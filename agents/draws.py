"""NumPy's own random draws, called from inside compiled kernels.

On a few hundred members a `Generator.poisson` or `.binomial` call costs more in argument
checks and broadcasting (~10-20 us) than in drawing, and every draw between two kernels
splits a rule into more calls. NumPy draws each number with C functions that its
`_generator` extension exports for compiled callers (`random_poisson`, `random_binomial`,
`random_standard_uniform_fill`, `random_interval`: the C API of
numpy/random/c_distributions.pxd). A kernel calls those same functions on the Generator's
own bit generator (`source(rng)`), so the numbers, and the stream's state after them, are
NumPy's bit for bit, in every branch of NumPy's algorithms (tests/test_draws.py). numba's
own distributions are not NumPy's (its Poisson for means of 10 and more truncates where
NumPy floors), which is why kernels never draw with them.

Kernels of other files compile these in; an edit here starts a fresh kernel cache
(agents/compiled.py `kernel_cache`), so none keeps a stale copy.
"""

from __future__ import annotations

import ctypes

import llvmlite.binding as llvm
import numpy as np
import numpy.random._generator as _generator
from numba import types

from .compiled import jit

_missing = [f for f in ("random_poisson", "random_binomial", "random_standard_uniform_fill", "random_interval")
            if not hasattr(ctypes.CDLL(_generator.__file__), f)]
if _missing:  # (NumPy 1.26-2.5 export them: the C API of numpy/random/c_distributions.pxd)
    raise ImportError(f"this NumPy ({np.__version__}) does not export {', '.join(_missing)} from numpy.random._generator, "
                      "which qunsim's compiled rules draw with: install a NumPy of 1.26 or later from PyPI")
llvm.load_library_permanently(_generator.__file__)  # NumPy's symbols, resolvable by the kernels' linker
_poisson = types.ExternalFunction("random_poisson", types.int64(types.uintp, types.float64))
_binomial = types.ExternalFunction("random_binomial", types.int64(types.uintp, types.float64, types.int64, types.uintp))
_uniform_fill = types.ExternalFunction("random_standard_uniform_fill", types.void(types.uintp, types.intp, types.uintp))
_interval = types.ExternalFunction("random_interval", types.uint64(types.uintp, types.uint64))
_BINOMIAL_STATE = 32  # int64s: room for NumPy's binomial_t (its set-up for the last n and p, 136 bytes)
LAM_MAX = float(np.iinfo(np.int64).max - np.sqrt(np.iinfo(np.int64).max) * 10)  # NumPy's bound on a Poisson mean


def source(rng: np.random.Generator) -> int:
    """The address of `rng`'s bit generator, for a kernel to draw from (keep `rng` alive meanwhile)."""
    return rng.bit_generator.ctypes.bit_generator.value


@jit
def poissons(bitgen, lam):
    """Generator.poisson(lam) for a 1-D array of means, drawn from `bitgen` (source(rng))."""
    out = np.empty(len(lam), np.int64)
    for i in range(len(lam)):
        if not 0.0 <= lam[i] <= LAM_MAX:
            raise ValueError("poisson: a mean is negative, NaN or too large")
        out[i] = _poisson(bitgen, lam[i])
    return out


@jit
def binomials(bitgen, n, p):
    """Generator.binomial(n, p) for 1-D arrays of trials and chances of one length, drawn from `bitgen`."""
    out = np.empty(len(n), np.int64)
    state = np.zeros(_BINOMIAL_STATE, np.int64)  # NumPy recomputes a set-up it has not cached: same numbers
    for i in range(len(n)):
        if n[i] < 0 or not 0.0 <= p[i] <= 1.0:
            raise ValueError("binomial: trials below 0, or a chance outside [0, 1] or NaN")
        out[i] = _binomial(bitgen, p[i], n[i], state.ctypes.data)  # (read here: numba frees an array after its last use)
    return out


@jit
def uniforms(bitgen, n):
    """Generator.random(n)."""
    out = np.empty(n)
    if n:
        _uniform_fill(bitgen, n, out.ctypes.data)
    return out


@jit
def permutation(bitgen, n):
    """Generator.permutation(n): a Fisher-Yates shuffle of 0..n-1 from the last place down, each
    place's partner drawn by NumPy's random_interval, as Generator.shuffle does."""
    out = np.arange(n)
    for i in range(n - 1, 0, -1):
        j = _interval(bitgen, i)
        out[i], out[j] = out[j], out[i]
    return out
