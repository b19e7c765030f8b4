"""Softmax and log-sum-exp: gradients, Jacobians and Hessians.

Every function here is invariant, or equivariant, under a shift of all entries by the same
constant: ``softmax(x + c 1) = softmax(x)`` and ``lse(x + c 1) = lse(x) + c``. The reference
implementations use it for stability: they subtract ``max_i Re x_i`` before exponentiating,
a constant that does not depend on the complex step's perturbation, so the complex step
still differentiates them exactly.
"""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.shapes import Arr, shaped, shaped_like

GBC = "Goodfellow, Bengio & Courville, *Deep Learning* (2016)"
BOYD = "Boyd & Vandenberghe, *Convex Optimization* (2004)"
BISHOP = "Bishop, *Pattern Recognition and Machine Learning* (2006)"
HINTON = "Hinton, Vinyals & Dean, *Distilling the Knowledge in a Neural Network* (2015)"
MURPHY = "Murphy, *Probabilistic Machine Learning: An Introduction* (2022)"

_JACOBIAN_LAYOUT = r"\ \text{(a Jacobian is outputs} \times \text{inputs, as here)}"


# -- stable reference implementations ------------------------------------------------------


def _shift(x, axis=-1):
    """``max Re x`` along ``axis``: a constant for the complex step, so lse stays exact."""
    return np.max(np.real(x), axis=axis, keepdims=True)


def _lse(x, axis=-1):
    shift = _shift(x, axis)
    return np.squeeze(shift + np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True)), axis)


def _softmax(x, axis=-1):
    e = np.exp(x - _shift(x, axis))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    return x - np.expand_dims(_lse(x, axis), axis)


def _softmax_jacobian(p):
    """``diag(p) - p p^T``: the Jacobian of the softmax at the probabilities ``p``."""
    return np.diag(p) - np.outer(p, p)


def _rowwise_jacobian(P):
    """``d P_ij / d X_kl = delta_ik (delta_jl P_ij - P_ij P_il)``, shape ``(m, n, m, n)``."""
    m, n = P.shape
    eye_m, eye_n = np.eye(m), np.eye(n)
    return np.einsum("ik,ij,jl->ijkl", eye_m, P, eye_n) - np.einsum("ik,ij,il->ijkl", eye_m, P, P)


# -- sympy counterparts ---------------------------------------------------------------------


def _sp_softmax(x):
    import sympy as sp

    e = x.applyfunc(sp.exp)
    return e / sum(e)


def _sp_lse(x):
    import sympy as sp

    return sp.log(sum(x.applyfunc(sp.exp)))


def _sp_softmax_jacobian(p):
    import sympy as sp

    return sp.diag(*p) - p * p.T


