r"""Riemannian gradients (and a Riemannian Hessian) on matrix manifolds.

The Riemannian gradient of a function ``f`` on a manifold at ``X`` is the tangent vector
``grad f(X)`` such that, for every tangent vector ``ξ`` and any retraction ``R_X``,

    d/dt f(R_X(t ξ)) at t = 0  =  g_X(grad f(X), ξ),

where ``g_X`` is the metric. That is how each entry is verified: the value function is
``f(R_X(ξ))`` as a function of a direction ``Xi`` at ``Xi = 0`` (the sampler draws it zero),
and the checker differentiates it in every ambient direction. Two things are then checked at
once: tangent directions give the pairing with the claimed gradient, and the directions
normal to the manifold give zero, so the claimed gradient must be tangent.

For the embedded (Euclidean) metric the direction goes to the retraction as it is: the
retractions used here (normalisation for the sphere, the polar factor for the Stiefel
manifold and the orthogonal group) have the orthogonal projection onto the tangent space as
their differential at 0. For another metric ``g_X(u, v) = <u, G_X v>`` the direction is
first mapped to the tangent vector ``ξ = G_X^{-1} P_X(Xi)`` (its Riesz representative:
``g_X(ξ, η) = <Xi, η>`` for every tangent ``η``), so that the Frobenius gradient in ``Xi`` is
the Riemannian gradient under ``g``: for the canonical metric of the Stiefel manifold
``ξ = (I + X X^T) P_X(Xi)``, for the affine-invariant metric on SPD matrices
``ξ = X sym(Xi) X``.

The derivative functions implement the closed forms (they do not use ``Xi``: they are the
gradient at ``Xi = 0``). The exact sympy check differentiates along the same direction map at
every ``Xi``: through the retraction itself for the sphere (normalisation keeps the Rayleigh
quotient rational), and through the first-order curve ``X + ξ`` elsewhere (the polar factor
and the log-determinant are not rational), which has the retraction's derivative at 0; the
comparison of the sympy claim with the numpy code at the sample (``Xi = 0``, ``X`` on the
manifold) then ties the closed form to it.
"""

import numpy as np

from gradref.catalog import Identity, Mistake, register
from gradref.shapes import STRUCTURES, Arr, shaped, shaped_like

ABSIL = (
    "Absil, Mahony & Sepulchre, *Optimization Algorithms on Matrix Manifolds*, Princeton "
    "University Press (2008)"
)
ABSIL_GRADIENT = (
    f"{ABSIL}, section 3.6.1, eq. (3.37) (the gradient on a Riemannian submanifold is the "
    "projection of the Euclidean gradient) and section 4.1 (retractions)"
)
ABSIL_HESSIAN = (
    f"{ABSIL}, section 5.5 (the Riemannian Hessian operator; on a Riemannian submanifold, "
    "the projected derivative of the gradient)"
)
BOUMAL = (
    "Boumal, *An Introduction to Optimization on Smooth Manifolds*, Cambridge University "
    "Press (2023), chapter 3 (Riemannian gradients of embedded submanifolds), chapter 5 "
    "(Riemannian Hessians) and chapter 7 (the sphere, the Stiefel manifold, the orthogonal "
    "group)"
)
EDELMAN = (
    "Edelman, Arias & Smith, The geometry of algorithms with orthogonality constraints, "
    "*SIAM J. Matrix Anal. Appl.* 20(2), 303-353 (1998), section 2 (the Stiefel manifold: "
    "the Euclidean and the canonical metric, and the gradient under each)"
)
SRA = (
    "Sra & Hosseini, Conic geometric optimization on the manifold of positive definite "
    "matrices, *SIAM J. Optim.* 25(1), 713-739 (2015) (the affine-invariant metric and its "
    "gradient)"
)
JEURIS = (
    "Jeuris, Vandebril & Vandereycken, A survey and comparison of contemporary algorithms "
    "for computing the matrix geometric mean, *Electron. Trans. Numer. Anal.* 39, 379-402 "
    "(2012) (the second-order retraction X + ξ + ξ X^{-1} ξ / 2)"
)
PYMANOPT = (
    "Pymanopt, `src/pymanopt/manifolds/sphere.py` (`projection`, `retraction`), `stiefel.py` "
    "(`projection`, `_retraction_polar`) and `positive_definite.py` "
    "(`euclidean_to_riemannian_gradient`, `retraction`)"
)


# -- helpers (numpy; the sympy forms are below) ------------------------------------------


def _sym(M):
    return (M + M.T) / 2


def _polar(Y):
    """The orthonormal polar factor ``Y (Y^T Y)^{-1/2}`` of a full-column-rank ``Y``.

    The inverse square root is the Denman-Beavers iteration on ``Y^T Y`` scaled to mean
    eigenvalue 1: products and inverses only, so the complex step passes through it (an
    eigendecomposition would conjugate).
    """
    S = Y.T @ Y
    scale = np.trace(S) / S.shape[0]
    root, inverse_root = S / scale, np.eye(S.shape[0])
    for _ in range(60):
        previous = root
        root, inverse_root = (
            (root + np.linalg.inv(inverse_root)) / 2,
            (inverse_root + np.linalg.inv(root)) / 2,
        )
        if np.linalg.norm(root - previous) <= 1e-15 * np.linalg.norm(root):
            break
    return Y @ inverse_root / np.sqrt(scale)


def _project_stiefel(X, Z):
    """``P_X(Z) = Z - X sym(X^T Z)``, the orthogonal projection onto the tangent space at X."""
    return Z - X @ _sym(X.T @ Z)


def _unit(rng, n):
    v = rng.standard_normal(n)
    return v / np.linalg.norm(v)


def _stiefel_point(rng, n, p):
    return STRUCTURES["orthogonal"][0](rng, (n, n))[:, :p]


def _distinct_diagonal(rng, p):
    """A diagonal ``N`` with entries 1, 2, ..., p, each moved by at most 1/4."""
    return np.diag(np.arange(1.0, p + 1) + rng.uniform(-0.25, 0.25, p))


