"""Gaussian processes and parametrised matrices.

A covariance matrix K(theta) that depends on parameters: the derivatives of ln det K and of
y^T K^{-1} y in a parameter (Rasmussen & Williams 2006, appendix A.3), the log marginal
likelihood of a Gaussian process with a squared-exponential kernel differentiated with respect
to its hyperparameters (GPML eq. 5.9) and to its inputs, the normaliser det(Sigma)^{-1/2} and
the Gaussian density with respect to the covariance.

A matrix argument (a covariance) is a function of its n^2 entries taken as independent,
differentiated at a symmetric point (the Cookbook's convention, as in ``likelihoods``): the
exact sympy checks use a general matrix of symbols and state the claim with the transposes
that this requires (they vanish at the symmetric sample). A scalar parameter is declared as
a vector of length 1.
"""

import numpy as np
import sympy as sp

from gradref.catalog import Identity, Mistake, register
from gradref.identities.gaussian import gaussian_density
from gradref.identities.linear import COOKBOOK
from gradref.shapes import STRUCTURES, Arr, shaped, shaped_like

GPML = "Rasmussen & Williams, *Gaussian Processes for Machine Learning*, MIT Press (2006)"
MAGNUS = "Magnus & Neudecker, *Matrix Differential Calculus*, 3rd ed. (2019), ch. 8"


def _inv(X):
    """``X^{-1}`` for sympy, as ``adj(X) / det X``."""
    return X.adjugate() / X.det()


def _sym(M):
    """A symmetric sympy stand-in (the upper triangle mirrored) for an input that is not
    differentiated and is symmetric by assumption."""
    return sp.Matrix(M.rows, M.cols, lambda i, j: M[min(i, j), max(i, j)])


def _scalar(M):
    """The single entry of a 1 x 1 sympy matrix."""
    return M[0, 0]


# -- appendix A.3: ln det K(theta) and y^T K(theta)^{-1} y ----------------------------------


def _affine(A, B, theta):
    """``K(theta) = A + theta B`` (``theta`` held as ``theta[0]``)."""
    return A + theta[0] * B


@shaped
def logdet_affine(A: Arr["n n"], B: Arr["n n"], theta: Arr["1"]):
    """``ln det K(theta)`` for ``K(theta) = A + theta B``.

    >>> round(float(logdet_affine(np.eye(2), np.eye(2), np.array([1.0]))), 12)
    1.386294361120
    """
    return np.log(np.linalg.det(_affine(A, B, theta)))


@shaped_like(logdet_affine)
def grad_logdet_affine(A, B, theta):
    """``d ln det K / d theta = tr(K^{-1} dK/dtheta)`` with ``dK/dtheta = B``, as a 1-vector.

    >>> grad_logdet_affine(np.eye(2), np.eye(2), np.array([1.0]))
    array([1.])
    """
    return np.array([np.trace(np.linalg.solve(_affine(A, B, theta), B))])


@shaped_like(logdet_affine)
def hessian_logdet_affine(A, B, theta):
    """``d^2 ln det K / d theta^2 = -tr(K^{-1} B K^{-1} B)``, as a 1 x 1 matrix.

    >>> hessian_logdet_affine(np.eye(2), np.eye(2), np.array([1.0]))
    array([[-0.5]])
    """
    P = np.linalg.solve(_affine(A, B, theta), B)
    return np.array([[-np.trace(P @ P)]])


def _sample_affine(rng, n):
    """``K(theta) = A + theta B`` symmetric positive definite by construction, B symmetric:
    K and theta first, then ``A = K - theta B``."""
    theta = rng.standard_normal(1)
    B = STRUCTURES["symmetric"][0](rng, (n, n))
    K = STRUCTURES["spd"][0](rng, (n, n))
    return {"A": K - theta[0] * B, "B": B, "theta": theta}


def _symbolic_logdet_affine(A, B, theta):
    B = _sym(B)
    K = _sym(A) + theta[0, 0] * B
    return sp.log(K.det()), sp.Matrix([(_inv(K) * B).trace()])


_AFFINE_ASSUMPTIONS = (
    "K(theta) differentiable and invertible at theta (here symmetric positive definite); "
    "theta a scalar (declared as a 1-vector). The statement holds for any such K(theta); it is "
    "checked on the affine K(theta) = A + theta B, whose dK/dtheta = B, with A and B "
    "symmetric as a covariance and its derivative are"
)

