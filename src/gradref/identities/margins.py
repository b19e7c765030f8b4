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
SIMCLR = (
    'Chen, Kornblith, Norouzi & Hinton, "A simple framework for contrastive learning of visual '
    'representations", *ICML* (2020)'
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
    "over samples, without a regularizer; the Hessian is zero away from the kinks (the gradient "
    "is piecewise constant in w)",
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
    sources=(CRAMMER, f"{MURPHY}, section 17.3"),
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
    sources=(WESTON, f"{MURPHY}, section 17.3"),
    keywords=(
        "Weston-Watkins loss",
        "multiclass SVM",
        "multiclass hinge loss",
        "MultiMarginLoss",
        "cs231n SVM loss",
        "one-vs-rest margins",
    ),
)


# -- the triplet loss (FaceNet) --------------------------------------------------------------


def _sample_triplets(rng, n):
    # d = n, m = n + 1 triplets; alpha in [0.5, 1.5]. Each negative is placed on a sphere around
    # its anchor so that h_i = ||a_i - p_i||^2 - ||a_i - n_i||^2 + alpha lies in [0.2, D_i - 0.2]
    # (active) or [-2, -0.2] (inactive), D_i = ||a_i - p_i||^2 + alpha >= 0.5: at least 0.2 from
    # the kink at 0. The first triplet is active, the second (m >= 2) inactive.
    d, m = n, n + 1
    A, P = rng.standard_normal((m, d)), rng.standard_normal((m, d))
    alpha = rng.uniform(0.5, 1.5)
    D = np.sum((A - P) ** 2, axis=1) + alpha
    active = rng.random(m) < 0.6
    active[:2] = (True, False)
    h = np.where(active, rng.uniform(0.2, 1.0, m) * (D - 0.2), rng.uniform(-2.0, -0.2, m))
    h = np.where(active, np.maximum(h, 0.2), h)
    u = rng.standard_normal((m, d))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    N = A + np.sqrt(D - h)[:, None] * u
    return {"A": A, "P": P, "N": N, "alpha": np.float64(alpha)}


def _triplet_active(A, P, N, alpha):
    h = np.sum((A - P) ** 2, axis=1) - np.sum((A - N) ** 2, axis=1) + alpha
    return (np.real(h) > 0).astype(float)


@shaped
def triplet(A: Arr["m d"], P: Arr["m d"], N: Arr["m d"], alpha: Arr[""]):
    """Triplet loss ``sum_i max(0, ||a_i - p_i||^2 - ||a_i - n_i||^2 + alpha)``, rows as triplets.

    >>> float(triplet(np.zeros((1, 2)), np.ones((1, 2)), np.array([[3.0, 0.0]]), 0.5))
    0.0
    """
    h = np.sum((A - P) ** 2, axis=1) - np.sum((A - N) ** 2, axis=1) + alpha
    return np.sum(_triplet_active(A, P, N, alpha) * h)


@shaped_like(triplet)
def grad_triplet_anchor(A, P, N, alpha):
    """Gradient of the triplet loss in the anchors: ``2 diag(active) (N - P)``.

    >>> grad_triplet_anchor(np.zeros((1, 2)), np.ones((1, 2)), np.array([[1.0, 0.0]]), 0.5)
    array([[ 0., -2.]])
    """
    return 2 * _triplet_active(A, P, N, alpha)[:, None] * (N - P)


@shaped_like(triplet)
def grad_triplet_positive(A, P, N, alpha):
    """Gradient of the triplet loss in the positives: ``2 diag(active) (P - A)``.

    >>> grad_triplet_positive(np.zeros((1, 2)), np.ones((1, 2)), np.array([[1.0, 0.0]]), 0.5)
    array([[2., 2.]])
    """
    return 2 * _triplet_active(A, P, N, alpha)[:, None] * (P - A)


@shaped_like(triplet)
def grad_triplet_negative(A, P, N, alpha):
    """Gradient of the triplet loss in the negatives: ``2 diag(active) (A - N)``.

    >>> grad_triplet_negative(np.zeros((1, 2)), np.ones((1, 2)), np.array([[1.0, 0.0]]), 0.5)
    array([[-2., -0.]])
    """
    return 2 * _triplet_active(A, P, N, alpha)[:, None] * (A - N)


