"""Normalisation layers: the identities of the page ``reference/layers/normalisation.html``."""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.identities.layers._common import _ADJOINT, GBC
from gradref.shapes import Arr, shaped

BA = "Ba, Kiros & Hinton, *Layer Normalization* (2016)"

IOFFE = (
    "Ioffe & Szegedy, *Batch Normalization: Accelerating Deep Network Training by Reducing "
    "Internal Covariate Shift* (2015)"
)


# ===========================================================================================
# Layer normalisation (statistics over the features of each row)
# ===========================================================================================


def _normalise(X, eps, axis):
    """``(Xhat, sigma)``: X centred and scaled along ``axis`` (biased variance), and sigma."""
    centred = X - X.mean(axis=axis, keepdims=True)
    sigma = np.sqrt((centred**2).mean(axis=axis, keepdims=True) + eps)
    return centred / sigma, sigma


def _check_eps(eps):
    if not np.real(eps) > 0:
        raise ValueError(f"`eps` must be positive; got {np.real(eps).item()!r}")


@shaped
def layer_norm(X: Arr["n d"], gamma: Arr["d"], beta: Arr["d"], eps: Arr[""]):
    """Layer normalisation of each row of X over its d features, then ``* gamma + beta``.

    >>> layer_norm(np.array([[1.0, 3.0]]), np.ones(2), np.zeros(2), 1e-12).round(6)
    array([[-1.,  1.]])
    """
    _check_eps(eps)
    Xhat, _ = _normalise(X, eps, axis=1)
    return Xhat * gamma + beta


def _normalisation_input_adjoint(X, gamma, eps, Ybar, axis):
    """``(ghat - mean(ghat) - Xhat * mean(ghat * Xhat)) / sigma`` along ``axis``."""
    Xhat, sigma = _normalise(X, eps, axis)
    ghat = Ybar * gamma
    return (
        ghat
        - ghat.mean(axis=axis, keepdims=True)
        - Xhat * (ghat * Xhat).mean(axis=axis, keepdims=True)
    ) / sigma


@shaped
def adjoint_layer_norm_input(
    X: Arr["n d"],
    gamma: Arr["d"],
    beta: Arr["d"],
    eps: Arr[""],
    Ybar: Arr["n d"],
):
    """``Xbar = (g - mean(g) - Xhat * mean(g * Xhat)) / sigma`` per row, ``g = Ybar * gamma``."""
    return _normalisation_input_adjoint(X, gamma, eps, Ybar, axis=1)


@shaped
def adjoint_layer_norm_gamma(
    X: Arr["n d"],
    gamma: Arr["d"],
    beta: Arr["d"],
    eps: Arr[""],
    Ybar: Arr["n d"],
):
    """``gammabar = sum over rows of Ybar * Xhat``."""
    Xhat, _ = _normalise(X, eps, axis=1)
    return (Ybar * Xhat).sum(axis=0)


@shaped
def adjoint_layer_norm_beta(
    X: Arr["n d"],
    gamma: Arr["d"],
    beta: Arr["d"],
    eps: Arr[""],
    Ybar: Arr["n d"],
):
    """``betabar = sum over rows of Ybar``."""
    return Ybar.sum(axis=0)


def _sample_layer_norm(rng, n):
    # d = n + 1 >= 2 features per row (one feature normalises to 0); eps in [0.05, 0.5],
    # large enough that dropping it is detected
    d = n + 1
    return {
        "X": rng.standard_normal((n, d)),
        "gamma": rng.standard_normal(d),
        "beta": rng.standard_normal(d),
        "eps": float(rng.uniform(0.05, 0.5)),
        "Ybar": rng.standard_normal((n, d)),
    }


def _sample_batch_norm(rng, n):
    # a batch of n + 1 >= 2 examples (statistics of one example are degenerate), d = n features
    N = n + 1
    return {
        "X": rng.standard_normal((N, n)),
        "gamma": rng.standard_normal(n),
        "beta": rng.standard_normal(n),
        "eps": float(rng.uniform(0.05, 0.5)),
        "Ybar": rng.standard_normal((N, n)),
    }


