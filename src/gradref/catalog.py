"""The catalog: one record per identity, registered once.

The catalog is the single source of truth for the pages, the tests and the
machine-readable export.  It holds no numerics: reference implementations live
in :mod:`gradref.identities`, checking in :mod:`gradref.check`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "Erratum",
    "Identity",
    "Mistake",
    "catalog",
    "errata",
    "get",
    "register",
    "register_erratum",
]


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong formula for an identity, which the build must reject.

    Attributes
    ----------
    formula : str
        The wrong derivative in LaTeX (right-hand side only, e.g. ``2 A x``).
    derivative : callable
        It as numpy code, with the signature of the identity's ``derivative``.
    why : str
        Why people write it, and what is wrong with it (one sentence).
    """

    formula: str
    derivative: Callable[..., Any]
    why: str


@dataclass(frozen=True)
class Identity:
    r"""A gradient or Jacobian identity and its reference implementation.

    Attributes
    ----------
    id : str
        Stable identifier, ``"<family>.<name>"``; used as catalog key, page
        label, test id and export key.
    title : str
        Short human title.
    formula : str
        The statement in LaTeX, without shapes: they are derived from the value
        function's annotations (``Arr["m n"]``) and ``structure``.
    wrt : str
        Name of the argument that is differentiated.
    kind : {"gradient", "jacobian", "vjp"}
        A gradient has the shape of ``wrt``; a Jacobian of f: R^m -> R^n is
        n x m. A vector-Jacobian product (reverse mode) gives, for ``C = value(...)`` and an
        upstream gradient ``C̄`` (the input named by ``cotangent``, shaped like ``C``), the
        adjoint ``derivative(..., C̄)`` of ``wrt``, shaped like ``wrt``: the gradient of
        ``<C̄, value>`` with respect to ``wrt``, which is how it is verified
        (``<C̄, dC> = <Ā, dA>`` for every direction ``dA``).
    value : callable
        ``value(**inputs)``: the function being differentiated, its array
        arguments annotated with named dimensions (see :mod:`gradref.shapes`).
    derivative : callable
        ``derivative(**inputs)``: the claimed gradient or Jacobian.
    symbolic : callable
        ``symbolic(**symbols) -> (value, derivative)`` as sympy expressions,
        given a sympy matrix of symbols for each array input (vectors are
        columns).  Used by :mod:`gradref.symbolic` to differentiate the value
        exactly, entry by entry.
    sources : tuple of str
        Citations, with equation numbers.
    structure : dict of str to str
        Structure tag of an input beyond its shape (``"spd"``, ``"symmetric"``,
        ``"invertible"``, ...; see :data:`gradref.shapes.STRUCTURES`).
    sample : callable or None
        ``sample(rng, n) -> dict`` of valid random inputs at base size ``n``; by
        default drawn from the annotations and ``structure``, with distinct sizes
        for distinct dimension names. Needed only for inputs that are not arrays
        (the rules' functions).
    latex : str
        The full statement, ``formula`` followed by the shapes; derived unless given.
    assumptions : str
        When the identity holds (e.g. "A square").
    general : callable or None
        Optional ``general() -> (expression, variable, expected)`` with sympy
        ``MatrixSymbol`` objects of symbolic dimension, to show sympy's
        general-dimension derivation.
    exercise : str
        The exercise of a course sheet this identity answers, if any.
    fixed_dimension : bool
        Whether every dimension is a literal size (derived from the annotations
        when the sampler is derived).
    derivation : str
        A short derivation in MyST Markdown, in differentials (``df = <G, dX>``, hence
        ``grad f = G``) or by the chain and product rules, step by step.
    hessian : callable, "zero" or None
        ``hessian(**inputs)``: the derivative of ``derivative`` with respect to ``wrt``,
        of shape ``wrt.shape + wrt.shape`` for a gradient (the Hessian; for a matrix
        variable the 4-tensor ``d^2 f / dX_ij dX_kl``), verified as the Jacobian of the
        gradient, numerically and against sympy's exact second derivatives. ``"zero"``
        when the gradient does not depend on ``wrt`` (verified as such).
    hessian_formula : str
        The Hessian in LaTeX (for a matrix variable, its action on a direction ``V``
        reads best: ``\nabla^2 f[V] = ...``).
    mistakes : tuple of Mistake
        Plausible wrong formulas; the build measures each one's error and fails if one
        passes.
    conventions : dict of str to str
        How the result reads in other conventions, in LaTeX, under the keys
        ``"numerator"`` (numerator layout, as in *Mathematics for Machine Learning*),
        ``"cookbook"`` (the Matrix Cookbook's notation) and ``"sympy"`` (what sympy's
        matrix calculus prints), where it differs from this reference's.
    related : tuple of str
        Ids of related identities (special cases, generalisations, other variables).
    cotangent : str
        For a ``"vjp"`` identity, the name of the derivative's argument holding the upstream
        gradient ``C̄`` (annotated in the derivative's signature with the shape of the
        value's output).
    symbolic_dims : tuple of int
        Base sizes of the exact sympy check (default 1, 2, 3); an identity whose exact
        check is slow at 3 (many symbols through a softmax) may stop at 2, and says so.
    cookbook : tuple of int
        Equation numbers of the Matrix Cookbook (version of 15 November 2012) that this
        identity verifies, as printed; they feed the concordance and the search.
    where : tuple of str
        Definitions shown under the formula, in LaTeX, one symbol each (``M = X^\top A X``,
        ``z = L^{-1}(x - \mu)``): a symbol of a displayed formula that is not an input is
        defined here or in the formula itself. ``gradref.readback`` evaluates them.
    keywords : tuple of str
        What a reader would type into the site's search to find this identity, the
        most specific first: its names, their synonyms and spellings of its formula
        (``"x^T A x"``, ``"xAx"``). They become index entries of the identity's
        section, matched case-insensitively; the search lists identities above prose
        pages, and of two identities that match a query equally well, the one that
        lists it earlier first. A keyword cannot contain "," or ";" (they separate
        index entries).
    """

    id: str
    title: str
    wrt: str
    kind: Literal["gradient", "jacobian", "vjp"]
    value: Callable[..., Any]
    derivative: Callable[..., Any]
    symbolic: Callable[..., tuple[Any, Any]]
    sources: tuple[str, ...]
    formula: str = ""
    structure: dict[str, str] = field(default_factory=dict, hash=False)
    sample: Callable[..., dict[str, Any]] | None = None
    latex: str = ""
    assumptions: str = ""
    general: Callable[[], tuple[Any, Any, Any]] | None = None
    exercise: str = ""
    fixed_dimension: bool = False
    keywords: tuple[str, ...] = ()
    derivation: str = ""
    hessian: Callable[..., Any] | Literal["zero"] | None = None
    hessian_formula: str = ""
    mistakes: tuple[Mistake, ...] = ()
    conventions: dict[str, str] = field(default_factory=dict, hash=False)
    related: tuple[str, ...] = ()
    cookbook: tuple[int, ...] = ()
    cotangent: str = ""
    symbolic_dims: tuple[int, ...] = (1, 2, 3)
    where: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        from gradref import shapes

        family, _, name = self.id.partition(".")
        if not family or not name:
            raise ValueError(f"`id` must look like 'family.name'; got {self.id!r}")
        if self.kind not in ("gradient", "jacobian", "vjp"):
            raise ValueError(f"`kind` must be 'gradient', 'jacobian' or 'vjp'; got {self.kind!r}")
        if (self.kind == "vjp") != bool(self.cotangent):
            raise ValueError(
                f"identity {self.id!r}: a 'vjp' identity names its upstream gradient in "
                f"`cotangent`, and only a 'vjp' identity does"
            )
        if not (self.formula or self.latex):
            raise ValueError(f"identity {self.id!r}: give its `formula`")
        for keyword in self.keywords:
            if not keyword.strip() or any(mark in keyword for mark in ",;"):
                raise ValueError(
                    f"identity {self.id!r}: a keyword must be non-empty, without ',' or ';'; "
                    f"got {keyword!r}"
                )
        if (self.hessian is None) != (not self.hessian_formula):
            raise ValueError(
                f"identity {self.id!r}: give both `hessian` and `hessian_formula`, or neither"
            )
        if isinstance(self.hessian, str) and self.hessian != "zero":
            raise ValueError(f"identity {self.id!r}: `hessian` is a callable, 'zero' or None")
        if self.hessian is not None and self.kind != "gradient":
            raise ValueError(f"identity {self.id!r}: only a gradient identity has a `hessian`")
        for mistake in self.mistakes:
            if not isinstance(mistake, Mistake):
                raise TypeError(f"identity {self.id!r}: `mistakes` must hold Mistake records")
        unknown = set(self.conventions) - {"numerator", "cookbook", "sympy"}
        if unknown:
            raise ValueError(
                f"identity {self.id!r}: `conventions` keys are 'numerator', 'cookbook', "
                f"'sympy'; got {', '.join(sorted(unknown))}"
            )
        spec = shapes.dims_of(self.value)
        if (
            callable(self.hessian)
            and spec
            and getattr(self.hessian, "__name__", "<lambda>") != "<lambda>"
            and not getattr(self.hessian, "__wrapped__", None)
        ):
            # a Hessian takes the value's arguments: give it their declared shapes and checks
            # (once per function: two identities may share one Hessian)
            raw = self.hessian
            if not hasattr(raw, "_gradref_checked"):
                raw._gradref_checked = shapes.shaped_like(self.value)(raw)
            object.__setattr__(self, "hessian", raw._gradref_checked)
        if self.kind == "vjp":  # the cotangent is declared in the derivative's signature
            spec = {**spec, **shapes.dims_of(self.derivative)}
        if self.kind == "vjp" and self.sample is None and self.cotangent not in spec:
            raise ValueError(
                f"identity {self.id!r}: the cotangent `{self.cotangent}` must be an "
                f"annotated argument of `derivative`"
            )
        for tag_of, tag in self.structure.items():
            if tag not in shapes.STRUCTURES:
                raise ValueError(
                    f"identity {self.id!r}: unknown structure {tag!r} for `{tag_of}`; known: "
                    f"{', '.join(shapes.STRUCTURES)}"
                )
        if self.sample is None:
            if self.wrt not in spec:
                raise ValueError(
                    f"identity {self.id!r}: `wrt` is {self.wrt!r}, which is not an annotated "
                    f"argument of `value` ({', '.join(spec) or 'none'})"
                )
            structure = dict(self.structure)

            def sample(rng, n, spec=spec, structure=structure):
                return shapes.sample(spec, structure, rng, n)

            object.__setattr__(self, "sample", sample)
            fixed = all(isinstance(d, int) for dims in spec.values() for d in dims)
            object.__setattr__(self, "fixed_dimension", self.fixed_dimension or fixed)
        if not self.latex:
            with_line = shapes.latex_shapes(spec, self.structure)
            latex = self.formula + (rf",\qquad {with_line}" if with_line else "")
            object.__setattr__(self, "latex", latex)

    @property
    def family(self) -> str:
        """The chapter the identity belongs to, e.g. ``"quadratic"``."""
        return self.id.partition(".")[0]

    @property
    def search_terms(self) -> tuple[str, ...]:
        """``keywords``, then "Cookbook 101" and "eq 101" for each Cookbook equation."""
        extra = []
        for number in self.cookbook:
            extra += [f"Cookbook {number}", f"Cookbook eq {number}", f"eq {number}"]
        return (*self.keywords, *extra)


