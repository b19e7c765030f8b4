"""Declared shapes (:mod:`gradref.shapes`) and the declaration checks of :class:`Identity`.

Mutation testing showed these functions were mostly exercised only at import time, while
the catalog was built; here each is called directly and its exact output pinned, so that
changing a constant, an operator, a string or a branch fails a test.

No ``from __future__ import annotations`` here: like the identity modules, the functions
below carry ``Arr[...]`` objects; string annotations are tested on purpose, once.
"""

# jaxtyping's shape strings (Arr["m n"]) look like forward references to pyflakes, as in
# src/gradref/identities/ (see pyproject.toml); the tests run every annotated function.
# ruff: noqa: F722, F821

import inspect
import re

import numpy as np
import pytest
from jaxtyping import TypeCheckError

from gradref import shapes
from gradref.catalog import Identity
from gradref.shapes import (
    STRUCTURES,
    Arr,
    dims_of,
    latex_shapes,
    sample,
    shape_error,
    shaped,
    shaped_like,
    sizes_for,
)

SQUARE_ONLY = ("square", "symmetric", "spd", "invertible", "diagonal", "orthogonal")


def exact(message: str) -> str:
    """A `match` pattern for exactly ``message``."""
    return "^" + re.escape(message) + "$"


# -- dims_of --------------------------------------------------------------------------------


def test_dims_of_reads_names_and_literal_sizes_in_signature_order():
    def f(z: Arr["3"], u, A: Arr["p m"], t: float, x: Arr["m 2"], s: Arr[""]): ...

    dims = dims_of(f)
    assert dims == {"z": (3,), "A": ("p", "m"), "x": ("m", 2), "s": ()}
    assert list(dims) == ["z", "A", "x", "s"]  # signature order; `u` and `t` skipped
    assert type(dims["z"][0]) is int
    assert type(dims["x"][1]) is int


def test_dims_of_reads_through_a_shaped_wrapper():
    @shaped
    def f(x: Arr["n"], k: int, B: Arr["n 4"]):
        return x

    assert dims_of(f) == {"x": ("n",), "B": ("n", 4)}
    assert f.dims == {"x": ("n",), "B": ("n", 4)}


def test_dims_of_resolves_string_and_object_annotations_alike():
    def as_strings(x: "Arr['n']", A: "Arr['n k']"): ...

    def as_objects(x, A, y): ...

    as_objects.__annotations__ = {"x": Arr["n"], "A": Arr["n k"], "y": np.ndarray}
    assert dims_of(as_strings) == {"x": ("n",), "A": ("n", "k")}
    assert dims_of(as_objects) == {"x": ("n",), "A": ("n", "k")}  # a bare ndarray is skipped


def test_dims_of_a_function_without_arrays_is_empty():
    def f(a: float, b): ...

    assert dims_of(f) == {}


def test_arr_is_jaxtypings_inexact_array():
    annotation = Arr["m n"]
    assert annotation.dim_str == "m n"
    assert issubclass(annotation, shapes.AbstractArray)
    assert annotation.dtypes == shapes.Inexact[np.ndarray, "m n"].dtypes


# -- shape_error ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dims", "shape", "message"),
    [
        ((), (2,), "`v` must be a scalar of shape (); got shape (2,)"),
        (("n",), (2, 3), "`v` must be a vector of shape (n,); got shape (2, 3)"),
        (("n",), (), "`v` must be a vector of shape (n,); got shape ()"),
        (("m", "n"), (3,), "`v` must be a matrix of shape (m, n); got shape (3,)"),
        (("a", "b", "c"), (2, 2), "`v` must be an array of shape (a, b, c); got shape (2, 2)"),
        (("a", "b", "c", "d"), (2,), "`v` must be an array of shape (a, b, c, d); got shape (2,)"),
    ],
)
def test_shape_error_names_the_kind_of_array_for_a_wrong_number_of_dimensions(dims, shape, message):
    assert shape_error({"v": dims}, {"v": np.zeros(shape)}) == message


@pytest.mark.parametrize(
    ("dims", "shape", "message"),
    [
        ((3,), (2,), "`x` must have shape (3,); got shape (2,)"),
        (("n", 2), (4, 3), "`x` must have shape (n, 2); got shape (4, 3)"),
        ((2, "n"), (3, 5), "`x` must have shape (2, n); got shape (3, 5)"),
    ],
)
def test_shape_error_reports_a_literal_size_mismatch(dims, shape, message):
    assert shape_error({"x": dims}, {"x": np.zeros(shape)}) == message


