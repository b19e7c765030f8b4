"""Binary classification losses:
the identities of the page ``reference/losses/binary-classification.html``."""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.linear import SHEET
from gradref.identities.losses._common import (
    BISHOP,
    DLBOOK,
    ESL,
    MURPHY,
    PEARLMUTTER,
    _register,
    _sampler,
    _sigmoid,
    _softplus,
    _sp_sigmoid,
    _sp_softplus,
)
from gradref.shapes import Arr, shaped, shaped_like


def _score(x, w):
    # An overflowing score is +-inf, where the loss and its gradient saturate correctly.
    with np.errstate(over="ignore"):
        return w @ x


@shaped
def logistic_loss(x: Arr["d"], w: Arr["d"]):
    """Logistic loss of the linear score ``w^T x``: ``log(1 + exp(-w^T x))``.

    ``x`` is a sample (features multiplied by a label in {-1, +1}), ``w`` the weights.

    >>> float(logistic_loss(np.array([1.0, 2.0]), np.zeros(2))) == float(np.log(2.0))
    True
    """
    return _softplus(-_score(x, w))


@shaped_like(logistic_loss)
def grad_logistic_loss(x, w):
    """Gradient of ``log(1 + exp(-w^T x))`` with respect to ``w``: ``-sigmoid(-w^T x) x``.

    >>> grad_logistic_loss(np.array([1.0, 2.0]), np.zeros(2))
    array([-0.5, -1. ])
    """
    return -_sigmoid(-_score(x, w)) * x


@shaped_like(logistic_loss)
def hess_logistic_loss(x, w):
    """Hessian of ``log(1 + exp(-w^T x))`` in ``w``: ``sigmoid(w^T x) sigmoid(-w^T x) x x^T``."""
    t = _score(x, w)
    return _sigmoid(t) * _sigmoid(-t) * np.outer(x, x)


def _symbolic(x, w):
    import sympy as sp

    t = (w.T * x)[0, 0]
    return sp.log(1 + sp.exp(-t)), -sp.exp(-t) / (1 + sp.exp(-t)) * x


def _general():
    import sympy as sp

    n = sp.Symbol("n", integer=True, positive=True)
    x, w = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("w", n, 1)
    t = (w.T * x)[0, 0]
    return sp.log(1 + sp.exp(-t)), w, -sp.exp(-t) / (1 + sp.exp(-t)) * x


register(
    Identity(
        id="losses.logistic-w",
        title="Gradient of the logistic loss with respect to the weights",
        formula=r"\nabla_w \log\!\left(1 + e^{-w^\top x}\right) = "
        r"-\frac{e^{-w^\top x}}{1 + e^{-w^\top x}}\, x = -\sigma(-w^\top x)\, x",
        wrt="w",
        kind="gradient",
        value=logistic_loss,
        derivative=grad_logistic_loss,
        symbolic=_symbolic,
        general=_general,
        derivation=r"""
Write $t = w^\top x$, so $dt = \langle x, dw\rangle$. The derivative of
$\log(1 + e^{-t})$ in $t$ is $-e^{-t}/(1 + e^{-t}) = -\sigma(-t)$, hence
$d\ell = -\sigma(-t)\, \langle x, dw\rangle$ and $\nabla_w \ell = -\sigma(-w^\top x)\, x$.
Differentiating once more, $\sigma'(s) = \sigma(s)\sigma(-s)$ gives the Hessian
$\sigma(t)\sigma(-t)\, x x^\top$, positive semidefinite: the loss is convex in $w$.
""",
        hessian=hess_logistic_loss,
        hessian_formula=r"\nabla_w^2 \log\!\left(1 + e^{-w^\top x}\right) = "
        r"\sigma(w^\top x)\,\sigma(-w^\top x)\, x x^\top",
        mistakes=(
            Mistake(
                r"\sigma(-w^\top x)\, x",
                lambda x, w: _sigmoid(-(w @ x)) * x,
                "loses the minus sign of the inner derivative of -w^T x",
            ),
            Mistake(
                r"-\sigma(w^\top x)\, x",
                lambda x, w: -_sigmoid(w @ x) * x,
                "sigma(w^T x) where sigma(-w^T x) is needed: the two differ unless w^T x = 0",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial \ell}{\partial w} = -\sigma(-w^\top x)\, x^\top",
        },
        related=("elementary.sheet-xyz", "linear.inner"),
        assumptions="sigma(s) = 1 / (1 + exp(-s)) is the logistic function",
        sources=(f"{SHEET}, exercise 4c",),
        exercise="4c",
        keywords=(
            "logistic loss",
            "Hessian of logistic",
            "Hessian of the logistic loss",
            "logistic regression",
            "cross entropy",
            "cross-entropy",
            "binary cross entropy",
            "binary cross-entropy",
            "log loss",
            "logistic",
            "sigmoid",
            "logistic function",
            "softplus",
        ),
    )
)