# -- the unit sphere --------------------------------------------------------------------------


def _sample_sphere(rng, n):
    """A unit ``x`` of length n + 1, the direction ``ξ = 0`` and a symmetric ``A``."""
    m = n + 1
    return {
        "x": _unit(rng, m),
        "xi": np.zeros(m),
        "A": STRUCTURES["symmetric"][0](rng, (m, m)),
    }


@shaped
def rayleigh_along_retraction(x: Arr["n"], xi: Arr["n"], A: Arr["n n"]):
    """``f(R_x(ξ))`` for ``f(x) = x^T A x`` on the unit sphere, ``R_x(ξ) = (x + ξ)/‖x + ξ‖``.

    >>> rayleigh_along_retraction(np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.eye(2) * 3)
    np.float64(3.0)
    """
    y = x + xi
    z = y / np.sqrt(y @ y)
    return z @ A @ z


@shaped_like(rayleigh_along_retraction)
def riemannian_gradient_rayleigh(x, xi, A):
    """The Riemannian gradient of ``x^T A x`` on the unit sphere at ``x``: ``2 (I - x x^T) A x``.

    >>> riemannian_gradient_rayleigh(np.array([1.0, 0.0]), np.zeros(2), np.array([[1.0, 2.0], [2.0, 0.0]]))
    array([0., 4.])
    """
    return 2 * (A @ x - (x @ A @ x) * x)


def _sp_rayleigh(x, xi, A):
    """``f(R_x(ξ)) = y^T A y / y^T y`` with ``y = x + ξ``, and its exact gradient in ``ξ``."""
    y = x + xi
    s = (y.T * y)[0, 0]
    r = (y.T * A * y)[0, 0] / s
    return r, ((A + A.T) * y - 2 * r * y) / s


register(
    Identity(
        id="riemannian.sphere-rayleigh",
        title="Riemannian gradient of the Rayleigh quotient x^T A x on the unit sphere",
        formula=r"\operatorname{grad} f(x) = 2\,(I - x x^\top) A x",
        wrt="xi",
        kind="gradient",
        value=rayleigh_along_retraction,
        derivative=riemannian_gradient_rayleigh,
        symbolic=_sp_rayleigh,
        sample=_sample_sphere,
        symbolic_dims=(1, 2),  # lengths 2 and 3; length 4 adds a second
        sources=(ABSIL_GRADIENT, BOUMAL, PYMANOPT),
        assumptions=(
            "f(x) = x^T A x with A symmetric, restricted to the unit sphere ‖x‖ = 1 with the "
            "metric of R^n. Verified along the retraction R_x(ξ) = (x + ξ)/‖x + ξ‖: the "
            "value is f(R_x(ξ)), differentiated in ξ at ξ = 0 in every direction of R^n "
            "(the normal direction x must give 0). Sympy differentiates f(R_x(ξ)) = y^T A y / "
            "y^T y (y = x + ξ) exactly at every ξ."
        ),
        derivation=r"""
Write $f(R_x(\xi)) = \bar f(x + \xi)$ with $\bar f(y) = y^\top A y / y^\top y$, which is
$f$ on the sphere and constant along rays. Its Euclidean gradient is
$\nabla \bar f(y) = 2(Ay - \bar f(y)\, y)/y^\top y$, which at $y = x$, $\|x\| = 1$, is
$2(Ax - (x^\top A x)\,x) = 2(I - xx^\top)Ax$. This vector is orthogonal to $x$, so it is
tangent, and for every tangent $\xi$ it gives
$\tfrac{d}{dt} f(R_x(t\xi))|_{t=0} = \langle 2(I - xx^\top)Ax, \xi\rangle$: it is the
Riemannian gradient, the projection $(I - xx^\top)\nabla f(x)$ of the Euclidean gradient
$\nabla f(x) = 2Ax$ onto the tangent space $\{\xi : x^\top \xi = 0\}$.
""",
        mistakes=(
            Mistake(
                r"2 A x",
                lambda x, xi, A: 2 * A @ x,
                "the Euclidean gradient, not projected: it has a component 2 x^T A x along "
                "the normal x, in which f does not change on the sphere",
            ),
            Mistake(
                r"A x - (x^\top A x)\, x",
                lambda x, xi, A: A @ x - (x @ A @ x) * x,
                "the eigenvector residual, half the gradient: the factor 2 of d(x^T A x) lost",
            ),
        ),
        conventions={"numerator": r"(\operatorname{grad} f(x))^\top = 2\, x^\top A (I - x x^\top)"},
        related=("riemannian.sphere-hessian", "quadratic.grad-x"),
        keywords=(
            "Riemannian gradient on the sphere",
            "Rayleigh quotient gradient on the sphere",
            "projected gradient unit sphere",
            "tangent space projection I - x x^T",
            "grad f(x) = (I - xx^T) nabla f(x)",
            "manifold optimization sphere",
        ),
    )
)


@shaped
def projected_rayleigh_gradient_along_retraction(x: Arr["n"], xi: Arr["n"], A: Arr["n n"]):
    """``P_x grad f(R_x(ξ))`` for ``f = x^T A x`` on the sphere, ``P_x = I - x x^T``.

    >>> projected_rayleigh_gradient_along_retraction(np.array([1.0, 0.0]), np.zeros(2), np.eye(2))
    array([0., 0.])
    """
    y = x + xi
    z = y / np.sqrt(y @ y)
    gradient = 2 * (A @ z - (z @ A @ z) * z)
    return gradient - x * (x @ gradient)


@shaped_like(projected_rayleigh_gradient_along_retraction)
def riemannian_hessian_rayleigh(x, xi, A):
    """The Riemannian Hessian of ``x^T A x`` on the sphere: ``2 P (A - x^T A x I) P``, ``P = I - x x^T``.

    >>> riemannian_hessian_rayleigh(np.array([1.0, 0.0]), np.zeros(2), np.diag([1.0, 3.0]))
    array([[0., 0.],
           [0., 4.]])
    """
    P = np.eye(x.size) - np.outer(x, x)
    return 2 * P @ (A - (x @ A @ x) * np.eye(x.size)) @ P


