"""Values of the evaluation: sized-later constants, indexed arrays, and the built-in functions."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradref.readback.lexer import Unreadable


@dataclass(frozen=True)
class Lazy:
    """``I`` or ``\\mathbf 1`` before its size is known (``scale`` times it)."""

    kind: str  # "eye" or "ones" (a column) or "ones_row"
    scale: Any = 1.0

    def sized(self, rows: int | None = None, cols: int | None = None) -> np.ndarray:
        if self.kind == "eye":
            n = rows or cols
            if n is None:
                raise Unreadable("the size of I is not determined")
            return self.scale * np.eye(n)
        if self.kind == "ones":
            if rows is None:
                raise Unreadable("the size of 1 is not determined")
            return self.scale * np.ones((rows, 1))
        if cols is None:
            raise Unreadable("the size of 1 is not determined")
        return self.scale * np.ones((1, cols))


@dataclass(frozen=True)
class Indexed:
    """An array whose axes are named by indices: ``(X^{-1})_{ki}`` is ``Indexed(X^{-1}, "ki")``."""

    array: np.ndarray
    labels: str

    def times(self, other: Indexed) -> Indexed:
        labels = "".join(dict.fromkeys(self.labels + other.labels))
        spec = f"{self.labels},{other.labels}->{labels}"
        return Indexed(np.einsum(spec, self.array, other.array), labels)

    def scaled(self, s) -> Indexed:
        return Indexed(self.array * _scalar(s), self.labels)

    def plus(self, other: Indexed, sign: int = 1) -> Indexed:
        if sorted(self.labels) != sorted(other.labels):
            raise ShapeMismatch(f"adding terms with indices {self.labels} and {other.labels}")
        moved = np.einsum(f"{other.labels}->{self.labels}", other.array)
        return Indexed(self.array + sign * moved, self.labels)

    def ordered(self, labels: str) -> np.ndarray:
        if sorted(self.labels) != sorted(labels):
            raise ShapeMismatch(f"free indices {self.labels}, expected {labels}")
        return np.einsum(f"{self.labels}->{labels}", self.array)


def _indexed(array, sub: str, env) -> Indexed:
    array = np.asarray(array, dtype=float)
    if array.ndim == 2 and array.shape[1] == 1 and len(sub) == 1:
        array = array[:, 0]
    if array.ndim != len(sub):
        raise Unreadable(f"{len(sub)} indices on an array of {array.ndim} axes")
    for label, size in zip(sub, array.shape, strict=True):
        if env.indices.get(label, size) != size:
            raise ShapeMismatch(f"index {label} ranges over {env.indices[label]}, not {size}")
    return Indexed(array, sub)


def _is_scalar(v) -> bool:
    return not isinstance(v, (Lazy, Indexed)) and np.size(v) == 1 and np.ndim(v) <= 2


def _scalar(v):
    return np.reshape(v, ())[()] if not isinstance(v, Lazy) else v


def _resolve_like(lazy: Lazy, other: np.ndarray) -> np.ndarray:
    shape = np.shape(other)
    if lazy.kind == "eye":
        if len(shape) != 2 or shape[0] != shape[1]:
            raise Unreadable(f"I added to a non-square {shape}")
        return lazy.sized(shape[0])
    return lazy.scale * np.ones(shape)


def _add(a, b, sign=1):
    if isinstance(a, Indexed) and isinstance(b, Indexed):
        return a.plus(b, sign)
    if isinstance(a, Indexed) or isinstance(b, Indexed):
        raise ShapeMismatch("adding a term in index notation to an array")
    if isinstance(a, Lazy) and isinstance(b, Lazy):
        if a.kind == b.kind:
            return Lazy(a.kind, a.scale + sign * b.scale)
        raise Unreadable("I and 1 added without a size")
    if isinstance(a, Lazy):
        a = _resolve_like(a, b) if not _is_scalar(b) else a.sized(1, 1)
    if isinstance(b, Lazy):
        b = _resolve_like(b, a) if not _is_scalar(a) else b.sized(1, 1)
    a, b = np.asarray(a), np.asarray(b)
    if not (_is_scalar(a) or _is_scalar(b)) and a.shape != b.shape:
        raise ShapeMismatch(f"adding shapes {a.shape} and {b.shape}")
    return a + sign * b


class ShapeMismatch(ValueError):
    """The formula's operands do not fit: it cannot hold at these inputs."""


