"""Everything the build verifies about an identity or an erratum, as plain data.

:func:`entry_record` runs every check of one identity (numerical and symbolic verification
of the derivative, of its Hessian, and the rejection of each listed mistake) and returns a
JSON-ready dict: the site's pages and ``catalog.json`` are written from these records, and
:func:`export` returns them for the whole catalog. Every displayed formula is also read back
and compared with the verified code (:mod:`gradref.readback`). A check that fails raises
:class:`gradref.VerificationError` naming the identity, which fails the build.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np

from gradref.catalog import Erratum, Identity, catalog, errata
from gradref.readback import FieldResult, readback, readback_erratum
from gradref.verify import VerificationError, verify, verify_hessian, verify_mistakes

__all__ = ["SCHEMA_VERSION", "concordance_records", "entry_record", "erratum_record", "export"]

SCHEMA_VERSION = 1


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _method(result) -> str:
    for _, check in result.checks:
        if not isinstance(check, str):
            return "complex-step" if check.method == "complex" else "central-difference"
    return "exact comparison"


def _shapes(identity: Identity) -> dict[str, Any]:
    from gradref import shapes

    if identity.sample is None:
        return {}
    spec = shapes.dims_of(identity.value)
    if identity.kind == "vjp":
        spec = {**spec, **shapes.dims_of(identity.derivative)}
    return {
        name: {
            "dims": [str(d) for d in dims],
            "structure": identity.structure.get(name, "general"),
        }
        for name, dims in spec.items()
    }


def _source(function) -> str | None:
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return None


def entry_record(identity: Identity, rng: int = 0) -> dict[str, Any]:
    """Verify ``identity`` in every way the catalog declares, and describe it as plain data.

    Raises
    ------
    VerificationError
        If the derivative or the Hessian fails either check, a listed mistake is not
        rejected (its verdict must be "failed"), or a displayed formula read back disagrees
        with its code (the message names the entry, the field and the relative error).
    """
    from gradref.symbolic import verify_symbolic, verify_symbolic_hessian

    numeric = verify(identity, rng=rng)
    if not numeric.passed:
        raise VerificationError(numeric.report()) from numeric.error
    symbolic = verify_symbolic(identity)
    if not symbolic.passed:
        raise VerificationError(symbolic.report())
    hessian = None
    if identity.hessian is not None:
        numeric_h = verify_hessian(identity, rng=rng)
        if not numeric_h.passed:
            raise VerificationError(numeric_h.report()) from numeric_h.error
        symbolic_h = verify_symbolic_hessian(identity)
        if not symbolic_h.passed:
            raise VerificationError(
                f"identity {identity.id!r}: Hessian fails the symbolic check: "
                + "; ".join(symbolic_h.problems)
            )
        hessian = {
            "latex": identity.hessian_formula,
            "zero": isinstance(identity.hessian, str),
            "verification": {
                "method": _method(numeric_h),
                "sizes": list(numeric_h.sizes),
                "max_rel_error": numeric_h.max_rel_error,
                "evaluations": numeric_h.evaluations,
                "symbolic": "passed",
                "symbolic_entries": symbolic_h.entries,
                "symbolic_max_error": symbolic_h.max_error,
            },
        }
    mistakes = []
    # A mistake is rejected at the first size where it fails; the page gives that error.
    for outcome in verify_mistakes(identity, rng=rng, stop_on_failure=True):
        if not outcome.rejected:
            raise VerificationError(
                f"identity {identity.id!r}: the listed mistake {outcome.mistake.formula!r} is "
                f"not rejected ({outcome.result.verdict}):\n{outcome.result.report()}"
            )
        raises = outcome.result.error is not None
        shape_error = not raises and not math.isfinite(outcome.result.max_rel_error)
        mistakes.append(
            {
                "latex": outcome.mistake.formula,
                "why": outcome.mistake.why,
                "max_rel_error": None if raises else _finite(outcome.result.max_rel_error),
                "wrong_shape": shape_error,
                "raises": f"{type(outcome.result.error).__name__}: {outcome.result.error}"
                if raises
                else None,
            }
        )
    read = _readback_record(identity.id, readback(identity, rng=rng))
    general = symbolic.general
    formula, _, with_shapes = identity.latex.partition(r"\qquad")
    return {
        "id": identity.id,
        "title": identity.title,
        "family": identity.family,
        "kind": identity.kind,
        "wrt": identity.wrt,
        "cotangent": identity.cotangent or None,
        "latex": identity.latex,
        "formula": formula.strip().rstrip(","),
        "with": with_shapes.strip().lstrip(",").strip(),
        "shapes": _shapes(identity),
        "assumptions": identity.assumptions,
        "sources": list(identity.sources),
        "cookbook": list(identity.cookbook),
        "exercise": identity.exercise or None,
        "keywords": list(identity.search_terms),
        "derivation": identity.derivation.strip(),
        "hessian": hessian,
        "mistakes": mistakes,
        "conventions": dict(identity.conventions),
        "where": list(identity.where),
        "readback": read,
        "related": list(identity.related),
        "code": {
            "value": _qualname(identity.value),
            "derivative": _qualname(identity.derivative),
            "hessian": _qualname(identity.hessian) if callable(identity.hessian) else None,
        },
        "verification": {
            "method": _method(numeric),
            "sizes": list(numeric.sizes),
            "fixed_dimension": identity.fixed_dimension,
            "max_rel_error": numeric.max_rel_error,
            "evaluations": numeric.evaluations,
            "symbolic": "passed",
            "symbolic_dims": list(symbolic.dims),
            "symbolic_entries": symbolic.entries,
            "implementation_checked": symbolic.implementation_checked,
            "general": None
            if general is None
            else {
                "status": general.status,
                "latex": general.latex,
                "note": general.sympy_layout_note,
            },
        },
    }


def _readback_record(name: str, results: list[FieldResult]) -> dict[str, Any]:
    """The read-back of an entry's displayed formulas as data; raise on a disagreement."""
    wrong = [r for r in results if r.status == "disagree"]
    if wrong:
        raise VerificationError(
            "\n".join(
                f"{name!r}: the displayed {r.field} does not agree with the verified code "
                f"(relative error {r.error:.2e}): {r.reason}"
                for r in wrong
            )
        )
    agreed = [r for r in results if r.status == "agree"]
    return {
        "fields": len(results),
        "agree": [r.field for r in agreed],
        "max_rel_error": max((r.error for r in agreed), default=0.0),
        "unreadable": [
            {"field": r.field, "reason": r.reason} for r in results if r.status == "unreadable"
        ],
    }


