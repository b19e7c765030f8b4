"""Shapes declared once, in the signature, and everything derived from them.

A reference implementation annotates each array argument with its named dimensions,
jaxtyping-style: ``def trace_axb(A: Arr["p m"], X: Arr["m n"], B: Arr["n p"])``.
``Arr["m n"]`` is ``jaxtyping.Inexact[numpy.ndarray, "m n"]`` (real or complex, so the
complex step passes through); a literal size (``Arr["3"]``) fixes a dimension, and a
repeated name (``Arr["n n"]``) makes a matrix square. Structure that an annotation cannot
express (symmetric, positive definite, ...) is a tag in the catalog record.

From the annotations, this module derives:

- :func:`shaped`: the run-time check, jaxtyping's with beartype, plus finiteness; a
  violation raises a ``ValueError`` that names the argument and the expected shape;
- :func:`sample`: random inputs, with distinct sizes for distinct dimension names (so a
  missing transpose cannot hide behind square inputs) and well-conditioned matrices by
  construction for each structure tag;
- :func:`latex_shapes`: the "with A ∈ ℝ^{p×m}, ..." line of a statement.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any

import numpy as np
from beartype import beartype
from jaxtyping import AbstractArray, Inexact, TypeCheckError, jaxtyped

__all__ = [
    "STRUCTURES",
    "Arr",
    "dims_of",
    "latex_shapes",
    "sample",
    "shape_error",
    "shaped",
    "shaped_like",
]


class Arr:
    """``Arr["m n"]``: a real or complex numpy array with named dimensions."""

    def __class_getitem__(cls, dims: str):
        return Inexact[np.ndarray, dims]


Dims = tuple[str | int, ...]


def _dims(annotation: Any) -> Dims | None:
    if isinstance(annotation, type) and issubclass(annotation, AbstractArray):
        return tuple(int(d) if d.isdigit() else d for d in annotation.dim_str.split())
    return None


def dims_of(fn: Callable) -> dict[str, Dims]:
    """The named dimensions of ``fn``'s annotated array arguments, in signature order.

    Examples
    --------
    >>> def f(A: Arr["p m"], x: Arr["m"], t: float): ...
    >>> dims_of(f)
    {'A': ('p', 'm'), 'x': ('m',)}
    """
    fn = inspect.unwrap(fn)
    hints = typing.get_type_hints(fn)
    found = {}
    for name in inspect.signature(fn).parameters:
        dims = _dims(hints.get(name))
        if dims is not None:
            found[name] = dims
    return found


def _shape_text(dims: Dims) -> str:
    return "(" + ", ".join(map(str, dims)) + ("," if len(dims) == 1 else "") + ")"


def _what(dims: Dims) -> str:
    return {0: "a scalar", 1: "a vector", 2: "a matrix"}.get(len(dims), "an array")


def shape_error(spec: dict[str, Dims], arrays: dict[str, np.ndarray]) -> str | None:
    """The first shape violation in ``arrays`` against ``spec``, as a message, or None."""
    bound: dict[str, tuple[int, str]] = {}
    for name, dims in spec.items():
        shape = arrays[name].shape
        expected = _shape_text(dims)
        if len(shape) != len(dims):
            return f"`{name}` must be {_what(dims)} of shape {expected}; got shape {shape}"
        for axis, (dim, size) in enumerate(zip(dims, shape, strict=True)):
            if isinstance(dim, int) and size != dim:
                return f"`{name}` must have shape {expected}; got shape {shape}"
            if isinstance(dim, str):
                first = dims.index(dim)
                if first < axis and shape[first] != size:
                    return f"`{name}` must be square, of shape {expected}; got shape {shape}"
                if dim in bound and bound[dim][0] != size:
                    size_of, source = bound[dim]
                    concrete = tuple(
                        bound.get(d, (d,))[0] if isinstance(d, str) else d for d in dims
                    )
                    return (
                        f"`{name}` must have shape {expected} = {_shape_text(concrete)}, "
                        f"as {dim} = {size_of} from `{source}`; got shape {shape}"
                    )
                bound.setdefault(dim, (size, name))
    return None


def shaped(fn: Callable) -> Callable:
    """Check ``fn``'s annotated array arguments at every call.

    Each annotated argument is converted to an array (integers to floats) and must hold
    finite numbers; jaxtyping (with beartype) then checks the named dimensions across
    arguments. A violation raises ``TypeError`` (not numbers) or ``ValueError`` (shape,
    NaN or infinity) naming the argument and the expected shape.
    """
    spec = dims_of(fn)
    signature = inspect.signature(fn)
    # jaxtyping and beartype write the checking code at the first call, not at import:
    # making it for the catalog's 1,900 functions was half the time of importing gradref.
    checked = None

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        nonlocal checked
        if checked is None:
            checked = jaxtyped(typechecker=beartype)(fn)
        bound = signature.bind(*args, **kwargs)
        arrays = {}
        for name in spec:
            value = np.asarray(bound.arguments[name])
            if value.dtype == object or not np.issubdtype(value.dtype, np.number):
                raise TypeError(f"`{name}` must be an array of numbers; got dtype {value.dtype}")
            if not np.issubdtype(value.dtype, np.inexact):
                value = value.astype(float)
            if not np.all(np.isfinite(value)):
                raise ValueError(f"`{name}` must be finite; it contains NaN or infinity")
            bound.arguments[name] = arrays[name] = value
        try:
            return checked(*bound.args, **bound.kwargs)
        except TypeCheckError:
            message = shape_error(spec, arrays)
            if message is None:  # a violation further down, not in these arguments
                raise
            raise ValueError(message) from None

    wrapper.dims = spec
    return wrapper


def shaped_like(value: Callable) -> Callable[[Callable], Callable]:
    """Give a derivative function the shapes declared on its value function, and check them.

    The derivative takes the same arguments as the value; writing their shapes again would
    say the same thing twice, so they are copied from the value's annotations.
    """

    def decorate(fn: Callable) -> Callable:
        source = inspect.unwrap(value)
        if list(inspect.signature(fn).parameters) != list(inspect.signature(source).parameters):
            raise TypeError(
                f"`{fn.__name__}` must take the arguments of `{source.__name__}` "
                f"{tuple(inspect.signature(source).parameters)}"
            )
        hints = typing.get_type_hints(source)
        fn.__annotations__ = {name: hints[name] for name in dims_of(source)}
        return shaped(fn)

    return decorate


# -- structure tags: how to sample them, how to write them ---------------------------------


def _square(rng: np.random.Generator, shape) -> np.ndarray:
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"this structure needs a square matrix; got shape {shape}")
    return rng.standard_normal(shape)


def _spd(rng, shape):
    B = _square(rng, shape)
    n = shape[0]
    return B @ B.T / n + np.eye(n)


def _invertible(rng, shape):
    # U diag(s) V^T with U, V orthogonal and s in [1, 2]: not symmetric, condition <= 2.
    return _orthogonal(rng, shape) * rng.uniform(1.0, 2.0, shape[0]) @ _orthogonal(rng, shape).T


def _orthogonal(rng, shape):
    q, r = np.linalg.qr(_square(rng, shape))
    return q * np.sign(np.diag(r))


def _probability(rng, shape):
    # Entries within a factor of about e^2 of each other: well conditioned at any length
    # (log q and p / q stay moderate, so derivatives in q are resolved numerically).
    e = np.exp(rng.standard_normal(shape) / 2)
    return e / e.sum(axis=-1, keepdims=True)


def _one_hot(rng, shape):
    out = np.zeros(shape)
    rows = out.reshape(-1, shape[-1])
    rows[np.arange(rows.shape[0]), rng.integers(shape[-1], size=rows.shape[0])] = 1.0
    return out


#: Structure tags, the values an identity's ``structure`` may give an argument: general,
#: square, symmetric, spd, invertible, diagonal, orthogonal, positive, probability, one-hot,
#: toeplitz, symmetric-toeplitz. Each maps to (sampler, LaTeX set for the statement's
#: "with" line, description).
#:
#: :meta hide-value:
STRUCTURES: dict[str, tuple[Callable, str, str]] = {
    "general": (lambda rng, shape: rng.standard_normal(shape), "", ""),
    "square": (_square, "", "square"),
    "symmetric": (
        lambda rng, s: (lambda B: (B + B.T) / 2)(_square(rng, s)),
        r"\mathbb{S}",
        "symmetric",
    ),
    "spd": (_spd, r"\mathbb{S}_{++}", "symmetric positive definite"),
    "invertible": (_invertible, "", "invertible"),
    "diagonal": (lambda rng, s: np.diag(np.diag(_square(rng, s))), "", "diagonal"),
    "orthogonal": (_orthogonal, "", "orthogonal"),
    "positive": (lambda rng, s: rng.uniform(0.5, 2.0, s), r"\mathbb{R}_{>0}", "positive entries"),
    "probability": (_probability, r"\Delta", "a probability vector (per row)"),
    "one-hot": (_one_hot, "", "one-hot (per row)"),
    # T_ij = v[i - j]: 2n - 1 free values, one per diagonal.
    "toeplitz": (
        lambda rng, s: (
            lambda n: rng.standard_normal(2 * n - 1)[
                np.subtract.outer(np.arange(n), np.arange(n)) + n - 1
            ]
        )(_square(rng, s).shape[0]),
        "",
        "Toeplitz (constant along each diagonal)",
    ),
    # T_ij = v[|i - j|]: n free values.
    "symmetric-toeplitz": (
        lambda rng, s: (
            lambda n: rng.standard_normal(n)[np.abs(np.subtract.outer(np.arange(n), np.arange(n)))]
        )(_square(rng, s).shape[0]),
        "",
        "symmetric Toeplitz",
    ),
}


def sizes_for(spec: dict[str, Dims], n: int) -> dict[str, int]:
    """A distinct size for each dimension name: n, n + 1, n + 2, ... in order of appearance."""
    sizes: dict[str, int] = {}
    for dims in spec.values():
        for dim in dims:
            if isinstance(dim, str) and dim not in sizes:
                sizes[dim] = n + len(sizes)
    return sizes


def sample(
    spec: dict[str, Dims], structure: dict[str, str], rng: np.random.Generator, n: int
) -> dict[str, np.ndarray]:
    """Random inputs for ``spec`` at base size ``n``, each drawn for its structure tag."""
    sizes = sizes_for(spec, n)
    out = {}
    for name, dims in spec.items():
        shape = tuple(sizes[d] if isinstance(d, str) else d for d in dims)
        draw = STRUCTURES[structure.get(name, "general")][0]
        out[name] = np.asarray(draw(rng, shape), dtype=float)
    return out


_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "kappa", "lambda", "mu",
    "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega", "Gamma", "Delta",
    "Theta", "Lambda", "Sigma", "Phi", "Psi", "Omega",
}  # fmt: skip


def latex_name(argument: str) -> str:
    r"""An argument's name as the statement writes it: ``Ybar`` is ``\bar{Y}``, ``Sigma1``
    is ``\Sigma_{1}``, ``eps`` is ``\varepsilon``.

    >>> latex_name("Ybar"), latex_name("Sigma1"), latex_name("x")
    ('\\bar{Y}', '\\Sigma_{1}', 'x')
    """
    if argument.endswith("bar") and len(argument) > 3:
        return rf"\bar{{{latex_name(argument[:-3])}}}"
    stem = argument.rstrip("0123456789")
    index = argument[len(stem) :]
    if stem == "eps":
        stem = r"\varepsilon"
    elif stem in _GREEK:
        stem = "\\" + stem
    return f"{stem}_{{{index}}}" if index and stem != argument else stem


def latex_shapes(spec: dict[str, Dims], structure: dict[str, str]) -> str:
    r"""The statement's "with" line: ``A \in \mathbb{R}^{p\times m},\ x \in \mathbb{R}^{m}``.

    Examples
    --------
    >>> latex_shapes({"S": ("n", "n"), "x": ("n",)}, {"S": "spd"})
    'S \\in \\mathbb{S}_{++}^{n},\\ x \\in \\mathbb{R}^{n}'
    """
    parts = []
    for argument, dims in spec.items():
        name = latex_name(argument)
        tag = structure.get(argument, "general")
        space = STRUCTURES[tag][1]
        if space in (r"\mathbb{S}", r"\mathbb{S}_{++}") and len(dims) == 2:
            parts.append(f"{name} \\in {space}^{{{dims[0]}}}")
            continue
        exponent = r"\times ".join(map(str, dims))  # "" for a scalar
        base = space or r"\mathbb{R}"
        parts.append(f"{name} \\in {base}^{{{exponent}}}" if exponent else f"{name} \\in {base}")
    return r",\ ".join(parts)