register(
    Identity(
        id="processes.logdet-parameter",
        title="Derivative of the log-determinant of a matrix that depends on a scalar parameter",
        formula=r"\frac{\partial}{\partial\theta}\ln\det K(\theta)"
        r" = \operatorname{tr}\Big(K^{-1}\frac{\partial K}{\partial\theta}\Big)"
        r" = \operatorname{tr}(K^{-1}B),\quad K = A + \theta B",
        wrt="theta",
        kind="gradient",
        value=logdet_affine,
        derivative=grad_logdet_affine,
        hessian=hessian_logdet_affine,
        hessian_formula=r"\frac{\partial^2}{\partial\theta^2}\ln\det K"
        r" = -\operatorname{tr}(K^{-1}BK^{-1}B),\quad K = A + \theta B",
        sample=_sample_affine,
        symbolic=_symbolic_logdet_affine,
        derivation=r"""
Jacobi's formula $d\det K = \det(K)\operatorname{tr}(K^{-1}dK)$ gives
$d\ln\det K = \operatorname{tr}(K^{-1}dK)$, and the chain rule with
$dK = \frac{\partial K}{\partial\theta}d\theta$ gives the first form (GPML eq. A.14).
For $K = A + \theta B$, $\partial K/\partial\theta = B$. Differentiating once more with
$dK^{-1} = -K^{-1}dK\,K^{-1}$ (eq. A.13) gives $-\operatorname{tr}(K^{-1}BK^{-1}B)$;
for symmetric $K$ and $B$ it is $-\lVert K^{-1/2}BK^{-1/2}\rVert_F^2 \le 0$: $\ln\det$ is
concave along every line in the positive definite cone.
""",
        mistakes=(
            Mistake(
                r"\det(K)\operatorname{tr}(K^{-1}B)",
                lambda A, B, theta: (
                    np.linalg.det(_affine(A, B, theta)) * grad_logdet_affine(A, B, theta)
                ),
                "Jacobi's formula for det K, where ln det K was meant",
            ),
            Mistake(
                r"\operatorname{tr}(K^{-1})\operatorname{tr}(B)",
                lambda A, B, theta: np.array(
                    [np.trace(np.linalg.inv(_affine(A, B, theta))) * np.trace(B)]
                ),
                "splits the trace of the product into a product of traces",
            ),
        ),
        related=(
            "processes.inverse-quadratic-parameter",
            "determinants.det-path",
            "determinants.logdet",
            "inverses.scalar-parameter",
        ),
        assumptions=_AFFINE_ASSUMPTIONS,
        sources=(
            f"{GPML}, appendix A.3, eq. (A.14)",
            f"{COOKBOOK}, eq. (43) (the differential d ln det X = tr(X^{{-1}} dX))",
            MAGNUS,
        ),
        keywords=(
            "derivative of log det K(theta)",
            "d log det K / d theta",
            "tr(K^-1 dK/dtheta)",
            "log-determinant of a parametrised matrix",
            "Gaussian process hyperparameter gradient",
            "log det derivative",
        ),
    )
)


@shaped
def inverse_quadratic_affine(A: Arr["n n"], B: Arr["n n"], y: Arr["n"], theta: Arr["1"]):
    """``y^T K(theta)^{-1} y`` for ``K(theta) = A + theta B``.

    >>> inverse_quadratic_affine(np.eye(2), np.eye(2), np.ones(2), np.array([1.0]))
    np.float64(1.0)
    """
    return y @ np.linalg.solve(_affine(A, B, theta), y)


@shaped_like(inverse_quadratic_affine)
def grad_inverse_quadratic_affine(A, B, y, theta):
    """``d y^T K^{-1} y / d theta = -y^T K^{-1} B K^{-1} y``, as a 1-vector.

    >>> grad_inverse_quadratic_affine(np.eye(2), np.eye(2), np.ones(2), np.array([1.0]))
    array([-0.5])
    """
    K = _affine(A, B, theta)
    return np.array([-np.linalg.solve(K.T, y) @ B @ np.linalg.solve(K, y)])


@shaped_like(inverse_quadratic_affine)
def hessian_inverse_quadratic_affine(A, B, y, theta):
    """``d^2 y^T K^{-1} y / d theta^2 = 2 y^T K^{-1} B K^{-1} B K^{-1} y``, as a 1 x 1 matrix.

    >>> hessian_inverse_quadratic_affine(np.eye(2), np.eye(2), np.ones(2), np.array([1.0]))
    array([[0.5]])
    """
    K = _affine(A, B, theta)
    u = np.linalg.solve(K.T, y)
    return np.array([[2 * u @ B @ np.linalg.solve(K, B @ np.linalg.solve(K, y))]])


def _sample_affine_y(rng, n):
    inputs = _sample_affine(rng, n)
    return {**inputs, "y": rng.standard_normal(n)}


def _symbolic_inverse_quadratic(A, B, y, theta):
    B = _sym(B)
    W = _inv(_sym(A) + theta[0, 0] * B)
    return _scalar(y.T * W * y), sp.Matrix([-_scalar(y.T * W * B * W * y)])


register(
    Identity(
        id="processes.inverse-quadratic-parameter",
        title="Derivative of y^T K^{-1} y for a matrix that depends on a scalar parameter",
        formula=r"\frac{\partial}{\partial\theta}\, y^\top K(\theta)^{-1} y"
        r" = -y^\top K^{-1}\frac{\partial K}{\partial\theta}K^{-1} y"
        r" = -y^\top K^{-1}BK^{-1}y,\quad K = A + \theta B",
        wrt="theta",
        kind="gradient",
        value=inverse_quadratic_affine,
        derivative=grad_inverse_quadratic_affine,
        hessian=hessian_inverse_quadratic_affine,
        hessian_formula=r"\frac{\partial^2}{\partial\theta^2}\, y^\top K^{-1} y"
        r" = 2\,y^\top K^{-1}BK^{-1}BK^{-1}y,\quad K = A + \theta B",
        sample=_sample_affine_y,
        symbolic=_symbolic_inverse_quadratic,
        symbolic_dims=(1, 2),  # exact at sizes 1 and 2; size 3 takes minutes
        derivation=r"""
Differentiate $K K^{-1} = I$: $dK\,K^{-1} + K\,dK^{-1} = 0$, so
$dK^{-1} = -K^{-1}dK\,K^{-1}$ (GPML eq. A.13) and
$d(y^\top K^{-1}y) = -y^\top K^{-1}dK\,K^{-1}y$. With $dK = B\,d\theta$ this is the
statement; for symmetric $K$ it is $-\alpha^\top B\alpha$ with $\alpha = K^{-1}y$, the
data-fit half of GPML eq. (5.9). Differentiating $-y^\top K^{-1}BK^{-1}y$ again, each of
the two $K^{-1}$ gives $+y^\top K^{-1}BK^{-1}BK^{-1}y$.
""",
        mistakes=(
            Mistake(
                r"y^\top K^{-1}BK^{-1}y",
                lambda A, B, y, theta: -grad_inverse_quadratic_affine(A, B, y, theta),
                "the sign of the derivative of the inverse: K^{-1} decreases where K grows",
            ),
            Mistake(
                r"-y^\top K^{-2}B\,y",
                lambda A, B, y, theta: np.array(
                    [-y @ np.linalg.matrix_power(np.linalg.inv(_affine(A, B, theta)), 2) @ B @ y]
                ),
                "the scalar rule d(1/k) = -k'/k^2, which needs K and B to commute",
            ),
        ),
        related=(
            "processes.logdet-parameter",
            "inverses.scalar-parameter",
            "inverses.bilinear",
        ),
        assumptions=_AFFINE_ASSUMPTIONS,
        sources=(
            f"{GPML}, appendix A.3, eq. (A.13), used in eq. (5.9)",
            f"{COOKBOOK}, eq. (59), p. 9",
            MAGNUS,
        ),
        keywords=(
            "derivative of y^T K^-1 y",
            "d/dtheta y^T K^-1 y",
            "-y^T K^-1 dK K^-1 y",
            "derivative of a quadratic form in the inverse",
            "Gaussian process data fit gradient",
        ),
    )
)