@pytest.mark.parametrize(
    ("dims", "shape", "message"),
    [
        (("n", "n"), (2, 3), "`A` must be square, of shape (n, n); got shape (2, 3)"),
        (("n", "n"), (3, 2), "`A` must be square, of shape (n, n); got shape (3, 2)"),
        (("k", "n", "n"), (4, 2, 3), "`A` must be square, of shape (k, n, n); got shape (4, 2, 3)"),
        (("n", "k", "n"), (2, 5, 3), "`A` must be square, of shape (n, k, n); got shape (2, 5, 3)"),
    ],
)
def test_shape_error_reports_a_repeated_name_that_is_not_square(dims, shape, message):
    assert shape_error({"A": dims}, {"A": np.zeros(shape)}) == message


@pytest.mark.parametrize(
    ("spec", "arrays", "message"),
    [
        (
            {"A": ("n", "n"), "x": ("n",)},
            {"A": (3, 3), "x": (2,)},
            "`x` must have shape (n,) = (3,), as n = 3 from `A`; got shape (2,)",
        ),
        (  # a name still unbound is shown by its letter
            {"A": ("m", "n"), "B": ("n", "p")},
            {"A": (2, 3), "B": (4, 5)},
            "`B` must have shape (n, p) = (3, p), as n = 3 from `A`; got shape (4, 5)",
        ),
        (  # a literal size is shown as itself
            {"x": ("m",), "C": (2, "m")},
            {"x": (4,), "C": (2, 3)},
            "`C` must have shape (2, m) = (2, 4), as m = 4 from `x`; got shape (2, 3)",
        ),
        (  # a size stays bound by the first argument that had it; `k`, bound just before, shows
            {"x": ("n",), "y": ("n",), "z": ("k", "n")},
            {"x": (2,), "y": (2,), "z": (7, 3)},
            "`z` must have shape (k, n) = (7, 2), as n = 2 from `x`; got shape (7, 3)",
        ),
        (  # names bound by two different arguments
            {"a": ("m",), "b": ("n",), "C": ("m", "n")},
            {"a": (2,), "b": (3,), "C": (2, 4)},
            "`C` must have shape (m, n) = (2, 3), as n = 3 from `b`; got shape (2, 4)",
        ),
    ],
)
def test_shape_error_names_the_argument_that_bound_a_size(spec, arrays, message):
    assert shape_error(spec, {k: np.zeros(s) for k, s in arrays.items()}) == message


def test_shape_error_reports_the_first_violation_in_spec_order():
    spec = {"x": ("n",), "y": (3,), "A": ("n", "n")}
    arrays = {"A": np.zeros((2, 3)), "y": np.zeros(2), "x": np.zeros((1, 1))}
    assert shape_error(spec, arrays) == "`x` must be a vector of shape (n,); got shape (1, 1)"


@pytest.mark.parametrize(
    ("spec", "arrays"),
    [
        ({}, {}),
        ({"A": ("n", "n"), "x": ("n",)}, {"A": (3, 3), "x": (3,)}),
        ({"A": ("m", "n"), "B": ("n", "p")}, {"A": (2, 3), "B": (3, 5)}),
        ({"x": (3,), "T": ("a", "b", "b")}, {"x": (3,), "T": (1, 2, 2)}),
        ({"s": ()}, {"s": ()}),
    ],
)
def test_shape_error_is_none_when_everything_fits(spec, arrays):
    assert shape_error(spec, {k: np.zeros(s) for k, s in arrays.items()}) is None


# -- shaped ---------------------------------------------------------------------------------


@shaped
def matvec(A: Arr["n n"], x: Arr["n"], scale: float = 1.0):
    """Return ``scale * A x``."""
    return scale * (A @ x)


@shaped
def identity(x: Arr["n"]):
    """Return ``x`` as the wrapper passed it."""
    return x


