"""gradref: a verified, executable reference of gradient identities.

The public face:

- :func:`catalog`, :func:`get`: the registered identities;
- :func:`verify`: check an identity numerically, :func:`verify_symbolic`: exactly, with sympy;
- :func:`check_gradient`, :func:`check_jacobian` (and their asserting forms): check
  *your own* derivatives.

Conventions: a gradient has the shape of its variable; the Jacobian of
f: R^m -> R^n is n x m (rows are outputs).
"""

from __future__ import annotations

from typing import Any

from gradref.catalog import Identity, catalog, get
from gradref.check import (
    CheckResult,
    DerivativeCheckError,
    DerivativeShapeError,
    assert_gradient,
    assert_jacobian,
    check_gradient,
    check_jacobian,
)
from gradref.verify import VerificationError, VerifyResult, assert_verified, verify

__version__ = "0.1.0"

__all__ = [
    "CheckResult",
    "DerivativeCheckError",
    "DerivativeShapeError",
    "Identity",
    "VerificationError",
    "VerifyResult",
    "assert_gradient",
    "assert_jacobian",
    "assert_symbolic",
    "assert_verified",
    "catalog",
    "check_gradient",
    "check_jacobian",
    "get",
    "verify",
    "verify_symbolic",
]


def __getattr__(name: str) -> Any:
    # sympy is imported only when symbolic verification is used.
    if name in ("verify_symbolic", "assert_symbolic"):
        from gradref import symbolic

        return getattr(symbolic, name)
    raise AttributeError(f"module 'gradref' has no attribute {name!r}")