# -- logistic loss, labels in {-1, 1} and in {0, 1}; binary cross-entropy ---------------------


def _signs(rng, inputs, sizes):
    # Labels in {-1, 1}; with two or more samples, both labels occur.
    y = rng.choice([-1.0, 1.0], size=np.shape(inputs["y"]))
    if y.size >= 2:
        y.flat[:2] = (1.0, -1.0)
    inputs["y"] = y


def _bits(rng, inputs, sizes):
    # Labels in {0, 1}; with two or more samples, both labels occur.
    y = rng.integers(0, 2, size=np.shape(inputs["y"])).astype(float)
    if y.size >= 2:
        y.flat[:2] = (1.0, 0.0)
    inputs["y"] = y


@shaped
def logistic_pm1(x: Arr["d"], y: Arr[""], w: Arr["d"]):
    """Logistic loss ``log(1 + exp(-y w^T x))`` of one sample with label ``y`` in {-1, 1}.

    >>> float(logistic_pm1(np.array([1.0, 2.0]), -1.0, np.zeros(2))) == float(np.log(2.0))
    True
    """
    return _softplus(-y * _score(x, w))


@shaped_like(logistic_pm1)
def grad_logistic_pm1(x, y, w):
    """Gradient of ``log(1 + exp(-y w^T x))`` in ``w``: ``-y sigmoid(-y w^T x) x``."""
    return -y * _sigmoid(-y * _score(x, w)) * x


@shaped_like(logistic_pm1)
def hess_logistic_pm1(x, y, w):
    """Hessian of ``log(1 + exp(-y w^T x))`` in ``w``: ``sigmoid(t) sigmoid(-t) x x^T``."""
    t = _score(x, w)
    return _sigmoid(t) * _sigmoid(-t) * np.outer(x, x)


def _sp_logistic_pm1(x, y, w):
    t = (w.T * x)[0, 0]
    return _sp_softplus(-y * t), -y * _sp_sigmoid(-y * t) * x


_register(
    id="losses.logistic-pm1-w",
    title="Gradient of the logistic loss of one sample, labels in {-1, 1}",
    formula=r"\nabla_w \log\!\left(1 + e^{-y\, w^\top x}\right) = -y\, \sigma(-y\, w^\top x)\, x,"
    r"\quad y \in \{-1, 1\}",
    wrt="w",
    value=logistic_pm1,
    derivative=grad_logistic_pm1,
    symbolic=_sp_logistic_pm1,
    sample=_sampler(logistic_pm1, adjust=_signs),
    derivation=r"""
With the margin $s = y\, w^\top x$, $ds = y\, \langle x, dw\rangle$, and
$\tfrac{d}{ds} \log(1 + e^{-s}) = -\sigma(-s)$, so $\nabla_w = -y\,\sigma(-y\,w^\top x)\, x$:
the gradient is large for a misclassified sample ($s < 0$) and vanishes as the margin grows.
Differentiating again with $\sigma'(s) = \sigma(s)\sigma(-s)$ gives
$y^2 \sigma(s)\sigma(-s)\, x x^\top$, and $y^2 = 1$ removes the label.
""",
    hessian=hess_logistic_pm1,
    hessian_formula=r"\nabla_w^2 \log\!\left(1 + e^{-y\, w^\top x}\right) = "
    r"\sigma(w^\top x)\,\sigma(-w^\top x)\, x x^\top",
    mistakes=(
        Mistake(
            r"-y\, \sigma(y\, w^\top x)\, x",
            lambda x, y, w: -y * _sigmoid(y * (w @ x)) * x,
            "sigma of the margin where sigma of minus the margin is needed",
        ),
        Mistake(
            r"y\, \sigma(-y\, w^\top x)\, x",
            lambda x, y, w: y * _sigmoid(-y * (w @ x)) * x,
            "loses the minus sign of the inner derivative of -y w^T x",
        ),
    ),
    conventions={"numerator": r"-y\, \sigma(-y\, w^\top x)\, x^\top"},
    related=("losses.logistic-w", "losses.logistic-pm1-mean-w", "losses.logistic-01-w"),
    assumptions="y in {-1, 1} (the gradient holds for any real y; the Hessian uses y^2 = 1); "
    "sigma(s) = 1 / (1 + exp(-s))",
    sources=(MURPHY, ESL),
    keywords=(
        "logistic loss",
        "logistic regression",
        "labels -1 1",
        "margin",
        "log loss",
        "sigmoid",
        "softplus",
    ),
)