def test_shaped_converts_lists_and_integer_arrays_to_floats():
    for given in ([1, 2, 3], np.array([1, 2, 3]), np.array([1, 2, 3], dtype=np.int8)):
        out = identity(given)
        assert type(out) is np.ndarray
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, [1.0, 2.0, 3.0])
    assert matvec([[1, 0], [0, 2]], [3, 4], scale=2.0).tolist() == [6.0, 16.0]


def test_shaped_keeps_inexact_dtypes():
    assert identity(np.ones(2, dtype=np.float32)).dtype == np.float32
    out = identity(np.array([1 + 2j, 3j]))
    assert out.dtype == np.complex128
    np.testing.assert_array_equal(out, [1 + 2j, 3j])


@pytest.mark.parametrize(
    ("given", "dtype"),
    [
        (np.array(["a", "b"]), "<U1"),
        (["ab", "c"], "<U2"),
        (np.array([1.0, "a"], dtype=object), "object"),
        (np.array([1.0, 2.0], dtype=object), "object"),
        (np.array([True, False]), "bool"),
    ],
)
def test_shaped_rejects_arrays_that_are_not_numbers(given, dtype):
    with pytest.raises(
        TypeError, match=exact(f"`x` must be an array of numbers; got dtype {dtype}")
    ):
        identity(given)


@pytest.mark.parametrize(
    "given",
    [
        [1.0, np.nan],
        [np.inf, 1.0],
        [-np.inf, 0.0],
        np.array([1 + 1j, complex(np.nan, 0)]),
        np.array([1j, complex(0, np.inf)]),
    ],
)
def test_shaped_rejects_nan_and_infinity(given):
    with pytest.raises(ValueError, match=exact("`x` must be finite; it contains NaN or infinity")):
        identity(given)


def test_shaped_names_the_argument_that_is_not_finite():
    with pytest.raises(ValueError, match=exact("`x` must be finite; it contains NaN or infinity")):
        matvec(np.eye(2), [np.nan, 1.0])
    with pytest.raises(ValueError, match=exact("`A` must be finite; it contains NaN or infinity")):
        matvec([[np.inf, 0], [0, 1]], [np.nan, 1.0])


@pytest.mark.parametrize(
    ("A", "x", "message"),
    [
        ((3, 3), (2,), "`x` must have shape (n,) = (3,), as n = 3 from `A`; got shape (2,)"),
        ((2, 3), (3,), "`A` must be square, of shape (n, n); got shape (2, 3)"),
        ((3,), (3,), "`A` must be a matrix of shape (n, n); got shape (3,)"),
        ((2, 2), (2, 1), "`x` must be a vector of shape (n,); got shape (2, 1)"),
    ],
)
def test_shaped_raises_the_shape_error_naming_the_argument(A, x, message):
    with pytest.raises(ValueError, match=exact(message)) as raised:
        matvec(np.ones(A), np.ones(x))
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__  # `from None`: jaxtyping's report is not shown


def test_shaped_checks_keyword_arguments_too():
    assert matvec(x=[1, 1], A=[[1, 2], [3, 4]]).tolist() == [3.0, 7.0]

    @shaped
    def fixed(x: Arr["3"]):
        return x

    with pytest.raises(ValueError, match=exact("`x` must have shape (3,); got shape (2,)")):
        fixed(x=[1, 2])


def test_shaped_reraises_a_violation_that_is_not_in_the_arguments():
    @shaped
    def grows(x: Arr["n"]) -> Arr["n"]:
        return np.ones(x.shape[0] + 1)  # the result breaks the declaration, not `x`

    assert grows.dims == {"x": ("n",)}
    with pytest.raises(TypeCheckError):
        grows(np.ones(2))


def test_shaped_exposes_dims_and_keeps_the_functions_name_and_doc():
    assert matvec.dims == {"A": ("n", "n"), "x": ("n",)}
    assert matvec.__name__ == "matvec"
    assert matvec.__doc__ == "Return ``scale * A x``."
    assert list(inspect.signature(matvec).parameters) == ["A", "x", "scale"]


# -- shaped_like ----------------------------------------------------------------------------


@shaped
def bilinear(A: Arr["m n"], x: Arr["n"], y: Arr["m"], t: float = 1.0):
    """Return ``t y^T A x``."""
    return t * (y @ A @ x)


