"""Softmax cross-entropy:
the identities of the page ``reference/losses/softmax-cross-entropy.html``."""

import numpy as np

from gradref import shapes
from gradref.catalog import Mistake
from gradref.identities.losses._common import (
    BISHOP,
    DLBOOK,
    MURPHY,
    PEARLMUTTER,
    _logsumexp,
    _normalized,
    _register,
    _sampler,
    _softmax,
    _sp_logsumexp,
    _sp_softmax,
)
from gradref.shapes import Arr, shaped, shaped_like

# -- softmax cross-entropy and multinomial logistic regression -------------------------------


@shaped
def softmax_cross_entropy(z: Arr["k"], y: Arr["k"]):
    """Cross-entropy ``-sum_i y_i log softmax(z)_i`` of logits ``z`` against labels ``y``.

    >>> float(softmax_cross_entropy(np.zeros(2), np.array([0.0, 1.0]))) == float(np.log(2.0))
    True
    """
    return -(y @ (z - _logsumexp(z)))


@shaped_like(softmax_cross_entropy)
def grad_softmax_cross_entropy(z, y):
    """Gradient of the cross-entropy in the logits, labels summing to 1: ``softmax(z) - y``."""
    return _softmax(z) - y


@shaped_like(softmax_cross_entropy)
def hess_softmax_cross_entropy(z, y):
    """Hessian of the cross-entropy in the logits: ``diag(p) - p p^T``, ``p = softmax(z)``."""
    p = _softmax(z)
    return np.diag(p) - np.outer(p, p)


def _sp_cross_entropy(z, y):
    # -sum y_i log softmax(z)_i as the sum of y_i (log-sum-exp - z_i).
    lse = _sp_logsumexp(z)
    return sum(yi * (lse - zi) for zi, yi in zip(z, y, strict=True))


def _sp_softmax_ce_onehot(z, y):
    y = _normalized(y)
    return _sp_cross_entropy(z, y), _sp_softmax(z) - y


_register(
    id="losses.softmax-ce-onehot",
    title="Gradient of the softmax cross-entropy with respect to the logits, one-hot labels",
    formula=r"\nabla_z \left(-\sum_{i=1}^k y_i \log \operatorname{softmax}(z)_i\right) = "
    r"\operatorname{softmax}(z) - y",
    wrt="z",
    value=softmax_cross_entropy,
    derivative=grad_softmax_cross_entropy,
    symbolic=_sp_softmax_ce_onehot,
    sample=_sampler(softmax_cross_entropy, {"y": "one-hot"}, base=1),
    derivation=r"""
$\log \operatorname{softmax}(z)_i = z_i - \operatorname{lse}(z)$ with
$\operatorname{lse}(z) = \log \sum_j e^{z_j}$, so the loss is
$(\textstyle\sum_i y_i)\operatorname{lse}(z) - y^\top z$. Since $\nabla \operatorname{lse} =
p = \operatorname{softmax}(z)$, the gradient is $(\sum_i y_i)\, p - y$, which is $p - y$
because a one-hot label sums to 1. The Hessian $\operatorname{diag}(p) - p p^\top$ (the
softmax Jacobian) does not depend on the label; it is singular, with null vector
$\mathbf 1$, since adding a constant to every logit changes nothing.
""",
    hessian=hess_softmax_cross_entropy,
    hessian_formula=r"\nabla_z^2 = \operatorname{diag}(p) - p p^\top,\quad "
    r"p = \operatorname{softmax}(z)",
    mistakes=(
        Mistake(
            r"y - \operatorname{softmax}(z)",
            lambda z, y: y - _softmax(z),
            "the gradient of the log-likelihood, of the opposite sign",
        ),
        Mistake(
            r"-y \oslash \operatorname{softmax}(z)",
            lambda z, y: -y / _softmax(z),
            "the gradient with respect to the probabilities, not the logits: the softmax "
            "Jacobian is left out of the chain rule",
        ),
    ),
    conventions={"numerator": r"\big(\operatorname{softmax}(z) - y\big)^\top"},
    related=("losses.softmax-ce-soft", "losses.softmax-ce-batch", "losses.bce-logits"),
    assumptions="y one-hot (the same holds for any label vector that sums to 1); "
    "softmax(z)_i = exp(z_i) / sum_j exp(z_j); k >= 2 classes",
    sources=(f"{DLBOOK}, section 6.2.2.3", f"{BISHOP}, section 4.3.4"),
    keywords=(
        "softmax cross-entropy",
        "cross-entropy loss",
        "categorical cross-entropy",
        "CrossEntropyLoss",
        "negative log-likelihood",
        "p - y",
        "softmax minus one-hot",
        "logits",
        "multiclass",
    ),
)