def _sp_rayleigh_hessian(x, xi, A):
    """``P_x ḡ(x + P_x ξ)`` with the extension ``ḡ(y) = 2(Ay - (y^T A y) y)`` of the gradient,
    and its exact Jacobian ``P_x (2A - 2 y^T A y I - 2 y y^T (A + A^T)) P_x``."""
    import sympy as sp

    P = sp.eye(x.rows) - x * x.T
    y = x + P * xi
    q = (y.T * A * y)[0, 0]
    extension = 2 * (A * y - q * y)
    jacobian = 2 * A - 2 * q * sp.eye(x.rows) - 2 * y * y.T * (A + A.T)
    return P * extension, P * jacobian * P


register(
    Identity(
        id="riemannian.sphere-hessian",
        title="Riemannian Hessian of the Rayleigh quotient x^T A x on the unit sphere",
        formula=(
            r"\operatorname{Hess} f(x) = 2\,(I - x x^\top)(A - (x^\top A x)\, I)(I - x x^\top)"
        ),
        wrt="xi",
        kind="jacobian",
        value=projected_rayleigh_gradient_along_retraction,
        derivative=riemannian_hessian_rayleigh,
        symbolic=_sp_rayleigh_hessian,
        sample=_sample_sphere,
        symbolic_dims=(1, 2),  # lengths 2 and 3; length 4 adds a second
        sources=(ABSIL_HESSIAN, BOUMAL),
        assumptions=(
            "f(x) = x^T A x with A symmetric on the unit sphere with the metric of R^n. The "
            "Hessian is the operator ξ -> Hess f(x)[ξ] on the tangent space, written as the "
            "n x n matrix that is 0 on the normal x. Verified as the Jacobian at ξ = 0 of "
            "P_x grad f(R_x(ξ)) (R_x the normalisation). Sympy differentiates P_x ḡ(x + P_x ξ) "
            "exactly, ḡ(y) = 2(Ay - (y^T A y) y) being a smooth extension of the gradient, "
            "which has the same derivative at ξ = 0."
        ),
        derivation=r"""
On a Riemannian submanifold the Hessian is the tangent part of the derivative of the
gradient: $\operatorname{Hess} f(x)[\xi] = P_x\, D\bar g(x)[\xi]$ for any smooth extension
$\bar g$ of $\operatorname{grad} f$, with $P_x = I - xx^\top$. Take
$\bar g(y) = 2(Ay - (y^\top A y)\,y)$. Then
$D\bar g(x)[\xi] = 2(A\xi - (x^\top A x)\,\xi - 2 (x^\top A \xi)\, x)$, and $P_x x = 0$
removes the last term: $\operatorname{Hess} f(x)[\xi] = 2P_x(A - x^\top A x\, I)\,\xi$ for
tangent $\xi$. Composed with $P_x$ on the right (0 on the normal $x$) it is the symmetric
matrix $2(I - xx^\top)(A - x^\top A x\, I)(I - xx^\top)$. The term $-2\,x^\top A x\, P_x$ is
the curvature of the sphere (the Weingarten map applied to the normal part $2 x^\top A x\,
x$ of the Euclidean gradient); at an eigenvector it makes the Hessian
$2P_x(A - \lambda I)P_x$, singular along no tangent direction when $\lambda$ is simple.
""",
        mistakes=(
            Mistake(
                r"2 A",
                lambda x, xi, A: 2 * A,
                "the Euclidean Hessian of x^T A x, which ignores both the projection and the "
                "curvature of the sphere",
            ),
            Mistake(
                r"2\,(I - x x^\top) A (I - x x^\top)",
                lambda x, xi, A: (
                    2 * (np.eye(x.size) - np.outer(x, x)) @ A @ (np.eye(x.size) - np.outer(x, x))
                ),
                "the projected Euclidean Hessian: the curvature term -2 x^T A x (I - x x^T) "
                "is missing",
            ),
            Mistake(
                r"2\,(A - (x^\top A x)\, I)",
                lambda x, xi, A: 2 * (A - (x @ A @ x) * np.eye(x.size)),
                "the Hessian of the Lagrangian x^T A x - λ(x^T x - 1) at λ = x^T A x, not "
                "restricted to the tangent space",
            ),
        ),
        related=("riemannian.sphere-rayleigh", "quadratic.grad-x"),
        keywords=(
            "Riemannian Hessian on the sphere",
            "Rayleigh quotient Hessian on the sphere",
            "Hess f(x) = P (A - x^T A x I) P",
            "Weingarten map sphere",
            "second-order manifold optimization sphere",
        ),
    )
)


# -- the Stiefel manifold ------------------------------------------------------------------


def _sample_stiefel(rng, n):
    """``X`` with orthonormal columns ((n + 2) x (n + 1)), ``Ξ = 0``, a symmetric ``A`` and a
    diagonal ``N`` with distinct entries (so that ``X^T G`` is not symmetric)."""
    rows, cols = n + 2, n + 1
    return {
        "X": _stiefel_point(rng, rows, cols),
        "Xi": np.zeros((rows, cols)),
        "A": STRUCTURES["symmetric"][0](rng, (rows, rows)),
        "N": _distinct_diagonal(rng, cols),
    }


def _brockett(Z, A, N):
    return np.trace(Z.T @ A @ Z @ N)


@shaped
def brockett_along_polar_retraction(X: Arr["n p"], Xi: Arr["n p"], A: Arr["n n"], N: Arr["p p"]):
    """``f(R_X(Ξ))`` for the Brockett cost ``f(X) = tr(X^T A X N)``, ``R_X(Ξ)`` the polar factor of ``X + Ξ``.

    >>> X = np.eye(3)[:, :2]
    >>> brockett_along_polar_retraction(X, np.zeros((3, 2)), np.diag([1.0, 2.0, 3.0]), np.eye(2))
    np.float64(3.0)
    """
    return _brockett(_polar(X + Xi), A, N)