@dataclass(frozen=True)
class Erratum:
    """A formula printed in a source that fails verification, with its correction.

    Two kinds: a printed *derivative* (``identity`` names the catalog identity holding the
    corrected formula, and ``printed_derivative`` is the printed one as numpy code with the
    same signature; the build asserts that the printed one fails and the identity passes),
    or a printed *equality* that is not a derivative (``check(rng)`` returns the relative
    errors of the printed and the corrected forms at random inputs; the build asserts the
    first is large and the second at rounding level).

    Attributes
    ----------
    id : str
        Stable identifier and page anchor, e.g. ``"cookbook-2012-eq-55"``.
    source : str
        The source, its edition and the page.
    equations : tuple of int
        The equation numbers concerned (Matrix Cookbook 2012 numbering for that source).
    printed : str
        The formula as printed, in LaTeX, transcribed symbol for symbol.
    corrected : str
        The corrected formula, in LaTeX.
    category : str
        What is wrong, in a word or two: "transpose", "sign", "factor", "missing assumption",
        "typesetting", "missing term", "wrong term".
    what : str
        What is wrong and how it was established, in a sentence or two.
    identity : str
        Id of the catalog identity holding the corrected formula (derivative errata).
    printed_derivative : callable or None
        The printed derivative as numpy code (derivative errata).
    check : callable or None
        ``check(rng) -> (printed_error, corrected_error)`` (equality errata).
    """

    id: str
    source: str
    equations: tuple[int, ...]
    printed: str
    corrected: str
    category: str
    what: str
    identity: str = ""
    printed_derivative: Callable[..., Any] | None = None
    check: Callable[[Any], tuple[float, float]] | None = None

    def __post_init__(self) -> None:
        derivative = bool(self.identity) and self.printed_derivative is not None
        if derivative == (self.check is not None):
            raise ValueError(
                f"erratum {self.id!r}: give either `identity` and `printed_derivative`, or `check`"
            )