@shaped_like(softmax_cross_entropy)
def grad_softmax_cross_entropy_soft(z, y):
    """Gradient of the cross-entropy in the logits, any labels: ``softmax(z) sum(y) - y``."""
    return _softmax(z) * np.sum(y) - y


@shaped_like(softmax_cross_entropy)
def hess_softmax_cross_entropy_soft(z, y):
    """Hessian of the cross-entropy in the logits, any labels: ``sum(y) (diag(p) - p p^T)``."""
    p = _softmax(z)
    return np.sum(y) * (np.diag(p) - np.outer(p, p))


_register(
    id="losses.softmax-ce-soft",
    title="Gradient of the softmax cross-entropy with respect to the logits, soft labels",
    formula=r"\nabla_z \left(-\sum_{i=1}^k y_i \log \operatorname{softmax}(z)_i\right) = "
    r"\operatorname{softmax}(z) \textstyle\sum_i y_i - y",
    wrt="z",
    value=softmax_cross_entropy,
    derivative=grad_softmax_cross_entropy_soft,
    symbolic=lambda z, y: (_sp_cross_entropy(z, y), _sp_softmax(z) * sum(y) - y),
    sample=_sampler(softmax_cross_entropy, {"y": "positive"}, base=1),
    derivation=r"""
Write the loss as $(\sum_i y_i)\operatorname{lse}(z) - y^\top z$ with
$\operatorname{lse}(z) = \log\sum_j e^{z_j}$; since $\nabla\operatorname{lse} = p =
\operatorname{softmax}(z)$, the gradient is $p \sum_i y_i - y$. It reduces to the familiar
$p - y$ only when the labels sum to 1 (one-hot, smoothed or probability labels); for
unnormalized weights (class weights, counts, a mask) the factor $\sum_i y_i$ stays. The
Hessian is $(\sum_i y_i)(\operatorname{diag}(p) - p p^\top)$.
""",
    hessian=hess_softmax_cross_entropy_soft,
    hessian_formula=r"\nabla_z^2 = \Big(\textstyle\sum_i y_i\Big) \big(\operatorname{diag}(p) - "
    r"p p^\top\big),\quad p = \operatorname{softmax}(z)",
    mistakes=(
        Mistake(
            r"\operatorname{softmax}(z) - y",
            lambda z, y: _softmax(z) - y,
            "p - y is right only when the labels sum to 1; for general labels it misses the "
            "factor sum(y)",
        ),
    ),
    conventions={"numerator": r"\Big(\operatorname{softmax}(z) \textstyle\sum_i y_i - y\Big)^\top"},
    related=("losses.softmax-ce-onehot", "losses.kl-q-logits"),
    assumptions="any labels y (here positive weights that do not sum to 1); for labels that "
    "sum to 1 it is softmax(z) - y",
    sources=(f"{DLBOOK}, section 6.2.2.3", MURPHY),
    keywords=(
        "soft labels",
        "label smoothing",
        "soft targets",
        "knowledge distillation",
        "weighted cross-entropy",
        "softmax cross-entropy",
        "p sum(y) - y",
    ),
)


@shaped
def softmax_cross_entropy_batch(Z: Arr["m k"], Y: Arr["m k"]):
    """Mean cross-entropy ``-(1/m) sum_i sum_j Y_ij log softmax(Z_i)_j`` over the rows.

    >>> float(softmax_cross_entropy_batch(np.zeros((1, 2)), np.array([[1.0, 0.0]]))) == float(np.log(2))
    True
    """
    return -np.sum(Y * (Z - _logsumexp(Z)[:, None])) / Z.shape[0]


@shaped_like(softmax_cross_entropy_batch)
def grad_softmax_cross_entropy_batch(Z, Y):
    """Gradient of the mean cross-entropy in the logits: ``(softmax(Z) - Y) / m``, row-wise."""
    return (_softmax(Z) - Y) / Z.shape[0]


