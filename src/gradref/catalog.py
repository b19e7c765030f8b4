"""The catalog: one record per identity, registered once.

The catalog is the single source of truth for the pages, the tests and the
machine-readable export.  It holds no numerics: reference implementations live
in :mod:`gradref.identities`, checking in :mod:`gradref.check`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
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
    latex : str
        The statement in LaTeX, with the shapes of every symbol.
    wrt : str
        Name of the input that is differentiated (a key of ``sample``'s dict).
    kind : {"gradient", "jacobian"}
        A gradient has the shape of ``wrt``; a Jacobian of f: R^m -> R^n is
        n x m.
    sample : callable
        ``sample(rng, n) -> dict`` of valid random inputs at dimension ``n``
        (identities of fixed dimension ignore ``n``).
    value : callable
        ``value(**inputs)``: the function being differentiated.
    derivative : callable
        ``derivative(**inputs)``: the claimed gradient or Jacobian.
    symbolic : callable
        ``symbolic(**symbols) -> (value, derivative)`` as sympy expressions,
        given a sympy matrix of symbols for each array input (vectors are
        columns).  Used by :mod:`gradref.symbolic` to differentiate the value
        exactly, entry by entry.
    sources : tuple of str
        Citations, with equation numbers.
    assumptions : str
        When the identity holds (e.g. "A square").
    general : callable or None
        Optional ``general() -> (expression, variable, expected)`` with sympy
        ``MatrixSymbol`` objects of symbolic dimension, to show sympy's
        general-dimension derivation.
    exercise : str
        The exercise of a course sheet this identity answers, if any.
    keywords : tuple of str
        Lower-case terms a reader would search for; they become index entries of
        the identity's section, which the site's search ranks first.
    """

    id: str
    title: str
    latex: str
    wrt: str
    kind: Literal["gradient", "jacobian"]
    sample: Callable[..., dict[str, Any]]
    value: Callable[..., Any]
    derivative: Callable[..., Any]
    symbolic: Callable[..., tuple[Any, Any]]
    sources: tuple[str, ...]
    assumptions: str = ""
    general: Callable[[], tuple[Any, Any, Any]] | None = None
    exercise: str = ""
    fixed_dimension: bool = False
    keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        family, _, name = self.id.partition(".")
        if not family or not name:
            raise ValueError(f"`id` must look like 'family.name'; got {self.id!r}")
        if self.kind not in ("gradient", "jacobian"):
            raise ValueError(f"`kind` must be 'gradient' or 'jacobian'; got {self.kind!r}")

    @property
    def family(self) -> str:
        """The chapter the identity belongs to, e.g. ``"quadratic"``."""
        return self.id.partition(".")[0]


#: Modules of :mod:`gradref.identities`, in the reference's reading order, with chapter titles.
FAMILY_TITLES = {
    "rules": "Product and chain rules",
    "linear": "Linear maps",
    "quadratic": "Quadratic forms",
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