# -- section 5.4.1: the log marginal likelihood of a Gaussian process -----------------------


def _squared_distances(X):
    """``D_ij = ||x_i - x_j||^2`` for the rows ``x_i`` of ``X`` (no square root, no abs:
    the complex step passes through)."""
    R = X[:, None, :] - X[None, :, :]
    return np.sum(R * R, axis=-1)


def _gp_parts(X, y, ell, s, sigma):
    """``(E, K, K^{-1}, alpha)``: the SE correlations, the covariance, its inverse, K^{-1} y."""
    E = np.exp(-_squared_distances(X) / (2 * ell[0] ** 2))
    K = s[0] ** 2 * E + sigma[0] ** 2 * np.eye(X.shape[0])
    K_inv = np.linalg.inv(K)
    return E, K, K_inv, K_inv @ y


@shaped
def gp_log_marginal_likelihood(
    X: Arr["n d"], y: Arr["n"], ell: Arr["1"], s: Arr["1"], sigma: Arr["1"]
):
    """The GP log marginal likelihood ``ln p(y | X)`` with ``K = s^2 E + sigma^2 I``.

    >>> X, y, one = np.zeros((1, 2)), np.zeros(1), np.ones(1)
    >>> round(float(gp_log_marginal_likelihood(X, y, one, one, one)), 12)
    -1.265512123484
    """
    _, K, _, alpha = _gp_parts(X, y, ell, s, sigma)
    n = X.shape[0]
    return -(y @ alpha) / 2 - np.log(np.linalg.det(K)) / 2 - n * np.log(2 * np.pi) / 2


def _gp_weights(X, y, ell, s, sigma):
    """``(E, W)`` with ``W = alpha alpha^T - K^{-1}``: d ln p = tr(W dK) / 2 (GPML eq. 5.9)."""
    E, _, K_inv, alpha = _gp_parts(X, y, ell, s, sigma)
    return E, np.outer(alpha, alpha) - K_inv


@shaped_like(gp_log_marginal_likelihood)
def grad_gp_lengthscale(X, y, ell, s, sigma):
    """``d ln p / d ell = tr(W (s^2 / ell^3) E * D) / 2``, ``D`` the squared distances.

    >>> X, y, one = np.eye(2), np.ones(2), np.ones(1)
    >>> grad_gp_lengthscale(X, y, one, one, one).round(6)
    array([0.201262])
    """
    E, W = _gp_weights(X, y, ell, s, sigma)
    dK = s[0] ** 2 / ell[0] ** 3 * E * _squared_distances(X)
    return np.array([np.sum(W * dK) / 2])


@shaped_like(gp_log_marginal_likelihood)
def grad_gp_signal(X, y, ell, s, sigma):
    """``d ln p / d s = tr(W 2 s E) / 2 = s tr(W E)``.

    >>> X, y, one = np.eye(2), np.ones(2), np.ones(1)
    >>> grad_gp_signal(X, y, one, one, one).round(6)
    array([-0.47705])
    """
    E, W = _gp_weights(X, y, ell, s, sigma)
    return np.array([s[0] * np.sum(W * E)])


@shaped_like(gp_log_marginal_likelihood)
def grad_gp_noise(X, y, ell, s, sigma):
    """``d ln p / d sigma = tr(W 2 sigma I) / 2 = sigma tr(W)``.

    >>> X, y, one = np.eye(2), np.ones(2), np.ones(1)
    >>> grad_gp_noise(X, y, one, one, one).round(6)
    array([-0.678312])
    """
    _, W = _gp_weights(X, y, ell, s, sigma)
    return np.array([sigma[0] * np.trace(W)])


@shaped_like(gp_log_marginal_likelihood)
def grad_gp_inputs(X, y, ell, s, sigma):
    """``nabla_X ln p = (M - diag(M 1)) X / ell^2`` with ``M = W * s^2 E`` (entrywise).

    >>> X, y, one = np.eye(2), np.ones(2), np.ones(1)
    >>> grad_gp_inputs(X, y, one, one, one).round(6)
    array([[-0.100631,  0.100631],
           [ 0.100631, -0.100631]])
    """
    E, W = _gp_weights(X, y, ell, s, sigma)
    M = W * s[0] ** 2 * E
    return (M - np.diag(M.sum(axis=1))) @ X / ell[0] ** 2