def test_shaped_like_gives_the_derivative_the_values_shapes():
    @shaped_like(bilinear)
    def grad_x(A, x, y, t=1.0):
        """Return ``t A^T y``."""
        return t * (A.T @ y)

    assert grad_x.dims == {"A": ("m", "n"), "x": ("n",), "y": ("m",)}
    assert dims_of(grad_x) == grad_x.dims
    assert list(inspect.unwrap(grad_x).__annotations__) == ["A", "x", "y"]  # not `t`
    assert grad_x.__name__ == "grad_x"
    assert grad_x.__doc__ == "Return ``t A^T y``."
    assert grad_x([[1, 2, 3], [4, 5, 6]], [1, 1, 1], [1, 0]).tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(
        ValueError,
        match=exact("`y` must have shape (m,) = (2,), as m = 2 from `A`; got shape (3,)"),
    ):
        grad_x(np.ones((2, 3)), np.ones(3), np.ones(3))
    with pytest.raises(TypeError, match=exact("`x` must be an array of numbers; got dtype <U1")):
        grad_x(np.ones((2, 3)), ["a", "b", "c"], np.ones(2))


@pytest.mark.parametrize(
    "parameters",
    ["A, y, x, t=1.0", "A, x, y", "A, x, z, t=1.0", "A, x, y, t=1.0, u=0"],
)
def test_shaped_like_requires_the_values_arguments(parameters):
    namespace: dict = {}
    exec(f"def derivative({parameters}): ...", namespace)
    message = "`derivative` must take the arguments of `bilinear` ('A', 'x', 'y', 't')"
    with pytest.raises(TypeError, match=exact(message)):
        shaped_like(bilinear)(namespace["derivative"])


# -- STRUCTURES -----------------------------------------------------------------------------


def test_structure_tags_and_how_they_are_written():
    assert {tag: entry[1:] for tag, entry in STRUCTURES.items()} == {
        "general": ("", ""),
        "square": ("", "square"),
        "symmetric": (r"\mathbb{S}", "symmetric"),
        "spd": (r"\mathbb{S}_{++}", "symmetric positive definite"),
        "invertible": ("", "invertible"),
        "diagonal": ("", "diagonal"),
        "orthogonal": ("", "orthogonal"),
        "positive": (r"\mathbb{R}_{>0}", "positive entries"),
        "probability": (r"\Delta", "a probability vector (per row)"),
        "one-hot": ("", "one-hot (per row)"),
        "toeplitz": STRUCTURES["toeplitz"][1:],
        "symmetric-toeplitz": STRUCTURES["symmetric-toeplitz"][1:],
    }
    assert list(STRUCTURES) == [
        "general", "square", "symmetric", "spd", "invertible",
        "diagonal", "orthogonal", "positive", "probability", "one-hot",
        "toeplitz", "symmetric-toeplitz",
    ]  # fmt: skip


def draw(tag: str, shape, seed: int = 0) -> np.ndarray:
    return STRUCTURES[tag][0](np.random.default_rng(seed), shape)


def normal(shape, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


SEEDS = range(30)
SIZES = (1, 2, 3, 5)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4)])
def test_general_and_square_are_standard_normal_draws(shape):
    np.testing.assert_array_equal(draw("general", shape, seed=4), normal(shape, seed=4))
    np.testing.assert_array_equal(draw("square", (3, 3), seed=4), normal((3, 3), seed=4))


@pytest.mark.parametrize("n", SIZES)
def test_symmetric_equals_its_transpose(n):
    for seed in SEEDS:
        S = draw("symmetric", (n, n), seed)
        B = normal((n, n), seed)
        np.testing.assert_array_equal(S, S.T)
        np.testing.assert_array_equal(S, (B + B.T) / 2)


@pytest.mark.parametrize("n", SIZES)
def test_spd_is_symmetric_with_eigenvalues_at_least_one(n):
    for seed in SEEDS:
        S = draw("spd", (n, n), seed)
        B = normal((n, n), seed)
        np.testing.assert_allclose(S, B @ B.T / n + np.eye(n), rtol=0, atol=1e-15)
        np.testing.assert_array_equal(S, S.T)
        assert np.linalg.eigvalsh(S).min() >= 1 - 1e-12