def _sp_rowwise_jacobian(X):
    import sympy as sp

    m, n = X.shape
    P = sp.Matrix.vstack(*[_sp_softmax(X[i, :]) for i in range(m)])
    return P, sp.Matrix(
        m * n,
        m * n,
        lambda r, c: (
            sp.KroneckerDelta(r // n, c // n)
            * (
                sp.KroneckerDelta(r % n, c % n) * P[r // n, r % n]
                - P[r // n, r % n] * P[r // n, c % n]
            )
        ),
    )


# -- samplers: a softmax over one class is constant, so vectors have at least 2 entries -----


def _sample_x(rng, n):
    return {"x": rng.standard_normal(n + 1)}


def _sample_temperature(rng, n):
    # T in [0.3, 3], away from 1 so that a dropped temperature cannot pass
    T = float(rng.choice([rng.uniform(0.3, 0.7), rng.uniform(1.5, 3.0)]))
    return {"x": rng.standard_normal(n + 1), "T": T}


def _sample_weights_x(rng, n):
    return {"a": rng.standard_normal(n + 1), "x": rng.standard_normal(n + 1)}


def _sample_labels_x(rng, n):
    # general weights y (not summing to 1), so that y - p cannot pass
    return {"y": rng.standard_normal(n + 1), "x": rng.standard_normal(n + 1)}


def _check_temperature(T):
    if not np.real(T) > 0:
        raise ValueError(f"`T` must be positive; got {float(np.real(T))}")


# -- log-sum-exp ----------------------------------------------------------------------------


@shaped
def log_sum_exp(x: Arr["n"]):
    """The log-sum-exp ``log sum_i exp(x_i)``, shifted by the maximum so it cannot overflow.

    >>> log_sum_exp(np.array([1000.0, 1000.0])).round(6)
    np.float64(1000.693147)
    """
    return _lse(x)


@shaped_like(log_sum_exp)
def grad_log_sum_exp(x):
    """``softmax(x) = exp(x) / sum(exp(x))``."""
    return _softmax(x)


@shaped_like(log_sum_exp)
def hess_log_sum_exp(x):
    """``diag(p) - p p^T`` with ``p = softmax(x)``."""
    return _softmax_jacobian(_softmax(x))


register(
    Identity(
        id="softmax.lse",
        title="Gradient of log-sum-exp: the softmax",
        formula=r"\nabla_x \log \sum_i e^{x_i} = \operatorname{softmax}(x) = "
        r"\frac{e^{x}}{\mathbf{1}^\top e^{x}}",
        wrt="x",
        kind="gradient",
        value=log_sum_exp,
        derivative=grad_log_sum_exp,
        sample=_sample_x,
        symbolic=lambda x: (_sp_lse(x), _sp_softmax(x)),
        derivation=r"""
With $S = \sum_j e^{x_j}$, $dS = \langle e^{x}, dx\rangle$ and
$d \log S = dS / S = \langle e^{x}/S, dx\rangle$, so the gradient is $p = e^{x}/S$, the
softmax. Differentiating $p_i = e^{x_i}/S$ once more gives
$\partial p_i/\partial x_j = p_i\delta_{ij} - p_i p_j$: the Hessian $\operatorname{diag}(p) -
p p^\top$, positive semidefinite ($v^\top H v$ is the variance of $v$ under $p$), so lse is
convex. Shift invariance shows in both: $\mathbf{1}^\top p = 1$ because
$\operatorname{lse}(x + c\mathbf{1}) = \operatorname{lse}(x) + c$, and $H\mathbf{1} = 0$.
""",
        hessian=hess_log_sum_exp,
        hessian_formula=r"\nabla_x^2 \log \sum_i e^{x_i} = \operatorname{diag}(p) - p p^\top,"
        r"\ p = \operatorname{softmax}(x)",
        mistakes=(
            Mistake(
                r"e^{x}",
                lambda x: np.exp(x),
                "differentiates the sum of exponentials but forgets the 1/S of the logarithm",
            ),
            Mistake(
                r"\operatorname{onehot}(x^\top)^\top\ \text{(the unit vector } e_k\text{, } k ="
                r" \arg\max_i x_i\text{)}",
                lambda x: np.eye(x.size)[np.argmax(x)],
                "the (sub)gradient of max x, which log-sum-exp only smooths",
            ),
        ),
        conventions={"numerator": r"\operatorname{softmax}(x)^\top"},
        related=("softmax.softmax-jacobian", "softmax.lse-temperature", "softmax.lse-rows"),
        assumptions="none: log-sum-exp is smooth everywhere; the implementation subtracts "
        "max x before exponentiating, so it neither overflows nor underflows to log 0",
        sources=(f"{BOYD}, section 3.1.5", f"{GBC}, section 4.1", f"{GBC}, section 6.2.2.3"),
        keywords=(
            "log-sum-exp",
            "logsumexp",
            "lse",
            "softmax",
            "gradient of log-sum-exp",
            "smooth max",
            "log partition function",
            "diag(p) - pp^T",
        ),
    )
)


# -- softmax and log-softmax Jacobians ------------------------------------------------------


@shaped
def softmax(x: Arr["n"]):
    """The softmax ``exp(x) / sum(exp(x))``, shifted by the maximum so it cannot overflow.

    >>> softmax(np.array([1000.0, 1000.0]))
    array([0.5, 0.5])
    """
    return _softmax(x)


@shaped_like(softmax)
def jac_softmax(x):
    """``diag(p) - p p^T`` with ``p = softmax(x)``."""
    return _softmax_jacobian(_softmax(x))


register(
    Identity(
        id="softmax.softmax-jacobian",
        title="Jacobian of the softmax",
        formula=r"\frac{\partial \operatorname{softmax}(x)}{\partial x} = "
        r"\operatorname{diag}(p) - p p^\top,\quad p = \operatorname{softmax}(x)",
        wrt="x",
        kind="jacobian",
        value=softmax,
        derivative=jac_softmax,
        sample=_sample_x,
        symbolic=lambda x: (_sp_softmax(x), _sp_softmax_jacobian(_sp_softmax(x))),
        derivation=r"""
Take logarithms: $\log p_i = x_i - \log \sum_k e^{x_k}$, so
$d\log p_i = dx_i - \langle p, dx\rangle$ (the gradient of log-sum-exp is $p$). Multiplying by
$p_i$, $dp_i = p_i\, dx_i - p_i \langle p, dx\rangle$, that is
$dp = (\operatorname{diag}(p) - p p^\top)\, dx$. The Jacobian is symmetric, and its rows
sum to zero ($\mathbf{1}^\top dp = 0$: the outputs stay on the simplex); it is also the
Hessian of log-sum-exp. A backward pass never forms it:
$\bar x = p \odot (\bar p - \langle \bar p, p\rangle \mathbf{1})$.
""",
        mistakes=(
            Mistake(
                r"\operatorname{diag}\bigl(p \odot (1 - p)\bigr)",
                lambda x: np.diag(_softmax(x) * (1 - _softmax(x))),
                "treats the softmax as an elementwise sigmoid and drops the coupling "
                "-p_i p_j between different entries",
            ),
            Mistake(
                r"p p^\top - \operatorname{diag}(p)",
                lambda x: np.outer(_softmax(x), _softmax(x)) - np.diag(_softmax(x)),
                "the sign of the quotient rule",
            ),
        ),
        conventions={"numerator": r"\operatorname{diag}(p) - p p^\top" + _JACOBIAN_LAYOUT},
        related=("softmax.lse", "softmax.log-softmax-jacobian", "softmax.expectation"),
        assumptions="none: the softmax is smooth everywhere",
        sources=(f"{BISHOP}, section 4.3.4", f"{GBC}, section 6.2.2.3"),
        keywords=(
            "Jacobian of softmax",
            "softmax Jacobian",
            "Jacobian of the softmax",
            "diag(p) - pp^T",
            "softmax derivative",
            "softmax backward",
        ),
    )
)


@shaped
def log_softmax(x: Arr["n"]):
    """The log-softmax ``x - log sum exp(x)``, computed without overflow.

    >>> log_softmax(np.array([1000.0, 1000.0])).round(6)
    array([-0.693147, -0.693147])
    """
    return _log_softmax(x)


@shaped_like(log_softmax)
def jac_log_softmax(x):
    """``I - 1 p^T`` with ``p = softmax(x)``."""
    n = x.size
    return np.eye(n) - np.outer(np.ones(n), _softmax(x))


def _symbolic_log_softmax(x):
    import sympy as sp

    ones = sp.ones(x.rows, 1)
    return x - ones * _sp_lse(x), sp.eye(x.rows) - ones * _sp_softmax(x).T


register(
    Identity(
        id="softmax.log-softmax-jacobian",
        title="Jacobian of the log-softmax",
        formula=r"\frac{\partial \log \operatorname{softmax}(x)}{\partial x} = "
        r"I - \mathbf{1} p^\top,\quad p = \operatorname{softmax}(x)",
        wrt="x",
        kind="jacobian",
        value=log_softmax,
        derivative=jac_log_softmax,
        sample=_sample_x,
        symbolic=_symbolic_log_softmax,
        derivation=r"""
Output $i$ is $x_i - \operatorname{lse}(x)$, so
$d(\log p)_i = dx_i - \langle p, dx\rangle$ for every $i$, i.e.
$d \log p = (I - \mathbf{1} p^\top)\, dx$: every row of the Jacobian subtracts the same
row $p^\top$. It is not symmetric, so the orientation matters: the row index is the output.
A backward pass gives $\bar x = \bar y - (\mathbf{1}^\top \bar y)\, p$.
""",
        mistakes=(
            Mistake(
                r"I - p \mathbf{1}^\top",
                lambda x: np.eye(x.size) - np.outer(_softmax(x), np.ones(x.size)),
                "the transpose: the inputs x outputs (denominator) layout",
            ),
            Mistake(
                r"I",
                lambda x: np.eye(x.size),
                "forgets that the normalizer lse(x) depends on x too",
            ),
        ),
        conventions={
            "numerator": r"I - \mathbf{1} p^\top"
            + _JACOBIAN_LAYOUT
            + r";\ \text{in denominator layout } I - p \mathbf{1}^\top",
        },
        related=("softmax.softmax-jacobian", "softmax.log-softmax-inner", "softmax.lse"),
        assumptions="none: the log-softmax is smooth everywhere",
        sources=(f"{GBC}, section 6.2.2.3",),
        keywords=(
            "log-softmax Jacobian",
            "log softmax",
            "logsoftmax",
            "I - 1p^T",
            "log-softmax derivative",
        ),
    )
)


# -- temperature ----------------------------------------------------------------------------


@shaped
def log_sum_exp_temperature(x: Arr["n"], T: Arr[""]):
    """The smooth maximum ``T log sum_i exp(x_i / T)`` at temperature ``T > 0``.

    >>> log_sum_exp_temperature(np.array([0.0, 1000.0]), 0.5)
    np.float64(1000.0)
    """
    _check_temperature(T)
    return T * _lse(x / T)


@shaped_like(log_sum_exp_temperature)
def grad_log_sum_exp_temperature(x, T):
    """``softmax(x / T)``."""
    return _softmax(x / T)


@shaped_like(log_sum_exp_temperature)
def hess_log_sum_exp_temperature(x, T):
    """``(diag(p) - p p^T) / T`` with ``p = softmax(x / T)``."""
    return _softmax_jacobian(_softmax(x / T)) / T


register(
    Identity(
        id="softmax.lse-temperature",
        title="Gradient of log-sum-exp at a temperature",
        formula=r"\nabla_x\, T \log \sum_i e^{x_i / T} = \operatorname{softmax}(x / T)",
        wrt="x",
        kind="gradient",
        value=log_sum_exp_temperature,
        derivative=grad_log_sum_exp_temperature,
        sample=_sample_temperature,
        structure={"T": "positive"},
        symbolic=lambda x, T: (T * _sp_lse(x / T), _sp_softmax(x / T)),
        derivation=r"""
By the chain rule through $u = x / T$ ($du = dx / T$) and the gradient of log-sum-exp,
$d\,(T \operatorname{lse}(u)) = T \langle \operatorname{softmax}(u), dx / T\rangle$: the outer
$T$ and the inner $1/T$ cancel, leaving $\operatorname{softmax}(x/T)$. They do not cancel in
the Hessian: differentiating $\operatorname{softmax}(x/T)$ brings one more $1/T$, so it is
$(\operatorname{diag}(p) - pp^\top)/T$. As $T \to 0$ the function tends to $\max_i x_i$ and
the gradient to the indicator of the argmax, with a Hessian that blows up like $1/T$.
""",
        hessian=hess_log_sum_exp_temperature,
        hessian_formula=r"\nabla_x^2\, T \log \sum_i e^{x_i/T} = \tfrac{1}{T}\bigl("
        r"\operatorname{diag}(p) - p p^\top\bigr),\ p = \operatorname{softmax}(x / T)",
        mistakes=(
            Mistake(
                r"\operatorname{softmax}(x)",
                lambda x, T: _softmax(x),
                "drops the temperature inside the softmax",
            ),
            Mistake(
                r"\tfrac{1}{T} \operatorname{softmax}(x / T)",
                lambda x, T: _softmax(x / T) / T,
                "keeps the chain rule's 1/T but forgets the outer factor T that cancels it",
            ),
        ),
        conventions={"numerator": r"\operatorname{softmax}(x / T)^\top"},
        related=("softmax.lse", "softmax.temperature-jacobian"),
        assumptions="T > 0 is a fixed temperature",
        sources=(HINTON, f"{BOYD}, section 3.1.5"),
        keywords=(
            "temperature",
            "log-sum-exp with temperature",
            "smooth maximum",
            "softmax temperature",
            "tempered softmax",
        ),
    )
)


@shaped
def softmax_temperature(x: Arr["n"], T: Arr[""]):
    """The softmax at temperature ``T``, ``softmax(x / T)``.

    >>> softmax_temperature(np.array([0.0, 1.0]), 1e-3)
    array([0., 1.])
    """
    _check_temperature(T)
    return _softmax(x / T)


@shaped_like(softmax_temperature)
def jac_softmax_temperature(x, T):
    """``(diag(p) - p p^T) / T`` with ``p = softmax(x / T)``."""
    return _softmax_jacobian(_softmax(x / T)) / T


register(
    Identity(
        id="softmax.temperature-jacobian",
        title="Jacobian of the softmax at a temperature",
        formula=r"\frac{\partial \operatorname{softmax}(x/T)}{\partial x} = "
        r"\tfrac{1}{T}\bigl(\operatorname{diag}(p) - p p^\top\bigr),\quad "
        r"p = \operatorname{softmax}(x / T)",
        wrt="x",
        kind="jacobian",
        value=softmax_temperature,
        derivative=jac_softmax_temperature,
        sample=_sample_temperature,
        structure={"T": "positive"},
        symbolic=lambda x, T: (
            _sp_softmax(x / T),
            _sp_softmax_jacobian(_sp_softmax(x / T)) / T,
        ),
        derivation=r"""
The chain rule through $u = x/T$, whose Jacobian is $I/T$, multiplies the softmax Jacobian
at $u$ by $1/T$: $dp = (\operatorname{diag}(p) - pp^\top)\, dx / T$. A low temperature
sharpens the distribution and amplifies the Jacobian; a high one flattens both.
""",
        mistakes=(
            Mistake(
                r"\operatorname{diag}(p) - p p^\top",
                lambda x, T: _softmax_jacobian(_softmax(x / T)),
                "forgets the inner derivative 1/T of x/T",
            ),
            Mistake(
                r"T\bigl(\operatorname{diag}(p) - p p^\top\bigr)",
                lambda x, T: T * _softmax_jacobian(_softmax(x / T)),
                "multiplies by T where the chain rule divides",
            ),
        ),
        conventions={
            "numerator": r"\tfrac{1}{T}\bigl(\operatorname{diag}(p) - p p^\top\bigr)"
            + _JACOBIAN_LAYOUT
        },
        related=("softmax.softmax-jacobian", "softmax.lse-temperature"),
        assumptions="T > 0 is a fixed temperature",
        sources=(HINTON,),
        keywords=(
            "softmax temperature Jacobian",
            "temperature",
            "tempered softmax",
            "distillation",
        ),
    )
)


# -- row-wise (a batch of logits) -----------------------------------------------------------


@shaped
def log_sum_exp_rows(X: Arr["m n"]):
    """The sum over the rows of ``X`` of their log-sum-exp, ``sum_i log sum_j exp(X_ij)``.

    >>> log_sum_exp_rows(np.zeros((3, 2))).round(6)
    np.float64(2.079442)
    """
    return np.sum(_lse(X, axis=1))


@shaped_like(log_sum_exp_rows)
def grad_log_sum_exp_rows(X):
    """The row-wise softmax ``P_ij = exp(X_ij) / sum_l exp(X_il)``."""
    return _softmax(X, axis=1)


@shaped_like(log_sum_exp_rows)
def hess_log_sum_exp_rows(X):
    """``delta_ik (delta_jl P_ij - P_ij P_il)``: one ``diag(p) - p p^T`` block per row."""
    return _rowwise_jacobian(_softmax(X, axis=1))


def _symbolic_lse_rows(X):
    import sympy as sp

    rows = [X[i, :].T for i in range(X.rows)]
    return sp.Add(*[_sp_lse(r) for r in rows]), sp.Matrix.vstack(*[_sp_softmax(r).T for r in rows])


register(
    Identity(
        id="softmax.lse-rows",
        title="Gradient of the row-wise log-sum-exp of a batch: the row-wise softmax",
        formula=r"\nabla_X \sum_i \log \sum_j e^{X_{ij}} = P,\quad "
        r"P_{ij} = \frac{e^{X_{ij}}}{\sum_l e^{X_{il}}}",
        wrt="X",
        kind="gradient",
        value=log_sum_exp_rows,
        derivative=grad_log_sum_exp_rows,
        symbolic=_symbolic_lse_rows,
        derivation=r"""
Each row $i$ of $X$ (one example's logits) enters only its own term $\operatorname{lse}(X_{i,:})$,
whose gradient is the softmax of that row. So $df = \sum_i \langle p_i, dX_{i,:}\rangle =
\langle P, dX\rangle$ with $P$ the row-wise softmax (rows on the simplex), and
$\nabla_X f = P$. The Hessian is block diagonal across rows: row $i$ contributes
$\operatorname{diag}(p_i) - p_i p_i^\top$ and rows do not interact, so in a direction $V$,
$\nabla^2 f[V]_{i,:} = p_i \odot V_{i,:} - (p_i^\top V_{i,:})\, p_i$.
""",
        hessian=hess_log_sum_exp_rows,
        hessian_formula=r"\nabla_X^2 f[V] = P \odot V - \operatorname{diag}\bigl((P \odot V)"
        r"\mathbf{1}\bigr)\, P,\ "
        r"\frac{\partial^2 f}{\partial X_{ij}\, \partial X_{kl}} = "
        r"\delta_{ik}\,(\delta_{jl} P_{ij} - P_{ij} P_{il})",
        mistakes=(
            Mistake(
                r"\operatorname{softmax}_{\text{cols}}(X)\ \text{(softmax over columns)}",
                lambda X: _softmax(X, axis=0),
                "normalizes along the wrong axis: each column instead of each example's row",
            ),
            Mistake(
                r"\frac{e^{X}}{\mathbf{1}^\top e^{X} \mathbf{1}}",
                lambda X: np.exp(X) / np.sum(np.exp(X)),
                "one softmax over the whole batch, coupling examples that the sum keeps apart",
            ),
        ),
        conventions={"numerator": r"P^\top\ \text{(an } n \times m \text{ matrix)}"},
        related=("softmax.lse", "softmax.rowwise-jacobian"),
        assumptions="the softmax is over each row (the classes); rows are independent examples",
        sources=(f"{GBC}, section 6.2.2.3", MURPHY),
        keywords=(
            "row-wise softmax",
            "batch softmax",
            "softmax over rows",
            "log-sum-exp of a matrix",
            "logits matrix",
            "softmax axis",
        ),
    )
)


@shaped
def softmax_rows(X: Arr["m n"]):
    """The softmax of each row of ``X``.

    >>> softmax_rows(np.array([[0.0, 0.0], [1000.0, 0.0]]))
    array([[0.5, 0.5],
           [1. , 0. ]])
    """
    return _softmax(X, axis=1)


@shaped_like(softmax_rows)
def jac_softmax_rows(X):
    """``dP_ij / dX_kl = delta_ik (delta_jl P_ij - P_ij P_il)``, shape ``(m, n, m, n)``."""
    return _rowwise_jacobian(_softmax(X, axis=1))


def _global_softmax_jacobian(X):
    p = np.exp(X - X.max()).ravel()
    p /= p.sum()
    return (np.diag(p) - np.outer(p, p)).reshape(X.shape + X.shape)


register(
    Identity(
        id="softmax.rowwise-jacobian",
        title="Jacobian of the row-wise softmax of a matrix",
        formula=r"\frac{\partial P_{ij}}{\partial X_{kl}} = \delta_{ik}\,\bigl(\delta_{jl} P_{ij} "
        r"- P_{ij} P_{il}\bigr),\quad P_{ij} = \frac{e^{X_{ij}}}{\sum_l e^{X_{il}}}",
        wrt="X",
        kind="jacobian",
        value=softmax_rows,
        derivative=jac_softmax_rows,
        symbolic=lambda X: _sp_rowwise_jacobian(X),
        derivation=r"""
Row $i$ of $P$ is the softmax of row $i$ of $X$ and of nothing else, so
$\partial P_{ij} / \partial X_{kl} = 0$ for $k \ne i$. Within a row, the softmax Jacobian
gives $P_{ij}(\delta_{jl} - P_{il})$. Flattened row by row, the $mn \times mn$ Jacobian is
block diagonal, with the block $\operatorname{diag}(p_i) - p_i p_i^\top$ for row $i$; a
backward pass is $\bar X = P \odot (\bar P - (\bar P \odot P)\mathbf{1}\mathbf{1}^\top)$,
one row at a time.
""",
        mistakes=(
            Mistake(
                r"\operatorname{diag}(\operatorname{vec}_{\text{row}} P') - (\operatorname{vec}_"
                r"{\text{row}} P')(\operatorname{vec}_{\text{row}} P')^\top,\ P' = \frac{e^{X}}"
                r"{\mathbf{1}^\top e^{X} \mathbf{1}}\ \text{(one softmax of all entries)}",
                _global_softmax_jacobian,
                "treats the batch as one softmax over all mn entries, coupling different rows",
            ),
        ),
        conventions={"numerator": r"\text{the same 4-index array}" + _JACOBIAN_LAYOUT},
        related=("softmax.softmax-jacobian", "softmax.lse-rows"),
        assumptions="the softmax is over each row; the Jacobian is stored as an m x n x m x n "
        "array (output index first)",
        sources=(f"{BISHOP}, section 4.3.4",),
        keywords=(
            "row-wise softmax Jacobian",
            "batch softmax Jacobian",
            "softmax of a matrix",
            "block diagonal",
        ),
    )
)


# -- compositions ---------------------------------------------------------------------------


@shaped
def log_sum_exp_affine(x: Arr["n"], A: Arr["m n"], b: Arr["m"]):
    """The log-sum-exp of the affine logits ``A x + b``.

    >>> log_sum_exp_affine(np.ones(2), np.zeros((3, 2)), np.zeros(3)).round(6)
    np.float64(1.098612)
    """
    return _lse(A @ x + b)


@shaped_like(log_sum_exp_affine)
def grad_log_sum_exp_affine(x, A, b):
    """``A^T softmax(A x + b)``."""
    return A.T @ _softmax(A @ x + b)


@shaped_like(log_sum_exp_affine)
def hess_log_sum_exp_affine(x, A, b):
    """``A^T (diag(p) - p p^T) A`` with ``p = softmax(A x + b)``."""
    return A.T @ _softmax_jacobian(_softmax(A @ x + b)) @ A


register(
    Identity(
        id="softmax.lse-affine",
        title="Gradient of log-sum-exp of affine logits",
        formula=r"\nabla_x \log \sum_i e^{(Ax + b)_i} = A^\top \operatorname{softmax}(Ax + b)",
        wrt="x",
        kind="gradient",
        value=log_sum_exp_affine,
        derivative=grad_log_sum_exp_affine,
        symbolic=lambda x, A, b: (_sp_lse(A * x + b), A.T * _sp_softmax(A * x + b)),
        derivation=r"""
With $z = Ax + b$, $dz = A\, dx$ and $d \operatorname{lse}(z) = \langle p, dz\rangle =
\langle p, A\, dx\rangle = \langle A^\top p, dx\rangle$, $p = \operatorname{softmax}(z)$. The
gradient $A^\top p$ changes with $x$ through $dp = (\operatorname{diag}(p) - pp^\top)\, A\,dx$,
so the Hessian is $A^\top(\operatorname{diag}(p) - pp^\top)A$, positive semidefinite. This is
the log-partition part of multinomial logistic regression (for one example, as a function of
the features or, transposed, of a weight vector).
""",
        hessian=hess_log_sum_exp_affine,
        hessian_formula=r"\nabla_x^2 \log \sum_i e^{(Ax + b)_i} = "
        r"A^\top \bigl(\operatorname{diag}(p) - p p^\top\bigr) A,\ p = \operatorname{softmax}(Ax + b)",
        mistakes=(
            Mistake(
                r"A^\top e^{Ax + b}",
                lambda x, A, b: A.T @ np.exp(A @ x + b),
                "forgets the normalization 1/S of the logarithm",
            ),
            Mistake(
                r"A^\top \operatorname{softmax}(Ax)",
                lambda x, A, b: A.T @ _softmax(A @ x),
                "drops the offset b inside the softmax",
            ),
        ),
        conventions={"numerator": r"\operatorname{softmax}(Ax + b)^\top A"},
        related=("softmax.lse", "linear.inner"),
        assumptions="none: smooth everywhere",
        sources=(f"{BOYD}, section 3.1.5", f"{BISHOP}, section 4.3.4"),
        keywords=(
            "log-sum-exp of Ax + b",
            "log partition",
            "multinomial logistic",
            "A^T softmax",
            "chain rule softmax",
        ),
    )
)


@shaped
def softmax_expectation(a: Arr["n"], x: Arr["n"]):
    """The expectation of ``a`` under ``softmax(x)``, ``a^T softmax(x)``.

    >>> softmax_expectation(np.array([1.0, 3.0]), np.zeros(2))
    np.float64(2.0)
    """
    return a @ _softmax(x)


@shaped_like(softmax_expectation)
def grad_softmax_expectation(a, x):
    """``p * (a - a^T p)`` with ``p = softmax(x)``."""
    p = _softmax(x)
    return p * (a - a @ p)


@shaped_like(softmax_expectation)
def hess_softmax_expectation(a, x):
    """``diag(g) - g p^T - p g^T`` with ``g = p * (a - a^T p)``."""
    p = _softmax(x)
    g = p * (a - a @ p)
    return np.diag(g) - np.outer(g, p) - np.outer(p, g)


def _symbolic_expectation(a, x):
    import sympy as sp

    p = _sp_softmax(x)
    mean = (a.T * p)[0, 0]
    return mean, sp.matrix_multiply_elementwise(p, a - mean * sp.ones(a.rows, 1))


register(
    Identity(
        id="softmax.expectation",
        title="Gradient of an expectation under the softmax (the softmax VJP)",
        formula=r"\nabla_x\, a^\top \operatorname{softmax}(x) = p \odot \bigl(a - (a^\top p)"
        r"\mathbf{1}\bigr),\quad p = \operatorname{softmax}(x)",
        wrt="x",
        kind="gradient",
        value=softmax_expectation,
        derivative=grad_softmax_expectation,
        sample=_sample_weights_x,
        symbolic=_symbolic_expectation,
        derivation=r"""
With the softmax Jacobian, $d(a^\top p) = a^\top (\operatorname{diag}(p) - pp^\top)\, dx$, and
transposing the symmetric Jacobian, $\nabla_x = (\operatorname{diag}(p) - pp^\top) a =
p \odot a - (a^\top p)\, p$: each entry is $p_i$ times how far $a_i$ lies from its mean under
$p$. This is the backward pass of the softmax with upstream gradient $a$, computed in $O(n)$
without the $n \times n$ Jacobian. Differentiating $g = p \odot (a - \bar a)$, $\bar a = a^\top p$,
once more gives the symmetric Hessian $\operatorname{diag}(g) - g p^\top - p g^\top$.
""",
        hessian=hess_softmax_expectation,
        hessian_formula=r"\nabla_x^2\, a^\top \operatorname{softmax}(x) = \operatorname{diag}(g) "
        r"- g p^\top - p g^\top,\ g = p \odot (a - (a^\top p)\mathbf{1})",
        mistakes=(
            Mistake(
                r"p \odot a",
                lambda a, x: _softmax(x) * a,
                "keeps the diagonal part of the Jacobian and drops -p p^T",
            ),
            Mistake(
                r"a \odot p \odot (1 - p)",
                lambda a, x: a * _softmax(x) * (1 - _softmax(x)),
                "treats the softmax as an elementwise sigmoid",
            ),
        ),
        conventions={"numerator": r"\bigl(p \odot (a - (a^\top p)\mathbf{1})\bigr)^\top"},
        related=("softmax.softmax-jacobian", "softmax.log-softmax-inner", "softmax.entropy"),
        assumptions="a is fixed (it does not depend on x)",
        sources=(f"{BISHOP}, section 4.3.4",),
        keywords=(
            "softmax VJP",
            "softmax backward",
            "vector-Jacobian product",
            "expected value under softmax",
            "attention weights gradient",
        ),
    )
)


@shaped
def weighted_log_softmax(y: Arr["n"], x: Arr["n"]):
    """The weighted log-softmax ``y^T log softmax(x)`` (minus the cross-entropy for labels y).

    >>> weighted_log_softmax(np.array([0.0, 1.0]), np.array([0.0, 1000.0]))
    np.float64(0.0)
    """
    return y @ _log_softmax(x)


@shaped_like(weighted_log_softmax)
def grad_weighted_log_softmax(y, x):
    """``y - (1^T y) p`` with ``p = softmax(x)``."""
    return y - np.sum(y) * _softmax(x)


@shaped_like(weighted_log_softmax)
def hess_weighted_log_softmax(y, x):
    """``-(1^T y) (diag(p) - p p^T)``."""
    return -np.sum(y) * _softmax_jacobian(_softmax(x))


def _symbolic_weighted_log_softmax(y, x):
    import sympy as sp

    total = sum(y)
    log_p = x - sp.ones(x.rows, 1) * _sp_lse(x)
    return (y.T * log_p)[0, 0], y - total * _sp_softmax(x)


register(
    Identity(
        id="softmax.log-softmax-inner",
        title="Gradient of a weighted log-softmax (the log-softmax VJP)",
        formula=r"\nabla_x\, y^\top \log \operatorname{softmax}(x) = y - (\mathbf{1}^\top y)\, p,"
        r"\quad p = \operatorname{softmax}(x)",
        wrt="x",
        kind="gradient",
        value=weighted_log_softmax,
        derivative=grad_weighted_log_softmax,
        sample=_sample_labels_x,
        symbolic=_symbolic_weighted_log_softmax,
        derivation=r"""
Since $\log p = x - \operatorname{lse}(x)\mathbf{1}$,
$d(y^\top \log p) = y^\top dx - (\mathbf{1}^\top y)\langle p, dx\rangle$, so the gradient is
$y - (\mathbf{1}^\top y)\, p$ (the log-softmax Jacobian $I - \mathbf{1}p^\top$, transposed,
applied to $y$). For labels on the simplex ($\mathbf{1}^\top y = 1$, one-hot or soft) it is
$y - p$, so the cross-entropy $-y^\top \log \operatorname{softmax}(x)$ has gradient $p - y$.
The Hessian is $-(\mathbf{1}^\top y)(\operatorname{diag}(p) - pp^\top)$.
""",
        hessian=hess_weighted_log_softmax,
        hessian_formula=r"\nabla_x^2\, y^\top \log \operatorname{softmax}(x) = "
        r"-(\mathbf{1}^\top y)\bigl(\operatorname{diag}(p) - p p^\top\bigr)",
        mistakes=(
            Mistake(
                r"y - p",
                lambda y, x: y - _softmax(x),
                "right only when the weights sum to 1 (labels on the simplex); in general the "
                "factor 1^T y multiplies p",
            ),
            Mistake(
                r"y \odot (1 - p)",
                lambda y, x: y * (1 - _softmax(x)),
                "differentiates each log p_i as if it depended on x_i only",
            ),
        ),
        conventions={"numerator": r"\bigl(y - (\mathbf{1}^\top y)\, p\bigr)^\top"},
        related=("softmax.log-softmax-jacobian", "softmax.expectation", "softmax.lse"),
        assumptions="y is fixed; with 1^T y = 1 (labels on the simplex) the gradient is y - p",
        sources=(f"{GBC}, section 6.2.2.3", f"{BISHOP}, section 4.3.4"),
        keywords=(
            "log-softmax VJP",
            "log softmax backward",
            "cross-entropy gradient",
            "softmax cross entropy",
            "p - y",
            "y - p",
        ),
    )
)


@shaped
def softmax_entropy(x: Arr["n"]):
    """The entropy ``-sum_i p_i log p_i`` of ``p = softmax(x)``.

    >>> softmax_entropy(np.zeros(2)).round(6)
    np.float64(0.693147)
    """
    return -_softmax(x) @ _log_softmax(x)


@shaped_like(softmax_entropy)
def grad_softmax_entropy(x):
    """``-p * (log p + H)`` with ``p = softmax(x)`` and ``H`` the entropy."""
    p, log_p = _softmax(x), _log_softmax(x)
    return -p * (log_p - p @ log_p)


@shaped_like(softmax_entropy)
def hess_softmax_entropy(x):
    """``diag(g) - g p^T - p g^T - (diag(p) - p p^T)`` with ``g`` the gradient."""
    p, log_p = _softmax(x), _log_softmax(x)
    g = -p * (log_p - p @ log_p)
    return np.diag(g) - np.outer(g, p) - np.outer(p, g) - _softmax_jacobian(p)


def _symbolic_entropy(x):
    import sympy as sp

    p = _sp_softmax(x)
    log_p = x - sp.ones(x.rows, 1) * _sp_lse(x)
    entropy = -(p.T * log_p)[0, 0]
    return entropy, -sp.matrix_multiply_elementwise(p, log_p + entropy * sp.ones(x.rows, 1))


register(
    Identity(
        id="softmax.entropy",
        title="Gradient of the entropy of a softmax",
        formula=r"\nabla_x \Bigl(-\sum_i p_i \log p_i\Bigr) = -p \odot \bigl(\log p + H\mathbf{1}"
        r"\bigr),\quad p = \operatorname{softmax}(x),\ H = -p^\top \log p",
        wrt="x",
        kind="gradient",
        value=softmax_entropy,
        derivative=grad_softmax_entropy,
        sample=_sample_x,
        symbolic=_symbolic_entropy,
        derivation=r"""
As a function of $p$, $dH = -\sum_i (\log p_i + 1)\, dp_i$; the $+1$ drops out because
$\mathbf{1}^\top dp = 0$. With $dp = (\operatorname{diag}(p) - pp^\top)\,dx$ this gives
$\nabla_x H = -(\operatorname{diag}(p) - pp^\top)\log p = -p \odot (\log p - (p^\top \log p)
\mathbf{1}) = -p \odot (\log p + H\mathbf{1})$. It is the softmax VJP with $a = -\log p$, but
$\log p$ depends on $x$ too, which adds $-(\operatorname{diag}(p) - pp^\top)$ to that entry's
Hessian: $\nabla^2 H = \operatorname{diag}(g) - g p^\top - p g^\top -
(\operatorname{diag}(p) - pp^\top)$ with $g = \nabla_x H$.
""",
        hessian=hess_softmax_entropy,
        hessian_formula=r"\nabla_x^2 H = \operatorname{diag}(g) - g p^\top - p g^\top - "
        r"\bigl(\operatorname{diag}(p) - p p^\top\bigr),\ g = -p \odot (\log p + H\mathbf{1})",
        mistakes=(
            Mistake(
                r"-(\log p + \mathbf{1})",
                lambda x: -(_log_softmax(x) + 1),
                "the gradient with respect to p, without the softmax Jacobian of the chain rule",
            ),
            Mistake(
                r"-p \odot \log p",
                lambda x: -_softmax(x) * _log_softmax(x),
                "the terms of the entropy, not its gradient",
            ),
        ),
        conventions={"numerator": r"\bigl(-p \odot (\log p + H\mathbf{1})\bigr)^\top"},
        related=("softmax.expectation", "softmax.softmax-jacobian"),
        assumptions="none: smooth everywhere (p > 0 for finite x)",
        sources=(f"{GBC}, section 3.13", MURPHY),
        keywords=(
            "entropy of softmax",
            "softmax entropy",
            "entropy regularization",
            "entropy gradient",
            "-p log p",
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "log-sum-exp",
        "Gradients of log-sum-exp",
        (
            "softmax.lse",
            "softmax.lse-temperature",
            "softmax.lse-rows",
            "softmax.lse-affine",
        ),
    ),
    (
        "jacobians",
        "Softmax and log-softmax Jacobians",
        (
            "softmax.softmax-jacobian",
            "softmax.log-softmax-jacobian",
            "softmax.temperature-jacobian",
            "softmax.rowwise-jacobian",
        ),
    ),
    (
        "functions",
        "Functions of the softmax",
        (
            "softmax.expectation",
            "softmax.log-softmax-inner",
            "softmax.entropy",
        ),
    ),
)
