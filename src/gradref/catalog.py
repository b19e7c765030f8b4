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

__all__ = ["Identity", "catalog", "get", "register"]


@dataclass(frozen=True)
class Identity:
    """A gradient or Jacobian identity and its reference implementation.

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
    kind : {"gradient", "jacobian"}
        A gradient has the shape of ``wrt``; a Jacobian of f: R^m -> R^n is
        n x m.
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
    kind: Literal["gradient", "jacobian"]
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

    def __post_init__(self) -> None:
        from gradref import shapes

        family, _, name = self.id.partition(".")
        if not family or not name:
            raise ValueError(f"`id` must look like 'family.name'; got {self.id!r}")
        if self.kind not in ("gradient", "jacobian"):
            raise ValueError(f"`kind` must be 'gradient' or 'jacobian'; got {self.kind!r}")
        if not (self.formula or self.latex):
            raise ValueError(f"identity {self.id!r}: give its `formula`")
        for keyword in self.keywords:
            if not keyword.strip() or any(mark in keyword for mark in ",;"):
                raise ValueError(
                    f"identity {self.id!r}: a keyword must be non-empty, without ',' or ';'; "
                    f"got {keyword!r}"
                )
        spec = shapes.dims_of(self.value)
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


#: Modules of :mod:`gradref.identities`, in the reference's reading order, with chapter titles.
FAMILY_TITLES = {
    "rules": "Product and chain rules",
    "linear": "Linear maps",
    "quadratic": "Quadratic forms",
    "traces": "Traces",
    "norms": "Norms",
    "losses": "Losses",
    "elementary": "Explicit functions",
}
FAMILIES = tuple(FAMILY_TITLES)

_REGISTRY: dict[str, Identity] = {}


def register(identity: Identity) -> Identity:
    """Add ``identity`` to the catalog; each id may be registered only once."""
    if identity.id in _REGISTRY:
        raise ValueError(f"identity {identity.id!r} is already registered")
    _REGISTRY[identity.id] = identity
    return identity


def _load() -> None:
    for family in FAMILIES:
        importlib.import_module(f"gradref.identities.{family}")


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