@pytest.mark.parametrize("n", SIZES)
def test_invertible_is_well_conditioned_by_construction(n):
    # U diag(s) V^T with orthogonal U, V and s in [1, 2]: singular values in [1, 2].
    for seed in range(50):
        M = draw("invertible", (n, n), seed)
        singular = np.linalg.svd(M, compute_uv=False)
        assert singular.min() >= 1 - 1e-12
        assert singular.max() <= 2 + 1e-12
        if n > 1:
            assert not np.allclose(M, M.T)  # a symmetric sample would hide a transpose


@pytest.mark.parametrize("n", SIZES)
def test_diagonal_is_the_diagonal_of_a_draw(n):
    for seed in SEEDS:
        D = draw("diagonal", (n, n), seed)
        np.testing.assert_array_equal(D, np.diag(np.diag(normal((n, n), seed))))
        np.testing.assert_array_equal(D - np.diag(np.diag(D)), np.zeros((n, n)))


@pytest.mark.parametrize("n", SIZES)
def test_orthogonal_is_the_q_of_a_qr_with_a_positive_r_diagonal(n):
    for seed in SEEDS:
        Q = draw("orthogonal", (n, n), seed)
        np.testing.assert_allclose(Q.T @ Q, np.eye(n), rtol=0, atol=1e-12)
        R = Q.T @ normal((n, n), seed)  # the draw is Q R: R is upper triangular, diagonal > 0
        np.testing.assert_allclose(np.tril(R, -1), 0, rtol=0, atol=1e-12)
        assert np.all(np.diag(R) > 0)


@pytest.mark.parametrize("shape", [(4,), (2, 3), (3, 3)])
def test_positive_is_uniform_between_a_half_and_two(shape):
    for seed in SEEDS:
        P = draw("positive", shape, seed)
        assert P.shape == shape
        assert np.all((P >= 0.5) & (P <= 2.0))
        np.testing.assert_array_equal(P, np.random.default_rng(seed).uniform(0.5, 2.0, shape))
    spread = np.concatenate([draw("positive", (50,), seed) for seed in SEEDS])
    assert spread.min() < 0.6
    assert spread.max() > 1.9


@pytest.mark.parametrize("shape", [(4,), (2, 3), (3, 2), (2, 2, 3)])
def test_probability_rows_are_positive_and_sum_to_one(shape):
    for seed in SEEDS:
        P = draw("probability", shape, seed)
        assert P.shape == shape
        assert np.all(P > 0)
        np.testing.assert_allclose(P.sum(axis=-1), 1, rtol=0, atol=1e-12)
        e = np.exp(normal(shape, seed) / 2)  # entries within about e^2 of each other
        np.testing.assert_allclose(P, e / e.sum(axis=-1, keepdims=True), rtol=1e-15, atol=0)


@pytest.mark.parametrize("shape", [(4,), (3, 5), (5, 3), (2, 3, 4)])
def test_one_hot_rows_have_exactly_one_one(shape):
    for seed in SEEDS:
        H = draw("one-hot", shape, seed)
        assert H.shape == shape
        rows = H.reshape(-1, shape[-1])
        assert set(np.unique(H)) <= {0.0, 1.0}
        np.testing.assert_array_equal(rows.sum(axis=1), np.ones(rows.shape[0]))
        where = np.random.default_rng(seed).integers(shape[-1], size=rows.shape[0])
        np.testing.assert_array_equal(rows.argmax(axis=1), where)


@pytest.mark.parametrize("tag", SQUARE_ONLY)
@pytest.mark.parametrize("shape", [(2, 3), (3, 2), (3,), (2, 2, 2)])
def test_square_only_structures_refuse_other_shapes(tag, shape):
    message = f"this structure needs a square matrix; got shape {shape}"
    with pytest.raises(ValueError, match=exact(message)):
        draw(tag, shape)


@pytest.mark.parametrize("tag", SQUARE_ONLY)
def test_square_only_structures_accept_square_shapes(tag):
    assert draw(tag, (3, 3)).shape == (3, 3)


# -- sizes_for and sample -------------------------------------------------------------------


def test_sizes_for_gives_distinct_names_consecutive_sizes_in_order_of_appearance():
    spec = {"A": ("p", "m"), "x": ("m",), "b": ("p", 3), "C": (2, "q", "p"), "s": ()}
    sizes = sizes_for(spec, 2)
    assert sizes == {"p": 2, "m": 3, "q": 4}
    assert list(sizes) == ["p", "m", "q"]
    assert sizes_for(spec, 5) == {"p": 5, "m": 6, "q": 7}
    assert sizes_for({"x": (3,), "y": ()}, 2) == {}
    assert sizes_for({}, 2) == {}