@shaped_like(softmax_cross_entropy_batch)
def hess_softmax_cross_entropy_batch(Z, Y):
    """Hessian of the mean cross-entropy in the logits, shape (m, k, m, k): block diagonal."""
    P, m, k = _softmax(Z), Z.shape[0], Z.shape[1]
    blocks = np.einsum("ia,ab->iab", P, np.eye(k)) - np.einsum("ia,ib->iab", P, P)
    return np.einsum("ij,iab->iajb", np.eye(m), blocks) / m


def _sp_softmax_ce_batch(Z, Y):
    import sympy as sp

    Y = _normalized(Y)
    rows = [_sp_cross_entropy(Z[i, :].T, Y[i, :].T) for i in range(Z.rows)]
    P = sp.Matrix.vstack(*[_sp_softmax(Z[i, :]) for i in range(Z.rows)])
    return sum(rows) / Z.rows, (P - Y) / Z.rows


_register(
    id="losses.softmax-ce-batch",
    title="Gradient of the mean softmax cross-entropy over a batch with respect to the logit matrix",
    formula=r"\nabla_Z \left(-\frac1m \sum_{i=1}^m \sum_{j=1}^k Y_{ij} \log "
    r"\operatorname{softmax}(Z_{i,:})_j\right) = \frac1m \big(P - Y\big),\quad "
    r"P_{i,:} = \operatorname{softmax}(Z_{i,:})",
    wrt="Z",
    value=softmax_cross_entropy_batch,
    derivative=grad_softmax_cross_entropy_batch,
    symbolic=_sp_softmax_ce_batch,
    sample=_sampler(softmax_cross_entropy_batch, {"Y": "one-hot"}, base=1),
    derivation=r"""
Row $i$ of $Z$ enters only the $i$-th term, whose gradient is
$\operatorname{softmax}(Z_{i,:}) - Y_{i,:}$ (one-hot rows sum to 1); stacking the rows and
dividing by the batch size gives $\tfrac1m (P - Y)$, the upstream gradient of a classifier's
logits. The Hessian is block diagonal over the rows: in a direction $V$ the gradient changes
by $\tfrac1m (P \odot V - P \odot ((P \odot V)\mathbf 1 \mathbf 1^\top))$.
""",
    hessian=hess_softmax_cross_entropy_batch,
    hessian_formula=r"\nabla_Z^2\,[V] = \frac1m \Big(P \odot V - P \odot \big((P \odot V)"
    r"\mathbf 1 \mathbf 1^\top\big)\Big)",
    mistakes=(
        Mistake(
            r"P - Y",
            lambda Z, Y: _softmax(Z) - Y,
            "forgets the 1/m of the batch mean",
        ),
        Mistake(
            r"\frac1m \big(\operatorname{softmax}_{\text{col}}(Z) - Y\big)",
            lambda Z, Y: (_softmax(Z, axis=0) - Y) / Z.shape[0],
            "normalizes the softmax over the batch (axis 0) instead of over the classes",
        ),
    ),
    conventions={
        "numerator": r"\frac1m (P - Y)^\top\ \text{(shaped like } Z^\top\text{, } k \times m\text{)}"
    },
    related=("losses.softmax-ce-onehot", "losses.multinomial-W-kd", "losses.multinomial-W-dk"),
    assumptions="each row of Y one-hot (or summing to 1); softmax over each row (the classes); "
    "k >= 2; the mean over the m rows",
    sources=(f"{DLBOOK}, section 6.2.2.3", f"{BISHOP}, section 4.3.4"),
    keywords=(
        "softmax cross-entropy",
        "batch",
        "logits",
        "(P - Y) / m",
        "classification loss",
        "CrossEntropyLoss",
        "minibatch",
    ),
)


def _multinomial_sizes(rng, n, layout):
    # d = n features, k = n + 1 >= 2 classes, m = n + 2 samples: all distinct.
    d, k, m = n, n + 1, n + 2
    Y = shapes.STRUCTURES["one-hot"][0](rng, (m, k))
    W = rng.standard_normal((k, d) if layout == "kd" else (d, k))
    return {"W": W, "X": rng.standard_normal((m, d)), "Y": np.asarray(Y, dtype=float)}


@shaped
def multinomial_kd(W: Arr["k d"], X: Arr["m d"], Y: Arr["m k"]):
    """Mean cross-entropy of the scores ``X W^T`` (``W`` is classes x features) against ``Y``.

    >>> float(multinomial_kd(np.zeros((2, 3)), np.ones((1, 3)), np.array([[0.0, 1.0]]))) == float(np.log(2))
    True
    """
    S = X @ W.T
    return -np.sum(Y * (S - _logsumexp(S)[:, None])) / X.shape[0]