#: Modules of :mod:`gradref.identities`, in the reference's reading order, with chapter titles.
FAMILY_TITLES = {
    "rules": "Product and chain rules",
    "differentials": "Differentials",
    "determinants": "Determinants",
    "inverses": "Inverses",
    "lowrank": "Log-determinants and inverses of structured sums",
    "forms": "Log-determinants, projections and fractional forms",
    "eigenvalues": "Eigenvalues",
    "svd": "Singular values and the SVD",
    "spectral": "Eigendecompositions and spectral functions",
    "linear": "Linear maps and linear forms",
    "quadratic": "Quadratic forms",
    "higher": "Higher-order and nonlinear forms",
    "traces": "Traces",
    "kronecker": "Kronecker products and vec calculus",
    "norms": "Norms",
    "angles": "Norms of affine maps, angles and cross products",
    "residuals": "Frobenius residuals of matrix maps",
    "structured": "Structured matrices",
    "gaussian": "Gaussian densities",
    "processes": "Gaussian processes and parametrised matrices",
    "activations": "Activations and elementwise maps",
    "softmax": "Softmax and log-sum-exp",
    "losses": "Losses",
    "margins": "Margin, ranking and contrastive losses",
    "layers": "Layers and backpropagation",
    "attention": "Attention layers",
    "networks": "Convolution, gating, normalisation and embeddings",
    "recurrent": "Recurrent cells and backpropagation through time",
    "likelihoods": "Likelihoods and exponential families",
    "statistics": "Statistical models",
    "adjoints": "Reverse-mode rules for matrix operations",
    "matfun": "Matrix functions",
    "factorizations": "QR, LU, Cholesky and triangular solves",
    "leastsquares": "Pseudo-inverse and least squares",
    "riemannian": "Riemannian gradients on matrix manifolds",
    "elementary": "Explicit functions",
}
FAMILIES = tuple(FAMILY_TITLES)