def test_sample_follows_the_spec():
    spec = {"A": ("p", "m"), "x": ("m",), "b": ("p", 3), "C": (2, "q", "p"), "s": ()}
    arrays = sample(spec, {}, np.random.default_rng(0), 2)
    assert list(arrays) == ["A", "x", "b", "C", "s"]
    assert {k: v.shape for k, v in arrays.items()} == {
        "A": (2, 3),
        "x": (3,),
        "b": (2, 3),
        "C": (2, 4, 2),
        "s": (),
    }
    assert all(type(v) is np.ndarray and v.dtype == np.float64 for v in arrays.values())
    assert shape_error(spec, arrays) is None


def test_sample_draws_each_input_for_its_structure_in_spec_order():
    spec = {"S": ("n", "n"), "A": ("n", "n"), "p": ("k",), "h": ("k",)}
    structure = {"S": "spd", "p": "probability", "h": "one-hot"}
    arrays = sample(spec, structure, np.random.default_rng(7), 3)
    rng = np.random.default_rng(7)
    expected = {
        "S": STRUCTURES["spd"][0](rng, (3, 3)),
        "A": rng.standard_normal((3, 3)),
        "p": STRUCTURES["probability"][0](rng, (4,)),
        "h": STRUCTURES["one-hot"][0](rng, (4,)),
    }
    assert list(arrays) == list(expected)
    for name in expected:
        np.testing.assert_array_equal(arrays[name], expected[name])
        assert arrays[name].dtype == np.float64
    np.testing.assert_array_equal(arrays["S"], arrays["S"].T)
    assert not np.array_equal(arrays["A"], arrays["A"].T)
    assert arrays["h"].sum() == 1.0


def test_sample_gives_float_arrays_whatever_a_structure_draws(monkeypatch):
    # Kills `dtype=float` -> `dtype=None` or dropped in sample: the catalog's samplers draw
    # floats already, so a sampler of integer counts shows it.
    monkeypatch.setitem(STRUCTURES, "counts", (lambda rng, s: rng.integers(0, 5, s), "", ""))
    arrays = sample(
        {"k": ("n",), "c": ()}, {"k": "counts", "c": "counts"}, np.random.default_rng(0), 3
    )
    assert {name: (type(a), a.dtype, a.shape) for name, a in arrays.items()} == {
        "k": (np.ndarray, np.dtype(np.float64), (3,)),
        "c": (np.ndarray, np.dtype(np.float64), ()),
    }
    np.testing.assert_array_equal(arrays["k"], np.random.default_rng(0).integers(0, 5, 3))


def test_sample_refuses_a_square_structure_on_distinct_names():
    with pytest.raises(
        ValueError, match=exact("this structure needs a square matrix; got shape (2, 3)")
    ):
        sample({"A": ("m", "n")}, {"A": "spd"}, np.random.default_rng(0), 2)


