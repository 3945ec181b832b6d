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
Compiled code is cached on disk (numba's __pycache__ files): only a first run compiles. A
kernel freezes the globals it reads when it compiles, and the cache notices changes to the
kernel's own file only: constants of another module (NEVER, the WHY_LEFT codes) are passed
in as arguments.
"""

from __future__ import annotations

import numba


def jit(f):
    """numba.njit, cached on disk, with NumPy's division semantics (x / 0 is inf or nan, no exception)."""
    return numba.njit(cache=True, error_model="numpy")(f)