def hess_triplet_positive(A, P, N, alpha):
    """Hessian of the triplet loss in the positives: ``2 I`` on the active rows, shape (m, d, m, d)."""
    d = A.shape[1]
    rows = np.diag(_triplet_active(A, P, N, alpha))
    return 2 * np.einsum("ik,jl->ijkl", rows, np.eye(d))


def hess_triplet_negative(A, P, N, alpha):
    """Hessian of the triplet loss in the negatives: ``-2 I`` on the active rows, shape (m, d, m, d)."""
    return -hess_triplet_positive(A, P, N, alpha)


def _sp_triplet(which):
    def build(A, P, N, alpha):
        import sympy as sp

        value, gradient = sp.Integer(0), sp.zeros(A.rows, A.cols)
        for i in range(A.rows):
            h = sum((A[i, j] - P[i, j]) ** 2 - (A[i, j] - N[i, j]) ** 2 for j in range(A.cols))
            h += alpha
            value += sp.Piecewise((h, h > 0), (0, True))
            for j in range(A.cols):
                slope = {
                    "A": 2 * (N[i, j] - P[i, j]),
                    "P": 2 * (P[i, j] - A[i, j]),
                    "N": 2 * (A[i, j] - N[i, j]),
                }[which]
                gradient[i, j] = sp.Piecewise((slope, h > 0), (0, True))
        return value, gradient

    return build


_TRIPLET_WHERE = (
    r"h = (A - P)^{\odot 2}\, \mathbf 1 - (A - N)^{\odot 2}\, \mathbf 1 + \alpha \mathbf 1",
    r"D = \operatorname{diag}\big(\mathbb 1[h > 0]\big)",
)
_TRIPLET_ASSUMPTIONS = (
    "rows of A, P, N are the anchors, positives and negatives of m triplets (embeddings, "
    "unnormalised), alpha > 0; squared Euclidean distances as in FaceNet; no triplet exactly "
    "at the kink h_i = 0 (there only subgradients exist: t times the active gradient, t in "
    "[0, 1]); the sum over triplets"
)
_TRIPLET_KEYWORDS = (
    "triplet loss",
    "TripletMarginLoss",
    "FaceNet",
    "metric learning",
    "anchor positive negative",
    "ranking loss",
)


def _triplet_sum_latex():
    return r"\sum_{i=1}^m \max\!\big(0,\, \|a_i - p_i\|_2^2 - \|a_i - n_i\|_2^2 + \alpha\big)"


_register(
    id="margins.triplet-anchor",
    title="Gradient of the triplet loss with respect to the anchors",
    formula=r"\nabla_A " + _triplet_sum_latex() + r" = 2 D (N - P)",
    where=_TRIPLET_WHERE,
    wrt="A",
    value=triplet,
    derivative=grad_triplet_anchor,
    symbolic=_sp_triplet("A"),
    sample=_sample_triplets,
    derivation=r"""
For an active triplet ($h_i > 0$), $d\|a - p\|^2 = 2(a - p)^\top da$ and
$d\|a - n\|^2 = 2(a - n)^\top da$, so $dh_i = 2\big((a_i - p_i) - (a_i - n_i)\big)^\top da_i
= 2(n_i - p_i)^\top da_i$: the anchor moves towards its positive and away from its negative,
and the $a_i$ terms cancel. An inactive triplet contributes nothing. Stacking the rows,
$\nabla_A = 2D(N - P)$ with $D$ the diagonal of active triplets. As the quadratic terms in
$a_i$ cancel, the loss is piecewise linear in $A$: its Hessian is zero between the kinks.
""",
    mistakes=(
        Mistake(
            r"2 (N - P)",
            lambda A, P, N, alpha: 2 * (N - P),
            "drops the hinge: the gradient of the unclipped loss, also on satisfied triplets",
        ),
        Mistake(
            r"2 D (A - P)",
            lambda A, P, N, alpha: 2 * _triplet_active(A, P, N, alpha)[:, None] * (A - P),
            "differentiates only the positive distance: forgets that the anchor is also in "
            "the negative distance",
        ),
    ),
    conventions={"numerator": r"2 (N - P)^\top D\ \text{(shaped like } A^\top\text{)}"},
    related=("margins.triplet-positive", "margins.triplet-negative", "norms.squared"),
    assumptions=_TRIPLET_ASSUMPTIONS,
    sources=(f"{FACENET}, section 3.1",),
    keywords=_TRIPLET_KEYWORDS,
)