@shaped_like(brockett_along_polar_retraction)
def stiefel_gradient_embedded(X, Xi, A, N):
    """The Riemannian gradient of ``tr(X^T A X N)`` on the Stiefel manifold, embedded metric:
    ``G - X sym(X^T G)`` with ``G = 2 A X N``.

    >>> X = np.eye(3)[:, :2]
    >>> stiefel_gradient_embedded(X, np.zeros((3, 2)), np.diag([1.0, 2.0, 3.0]), np.eye(2))
    array([[0., 0.],
           [0., 0.],
           [0., 0.]])
    """
    G = 2 * A @ X @ N
    return G - X @ _sym(X.T @ G)


def _sp_sym(M):
    return (M + M.T) / 2


def _sp_brockett_data(A, N):
    """The Brockett cost's data as the statement has them: ``A`` symmetric, ``N`` diagonal
    (the sample's are; fewer symbols keep the exact check fast)."""
    import sympy as sp

    return _sp_sym(A), sp.diag(*[N[i, i] for i in range(N.rows)])


def _sp_brockett(Y, A, N):
    return (Y.T * A * Y * N).trace()


def _sp_stiefel_embedded(X, Xi, A, N):
    """Along the first-order curve ``X + P_X(Ξ)``: the value and its exact gradient in ``Ξ``,
    ``P_X(∇f(Y))`` (``P_X`` is self-adjoint for every ``X``)."""
    A, N = _sp_brockett_data(A, N)
    Y = X + Xi - X * _sp_sym(X.T * Xi)
    G = 2 * A * Y * N
    return _sp_brockett(Y, A, N), G - X * _sp_sym(X.T * G)


_STIEFEL_SYMPY = (
    "Sympy checks the chain rule exactly at X 3 x 2 along the first-order curve X + ξ (the "
    "polar factor is not rational; the curve has the retraction's derivative at 0), and the "
    "closed form against it at the sample"
)

register(
    Identity(
        id="riemannian.stiefel-embedded",
        title="Riemannian gradient of the Brockett cost on the Stiefel manifold (embedded metric)",
        formula=r"\operatorname{grad} f(X) = G - X \operatorname{sym}(X^\top G)",
        where=(r"G = 2 A X N",),
        wrt="Xi",
        kind="gradient",
        value=brockett_along_polar_retraction,
        derivative=stiefel_gradient_embedded,
        symbolic=_sp_stiefel_embedded,
        sample=_sample_stiefel,
        symbolic_dims=(1,),  # X 3 x 2; numerics at 3 x 2 to 10 x 9
        sources=(ABSIL_GRADIENT, EDELMAN, BOUMAL, PYMANOPT),
        assumptions=(
            "X^T X = I (X on the Stiefel manifold St(n, p), n > p), f(X) = tr(X^T A X N) with "
            "A symmetric and N diagonal with distinct entries (the Brockett cost; G = 2 A X N "
            "is its Euclidean gradient), and the metric <U, V> = tr(U^T V) of R^{n x p}. "
            "Verified along the polar retraction R_X(ξ), the polar factor of X + ξ (for "
            "tangent ξ, (X + ξ)(I + ξ^T ξ)^{-1/2}), in every direction of R^{n x p} at ξ = 0. "
            + _STIEFEL_SYMPY
            + "."
        ),
        derivation=r"""
The tangent space at $X$ is $\{\xi : X^\top \xi + \xi^\top X = 0\}$ and the orthogonal
projection onto it is $P_X(Z) = Z - X\operatorname{sym}(X^\top Z)$, with
$\operatorname{sym}(M) = (M + M^\top)/2$. With the metric of the embedding, the gradient is
the projection of the Euclidean gradient $G = \nabla f(X) = 2AXN$:
$\operatorname{grad} f(X) = G - X\operatorname{sym}(X^\top G)$. The polar retraction has
differential $P_X$ at 0: with $Y = X + \xi$, $d(Y^\top Y) = 2\operatorname{sym}(X^\top \xi)$
and $d(S^{-1/2}) = -\tfrac12 dS$ at $S = I$, so
$d\,[Y (Y^\top Y)^{-1/2}] = \xi - X\operatorname{sym}(X^\top \xi)$. Hence
$\tfrac{d}{dt} f(R_X(t\xi))|_{t=0} = \langle G, P_X \xi\rangle = \langle P_X G, \xi\rangle$ for
every $\xi$, which is what the check measures. Only the symmetric part of $X^\top G$ is
removed: the skew part $X \operatorname{skew}(X^\top G)$ is tangent (it rotates the columns
within their span) and stays.
""",
        mistakes=(
            Mistake(
                r"G",
                lambda X, Xi, A, N: 2 * A @ X @ N,
                "the Euclidean gradient, not projected onto the tangent space",
            ),
            Mistake(
                r"G - X G^\top X",
                lambda X, Xi, A, N: 2 * A @ X @ N - X @ (2 * A @ X @ N).T @ X,
                "the gradient under the canonical metric, used with the embedded metric",
            ),
            Mistake(
                r"(I - X X^\top) G",
                lambda X, Xi, A, N: 2 * A @ X @ N - X @ (X.T @ (2 * A @ X @ N)),
                "the Grassmann projection: it also removes the tangent component X skew(X^T G) "
                "that rotates the columns within their span",
            ),
        ),
        conventions={
            "numerator": (
                r"(\operatorname{grad} f(X))^\top = G^\top - \operatorname{sym}(G^\top X)\, "
                r"X^\top"
            )
        },
        related=("riemannian.stiefel-canonical", "riemannian.orthogonal-procrustes"),
        keywords=(
            "Riemannian gradient on the Stiefel manifold",
            "Stiefel gradient embedded metric",
            "Euclidean metric Stiefel projection",
            "G - X sym(X^T G)",
            "Brockett cost gradient",
            "orthogonality constraint gradient",
            "egrad2rgrad Stiefel",
        ),
    )
)


