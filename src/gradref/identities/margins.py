"""Margin, ranking and contrastive losses: hinge, multiclass SVM, triplet, InfoNCE, focal.

The hinge-type losses (hinge, Crammer-Singer, Weston-Watkins, triplet) are piecewise linear
or quadratic: their gradient exists away from the kinks, where a margin equals its
threshold, and is the one stated; at a kink any convex combination of the two one-sided
gradients is a subgradient. The samplers place every margin at least 0.2 from its kink by
construction (they move the inputs so that each margin takes a value drawn away from it),
and put the first sample on the active side, so that no gradient is zero by accident.
The squared hinge loss is ``losses.squared-hinge-w``; plain cross-entropy is in ``losses``.
"""

import numpy as np

from gradref import shapes
from gradref.catalog import Identity, Mistake, register
from gradref.shapes import Arr, shaped, shaped_like

MURPHY = "Murphy, *Probabilistic Machine Learning: An Introduction* (2022)"
SHALEV = (
    "Shalev-Shwartz & Ben-David, *Understanding Machine Learning: From Theory to Algorithms* (2014)"
)
CRAMMER = (
    'Crammer & Singer, "On the algorithmic implementation of multiclass kernel-based vector '
    'machines", *Journal of Machine Learning Research* 2 (2001), pp. 265-292'
)
WESTON = (
    'Weston & Watkins, "Support vector machines for multi-class pattern recognition", '
    "*Proceedings of ESANN* (1999), pp. 219-224"
)
FACENET = (
    'Schroff, Kalenichenko & Philbin, "FaceNet: A unified embedding for face recognition and '
    'clustering", *CVPR* (2015)'
)
CPC = (
    'van den Oord, Li & Vinyals, "Representation learning with contrastive predictive coding", '
    "arXiv:1807.03748 (2018)"
)
FOCAL = 'Lin, Goyal, Girshick, He & Dollar, "Focal loss for dense object detection", *ICCV* (2017)'
TORCH_CE = "PyTorch documentation, `torch.nn.CrossEntropyLoss` (the `weight` argument)"


def _register(**fields):
    return register(Identity(kind="gradient", **fields))


def _logsumexp(z, axis=-1):
    # log sum exp along `axis`, shifted by the largest real part (analytic for the complex step).
    top = np.max(np.real(z), axis=axis, keepdims=True)
    return np.squeeze(top + np.log(np.sum(np.exp(z - top), axis=axis, keepdims=True)), axis)