@shaped
def logistic_pm1_mean(X: Arr["m d"], y: Arr["m"], w: Arr["d"]):
    """Mean logistic loss ``(1/m) sum_i log(1 + exp(-y_i x_i^T w))``, labels in {-1, 1}.

    >>> float(logistic_pm1_mean(np.eye(2), np.array([1.0, -1.0]), np.zeros(2))) == float(np.log(2))
    True
    """
    return np.mean(_softplus(-y * (X @ w)))


@shaped_like(logistic_pm1_mean)
def grad_logistic_pm1_mean(X, y, w):
    """Gradient of the mean {-1, 1} logistic loss: ``-(1/m) X^T (y * sigmoid(-y * X w))``."""
    return -X.T @ (y * _sigmoid(-y * (X @ w))) / y.shape[0]


@shaped_like(logistic_pm1_mean)
def hess_logistic_pm1_mean(X, y, w):
    """Hessian of the mean {-1, 1} logistic loss: ``(1/m) X^T diag(sigma(s) sigma(-s)) X``."""
    s = X @ w
    return X.T @ ((_sigmoid(s) * _sigmoid(-s))[:, None] * X) / y.shape[0]


def _sp_logistic_pm1_mean(X, y, w):
    s = (X * w).multiply_elementwise(y)
    value = sum(_sp_softplus(-si) for si in s) / X.rows
    return value, -X.T * y.multiply_elementwise(s.applyfunc(lambda t: _sp_sigmoid(-t))) / X.rows


_register(
    id="losses.logistic-pm1-mean-w",
    title="Gradient of the mean logistic loss over a dataset, labels in {-1, 1}",
    formula=r"\nabla_w\, \frac1m \sum_{i=1}^m \log\!\left(1 + e^{-y_i x_i^\top w}\right) = "
    r"-\frac1m X^\top \left(y \odot \sigma(-y \odot X w)\right)",
    wrt="w",
    value=logistic_pm1_mean,
    derivative=grad_logistic_pm1_mean,
    symbolic=_sp_logistic_pm1_mean,
    sample=_sampler(logistic_pm1_mean, adjust=_signs),
    derivation=r"""
Each term is the single-sample loss with margin $s_i = y_i x_i^\top w$, whose gradient is
$-y_i \sigma(-s_i) x_i$; summing the rows $x_i^\top$ of $X$ weighted by
$y_i \sigma(-s_i)$ is the product $X^\top (y \odot \sigma(-s))$, and the mean divides by $m$.
The Hessian is the weighted Gram matrix $\tfrac1m X^\top D X$ with
$D = \operatorname{diag}(\sigma(s_i)\sigma(-s_i))$ ($y_i^2 = 1$ and $\sigma(s)\sigma(-s)$ is
even in $s$, so the labels drop out).
""",
    hessian=hess_logistic_pm1_mean,
    hessian_formula=r"\nabla_w^2 = \frac1m X^\top \operatorname{diag}\!\big(\sigma(X w) \odot "
    r"\sigma(-X w)\big) X",
    mistakes=(
        Mistake(
            r"\frac1m X^\top (\sigma(X w) - y)",
            lambda X, y, w: X.T @ (_sigmoid(X @ w) - y) / y.shape[0],
            "the {0, 1}-label formula applied to labels in {-1, 1}",
        ),
        Mistake(
            r"-X^\top \left(y \odot \sigma(-y \odot X w)\right)",
            lambda X, y, w: -X.T @ (y * _sigmoid(-y * (X @ w))),
            "the gradient of the sum: forgets the 1/m of the mean",
        ),
    ),
    conventions={"numerator": r"-\frac1m \left(y \odot \sigma(-y \odot X w)\right)^\top X"},
    related=("losses.logistic-pm1-w", "losses.logistic-01-mean-w", "losses.logistic-w"),
    assumptions="y in {-1, 1}^m (the gradient holds for any real y; the Hessian uses y_i^2 = 1); "
    "x_i^T is the i-th row of X",
    sources=(MURPHY, ESL),
    keywords=(
        "logistic regression",
        "logistic loss",
        "empirical risk",
        "labels -1 1",
        "mean loss",
        "sigmoid",
    ),
)