@shaped
def brockett_along_canonical_direction(X: Arr["n p"], Xi: Arr["n p"], A: Arr["n n"], N: Arr["p p"]):
    """``f(R_X(ξ))`` with ``ξ = (I + X X^T) P_X(Ξ)``, the canonical metric's representative of
    ``Ξ``, for ``f(X) = tr(X^T A X N)`` and the polar retraction.

    >>> X = np.eye(3)[:, :2]
    >>> brockett_along_canonical_direction(X, np.zeros((3, 2)), np.diag([1.0, 2.0, 3.0]), np.eye(2))
    np.float64(3.0)
    """
    tangent = _project_stiefel(X, Xi)
    return _brockett(_polar(X + tangent + X @ (X.T @ tangent)), A, N)


@shaped_like(brockett_along_canonical_direction)
def stiefel_gradient_canonical(X, Xi, A, N):
    """The Riemannian gradient of ``tr(X^T A X N)`` on the Stiefel manifold, canonical metric:
    ``G - X G^T X`` with ``G = 2 A X N``.

    >>> X = np.eye(3)[:, :2]
    >>> stiefel_gradient_canonical(X, np.zeros((3, 2)), np.diag([1.0, 2.0, 3.0]), np.eye(2))
    array([[0., 0.],
           [0., 0.],
           [0., 0.]])
    """
    G = 2 * A @ X @ N
    return G - X @ G.T @ X


def _sp_stiefel_canonical(X, Xi, A, N):
    """Along ``X + Ξ - X Ξ^T X``: the value and its exact gradient in ``Ξ``,
    ``∇f(Y) - X ∇f(Y)^T X`` (the adjoint of the direction map).

    On the manifold ``Ξ - X Ξ^T X`` is the canonical representative ``(I + X X^T) P_X(Ξ)``
    that the numpy value uses (``tests/test_riemannian.py`` checks that it is, and that it
    represents ``Ξ`` under the canonical metric); this form keeps the polynomials small.
    """
    A, N = _sp_brockett_data(A, N)
    Y = X + Xi - X * Xi.T * X
    G = 2 * A * Y * N
    return _sp_brockett(Y, A, N), G - X * G.T * X


register(
    Identity(
        id="riemannian.stiefel-canonical",
        title="Riemannian gradient of the Brockett cost on the Stiefel manifold (canonical metric)",
        formula=r"\operatorname{grad}_c f(X) = G - X G^\top X",
        where=(r"G = 2 A X N",),
        wrt="Xi",
        kind="gradient",
        value=brockett_along_canonical_direction,
        derivative=stiefel_gradient_canonical,
        symbolic=_sp_stiefel_canonical,
        sample=_sample_stiefel,
        symbolic_dims=(1,),  # X 3 x 2; numerics at 3 x 2 to 10 x 9
        sources=(EDELMAN, BOUMAL),
        assumptions=(
            "X^T X = I, f(X) = tr(X^T A X N) as in riemannian.stiefel-embedded, and the "
            "canonical metric g_c(U, V) = tr(U^T (I - X X^T / 2) V) of Edelman, Arias & Smith. "
            "Verified along the polar retraction in the direction ξ = (I + X X^T) P_X(Ξ), the "
            "tangent vector with g_c(ξ, η) = <Ξ, η> for every tangent η, so that the gradient "
            "in Ξ at Ξ = 0 is the canonical gradient. " + _STIEFEL_SYMPY + "."
        ),
        derivation=r"""
The canonical metric weighs the part of a tangent vector inside the span of $X$ once rather
than twice: $g_c(\xi, \eta) = \operatorname{tr}(\xi^\top (I - \tfrac12 XX^\top)\eta)$. The
gradient $\Gamma$ is the tangent vector with $g_c(\Gamma, \xi) = \langle G, \xi\rangle$ for
all tangent $\xi$, i.e. $(I - \tfrac12 XX^\top)\Gamma = P_X G$. On tangent vectors the inverse
of $I - \tfrac12 XX^\top$ is $I + XX^\top$ ($XX^\top$ is a projector), so
$\Gamma = (I + XX^\top)(G - X\operatorname{sym}(X^\top G))
= G + XX^\top G - X(X^\top G + G^\top X) = G - XG^\top X$.
It is tangent: $X^\top \Gamma = X^\top G - G^\top X$ is skew. The check pairs the same
way: $\tfrac{d}{dt} f(R_X(t\xi))|_{t=0} = \langle G, (I + XX^\top)P_X \Xi\rangle
= \langle P_X (I + XX^\top) G, \Xi\rangle$, and $P_X(I + XX^\top)G = \Gamma$.
""",
        mistakes=(
            Mistake(
                r"G - X \operatorname{sym}(X^\top G)",
                lambda X, Xi, A, N: _project_stiefel(X, 2 * A @ X @ N),
                "the embedded-metric gradient (the projection of G), used with the canonical "
                "metric: its component X skew(X^T G) is half what it must be",
            ),
            Mistake(
                r"G",
                lambda X, Xi, A, N: 2 * A @ X @ N,
                "the Euclidean gradient, not a tangent vector",
            ),
            Mistake(
                r"G - X X^\top G",
                lambda X, Xi, A, N: 2 * A @ X @ N - X @ (X.T @ (2 * A @ X @ N)),
                "the projection onto the complement of the span of X (the Grassmann gradient): "
                "it loses the tangent component that rotates the columns within their span",
            ),
        ),
        conventions={"numerator": r"(\operatorname{grad}_c f(X))^\top = G^\top - X^\top G X^\top"},
        related=("riemannian.stiefel-embedded", "riemannian.orthogonal-procrustes"),
        keywords=(
            "canonical metric Stiefel gradient",
            "Riemannian gradient on the Stiefel manifold canonical metric",
            "G - X G^T X",
            "Edelman Arias Smith gradient",
            "Cayley transform gradient Stiefel",
            "Wen Yin curvilinear search gradient",
        ),
    )
)


# -- the orthogonal group -----------------------------------------------------------------