_register(
    id="margins.triplet-positive",
    title="Gradient and Hessian of the triplet loss with respect to the positives",
    formula=r"\nabla_P " + _triplet_sum_latex() + r" = 2 D (P - A)",
    where=_TRIPLET_WHERE,
    wrt="P",
    value=triplet,
    derivative=grad_triplet_positive,
    symbolic=_sp_triplet("P"),
    sample=_sample_triplets,
    derivation=r"""
Only the positive distance holds $p_i$: $d\|a_i - p_i\|^2 = -2(a_i - p_i)^\top dp_i
= 2(p_i - a_i)^\top dp_i$ on an active triplet, so each positive is pulled towards its
anchor: $\nabla_P = 2D(P - A)$. Between the kinks the Hessian is $2I$ on each active row
and 0 on the others.
""",
    hessian=hess_triplet_positive,
    hessian_formula=r"\nabla_P^2\,[V] = 2 D V",
    mistakes=(
        Mistake(
            r"2 D (A - P)",
            lambda A, P, N, alpha: 2 * _triplet_active(A, P, N, alpha)[:, None] * (A - P),
            "the derivative with respect to a of ||a - p||^2, whose sign is the opposite one for p",
        ),
        Mistake(
            r"2 (P - A)",
            lambda A, P, N, alpha: 2 * (P - A),
            "drops the hinge: pulls positives of already satisfied triplets too",
        ),
    ),
    conventions={"numerator": r"2 (P - A)^\top D\ \text{(shaped like } P^\top\text{)}"},
    related=("margins.triplet-anchor", "margins.triplet-negative"),
    assumptions=_TRIPLET_ASSUMPTIONS,
    sources=(f"{FACENET}, section 3.1",),
    keywords=_TRIPLET_KEYWORDS,
)

_register(
    id="margins.triplet-negative",
    title="Gradient and Hessian of the triplet loss with respect to the negatives",
    formula=r"\nabla_N " + _triplet_sum_latex() + r" = 2 D (A - N)",
    where=_TRIPLET_WHERE,
    wrt="N",
    value=triplet,
    derivative=grad_triplet_negative,
    symbolic=_sp_triplet("N"),
    sample=_sample_triplets,
    derivation=r"""
The negative enters with a minus sign: $-d\|a_i - n_i\|^2 = 2(a_i - n_i)^\top dn_i$ on an
active triplet, so descent moves each negative away from its anchor:
$\nabla_N = 2D(A - N)$. Between the kinks the Hessian is $-2I$ on each active row: the loss
is concave in $N$ there.
""",
    hessian=hess_triplet_negative,
    hessian_formula=r"\nabla_N^2\,[V] = -2 D V",
    mistakes=(
        Mistake(
            r"2 D (N - A)",
            lambda A, P, N, alpha: 2 * _triplet_active(A, P, N, alpha)[:, None] * (N - A),
            "forgets the minus sign of the negative distance: would pull negatives in",
        ),
        Mistake(
            r"2 (A - N)",
            lambda A, P, N, alpha: 2 * (A - N),
            "drops the hinge: pushes negatives of already satisfied triplets too",
        ),
    ),
    conventions={"numerator": r"2 (A - N)^\top D\ \text{(shaped like } N^\top\text{)}"},
    related=("margins.triplet-anchor", "margins.triplet-positive"),
    assumptions=_TRIPLET_ASSUMPTIONS,
    sources=(f"{FACENET}, section 3.1",),
    keywords=_TRIPLET_KEYWORDS,
)

