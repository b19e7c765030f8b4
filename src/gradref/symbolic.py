"""Exact verification of catalog identities with sympy.

For each identity, at a few small concrete dimensions:

1. every array input becomes a matrix of real symbols (vectors are columns);
2. the identity's ``symbolic`` builder gives the value and the claimed
   derivative as sympy expressions;
3. the value is differentiated by sympy *entry by entry*, arranged in this
   reference's layout (a gradient has the shape of its variable, a Jacobian
   is outputs x inputs) and compared exactly with the claim;
4. where the inputs are all arrays, the sympy formulas are evaluated at a
   random point and compared with the numpy reference implementation, so the
   code and the formula cannot drift apart.

Rules (product, chain) are built by their ``symbolic`` builders from sympy's
undefined functions, so step 3 holds for *any* differentiable functions.

Step 3 and the Hessian's second derivatives go first through SymEngine, the C++ core of
the SymPy project, which differentiates and expands far faster; its verdict is taken only
when it proves an entry exactly equal and the expressions have no power with a
non-integer exponent (where its automatic rewriting could assume a sign). Roots of
symbolic bases are first replaced by symbols T with T**q = b, so that SymEngine sees
rational functions only. Anything else is decided by sympy: a wrong formula is always
reported by sympy's own comparison.

Optionally, sympy's matrix calculus (``MatrixSymbol``, symbolic dimension n)
derives the general-dimension result.  It is shown, never trusted alone:
sympy silently returns 0 for some expressions (for instance a scalar function
such as ``log(1 + exp(-w^T x))``), so such a result is reported as untrusted
and the componentwise check above is what passes or fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from gradref.catalog import Identity

__all__ = [
    "GeneralResult",
    "SymbolicResult",
    "assert_symbolic",
    "general_derivation",
    "verify_symbolic",
    "verify_symbolic_hessian",
]

#: Dimensions of the exact componentwise check.
SYMBOLIC_DIMENSIONS = (1, 2, 3)


class SymbolicVerificationError(AssertionError):
    """An identity failed the symbolic check; the message names it."""


@dataclass(frozen=True)
class GeneralResult:
    """Sympy's general-dimension derivation of an identity.

    Attributes
    ----------
    status : {"agrees", "disagrees", "untrusted"}
        ``"untrusted"`` when sympy returned zero, which it does silently for
        expressions it cannot differentiate.
    latex : str
        Sympy's derivative, converted to this reference's layout.
    sympy_layout_note : str
        How sympy's own layout relates to this reference's.
    """

    status: str
    latex: str
    sympy_layout_note: str = ""


@dataclass(frozen=True)
class SymbolicResult:
    """Outcome of :func:`verify_symbolic`.

    Attributes
    ----------
    id : str
    passed : bool
        The componentwise exact check (and, where it applies, the agreement
        with the numpy implementation) passed at every dimension.
    dims : tuple of int
        Dimensions checked.
    entries : int
        Number of derivative entries compared exactly.
    implementation_checked : bool
        Whether the numpy implementation was compared with the sympy formula.
    problems : tuple of str
        What went wrong, if anything.
    general : GeneralResult or None
    """

    id: str
    passed: bool
    dims: tuple[int, ...]
    entries: int
    implementation_checked: bool
    problems: tuple[str, ...]
    general: GeneralResult | None

    def __bool__(self) -> bool:
        return self.passed

    def report(self) -> str:
        """A short summary, listing the problems on failure."""
        verdict = "passed" if self.passed else "FAILED"
        lines = [
            f"identity {self.id!r} {verdict} symbolic verification: {self.entries} entries "
            f"compared exactly at n = {', '.join(map(str, self.dims))}"
        ]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)


def _symbols_for(name: str, value) -> sp.Basic | None:
    """A sympy stand-in for one input: symbols for arrays and numbers, None otherwise."""
    if isinstance(value, np.ndarray):
        if value.ndim == 1:
            return sp.Matrix(
                value.shape[0], 1, lambda i, _: sp.Symbol(f"{name}_{i + 1}", real=True)
            )
        if value.ndim == 2:
            rows, cols = value.shape
            return sp.Matrix(
                rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}{j + 1}", real=True)
            )
        raise ValueError(f"input `{name}` has unsupported shape {value.shape}")
    if isinstance(value, (int, float, np.floating)):
        return sp.Symbol(name, real=True)
    return None


def _is_zero(expression: sp.Basic) -> bool:
    difference = expression.doit()
    # A wrong formula: no need to expand (most of a wrong formula's time) or simplify to
    # know it.
    if _nonzero_somewhere(difference):
        return False
    difference = sp.expand(difference)
    if difference == 0:  # the common case, and far cheaper than simplify
        return True
    # A rational function of its symbols and of the exp, log, sqrt... terms in it: over one
    # denominator, with common factors cancelled, it is 0 if it is identically zero as such.
    # This settles nearly every case, for a third of simplify's time.
    if sp.cancel(sp.together(difference)) == 0:
        return True
    difference = sp.simplify(difference)
    if difference == 0:
        return True
    verdict = difference.equals(0)
    return bool(verdict)


def _nonzero_somewhere(expression: sp.Basic) -> bool:
    """Whether ``expression`` is clearly non-zero at a random point (50 digits).

    A value far above the evaluation's precision proves the expression is not identically
    zero; anything else (a tiny value, a non-number, undefined functions) proves nothing,
    and the exact simplification decides.
    """
    symbols = sorted(expression.free_symbols, key=str)
    generator = np.random.default_rng(len(symbols))
    point = {s: sp.Rational(int(generator.integers(1, 97)), 89) for s in symbols}
    try:
        number = complex(expression.xreplace(point).evalf(50))
    except (TypeError, ValueError):
        return False
    return bool(np.isfinite(abs(number)) and abs(number) > 1e-12)


def _exact_derivative(identity: Identity, value, variable):
    if identity.kind == "jacobian":
        value = sp.Matrix(list(sp.Matrix(value)))  # flattened row-major, like the numerics
        return value.jacobian(list(variable))
    if isinstance(variable, sp.MatrixBase):
        return variable.applyfunc(lambda entry: sp.diff(value, entry))
    return sp.diff(value, variable)


def _branch_free(expression) -> bool:
    """Whether every power in ``expression`` has an integer exponent or a positive number as
    its base (``sqrt(2)``, the 1/sqrt(d) of attention): no branch cut for real symbols."""
    expression = sp.sympify(expression)
    return all(
        power.exp.is_integer or (power.base.is_number and power.base.is_positive)
        for power in expression.atoms(sp.Pow)
    ) and not expression.has(sp.Derivative, sp.Subs)


def _symengine_proves(identity: Identity, value, variable, claimed: list) -> bool:
    """Whether SymEngine proves every entry of ``claimed`` equal to the exact derivative.

    A fast path to the same exact verdict: SymEngine (the C++ core of SymPy's project)
    differentiates the value and expands each difference to the polynomial or rational
    function it is; the entry is proven when that is exactly 0. It is trusted only where
    its automatic rewriting is valid for every real value of the symbols: expressions
    whose powers all have integer exponents (SymEngine turns ``(1/x)**(1/2)`` into
    ``x**(-1/2)``, wrong for negative x). Roots of symbolic bases are first replaced by
    new symbols (:func:`_symengine_proves_radicals`). Anything else -- a branch, a non-zero
    difference, an expression it cannot take -- returns False, and SymPy decides.
    """
    values = list(sp.Matrix(value)) if identity.kind == "jacobian" else [value]
    variables = list(variable) if isinstance(variable, sp.MatrixBase) else [variable]
    if _symengine_proves_as_written(values, variables, claimed):
        return True
    # Again with each exponent in one form, where the expressions have an exp at all.
    if not any(sp.sympify(entry).has(sp.exp) for entry in [*values, *claimed]):
        return False
    try:
        values, claimed = _exponents_cancelled(values), _exponents_cancelled(claimed)
    except Exception:  # any failure only means "let SymPy decide"
        return False
    return _symengine_proves_as_written(values, variables, claimed)


def _symengine_proves_as_written(values: list, variables: list, claimed: list) -> bool:
    """:func:`_symengine_proves` for the value's entries and the claim as they are."""
    import symengine as se

    if not all(_branch_free(entry) for entry in [*values, *claimed]):
        return _symengine_proves_radicals(values, variables, claimed)
    exact = _symengine_jacobian(values, variables)
    if exact is None or len(exact) != len(claimed):
        return False
    try:
        return all(
            _symengine_zero(true_entry - se.sympify(claimed_entry))
            for true_entry, claimed_entry in zip(exact, claimed, strict=True)
        )
    except Exception:  # any failure only means "let SymPy decide"
        return False


def _exponents_cancelled(expressions: list) -> list:
    """The expressions with each ``exp(u)`` written ``exp(cancel(u))``: one form for equal
    exponents.

    ``cancel`` writes a rational function (of the symbols and of any other terms) as one
    fraction in lowest terms, the same for equal functions however they were built. So
    SymEngine, which combines ``exp(a) / exp(b)`` into ``exp(a - b)``, sees ``exp(0)``
    where the value's exponent and the claim's are equal but written differently (the
    quadratic form of a Gaussian density). ``exp(u) == exp(cancel(u))`` wherever ``u`` is
    defined, so nothing changes in value.
    """
    out = []
    for expression in expressions:
        expression = sp.sympify(expression)
        powers = {
            term: sp.exp(sp.cancel(term.args[0]))
            for term in expression.atoms(sp.exp)
            if not term.args[0].has(sp.exp)
        }
        out.append(expression.xreplace(powers) if powers else expression)
    return out


def _radicals(expressions: list) -> tuple[list, dict] | None:
    """The expressions with each root of a symbolic base replaced by a power of a new symbol.

    Every ``b**(p/r)`` (``r > 1``, ``b`` not a number) becomes ``T**(p*q/r)``, where ``T`` is
    a new symbol standing for ``b**(1/q)`` and ``q`` is the least common multiple of the
    roots' indices taken of ``b``. For the principal branch that SymPy's powers mean,
    ``(b**(1/q))**m == b**(m/q)`` for every integer ``m``, so the rewriting is exact for every
    value of the symbols. Bases equal after expansion share their ``T``. Nested roots (the
    eigenvalues of a 2x2 matrix inside a square root) are replaced from the inside out, so a
    base may hold the symbols of inner roots. Returns the new expressions and
    ``{T: (q, b)}``, inner roots first; None where a power with a symbolic exponent or a
    root SymEngine could rewrite is left.
    """
    expressions = [sp.sympify(expression) for expression in expressions]
    taken = {str(symbol) for expression in expressions for symbol in expression.free_symbols}
    stand_ins: dict[sp.Symbol, tuple[int, sp.Expr]] = {}
    for _depth in range(4):
        roots: dict[sp.Expr, list] = {}
        for expression in expressions:
            for power in expression.atoms(sp.Pow):
                if power.exp.is_integer or power.base.is_number:
                    continue
                if not power.exp.is_Rational:
                    return None
                if _branch_free(power.base):  # innermost first
                    roots.setdefault(sp.expand(power.base), []).append(power)
        if not roots:
            break
        replacements = {}
        for base, powers in sorted(roots.items(), key=lambda item: str(item[0])):
            order = int(np.lcm.reduce([int(power.exp.q) for power in powers]))
            name = f"root{len(stand_ins)}"
            while name in taken:  # a symbol of its own (SymEngine takes no Dummy as a generator)
                name = f"_{name}"
            symbol = sp.Symbol(name)
            stand_ins[symbol] = (order, base)
            for power in powers:
                replacements[power] = symbol ** int(power.exp * order)
        expressions = [expression.xreplace(replacements) for expression in expressions]
    if not all(_branch_free(expression) for expression in expressions):
        return None
    return expressions, stand_ins


def _reduced(polynomial, symbol, order: int, base):
    """``polynomial`` (expanded, in ``symbol``) with ``symbol**order`` replaced by ``base``:
    each power ``k`` becomes ``base**(k // order) * symbol**(k % order)``. None where a term
    is not a polynomial in ``symbol``."""
    import symengine as se

    degrees = set()
    for term in se.Add.make_args(polynomial):
        degree = term.as_powers_dict().get(symbol, 0)
        if not (isinstance(degree, int) or (isinstance(degree, se.Basic) and degree.is_Integer)):
            return None
        degree = int(degree)
        if degree < 0 or symbol in (term / symbol**degree).free_symbols:  # as in exp(T)
            return None
        degrees.add(degree)
    if max(degrees, default=0) < order:
        return polynomial
    return se.expand(
        sum(
            (
                polynomial.coeff(symbol, k) * base ** (k // order) * symbol ** (k % order)
                for k in sorted(degrees)
            ),
            se.Integer(0),
        )
    )


def _symengine_proves_radicals(values: list, variables: list, claimed: list) -> bool:
    """:func:`_symengine_proves` for expressions with roots of symbolic bases (the square
    roots of a variance, of a discriminant, of a determinant).

    Each root becomes a new symbol ``T`` with ``T**q = b`` (:func:`_radicals`), so SymEngine
    sees rational functions only and cannot rewrite a root. The exact derivative is then
    taken by the chain rule, ``dT/dw = (db/dw) T**(1 - q) / q``, which is the derivative of
    ``b**(1/q)`` wherever it exists; each difference from the claim is put over one
    denominator, and its numerator, expanded and reduced with ``T**q = b``, must be 0. That
    proves the difference zero for every value of the symbols where it is defined. A
    numerator that does not reduce to 0 proves nothing (two roots may be related, as
    ``sqrt(4b)`` and ``sqrt(b)``): SymPy decides, as before.
    """
    import symengine as se

    try:
        found = _radicals([*values, *claimed])
        if found is None:
            return False
        rewritten, stand_ins = found
        functions = [se.sympify(entry) for entry in rewritten[: len(values)]]
        claims = [se.sympify(entry) for entry in rewritten[len(values) :]]
        variables = [se.sympify(entry) for entry in variables]
        roots = {
            se.sympify(symbol): (order, se.sympify(base))
            for symbol, (order, base) in stand_ins.items()
        }

        def total(f, w, slopes: dict):
            """d f / d w, through the roots (their slopes in w given, inner ones first)."""
            return se.diff(f, w) + sum(
                (se.diff(f, symbol) * slope for symbol, slope in slopes.items()), se.Integer(0)
            )

        exact = []
        for w in variables:
            slopes: dict = {}
            for symbol, (order, base) in roots.items():  # inner roots first
                slopes[symbol] = total(base, w, slopes) * symbol ** (1 - order) / order
            exact.append([total(f, w, slopes) for f in functions])
        exact = [column[i] for i in range(len(functions)) for column in exact]
        if len(exact) != len(claims):
            return False
        for true_entry, claimed_entry in zip(exact, claims, strict=True):
            numerator, _ = (true_entry - claimed_entry).as_numer_denom()
            numerator = se.expand(numerator)
            for symbol, (order, base) in reversed(roots.items()):  # outer roots first
                if numerator == 0:
                    break
                numerator = _reduced(numerator, symbol, order, base)
                if numerator is None:
                    return False
            if numerator != 0:
                return False
        return True
    except Exception:  # any failure only means "let SymPy decide"
        return False


def _symengine_disproves(identity: Identity, value, variable, claimed: list) -> str | None:
    """Where SymEngine shows ``claimed`` wrong: the first entry whose difference from the exact
    derivative is clearly non-zero at a random rational point, said as a problem; else None.

    The fast path to a wrong formula's verdict, which SymPy reaches only after expanding and
    simplifying every difference (minutes for a wrong cubic trace at size 3). It takes the
    exact derivative from SymEngine where :func:`_symengine_jacobian` trusts it, and the
    point and the bar of :func:`_nonzero_somewhere`: a value far above the evaluation's
    precision proves the difference is not identically zero. Anything else proves nothing.
    """
    import symengine as se

    values = list(sp.Matrix(value)) if identity.kind == "jacobian" else [value]
    variables = list(variable) if isinstance(variable, sp.MatrixBase) else [variable]
    exact = _symengine_jacobian(values, variables)
    if exact is None or len(exact) != len(claimed):
        return None
    try:
        for index, (true_entry, claimed_entry) in enumerate(zip(exact, claimed, strict=True)):
            if _symengine_nonzero(true_entry - se.sympify(claimed_entry)):
                return (
                    f"entry {index} differs: the exact derivative is {true_entry}, the formula "
                    f"gives {sp.sstr(claimed_entry)}"
                )
    except Exception:  # any failure only means "let SymPy decide"
        return None
    return None


def _symengine_nonzero(expression) -> bool:
    """:func:`_nonzero_somewhere` in SymEngine: clearly non-zero at the same kind of point."""
    import symengine as se

    symbols = sorted(expression.free_symbols, key=str)
    generator = np.random.default_rng(len(symbols))
    point = {s: se.Rational(int(generator.integers(1, 97)), 89) for s in symbols}
    try:
        number = complex(expression.subs(point).n(170))  # bits: 50 digits, as SymPy's
    except (RuntimeError, TypeError, ValueError):
        return False
    return bool(np.isfinite(abs(number)) and abs(number) > 1e-12)


def _symengine_jacobian(entries: list, variable: list) -> list | None:
    """SymEngine's exact derivatives of ``entries`` by ``variable`` (row-major).

    None where :func:`_symengine_proves` would not trust SymEngine (a power with a
    non-integer exponent, unevaluated derivatives) or SymEngine cannot take the entries.
    """
    import symengine as se

    try:
        if not all(_branch_free(entry) for entry in entries):
            return None
        functions = [se.sympify(entry) for entry in entries]
        variables = [se.sympify(entry) for entry in variable]
        return [se.diff(f, w) for f in functions for w in variables]
    except Exception:  # any failure only means "let SymPy do it"
        return None


def _symengine_zero(expression) -> bool:
    """Whether SymEngine shows ``expression`` identically zero (False: it does not know).

    First its expansion; then, for a rational function (of the symbols and of the exp, log
    ... terms in it, each taken as an unknown of its own), the numerator over one common
    denominator: if that polynomial expands to 0, the expression is 0 wherever it is
    defined. The second step settles the derivatives of softmax, attention and inverses,
    whose terms share denominators that expansion alone does not combine, in milliseconds
    where SymPy's expansion took seconds. It is valid for any values of those terms, so it
    never proves a non-zero expression zero.
    """
    import symengine as se

    if se.expand(expression) == 0:
        return True
    numerator, _ = expression.as_numer_denom()
    return se.expand(numerator) == 0


def _symengine_values(expressions: list, substitution: dict) -> np.ndarray | None:
    """The expressions at the point ``substitution`` (30-digit numbers), as floats; None
    where SymEngine cannot evaluate one (SymPy then does)."""
    import symengine as se

    point = {se.sympify(symbol): se.sympify(number) for symbol, number in substitution.items()}
    try:
        return np.array([complex(e.subs(point).n(100)).real for e in expressions], dtype=float)
    except (RuntimeError, TypeError, ValueError):
        return None


def _derivative_shape(identity: Identity, value, variable) -> tuple[int, ...] | None:
    """The shape of the exact derivative: outputs x inputs, the variable's, or () for scalars."""
    if identity.kind == "jacobian":
        return (len(list(sp.Matrix(value))), len(list(variable)))
    if isinstance(variable, sp.MatrixBase):
        return variable.shape
    return None


def _check_dimension(
    identity: Identity, n: int, rng: np.random.Generator, stop_on_failure: bool = False
):
    """Return (entries compared, implementation compared, problems) at dimension n.

    With ``stop_on_failure``, the numpy code is compared first (at a point, cheap), and a
    disagreement is returned without the exact check.
    """
    inputs = identity.sample(rng, n)
    symbols = {name: _symbols_for(name, value) for name, value in inputs.items()}
    arrays = {name: s for name, s in symbols.items() if s is not None}
    variable = arrays[identity.wrt]
    value, claimed = identity.symbolic(**arrays)
    if identity.kind == "vjp":  # verified as the gradient of <C̄, value>
        cotangent = arrays[identity.cotangent]
        value = sum(
            (a * b for a, b in zip(list(cotangent), list(sp.Matrix(value)), strict=True)),
            sp.Integer(0),
        )
    shape = _derivative_shape(identity, value, variable)
    if isinstance(claimed, sp.NDimArray) and shape is not None:
        claimed = sp.Matrix(claimed.reshape(*shape).tolist())  # out.shape + wrt.shape
    claimed = sp.Matrix(claimed) if shape is not None else sp.sympify(claimed)
    problems: list[str] = []
    if shape is not None and claimed.shape != shape:
        problems.append(
            f"n={n}: the symbolic derivative has shape {claimed.shape}, the convention "
            f"requires {shape}"
        )
        return 0, False, problems
    claimed_entries = list(claimed) if shape is not None else [claimed]
    implementation = len(arrays) == len(symbols)
    if implementation and stop_on_failure:
        problems = _compare_implementation(identity, n, inputs, arrays, value, claimed)
        if problems:
            return len(claimed_entries), implementation, problems
    disproof = _symengine_disproves(identity, value, variable, claimed_entries)
    if disproof is not None:
        problems.append(f"n={n}: {disproof}")
    elif not _symengine_proves(identity, value, variable, claimed_entries):
        exact = _exact_derivative(identity, value, variable)
        pairs = (
            list(zip(exact, claimed_entries, strict=True))
            if shape is not None
            else [(exact, claimed)]
        )
        for index, (true_entry, claimed_entry) in enumerate(pairs):
            if not _is_zero(true_entry - claimed_entry):
                problems.append(
                    f"n={n}: entry {index} differs: sympy gives {sp.sstr(true_entry)}, the "
                    f"formula gives {sp.sstr(claimed_entry)}"
                )
    if problems and stop_on_failure:
        return len(claimed_entries), implementation, problems
    if implementation and not stop_on_failure:  # (compared above otherwise)
        problems.extend(_compare_implementation(identity, n, inputs, arrays, value, claimed))
    return len(claimed_entries), implementation, problems


def _values(arrays, inputs, convert) -> dict:
    """Each input's symbols mapped to its sampled numbers, converted by ``convert``."""
    substitution = {}
    for name, stand_in in arrays.items():
        number = np.asarray(inputs[name], dtype=float)
        if isinstance(stand_in, sp.MatrixBase):
            number = number.reshape(stand_in.shape)
            substitution.update(
                {
                    stand_in[i, j]: convert(float(number[i, j]))
                    for i in range(stand_in.rows)
                    for j in range(stand_in.cols)
                }
            )
        else:
            substitution[stand_in] = convert(float(number))
    return substitution


def _compare_implementation(identity, n, inputs, arrays, value, claimed):
    """Evaluate the sympy formulas at the sample and compare with the numpy code."""
    substitution = _values(arrays, inputs, float)
    precise = _values(arrays, inputs, lambda number: sp.Float(number, 30))

    def evaluate(expression) -> np.ndarray:
        expression = (
            sp.Matrix(expression)
            if isinstance(expression, sp.MatrixBase)
            else (sp.Matrix([expression]))
        )
        # SymEngine evaluates in a fraction of SymPy's time; SymPy where it cannot.
        try:
            import symengine as se

            fast = _symengine_values([se.sympify(entry) for entry in expression], precise)
        except Exception:  # any failure only means "let SymPy do it"
            fast = None
        if fast is not None:
            return fast.reshape(expression.shape)
        return np.array(expression.xreplace(substitution).evalf(20), dtype=complex).real

    symbolic_value = evaluate(value).reshape(-1)
    symbolic_derivative = evaluate(claimed)
    if identity.kind == "vjp":
        arguments = {k: v for k, v in inputs.items() if k != identity.cotangent}
        numeric_value = np.atleast_1d(
            np.sum(inputs[identity.cotangent] * np.asarray(identity.value(**arguments)))
        )
    else:
        numeric_value = np.asarray(identity.value(**inputs)).real.reshape(-1)
    numeric_derivative = np.asarray(identity.derivative(**inputs), dtype=float)
    problems = []
    if symbolic_value.shape != numeric_value.shape or not np.allclose(
        symbolic_value, numeric_value, rtol=1e-9, atol=1e-12
    ):
        problems.append(
            f"n={n}: the numpy value {numeric_value} disagrees with the symbolic value "
            f"{symbolic_value}"
        )
    if symbolic_derivative.size != numeric_derivative.size:
        problems.append(
            f"n={n}: the numpy derivative has shape {numeric_derivative.shape}, the symbolic "
            f"one {symbolic_derivative.shape}"
        )
    else:
        if identity.kind == "jacobian":  # out.shape + wrt.shape, flattened like the numerics
            numeric_derivative = numeric_derivative.reshape(symbolic_derivative.shape)
        expected_shape = (
            np.asarray(inputs[identity.wrt]).shape
            if identity.kind != "jacobian"
            else symbolic_derivative.shape
        )
        if numeric_derivative.shape != expected_shape:
            problems.append(
                f"n={n}: the numpy derivative has shape {numeric_derivative.shape}, "
                f"the convention requires {expected_shape}"
            )
        elif not np.allclose(
            symbolic_derivative.reshape(expected_shape), numeric_derivative, rtol=1e-9, atol=1e-12
        ):
            gap = np.max(np.abs(symbolic_derivative.reshape(expected_shape) - numeric_derivative))
            problems.append(
                f"n={n}: the numpy derivative disagrees with the symbolic formula "
                f"(largest difference {gap:.3g})"
            )
    return problems


def general_derivation(identity: Identity) -> GeneralResult | None:
    """Sympy's general-dimension derivative of `identity`, if the identity provides one.

    Returns
    -------
    GeneralResult or None
        ``None`` when the identity has no ``general`` builder.

    Examples
    --------
    >>> import gradref
    >>> general_derivation(gradref.get("quadratic.grad-x")).status
    'agrees'
    >>> general_derivation(gradref.get("losses.logistic-w")).status
    'untrusted'
    """
    if identity.general is None:
        return None
    expression, variable, expected = identity.general()
    derived = expression.diff(variable)
    note = ""
    if identity.kind == "jacobian":
        derived = derived.T
        note = (
            "sympy differentiates a vector by a vector in denominator layout (inputs x "
            "outputs); its result is transposed here"
        )
    if (
        derived == 0
        or isinstance(derived, sp.ZeroMatrix)
        or getattr(derived, "is_ZeroMatrix", False)
    ):
        return GeneralResult("untrusted", sp.latex(derived), "sympy returned zero")
    matrices = sp.sympify(expression).atoms(sp.MatrixSymbol) | expected.atoms(sp.MatrixSymbol)
    dimensions = {size: 3 for m in matrices for size in m.shape if isinstance(size, sp.Symbol)}
    derived_3 = sp.Matrix(derived.subs(dimensions).as_explicit())
    expected_3 = sp.Matrix(expected.subs(dimensions).as_explicit())
    same = derived_3.shape == expected_3.shape and all(
        _is_zero(a - b) for a, b in zip(derived_3, expected_3, strict=True)
    )
    return GeneralResult("agrees" if same else "disagrees", sp.latex(derived), note)


def verify_symbolic(
    identity: Identity,
    dims: tuple[int, ...] | None = None,
    rng: int = 0,
    stop_on_failure: bool = False,
) -> SymbolicResult:
    """Verify `identity` exactly with sympy, entry by entry.

    Parameters
    ----------
    identity : Identity
    dims : tuple of int, optional
        Concrete dimensions to check (fixed-dimension identities are checked
        at their own dimension once).
    rng : int, optional
        Seed for the sample used to compare with the numpy implementation.
    stop_on_failure : bool, optional
        Return at the first dimension with a problem, having compared the numpy code
        first (cheap) and skipped the exact check where it disagrees, and without the
        general-dimension derivation: the same verdict, with fewer problems listed. For
        tests that only need the verdict on a wrong formula or implementation.

    Returns
    -------
    SymbolicResult

    Examples
    --------
    >>> import dataclasses, gradref
    >>> identity = gradref.get("quadratic.grad-x")
    >>> verify_symbolic(identity).passed
    True
    >>> wrong = dataclasses.replace(identity, symbolic=lambda A, x: ((x.T * A * x)[0, 0], 2 * A * x))
    >>> verify_symbolic(wrong).passed
    False
    """
    if not isinstance(stop_on_failure, bool):
        raise TypeError(f"`stop_on_failure` must be True or False; got {stop_on_failure!r}")
    generator = np.random.default_rng(rng)
    dims = identity.symbolic_dims if dims is None else dims
    dims = dims[:1] if identity.fixed_dimension else dims
    entries, implementation, problems = 0, True, []
    for n in dims:
        count, compared, found = _check_dimension(identity, n, generator, stop_on_failure)
        entries += count
        implementation = implementation and compared
        problems.extend(found)
        if problems and stop_on_failure:
            return SymbolicResult(
                identity.id, False, tuple(dims), entries, implementation, tuple(problems), None
            )
    general = general_derivation(identity)
    if general is not None and general.status == "disagrees":
        problems.append(f"sympy's general-dimension derivative {general.latex} disagrees")
    return SymbolicResult(
        identity.id, not problems, tuple(dims), entries, implementation, tuple(problems), general
    )


@dataclass(frozen=True)
class HessianResult:
    """Outcome of :func:`verify_symbolic_hessian`.

    Attributes
    ----------
    id : str
    passed : bool
    dims : tuple of int
    entries : int
        Second derivatives compared.
    max_error : float
        Largest difference between sympy's exact second derivatives, evaluated at the
        sample, and the numpy Hessian, relative to the Hessian's largest entry.
    problems : tuple of str
    """

    id: str
    passed: bool
    dims: tuple[int, ...]
    entries: int
    max_error: float
    problems: tuple[str, ...]

    def __bool__(self) -> bool:
        return self.passed


def verify_symbolic_hessian(
    identity: Identity, dims: tuple[int, ...] | None = None, rng: int = 0
) -> HessianResult:
    """Compare the numpy Hessian with sympy's exact second derivatives of the value.

    At each dimension, sympy differentiates the identity's symbolic gradient entry by entry
    with respect to ``wrt`` (flattened row-major) -- the gradient that
    :func:`verify_symbolic` proves equal to the exact derivative of the value at the same
    dimensions, so this is the exact Hessian; :func:`gradref.record.entry_record` runs that
    proof first. The second derivatives are evaluated at a random sample (exactly, then to
    30 digits) and compared with ``identity.hessian`` there, to 1e-9 relative to the
    Hessian's largest entry; a Hessian declared ``"zero"`` must be exactly zero.
    """
    if identity.hessian is None:
        raise ValueError(f"identity {identity.id!r} has no `hessian`")
    generator = np.random.default_rng(rng)
    dims = identity.symbolic_dims if dims is None else dims
    dims = dims[:1] if identity.fixed_dimension else dims
    entries, worst, problems = 0, 0.0, []
    for n in dims:
        inputs = identity.sample(generator, n)
        symbols = {name: _symbols_for(name, value) for name, value in inputs.items()}
        arrays = {name: s for name, s in symbols.items() if s is not None}
        variable = list(arrays[identity.wrt])
        # The sample exactly (each float is a binary fraction): sympy multiplies rationals
        # several times faster than 30-digit floats, and nothing is rounded before the end.
        substitution = _values(arrays, inputs, sp.Rational)
        if isinstance(identity.hessian, str):  # "zero": exactly, for every value of the others
            _, gradient = identity.symbolic(**arrays)
        else:
            # The other inputs are constants for the derivatives in `wrt`: give them their
            # (exact) values before building, so sympy handles a far smaller expression.
            given = {
                name: stand_in if name == identity.wrt else stand_in.xreplace(substitution)
                for name, stand_in in arrays.items()
            }
            _, gradient = identity.symbolic(**given)
        gradient = (
            sp.Matrix(list(sp.Matrix(gradient)))
            if not isinstance(gradient, sp.Expr)
            else sp.Matrix([gradient])
        )
        size = len(variable)
        fast = _symengine_jacobian(list(gradient), variable)
        if isinstance(identity.hessian, str):  # "zero": sympy's must be exactly zero
            entries += size * size
            if fast is not None and all(_symengine_zero(entry) for entry in fast):
                continue
            if not all(_is_zero(entry) for entry in gradient.jacobian(variable)):
                problems.append(f"n={n}: sympy's Hessian is not zero")
            continue
        expected = _symengine_values(fast, substitution) if fast is not None else None
        if expected is not None:
            expected = expected.reshape(size, size)
        else:
            exact = gradient.jacobian(variable)
            expected = np.array(exact.xreplace(substitution).evalf(30), dtype=complex).real
        numeric = np.asarray(identity.hessian(**inputs), dtype=float)
        if numeric.size != size * size:
            problems.append(
                f"n={n}: the numpy Hessian has shape {numeric.shape}; expected "
                f"{np.shape(inputs[identity.wrt]) * 2}"
            )
            continue
        numeric = numeric.reshape(size, size)
        scale = max(float(np.max(np.abs(expected))), 1e-300)
        error = float(np.max(np.abs(numeric - expected))) / scale
        worst = max(worst, error)
        entries += size * size
        if error > 1e-9:
            problems.append(
                f"n={n}: the numpy Hessian differs from sympy's exact second derivatives "
                f"(relative difference {error:.2e})"
            )
    return HessianResult(identity.id, not problems, tuple(dims), entries, worst, tuple(problems))


def assert_symbolic(identity: Identity, **options) -> SymbolicResult:
    """Like :func:`verify_symbolic`, but raise naming the identity on failure."""
    result = verify_symbolic(identity, **options)
    if not result.passed:
        raise SymbolicVerificationError(result.report())
    return result
