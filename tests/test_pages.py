"""The helpers the executed pages call: they must fail the build, naming the identity."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import gradref
from gradref.pages import PrintedAnswerError, check_printed, identity_list, verification_badge
from gradref.symbolic import SymbolicVerificationError


def _text(output) -> str:
    return output if isinstance(output, str) else output.data


def test_correct_printed_answer_passes_without_erratum():
    assert check_printed("quadratic.grad-x", lambda A, x: (A + A.T) @ x).passed


def test_wrong_printed_answer_without_erratum_fails_naming_it():
    with pytest.raises(PrintedAnswerError, match=r"'quadratic\.grad-x' fails verification"):
        check_printed("quadratic.grad-x", lambda A, x: 2 * A @ x)


def test_erratum_requires_the_printed_answer_to_fail():
    with pytest.raises(PrintedAnswerError, match="remove the erratum"):
        check_printed("quadratic.grad-x", lambda A, x: (A + A.T) @ x, erratum=True)


def test_erratum_requires_the_correction_to_pass():
    broken = dataclasses.replace(gradref.get("quadratic.grad-x"), derivative=lambda A, x: A.T @ x)
    with pytest.raises(PrintedAnswerError, match=r"the corrected formula .* fails too"):
        check_printed(broken, lambda A, x: 2 * A @ x, erratum=True)


def test_sheet_4a_printed_answer_is_an_erratum():
    def printed(v):
        x, y, z = v
        e = np.exp(x**2 * y**3 * z)
        return np.array(
            [
                x - 2 * x * y**3 * z / (1 + e),
                z - 3 * y**2 * x**2 * z / (1 + e),
                y - x**2 * y**3 / (1 + e),
            ]
        )

    result = check_printed("elementary.sheet-xyz", printed, erratum=True)
    assert not result.passed
    assert result.max_rel_error > 1e-2


def test_badge_shows_the_measured_numbers():
    text = _text(verification_badge("linear.inner"))
    assert "Verified: `linear.inner`" in text
    assert "largest relative error" in text
    assert "entries equal exactly" in text


def test_badge_fails_naming_a_numerically_wrong_identity():
    wrong = dataclasses.replace(gradref.get("linear.inner"), derivative=lambda a, x: 2 * a)
    with pytest.raises(gradref.VerificationError, match=r"identity 'linear\.inner' FAILED"):
        verification_badge(wrong)


def test_badge_fails_naming_a_symbolically_wrong_identity():
    wrong = dataclasses.replace(
        gradref.get("linear.inner"), symbolic=lambda a, x: ((a.T * x)[0, 0], x)
    )
    with pytest.raises(SymbolicVerificationError, match=r"identity 'linear\.inner' FAILED"):
        verification_badge(wrong)


def test_identity_list_has_every_identity():
    text = _text(identity_list())
    for identity in gradref.catalog():
        assert f"{{ref}}`{identity.id} <{identity.id}>`" in text