def _qualname(function) -> str | None:
    module = getattr(function, "__module__", None)
    name = getattr(function, "__qualname__", None)
    if module is None or name is None or "<lambda>" in name:
        return None
    return f"{module}.{name}"


def erratum_record(erratum: Erratum, rng: int = 0) -> dict[str, Any]:
    """Check an erratum both ways and describe it as plain data.

    For a derivative erratum the printed formula must *fail* verification against the
    identity's value and the identity (the corrected formula) must pass; for an equality
    erratum, the printed form's error must exceed 1e-6 and the corrected one's stay
    below 1e-10.

    Raises
    ------
    VerificationError
        If either side comes out otherwise: a mis-transcription cannot slip through.
    """
    import dataclasses

    from gradref.catalog import get

    if erratum.check is None:
        identity = get(erratum.identity)
        printed = verify(
            dataclasses.replace(
                identity, id=f"{identity.id}:printed", derivative=erratum.printed_derivative
            ),
            rng=rng,
        )
        if printed.verdict != "failed":
            raise VerificationError(
                f"erratum {erratum.id!r}: the printed formula does not fail verification "
                f"({printed.verdict}); check the transcription or remove the erratum"
            )
        corrected = verify(identity, rng=rng)
        if not corrected.passed:
            raise VerificationError(corrected.report()) from corrected.error
        printed_error = printed.max_rel_error
        corrected_error = corrected.max_rel_error
        method = f"derivative checker ({_method(corrected)}), sizes {list(corrected.sizes)}"
    else:
        printed_error, corrected_error = erratum.check(np.random.default_rng(rng))
        if not printed_error > 1e-6 or not corrected_error <= 1e-10:
            raise VerificationError(
                f"erratum {erratum.id!r}: expected the printed form to be wrong (> 1e-6) and "
                f"the corrected one right (<= 1e-10); measured {printed_error:.2e} and "
                f"{corrected_error:.2e}"
            )
        method = "both sides evaluated at random inputs"
    read = _readback_record(erratum.id, readback_erratum(erratum, rng=rng))
    return {
        "id": erratum.id,
        "source": erratum.source,
        "equations": list(erratum.equations),
        "printed": erratum.printed,
        "corrected": erratum.corrected,
        "category": erratum.category,
        "what": erratum.what,
        "identity": erratum.identity or None,
        "printed_error": _finite(printed_error),
        "printed_wrong_shape": not math.isfinite(printed_error),
        "corrected_error": corrected_error,
        "method": method,
        "readback": read,
    }


def concordance_records(rng: int = 0) -> list[dict[str, Any]]:
    """The Cookbook concordance as data; each note's numerical check is run here.

    Raises
    ------
    VerificationError
        If a note's check measures a relative error above 1e-10.
    """
    from gradref.cookbook import concordance, notes

    explained = notes()
    rows = []
    for row in concordance():
        error = None
        note = explained.get(row.equation)
        if note is not None and note.check is not None and row.status == note.status:
            error = float(note.check(np.random.default_rng(rng)))
            if not error <= 1e-10:
                raise VerificationError(
                    f"Cookbook eq. ({row.equation}): the check of its note measures a relative "
                    f"error of {error:.2e} (at most 1e-10 expected)"
                )
        rows.append(
            {
                "equation": row.equation,
                "page": row.page,
                "status": row.status,
                "targets": list(row.targets),
                "reason": row.reason,
                "check_error": error,
            }
        )
    return rows


def export(rng: int = 0) -> dict[str, Any]:
    """The whole catalog as data, as published in the site's ``catalog.json``.

    Every identity and erratum is verified first (see :func:`entry_record`); the schema is
    documented on the site's catalog page.
    """
    from gradref import __version__

    return {
        "schema_version": SCHEMA_VERSION,
        "gradref_version": __version__,
        "identities": [entry_record(identity, rng=rng) for identity in catalog()],
        "errata": [erratum_record(erratum, rng=rng) for erratum in errata()],
        "cookbook_concordance": concordance_records(rng=rng),
    }