def _sample_orthogonal(rng, n):
    """An orthogonal ``Q`` and a general ``B``, both (n + 1) x (n + 1), and ``Ξ = 0``."""
    m = n + 1
    return {
        "Q": STRUCTURES["orthogonal"][0](rng, (m, m)),
        "Xi": np.zeros((m, m)),
        "B": rng.standard_normal((m, m)),
    }


@shaped
def procrustes_along_polar_retraction(Q: Arr["n n"], Xi: Arr["n n"], B: Arr["n n"]):
    """``f(R_Q(Ξ))`` for ``f(Q) = tr(B^T Q)`` on the orthogonal group, ``R_Q`` the polar factor.

    >>> procrustes_along_polar_retraction(np.eye(2), np.zeros((2, 2)), np.eye(2))
    np.float64(2.0)
    """
    return np.sum(B * _polar(Q + Xi))


@shaped_like(procrustes_along_polar_retraction)
def orthogonal_gradient(Q, Xi, B):
    """The Riemannian gradient of ``tr(B^T Q)`` on the orthogonal group: ``Q (Q^T B - B^T Q) / 2``.

    >>> orthogonal_gradient(np.eye(2), np.zeros((2, 2)), np.array([[0.0, 2.0], [0.0, 0.0]]))
    array([[ 0.,  1.],
           [-1.,  0.]])
    """
    return Q @ (Q.T @ B - B.T @ Q) / 2


def _sp_procrustes(Q, Xi, B):
    """Along ``Q + P_Q(Ξ)``: ``tr(B^T Y)`` and its exact gradient in ``Ξ``, ``P_Q(B)``."""
    Y = Q + Xi - Q * _sp_sym(Q.T * Xi)
    return (B.T * Y).trace(), B - Q * _sp_sym(Q.T * B)


register(
    Identity(
        id="riemannian.orthogonal-procrustes",
        title="Riemannian gradient of tr(B^T Q) on the orthogonal group",
        formula=r"\operatorname{grad} f(Q) = \tfrac12\, Q\,(Q^\top B - B^\top Q)",
        wrt="Xi",
        kind="gradient",
        value=procrustes_along_polar_retraction,
        derivative=orthogonal_gradient,
        symbolic=_sp_procrustes,
        sample=_sample_orthogonal,
        sources=(ABSIL_GRADIENT, EDELMAN, BOUMAL),
        assumptions=(
            "Q^T Q = I (the orthogonal group O(n), the Stiefel manifold with p = n), "
            "f(Q) = tr(B^T Q) (the orthogonal Procrustes cost: ‖Q - B‖^2 = const - 2 tr(B^T Q) "
            "on O(n)) and the metric tr(U^T V) of R^{n x n}. Verified along the polar "
            "retraction in every direction at ξ = 0; sympy checks the chain rule exactly along "
            "the first-order curve Q + P_Q(ξ) and the closed form against it at the sample."
        ),
        derivation=r"""
The tangent space at $Q$ is $\{Q\Omega : \Omega^\top = -\Omega\}$ and the orthogonal
projection onto it is $P_Q(Z) = Q\operatorname{skew}(Q^\top Z)$, with
$\operatorname{skew}(M) = (M - M^\top)/2$ (the Stiefel projection
$Z - Q\operatorname{sym}(Q^\top Z)$ at $p = n$, as $QQ^\top = I$). The Euclidean gradient of
$\operatorname{tr}(B^\top Q)$ is $B$, so
$\operatorname{grad} f(Q) = Q\operatorname{skew}(Q^\top B) = \tfrac12 Q(Q^\top B - B^\top Q)
= \tfrac12(B - QB^\top Q)$. It vanishes exactly when $Q^\top B$ is symmetric, the
first-order condition of orthogonal Procrustes, met by the polar factor of $B$.
""",
        mistakes=(
            Mistake(
                r"B",
                lambda Q, Xi, B: B.copy(),
                "the Euclidean gradient: not tangent (Q^T B is not skew)",
            ),
            Mistake(
                r"\tfrac12\,(Q^\top B - B^\top Q)",
                lambda Q, Xi, B: (Q.T @ B - B.T @ Q) / 2,
                "the Lie-algebra element skew(Q^T B) (the gradient in the left trivialisation "
                "Q exp(Ω)) returned without the factor Q that makes it a tangent vector at Q",
            ),
            Mistake(
                r"B - Q B^\top Q",
                lambda Q, Xi, B: B - Q @ B.T @ Q,
                "the canonical-metric formula G - X G^T X of the Stiefel manifold, which at "
                "p = n is twice the gradient of the embedded metric (the canonical metric is "
                "half the Euclidean one on O(n))",
            ),
        ),
        conventions={
            "numerator": r"(\operatorname{grad} f(Q))^\top = \tfrac12\,(B^\top Q - Q^\top B)\, Q^\top"
        },
        related=("riemannian.stiefel-embedded", "riemannian.stiefel-canonical"),
        keywords=(
            "Riemannian gradient on the orthogonal group",
            "orthogonal Procrustes gradient",
            "gradient on O(n)",
            "Q skew(Q^T G)",
            "rotation matrix gradient",
            "SO(n) gradient",
        ),
    )
)


# -- symmetric positive definite matrices, affine-invariant metric --------------------------


def _sample_spd(rng, n):
    """An SPD ``X`` and a general (non-symmetric) ``A``, both n x n, and ``Ξ = 0``."""
    m = n
    return {
        "X": STRUCTURES["spd"][0](rng, (m, m)),
        "Xi": np.zeros((m, m)),
        "A": rng.standard_normal((m, m)),
    }


def _trace_minus_logdet(Y, A):
    return np.sum(A.T * Y) - np.log(np.linalg.det(Y))


@shaped
def trace_logdet_along_retraction(X: Arr["n n"], Xi: Arr["n n"], A: Arr["n n"]):
    """``f(R_X(ξ))`` for ``f(X) = tr(A X) - ln det X`` on SPD matrices, ``ξ = X sym(Ξ) X``
    and ``R_X(ξ) = X + ξ + ξ X^{-1} ξ / 2``.

    >>> trace_logdet_along_retraction(np.eye(2), np.zeros((2, 2)), np.eye(2))
    np.float64(2.0)
    """
    tangent = X @ _sym(Xi) @ X
    return _trace_minus_logdet(X + tangent + tangent @ np.linalg.solve(X, tangent) / 2, A)