def _symbolic_gp_parts(X, y, ell, s, sigma):
    n, d = X.shape
    ell, s, sigma = ell[0, 0], s[0, 0], sigma[0, 0]
    D = sp.Matrix(n, n, lambda i, j: sum((X[i, k] - X[j, k]) ** 2 for k in range(d)))
    E = D.applyfunc(lambda entry: sp.exp(-entry / (2 * ell**2)))
    K = s**2 * E + sigma**2 * sp.eye(n)
    K_inv = _inv(K)
    alpha = K_inv * y
    value = -_scalar(y.T * alpha) / 2 - sp.log(K.det()) / 2 - n * sp.log(2 * sp.pi) / 2
    return value, D, E, alpha * alpha.T - K_inv, (ell, s, sigma)


def _symbolic_gp_lengthscale(X, y, ell, s, sigma):
    value, D, E, W, (ell, s, _) = _symbolic_gp_parts(X, y, ell, s, sigma)
    dK = s**2 / ell**3 * E.multiply_elementwise(D)
    return value, sp.Matrix([sum(W.multiply_elementwise(dK)) / 2])


def _symbolic_gp_signal(X, y, ell, s, sigma):
    value, _, E, W, (_, s, _) = _symbolic_gp_parts(X, y, ell, s, sigma)
    return value, sp.Matrix([s * sum(W.multiply_elementwise(E))])


def _symbolic_gp_noise(X, y, ell, s, sigma):
    value, _, _, W, (_, _, sigma) = _symbolic_gp_parts(X, y, ell, s, sigma)
    return value, sp.Matrix([sigma * W.trace()])


def _symbolic_gp_inputs(X, y, ell, s, sigma):
    value, _, E, W, (ell, s, _) = _symbolic_gp_parts(X, y, ell, s, sigma)
    M = s**2 * W.multiply_elementwise(E)
    row_sums = sp.diag(*[sum(M.row(i)) for i in range(M.rows)])
    return value, (M - row_sums) * X / ell**2


def _sample_gp(rng, n):
    """n + 1 inputs in R^n (at least two points, so that K has off-diagonal entries), scaled
    so that the distances are of the order of the length scale; positive hyperparameters."""
    points = n + 1
    positive = STRUCTURES["positive"][0]
    return {
        "X": rng.standard_normal((points, n)) / np.sqrt(n),
        "y": rng.standard_normal(points),
        "ell": positive(rng, (1,)),
        "s": positive(rng, (1,)),
        "sigma": positive(rng, (1,)),
    }


_GP_WHERE = (
    r"K = s^2 E + \sigma^2 I",
    r"D_{i,:} = \big((X - \mathbf 1 x_i^\top)^{\odot 2}\,\mathbf 1\big)^\top",
    r"E_{i,:} = \exp\!\big(-\tfrac{1}{2\ell^2} D_{i,:}\big)",
    r"\alpha = K^{-1} y",
    r"W = \alpha\alpha^\top - K^{-1}",
)
#: sympy decides the 2-point case (0.8 CPU s); 3 points in R^2 take minutes. The tests compare
#: sympy's exact derivative with the formula at points for 3 inputs instead
#: (tests/test_processes.py), and the numerical check covers sizes 1, 2, 3, 5 and 8.
_GP_SYMBOLIC_DIMS = (1,)
_GP_ASSUMPTIONS = (
    "Zero-mean GP regression with the squared-exponential kernel k(x, x') = s^2 "
    "exp(-||x - x'||^2 / (2 ell^2)) and Gaussian noise of variance sigma^2: "
    "K = s^2 E + sigma^2 I with E_ij = exp(-||x_i - x_j||^2 / (2 ell^2)) (row i of E and D "
    "above runs over j), D_ij = ||x_i - x_j||^2; the n inputs x_i in R^d are the rows of X. "
    "The hyperparameters ell (length scale), s (signal standard deviation) and sigma (noise "
    "standard deviation) are positive scalars, declared as 1-vectors. sympy proves the "
    "identity exactly for 2 inputs only (3 inputs take minutes); the tests compare sympy's "
    "exact derivative with the formula at points for 3 inputs, and the numerical check "
    "covers 2 to 9 inputs"
)
_GP_DERIVATION = r"""
With $\ln p = -\tfrac12 y^\top K^{-1}y - \tfrac12\ln\det K - \tfrac n2\ln 2\pi$ (GPML
eq. 5.8), $dK^{-1} = -K^{-1}dK\,K^{-1}$ and $d\ln\det K = \operatorname{tr}(K^{-1}dK)$
give $d\ln p = \tfrac12\alpha^\top dK\,\alpha - \tfrac12\operatorname{tr}(K^{-1}dK)
= \tfrac12\operatorname{tr}(W\,dK)$ with $\alpha = K^{-1}y$ and
$W = \alpha\alpha^\top - K^{-1}$: GPML eq. (5.9), for any parameter of $K$.
"""
_GP_SOURCES = (
    f"{GPML}, section 5.4.1, eqs. (5.8), (5.9); the SE covariance with noise, eq. (2.31)",
    f"{GPML}, appendix A.3, eqs. (A.13), (A.14)",
)


def _gp_lengthscale_mistake_log(X, y, ell, s, sigma):
    return ell * grad_gp_lengthscale(X, y, ell, s, sigma)