_REGISTRY: dict[str, Identity] = {}
_ERRATA: dict[str, Erratum] = {}


def register(identity: Identity) -> Identity:
    """Add ``identity`` to the catalog; each id may be registered only once."""
    if identity.id in _REGISTRY:
        raise ValueError(f"identity {identity.id!r} is already registered")
    _REGISTRY[identity.id] = identity
    return identity


def register_erratum(erratum: Erratum) -> Erratum:
    """Add ``erratum`` to the errata; each id may be registered only once."""
    if erratum.id in _ERRATA:
        raise ValueError(f"erratum {erratum.id!r} is already registered")
    _ERRATA[erratum.id] = erratum
    return erratum


def _load() -> None:
    for family in FAMILIES:
        importlib.import_module(f"gradref.identities.{family}")


def errata() -> tuple[Erratum, ...]:
    """All registered errata, by source and equation number."""
    _load()
    return tuple(sorted(_ERRATA.values(), key=lambda e: (e.source, e.equations, e.id)))


def catalog() -> tuple[Identity, ...]:
    """All identities, in reading order (by chapter, then as registered).

    Examples
    --------
    >>> ids = [identity.id for identity in catalog()]
    >>> "quadratic.grad-x" in ids
    True
    """
    _load()
    order = {family: position for position, family in enumerate(FAMILIES)}
    return tuple(sorted(_REGISTRY.values(), key=lambda identity: order[identity.family]))


def get(identity_id: str) -> Identity:
    """The identity registered under ``identity_id``.

    Raises
    ------
    KeyError
        If no identity has that id; the message lists the known ids.

    Examples
    --------
    >>> get("linear.inner").wrt
    'x'
    """
    _load()
    try:
        return _REGISTRY[identity_id]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise KeyError(f"no identity {identity_id!r}; known ids: {known}") from None
