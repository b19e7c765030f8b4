"""The Matrix Cookbook (version of 15 November 2012), equation by equation.

Every equation of the ranges below is accounted for exactly once: by the catalog identities
that verify it as printed (their ``cookbook`` field), by an erratum (it fails as printed;
:class:`gradref.catalog.Erratum`), or by a :class:`Note` saying why it is not a catalog
identity (a definition, a duplicate, a complex-valued or a non-derivative equation), checked
numerically wherever a check makes sense. :func:`concordance` assembles the table that the
site publishes; a test asserts that nothing is missing or counted twice.

Notes live next to the identities of their section, in a module-level ``COOKBOOK_NOTES``
dict of :mod:`gradref.identities` modules: ``{equation number: Note(...)}``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["EDITION", "EQUATIONS", "PAGES", "Note", "Row", "concordance", "notes"]

EDITION = "Petersen & Pedersen, *The Matrix Cookbook*, version of 15 November 2012"

#: The equations the reference accounts for: section 1.2 (25-28), chapter 2 (32-144) and the
#: Gaussian derivatives of chapter 8 (346-348, 390-396).
EQUATIONS = (
    *range(25, 29),
    *range(32, 145),
    *range(346, 349),
    *range(390, 397),
)

#: Printed page of each equation (page breaks of the 2012 edition).
_PAGE_STARTS = (
    (25, 6), (27, 7), (32, 8), (49, 9), (60, 10), (76, 11), (92, 12), (106, 13), (124, 14),
    (134, 15), (143, 16), (346, 40), (390, 44), (391, 45),
)  # fmt: skip


def page(equation: int) -> int:
    """The page of the 2012 edition on which ``equation`` is printed."""
    found = None
    for first, number in _PAGE_STARTS:
        if equation >= first:
            found = number
    if found is None or equation not in EQUATIONS:
        raise ValueError(f"equation {equation} is not among the transcribed ones")
    return found


PAGES = {equation: page(equation) for equation in EQUATIONS}

#: Statuses of a note, as shown in the concordance.
NOTE_STATUSES = {
    "equality": "verified numerically as an equality (not a derivative)",
    "definition": "a definition or notation; nothing to verify",
    "duplicate": "printed twice; see the other equation",
    "rewriting": "a rewriting step of the next equation; verified with it",
    "complex": "complex-valued",
    "not-checked": "not checked",
}


@dataclass(frozen=True)
class Note:
    """Why an equation is not a catalog identity, and its check where one makes sense.

    Attributes
    ----------
    status : str
        One of :data:`NOTE_STATUSES`.
    reason : str
        A sentence for the concordance.
    see : tuple of str
        Ids of identities (or errata) the reader should go to instead.
    check : callable or None
        ``check(rng) -> float``: the relative error of the printed equality at random
        inputs; the build asserts it is at rounding level (``<= 1e-10``).
    """

    status: str
    reason: str
    see: tuple[str, ...] = ()
    check: Callable[[Any], float] | None = None

    def __post_init__(self) -> None:
        if self.status not in NOTE_STATUSES:
            raise ValueError(
                f"`status` must be one of {', '.join(NOTE_STATUSES)}; got {self.status!r}"
            )
        if self.status == "equality" and self.check is None:
            raise ValueError("a note with status 'equality' needs its `check`")


@dataclass(frozen=True)
class Row:
    """One equation of the concordance."""

    equation: int
    page: int
    status: str  # "verified", "erratum" or a Note status
    targets: tuple[str, ...]  # identity ids, erratum ids or "see" ids
    reason: str = ""


def notes() -> dict[int, Note]:
    """The notes of every identities module, by equation number."""
    from gradref.catalog import FAMILIES

    found: dict[int, Note] = {}
    for family in FAMILIES:
        module = importlib.import_module(f"gradref.identities.{family}")
        for equation, note in getattr(module, "COOKBOOK_NOTES", {}).items():
            if equation in found:
                raise ValueError(f"equation {equation} has two notes")
            found[equation] = note
    return found


def concordance() -> tuple[Row, ...]:
    """Every equation of :data:`EQUATIONS`, with what accounts for it.

    Raises
    ------
    ValueError
        If an equation is accounted for by nothing, or by a note and something else, or an
        identity or erratum cites an equation outside the transcribed ranges.
    """
    from gradref.catalog import catalog, errata

    verified: dict[int, list[str]] = {}
    for identity in catalog():
        for equation in identity.cookbook:
            verified.setdefault(equation, []).append(identity.id)
    wrong: dict[int, list[str]] = {}
    for erratum in errata():
        if erratum.source.startswith("Petersen"):
            for equation in erratum.equations:
                wrong.setdefault(equation, []).append(erratum.id)
    explained = notes()
    stray = (set(verified) | set(wrong) | set(explained)) - set(EQUATIONS)
    if stray:
        raise ValueError(f"equations outside the transcribed ranges: {sorted(stray)}")
    rows, missing, doubled = [], [], []
    for equation in EQUATIONS:
        note = explained.get(equation)
        if note is not None and (equation in verified or equation in wrong):
            doubled.append(equation)
        if equation in wrong:
            rows.append(Row(equation, PAGES[equation], "erratum", tuple(wrong[equation])))
        elif equation in verified:
            rows.append(Row(equation, PAGES[equation], "verified", tuple(verified[equation])))
        elif note is not None:
            rows.append(Row(equation, PAGES[equation], note.status, note.see, note.reason))
        else:
            missing.append(equation)
    if missing or doubled:
        raise ValueError(
            f"Cookbook equations not accounted for: {missing}; with a note and an identity or "
            f"erratum: {doubled}"
        )
    return tuple(rows)