# -- InfoNCE: a query against one positive and m - 1 negative keys ---------------------------


def _sample_infonce(rng, n):
    # d = n, m = n + 1 >= 2 keys, one of them positive (y one-hot); temperature in [0.5, 2].
    d, m = n, n + 1
    return {
        "q": rng.standard_normal(d),
        "K": rng.standard_normal((m, d)),
        "y": _one_hot(rng, 1, m)[0],
        "tau": np.float64(rng.uniform(0.5, 2.0)),
    }


@shaped
def infonce(q: Arr["d"], K: Arr["m d"], y: Arr["m"], tau: Arr[""]):
    """InfoNCE loss ``-log softmax(K q / tau)`` at the positive key (``y`` one-hot).

    >>> float(infonce(np.zeros(2), np.eye(2), np.array([1.0, 0.0]), 1.0)) == float(np.log(2))
    True
    """
    logits = K @ q / tau
    return _logsumexp(logits) - y @ logits


@shaped_like(infonce)
def grad_infonce_query(q, K, y, tau):
    """Gradient of InfoNCE in the query: ``K^T (softmax(K q / tau) - y) / tau``.

    >>> grad_infonce_query(np.zeros(2), np.eye(2), np.array([1.0, 0.0]), 1.0)
    array([-0.5,  0.5])
    """
    return K.T @ (_softmax(K @ q / tau) - y) / tau


@shaped_like(infonce)
def hess_infonce_query(q, K, y, tau):
    """Hessian of InfoNCE in the query: ``K^T (diag(p) - p p^T) K / tau^2``."""
    p = _softmax(K @ q / tau)
    return K.T @ (np.diag(p) - np.outer(p, p)) @ K / tau**2


@shaped_like(infonce)
def grad_infonce_keys(q, K, y, tau):
    """Gradient of InfoNCE in the keys: ``(softmax(K q / tau) - y) q^T / tau``.

    >>> grad_infonce_keys(np.array([1.0, 0.0]), np.eye(2), np.array([1.0, 0.0]), 1.0).round(3)
    array([[-0.269,  0.   ],
           [ 0.269,  0.   ]])
    """
    return np.outer(_softmax(K @ q / tau) - y, q) / tau


@shaped_like(infonce)
def hess_infonce_keys(q, K, y, tau):
    """Hessian of InfoNCE in the keys, shape (m, d, m, d): ``V -> (diag(p) - p p^T) V q q^T / tau^2``."""
    p = _softmax(K @ q / tau)
    return np.einsum("ik,j,l->ijkl", np.diag(p) - np.outer(p, p), q, q) / tau**2


def _sp_infonce(wrt):
    def build(q, K, y, tau):
        import sympy as sp

        # the last label is 1 minus the others: "y sums to 1", built into the exact check
        y = sp.Matrix([*y[:-1], 1 - sum(y[:-1])])
        logits = K * q / tau
        e = logits.applyfunc(sp.exp)
        value = sp.log(sum(e)) - (y.T * logits)[0, 0]
        p = e / sum(e)
        gradient = K.T * (p - y) / tau if wrt == "q" else (p - y) * q.T / tau
        return value, gradient

    return build


_INFONCE_WHERE = (r"p = \operatorname{softmax}(K q / \tau)",)
_INFONCE_ASSUMPTIONS = (
    "y one-hot: it marks the positive key among the m rows of K (the others are the negatives); "
    "temperature tau > 0; logits are the inner products k_j^T q / tau (with normalised "
    "embeddings these are cosine similarities, whose own derivative is in angles.cosine-x); the "
    "loss of one query"
)
_INFONCE_KEYWORDS = (
    "InfoNCE",
    "contrastive loss",
    "NT-Xent",
    "CPC",
    "contrastive predictive coding",
    "SimCLR",
    "CLIP loss",
    "temperature",
)


