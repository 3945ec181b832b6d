"""Array helpers the hot path needs and NumPy does slowly.

NumPy 2.5's `np.unique` of integers takes a hash-based path that is ~15x slower than
sorting on millions of values; `distinct` sorts instead.
"""

from __future__ import annotations

import numpy as np


def distinct(x: np.ndarray) -> np.ndarray:
    """Sorted distinct values of an integer array (np.unique without the slow path)."""
    y = np.sort(x)
    if len(y) < 2:
        return y
    keep = np.empty(len(y), bool)
    keep[0] = True
    np.not_equal(y[1:], y[:-1], out=keep[1:])
    return y[keep]