def _scale(lazy: Lazy, s) -> Lazy:
    return dataclasses.replace(lazy, scale=lazy.scale * _scalar(s))


def _matmul_chain(values: list, target: tuple[int, ...] | None):
    """The product of juxtaposed factors: scalars multiply, the rest are matrix products."""
    if any(isinstance(v, Indexed) for v in values):
        result, scale = None, 1.0
        for v in values:
            if isinstance(v, Indexed):
                result = v if result is None else result.times(v)
            elif _is_scalar(v):
                scale = scale * _scalar(v)
            else:
                raise Unreadable("an array without indices in a product in index notation")
        return result.scaled(scale)
    scalar, mats = 1.0, []
    for v in values:
        if isinstance(v, Lazy) or not _is_scalar(v):
            mats.append(v)
        else:
            scalar = scalar * _scalar(v)
    if not mats:
        return np.asarray(scalar)
    # size each lazy factor from its neighbours, then from the target
    for _ in range(2):
        for k, v in enumerate(mats):
            if not isinstance(v, Lazy):
                continue
            left = mats[k - 1] if k > 0 and not isinstance(mats[k - 1], Lazy) else None
            right = mats[k + 1] if k + 1 < len(mats) and not isinstance(mats[k + 1], Lazy) else None
            rows = np.shape(left)[-1] if left is not None else None
            cols = np.shape(right)[0] if right is not None else None
            if v.kind == "eye" and (rows or cols):
                mats[k] = v.sized(rows or cols)
            elif v.kind == "ones" and rows:
                mats[k] = v.sized(rows)
            elif v.kind == "ones_row" and cols:
                mats[k] = v.sized(cols=cols)
            elif target is not None and len(target) == 2:
                if k == 0 and v.kind in ("ones", "eye"):
                    mats[k] = v.sized(target[0])
                elif k == len(mats) - 1 and v.kind in ("ones_row", "eye"):
                    mats[k] = v.sized(target[1], target[1])
    if len(mats) == 1 and isinstance(mats[0], Lazy):
        return _scale(mats[0], scalar)
    if any(isinstance(v, Lazy) for v in mats):
        raise Unreadable("the size of I or 1 is not determined")
    result = mats[0]
    for v in mats[1:]:
        if _is_scalar(result):
            result = _scalar(result) * v
            continue
        if _is_scalar(v):
            result = result * _scalar(v)
            continue
        if np.ndim(result) != 2 or np.ndim(v) != 2 or np.shape(result)[1] != np.shape(v)[0]:
            raise ShapeMismatch(f"multiplying shapes {np.shape(result)} and {np.shape(v)}")
        result = result @ v
    return scalar * np.asarray(result)


def _as_column(value):
    array = np.asarray(value, dtype=float)
    return array.reshape(-1, 1) if array.ndim == 1 else array


def _softmax(v):
    v = np.asarray(v, dtype=float)
    e = np.exp(v - v.max())
    return e / e.sum()


def _softmax_causal(M):
    """Row ``i`` of ``M`` through the softmax of its entries ``j <= i``; the others 0 (the
    causal mask of attention, whose ``-inf`` scores have weight exactly 0)."""
    out = np.zeros(M.shape)
    for i in range(M.shape[0]):
        out[i, : i + 1] = _softmax(M[i, : i + 1])
    return out


def _normal(x, m, S):
    x, m, S = _as_column(x), _as_column(m), np.asarray(S)
    r = x - m
    n = r.shape[0]
    quad = (r.T @ np.linalg.solve(S, r)).item()
    return np.asarray(np.exp(-0.5 * quad) / math.sqrt((2 * math.pi) ** n * np.linalg.det(S)))