@shaped
def logistic_01(x: Arr["d"], y: Arr[""], w: Arr["d"]):
    """Cross-entropy of ``sigmoid(w^T x)`` for a label ``y`` in {0, 1}: ``softplus(t) - y t``.

    >>> float(logistic_01(np.array([1.0, 2.0]), 1.0, np.zeros(2))) == float(np.log(2.0))
    True
    """
    t = _score(x, w)
    return _softplus(t) - y * t


@shaped_like(logistic_01)
def grad_logistic_01(x, y, w):
    """Gradient of the {0, 1} logistic loss in ``w``: ``(sigmoid(w^T x) - y) x``."""
    return (_sigmoid(_score(x, w)) - y) * x


@shaped_like(logistic_01)
def hess_logistic_01(x, y, w):
    """Hessian of the {0, 1} logistic loss in ``w``: ``sigmoid(t) (1 - sigmoid(t)) x x^T``."""
    t = _score(x, w)
    return _sigmoid(t) * _sigmoid(-t) * np.outer(x, x)


def _sp_logistic_01(x, y, w):
    t = (w.T * x)[0, 0]
    return _sp_softplus(t) - y * t, (_sp_sigmoid(t) - y) * x


_register(
    id="losses.logistic-01-w",
    title="Gradient of the logistic loss (cross-entropy) of one sample, labels in {0, 1}",
    formula=r"\nabla_w \left(-y \log \sigma(w^\top x) - (1 - y) \log\big(1 - \sigma(w^\top x)"
    r"\big)\right) = \big(\sigma(w^\top x) - y\big)\, x,\quad y \in \{0, 1\}",
    wrt="w",
    value=logistic_01,
    derivative=grad_logistic_01,
    symbolic=_sp_logistic_01,
    sample=_sampler(logistic_01, adjust=_bits),
    derivation=r"""
With $t = w^\top x$, $-\log\sigma(t) = \log(1 + e^{-t})$ and $-\log(1 - \sigma(t)) =
\log(1 + e^{t})$, so the loss is $\log(1 + e^{t}) - y\, t$. Its derivative in $t$ is
$\sigma(t) - y$ (prediction minus label), and $dt = \langle x, dw\rangle$ gives
$\nabla_w = (\sigma(w^\top x) - y)\, x$. The Hessian $\sigma(t)(1 - \sigma(t))\, x x^\top$
does not depend on the label.
""",
    hessian=hess_logistic_01,
    hessian_formula=r"\nabla_w^2 = \sigma(w^\top x)\big(1 - \sigma(w^\top x)\big)\, x x^\top",
    mistakes=(
        Mistake(
            r"\big(y - \sigma(w^\top x)\big)\, x",
            lambda x, y, w: (y - _sigmoid(w @ x)) * x,
            "the gradient of the log-likelihood, which the loss negates",
        ),
        Mistake(
            r"\sigma(w^\top x)\big(1 - \sigma(w^\top x)\big)\big(\sigma(w^\top x) - y\big)\, x",
            lambda x, y, w: _sigmoid(w @ x) * _sigmoid(-(w @ x)) * (_sigmoid(w @ x) - y) * x,
            "chains through sigma' as for a squared error on the probability: for the "
            "cross-entropy the factor sigma' cancels",
        ),
    ),
    conventions={"numerator": r"\big(\sigma(w^\top x) - y\big)\, x^\top"},
    related=("losses.logistic-w", "losses.logistic-01-mean-w", "losses.bce-logits"),
    assumptions="y in {0, 1} (the formula holds for any real y, e.g. a soft label in [0, 1]); "
    "sigma(s) = 1 / (1 + exp(-s))",
    sources=(f"{BISHOP}, section 4.3.2", f"{DLBOOK}, section 6.2.2.2"),
    keywords=(
        "logistic regression",
        "binary cross-entropy",
        "log loss",
        "labels 0 1",
        "sigmoid minus label",
        "prediction minus target",
    ),
)


@shaped
def logistic_01_mean(X: Arr["m d"], y: Arr["m"], w: Arr["d"]):
    """Mean {0, 1} logistic loss ``(1/m) sum_i softplus(x_i^T w) - y_i x_i^T w``.

    >>> float(logistic_01_mean(np.eye(2), np.array([1.0, 0.0]), np.zeros(2))) == float(np.log(2))
    True
    """
    s = X @ w
    return np.mean(_softplus(s) - y * s)


@shaped_like(logistic_01_mean)
def grad_logistic_01_mean(X, y, w):
    """Gradient of the mean {0, 1} logistic loss: ``(1/m) X^T (sigmoid(X w) - y)``."""
    return X.T @ (_sigmoid(X @ w) - y) / y.shape[0]