def _sp_normalise_rows(X, eps):
    """Row-wise (Xhat, [sigma_i]) of a sympy matrix: biased variance over each row."""
    import sympy as sp

    rows, sigmas = [], []
    for i in range(X.rows):
        row = X[i, :]
        centred = row - sp.ones(1, X.cols) * (sum(row) / X.cols)
        sigma = sp.sqrt(sum(c**2 for c in centred) / X.cols + eps)
        rows.append(centred / sigma)
        sigmas.append(sigma)
    return sp.Matrix.vstack(*rows), sigmas


def _sp_norm_layer(X, gamma, beta, eps, axis):
    """(Y, Xhat, sigmas) for layer (axis=1) or batch (axis=0) normalisation, in sympy."""
    if axis == 1:
        Xhat, sigmas = _sp_normalise_rows(X, eps)
    else:
        XhatT, sigmas = _sp_normalise_rows(X.T, eps)
        Xhat = XhatT.T
    Y = X.copy()
    for i in range(X.rows):
        for j in range(X.cols):
            Y[i, j] = Xhat[i, j] * gamma[j] + beta[j]
    return Y, Xhat, sigmas


def _sp_norm_input_adjoint(X, gamma, eps, Ybar, axis):
    import sympy as sp

    _, Xhat, sigmas = _sp_norm_layer(X, gamma, sp.zeros(X.cols, 1), eps, axis)
    G = X.copy()
    for i in range(X.rows):
        for j in range(X.cols):
            G[i, j] = Ybar[i, j] * gamma[j]
    out = X.copy()
    for i in range(X.rows):
        for j in range(X.cols):
            if axis == 1:
                group = [(i, c) for c in range(X.cols)]
                sigma = sigmas[i]
            else:
                group = [(r, j) for r in range(X.rows)]
                sigma = sigmas[j]
            size = len(group)
            mean_g = sum(G[p] for p in group) / size
            mean_gx = sum(G[p] * Xhat[p] for p in group) / size
            out[i, j] = (G[i, j] - mean_g - Xhat[i, j] * mean_gx) / sigma
    return out


def _sp_norm_adjoint(which, axis):
    import sympy as sp

    def build(X, gamma, beta, eps, Ybar):
        Y, Xhat, _ = _sp_norm_layer(X, gamma, beta, eps, axis)
        if which == "X":
            return Y, _sp_norm_input_adjoint(X, gamma, eps, Ybar, axis)
        if which == "gamma":
            return Y, sp.Matrix(
                [sum(Ybar[i, j] * Xhat[i, j] for i in range(X.rows)) for j in range(X.cols)]
            )
        return Y, sp.Matrix([sum(Ybar[i, j] for i in range(X.rows)) for j in range(X.cols)])

    return build


_LN_FORMULA = (
    r"Y = \hat X \operatorname{diag}(\gamma) + \mathbf{1}\beta^\top,\ "
    r"\hat x_i = \frac{x_i - \mu_i \mathbf{1}}{\sigma_i},\ "
    r"\sigma_i = \sqrt{\tfrac1d \lVert x_i - \mu_i \mathbf{1} \rVert^2 + \epsilon}:\quad "
)

#: The row means, the row deviations and the normalised rows, as arrays.
_LN_WHERE = (
    r"\mu = \tfrac1d X \mathbf{1}",
    r"\sigma = \sqrt{\tfrac1d (X - \mu \mathbf{1}^\top)^{\odot 2} \mathbf{1} + \epsilon}",
    r"\hat X = \operatorname{diag}(\sigma)^{-1} (X - \mu \mathbf{1}^\top)",
)

_LN_ASSUMPTIONS = (
    "eps > 0 (so sigma_i > 0 even for a constant row); each row x_i (one example) is "
    "normalised over its d >= 2 features with its mean mu_i and biased variance (divisor d); "
    "batch size n and feature size d may differ"
)

_LN_KEYWORDS = ("layer normalization", "layer norm", "LayerNorm", "layernorm backward")