@shaped_like(trace_logdet_along_retraction)
def spd_gradient_affine_invariant(X, Xi, A):
    """The affine-invariant Riemannian gradient of ``tr(A X) - ln det X``: ``X sym(A) X - X``.

    >>> spd_gradient_affine_invariant(2 * np.eye(2), np.zeros((2, 2)), np.eye(2))
    array([[2., 0.],
           [0., 2.]])
    """
    return X @ _sym(A) @ X - X


def _sp_spd(X, Xi, A):
    """Along ``X + X sym(Ξ) X``: the value and its exact gradient in ``Ξ``,
    ``sym(X^T ∇f(Y) X^T)`` with ``∇f(Y) = A^T - Y^{-T}``."""
    Y = X + X * _sp_sym(Xi) * X
    value = (A * Y).trace() - _sp_log(Y.det())
    return value, _sp_sym(X.T * (A.T - Y.inv().T) * X.T)


def _sp_log(x):
    import sympy as sp

    return sp.log(x)


register(
    Identity(
        id="riemannian.spd-affine-invariant",
        title="Riemannian gradient of tr(AX) - ln det X on SPD matrices (affine-invariant metric)",
        formula=r"\operatorname{grad} f(X) = X \operatorname{sym}(A)\, X - X",
        wrt="Xi",
        kind="gradient",
        value=trace_logdet_along_retraction,
        derivative=spd_gradient_affine_invariant,
        symbolic=_sp_spd,
        sample=_sample_spd,
        symbolic_dims=(
            1,
        ),  # X 1 x 1 (2 x 2 takes 7 s); exact at 2 x 2 and 3 x 3 in tests/test_riemannian.py
        sources=(SRA, JEURIS, BOUMAL, PYMANOPT),
        assumptions=(
            "X symmetric positive definite, f(X) = tr(AX) - ln det X with A any square "
            "matrix (f on symmetric matrices sees only sym(A)), and the affine-invariant "
            "metric g_X(U, V) = tr(X^{-1} U X^{-1} V) on the symmetric tangent vectors. "
            "Verified along the second-order retraction R_X(ξ) = X + ξ + ξ X^{-1} ξ / 2 in the "
            "direction ξ = X sym(Ξ) X, the tangent vector with g_X(ξ, η) = <Ξ, η> for every "
            "symmetric η, at Ξ = 0. Sympy checks the chain rule exactly at 1 x 1 along the "
            "first-order curve X + ξ (the rational functions of a general 2 x 2 take it 7 s); "
            "tests/test_riemannian.py differentiates f(R_X(ξ)) along the retraction itself "
            "exactly at 2 x 2 and 3 x 3 rational points and compares with the formula."
        ),
        derivation=r"""
The tangent space is the symmetric matrices. Restricted to them, $f$ has the Euclidean
gradient $\operatorname{sym}(\nabla f) = \operatorname{sym}(A) - X^{-1}$ (the trace and the
log-determinant rules, symmetrised). The gradient under
$g_X(U, V) = \operatorname{tr}(X^{-1} U X^{-1} V)$ is the symmetric $\Gamma$ with
$\operatorname{tr}(X^{-1}\Gamma X^{-1}\xi) = \langle \operatorname{sym}(A) - X^{-1}, \xi\rangle$
for every symmetric $\xi$, i.e. $X^{-1}\Gamma X^{-1} = \operatorname{sym}(A) - X^{-1}$:
$\Gamma = X\operatorname{sym}(A)X - X$. In general
$\operatorname{grad} f(X) = X\operatorname{sym}(\nabla f(X))X$. Here it vanishes at
$X = \operatorname{sym}(A)^{-1}$, the minimiser when $\operatorname{sym}(A)$ is positive
definite (the maximum-likelihood precision matrix of a Gaussian, with $A$ the sample
covariance).
""",
        mistakes=(
            Mistake(
                r"\operatorname{sym}(A) - X^{-1}",
                lambda X, Xi, A: _sym(A) - np.linalg.inv(X),
                "the Euclidean gradient, the gradient for the metric tr(U V), not for the "
                "affine-invariant one",
            ),
            Mistake(
                r"X A X - X",
                lambda X, Xi, A: X @ A @ X - X,
                "the Euclidean gradient not symmetrised: for a non-symmetric A the result is "
                "not symmetric, so not a tangent vector",
            ),
            Mistake(
                r"X^{1/2} \operatorname{sym}(A) X^{1/2} - I",
                lambda X, Xi, A: (
                    (lambda w, V: (V * np.sqrt(w)) @ V.T)(*np.linalg.eigh(X))
                    @ _sym(A)
                    @ (lambda w, V: (V * np.sqrt(w)) @ V.T)(*np.linalg.eigh(X))
                    - np.eye(X.shape[0])
                ),
                "the gradient in the whitened coordinates X^{-1/2} ξ X^{-1/2} (where the "
                "metric is Euclidean), not mapped back to the tangent space at X",
            ),
        ),
        conventions={
            "numerator": r"(\operatorname{grad} f(X))^\top = X \operatorname{sym}(A)\, X - X"
        },
        related=("riemannian.spd-gaussian-covariance", "determinants.logdet-spd"),
        keywords=(
            "Riemannian gradient affine-invariant metric",
            "SPD manifold gradient",
            "X sym(G) X",
            "positive definite matrices Riemannian gradient",
            "egrad2rgrad SPD",
        ),
    )
)