@shaped_like(logistic_01_mean)
def hess_logistic_01_mean(X, y, w):
    """Hessian of the mean {0, 1} logistic loss: ``(1/m) X^T diag(sigma (1 - sigma)) X``."""
    s = X @ w
    return X.T @ ((_sigmoid(s) * _sigmoid(-s))[:, None] * X) / y.shape[0]


def _sp_logistic_01_mean(X, y, w):
    s = X * w
    value = sum(_sp_softplus(si) - yi * si for si, yi in zip(s, y, strict=True)) / X.rows
    return value, X.T * (s.applyfunc(_sp_sigmoid) - y) / X.rows


_register(
    id="losses.logistic-01-mean-w",
    title="Gradient of the mean logistic loss (cross-entropy) over a dataset, labels in {0, 1}",
    formula=r"\nabla_w\, \frac1m \sum_{i=1}^m \left(\log\!\left(1 + e^{x_i^\top w}\right) - "
    r"y_i\, x_i^\top w\right) = \frac1m X^\top \big(\sigma(X w) - y\big)",
    wrt="w",
    value=logistic_01_mean,
    derivative=grad_logistic_01_mean,
    symbolic=_sp_logistic_01_mean,
    sample=_sampler(logistic_01_mean, adjust=_bits),
    derivation=r"""
With scores $s = Xw$, $ds = X\, dw$, and each term's derivative in $s_i$ is
$\sigma(s_i) - y_i$; so $dL = \tfrac1m (\sigma(s) - y)^\top X\, dw$ and
$\nabla_w = \tfrac1m X^\top (\sigma(Xw) - y)$. Differentiating $\sigma(s)$ once more gives the
Hessian $\tfrac1m X^\top R X$ with $R = \operatorname{diag}(\sigma(s)\odot(1 - \sigma(s)))$:
the matrix that Newton's method (iteratively reweighted least squares) inverts.
""",
    hessian=hess_logistic_01_mean,
    hessian_formula=r"\nabla_w^2 = \frac1m X^\top \operatorname{diag}\!\big(\sigma(X w) \odot "
    r"(1 - \sigma(X w))\big) X",
    mistakes=(
        Mistake(
            r"\frac1m X^\top \big(y - \sigma(X w)\big)",
            lambda X, y, w: X.T @ (y - _sigmoid(X @ w)) / y.shape[0],
            "the gradient of the mean log-likelihood, of the opposite sign",
        ),
        Mistake(
            r"X^\top \big(\sigma(X w) - y\big)",
            lambda X, y, w: X.T @ (_sigmoid(X @ w) - y),
            "the gradient of the sum: forgets the 1/m of the mean",
        ),
    ),
    conventions={"numerator": r"\frac1m \big(\sigma(X w) - y\big)^\top X"},
    related=("losses.logistic-01-w", "losses.logistic-pm1-mean-w", "losses.logistic-hvp"),
    assumptions="y in {0, 1}^m (the formula holds for any real y); x_i^T is the i-th row of X",
    sources=(f"{BISHOP}, sections 4.3.2 and 4.3.3", MURPHY),
    keywords=(
        "logistic regression",
        "binary cross-entropy",
        "IRLS",
        "Newton's method",
        "labels 0 1",
        "X^T (sigma(Xw) - y)",
        "empirical risk",
    ),
)


@shaped
def bce_with_logits(z: Arr["n"], y: Arr["n"]):
    """Binary cross-entropy of logits ``z`` against targets ``y``, summed: ``sum softplus(z) - y z``.

    >>> float(bce_with_logits(np.zeros(2), np.array([1.0, 0.0]))) == float(2 * np.log(2))
    True
    """
    return np.sum(_softplus(z) - y * z)


@shaped_like(bce_with_logits)
def grad_bce_with_logits(z, y):
    """Gradient of the binary cross-entropy in the logits: ``sigmoid(z) - y``."""
    return _sigmoid(z) - y


@shaped_like(bce_with_logits)
def hess_bce_with_logits(z, y):
    """Hessian of the binary cross-entropy in the logits: ``diag(sigmoid(z) (1 - sigmoid(z)))``."""
    return np.diag(_sigmoid(z) * _sigmoid(-z))


def _uniform_targets(rng, inputs, sizes):
    inputs["y"] = rng.uniform(0.0, 1.0, size=np.shape(inputs["y"]))