def _diag(v):
    v = np.asarray(v)
    if v.ndim == 2 and 1 in v.shape and v.size > 1:
        return np.diag(v.ravel())
    if v.ndim == 2 and v.shape[0] == v.shape[1]:
        return np.diag(np.diag(v))
    return np.diag(np.ravel(v))


def _svd_gaps(s: np.ndarray) -> np.ndarray:
    """F_ij = 1 / (s_j^2 - s_i^2) off the diagonal, 0 on it."""
    gaps = s[None, :] ** 2 - s[:, None] ** 2
    np.fill_diagonal(gaps, 1.0)
    return (1.0 - np.eye(s.size)) / gaps


def _commutation(m: int, n: int) -> np.ndarray:
    """K_{mn}: K vec(A) = vec(A^T) for an m×n matrix A (column-major vec)."""
    K = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            K[i * n + j, j * m + i] = 1.0
    return K


def _unvec(v) -> np.ndarray:
    """``vec^{-1}`` of a column of length n^2: the square n x n matrix, column-major."""
    v = np.asarray(v).reshape(-1)
    n = math.isqrt(v.size)
    if n * n != v.size:
        raise Unreadable(f"vec^{{-1}} of a length {v.size} that is not a square")
    return v.reshape(n, n, order="F")


def _polygamma(order: int, v: np.ndarray) -> np.ndarray:
    """The digamma (order 0) or trigamma (order 1) function, entrywise, from mpmath (sympy's
    own dependency): independent of the series that the statistics module evaluates."""
    import mpmath

    return np.vectorize(lambda x: float(mpmath.polygamma(order, x)), otypes=[float])(v)


def _matrix_function(fn, M: np.ndarray) -> np.ndarray:
    """fn of a square matrix, through its eigendecomposition (diagonalizable samples)."""
    values, vectors = np.linalg.eig(M)
    return np.real(vectors @ np.diag(fn(values)) @ np.linalg.inv(vectors))


def _eigen(M, index=None, vectors: bool = False):
    """``\\operatorname{eig}(M)``: the eigenvalues of a square ``M`` with a real spectrum,
    largest first, as a column (``eig(M, i)``: the i-th); ``\\operatorname{eigvec}(M)``: the
    unit eigenvectors in that order, each with a positive first entry (``eigvec(M, i)``: the
    i-th, a column). At a complex eigenvalue the reader says so instead of guessing a
    convention."""
    M = np.asarray(M, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ShapeMismatch(f"eigenvalues of a non-square {M.shape}")
    values, columns = np.linalg.eig(M)
    if np.iscomplexobj(values) and np.any(np.abs(values.imag) > 1e-12 * np.abs(values).max()):
        # a complex spectrum: the largest imaginary part first (of a conjugate pair, the one
        # with Im > 0), then the largest real part; unit eigenvectors, first entry real > 0
        order = np.lexsort((-values.real, -values.imag))
        values, columns = values[order], columns[:, order]
        columns = columns / np.linalg.norm(columns, axis=0)
        columns = columns * (np.abs(columns[0]) / np.where(columns[0] == 0, 1.0, columns[0]))
    else:
        order = np.argsort(-values.real, kind="stable")
        values, columns = values.real[order], np.real(columns[:, order])
        columns = columns / np.linalg.norm(columns, axis=0) * np.where(columns[0] < 0, -1.0, 1.0)
    if index is None:
        return columns if vectors else values.reshape(-1, 1)
    i = int(_scalar(index))
    if not 1 <= i <= M.shape[0]:
        raise Unreadable(f"eigenvalue index {i} out of range")
    return columns[:, i - 1 : i] if vectors else np.asarray(values[i - 1])


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def _expm(M: np.ndarray) -> np.ndarray:
    """The matrix exponential by scaling and squaring of its Taylor series (no eigenvectors:
    it holds at a defective matrix, such as the block [[A, E], [0, A]] of a Frechet
    derivative)."""
    norm = float(np.linalg.norm(M, 1))
    squarings = max(0, math.ceil(math.log2(norm)) + 1) if norm > 0.5 else 0
    X = M / 2.0**squarings
    term, total = np.eye(M.shape[0], dtype=M.dtype), np.eye(M.shape[0], dtype=M.dtype)
    for k in range(1, 30):
        term = term @ X / k
        total = total + term
    for _ in range(squarings):
        total = total @ total
    return total


#: exp, sin and cos of a square matrix, through the exponential (sin M = Im e^{iM}).
_MATRIX_FUNCTIONS = {
    np.exp: _expm,
    np.sin: lambda M: np.imag(_expm(1j * M)),
    np.cos: lambda M: np.real(_expm(1j * M)),
}


def _elementwise(fn, matrix: bool = False):
    def apply(v):
        if isinstance(v, Lazy):
            raise Unreadable("a function of I or 1 without a size")
        v = np.asarray(v)
        v = v if np.iscomplexobj(v) else v.astype(float)  # |lambda| of a complex eigenvalue
        if matrix and v.ndim == 2 and v.shape[0] == v.shape[1] > 1:
            return _MATRIX_FUNCTIONS[fn](v)  # exp, sin, cos of a square matrix
        return fn(v)

    return apply


def _matrix_fn(fn, name):
    def apply(v):
        v = np.asarray(v)
        if _is_scalar(v):
            return v  # tr, det, ... of a 1×1: itself
        if v.ndim != 2 or v.shape[0] != v.shape[1]:
            raise ShapeMismatch(f"{name} of a non-square {v.shape}")
        return np.asarray(fn(v))

    return apply


def _skew(v):
    """``[v]_x``, the matrix with ``[v]_x w = v x w`` (cross product) for a 3-vector ``v``."""
    v = np.ravel(v)
    if v.shape != (3,):
        raise ShapeMismatch(f"the cross-product matrix of a vector of length {v.size}")
    return np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])