_LN_DERIVATION = r"""
For one row ($\mu$, $\sigma$ its statistics), $d\hat x = \frac{1}{\sigma}\bigl(dx -
\mathbf{1}\,\tfrac1d \mathbf{1}^\top dx - \hat x\, \tfrac1d \hat x^\top dx\bigr)$, because
$d\mu = \tfrac1d \mathbf{1}^\top dx$ and, from $\sigma^2 = \tfrac1d \lVert x - \mu\mathbf{1}\rVert^2 +
\epsilon$, $d\sigma = (x - \mu\mathbf{1})^\top dx \,/\, (d \cdot \sigma)$ (the term in $d\mu$
drops, as $\mathbf{1}^\top(x - \mu\mathbf{1}) = 0$); then $\hat x = (x - \mu\mathbf{1})/\sigma$
gives $d\hat x = (dx - \mathbf{1}\, d\mu)/\sigma - \hat x\, d\sigma / \sigma$.
"""

register(
    Identity(
        id="layers.layernorm-input",
        title="Layer normalisation: adjoint of the input",
        formula=_LN_FORMULA
        + r"\bar x_i = \frac{1}{\sigma_i}\Bigl(g_i - \tfrac1d (\mathbf{1}^\top g_i) \mathbf{1} "
        r"- \tfrac1d (\hat x_i^\top g_i)\, \hat x_i\Bigr),\ g_i = \gamma \odot \bar y_i",
        where=_LN_WHERE,
        wrt="X",
        kind="vjp",
        cotangent="Ybar",
        value=layer_norm,
        derivative=adjoint_layer_norm_input,
        sample=_sample_layer_norm,
        symbolic=_sp_norm_adjoint("X", axis=1),
        derivation=_LN_DERIVATION
        + r"""
With $g = \gamma \odot \bar y$, $\langle \bar y, dy\rangle = \langle g, d\hat x\rangle
= \frac1\sigma \bigl\langle g - \tfrac1d (\mathbf{1}^\top g) \mathbf{1} -
\tfrac1d (\hat x^\top g)\, \hat x, dx\bigr\rangle$, as the matrix
$I - \tfrac1d \mathbf{1}\mathbf{1}^\top - \tfrac1d \hat x \hat x^\top$ is symmetric; this is $\bar x$.
A shift of the row changes nothing, and accordingly $\mathbf{1}^\top \bar x = 0$; when
$\epsilon = 0$ the matrix is the projection that also removes $\hat x$ (a rescaling of the
row changes nothing either).
""",
        mistakes=(
            Mistake(
                r"\frac{1}{\sigma_i} \gamma \odot \bar y_i",
                lambda X, gamma, beta, eps, Ybar: Ybar * gamma / _normalise(X, eps, 1)[1],
                "treats the mean and the variance as constants: misses the gradient through "
                "the statistics",
            ),
            Mistake(
                r"\frac{1}{\sigma_i}\bigl(g_i - \tfrac1d (\mathbf{1}^\top g_i) \mathbf{1}\bigr)",
                lambda X, gamma, beta, eps, Ybar: (
                    lambda G: (G - G.mean(axis=1, keepdims=True)) / _normalise(X, eps, 1)[1]
                )(Ybar * gamma),
                "differentiates through the mean but forgets the variance",
            ),
        ),
        conventions={"numerator": r"\bar X^\top" + _ADJOINT},
        related=("layers.layernorm-gamma", "layers.layernorm-beta", "layers.batchnorm-input"),
        assumptions=_LN_ASSUMPTIONS,
        sources=(BA,),
        keywords=("layer normalization gradient", "dx of layer norm", *_LN_KEYWORDS),
    )
)