@shaped_like(multinomial_kd)
def grad_multinomial_kd(W, X, Y):
    """Gradient in ``W`` (k x d) of the mean cross-entropy of ``X W^T``: ``(P - Y)^T X / m``."""
    return (_softmax(X @ W.T) - Y).T @ X / X.shape[0]


@shaped_like(multinomial_kd)
def hess_multinomial_kd(W, X, Y):
    """Hessian in ``W`` (k x d), shape (k, d, k, d): ``sum_i (diag(p_i) - p_i p_i^T) (x) x_i x_i^T / m``."""
    P = _softmax(X @ W.T)
    blocks = np.einsum("ia,ac->iac", P, np.eye(W.shape[0])) - np.einsum("ia,ic->iac", P, P)
    return np.einsum("iac,ib,ie->abce", blocks, X, X) / X.shape[0]


def _sp_multinomial(S, Y):
    import sympy as sp

    Y = _normalized(Y)
    value = sum(_sp_cross_entropy(S[i, :].T, Y[i, :].T) for i in range(S.rows)) / S.rows
    P = sp.Matrix.vstack(*[_sp_softmax(S[i, :]) for i in range(S.rows)])
    return value, P - Y


def _sp_multinomial_kd(W, X, Y):
    value, residual = _sp_multinomial(X * W.T, Y)
    return value, residual.T * X / X.rows


_register(
    id="losses.multinomial-W-kd",
    title="Multinomial logistic regression: gradient in W (classes x features), scores X W^T",
    formula=r"\nabla_W \left(-\frac1m \sum_{i=1}^m \sum_{j=1}^k Y_{ij} \log "
    r"\operatorname{softmax}(W x_i)_j\right) = \frac1m (P - Y)^\top X,\quad "
    r"P_{i,:} = \operatorname{softmax}\big((X W^\top)_{i,:}\big)",
    wrt="W",
    value=multinomial_kd,
    derivative=grad_multinomial_kd,
    symbolic=_sp_multinomial_kd,
    sample=lambda rng, n: _multinomial_sizes(rng, n, "kd"),
    derivation=r"""
The scores are $S = X W^\top$ ($m \times k$), and the loss has gradient
$G = \tfrac1m (P - Y)$ with respect to $S$ (the batch softmax cross-entropy). Then
$dS = X\, dW^\top$ and $\langle G, dS\rangle = \operatorname{tr}(G^\top X\, dW^\top) =
\operatorname{tr}(dW\, X^\top G) = \langle G^\top X, dW\rangle$, so
$\nabla_W = \tfrac1m (P - Y)^\top X$, shaped like $W$ ($k \times d$). Row $c$ of $W$ receives
$\tfrac1m \sum_i (p_{ic} - y_{ic}) x_i$. The Hessian sums, over the samples, the softmax
Jacobian $\operatorname{diag}(p_i) - p_i p_i^\top$ (over the classes) times $x_i x_i^\top$
(over the features).
""",
    hessian=hess_multinomial_kd,
    hessian_formula=r"\nabla_W^2\,[V] = \frac1m \Big(P \odot D - P \odot \big((P \odot D)"
    r"\mathbf 1 \mathbf 1^\top\big)\Big)^\top X,\quad D = X V^\top",
    mistakes=(
        Mistake(
            r"\frac1m X^\top (P - Y)",
            lambda W, X, Y: X.T @ (_softmax(X @ W.T) - Y) / X.shape[0],
            "the formula of the other layout (W features x classes), shaped like W^T",
        ),
        Mistake(
            r"\frac1m (Y - P)^\top X",
            lambda W, X, Y: (Y - _softmax(X @ W.T)).T @ X / X.shape[0],
            "the gradient of the log-likelihood, of the opposite sign",
        ),
    ),
    conventions={"numerator": r"\frac1m X^\top (P - Y)\ \text{(shaped like } W^\top\text{)}"},
    related=("losses.multinomial-W-dk", "losses.softmax-ce-batch", "losses.logistic-01-mean-w"),
    assumptions="W is k x d (one row of weights per class, as in a linear layer's weight "
    "matrix); each row of Y one-hot (or summing to 1); x_i^T is the i-th row of X; the mean "
    "over the m samples",
    sources=(f"{BISHOP}, section 4.3.4", MURPHY),
    keywords=(
        "multinomial logistic regression",
        "softmax regression",
        "multiclass logistic regression",
        "linear layer",
        "weight matrix",
        "(P - Y)^T X",
        "cross-entropy",
        "nn.Linear",
    ),
)