def _eigh(M, vectors: bool):
    """``\\operatorname{eigh}(M)`` of a symmetric ``M``: the eigenvalues in ascending order (as
    LAPACK returns them) and the unit eigenvectors in that order, each with a positive first
    entry (the reader's one sign convention for eigenvectors, as :func:`_eigen`'s)."""
    M = np.asarray(M, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1] or not np.allclose(M, M.T, rtol=1e-12, atol=0):
        raise ShapeMismatch(f"eigh of a matrix that is not symmetric, shape {M.shape}")
    values, columns = np.linalg.eigh(M)
    if not vectors:
        return values.reshape(-1, 1)
    return columns * np.where(columns[0] < 0, -1.0, 1.0)


def _qr_factor(A, which: str):
    """The reduced QR of a full-column-rank ``A``, with the diagonal of ``R`` positive (the
    convention that makes the factors unique)."""
    Q, R = np.linalg.qr(np.asarray(A, dtype=float))
    signs = np.where(np.diag(R) < 0, -1.0, 1.0)
    return Q * signs if which == "Q" else signs[:, None] * R


def _lu_factor(A, which: str):
    """``A = L U`` by elimination without row exchanges: ``L`` unit lower triangular."""
    U = np.array(A, dtype=float)
    n = U.shape[0]
    if U.ndim != 2 or U.shape[1] != n:
        raise ShapeMismatch(f"the LU factors of a non-square {U.shape}")
    L = np.eye(n)
    for k in range(n - 1):
        L[k + 1 :, k] = U[k + 1 :, k] / U[k, k]
        U[k + 1 :, :] -= np.outer(L[k + 1 :, k], U[k, :])
    return L if which == "L" else np.triu(U)


def _stack_block(C, k, *blocks):
    """Block ``k`` of ``C`` split by rows as the stack of ``blocks`` is (the cotangent of a
    stacked output is the stack of the blocks' cotangents)."""
    C = np.asarray(C)
    rows = [np.shape(b)[0] for b in blocks]
    if sum(rows) != C.shape[0]:
        raise ShapeMismatch(f"a cotangent of {C.shape[0]} rows split as {rows}")
    start = sum(rows[: int(_scalar(k))])
    return C[start : start + rows[int(_scalar(k))]]