def _gp_sign_of_inverse(dK_of):
    """The gradient with ``d(-y^T K^{-1} y / 2)`` taken as ``-alpha^T dK alpha / 2``."""

    def wrong(X, y, ell, s, sigma):
        _, _, K_inv, alpha = _gp_parts(X, y, ell, s, sigma)
        return np.array([-np.sum((np.outer(alpha, alpha) + K_inv) * dK_of(X, ell, s, sigma)) / 2])

    return wrong


register(
    Identity(
        id="processes.gp-lengthscale",
        title="Gradient of the Gaussian-process log marginal likelihood with respect to the "
        "length scale",
        formula=r"\frac{\partial\ln p(y\mid X)}{\partial\ell} = \tfrac12\operatorname{tr}"
        r"\Big(W\,\frac{\partial K}{\partial\ell}\Big)"
        r" = \tfrac12\operatorname{tr}\Big(W\,\big(\tfrac{s^2}{\ell^3}\,E\odot D\big)\Big)",
        where=_GP_WHERE,
        wrt="ell",
        kind="gradient",
        value=gp_log_marginal_likelihood,
        derivative=grad_gp_lengthscale,
        sample=_sample_gp,
        symbolic=_symbolic_gp_lengthscale,
        symbolic_dims=_GP_SYMBOLIC_DIMS,
        derivation=_GP_DERIVATION
        + r"""
Each entry $s^2\exp(-D_{ij}/(2\ell^2))$ has derivative
$s^2\exp(-D_{ij}/(2\ell^2))\,D_{ij}/\ell^3$ in $\ell$, so
$\partial K/\partial\ell = \tfrac{s^2}{\ell^3}E\odot D$ (the noise term does not depend on
$\ell$). In the log length scale, which optimisers usually take, the chain rule multiplies
by $\partial\ell/\partial\ln\ell = \ell$: $\tfrac12\operatorname{tr}(W\,\tfrac{s^2}{\ell^2}
E\odot D)$.
""",
        mistakes=(
            Mistake(
                r"\tfrac12\operatorname{tr}\Big(W\,\big(\tfrac{s^2}{\ell^2}\,E\odot D\big)\Big)",
                _gp_lengthscale_mistake_log,
                "the gradient in ln ell (what GP toolboxes return) used as the gradient in "
                "ell: the chain factor ell is missing",
            ),
            Mistake(
                r"-\tfrac12\operatorname{tr}\Big((\alpha\alpha^\top + K^{-1})\,"
                r"\big(\tfrac{s^2}{\ell^3}\,E\odot D\big)\Big)",
                _gp_sign_of_inverse(
                    lambda X, ell, s, sigma: (
                        s[0] ** 2
                        / ell[0] ** 3
                        * np.exp(-_squared_distances(X) / (2 * ell[0] ** 2))
                        * _squared_distances(X)
                    )
                ),
                "the sign of dK^{-1} = -K^{-1} dK K^{-1} dropped in the data-fit term",
            ),
        ),
        related=(
            "processes.gp-signal",
            "processes.gp-noise",
            "processes.gp-inputs",
            "processes.logdet-parameter",
        ),
        assumptions=_GP_ASSUMPTIONS,
        sources=_GP_SOURCES,
        keywords=(
            "Gaussian process length scale gradient",
            "GP marginal likelihood gradient",
            "derivative of the log marginal likelihood",
            "GPML eq 5.9",
            "squared exponential kernel lengthscale derivative",
            "RBF kernel hyperparameter gradient",
            "type II maximum likelihood",
        ),
    )
)


def _gp_variance_mistake(grad_in_sd, name):
    """The gradient in the variance (``name``^2) used as the gradient in ``name``."""

    def wrong(X, y, ell, s, sigma):
        sd = {"s": s, "sigma": sigma}[name]
        return grad_in_sd(X, y, ell, s, sigma) / (2 * sd)

    return wrong


register(
    Identity(
        id="processes.gp-signal",
        title="Gradient of the Gaussian-process log marginal likelihood with respect to the "
        "signal standard deviation",
        formula=r"\frac{\partial\ln p(y\mid X)}{\partial s} = \tfrac12\operatorname{tr}"
        r"\Big(W\,\frac{\partial K}{\partial s}\Big) = s\operatorname{tr}(W E)",
        where=_GP_WHERE,
        wrt="s",
        kind="gradient",
        value=gp_log_marginal_likelihood,
        derivative=grad_gp_signal,
        sample=_sample_gp,
        symbolic=_symbolic_gp_signal,
        symbolic_dims=_GP_SYMBOLIC_DIMS,
        derivation=_GP_DERIVATION
        + r"""
Here $\partial K/\partial s = 2sE$, so $\partial\ln p/\partial s = s\operatorname{tr}(WE)$.
In the signal variance $s^2$, $\partial K/\partial(s^2) = E$ and the gradient is
$\tfrac12\operatorname{tr}(WE)$; in $\ln s$ it is $s^2\operatorname{tr}(WE)$. Each
parametrisation has its own chain factor.
""",
        mistakes=(
            Mistake(
                r"\tfrac12\operatorname{tr}(W E)",
                _gp_variance_mistake(grad_gp_signal, "s"),
                "the gradient in the signal variance s^2 used as the gradient in s: the chain "
                "factor 2s is missing",
            ),
            Mistake(
                r"-\tfrac12\operatorname{tr}\big((\alpha\alpha^\top + K^{-1})\,2sE\big)",
                _gp_sign_of_inverse(
                    lambda X, ell, s, sigma: (
                        2 * s[0] * np.exp(-_squared_distances(X) / (2 * ell[0] ** 2))
                    )
                ),
                "the sign of dK^{-1} = -K^{-1} dK K^{-1} dropped in the data-fit term",
            ),
        ),
        related=("processes.gp-lengthscale", "processes.gp-noise", "processes.gp-inputs"),
        assumptions=_GP_ASSUMPTIONS,
        sources=_GP_SOURCES,
        keywords=(
            "Gaussian process signal variance gradient",
            "GP amplitude hyperparameter derivative",
            "GP marginal likelihood gradient",
            "GPML eq 5.9",
            "kernel variance derivative",
        ),
    )
)