@shaped
def multinomial_dk(W: Arr["d k"], X: Arr["m d"], Y: Arr["m k"]):
    """Mean cross-entropy of the scores ``X W`` (``W`` is features x classes) against ``Y``.

    >>> float(multinomial_dk(np.zeros((3, 2)), np.ones((1, 3)), np.array([[0.0, 1.0]]))) == float(np.log(2))
    True
    """
    S = X @ W
    return -np.sum(Y * (S - _logsumexp(S)[:, None])) / X.shape[0]


@shaped_like(multinomial_dk)
def grad_multinomial_dk(W, X, Y):
    """Gradient in ``W`` (d x k) of the mean cross-entropy of ``X W``: ``X^T (P - Y) / m``."""
    return X.T @ (_softmax(X @ W) - Y) / X.shape[0]


@shaped_like(multinomial_dk)
def hess_multinomial_dk(W, X, Y):
    """Hessian in ``W`` (d x k), shape (d, k, d, k): ``sum_i x_i x_i^T (x) (diag(p_i) - p_i p_i^T) / m``."""
    P = _softmax(X @ W)
    blocks = np.einsum("ia,ac->iac", P, np.eye(W.shape[1])) - np.einsum("ia,ic->iac", P, P)
    return np.einsum("ib,ie,iac->baec", X, X, blocks) / X.shape[0]


def _sp_multinomial_dk(W, X, Y):
    value, residual = _sp_multinomial(X * W, Y)
    return value, X.T * residual / X.rows


_register(
    id="losses.multinomial-W-dk",
    title="Multinomial logistic regression: gradient in W (features x classes), scores X W",
    formula=r"\nabla_W \left(-\frac1m \sum_{i=1}^m \sum_{j=1}^k Y_{ij} \log "
    r"\operatorname{softmax}(W^\top x_i)_j\right) = \frac1m X^\top (P - Y),\quad "
    r"P_{i,:} = \operatorname{softmax}\big((X W)_{i,:}\big)",
    wrt="W",
    value=multinomial_dk,
    derivative=grad_multinomial_dk,
    symbolic=_sp_multinomial_dk,
    sample=lambda rng, n: _multinomial_sizes(rng, n, "dk"),
    derivation=r"""
The scores are $S = XW$ ($m \times k$) and the gradient of the loss with respect to $S$ is
$G = \tfrac1m (P - Y)$. With $dS = X\, dW$, $\langle G, X\, dW\rangle =
\langle X^\top G, dW\rangle$, so $\nabla_W = \tfrac1m X^\top (P - Y)$, shaped like $W$
($d \times k$): the transpose of the other layout's $\tfrac1m (P - Y)^\top X$, as it must be
for $W$ replaced by $W^\top$. The Hessian is the same sum of Kronecker-structured blocks,
with the feature and class axes in this layout's order.
""",
    hessian=hess_multinomial_dk,
    hessian_formula=r"\nabla_W^2\,[V] = \frac1m X^\top \Big(P \odot D - P \odot \big((P \odot D)"
    r"\mathbf 1 \mathbf 1^\top\big)\Big),\quad D = X V",
    mistakes=(
        Mistake(
            r"\frac1m (P - Y)^\top X",
            lambda W, X, Y: (_softmax(X @ W) - Y).T @ X / X.shape[0],
            "the formula of the other layout (W classes x features), shaped like W^T",
        ),
        Mistake(
            r"X^\top (P - Y)",
            lambda W, X, Y: X.T @ (_softmax(X @ W) - Y),
            "forgets the 1/m of the mean",
        ),
    ),
    conventions={"numerator": r"\frac1m (P - Y)^\top X\ \text{(shaped like } W^\top\text{)}"},
    related=("losses.multinomial-W-kd", "losses.softmax-ce-batch", "losses.least-squares-matrix-W"),
    assumptions="W is d x k (one column of weights per class); each row of Y one-hot (or "
    "summing to 1); x_i^T is the i-th row of X; the mean over the m samples",
    sources=(f"{BISHOP}, section 4.3.4", MURPHY),
    keywords=(
        "multinomial logistic regression",
        "softmax regression",
        "multiclass logistic regression",
        "X^T (P - Y)",
        "cross-entropy",
        "weight matrix",
    ),
)