@shaped
def gaussian_nll_along_retraction(Sigma: Arr["n n"], Xi: Arr["n n"], S: Arr["n n"]):
    """``f(R_Σ(ξ))`` for ``f(Σ) = ln det Σ + tr(S Σ^{-1})`` on SPD matrices, ``ξ = Σ sym(Ξ) Σ``
    and ``R_Σ(ξ) = Σ + ξ + ξ Σ^{-1} ξ / 2``.

    >>> gaussian_nll_along_retraction(np.eye(2), np.zeros((2, 2)), np.eye(2))
    np.float64(2.0)
    """
    tangent = Sigma @ _sym(Xi) @ Sigma
    Y = Sigma + tangent + tangent @ np.linalg.solve(Sigma, tangent) / 2
    return np.log(np.linalg.det(Y)) + np.trace(np.linalg.solve(Y, S))


@shaped_like(gaussian_nll_along_retraction)
def spd_gradient_gaussian_covariance(Sigma, Xi, S):
    """The affine-invariant Riemannian gradient of ``ln det Σ + tr(S Σ^{-1})``: ``Σ - sym(S)``.

    >>> spd_gradient_gaussian_covariance(2 * np.eye(2), np.zeros((2, 2)), np.eye(2))
    array([[1., 0.],
           [0., 1.]])
    """
    return Sigma - _sym(S)


def _sp_gaussian_covariance(Sigma, Xi, S):
    """Along ``Σ + Σ sym(Ξ) Σ``: the value and its exact gradient in ``Ξ``,
    ``sym(Σ^T ∇f(Y) Σ^T)`` with ``∇f(Y) = Y^{-T} - Y^{-T} S^T Y^{-T}``."""
    Y = Sigma + Sigma * _sp_sym(Xi) * Sigma
    inverse_t = Y.inv().T
    value = _sp_log(Y.det()) + (S * Y.inv()).trace()
    return value, _sp_sym(Sigma.T * (inverse_t - inverse_t * S.T * inverse_t) * Sigma.T)


def _sample_gaussian_covariance(rng, n):
    """An SPD ``Σ`` and a general (non-symmetric) ``S``, n x n, and ``Ξ = 0``."""
    m = n
    return {
        "Sigma": STRUCTURES["spd"][0](rng, (m, m)),
        "Xi": np.zeros((m, m)),
        "S": rng.standard_normal((m, m)),
    }


register(
    Identity(
        id="riemannian.spd-gaussian-covariance",
        title=(
            "Riemannian gradient of the Gaussian negative log-likelihood in the covariance "
            "(affine-invariant metric)"
        ),
        formula=r"\operatorname{grad} f(\Sigma) = \Sigma - \operatorname{sym}(S)",
        wrt="Xi",
        kind="gradient",
        value=gaussian_nll_along_retraction,
        derivative=spd_gradient_gaussian_covariance,
        symbolic=_sp_gaussian_covariance,
        sample=_sample_gaussian_covariance,
        symbolic_dims=(
            1,
        ),  # Σ 1 x 1 (2 x 2 takes minutes); exact at 2 x 2 and 3 x 3 in tests/test_riemannian.py
        sources=(SRA, JEURIS, PYMANOPT),
        assumptions=(
            "Σ symmetric positive definite, f(Σ) = ln det Σ + tr(S Σ^{-1}) (twice the Gaussian "
            "negative log-likelihood per sample, up to a constant, with S the sample "
            "covariance; any square S, of which f sees sym(S)), and the affine-invariant "
            "metric. Verified as riemannian.spd-affine-invariant is: along the second-order "
            "retraction in the direction ξ = Σ sym(Ξ) Σ at Ξ = 0; sympy exactly at 1 x 1 along "
            "the first-order curve Σ + ξ, and tests/test_riemannian.py exactly along the "
            "retraction at 2 x 2 and 3 x 3 rational points."
        ),
        derivation=r"""
On symmetric matrices the Euclidean gradient of $f$ is
$\Sigma^{-1} - \Sigma^{-1}\operatorname{sym}(S)\Sigma^{-1}$ (from
$d\ln\det\Sigma = \operatorname{tr}(\Sigma^{-1}d\Sigma)$ and
$d\Sigma^{-1} = -\Sigma^{-1}d\Sigma\,\Sigma^{-1}$). The affine-invariant gradient is
$\Sigma\operatorname{sym}(\nabla f)\Sigma$, which cancels both inverses:
$\operatorname{grad} f(\Sigma) = \Sigma - \operatorname{sym}(S)$. A Riemannian gradient step
$\Sigma \leftarrow R_\Sigma(-t(\Sigma - S))$ moves toward the sample covariance without
solving a linear system, and stays positive definite.
""",
        mistakes=(
            Mistake(
                r"\Sigma^{-1} - \Sigma^{-1} \operatorname{sym}(S)\, \Sigma^{-1}",
                lambda Sigma, Xi, S: (
                    np.linalg.inv(Sigma) - np.linalg.inv(Sigma) @ _sym(S) @ np.linalg.inv(Sigma)
                ),
                "the Euclidean gradient, for the metric tr(U V) instead of the affine-invariant "
                "one",
            ),
            Mistake(
                r"\Sigma - S",
                lambda Sigma, Xi, S: Sigma - S,
                "S not symmetrised: for a non-symmetric S (a cross-covariance) the result is "
                "not a tangent vector",
            ),
        ),
        conventions={
            "numerator": r"(\operatorname{grad} f(\Sigma))^\top = \Sigma - \operatorname{sym}(S)"
        },
        related=("riemannian.spd-affine-invariant", "determinants.logdet-spd"),
        keywords=(
            "Riemannian gradient Gaussian covariance",
            "covariance estimation on the SPD manifold",
            "Sigma - S",
            "affine-invariant gradient of the Gaussian likelihood",
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "sphere",
        "Gradient and Hessian on the unit sphere",
        ("riemannian.sphere-rayleigh", "riemannian.sphere-hessian"),
    ),
    (
        "orthogonality",
        "Stiefel manifold and orthogonal group",
        (
            "riemannian.stiefel-embedded",
            "riemannian.stiefel-canonical",
            "riemannian.orthogonal-procrustes",
        ),
    ),
    (
        "spd",
        "SPD matrices, affine-invariant metric",
        ("riemannian.spd-affine-invariant", "riemannian.spd-gaussian-covariance"),
    ),
)
