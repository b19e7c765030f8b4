"""Categorical KL divergence: the identities of the page ``reference/losses/kl-divergence.html``."""

import numpy as np

from gradref.catalog import Mistake
from gradref.identities.losses._common import (
    DLBOOK,
    MURPHY,
    _logsumexp,
    _normalized,
    _register,
    _sampler,
    _softmax,
    _sp_logsumexp,
    _sp_softmax,
)
from gradref.shapes import Arr, shaped, shaped_like

COVER = "Cover & Thomas, *Elements of Information Theory*, 2nd ed. (2006)"


# -- KL divergence between categorical distributions ---------------------------------------


@shaped
def kl_categorical(p: Arr["k"], q: Arr["k"]):
    """KL divergence ``sum_i p_i log(p_i / q_i)`` between probability vectors ``p`` and ``q``.

    >>> float(kl_categorical(np.array([0.5, 0.5]), np.array([0.5, 0.5])))
    0.0
    """
    return p @ (np.log(p) - np.log(q))


@shaped_like(kl_categorical)
def grad_kl_categorical_p(p, q):
    """Gradient of ``KL(p || q)`` in the entries of ``p``: ``log(p / q) + 1``."""
    return np.log(p) - np.log(q) + 1


@shaped_like(kl_categorical)
def hess_kl_categorical_p(p, q):
    """Hessian of ``KL(p || q)`` in ``p``: ``diag(1 / p)``."""
    return np.diag(1 / p)


def _sp_kl(p, q):
    import sympy as sp

    return sum(pi * (sp.log(pi) - sp.log(qi)) for pi, qi in zip(p, q, strict=True))


def _sp_kl_p(p, q):
    import sympy as sp

    return _sp_kl(p, q), p.applyfunc(sp.log) - q.applyfunc(sp.log) + sp.ones(p.rows, 1)


_register(
    id="losses.kl-p",
    title="KL divergence between categorical distributions, gradient in the first argument",
    formula=r"\nabla_p \sum_{i=1}^k p_i \log\frac{p_i}{q_i} = \log(p \oslash q) + \mathbf 1",
    wrt="p",
    value=kl_categorical,
    derivative=grad_kl_categorical_p,
    symbolic=_sp_kl_p,
    structure={"p": "probability", "q": "probability"},
    derivation=r"""
Entry by entry, $\partial_{p_i}\, p_i (\log p_i - \log q_i) = \log p_i - \log q_i + 1$,
so the gradient with the entries of $p$ as free variables is $\log(p \oslash q) +
\mathbf 1$. On the simplex only directions with $\mathbf 1^\top dp = 0$ are allowed, and
there the constant $\mathbf 1$ contributes nothing, which is why it is often dropped; as a
gradient in $\mathbb{R}^k$ it belongs. The Hessian $\operatorname{diag}(1/p)$ is positive
definite: KL is strictly convex in $p$.
""",
    hessian=hess_kl_categorical_p,
    hessian_formula=r"\nabla_p^2 \operatorname{KL}(p \,\|\, q) = \operatorname{diag}(1 \oslash p)",
    mistakes=(
        Mistake(
            r"\log(p \oslash q)",
            lambda p, q: np.log(p) - np.log(q),
            "drops the + 1 from the product rule; harmless only along directions tangent to "
            "the simplex",
        ),
        Mistake(
            r"-q \oslash p",
            lambda p, q: -q / p,
            "the gradient of KL(q || p) in its second argument: the divergence's arguments swapped",
        ),
    ),
    conventions={"numerator": r"\big(\log(p \oslash q) + \mathbf 1\big)^\top"},
    related=("losses.kl-q", "losses.kl-p-logits", "losses.kl-q-logits"),
    assumptions="p and q with positive entries (probability vectors here); the entries of p "
    "are treated as independent (the gradient in R^k, not projected onto the simplex)",
    sources=(f"{COVER}, section 2.3", f"{DLBOOK}, section 3.13"),
    keywords=(
        "KL divergence",
        "Kullback-Leibler divergence",
        "relative entropy",
        "categorical distribution",
        "log(p/q) + 1",
        "information theory",
    ),
)


@shaped_like(kl_categorical)
def grad_kl_categorical_q(p, q):
    """Gradient of ``KL(p || q)`` in the entries of ``q``: ``-p / q``."""
    return -p / q


@shaped_like(kl_categorical)
def hess_kl_categorical_q(p, q):
    """Hessian of ``KL(p || q)`` in ``q``: ``diag(p / q^2)``."""
    return np.diag(p / q**2)