_register(
    id="losses.bce-logits",
    title="Gradient of the binary cross-entropy with respect to the logits",
    formula=r"\nabla_z \sum_i \Big(-y_i \log \sigma(z_i) - (1 - y_i) \log\big(1 - \sigma(z_i)\big)"
    r"\Big) = \sigma(z) - y",
    wrt="z",
    value=bce_with_logits,
    derivative=grad_bce_with_logits,
    symbolic=lambda z, y: (
        sum(_sp_softplus(zi) - yi * zi for zi, yi in zip(z, y, strict=True)),
        z.applyfunc(_sp_sigmoid) - y,
    ),
    sample=_sampler(bce_with_logits, adjust=_uniform_targets),
    derivation=r"""
Entry by entry, $-y\log\sigma(z) - (1 - y)\log(1 - \sigma(z)) = \log(1 + e^{z}) - y z$
(using $\log(1 - \sigma(z)) = -\log(1 + e^{z})$), whose derivative is $\sigma(z) - y$.
Computing the loss from the logits this way (softplus, never $\log$ of a rounded
probability) is what makes it stable; the gradient has no division by
$\sigma(z)(1 - \sigma(z))$. The Hessian is diagonal, $\operatorname{diag}(\sigma(z)\odot(1 -
\sigma(z)))$.
""",
    hessian=hess_bce_with_logits,
    hessian_formula=r"\nabla_z^2 = \operatorname{diag}\!\big(\sigma(z) \odot (1 - \sigma(z))\big)",
    mistakes=(
        Mistake(
            r"\big(\sigma(z) - y\big) \odot \sigma(z) \odot \big(1 - \sigma(z)\big)",
            lambda z, y: (_sigmoid(z) - y) * _sigmoid(z) * _sigmoid(-z),
            "multiplies by sigma' as if the loss were a squared error on the probabilities",
        ),
        Mistake(
            r"\big(\sigma(z) - y\big) \oslash \big(\sigma(z) \odot (1 - \sigma(z))\big)",
            lambda z, y: (_sigmoid(z) - y) / (_sigmoid(z) * _sigmoid(-z)),
            "the gradient with respect to the probabilities p = sigma(z), not the logits",
        ),
    ),
    conventions={"numerator": r"\big(\sigma(z) - y\big)^\top"},
    related=("losses.logistic-01-w", "losses.softmax-ce-onehot", "losses.logistic-w"),
    assumptions="targets y in [0, 1] (the formula holds for any real y); summed over the n "
    "entries (divide by n for the mean reduction)",
    sources=(f"{DLBOOK}, section 6.2.2.2", MURPHY),
    keywords=(
        "binary cross-entropy",
        "BCE",
        "BCEWithLogitsLoss",
        "sigmoid cross-entropy",
        "logits",
        "multi-label",
        "sigmoid minus target",
    ),
)


@shaped
def logistic_directional(X: Arr["m d"], y: Arr["m"], v: Arr["d"], w: Arr["d"]):
    """Directional derivative ``<(1/m) X^T (sigmoid(X w) - y), v>`` of the mean logistic loss.

    >>> float(logistic_directional(np.eye(2), np.array([1.0, 0.0]), np.ones(2), np.zeros(2)))
    0.0
    """
    return (_sigmoid(X @ w) - y) @ (X @ v) / y.shape[0]


@shaped_like(logistic_directional)
def hvp_logistic(X, y, v, w):
    """Hessian-vector product of the mean logistic loss: ``(1/m) X^T (sigma' (X w) * X v)``."""
    s = X @ w
    return X.T @ (_sigmoid(s) * _sigmoid(-s) * (X @ v)) / y.shape[0]


@shaped_like(logistic_directional)
def hess_logistic_directional(X, y, v, w):
    """Third derivative along ``v``: ``(1/m) X^T diag(sigma''(X w) * X v) X``."""
    s = X @ w
    second = _sigmoid(s) * _sigmoid(-s) * (_sigmoid(-s) - _sigmoid(s))
    return X.T @ ((second * (X @ v))[:, None] * X) / y.shape[0]


def _sp_logistic_directional(X, y, v, w):
    s, u = X * w, X * v
    sigma = s.applyfunc(_sp_sigmoid)
    curvature = sigma.multiply_elementwise(sigma.applyfunc(lambda p: 1 - p))
    return ((sigma - y).T * u)[0, 0] / X.rows, X.T * curvature.multiply_elementwise(u) / X.rows