@shaped
def softmax_ce_directional(z: Arr["k"], y: Arr["k"], v: Arr["k"]):
    """Directional derivative ``<softmax(z) - y, v>`` of the cross-entropy along ``v``.

    >>> float(softmax_ce_directional(np.zeros(2), np.array([1.0, 0.0]), np.array([1.0, 1.0])))
    0.0
    """
    return (_softmax(z) - y) @ v


@shaped_like(softmax_ce_directional)
def hvp_softmax_ce(z, y, v):
    """Hessian-vector product of the cross-entropy in the logits: ``p * v - p (p^T v)``."""
    p = _softmax(z)
    return p * v - p * (p @ v)


@shaped_like(softmax_ce_directional)
def hess_softmax_ce_directional(z, y, v):
    """Derivative of ``H v`` in ``z``: ``diag(u) - u p^T - p u^T`` with ``u = H v``."""
    p = _softmax(z)
    u = p * v - p * (p @ v)
    return np.diag(u) - np.outer(u, p) - np.outer(p, u)


def _sp_softmax_ce_directional(z, y, v):
    p = _sp_softmax(z)
    return ((p - y).T * v)[0, 0], p.multiply_elementwise(v) - p * (p.T * v)[0, 0]


_register(
    id="losses.softmax-ce-hvp",
    title="Hessian-vector product of the softmax cross-entropy in the logits",
    formula=r"\nabla_z \left\langle \operatorname{softmax}(z) - y,\, v \right\rangle = "
    r"p \odot v - p\, (p^\top v),\quad p = \operatorname{softmax}(z)",
    wrt="z",
    value=softmax_ce_directional,
    derivative=hvp_softmax_ce,
    symbolic=_sp_softmax_ce_directional,
    sample=_sampler(softmax_ce_directional, {"y": "one-hot"}, base=1),
    derivation=r"""
The gradient of the cross-entropy in the logits is $p - y$ (labels summing to 1), so its
directional derivative along $v$ is $g(z) = \langle p - y, v\rangle$. With
$dp = (\operatorname{diag}(p) - p p^\top)\, dz$ (symmetric), $dg = \langle
(\operatorname{diag}(p) - p p^\top) v, dz\rangle$, so $\nabla_z g = Hv = p \odot v -
p\,(p^\top v)$: $O(k)$ work, and a reader never forms the $k \times k$ Hessian. Its own
derivative (the third derivative along $v$) is $\operatorname{diag}(u) - u p^\top -
p u^\top$ with $u = Hv$.
""",
    hessian=hess_softmax_ce_directional,
    hessian_formula=r"\nabla_z^2 \langle p - y, v\rangle = \operatorname{diag}(u) - u p^\top - "
    r"p u^\top,\quad u = p \odot v - p\,(p^\top v)",
    mistakes=(
        Mistake(
            r"p \odot v",
            lambda z, y, v: _softmax(z) * v,
            "keeps only the diagonal of the softmax Jacobian and drops -p p^T",
        ),
        Mistake(
            r"p \odot (1 - p) \odot v",
            lambda z, y, v: _softmax(z) * (1 - _softmax(z)) * v,
            "treats the softmax as k independent sigmoids (the diagonal of diag(p) - p p^T only)",
        ),
    ),
    conventions={"numerator": r"\big(p \odot v - p\, (p^\top v)\big)^\top"},
    related=("losses.softmax-ce-onehot", "losses.logistic-hvp", "losses.least-squares-hvp"),
    assumptions="v is a fixed direction; y one-hot or summing to 1, so the gradient is p - y "
    "(y does not enter H v)",
    sources=(PEARLMUTTER, f"{DLBOOK}, section 6.2.2.3"),
    keywords=(
        "Hessian-vector product",
        "HVP",
        "softmax Jacobian",
        "Gauss-Newton",
        "Pearlmutter",
        "softmax cross-entropy",
        "diag(p) - p p^T",
    ),
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "softmax-cross-entropy",
    "Softmax cross-entropy",
    (
        "losses.softmax-ce-onehot",
        "losses.softmax-ce-soft",
        "losses.softmax-ce-batch",
        "losses.multinomial-W-kd",
        "losses.multinomial-W-dk",
        "losses.softmax-ce-hvp",
    ),
)