register(
    Identity(
        id="processes.gp-noise",
        title="Gradient of the Gaussian-process log marginal likelihood with respect to the "
        "noise standard deviation",
        formula=r"\frac{\partial\ln p(y\mid X)}{\partial\sigma} = \tfrac12\operatorname{tr}"
        r"\Big(W\,\frac{\partial K}{\partial\sigma}\Big) = \sigma\operatorname{tr}(W)"
        r" = \sigma\big(\alpha^\top\alpha - \operatorname{tr}(K^{-1})\big)",
        where=_GP_WHERE,
        wrt="sigma",
        kind="gradient",
        value=gp_log_marginal_likelihood,
        derivative=grad_gp_noise,
        sample=_sample_gp,
        symbolic=_symbolic_gp_noise,
        symbolic_dims=_GP_SYMBOLIC_DIMS,
        derivation=_GP_DERIVATION
        + r"""
Here $\partial K/\partial\sigma = 2\sigma I$, so $\partial\ln p/\partial\sigma =
\sigma\operatorname{tr}(W) = \sigma(\alpha^\top\alpha - \operatorname{tr}K^{-1})$. In the
noise variance $\sigma^2$ the gradient is $\tfrac12\operatorname{tr}(W)$, in $\ln\sigma$ it
is $\sigma^2\operatorname{tr}(W)$.
""",
        mistakes=(
            Mistake(
                r"\tfrac12\operatorname{tr}(W)",
                _gp_variance_mistake(grad_gp_noise, "sigma"),
                "the gradient in the noise variance sigma^2 used as the gradient in sigma: the "
                "chain factor 2 sigma is missing",
            ),
            Mistake(
                r"-\sigma\big(\alpha^\top\alpha + \operatorname{tr}(K^{-1})\big)",
                _gp_sign_of_inverse(lambda X, ell, s, sigma: 2 * sigma[0] * np.eye(X.shape[0])),
                "the sign of dK^{-1} = -K^{-1} dK K^{-1} dropped in the data-fit term",
            ),
        ),
        related=("processes.gp-lengthscale", "processes.gp-signal", "processes.gp-inputs"),
        assumptions=_GP_ASSUMPTIONS,
        sources=_GP_SOURCES,
        keywords=(
            "Gaussian process noise variance gradient",
            "GP noise hyperparameter derivative",
            "GP marginal likelihood gradient",
            "GPML eq 5.9",
            "likelihood noise derivative",
        ),
    )
)

register(
    Identity(
        id="processes.gp-inputs",
        title="Gradient of the Gaussian-process log marginal likelihood with respect to the inputs",
        formula=r"\nabla_X\ln p(y\mid X) = \tfrac{1}{\ell^2}\big(M - \operatorname{diag}"
        r"(M\mathbf 1)\big)X,\quad M = s^2\, W\odot E",
        where=_GP_WHERE,
        wrt="X",
        kind="gradient",
        value=gp_log_marginal_likelihood,
        derivative=grad_gp_inputs,
        sample=_sample_gp,
        symbolic=_symbolic_gp_inputs,
        symbolic_dims=_GP_SYMBOLIC_DIMS,
        derivation=_GP_DERIVATION
        + r"""
Only $K_{ij} = s^2E_{ij}$ with $i \ne j$ depends on the inputs:
$dK_{ij} = -\tfrac{s^2}{\ell^2}E_{ij}(x_i - x_j)^\top(dx_i - dx_j)$. In
$\tfrac12\sum_{ij}W_{ij}dK_{ij}$ the input $x_a$ appears in row $a$ and in column $a$ of
$K$; $W$ and $E$ are symmetric, so the two contributions are equal and the $\tfrac12$
cancels: $\nabla_{x_a}\ln p = -\tfrac1{\ell^2}\sum_j M_{aj}(x_a - x_j)$ with
$M = s^2W\odot E$. Stacked over the rows, $\tfrac1{\ell^2}(M - \operatorname{diag}(M\mathbf 1))X$.
This is the gradient used for GP latent variable models and for optimising the inducing
inputs of sparse GPs.
""",
        mistakes=(
            Mistake(
                r"\tfrac{1}{2\ell^2}\big(M - \operatorname{diag}(M\mathbf 1)\big)X",
                lambda X, y, ell, s, sigma: grad_gp_inputs(X, y, ell, s, sigma) / 2,
                "counts x_i only in row i of K: the symmetric entry K_ji, which depends on x_i "
                "as well, is missed",
            ),
            Mistake(
                r"\tfrac{1}{\ell^2}\big(\operatorname{diag}(M\mathbf 1) - M\big)X",
                lambda X, y, ell, s, sigma: -grad_gp_inputs(X, y, ell, s, sigma),
                "the sign of d||x_i - x_j||^2 / dx_i = 2 (x_i - x_j) lost",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\ln p}{\partial X} = \tfrac{1}{\ell^2}X^\top"
            r"\big(M - \operatorname{diag}(M\mathbf 1)\big),\quad M = s^2\, W\odot E",
        },
        related=("processes.gp-lengthscale", "processes.gp-signal", "processes.gp-noise"),
        assumptions=_GP_ASSUMPTIONS,
        sources=(
            *_GP_SOURCES,
            "Lawrence, *Probabilistic non-linear principal component analysis with Gaussian "
            "process latent variable models*, JMLR 6 (2005), section 3 (the gradient with "
            "respect to the latent inputs through dL/dK)",
        ),
        keywords=(
            "gradient of the GP marginal likelihood with respect to the inputs",
            "GPLVM gradient",
            "inducing inputs gradient",
            "squared exponential kernel input derivative",
            "RBF kernel derivative with respect to x",
        ),
    )
)