register(
    Identity(
        id="layers.layernorm-gamma",
        title="Layer normalisation: adjoint of the gain",
        formula=_LN_FORMULA + r"\bar\gamma = \textstyle\sum_{i=1}^{n} \bar y_i \odot \hat x_i",
        where=_LN_WHERE,
        wrt="gamma",
        kind="vjp",
        cotangent="Ybar",
        value=layer_norm,
        derivative=adjoint_layer_norm_gamma,
        sample=_sample_layer_norm,
        symbolic=_sp_norm_adjoint("gamma", axis=1),
        derivation=r"""
Varying $\gamma$ alone, $dY_{ij} = \hat X_{ij}\, d\gamma_j$, so
$\langle \bar Y, dY\rangle = \sum_j \bigl(\sum_i \bar Y_{ij} \hat X_{ij}\bigr) d\gamma_j$:
$\bar\gamma$ is the column sum of $\bar Y \odot \hat X$, the gain being shared by every row.
""",
        mistakes=(
            Mistake(
                r"\textstyle\sum_i \bar y_i \odot x_i",
                lambda X, gamma, beta, eps, Ybar: (Ybar * X).sum(axis=0),
                "multiplies by the raw input instead of the normalised one",
            ),
            Mistake(
                r"\bar Y \odot \hat X",
                lambda X, gamma, beta, eps, Ybar: Ybar * _normalise(X, eps, 1)[0],
                "forgets the sum over the batch (the shape is n x d, not d)",
            ),
        ),
        conventions={"numerator": r"\bar\gamma^\top" + _ADJOINT},
        related=("layers.layernorm-input", "layers.layernorm-beta", "layers.batchnorm-gamma"),
        assumptions=_LN_ASSUMPTIONS,
        sources=(BA,),
        keywords=("layer norm gain gradient", "gamma gradient", "dgamma", *_LN_KEYWORDS),
    )
)

register(
    Identity(
        id="layers.layernorm-beta",
        title="Layer normalisation: adjoint of the bias",
        formula=_LN_FORMULA + r"\bar\beta = \textstyle\sum_{i=1}^{n} \bar y_i",
        where=_LN_WHERE,
        wrt="beta",
        kind="vjp",
        cotangent="Ybar",
        value=layer_norm,
        derivative=adjoint_layer_norm_beta,
        sample=_sample_layer_norm,
        symbolic=_sp_norm_adjoint("beta", axis=1),
        derivation=r"""
Varying $\beta$ alone, $dY = \mathbf{1}\, d\beta^\top$, so
$\langle \bar Y, dY\rangle = \langle \bar Y^\top \mathbf{1}, d\beta\rangle$: $\bar\beta$ is the
sum of the rows of $\bar Y$, as for any bias broadcast over the batch.
""",
        mistakes=(
            Mistake(
                r"\bar Y \mathbf{1}",
                lambda X, gamma, beta, eps, Ybar: Ybar.sum(axis=1),
                "sums over the features (the normalisation axis) instead of the batch",
            ),
            Mistake(
                r"\textstyle\sum_i \gamma \odot \bar y_i",
                lambda X, gamma, beta, eps, Ybar: (Ybar * gamma).sum(axis=0),
                "multiplies by the gain, which scales Xhat, not beta",
            ),
        ),
        conventions={"numerator": r"\mathbf{1}^\top \bar Y" + _ADJOINT},
        related=("layers.layernorm-gamma", "layers.layernorm-input", "layers.affine-bias"),
        assumptions=_LN_ASSUMPTIONS,
        sources=(BA,),
        keywords=("layer norm bias gradient", "beta gradient", "dbeta", *_LN_KEYWORDS),
    )
)


# ===========================================================================================
# Batch normalisation in training mode (statistics over the batch, per feature)
# ===========================================================================================


@shaped
def batch_norm(X: Arr["n d"], gamma: Arr["d"], beta: Arr["d"], eps: Arr[""]):
    """Batch normalisation (training mode) of each column of X over the batch, ``* gamma + beta``.

    >>> batch_norm(np.array([[1.0], [3.0]]), np.ones(1), np.zeros(1), 1e-12).round(6)
    array([[-1.],
           [ 1.]])
    """
    _check_eps(eps)
    Xhat, _ = _normalise(X, eps, axis=0)
    return Xhat * gamma + beta


@shaped
def adjoint_batch_norm_input(
    X: Arr["n d"],
    gamma: Arr["d"],
    beta: Arr["d"],
    eps: Arr[""],
    Ybar: Arr["n d"],
):
    """``Xbar = (G - mean(G) - Xhat * mean(G * Xhat)) / sigma`` per column, ``G = Ybar * gamma``."""
    return _normalisation_input_adjoint(X, gamma, eps, Ybar, axis=0)


@shaped
def adjoint_batch_norm_gamma(
    X: Arr["n d"],
    gamma: Arr["d"],
    beta: Arr["d"],
    eps: Arr[""],
    Ybar: Arr["n d"],
):
    """``gammabar = sum over the batch of Ybar * Xhat``."""
    Xhat, _ = _normalise(X, eps, axis=0)
    return (Ybar * Xhat).sum(axis=0)