_register(
    id="losses.logistic-hvp",
    title="Hessian-vector product of the mean logistic loss",
    formula=r"\nabla_w \left\langle \tfrac1m X^\top \big(\sigma(X w) - y\big),\, v \right\rangle "
    r"= \tfrac1m X^\top \Big(\sigma(X w) \odot \big(1 - \sigma(X w)\big) \odot X v\Big)",
    wrt="w",
    value=logistic_directional,
    derivative=hvp_logistic,
    symbolic=_sp_logistic_directional,
    sample=_sampler(logistic_directional, adjust=_bits),
    derivation=r"""
The directional derivative of the mean {0, 1} logistic loss along $v$ is
$g(w) = \tfrac1m (\sigma(Xw) - y)^\top X v$. Only $\sigma(s)$, $s = Xw$, depends on $w$, with
$d\sigma(s) = \sigma'(s) \odot X\, dw$, so $dg = \tfrac1m (\sigma'(s) \odot Xv)^\top X\, dw$ and
$\nabla_w g = H v = \tfrac1m X^\top (\sigma'(s) \odot Xv)$. It costs two products with $X$
and one with $X^\top$; a reader never forms the $d \times d$ Hessian. Its own derivative
(the third derivative along $v$) is $\tfrac1m X^\top \operatorname{diag}(\sigma''(s) \odot
Xv) X$, with $\sigma'' = \sigma(1 - \sigma)(1 - 2\sigma)$.
""",
    hessian=hess_logistic_directional,
    hessian_formula=r"\nabla_w^2 \langle \nabla L(w), v\rangle = \tfrac1m X^\top "
    r"\operatorname{diag}\!\big(\sigma''(X w) \odot X v\big) X,\quad "
    r"\sigma''(t) = \sigma(t)\,\big(1 - \sigma(t)\big)\big(1 - 2\sigma(t)\big)",
    mistakes=(
        Mistake(
            r"\tfrac1m X^\top \Big(\sigma(X w) \odot \big(1 - \sigma(X w)\big)\Big)",
            lambda X, y, v, w: X.T @ (_sigmoid(X @ w) * _sigmoid(-(X @ w))) / y.shape[0],
            "forgets the direction v: the Hessian's row sums, not H v",
        ),
        Mistake(
            r"\tfrac1m X^\top \big(\sigma(X v) - y\big)",
            lambda X, y, v, w: X.T @ (_sigmoid(X @ v) - y) / y.shape[0],
            "evaluates the gradient at v instead of differentiating it along v",
        ),
    ),
    conventions={
        "numerator": r"\tfrac1m \Big(\sigma(X w) \odot \big(1 - \sigma(X w)\big) \odot X v"
        r"\Big)^\top X"
    },
    related=("losses.logistic-01-mean-w", "losses.least-squares-hvp", "losses.softmax-ce-hvp"),
    assumptions="v is a fixed direction; y in {0, 1}^m (the formula holds for any y: the "
    "Hessian does not depend on the labels)",
    sources=(PEARLMUTTER, f"{BISHOP}, section 4.3.3"),
    keywords=(
        "Hessian-vector product",
        "HVP",
        "Hv",
        "logistic regression",
        "Newton-CG",
        "Pearlmutter",
        "truncated Newton",
    ),
)


def _hinge_margins(rng, inputs, sizes):
    # Labels in {-1, 1}, then each row of X moved along w so that its margin y_i x_i^T w lies
    # in [-2, 0.8] (active) or [1.2, 3] (inactive): at least 0.2 from the kink at 1, the first
    # row active.
    _signs(rng, inputs, sizes)
    X, y, w = inputs["X"], inputs["y"], inputs["w"]
    m = sizes["m"]
    active = rng.random(m) < 0.6
    active[0] = True
    margin = np.where(active, rng.uniform(-2.0, 0.8, m), rng.uniform(1.2, 3.0, m))
    inputs["X"] = X + np.outer(y * margin - X @ w, w) / (w @ w)


@shaped
def squared_hinge(X: Arr["m d"], y: Arr["m"], w: Arr["d"]):
    """Squared hinge loss ``sum_i max(0, 1 - y_i x_i^T w)^2``, labels in {-1, 1}.

    >>> float(squared_hinge(np.eye(2), np.array([1.0, -1.0]), np.array([0.5, -2.0])))
    0.25
    """
    slack = 1 - y * (X @ w)
    return np.sum(np.where(np.real(slack) > 0, slack * slack, 0))


@shaped_like(squared_hinge)
def grad_squared_hinge(X, y, w):
    """Gradient of the squared hinge loss: ``-2 X^T (y * max(0, 1 - y * X w))``."""
    slack = 1 - y * (X @ w)
    return -2 * X.T @ (y * np.where(np.real(slack) > 0, slack, 0))