def _unfold(h, w, k1, k2, s, p, X) -> np.ndarray:
    """``unfold_{h x w, k1 x k2, s, p}(X)`` (im2col): the rows of X are c images of h x w
    pixels (row by row); column (i, j) of the result (output pixels row by row) holds the
    k1 x k2 patch at (s i - p, s j - p) of every channel, rows ordered (channel, u, v), zero
    where the patch leaves the image."""
    h, w, k1, k2, s, p = (int(_scalar(v)) for v in (h, w, k1, k2, s, p))
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != h * w:
        raise ShapeMismatch(f"unfold of shape {X.shape}, not c x {h * w} ({h} x {w} images)")
    ho, wo = (h + 2 * p - k1) // s + 1, (w + 2 * p - k2) // s + 1
    u, v, i, j = np.meshgrid(*map(np.arange, (k1, k2, ho, wo)), indexing="ij")
    row, col = s * i + u - p, s * j + v - p  # the pixel that tap (u, v) reads for (i, j)
    inside = (row >= 0) & (row < h) & (col >= 0) & (col < w)
    pixels = np.where(inside, row * w + col, 0).reshape(k1 * k2, ho * wo)
    patches = np.where(inside.reshape(k1 * k2, ho * wo), X[:, pixels], 0)
    return patches.reshape(X.shape[0] * k1 * k2, ho * wo)


def _mean(M) -> np.ndarray:
    r"""``\operatorname{mean}(M)``: the mean of all the entries of M, a scalar."""
    if isinstance(M, (Lazy, Indexed)) or _is_scalar(M):
        raise Unreadable("the mean of what is not an array")
    return np.asarray(np.mean(M))