_register(
    id="margins.infonce-q",
    title="Gradient and Hessian of the InfoNCE loss with respect to the query",
    formula=r"\nabla_q \left(-\log \frac{e^{y^\top K q / \tau}}{\mathbf 1^\top e^{K q / \tau}}"
    r"\right) = \frac1\tau K^\top (p - y)",
    where=_INFONCE_WHERE,
    wrt="q",
    value=infonce,
    derivative=grad_infonce_query,
    hessian=hess_infonce_query,
    hessian_formula=r"\nabla_q^2 = \frac{1}{\tau^2} K^\top \big(\operatorname{diag}(p) - "
    r"p p^\top\big) K",
    symbolic=_sp_infonce("q"),
    sample=_sample_infonce,
    derivation=r"""
InfoNCE is the softmax cross-entropy of the logits $s = Kq/\tau$ against the one-hot $y$ of
the positive key: $\ell = \log \mathbf 1^\top e^{s} - y^\top s$, whose gradient in $s$ is
$p - y$ with $p = \operatorname{softmax}(s)$. As $ds = K\,dq / \tau$, the chain rule gives
$\nabla_q = K^\top (p - y)/\tau$: the query moves towards the positive key and away from
the softmax-weighted mean of all keys, and the temperature scales the gradient by $1/\tau$
as well as sharpening $p$. The Hessian is the softmax covariance
$\operatorname{diag}(p) - pp^\top$ carried back through $K/\tau$ twice: positive
semidefinite, so the loss is convex in $q$.
""",
    mistakes=(
        Mistake(
            r"K^\top (p - y)",
            lambda q, K, y, tau: K.T @ (_softmax(K @ q / tau) - y),
            "forgets the factor 1/tau of the inner derivative of the logits",
        ),
        Mistake(
            r"\frac1\tau K^\top \big(\operatorname{softmax}(K q) - y\big)",
            lambda q, K, y, tau: K.T @ (_softmax(K @ q) - y) / tau,
            "keeps the outer 1/tau but drops the temperature inside the softmax",
        ),
    ),
    conventions={"numerator": r"\frac1\tau (p - y)^\top K\ \text{(a row vector)}"},
    related=("margins.infonce-K", "losses.softmax-ce-onehot", "softmax.lse-temperature"),
    assumptions=_INFONCE_ASSUMPTIONS,
    sources=(f"{CPC}, section 2.3, eq. (4)", f"{SIMCLR}, eq. (1) (the temperature)"),
    keywords=_INFONCE_KEYWORDS,
)

_register(
    id="margins.infonce-K",
    title="Gradient and Hessian of the InfoNCE loss with respect to the keys",
    formula=r"\nabla_K \left(-\log \frac{e^{y^\top K q / \tau}}{\mathbf 1^\top e^{K q / \tau}}"
    r"\right) = \frac1\tau (p - y)\, q^\top",
    where=_INFONCE_WHERE,
    wrt="K",
    value=infonce,
    derivative=grad_infonce_keys,
    hessian=hess_infonce_keys,
    hessian_formula=r"\nabla_K^2\,[V] = \frac{1}{\tau^2} \big(\operatorname{diag}(p) - "
    r"p p^\top\big) V q\, q^\top",
    symbolic=_sp_infonce("K"),
    sample=_sample_infonce,
    derivation=r"""
With $s = Kq/\tau$, $ds = dK\, q / \tau$ and $d\ell = (p - y)^\top dK\, q/\tau
= \langle (p - y) q^\top/\tau, dK\rangle$. Each key $k_j$ receives $(p_j - y_j)\, q/\tau$:
the positive key is pulled towards the query with weight $1 - p_+$, each negative pushed
away with weight $p_j$ (hard negatives, with large $p_j$, the most). In a direction $V$ the
gradient changes through $p$ only: $dp = (\operatorname{diag}(p) - pp^\top) V q / \tau$.
""",
    mistakes=(
        Mistake(
            r"-\frac1\tau y\, q^\top",
            lambda q, K, y, tau: -np.outer(y, q) / tau,
            "moves only the positive key: forgets that every negative key is in the "
            "denominator and is pushed away",
        ),
        Mistake(
            r"\frac1\tau (p - y)\, \mathbf 1^\top K",
            lambda q, K, y, tau: np.outer(_softmax(K @ q / tau) - y, np.sum(K, axis=0)) / tau,
            "puts the keys where the query belongs in the outer product",
        ),
    ),
    conventions={"numerator": r"\frac1\tau q (p - y)^\top\ \text{(shaped like } K^\top\text{)}"},
    related=("margins.infonce-q", "losses.multinomial-W-kd"),
    assumptions=_INFONCE_ASSUMPTIONS,
    sources=(f"{CPC}, section 2.3, eq. (4)", f"{SIMCLR}, eq. (1) (the temperature)"),
    keywords=_INFONCE_KEYWORDS,
)