@shaped_like(squared_hinge)
def hess_squared_hinge(X, y, w):
    """Hessian of the squared hinge loss away from the kinks: ``2 X^T diag(margin < 1) X``."""
    active = np.real(1 - y * (X @ w)) > 0
    return 2 * X.T @ (active[:, None] * X)


def _sp_squared_hinge(X, y, w):
    import sympy as sp

    margin = (X * w).multiply_elementwise(y)
    value = sum(sp.Piecewise(((1 - mi) ** 2, mi < 1), (0, True)) for mi in margin)
    # -2 X^T (y * max(0, 1 - margin)), entry j as sum_i Piecewise(-2 y_i X_ij (1 - margin_i), 0):
    # the factor inside the piece, where sympy's derivative of a Piecewise puts it.
    gradient = sp.Matrix(
        X.cols,
        1,
        lambda j, _: sum(
            sp.Piecewise((-2 * y[i] * X[i, j] * (1 - mi), mi < 1), (0, True))
            for i, mi in enumerate(margin)
        ),
    )
    return value, gradient


_register(
    id="losses.squared-hinge-w",
    title="Gradient and Hessian of the squared hinge loss (away from the kinks)",
    formula=r"\nabla_w \sum_{i=1}^m \max(0,\, 1 - y_i x_i^\top w)^2 = "
    r"-2 X^\top \big(y \odot \max(0,\, \mathbf 1 - y \odot X w)\big)",
    wrt="w",
    value=squared_hinge,
    derivative=grad_squared_hinge,
    symbolic=_sp_squared_hinge,
    sample=_sampler(squared_hinge, adjust=_hinge_margins),
    derivation=r"""
With margins $\mu_i = y_i x_i^\top w$, each term $\max(0, 1 - \mu_i)^2$ is once continuously
differentiable: its derivative in $\mu_i$ is $-2\max(0, 1 - \mu_i)$, which vanishes at the
kink $\mu_i = 1$ from both sides. With $d\mu = y \odot X\, dw$ the gradient is
$-2X^\top(y \odot \max(0, \mathbf 1 - \mu))$: only samples inside the margin contribute.
The derivative $-2\max(0, 1 - \mu)$ itself has a kink at $\mu = 1$, so the Hessian
$2X^\top \operatorname{diag}(\mathbf 1[\mu_i < 1]) X$ ($y_i^2 = 1$) holds away from it; the
sample keeps every margin at least 0.2 from 1.
""",
    hessian=hess_squared_hinge,
    hessian_formula=r"\nabla_w^2 = 2 X^\top \operatorname{diag}\!\big(\mathbf 1[y \odot X w "
    r"< 1]\big) X \quad (\text{no margin exactly } 1)",
    mistakes=(
        Mistake(
            r"-X^\top \big(y \odot \mathbf 1[y \odot X w < 1]\big)",
            lambda X, y, w: -X.T @ (y * (np.real(1 - y * (X @ w)) > 0)),
            "the subgradient of the plain hinge loss: forgets that the hinge is squared",
        ),
        Mistake(
            r"-2 X^\top \max(0,\, \mathbf 1 - y \odot X w)",
            lambda X, y, w: -2 * X.T @ np.maximum(0, np.real(1 - y * (X @ w))),
            "drops the label factor y_i of the inner derivative of the margin",
        ),
    ),
    conventions={"numerator": r"-2 \big(y \odot \max(0,\, \mathbf 1 - y \odot X w)\big)^\top X"},
    related=("losses.huber-w", "losses.logistic-pm1-mean-w"),
    assumptions="labels y in {-1, 1} (the Hessian uses y_i^2 = 1); no margin y_i x_i^T w "
    "exactly 1 (the kink of the derivative); the sum over samples, without a regularizer",
    sources=(
        'Chang, Hsieh & Lin, "Coordinate descent method for large-scale L2-loss linear support '
        'vector machines", *Journal of Machine Learning Research* 9 (2008)',
        MURPHY,
    ),
    keywords=(
        "squared hinge loss",
        "L2-SVM",
        "L2-loss SVM",
        "support vector machine",
        "SVM",
        "hinge loss",
        "margin",
    ),
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "binary-classification",
    "Binary classification losses",
    (
        "losses.logistic-w",
        "losses.logistic-pm1-w",
        "losses.logistic-pm1-mean-w",
        "losses.logistic-01-w",
        "losses.logistic-01-mean-w",
        "losses.bce-logits",
        "losses.logistic-hvp",
        "losses.squared-hinge-w",
    ),
)