# -- latex_shapes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "structure", "latex"),
    [
        ({}, {}, ""),
        ({"x": ("n",)}, {}, r"x \in \mathbb{R}^{n}"),
        ({"A": ("p", "m")}, {}, r"A \in \mathbb{R}^{p\times m}"),
        ({"T": ("a", "b", "c")}, {}, r"T \in \mathbb{R}^{a\times b\times c}"),
        ({"s": ()}, {}, r"s \in \mathbb{R}"),
        ({"x": (3,)}, {}, r"x \in \mathbb{R}^{3}"),
        ({"B": (2, "n")}, {}, r"B \in \mathbb{R}^{2\times n}"),
        ({"S": ("n", "n")}, {"S": "symmetric"}, r"S \in \mathbb{S}^{n}"),
        ({"S": ("n", "n")}, {"S": "spd"}, r"S \in \mathbb{S}_{++}^{n}"),
        ({"x": ("n",)}, {"x": "positive"}, r"x \in \mathbb{R}_{>0}^{n}"),
        ({"X": ("m", "n")}, {"X": "positive"}, r"X \in \mathbb{R}_{>0}^{m\times n}"),
        ({"p": ("k",)}, {"p": "probability"}, r"p \in \Delta^{k}"),
        ({"P": ("m", "k")}, {"P": "probability"}, r"P \in \Delta^{m\times k}"),
        ({"Q": ("n", "n")}, {"Q": "orthogonal"}, r"Q \in \mathbb{R}^{n\times n}"),
        ({"M": ("n", "n")}, {"M": "invertible"}, r"M \in \mathbb{R}^{n\times n}"),
        ({"H": ("m", "k")}, {"H": "one-hot"}, r"H \in \mathbb{R}^{m\times k}"),
        # the S-forms take one size only for a matrix; otherwise the set keeps its exponent
        ({"v": ("n",)}, {"v": "spd"}, r"v \in \mathbb{S}_{++}^{n}"),
        (
            {"A": ("p", "m"), "x": ("m",), "S": ("p", "p")},
            {"S": "spd"},
            r"A \in \mathbb{R}^{p\times m},\ x \in \mathbb{R}^{m},\ S \in \mathbb{S}_{++}^{p}",
        ),
    ],
)
def test_latex_shapes_writes_the_with_line(spec, structure, latex):
    assert latex_shapes(spec, structure) == latex


@pytest.mark.parametrize(
    ("argument", "latex"),
    [
        ("x", "x"),
        ("A", "A"),
        ("x1", "x_{1}"),
        ("W12", "W_{12}"),
        ("Ybar", r"\bar{Y}"),
        ("abar", r"\bar{a}"),
        ("bar", "bar"),  # the word itself, not a bar over nothing
        ("x2bar", r"\bar{x_{2}}"),
        ("Sigmabar", r"\bar{\Sigma}"),
        ("Sigma", r"\Sigma"),
        ("Sigma1", r"\Sigma_{1}"),
        ("sigma", r"\sigma"),
        ("lambda", r"\lambda"),
        ("mu0", r"\mu_{0}"),
        ("eps", r"\varepsilon"),
        ("eps2", r"\varepsilon_{2}"),
        ("epsilon", r"\epsilon"),
        ("alphas", "alphas"),  # only a whole Greek name is Greek
        ("Mu", "Mu"),  # Greek capitals that differ from Latin ones only
    ],
)
def test_latex_name_writes_bars_greek_letters_and_subscripts(argument, latex):
    # Kills every mutated constant of latex_name: "bar" and its length 3, the digits
    # stripped, "eps", the backslash, the subscript's braces, and the conditions' operators.
    assert shapes.latex_name(argument) == latex


def test_latex_shapes_writes_each_name_as_math():
    spec = {"Sigma1": ("n", "n"), "Ybar": ("m",), "eps": ()}
    latex = latex_shapes(spec, {"Sigma1": "spd"})
    assert (
        latex
        == r"\Sigma_{1} \in \mathbb{S}_{++}^{n},\ \bar{Y} \in \mathbb{R}^{m},\ \varepsilon \in \mathbb{R}"
    )


# -- Identity: declaration checks and what is derived from the declaration ---------------


def value(A: Arr["m n"], x: Arr["n"], t: float = 1.0):
    return t * (A @ x)


def derivative(A: Arr["m n"], x: Arr["n"], t: float = 1.0):
    return t * A


def fixed_value(A: Arr["2 3"], x: Arr["3"]):
    return A @ x


def half_fixed_value(A: Arr["2 n"], x: Arr["n"]):
    return A @ x


def no_arrays(f, g):
    return f


def make(**changes) -> Identity:
    fields = {
        "id": "t.x",
        "title": "t",
        "wrt": "x",
        "kind": "jacobian",
        "value": value,
        "derivative": derivative,
        "symbolic": lambda **symbols: (None, None),
        "sources": (),
        "formula": r"\partial (Ax) / \partial x = A",
    }
    return Identity(**(fields | changes))


def test_identity_rejects_an_unknown_structure_tag():
    known = "general, square, symmetric, spd, invertible, diagonal, orthogonal, positive, " + (
        "probability, one-hot, toeplitz, symmetric-toeplitz"
    )
    message = f"identity 't.x': unknown structure 'sym' for `A`; known: {known}"
    with pytest.raises(ValueError, match=exact(message)):
        make(structure={"x": "general", "A": "sym"})
    with pytest.raises(ValueError, match=exact(message)):  # checked even with a sampler
        make(structure={"A": "sym"}, sample=lambda rng, n: {})