# -- focal loss (binary, sigmoid) ------------------------------------------------------------

#: The focusing parameter of the focal loss entry, fixed (Lin et al. use 2).
GAMMA = 2


def _sample_focal(rng, n):
    # logits z of length n + 1, labels +-1 with both present.
    z = rng.uniform(-3.0, 3.0, n + 1)
    y = rng.choice([-1.0, 1.0], size=n + 1)
    y[:2] = (1.0, -1.0)
    return {"z": z, "y": y}


@shaped
def focal(z: Arr["n"], y: Arr["n"]):
    """Binary focal loss ``-sum_i (1 - p_i)^2 log p_i`` with ``p = sigmoid(y * z)``, gamma = 2.

    >>> float(focal(np.zeros(1), np.ones(1))) == float(np.log(2) / 4)
    True
    """
    t = y * z
    return -np.sum((1 - _sigmoid(t)) ** GAMMA * _log_sigmoid(t))


@shaped_like(focal)
def grad_focal(z, y):
    """Gradient of the focal loss in the logits: ``y (1 - p)^2 (2 p log p + p - 1)``.

    >>> grad_focal(np.zeros(1), np.ones(1)).round(4)
    array([-0.2983])
    """
    t = y * z
    p = _sigmoid(t)
    return y * (1 - p) ** GAMMA * (GAMMA * p * _log_sigmoid(t) + p - 1)


def _sp_focal(z, y):
    import sympy as sp

    p = [1 / (1 + sp.exp(-yi * zi)) for zi, yi in zip(z, y, strict=True)]
    value = -sum((1 - pi) ** GAMMA * sp.log(pi) for pi in p)
    gradient = sp.Matrix(
        [
            yi * (1 - pi) ** GAMMA * (GAMMA * pi * sp.log(pi) + pi - 1)
            for yi, pi in zip(y, p, strict=True)
        ]
    )
    return value, gradient


_register(
    id="margins.focal-logits",
    title="Gradient of the focal loss with respect to the logits",
    formula=r"\nabla_z \left(-\sum_{i=1}^n (1 - p_i)^\gamma \log p_i\right) = "
    r"y \odot (\mathbf 1 - p)^{\odot \gamma} \odot (\gamma\, p \odot \log p + p - \mathbf 1)",
    where=(r"p = \sigma(y \odot z)", r"\gamma = 2"),
    wrt="z",
    value=focal,
    derivative=grad_focal,
    symbolic=_sp_focal,
    sample=_sample_focal,
    derivation=r"""
Per logit, with $t = y z$ and $p = \sigma(t)$ the probability of the true label,
$\sigma'(t) = p(1 - p)$. The product rule on $-(1 - p)^\gamma \log p$ gives two terms: the
modulating factor's derivative $\gamma (1 - p)^{\gamma - 1}\, p(1 - p) \log p$ and the
cross-entropy's $-(1 - p)^\gamma (1 - p)$, together $(1 - p)^\gamma(\gamma p \log p + p - 1)$,
the form of Lin et al.'s appendix; $dt = y\, dz$ brings the factor $y$. With $\gamma = 0$ it
is the cross-entropy gradient $y(p - 1)$. The first term is not small: it is what makes the
gradient of a well-classified example decay faster than its loss.
""",
    mistakes=(
        Mistake(
            r"y \odot (\mathbf 1 - p)^{\odot \gamma} \odot (p - \mathbf 1)",
            lambda z, y: y * (1 - _sigmoid(y * z)) ** GAMMA * (_sigmoid(y * z) - 1),
            "treats the modulating factor (1 - p)^gamma as a constant weight: misses its own "
            "derivative, the term gamma p log p",
        ),
        Mistake(
            r"y \odot (p - \mathbf 1)",
            lambda z, y: y * (_sigmoid(y * z) - 1),
            "the cross-entropy gradient, with gamma = 0",
        ),
    ),
    conventions={"numerator": r"\text{the same vector, as a row}"},
    related=("losses.bce-logits", "margins.weighted-ce-logits"),
    assumptions="labels y in {-1, 1}, p_i = sigmoid(y_i z_i) the probability of the true label "
    "(the formula holds for any real y); gamma = 2 fixed (the derivation holds for any gamma "
    ">= 0); no alpha-balancing weight (it multiplies each term and its gradient); the sum over "
    "logits",
    sources=(f"{FOCAL}, eqs. (4) and (5) and appendix B",),
    keywords=(
        "focal loss",
        "sigmoid_focal_loss",
        "RetinaNet",
        "modulating factor",
        "class imbalance",
        "gamma",
    ),
)