BUILTINS: dict[str, Callable[..., Any]] = {
    "unfold": _unfold,
    "mean": _mean,
    "exp": _elementwise(np.exp, matrix=True),
    "ln": _elementwise(np.log),
    "log": _elementwise(np.log),
    "tanh": _elementwise(np.tanh),
    "sin": _elementwise(np.sin, matrix=True),
    "cos": _elementwise(np.cos, matrix=True),
    "sqrt": _elementwise(np.sqrt),
    "abs": _elementwise(np.abs),
    "Re": lambda v: np.real(v),
    "sigma": _elementwise(lambda v: 1.0 / (1.0 + np.exp(-v))),
    # the sigmoid's derivatives, sigma' = sigma (1 - sigma), sigma'' = sigma' (1 - 2 sigma)
    "sigma'": _elementwise(lambda v: _sigmoid(v) * (1.0 - _sigmoid(v))),
    "sigma''": _elementwise(
        lambda v: _sigmoid(v) * (1.0 - _sigmoid(v)) * (1.0 - 2.0 * _sigmoid(v))
    ),
    "sign": _elementwise(np.sign),
    "erf": _elementwise(np.vectorize(math.erf)),
    "psi": _elementwise(lambda v: _polygamma(0, v)),  # digamma
    "trigamma": _elementwise(lambda v: _polygamma(1, v)),
    "tr": _matrix_fn(np.trace, "tr"),
    "Tr": _matrix_fn(np.trace, "tr"),
    "det": _matrix_fn(np.linalg.det, "det"),
    "adj": _matrix_fn(lambda M: np.linalg.det(M) * np.linalg.inv(M), "adj"),
    "sym": _matrix_fn(lambda M: (M + M.T) / 2, "sym"),
    "diag": _diag,
    "vec": lambda M: np.asarray(M).reshape(-1, 1, order="F"),
    "vecrow": lambda M: np.asarray(M).reshape(-1, 1),
    "unvec": lambda v: _unvec(v),
    "softmax": lambda v: _softmax(v),
    "softmaxrows": lambda M: np.array([np.ravel(_softmax(row)) for row in np.asarray(M)]),
    "softmaxcols": lambda M: np.array([np.ravel(_softmax(c)) for c in np.asarray(M).T]).T,
    "softmaxcausal": lambda M: _softmax_causal(np.asarray(M, dtype=float)),
    "tril": lambda M: np.tril(M),
    "triu": lambda M: np.triu(M),
    "chol": lambda M: np.linalg.cholesky(M),
    # one-hot rows at each row's largest entry (a unique maximum: the entries that use it
    # sample away from ties)
    "onehot": lambda M: np.eye(np.shape(M)[1])[np.argmax(np.real(M), axis=1)],
    "skew": _skew,
    "ceil": lambda x: np.ceil(_scalar(x)),
    "floor": lambda x: np.floor(_scalar(x)),
    "eig": lambda M, i=None: _eigen(M, i),
    "eigvec": lambda M, i=None: _eigen(M, i, vectors=True),
    "max": lambda a, b=None: np.maximum(a, b) if b is not None else np.max(a),
    "min": lambda a, b=None: np.minimum(a, b) if b is not None else np.min(a),
    "normal": _normal,
    # the thin SVD, reached only through a `where` line "A = U \operatorname{diag}(\sigma) V^\top"
    "svd_U": lambda M: np.linalg.svd(M, full_matrices=False)[0],
    "svd_sigma": lambda M: np.linalg.svd(M, full_matrices=False)[1].reshape(-1, 1),
    "svd_V": lambda M: np.linalg.svd(M, full_matrices=False)[2].T,
    "svd_column": lambda M, j: _column_of(M, int(_scalar(j)), "a matrix"),
    "svd_leading": lambda M, k: np.asarray(M)[:, : int(_scalar(k))],
    "svd_gaps": lambda s: _svd_gaps(np.ravel(s)),
    # decompositions, reached only through a where line that states one (A = L U, A = Q R,
    # [U; \lambda^\top] = eigh(M)): see _decomposition_definitions
    "eigh_vectors": lambda M: _eigh(M, vectors=True),
    "eigh_values": lambda M: _eigh(M, vectors=False),
    "qr_Q": lambda A: _qr_factor(A, "Q"),
    "qr_R": lambda A: _qr_factor(A, "R"),
    "lu_L": lambda A: _lu_factor(A, "L"),
    "lu_U": lambda A: _lu_factor(A, "U"),
    "stack_block": _stack_block,
}

_ALIASES = {"Lambda": "Lam", "lambda": "lam", "lambdabar": "lbar", "epsilon": "eps", "varepsilon": "eps",
            "varphi": "phi"}  # fmt: skip


def _index_value(array, index: int, name: str):
    """Member ``index`` (from 1) of ``array`` along its first axis: an entry of a vector, a
    vector (as a column: ``x_i``, the i-th of a family of vectors) of a matrix."""
    array = np.asarray(array)
    if not 1 <= index <= array.shape[0]:
        raise Unreadable(f"{name} indexed out of range")
    row = array[index - 1]
    return _as_column(row) if np.ndim(row) == 1 and row.size > 1 else np.asarray(row).reshape(())


def _row_of(array, index: int, name: str) -> np.ndarray:
    """Row ``index`` (from 1) of a matrix, ``M_{i,:}``, as what it is: a 1×n row."""
    array = np.asarray(array)
    if np.ndim(array) != 2:
        raise Unreadable(f"a row of {name}, which is not a matrix")
    if not 1 <= index <= array.shape[0]:
        raise Unreadable(f"{name} indexed out of range")
    return array[index - 1 : index, :]


def _column_of(array, index: int, name: str) -> np.ndarray:
    """Column ``index`` (from 1) of a matrix, ``M_{:,j}``, as what it is: an n×1 column."""
    array = np.asarray(array)
    if np.ndim(array) != 2:
        raise Unreadable(f"a column of {name}, which is not a matrix")
    if not 1 <= index <= array.shape[1]:
        raise Unreadable(f"{name} indexed out of range")
    return array[:, index - 1 : index]
