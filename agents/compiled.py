"""Compiled loops (numba) for the day's rules: one call where NumPy needs dozens.

On a few hundred members a NumPy call costs more in Python overhead than in arithmetic,
so a small world (a calibration's simulations, a sweep's runs) paid ~12x more per
member-day than a big one. A rule's arithmetic in one compiled loop is one call.

Kernels are bit-identical to the NumPy they replace, so every documented figure holds:
- transcendental functions (exp, expm1, tanh, log, x ** y) stay NumPy ufuncs outside the
  loop: NumPy's SIMD versions differ from libm's in the last bit;
- float totals NumPy takes pairwise (np.sum) stay np.sum; np.bincount's weighted sums
  are sequential, as a loop is;
- random draws are NumPy's, in the order the rule makes them: a NumPy call, or inside a
  kernel NumPy's own C functions on the Generator's bit generator (agents/draws.py).
  numba's own distributions are not NumPy's (its Poisson for means of 10 and more
  truncates where NumPy floors, so about one draw in 30,000 comes out 0;
  tests/test_compiled.py checks that no kernel takes a Generator).
Compiled code is cached on disk: only a first run compiles. numba's cache notices changes to a
kernel's own file only, while a kernel compiles in what it calls from other files (the draws
of agents/draws.py inside behaviour's rules): a stale copy can give old numbers or crash
(numba's "descr is NULL"). So the cache is a folder named by a hash of every source file that
holds kernels (`kernel_cache`): after an edit everything compiles afresh, once (~30 s); the
last few versions stay, so going back to one compiles nothing.
Constants of another module (NEVER, the WHY_LEFT codes) are still passed in as arguments.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numba

_PACKAGE = Path(__file__).resolve().parents[1]
_SOURCES = ("agents", "sim")  # the folders whose modules define kernels


def kernel_cache() -> Path:
    """numba's cache folder for this version of the kernels' sources (NUMBA_CACHE_DIR, if set,
    else agents/__pycache__, holds it). The folders of the last KEPT versions used stay (going
    back to a branch compiles nothing), older ones are removed. (numba's setting is the
    process's: other numba code run alongside caches there too.)"""
    digest = hashlib.sha256()
    for folder in _SOURCES:
        for f in sorted((_PACKAGE / folder).glob("*.py")):
            text = f.read_bytes()
            if b"jit" in text:
                digest.update(f.name.encode() + text)
    base = Path(os.environ.get("NUMBA_CACHE_DIR") or Path(__file__).parent / "__pycache__")
    here = base / f"kernels-{digest.hexdigest()[:12]}"
    try:
        here.mkdir(parents=True, exist_ok=True)
        os.utime(here)  # the last used
        used = sorted(base.glob("kernels-*"), key=lambda d: d.stat().st_mtime, reverse=True)
    except OSError:  # not writable, or another process removed one meanwhile: numba finds a place itself
        return here
    for old in used[KEPT:]:
        shutil.rmtree(old, ignore_errors=True)
    return here


KEPT = 3  # versions of the kernels' cache kept side by side


numba.config.CACHE_DIR = str(kernel_cache())  # read by each kernel as it is defined, below and in the rule modules


def jit(f):
    """numba.njit, cached on disk, with NumPy's division semantics (x / 0 is inf or nan, no exception)."""
    return numba.njit(cache=True, error_model="numpy")(f)


_memmove = numba.types.ExternalFunction("memmove", numba.types.uintp(numba.types.uintp, numba.types.uintp, numba.types.uintp))


@jit
def shift(buf, start, end, by):
    """buf[start + by:end + by] = buf[start:end] (1-D, contiguous), an overlapping block moved by C's
    memmove: numba's slice assignment first copies an overlapping source into a new array.
    Checked always: memory outside the array is not numba's to check."""
    if end > start:
        if start < 0 or end > len(buf) or start + by < 0 or end + by > len(buf):
            raise IndexError("shift: a block outside the array")
        size = buf.itemsize
        _memmove(buf.ctypes.data + (start + by) * size, buf.ctypes.data + start * size, (end - start) * size)