@shaped
def adjoint_batch_norm_beta(
    X: Arr["n d"],
    gamma: Arr["d"],
    beta: Arr["d"],
    eps: Arr[""],
    Ybar: Arr["n d"],
):
    """``betabar = sum over the batch of Ybar``."""
    return Ybar.sum(axis=0)


_BN_FORMULA = (
    r"Y = \hat X \operatorname{diag}(\gamma) + \mathbf{1}\beta^\top,\ "
    r"\hat X_{:j} = \frac{X_{:j} - \mu_j \mathbf{1}}{\sigma_j},\ "
    r"\sigma_j = \sqrt{\tfrac1n \lVert X_{:j} - \mu_j \mathbf{1} \rVert^2 + \epsilon}:\quad "
)

#: The column means, the column deviations and the normalised columns, as arrays.
_BN_WHERE = (
    r"\mu = \tfrac1n X^\top \mathbf{1}",
    r"\sigma = \sqrt{\tfrac1n \big((X - \mathbf{1} \mu^\top)^{\odot 2}\big)^\top \mathbf{1} + \epsilon}",
    r"\hat X = (X - \mathbf{1} \mu^\top) \operatorname{diag}(\sigma)^{-1}",
)

_BN_ASSUMPTIONS = (
    "eps > 0; training mode: each column (feature) is normalised with the mean mu_j and the "
    "biased variance (divisor n) of the current batch of n >= 2 examples, which depend on X "
    "(in inference mode the running statistics are constants and Xbar = Ybar diag(gamma / "
    "sigma)); batch size n and feature size d may differ"
)

_BN_KEYWORDS = ("batch normalization", "batch norm", "BatchNorm", "batchnorm backward")

register(
    Identity(
        id="layers.batchnorm-input",
        title="Batch normalisation (training mode): adjoint of the input",
        formula=_BN_FORMULA
        + r"\bar X_{:j} = \frac{1}{\sigma_j}\Bigl(G_{:j} - \tfrac1n (\mathbf{1}^\top G_{:j}) \mathbf{1} "
        r"- \tfrac1n (\hat X_{:j}^\top G_{:j})\, \hat X_{:j}\Bigr),\ "
        r"G = \bar Y \operatorname{diag}(\gamma)",
        where=_BN_WHERE,
        wrt="X",
        kind="vjp",
        cotangent="Ybar",
        value=batch_norm,
        derivative=adjoint_batch_norm_input,
        sample=_sample_batch_norm,
        symbolic=_sp_norm_adjoint("X", axis=0),
        derivation=r"""
It is layer normalisation transposed: each column $c = X_{:j}$ is normalised over the batch,
with $d\mu = \tfrac1n \mathbf{1}^\top dc$ and $d\sigma = (c - \mu\mathbf{1})^\top dc \,/\, (n\sigma)$,
so $d\hat c = \frac1\sigma\bigl(dc - \tfrac1n (\mathbf{1}^\top dc)\, \mathbf{1} -
\tfrac1n (\hat c^\top dc)\, \hat c\bigr)$. With $g = \gamma_j \bar Y_{:j}$ and the symmetry of
$I - \tfrac1n \mathbf{1}\mathbf{1}^\top - \tfrac1n \hat c \hat c^\top$,
$\langle g, d\hat c\rangle = \frac1\sigma \bigl\langle g - \tfrac1n (\mathbf{1}^\top g) \mathbf{1} -
\tfrac1n (\hat c^\top g)\, \hat c, dc\bigr\rangle$. Every example's adjoint depends on the whole batch, through the statistics.
""",
        mistakes=(
            Mistake(
                r"\bar Y \operatorname{diag}(\gamma / \sigma)",
                lambda X, gamma, beta, eps, Ybar: Ybar * gamma / _normalise(X, eps, 0)[1],
                "the inference-mode adjoint: treats the batch statistics as constants",
            ),
            Mistake(
                r"\text{the layer-norm formula (statistics over each row)}",
                lambda X, gamma, beta, eps, Ybar: _normalisation_input_adjoint(
                    X, gamma, eps, Ybar, axis=1
                ),
                "takes the statistics over the wrong axis (the features instead of the batch)",
            ),
        ),
        conventions={"numerator": r"\bar X^\top" + _ADJOINT},
        related=("layers.batchnorm-gamma", "layers.batchnorm-beta", "layers.layernorm-input"),
        assumptions=_BN_ASSUMPTIONS,
        sources=(IOFFE, f"{GBC}, section 8.7.1"),
        keywords=("batch normalization gradient", "dx of batch norm", *_BN_KEYWORDS),
    )
)