# -- the Gaussian normaliser and the density in the covariance ------------------------------


@shaped
def det_inverse_sqrt(Sigma: Arr["n n"]):
    """The Gaussian normaliser's factor ``det(Sigma)^{-1/2}``.

    >>> det_inverse_sqrt(np.diag([4.0, 1.0]))
    np.float64(0.5)
    """
    return np.linalg.det(Sigma) ** -0.5


@shaped_like(det_inverse_sqrt)
def grad_det_inverse_sqrt(Sigma):
    """Gradient of ``det(Sigma)^{-1/2}``: ``-det(Sigma)^{-1/2} Sigma^{-T} / 2``.

    >>> grad_det_inverse_sqrt(np.diag([4.0, 1.0]))
    array([[-0.0625, -0.    ],
           [-0.    , -0.25  ]])
    """
    return -det_inverse_sqrt(Sigma) * np.linalg.inv(Sigma).T / 2


@shaped_like(det_inverse_sqrt)
def hessian_det_inverse_sqrt(Sigma):
    """Hessian of ``det(Sigma)^{-1/2}``, shaped ``(n, n, n, n)``: ``d^2 f / dSigma_ij dSigma_kl``.

    >>> hessian_det_inverse_sqrt(np.eye(1))
    array([[[[0.75]]]])
    """
    P = np.linalg.inv(Sigma).T
    f = det_inverse_sqrt(Sigma)
    return f * (np.einsum("ij,kl->ijkl", P, P) / 4 + np.einsum("il,kj->ijkl", P, P) / 2)


register(
    Identity(
        id="processes.det-inverse-sqrt",
        title="Gradient and Hessian of det(Sigma)^{-1/2}, the Gaussian normaliser",
        formula=r"\nabla_\Sigma \det(\Sigma)^{-1/2} = -\tfrac12\det(\Sigma)^{-1/2}\,\Sigma^{-\top}",
        wrt="Sigma",
        kind="gradient",
        value=det_inverse_sqrt,
        derivative=grad_det_inverse_sqrt,
        structure={"Sigma": "spd"},
        symbolic=lambda Sigma: (
            Sigma.det() ** sp.Rational(-1, 2),
            -(Sigma.det() ** sp.Rational(-1, 2)) * _inv(Sigma).T / 2,
        ),
        derivation=r"""
With Jacobi's formula $d\det\Sigma = \det(\Sigma)\operatorname{tr}(\Sigma^{-1}d\Sigma)$,
$d\det(\Sigma)^{-1/2} = -\tfrac12\det(\Sigma)^{-3/2}\,d\det\Sigma
= -\tfrac12\det(\Sigma)^{-1/2}\operatorname{tr}(\Sigma^{-1}d\Sigma)$, which is
$\langle -\tfrac12\det(\Sigma)^{-1/2}\Sigma^{-\top}, d\Sigma\rangle$. Differentiating
$-\tfrac12 f\,\Sigma^{-\top}$ again ($df = -\tfrac12 f\operatorname{tr}(\Sigma^{-1}V)$,
$d\Sigma^{-\top} = -\Sigma^{-\top}V^\top\Sigma^{-\top}$) gives the Hessian.
""",
        hessian=hessian_det_inverse_sqrt,
        hessian_formula=r"\nabla_\Sigma^2 f[V] = \det(\Sigma)^{-1/2}\left(\tfrac14"
        r"\operatorname{tr}(\Sigma^{-1}V)\,\Sigma^{-\top} + \tfrac12\Sigma^{-\top}V^\top"
        r"\Sigma^{-\top}\right)",
        mistakes=(
            Mistake(
                r"-\tfrac12\det(\Sigma)^{-3/2}\,\Sigma^{-\top}",
                lambda Sigma: -(np.linalg.det(Sigma) ** -1.5) * np.linalg.inv(Sigma).T / 2,
                "the power rule without the factor det(Sigma) of Jacobi's formula "
                "(d det = det tr(Sigma^{-1} dSigma), not tr(Sigma^{-1} dSigma))",
            ),
            Mistake(
                r"\tfrac12\det(\Sigma)^{-1/2}\,\Sigma^{-\top}",
                lambda Sigma: -grad_det_inverse_sqrt(Sigma),
                "the gradient of det(Sigma)^{1/2} divided by det(Sigma): the sign of the "
                "exponent lost",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial\det(\Sigma)^{-1/2}}{\partial\Sigma}"
            r" = -\tfrac12\det(\Sigma)^{-1/2}\,\Sigma^{-1}",
        },
        related=("determinants.det", "determinants.logdet-spd", "processes.density-covariance"),
        cookbook=(),
        assumptions="Sigma symmetric positive definite (det Sigma > 0); its n^2 entries are "
        "independent, so the gradient carries Sigma^{-T}, which is Sigma^{-1} at a symmetric "
        "Sigma",
        sources=(
            f"{COOKBOOK}, eq. (49) (the gradient of det X) with the chain rule",
            MAGNUS,
        ),
        keywords=(
            "det(Sigma)^(-1/2)",
            "derivative of the inverse square root of the determinant",
            "Gaussian normalising constant gradient",
            "gradient of 1/sqrt(det Sigma)",
            "determinant power",
        ),
    )
)