def _softmax(z, axis=-1):
    e = np.exp(z - np.max(np.real(z), axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _sigmoid(t):
    # 1 / (1 + e^-t), with the exponent's real part <= 0.
    nonnegative = np.real(t) >= 0
    e = np.exp(np.where(nonnegative, -t, t))
    return np.where(nonnegative, 1, e) / (1 + e)


def _log_sigmoid(t):
    # log sigmoid(t) = -log(1 + e^-t) = min(t, 0) - log(1 + e^-|t|).
    nonnegative = np.real(t) >= 0
    return np.where(nonnegative, 0, t) - np.log1p(np.exp(np.where(nonnegative, -t, t)))


def _one_hot(rng, m, k):
    return np.eye(k)[rng.integers(k, size=m)]


def _well_conditioned_rows(rng, k, d):
    # A k x d matrix (k < d) with singular values in [1, 2]: W x = s is solvable, x moderate.
    left = shapes.STRUCTURES["orthogonal"][0](rng, (k, k))
    right = shapes.STRUCTURES["orthogonal"][0](rng, (d, d))[:k]
    return left @ (rng.uniform(1.0, 2.0, k)[:, None] * right)


def _away(rng, size, low=(-2.0, -0.2), high=(0.2, 2.0)):
    # Values at least 0.2 from 0, on either side at random.
    positive = rng.random(size) < 0.5
    return np.where(positive, rng.uniform(*high, size), rng.uniform(*low, size))


# -- the hinge loss of a linear classifier -------------------------------------------------


def _sample_hinge(rng, n):
    # d = n features, m = n + 1 samples; labels +-1 with y_1 = -1. Each row of X is moved
    # along w so that its margin y_i x_i^T w lies in [-2, 0.8] (active) or [1.2, 3] (inactive),
    # at least 0.2 from the kink at 1; the first margin lies in [0.2, 0.8] (active, yet on the
    # correct side of the decision boundary).
    d, m = n, n + 1
    X, w = rng.standard_normal((m, d)), rng.standard_normal(d)
    y = rng.choice([-1.0, 1.0], size=m)
    y[0] = -1.0
    active = rng.random(m) < 0.6
    margin = np.where(active, rng.uniform(-2.0, 0.8, m), rng.uniform(1.2, 3.0, m))
    margin[0] = rng.uniform(0.2, 0.8)
    X = X + np.outer(y * margin - X @ w, w) / (w @ w)
    return {"X": X, "y": y, "w": w}


@shaped
def hinge(X: Arr["m d"], y: Arr["m"], w: Arr["d"]):
    """Hinge loss ``sum_i max(0, 1 - y_i x_i^T w)`` of a linear classifier, labels in {-1, 1}.

    >>> float(hinge(np.eye(2), np.array([1.0, -1.0]), np.array([0.5, -2.0])))
    0.5
    """
    slack = 1 - y * (X @ w)
    return np.sum(np.where(np.real(slack) > 0, slack, 0))


@shaped_like(hinge)
def grad_hinge(X, y, w):
    """Gradient of the hinge loss away from the kinks: ``-X^T (y * 1[y * X w < 1])``.

    >>> grad_hinge(np.eye(2), np.array([1.0, -1.0]), np.array([0.5, -2.0]))
    array([-1.,  0.])
    """
    return -X.T @ (y * (np.real(y * (X @ w)) < 1))


def _sp_hinge(X, y, w):
    import sympy as sp

    margin = (X * w).multiply_elementwise(y)
    value = sum(sp.Piecewise((1 - mi, mi < 1), (0, True)) for mi in margin)
    # entry j as sum_i Piecewise(-y_i X_ij, margin_i < 1): the factor inside each piece, where
    # sympy's derivative of a Piecewise puts it.
    gradient = sp.Matrix(
        X.cols,
        1,
        lambda j, _: sum(
            sp.Piecewise((-y[i] * X[i, j], mi < 1), (0, True)) for i, mi in enumerate(margin)
        ),
    )
    return value, gradient


_register(
    id="margins.hinge-w",
    title="Gradient of the hinge loss of a linear classifier (away from the kinks)",
    formula=r"\nabla_w \sum_{i=1}^m \max(0,\, 1 - y_i x_i^\top w) = "
    r"-X^\top \big(y \odot \mathbb 1[y \odot X w < 1]\big)",
    wrt="w",
    value=hinge,
    derivative=grad_hinge,
    symbolic=_sp_hinge,
    sample=_sample_hinge,
    derivation=r"""
With the margins $\mu_i = y_i x_i^\top w$, the term $\max(0, 1 - \mu_i)$ has slope $-1$ in
$\mu_i$ where $\mu_i < 1$ (the sample is inside the margin or misclassified) and $0$ where
$\mu_i > 1$. As $d\mu = y \odot X\,dw$, the gradient is
$-\sum_{\mu_i < 1} y_i x_i = -X^\top(y \odot \mathbb 1[\mu < 1])$: only the samples that
violate the margin contribute, each pulling $w$ towards $y_i x_i$. At a kink $\mu_i = 1$
the loss is not differentiable; its subdifferential there is the segment
$\{-t\, y_i x_i : t \in [0, 1]\}$ (plus the other samples' terms), and a solver may use any
point of it. The gradient is piecewise constant in $w$, so the Hessian is zero away from the
kinks. The sample keeps every margin at least 0.2 from 1.
""",
    mistakes=(
        Mistake(
            r"-X^\top \big(y \odot \mathbb 1[y \odot X w > 1]\big)",
            lambda X, y, w: -X.T @ (y * (np.real(y * (X @ w)) > 1)),
            "counts the samples on the wrong side of the hinge: those beyond the margin, whose "
            "term is the constant 0",
        ),
        Mistake(
            r"-X^\top \big(y \odot \mathbb 1[y \odot X w < 0]\big)",
            lambda X, y, w: -X.T @ (y * (np.real(y * (X @ w)) < 0)),
            "the perceptron's kink at 0 instead of the hinge's at 1: misses the correctly "
            "classified samples inside the margin",
        ),
        Mistake(
            r"-X^\top \mathbb 1[y \odot X w < 1]",
            lambda X, y, w: -X.T @ (np.real(y * (X @ w)) < 1).astype(float),
            "drops the label y_i of the inner derivative of the margin",
        ),
    ),
    conventions={"numerator": r"-\big(y \odot \mathbb 1[y \odot X w < 1]\big)^\top X"},
    related=("losses.squared-hinge-w", "margins.crammer-singer-W", "losses.logistic-pm1-mean-w"),
    assumptions="labels y in {-1, 1}; no margin y_i x_i^T w exactly 1 (the kink: there the "
    "loss has only subgradients, -t y_i x_i with t in [0, 1] for that sample's term); the sum "
    "over samples, without a regularizer; the Hessian is zero away from the kinks (not listed: "
    "the gradient is only piecewise constant)",
    sources=(f"{SHALEV}, chapters 14 and 15", f"{MURPHY}, section 17.3"),
    keywords=(
        "hinge loss",
        "SVM",
        "support vector machine",
        "subgradient of the hinge loss",
        "max(0 1 - y w^T x)",
        "margin",
        "L1-SVM",
        "HingeEmbeddingLoss",
    ),
)


# -- multiclass SVM losses: Crammer-Singer and Weston-Watkins -------------------------------


def _multiclass_sizes(n):
    # k = n + 1 >= 2 classes, d = n + 2 features (d > k: a score row is any vector),
    # m = n + 3 samples: all distinct.
    return n + 1, n + 2, n + 3


def _rows_with_scores(rng, W, S):
    # Rows x_i with W x_i = S_i: a random x moved by W^+ (W has full row rank).
    X = rng.standard_normal((S.shape[0], W.shape[1]))
    return X + (S - X @ W.T) @ np.linalg.pinv(W).T


def _sample_crammer_singer(rng, n):
    # The margin-augmented scores A = 1 - Y + S: in each row one entry (the winner) exceeds
    # every other by at least 0.3, so the argmax is unique and stays put under small steps.
    # Row 1's winner is a wrong class, with the true class 0.3-0.8 below it (active, and its
    # plain score S_ic above the winner's). Other rows: the true class wins (loss 0) or not.
    k, d, m = _multiclass_sizes(n)
    Y = _one_hot(rng, m, k)
    truth = Y.argmax(axis=1)
    A = np.empty((m, k))
    for i in range(m):
        winner = int(rng.integers(k))
        if i == 0:
            winner = (truth[0] + 1 + int(rng.integers(k - 1))) % k
        A[i] = -rng.uniform(0.3, 2.0, k)
        A[i, winner] = 0.0
        if i == 0:
            A[0, truth[0]] = -rng.uniform(0.3, 0.8)
    A += rng.uniform(-1.0, 1.0, (m, 1))
    W = _well_conditioned_rows(rng, k, d)
    return {"W": W, "X": _rows_with_scores(rng, W, A - 1 + Y), "Y": Y}


@shaped
def crammer_singer(W: Arr["k d"], X: Arr["m d"], Y: Arr["m k"]):
    """Crammer-Singer loss ``sum_i max_c (1 - Y_ic + s_ic) - s_i,y_i`` of the scores ``S = X W^T``.

    >>> Y = np.array([[0.0, 1.0], [0.0, 1.0]])
    >>> float(crammer_singer(np.eye(2), np.diag([1.0, 3.0]), Y))
    2.0
    """
    A = 1 - Y + X @ W.T
    winners = _winners(W, X, Y)[:, None]
    return np.sum(np.take_along_axis(A, winners, axis=1)) - np.sum(Y * (X @ W.T))


def _winners(W, X, Y):
    return np.argmax(np.real(1 - Y + X @ W.T), axis=1)


@shaped_like(crammer_singer)
def grad_crammer_singer(W, X, Y):
    """Gradient of the Crammer-Singer loss in ``W``: ``(E - Y)^T X``, ``E`` the one-hot argmax rows.

    >>> grad_crammer_singer(np.eye(2), np.diag([1.0, 3.0]), np.array([[0.0, 1.0], [0.0, 1.0]]))
    array([[ 1.,  0.],
           [-1.,  0.]])
    """
    E = np.eye(W.shape[0])[_winners(W, X, Y)]
    return (E - Y).T @ X


def _sp_crammer_singer(W, X, Y):
    import sympy as sp

    S = X * W.T
    k = W.rows
    value, gradient = sp.Integer(0), sp.zeros(W.rows, W.cols)
    for i in range(X.rows):
        a = [1 - Y[i, c] + S[i, c] for c in range(k)]
        wins = [sp.And(*[a[c] > a[j] for j in range(k) if j != c]) for c in range(k)]
        true_score = sum(Y[i, c] * S[i, c] for c in range(k))
        value += sp.Piecewise(*[(a[c] - true_score, wins[c]) for c in range(k)], (0, True))
        for r in range(W.rows):
            for col in range(W.cols):
                # the derivative of branch c: (delta_rc - Y_ir) X_i,col, inside its piece
                branches = [
                    (((1 if r == c else 0) - Y[i, r]) * X[i, col], wins[c]) for c in range(k)
                ]
                gradient[r, col] += sp.Piecewise(*branches, (0, True))
    return value, gradient


_register(
    id="margins.crammer-singer-W",
    title="Gradient of the Crammer-Singer multiclass SVM loss with respect to the weights",
    formula=r"\nabla_W \sum_{i=1}^m \Big(\max_c\,(1 - Y_{ic} + S_{ic}) - "
    r"\textstyle\sum_c Y_{ic} S_{ic}\Big) = (E - Y)^\top X",
    where=(
        r"S = X W^\top",
        r"E = \operatorname{onehot}(S - Y)",
    ),
    wrt="W",
    value=crammer_singer,
    derivative=grad_crammer_singer,
    symbolic=_sp_crammer_singer,
    sample=_sample_crammer_singer,
    symbolic_dims=(1,),  # exact at k = 2, d = 3, m = 4 (0.4 s); 2 takes 3.8 s; numerics at 1-8
    derivation=r"""
With one-hot labels $Y$, the term of sample $i$ is $\max_c (\Delta_{ic} + S_{ic}) - S_{iy_i}$
with the margin $\Delta_{ic} = 1 - Y_{ic}$ (0 for the true class, 1 for the others): it is 0
when the true score beats every other by at least 1, and otherwise the largest violation
$1 + S_{ic} - S_{iy_i}$. Where the maximiser $c^*_i$ is unique, the maximum is locally the
linear function $\Delta_{ic^*} + S_{ic^*}$, so $d\ell_i = \langle e_{c^*_i} - y_i,
dS_{i,:}\rangle$; with $dS = X\, dW^\top$ the rows add up to $\nabla_W = (E - Y)^\top X$,
$E$ the one-hot rows of the maximisers ($\operatorname{onehot}$ puts a 1 at each row's largest
entry; the constant 1 of the margin does not move it, so $E = \operatorname{onehot}(S - Y)$).
A sample whose true class wins ($E_{i,:} = Y_{i,:}$)
contributes nothing; any other pushes its winning wrong class down and its true class up.
Where two classes tie for the maximum the loss has a kink, and the subgradients are the
convex combinations of the tied classes' rows. The sample keeps each row's winner 0.3
ahead of the rest.
""",
    mistakes=(
        Mistake(
            r"\big(\operatorname{onehot}(X W^\top) - Y\big)^\top X",
            lambda W, X, Y: (np.eye(W.shape[0])[np.argmax(np.real(X @ W.T), axis=1)] - Y).T @ X,
            "takes the argmax of the plain scores instead of the margin-augmented ones: forgets "
            "the margin 1 - Y_ic inside the max, so a sample whose true class wins by less than "
            "1 contributes nothing",
        ),
        Mistake(
            r"E^\top X",
            lambda W, X, Y: (np.eye(W.shape[0])[_winners(W, X, Y)]).T @ X,
            "drops the -Y term: forgets that the true class's score enters every term too",
        ),
    ),
    conventions={"numerator": r"X^\top (E - Y)\ \text{(shaped like } W^\top\text{)}"},
    related=("margins.weston-watkins-W", "margins.hinge-w", "losses.multinomial-W-kd"),
    assumptions="one-hot labels Y (rows of the identity); W is classes x features, scores "
    "S = X W^T; in every row of 1 - Y + S a unique maximum (no tie: at a tie the loss has a "
    "kink and only subgradients, the convex combinations of the tied classes' e_c - y_i); the "
    "sum over samples, without a regularizer; the Hessian is zero away from the ties",
    sources=(f"{CRAMMER}, section 2", f"{MURPHY}, section 17.3"),
    keywords=(
        "Crammer-Singer loss",
        "multiclass SVM",
        "multiclass hinge loss",
        "structured hinge loss",
        "loss-augmented inference",
        "max-margin",
    ),
)


def _sample_weston_watkins(rng, n):
    # Scores with the true class at 0 and each other class's margin 1 + S_ij - S_iy_i at least
    # 0.2 from 0 (its kink); row 1 has a violated margin in [0.2, 0.8], where the true class
    # still wins the plain scores.
    k, d, m = _multiclass_sizes(n)
    Y = _one_hot(rng, m, k)
    margins = _away(rng, (m, k))
    row = 0
    other = (int(Y[row].argmax()) + 1 + int(rng.integers(k - 1))) % k
    margins[row, other] = rng.uniform(0.2, 0.8)
    S = (margins - 1) * (1 - Y) + rng.uniform(-1.0, 1.0, (m, 1))
    W = _well_conditioned_rows(rng, k, d)
    return {"W": W, "X": _rows_with_scores(rng, W, S), "Y": Y}


def _violations(W, X, Y):
    # M_ij = 1 for a wrong class j whose margin 1 + S_ij - S_iy_i is positive.
    S = X @ W.T
    true_score = np.sum(Y * S, axis=1, keepdims=True)
    return (1 - Y) * (np.real(1 + S - true_score) > 0)


@shaped
def weston_watkins(W: Arr["k d"], X: Arr["m d"], Y: Arr["m k"]):
    """Weston-Watkins loss ``sum_i sum_{j != y_i} max(0, 1 + s_ij - s_iy_i)``, scores ``S = X W^T``.

    >>> Y = np.array([[0.0, 1.0], [0.0, 1.0]])
    >>> float(weston_watkins(np.eye(2), np.diag([1.0, 3.0]), Y))
    2.0
    """
    S = X @ W.T
    true_score = np.sum(Y * S, axis=1, keepdims=True)
    return np.sum(_violations(W, X, Y) * (1 + S - true_score))


@shaped_like(weston_watkins)
def grad_weston_watkins(W, X, Y):
    """Gradient of the Weston-Watkins loss in ``W``: ``(M - diag(M 1) Y)^T X``, ``M`` the violations.

    >>> grad_weston_watkins(np.eye(2), np.diag([1.0, 3.0]), np.array([[0.0, 1.0], [0.0, 1.0]]))
    array([[ 1.,  0.],
           [-1.,  0.]])
    """
    M = _violations(W, X, Y)
    return (M - M.sum(axis=1, keepdims=True) * Y).T @ X


def _sp_weston_watkins(W, X, Y):
    import sympy as sp

    S = X * W.T
    value, gradient = sp.Integer(0), sp.zeros(W.rows, W.cols)
    for i in range(X.rows):
        true_score = sum(Y[i, c] * S[i, c] for c in range(W.rows))
        for j in range(W.rows):
            margin = 1 + S[i, j] - true_score
            value += (1 - Y[i, j]) * sp.Piecewise((margin, margin > 0), (0, True))
            for r in range(W.rows):
                for col in range(W.cols):
                    # (1 - Y_ij)(delta_rj - Y_ir) X_i,col inside the piece, where sympy puts it
                    slope = ((1 if r == j else 0) - Y[i, r]) * X[i, col]
                    gradient[r, col] += (1 - Y[i, j]) * sp.Piecewise((slope, margin > 0), (0, True))
    return value, gradient


_register(
    id="margins.weston-watkins-W",
    title="Gradient of the Weston-Watkins multiclass SVM loss with respect to the weights",
    formula=r"\nabla_W \sum_{i=1}^m \sum_{j \ne y_i} \max(0,\, 1 + S_{ij} - S_{iy_i}) = "
    r"\big(M - \operatorname{diag}(M \mathbf 1)\, Y\big)^\top X",
    where=(
        r"S = X W^\top",
        r"M = \mathbb 1[S - (S \odot Y) \mathbf 1 \mathbf 1^\top + \mathbf 1 \mathbf 1^\top > 0]"
        r" - Y",
    ),
    wrt="W",
    value=weston_watkins,
    derivative=grad_weston_watkins,
    symbolic=_sp_weston_watkins,
    sample=_sample_weston_watkins,
    symbolic_dims=(1,),  # exact at k = 2, d = 3, m = 4 (0.3 s); 2 takes 2 s; numerics at 1-8
    derivation=r"""
Sample $i$ pays $\max(0, 1 + S_{ij} - S_{iy_i})$ for every wrong class $j$ whose score comes
within 1 of the true one. Away from the kinks each term is $0$ or the linear function
$1 + S_{ij} - S_{iy_i}$, with differential $dS_{ij} - dS_{iy_i}$. With $M_{ij} = 1$ for the
violated margins (the indicator of positive margins minus $Y$, as the true class's own
"margin" is always 1), the upstream gradient of the scores is $M - \operatorname{diag}(M\mathbf 1)Y$:
$+1$ at each violating class, and minus the number of violations at the true class, which
enters every violated term. With $dS = X\,dW^\top$, $\nabla_W = (M - \operatorname{diag}(M
\mathbf 1) Y)^\top X$. Unlike Crammer-Singer, every violation counts, not only the largest.
At a margin exactly 0 the term has a kink, and its subgradient adds $t(e_j - y_i)x_i^\top$,
$t \in [0, 1]$. The sample keeps every margin at least 0.2 from 0.
""",
    mistakes=(
        Mistake(
            r"M^\top X",
            lambda W, X, Y: _violations(W, X, Y).T @ X,
            "drops the true class's column: forgets that S_iy_i enters every violated term",
        ),
        Mistake(
            r"\big(N - \operatorname{diag}(N \mathbf 1)\, Y\big)^\top X,\quad "
            r"N = \mathbb 1[S - (S \odot Y) \mathbf 1 \mathbf 1^\top > 0]",
            lambda W, X, Y: (lambda N: (N - N.sum(axis=1, keepdims=True) * Y).T @ X)(
                (1 - Y) * (np.real(X @ W.T - np.sum(Y * (X @ W.T), axis=1, keepdims=True)) > 0)
            ),
            "counts only the misclassifications (margin 0): forgets the 1 of the margin, so a "
            "wrong class within 1 of the true score is missed",
        ),
    ),
    conventions={
        "numerator": r"X^\top \big(M - \operatorname{diag}(M \mathbf 1)\, Y\big)"
        r"\ \text{(shaped like } W^\top\text{)}"
    },
    related=("margins.crammer-singer-W", "margins.hinge-w"),
    assumptions="one-hot labels Y; W is classes x features, scores S = X W^T; no margin "
    "1 + S_ij - S_iy_i exactly 0 (a kink: there only subgradients exist); the sum over samples "
    "and wrong classes, without a regularizer (PyTorch's MultiMarginLoss also divides by the "
    "number of classes); the Hessian is zero away from the kinks",
    sources=(f"{WESTON}, section 3", f"{MURPHY}, section 17.3"),
    keywords=(
        "Weston-Watkins loss",
        "multiclass SVM",
        "multiclass hinge loss",
        "MultiMarginLoss",
        "cs231n SVM loss",
        "one-vs-rest margins",
    ),
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "svm",
        "Hinge and multiclass SVM losses",
        (
            "margins.hinge-w",
            "margins.crammer-singer-W",
            "margins.weston-watkins-W",
        ),
    ),
)