# -- class-weighted softmax cross-entropy ----------------------------------------------------


def _sample_weighted_ce(rng, n):
    # m = n samples, k = n + 1 >= 2 classes, one-hot labels, weights in [0.5, 2].
    m, k = n, n + 1
    return {
        "Z": rng.standard_normal((m, k)),
        "Y": _one_hot(rng, m, k),
        "w": rng.uniform(0.5, 2.0, k),
    }


@shaped
def weighted_cross_entropy(Z: Arr["m k"], Y: Arr["m k"], w: Arr["k"]):
    """Class-weighted cross-entropy, averaged with the weights: ``-sum_i w_yi log p_i,yi / sum_i w_yi``.

    >>> Y = np.array([[1.0, 0.0]])
    >>> float(weighted_cross_entropy(np.zeros((1, 2)), Y, np.array([3.0, 1.0]))) == float(np.log(2))
    True
    """
    log_p = Z - _logsumexp(Z)[:, None]
    return -np.sum(Y * log_p * w) / np.sum(Y @ w)


@shaped_like(weighted_cross_entropy)
def grad_weighted_cross_entropy(Z, Y, w):
    """Gradient in the logits: ``(diag(Y w) P - Y diag(w)) / (1^T Y w)``, ``P`` the row softmax.

    >>> grad_weighted_cross_entropy(np.zeros((1, 2)), np.array([[1.0, 0.0]]), np.array([3.0, 1.0]))
    array([[-0.5,  0.5]])
    """
    v = Y @ w
    return (v[:, None] * _softmax(Z) - Y * w) / np.sum(v)


@shaped_like(weighted_cross_entropy)
def hess_weighted_cross_entropy(Z, Y, w):
    """Hessian in the logits, shape (m, k, m, k): block diagonal, ``v_i (diag(p_i) - p_i p_i^T) / sum v``."""
    P, v = _softmax(Z), Y @ w
    m, k = Z.shape
    blocks = np.einsum("ia,ab->iab", P, np.eye(k)) - np.einsum("ia,ib->iab", P, P)
    return np.einsum("ij,i,iab->iajb", np.eye(m), v, blocks) / np.sum(v)


def _sp_weighted_ce(Z, Y, w):
    import sympy as sp

    total = sum((Y * w)[i] for i in range(Z.rows))
    value, gradient = sp.Integer(0), sp.zeros(Z.rows, Z.cols)
    for i in range(Z.rows):
        e = Z[i, :].applyfunc(sp.exp)
        lse = sp.log(sum(e))
        v = sum(w[c] * Y[i, c] for c in range(Z.cols))
        value -= sum(w[c] * Y[i, c] * (Z[i, c] - lse) for c in range(Z.cols))
        for c in range(Z.cols):
            gradient[i, c] = (v * e[c] / sum(e) - Y[i, c] * w[c]) / total
    return value / total, gradient