_register(
    id="losses.kl-q",
    title="KL divergence between categorical distributions, gradient in q as a probability vector",
    formula=r"\nabla_q \sum_{i=1}^k p_i \log\frac{p_i}{q_i} = -p \oslash q",
    wrt="q",
    value=kl_categorical,
    derivative=grad_kl_categorical_q,
    symbolic=lambda p, q: (_sp_kl(p, q), -p.multiply_elementwise(q.applyfunc(lambda t: 1 / t))),
    structure={"p": "probability", "q": "probability"},
    derivation=r"""
Only the term $-\sum_i p_i \log q_i$ (the cross-entropy) depends on $q$, and
$\partial_{q_i}(-p_i \log q_i) = -p_i / q_i$: the gradient with the entries of $q$ as free
variables is $-p \oslash q$. This is the parametrization by the probabilities themselves;
with $q = \operatorname{softmax}(z)$ the chain rule through the softmax Jacobian turns it into
$q - p$ (see the logits form). The Hessian $\operatorname{diag}(p \oslash q^2)$ is positive
semidefinite: KL is convex in $q$.
""",
    hessian=hess_kl_categorical_q,
    hessian_formula=r"\nabla_q^2 \operatorname{KL}(p \,\|\, q) = "
    r"\operatorname{diag}(p \oslash q^{2})",
    mistakes=(
        Mistake(
            r"q - p",
            lambda p, q: q - p,
            "the gradient in the logits of q, used for q as a probability vector",
        ),
        Mistake(
            r"\log(q \oslash p) + \mathbf 1",
            lambda p, q: np.log(q) - np.log(p) + 1,
            "the gradient of KL(q || p) in its first argument: the divergence's arguments swapped",
        ),
    ),
    conventions={"numerator": r"-(p \oslash q)^\top"},
    related=("losses.kl-p", "losses.kl-q-logits", "losses.softmax-ce-soft"),
    assumptions="q is a probability vector whose entries are the variables (treated as "
    "independent, not projected onto the simplex); q > 0",
    sources=(f"{COVER}, section 2.3", f"{DLBOOK}, section 3.13"),
    keywords=(
        "KL divergence",
        "Kullback-Leibler divergence",
        "relative entropy",
        "cross-entropy",
        "-p/q",
        "probability vector",
    ),
)


@shaped
def kl_to_softmax(p: Arr["k"], z: Arr["k"]):
    """``KL(p || softmax(z))``: the divergence from ``p`` to the categorical with logits ``z``.

    >>> float(kl_to_softmax(np.array([0.5, 0.5]), np.zeros(2)))
    0.0
    """
    return p @ (np.log(p) - (z - _logsumexp(z)))


@shaped_like(kl_to_softmax)
def grad_kl_to_softmax(p, z):
    """Gradient of ``KL(p || softmax(z))`` in the logits ``z``: ``softmax(z) - p``."""
    return _softmax(z) - p


@shaped_like(kl_to_softmax)
def hess_kl_to_softmax(p, z):
    """Hessian of ``KL(p || softmax(z))`` in ``z``: ``diag(q) - q q^T``, ``q = softmax(z)``."""
    q = _softmax(z)
    return np.diag(q) - np.outer(q, q)


def _sp_kl_to_softmax(p, z):
    import sympy as sp

    p = _normalized(p)
    lse = _sp_logsumexp(z)
    value = sum(pi * (sp.log(pi) - zi + lse) for pi, zi in zip(p, z, strict=True))
    return value, _sp_softmax(z) - p


_register(
    id="losses.kl-q-logits",
    title="KL divergence to a softmax distribution, gradient in its logits",
    formula=r"\nabla_z \operatorname{KL}\big(p \,\|\, \operatorname{softmax}(z)\big) = "
    r"\operatorname{softmax}(z) - p",
    wrt="z",
    value=kl_to_softmax,
    derivative=grad_kl_to_softmax,
    symbolic=_sp_kl_to_softmax,
    sample=_sampler(kl_to_softmax, {"p": "probability"}, base=1),
    derivation=r"""
$\operatorname{KL}(p \,\|\, \operatorname{softmax}(z)) = \sum_i p_i \log p_i -
\sum_i p_i (z_i - \operatorname{lse}(z))$: the entropy term does not depend on $z$, and the
rest is the softmax cross-entropy with soft labels $p$, whose gradient is
$q \sum_i p_i - p = q - p$ with $q = \operatorname{softmax}(z)$, because $p$ sums to 1. So
minimizing the KL and the cross-entropy in the logits are the same problem (distillation).
The Hessian is the softmax Jacobian $\operatorname{diag}(q) - q q^\top$.
""",
    hessian=hess_kl_to_softmax,
    hessian_formula=r"\nabla_z^2 = \operatorname{diag}(q) - q q^\top,\quad "
    r"q = \operatorname{softmax}(z)",
    mistakes=(
        Mistake(
            r"-p \oslash \operatorname{softmax}(z)",
            lambda p, z: -p / _softmax(z),
            "the gradient in q as a probability vector, without the softmax Jacobian",
        ),
        Mistake(
            r"p - \operatorname{softmax}(z)",
            lambda p, z: p - _softmax(z),
            "the sign of the log-likelihood gradient",
        ),
    ),
    conventions={"numerator": r"\big(\operatorname{softmax}(z) - p\big)^\top"},
    related=("losses.kl-q", "losses.softmax-ce-soft", "losses.softmax-ce-onehot"),
    assumptions="q = softmax(z) is given by its logits z; p is a probability vector (sums to 1; "
    "otherwise the gradient is softmax(z) sum(p) - p); k >= 2",
    sources=(f"{COVER}, section 2.3", f"{DLBOOK}, section 6.2.2.3"),
    keywords=(
        "KL divergence",
        "knowledge distillation",
        "logits",
        "softmax",
        "q - p",
        "Kullback-Leibler divergence",
        "soft targets",
    ),
)