@shaped_like(gaussian_density)
def grad_gaussian_density_covariance(x, m, Sigma):
    """Gradient of ``N(x; m, Sigma)`` in ``Sigma``: ``p (P r r^T P - P) / 2``, ``P = Sigma^{-T}``.

    ``P r r^T P`` is written ``(P r)(P^T r)^T`` so that it holds at every invertible Sigma.

    >>> grad_gaussian_density_covariance(np.zeros(1), np.zeros(1), np.eye(1)).round(6)
    array([[-0.199471]])
    """
    P = np.linalg.inv(Sigma).T  # Sigma^{-1}, transposed so it holds at every invertible Sigma
    r = x - m
    return gaussian_density(x, m, Sigma) * (np.outer(P @ r, P.T @ r) - P) / 2


def _symbolic_density_covariance(x, m, Sigma):
    P = _inv(Sigma).T
    r = x - m
    p = sp.exp(-_scalar(r.T * _inv(Sigma) * r) / 2) / sp.sqrt((2 * sp.pi) ** x.rows * Sigma.det())
    return p, p * (P * r * (P.T * r).T - P) / 2


register(
    Identity(
        id="processes.density-covariance",
        title="Gradient of the Gaussian density with respect to the covariance",
        formula=r"\nabla_\Sigma\,\mathcal N(x; m, \Sigma) = \tfrac12\,p(x)\left(\Sigma^{-1}"
        r"(x - m)(x - m)^\top\Sigma^{-1} - \Sigma^{-1}\right)",
        where=(r"p(x) = \mathcal N(x; m, \Sigma)",),
        wrt="Sigma",
        kind="gradient",
        value=gaussian_density,
        derivative=grad_gaussian_density_covariance,
        structure={"Sigma": "spd"},
        symbolic=_symbolic_density_covariance,
        symbolic_dims=(1,),  # exact at d = 1 (d = 2 takes 3 CPU s); see tests/test_processes.py
        derivation=r"""
$\nabla p = p\,\nabla\ln p$, and $\ln p = -\tfrac12 r^\top\Sigma^{-1}r -
\tfrac12\ln\det\Sigma - \tfrac d2\ln 2\pi$ with $r = x - m$. With
$d\Sigma^{-1} = -\Sigma^{-1}d\Sigma\,\Sigma^{-1}$ and
$d\ln\det\Sigma = \operatorname{tr}(\Sigma^{-1}d\Sigma)$,
$d\ln p = \tfrac12\operatorname{tr}\big((\Sigma^{-1}rr^\top\Sigma^{-1} - \Sigma^{-1})
d\Sigma\big)$ at a symmetric $\Sigma$ (with $\Sigma^{-\top}$ for independent entries).
Multiplying by $p$ gives the statement.
""",
        mistakes=(
            Mistake(
                r"\tfrac12\left(\Sigma^{-1}(x - m)(x - m)^\top\Sigma^{-1} - \Sigma^{-1}\right)",
                lambda x, m, Sigma: (
                    grad_gaussian_density_covariance(x, m, Sigma) / gaussian_density(x, m, Sigma)
                ),
                "the gradient of ln p, without the factor p(x)",
            ),
            Mistake(
                r"\tfrac12\,p(x)\left(\Sigma^{-1} - \Sigma^{-1}(x - m)(x - m)^\top"
                r"\Sigma^{-1}\right)",
                lambda x, m, Sigma: -grad_gaussian_density_covariance(x, m, Sigma),
                "the gradient of the negative log-likelihood's bracket, with its sign",
            ),
        ),
        conventions={
            "numerator": r"\frac{\partial p}{\partial\Sigma} = \tfrac12\,p(x)\left(\Sigma^{-1}"
            r"(x - m)(x - m)^\top\Sigma^{-1} - \Sigma^{-1}\right)\ \text{(symmetric)}",
        },
        related=("gaussian.density-mean", "gaussian.density-x", "gaussian.nll-covariance"),
        cookbook=(),
        assumptions="Sigma symmetric positive definite; its n^2 entries independent (the "
        "gradient holds with Sigma^{-T} at any invertible Sigma, and is symmetric at a "
        "symmetric one). The gradient with respect to the mean is gaussian.density-mean. sympy "
        "proves it exactly at d = 1 within the build (d = 2 takes 3 CPU s); the tests compare "
        "sympy's exact derivative with the formula at a non-symmetric 2 x 2 and 3 x 3 Sigma",
        sources=(
            f"{COOKBOOK}, eq. (346) (the density), differentiated with eqs. (43), (57)",
            MAGNUS,
        ),
        keywords=(
            "derivative of the Gaussian density with respect to the covariance",
            "d N(x | mu Sigma) / d Sigma",
            "Gaussian density covariance gradient",
            "multivariate normal",
        ),
    )
)


#: The family's topic pages, in reading order: (slug, title, identity ids in reading order).
#: Every identity of this module is in exactly one topic (tests/test_topics.py).
TOPICS = (
    (
        "parametrised",
        "Matrices that depend on a parameter",
        ("processes.logdet-parameter", "processes.inverse-quadratic-parameter"),
    ),
    (
        "marginal-likelihood",
        "Gaussian-process marginal likelihood",
        (
            "processes.gp-lengthscale",
            "processes.gp-signal",
            "processes.gp-noise",
            "processes.gp-inputs",
        ),
    ),
    (
        "density-covariance",
        "Gaussian density in the covariance",
        ("processes.det-inverse-sqrt", "processes.density-covariance"),
    ),
)