_register(
    id="margins.weighted-ce-logits",
    title="Gradient and Hessian of the class-weighted cross-entropy with respect to the logits",
    formula=r"\nabla_Z \left(-\frac{\sum_{i=1}^m \sum_{c=1}^k w_c Y_{ic} \log P_{ic}}"
    r"{\mathbf 1^\top Y w}\right) = \frac{\operatorname{diag}(Y w)\, P - Y "
    r"\operatorname{diag}(w)}{\mathbf 1^\top Y w}",
    where=(r"P_{i,:} = \operatorname{softmax}(Z_{i,:})",),
    wrt="Z",
    value=weighted_cross_entropy,
    derivative=grad_weighted_cross_entropy,
    hessian=hess_weighted_cross_entropy,
    hessian_formula=r"\nabla_Z^2\,[V] = \frac{\operatorname{diag}(Y w)\, \big(P \odot V - P "
    r"\odot ((P \odot V) \mathbf 1 \mathbf 1^\top)\big)}{\mathbf 1^\top Y w}",
    symbolic=_sp_weighted_ce,
    sample=_sample_weighted_ce,
    derivation=r"""
Sample $i$ carries the weight $v_i = (Yw)_i = w_{y_i}$ of its true class, so its term is
$-v_i \log P_{iy_i}$, and the normaliser is the total weight $\mathbf 1^\top Yw$ (PyTorch's
`reduction="mean"` with `weight`), a constant in $Z$. The gradient of
$-\log \operatorname{softmax}(z)_{y}$ is $p - e_y$; scaled by $v_i$ it is
$v_i P_{i,:} - w \odot Y_{i,:}$ (for one-hot rows $v_i Y_{i,:} = w \odot Y_{i,:}$). Stacking
the rows gives $(\operatorname{diag}(Yw) P - Y\operatorname{diag}(w)) / \mathbf 1^\top Yw$. The
weight multiplies the whole row, the softmax part included: it is the weight of the
sample's class, not of each logit's class.
""",
    mistakes=(
        Mistake(
            r"\frac{(P - Y) \operatorname{diag}(w)}{\mathbf 1^\top Y w}",
            lambda Z, Y, w: (_softmax(Z) - Y) * w / np.sum(Y @ w),
            "weights each logit by its own class's weight instead of the whole row by the "
            "sample's true class's weight",
        ),
        Mistake(
            r"\frac1m \big(\operatorname{diag}(Y w)\, P - Y \operatorname{diag}(w)\big)",
            lambda Z, Y, w: ((Y @ w)[:, None] * _softmax(Z) - Y * w) / Z.shape[0],
            "divides by the batch size, where PyTorch's weighted mean divides by the total "
            "weight of the batch's labels",
        ),
    ),
    conventions={
        "numerator": r"\frac{\big(\operatorname{diag}(Y w)\, P - Y \operatorname{diag}(w)\big)^\top}"
        r"{\mathbf 1^\top Y w}\ \text{(shaped like } Z^\top\text{)}"
    },
    related=("losses.softmax-ce-batch", "margins.focal-logits"),
    assumptions="one-hot rows of Y (class indices); positive class weights w; the mean "
    "weighted by the labels' weights, as torch.nn.CrossEntropyLoss(weight=w) with reduction "
    "'mean' (with reduction 'sum' drop the denominator); softmax over each row",
    sources=(f"{TORCH_CE}, reduction 'mean'", f"{FOCAL}, eq. (3) (alpha-balanced cross-entropy)"),
    keywords=(
        "weighted cross-entropy",
        "class weights",
        "CrossEntropyLoss weight",
        "class imbalance",
        "cost-sensitive",
        "balanced cross-entropy",
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
    (
        "triplet",
        "Triplet loss",
        (
            "margins.triplet-anchor",
            "margins.triplet-positive",
            "margins.triplet-negative",
        ),
    ),
    (
        "contrastive",
        "InfoNCE contrastive loss",
        (
            "margins.infonce-q",
            "margins.infonce-K",
        ),
    ),
    (
        "class-imbalance",
        "Focal and class-weighted losses",
        (
            "margins.focal-logits",
            "margins.weighted-ce-logits",
        ),
    ),
)