@shaped
def kl_from_softmax(a: Arr["k"], q: Arr["k"]):
    """``KL(softmax(a) || q)``: the divergence from the categorical with logits ``a`` to ``q``.

    >>> float(kl_from_softmax(np.zeros(2), np.array([0.5, 0.5])))
    0.0
    """
    log_p = a - _logsumexp(a)
    return np.exp(log_p) @ (log_p - np.log(q))


@shaped_like(kl_from_softmax)
def grad_kl_from_softmax(a, q):
    """Gradient of ``KL(softmax(a) || q)`` in ``a``: ``p * (g - KL)``, ``g = log p - log q``."""
    log_p = a - _logsumexp(a)
    p, g = np.exp(log_p), log_p - np.log(q)
    return p * (g - p @ g)


@shaped_like(kl_from_softmax)
def hess_kl_from_softmax(a, q):
    """Hessian of ``KL(softmax(a) || q)`` in ``a``: ``diag(p * (g - KL + 1)) - u p^T - p u^T - p p^T``."""
    log_p = a - _logsumexp(a)
    p, g = np.exp(log_p), log_p - np.log(q)
    kl = p @ g
    u = p * (g - kl)
    return np.diag(p * (g - kl + 1)) - np.outer(u, p) - np.outer(p, u) - np.outer(p, p)


def _sp_kl_from_softmax(a, q):
    import sympy as sp

    p = _sp_softmax(a)
    log_p = a - sp.ones(a.rows, 1) * _sp_logsumexp(a)
    g = log_p - q.applyfunc(sp.log)
    kl = (p.T * g)[0, 0]
    return kl, p.multiply_elementwise(g - kl * sp.ones(a.rows, 1))


_register(
    id="losses.kl-p-logits",
    title="KL divergence from a softmax distribution, gradient in its logits",
    formula=r"\nabla_a \operatorname{KL}\big(\operatorname{softmax}(a) \,\|\, q\big) = "
    r"p \odot \big(g - (p^\top g)\mathbf 1\big),\quad p = \operatorname{softmax}(a),\ "
    r"g = \log p - \log q",
    wrt="a",
    value=kl_from_softmax,
    derivative=grad_kl_from_softmax,
    symbolic=_sp_kl_from_softmax,
    sample=_sampler(kl_from_softmax, {"q": "probability"}, base=1),
    derivation=r"""
In $p$, the gradient is $g + \mathbf 1$ with $g = \log p - \log q$ (see the first-argument
form). The chain rule through the softmax multiplies by its symmetric Jacobian
$J = \operatorname{diag}(p) - p p^\top$, and $J\mathbf 1 = 0$ removes the constant:
$\nabla_a = J g = p \odot g - p\,(p^\top g)$, where $p^\top g$ is the divergence itself.
This is the reverse (mode-seeking) KL of variational inference. Differentiating once more,
with $dp = J\, da$ and $dg = (I - \mathbf 1 p^\top)\, da$, gives the Hessian below, with
$u = \nabla_a$.
""",
    hessian=hess_kl_from_softmax,
    hessian_formula=r"\nabla_a^2 = \operatorname{diag}\!\big(p \odot (g - (p^\top g)"
    r"\mathbf 1 + \mathbf 1)\big) - u p^\top - p u^\top - p p^\top,\quad "
    r"u = p \odot \big(g - (p^\top g)\mathbf 1\big)",
    mistakes=(
        Mistake(
            r"p \odot (\log p - \log q)",
            lambda a, q: _softmax(a) * (np.log(_softmax(a)) - np.log(q)),
            "keeps only the diagonal of the softmax Jacobian and drops the term -p (p^T g)",
        ),
        Mistake(
            r"\log p - \log q + \mathbf 1",
            lambda a, q: np.log(_softmax(a)) - np.log(q) + 1,
            "the gradient in the probabilities p, not the logits: the softmax Jacobian is "
            "left out of the chain rule",
        ),
    ),
    conventions={"numerator": r"\big(p \odot (g - (p^\top g)\mathbf 1)\big)^\top"},
    related=("losses.kl-p", "losses.kl-q-logits", "losses.softmax-ce-hvp"),
    assumptions="p = softmax(a) is given by its logits a; q has positive entries (a probability "
    "vector here); k >= 2",
    sources=(f"{COVER}, section 2.3", MURPHY),
    keywords=(
        "KL divergence",
        "reverse KL",
        "variational inference",
        "logits",
        "softmax",
        "Kullback-Leibler divergence",
        "mode-seeking",
    ),
)


#: This module's topic page: (slug, title, identity ids in reading order).
TOPIC = (
    "kl-divergence",
    "Categorical KL divergence",
    ("losses.kl-p", "losses.kl-q", "losses.kl-q-logits", "losses.kl-p-logits"),
)