register(
    Identity(
        id="layers.batchnorm-gamma",
        title="Batch normalisation (training mode): adjoint of the gain",
        formula=_BN_FORMULA + r"\bar\gamma = (\bar Y \odot \hat X)^\top \mathbf{1}",
        where=_BN_WHERE,
        wrt="gamma",
        kind="vjp",
        cotangent="Ybar",
        value=batch_norm,
        derivative=adjoint_batch_norm_gamma,
        sample=_sample_batch_norm,
        symbolic=_sp_norm_adjoint("gamma", axis=0),
        derivation=r"""
Varying $\gamma$ alone, $dY_{ij} = \hat X_{ij}\, d\gamma_j$ (the statistics do not depend on
$\gamma$), so $\bar\gamma_j = \sum_i \bar Y_{ij} \hat X_{ij}$, a sum over the batch.
""",
        mistakes=(
            Mistake(
                r"(\bar Y \odot X)^\top \mathbf{1}",
                lambda X, gamma, beta, eps, Ybar: (Ybar * X).sum(axis=0),
                "multiplies by the raw input instead of the normalised one",
            ),
            Mistake(
                r"\tfrac1n (\bar Y \odot \hat X)^\top \mathbf{1}",
                lambda X, gamma, beta, eps, Ybar: (Ybar * _normalise(X, eps, 0)[0]).mean(axis=0),
                "averages over the batch, as the statistics do, instead of summing",
            ),
        ),
        conventions={"numerator": r"\bar\gamma^\top" + _ADJOINT},
        related=("layers.batchnorm-input", "layers.batchnorm-beta", "layers.layernorm-gamma"),
        assumptions=_BN_ASSUMPTIONS,
        sources=(IOFFE,),
        keywords=("batch norm gain gradient", "gamma gradient", "dgamma", *_BN_KEYWORDS),
    )
)

register(
    Identity(
        id="layers.batchnorm-beta",
        title="Batch normalisation (training mode): adjoint of the bias",
        formula=_BN_FORMULA + r"\bar\beta = \bar Y^\top \mathbf{1}",
        where=_BN_WHERE,
        wrt="beta",
        kind="vjp",
        cotangent="Ybar",
        value=batch_norm,
        derivative=adjoint_batch_norm_beta,
        sample=_sample_batch_norm,
        symbolic=_sp_norm_adjoint("beta", axis=0),
        derivation=r"""
Varying $\beta$ alone, $dY = \mathbf{1}\, d\beta^\top$, so $\bar\beta = \bar Y^\top \mathbf{1}$,
the sum over the batch of the upstream gradient.
""",
        mistakes=(
            Mistake(
                r"\bar Y \mathbf{1}",
                lambda X, gamma, beta, eps, Ybar: Ybar.sum(axis=1),
                "sums over the features instead of the batch (a vector of length n)",
            ),
            Mistake(
                r"\bar Y^\top \mathbf{1} / \sigma",
                lambda X, gamma, beta, eps, Ybar: Ybar.sum(axis=0) / _normalise(X, eps, 0)[1][0],
                "divides by sigma as if beta were added before the scaling",
            ),
        ),
        conventions={"numerator": r"\mathbf{1}^\top \bar Y" + _ADJOINT},
        related=("layers.batchnorm-gamma", "layers.batchnorm-input", "layers.layernorm-beta"),
        assumptions=_BN_ASSUMPTIONS,
        sources=(IOFFE,),
        keywords=("batch norm bias gradient", "beta gradient", "dbeta", *_BN_KEYWORDS),
    )
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "normalisation",
    "Normalisation layers",
    (
        "layers.layernorm-input",
        "layers.layernorm-gamma",
        "layers.layernorm-beta",
        "layers.batchnorm-input",
        "layers.batchnorm-gamma",
        "layers.batchnorm-beta",
    ),
)