def test_identity_rejects_wrt_that_is_not_an_annotated_argument():
    message = "identity 't.x': `wrt` is 't', which is not an annotated argument of `value` (A, x)"
    with pytest.raises(ValueError, match=exact(message)):
        make(wrt="t")
    message = "identity 't.x': `wrt` is 'f', which is not an annotated argument of `value` (none)"
    with pytest.raises(ValueError, match=exact(message)):
        make(wrt="f", value=no_arrays)
    # a given sampler takes the place of annotations (the rules' function inputs)
    assert make(wrt="f", value=no_arrays, sample=lambda rng, n: {}).wrt == "f"


def test_identity_needs_a_formula_or_a_latex_statement():
    with pytest.raises(ValueError, match=exact("identity 't.x': give its `formula`")):
        make(formula="")
    assert make(formula="", latex="L").latex == "L"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "tx"}, "`id` must look like 'family.name'; got 'tx'"),
        ({"id": ".x"}, "`id` must look like 'family.name'; got '.x'"),
        ({"id": "t."}, "`id` must look like 'family.name'; got 't.'"),
        ({"kind": "hessian"}, "`kind` must be 'gradient', 'jacobian' or 'vjp'; got 'hessian'"),
        (
            {"keywords": ("ok", "a, b")},
            "identity 't.x': a keyword must be non-empty, without ',' or ';'; got 'a, b'",
        ),
        (
            {"keywords": ("a;b",)},
            "identity 't.x': a keyword must be non-empty, without ',' or ';'; got 'a;b'",
        ),
        (
            {"keywords": (" ",)},
            "identity 't.x': a keyword must be non-empty, without ',' or ';'; got ' '",
        ),
    ],
)
def test_identity_rejects_a_malformed_record(changes, message):
    with pytest.raises(ValueError, match=exact(message)):
        make(**changes)


def test_identity_derives_latex_from_formula_and_shapes():
    identity = make(structure={"A": "positive"})
    assert identity.latex == (
        r"\partial (Ax) / \partial x = A,\qquad "
        r"A \in \mathbb{R}_{>0}^{m\times n},\ x \in \mathbb{R}^{n}"
    )
    assert make(latex="given").latex == "given"
    no_shapes = make(wrt="f", value=no_arrays, sample=lambda rng, n: {})
    assert no_shapes.latex == r"\partial (Ax) / \partial x = A"  # no empty "with" line


def test_identity_derives_its_sampler_from_the_annotations_and_structure():
    structure = {"x": "positive"}
    identity = make(structure=structure)
    structure["x"] = "probability"  # the record keeps its own copy
    drawn = identity.sample(np.random.default_rng(3), 2)
    expected = sample(
        {"A": ("m", "n"), "x": ("n",)}, {"x": "positive"}, np.random.default_rng(3), 2
    )
    assert list(drawn) == ["A", "x"]
    for name in expected:
        np.testing.assert_array_equal(drawn[name], expected[name])
    assert drawn["A"].shape == (2, 3)
    assert drawn["x"].shape == (3,)
    assert np.all(drawn["x"] >= 0.5)


def test_identity_keeps_a_given_sampler():
    def given(rng, n):
        return {"A": np.zeros((1, 1)), "x": np.zeros(1)}

    identity = make(sample=given)
    assert identity.sample is given
    assert identity.fixed_dimension is False


@pytest.mark.parametrize(
    ("fn", "given", "fixed"),
    [
        (value, False, False),
        (half_fixed_value, False, False),
        (fixed_value, False, True),
        (value, True, True),
        (fixed_value, True, True),
    ],
)
def test_identity_derives_fixed_dimension_when_every_size_is_literal(fn, given, fixed):
    identity = make(value=fn, fixed_dimension=given)
    assert identity.fixed_dimension is fixed


def test_a_fixed_dimension_identity_samples_its_literal_sizes():
    drawn = make(value=fixed_value).sample(np.random.default_rng(0), 5)
    assert {k: v.shape for k, v in drawn.items()} == {"A": (2, 3), "x": (3,)}
