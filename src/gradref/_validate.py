"""Input validation shared by the reference implementations.

Every check names the offending argument and the expected shape, so a shape
mistake never surfaces as a broadcasting error further down, and rejects NaN
and infinity, which would otherwise flow silently into a value or a derivative.
Complex input is accepted: the derivative checker evaluates functions at
complex points.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _numeric(name: str, value: Any) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"`{name}` must be an array of numbers; got dtype {array.dtype}")
    return array


def _finite(name: str, array: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(array)):
        raise ValueError(f"`{name}` must be finite; it contains NaN or infinity")
    return array


def array(name: str, value: Any) -> np.ndarray:
    """Return ``value`` as an array of any shape, or raise naming ``name``."""
    return _finite(name, _numeric(name, value))


def scalar(name: str, value: Any) -> np.number:
    """Return ``value`` as a numpy scalar, or raise naming ``name``."""
    number = _numeric(name, value)
    if number.ndim != 0:
        raise ValueError(f"`{name}` must be a scalar; got shape {number.shape}")
    return _finite(name, number)[()]


def vector(name: str, value: Any, size: int | None = None) -> np.ndarray:
    """Return ``value`` as a 1-D array, or raise naming ``name`` and the expected shape."""
    array = _numeric(name, value)
    expected = "(n,)" if size is None else f"({size},)"
    if array.ndim != 1 or (size is not None and array.shape[0] != size):
        raise ValueError(f"`{name}` must be a vector of shape {expected}; got shape {array.shape}")
    return _finite(name, array)


def matrix(name: str, value: Any, rows: int | None = None, cols: int | None = None) -> np.ndarray:
    """Return ``value`` as a 2-D array, or raise naming ``name`` and the expected shape."""
    array = _numeric(name, value)
    expected = f"({'m' if rows is None else rows}, {'n' if cols is None else cols})"
    if (
        array.ndim != 2
        or (rows is not None and array.shape[0] != rows)
        or (cols is not None and array.shape[1] != cols)
    ):
        raise ValueError(f"`{name}` must be a matrix of shape {expected}; got shape {array.shape}")
    return _finite(name, array)


def square(name: str, value: Any, size: int | None = None) -> np.ndarray:
    """Return ``value`` as a square 2-D array, or raise naming ``name``."""
    array = _numeric(name, value)
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise ValueError(f"`{name}` must be square; got shape {array.shape}")
    if size is not None and array.shape[0] != size:
        raise ValueError(f"`{name}` must have shape ({size}, {size}); got shape {array.shape}")
    return _finite(name, array)
