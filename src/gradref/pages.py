"""Helpers for the executed pages of the site.

A page calls these instead of re-implementing anything: they run the
numerical and symbolic verification of catalog identities, store the measured
numbers for the prose (myst-nb's ``glue``), and raise an error that names the
identity when a check fails, which fails the build.

Glued names, for an identity ``<id>``:

- ``<id>:num-error`` (float): largest relative error of the numerical check;
- ``<id>:num-evals`` (int): function evaluations it used;
- ``<id>:sym-entries`` (int): entries compared exactly by sympy;
- ``printed:<id>:error`` (float): relative error of a printed answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from gradref.catalog import Identity, get
from gradref.verify import VerificationError, VerifyResult, verify

__all__ = ["PrintedAnswerError", "check_printed", "identity_list", "verification_badge"]


class PrintedAnswerError(AssertionError):
    """A printed answer disagrees with its erratum record; the message names the identity."""


def _glue(name: str, value: Any) -> None:
    try:
        from myst_nb import glue
    except ImportError:  # outside a docs build there is nothing to glue into
        return
    glue(name, value, display=False)


def _markdown(text: str):
    """Markdown for a notebook output (rendered by myst-nb); the plain text elsewhere."""
    try:
        from IPython.display import Markdown
    except ImportError:
        return text
    return Markdown(text)


def _statement(identity: Identity) -> tuple[str, str]:
    """The formula of an identity's statement and its shapes (what follows ``\\qquad``)."""
    formula, _, shapes = identity.latex.partition(r"\qquad")
    return formula.strip().rstrip(","), shapes.strip().lstrip(",").strip()


def _resolve(identity: Identity | str) -> Identity:
    return get(identity) if isinstance(identity, str) else identity


def verification_badge(identity: Identity | str, rng: int = 0):
    """Verify an identity numerically and symbolically, glue the numbers, show a badge.

    The badge says how the identity was checked and with what error, and links to its
    section of the reference, which states it with its shapes, derivation and sources: the
    page that calls this states the formula itself (a sheet's solution), so the badge does
    not repeat it (its math was a sixth of sheet 01's weight).

    Raises
    ------
    VerificationError
        If either check fails; the message names the identity and the error.
    """
    from gradref.symbolic import SymbolicVerificationError, verify_symbolic

    identity = _resolve(identity)
    numeric = verify(identity, rng=rng)
    if not numeric.passed:
        raise VerificationError(numeric.report()) from numeric.error
    symbolic = verify_symbolic(identity)
    if not symbolic.passed:
        raise SymbolicVerificationError(symbolic.report())
    _glue(f"{identity.id}:num-error", numeric.max_rel_error)
    _glue(f"{identity.id}:num-evals", numeric.evaluations)
    _glue(f"{identity.id}:sym-entries", symbolic.entries)
    dims = ", ".join(map(str, numeric.sizes))
    method = numeric.checks[0][1].method
    implementation = (
        " and the numpy code agrees with the formula"
        if symbolic.implementation_checked
        else " for arbitrary differentiable functions (sympy's undefined functions)"
    )
    lines = [
        f":::{{admonition}} ✔ Verified: `{identity.id}`",
        ":class: tip verified",
        "",
        f"- **Numerically**: "
        f"{'complex-step' if method == 'complex' else 'central-difference'} directional "
        f"derivatives at "
        f"{'dimension' if identity.fixed_dimension else 'base sizes n ='} "
        f"{'3' if identity.fixed_dimension else dims}"
        f"{'' if identity.fixed_dimension else ' (distinct dimensions get distinct sizes)'}"
        f": largest relative error "
        f"**{numeric.max_rel_error:.1e}**, {numeric.evaluations} function evaluations.",
        f"- **Symbolically** (sympy): {symbolic.entries} entries equal exactly at "
        f"n = {', '.join(map(str, symbolic.dims))}{implementation}.",
    ]
    general = symbolic.general
    if general is not None:
        if general.status == "agrees":
            lines.append("- **General n** (sympy matrix calculus): agrees.")
        else:
            lines.append(
                "- **General n**: sympy's matrix calculus gets this one wrong; it is not relied on."
            )
    if identity.assumptions:
        lines.append(f"- **Holds when**: {identity.assumptions}.")
    lines.append(
        f"- **Statement, shapes, code and sources**: {{ref}}`{identity.id} <{identity.id}>` "
        "in the reference."
    )
    lines.append(":::")
    return _markdown("\n".join(lines))


def check_printed(
    identity: Identity | str,
    printed: Callable[..., Any],
    *,
    erratum: bool = False,
    rng: int = 0,
) -> VerifyResult:
    """Verify a printed answer, transcribed as a function, against the identity's value.

    Parameters
    ----------
    identity : Identity or str
        The catalog identity the printed answer claims to be the derivative of.
    printed : callable
        The printed formula, with the signature of ``identity.derivative``.
    erratum : bool, optional
        Whether an erratum is recorded for this answer.  Without one, the
        printed answer must pass; with one, it must fail *and* the catalog's
        corrected derivative must pass.

    Returns
    -------
    VerifyResult
        The verification of the printed answer.

    Raises
    ------
    PrintedAnswerError
        If the outcome disagrees with the erratum record.

    Examples
    --------
    >>> result = check_printed("norms.half-squared", lambda x: x)
    >>> result.passed
    True
    >>> check_printed("norms.half-squared", lambda x: 2 * x)
    Traceback (most recent call last):
    ...
    gradref.pages.PrintedAnswerError: the printed answer for 'norms.half-squared' fails ...
    """
    identity = _resolve(identity)
    result = verify(dataclasses.replace(identity, derivative=printed), rng=rng)
    _glue(f"printed:{identity.id}:error", result.max_rel_error)
    if not erratum and not result.passed:
        raise PrintedAnswerError(
            f"the printed answer for {identity.id!r} fails verification and no erratum is "
            f"recorded:\n{result.report()}"
        )
    if erratum:
        if result.verdict != "failed":
            raise PrintedAnswerError(
                f"an erratum is recorded for {identity.id!r} but the printed answer does not "
                f"fail verification ({result.verdict}): remove the erratum or check the "
                f"transcription"
            )
        corrected = verify(identity, rng=rng)
        if not corrected.passed:
            raise PrintedAnswerError(
                f"the corrected formula for {identity.id!r} fails too:\n{corrected.report()}"
            )
    return result


def identity_list(identities: tuple[Identity, ...] | None = None):
    """A Markdown list of identities (statement, shapes, conditions), each verified numerically.

    Raises
    ------
    VerificationError
        If any identity fails.
    """
    from gradref.catalog import catalog

    entries = []
    for identity in catalog() if identities is None else identities:
        result = verify(identity, rng=0)
        if not result.passed:
            raise VerificationError(result.report()) from result.error
        formula, shapes = _statement(identity)
        exercise = (
            f" · sheet 01, {{ref}}`{identity.exercise} <ex-{identity.exercise}>`"
            if identity.exercise
            else ""
        )
        details = []
        if shapes:
            details.append(f"with ${shapes}$.")
        if identity.assumptions:
            details.append(f"Holds when: {identity.assumptions}.")
        entries.append(
            f"{{ref}}`{identity.id} <{identity.id}>` — {identity.title}{exercise} · "
            f"✔ verified, relative error {result.max_rel_error:.0e}\n"
            f": $${formula}$$\n\n  {' '.join(details)}\n"
        )
    return _markdown("\n".join(entries))
