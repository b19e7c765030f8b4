"""The machine-learning losses (issue 9): completeness, samplers, and the relations between them."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gradref
from gradref.identities import losses
from gradref.symbolic import verify_symbolic, verify_symbolic_hessian
from gradref.verify import verify, verify_hessian, verify_mistakes

NEW = (
    "losses.least-squares-w",
    "losses.weighted-least-squares-w",
    "losses.generalized-least-squares-w",
    "losses.ridge-w",
    "losses.ridge-mean-w",
    "losses.mse-prediction",
    "losses.least-squares-matrix-W",
    "losses.least-squares-hvp",
    "losses.logistic-pm1-w",
    "losses.logistic-pm1-mean-w",
    "losses.logistic-01-w",
    "losses.logistic-01-mean-w",
    "losses.bce-logits",
    "losses.logistic-hvp",
    "losses.softmax-ce-onehot",
    "losses.softmax-ce-soft",
    "losses.softmax-ce-batch",
    "losses.multinomial-W-kd",
    "losses.multinomial-W-dk",
    "losses.softmax-ce-hvp",
    "losses.kl-p",
    "losses.kl-q",
    "losses.kl-q-logits",
    "losses.kl-p-logits",
    "losses.huber-w",
    "losses.squared-hinge-w",
    "losses.poisson-w",
)
IDENTITIES = [gradref.get(identity_id) for identity_id in NEW]
HVP = ("losses.least-squares-hvp", "losses.logistic-hvp", "losses.softmax-ce-hvp")


def test_the_family_holds_the_sheet_entry_and_the_new_ones():
    ids = [i.id for i in gradref.catalog() if i.family == "losses"]
    # in the order of the family's topic modules (each registers its identities)
    assert sorted(ids) == sorted(["losses.logistic-w", *NEW])
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("identity", IDENTITIES, ids=NEW)
def test_every_entry_is_complete(identity):
    known = {i.id for i in gradref.catalog()}
    assert identity.hessian is not None
    assert identity.hessian_formula
    assert identity.mistakes
    assert identity.derivation.strip()
    assert identity.assumptions
    assert identity.sources
    assert identity.keywords
    assert identity.cookbook == ()
    assert "numerator" in identity.conventions
    assert set(identity.related) <= known, set(identity.related) - known
    assert identity.kind == "gradient"


@pytest.mark.parametrize("identity", IDENTITIES, ids=NEW)
def test_numerical_verification_of_gradient_hessian_and_mistakes(identity):
    assert verify(identity, rng=1).passed
    assert verify_hessian(identity, rng=1).passed
    for outcome in verify_mistakes(identity, rng=1):
        assert outcome.rejected, outcome.mistake.formula


@pytest.mark.parametrize(
    "identity_id", ["losses.softmax-ce-soft", "losses.kl-q", "losses.bce-logits"]
)
def test_a_wrong_hessian_fails_both_checks(identity_id):
    import dataclasses

    identity = gradref.get(identity_id)
    assert verify_symbolic(identity).passed
    assert verify_symbolic_hessian(identity).passed
    wrong = dataclasses.replace(identity, hessian=lambda **k: 2 * identity.hessian(**k))
    assert verify_hessian(wrong, rng=0).verdict == "failed"
    assert not verify_symbolic_hessian(wrong).passed


# -- samplers: labels, class counts and distances to the kinks, at every size ------------------

SEEDS_AND_SIZES = [(seed, n) for seed in range(5) for n in (1, 2, 3, 7, 12)]


@pytest.mark.parametrize(("seed", "n"), SEEDS_AND_SIZES)
def test_labels_are_in_their_sets_and_both_occur(seed, n):
    rng = np.random.default_rng(seed)
    for identity_id, labels in [
        ("losses.logistic-pm1-w", {-1.0, 1.0}),
        ("losses.logistic-pm1-mean-w", {-1.0, 1.0}),
        ("losses.squared-hinge-w", {-1.0, 1.0}),
        ("losses.logistic-01-w", {0.0, 1.0}),
        ("losses.logistic-01-mean-w", {0.0, 1.0}),
        ("losses.logistic-hvp", {0.0, 1.0}),
    ]:
        y = np.atleast_1d(gradref.get(identity_id).sample(rng, n)["y"])
        assert set(y.tolist()) <= labels
        if y.size >= 2:
            assert set(y.tolist()) == labels


@pytest.mark.parametrize(("seed", "n"), SEEDS_AND_SIZES)
def test_softmax_samplers_have_at_least_two_classes(seed, n):
    # With one class the gradient is identically zero and the check says nothing.
    rng = np.random.default_rng(seed)
    for identity_id, name in [
        ("losses.softmax-ce-onehot", "z"),
        ("losses.softmax-ce-soft", "z"),
        ("losses.softmax-ce-hvp", "z"),
        ("losses.kl-q-logits", "z"),
        ("losses.kl-p-logits", "a"),
        ("losses.softmax-ce-batch", "Z"),
        ("losses.multinomial-W-dk", "Y"),
        ("losses.multinomial-W-kd", "Y"),
    ]:
        assert np.shape(gradref.get(identity_id).sample(rng, n)[name])[-1] >= 2


@pytest.mark.parametrize(("seed", "n"), SEEDS_AND_SIZES)
def test_huber_residuals_stay_away_from_the_kinks(seed, n):
    inputs = gradref.get("losses.huber-w").sample(np.random.default_rng(seed), n)
    r = np.abs(inputs["X"] @ inputs["w"] - inputs["y"]) / inputs["delta"]
    assert np.all(np.abs(r - 1) >= 0.2 - 1e-9)
    assert r[0] < 1  # the Hessian is not zero
    if r.size >= 2:
        assert r[1] > 1  # and the linear part is exercised


@pytest.mark.parametrize(("seed", "n"), SEEDS_AND_SIZES)
def test_hinge_margins_stay_away_from_the_kink(seed, n):
    inputs = gradref.get("losses.squared-hinge-w").sample(np.random.default_rng(seed), n)
    margin = inputs["y"] * (inputs["X"] @ inputs["w"])
    assert np.all(np.abs(margin - 1) >= 0.2 - 1e-9)
    assert margin[0] < 1


# -- relations between entries ----------------------------------------------------------------


def test_soft_label_gradient_is_p_minus_y_exactly_when_the_labels_sum_to_one():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(4)
    normalized = rng.dirichlet(np.ones(4))
    np.testing.assert_allclose(
        losses.softmax_cross_entropy.grad_softmax_cross_entropy_soft(z, normalized),
        losses.softmax_cross_entropy.grad_softmax_cross_entropy(z, normalized),
        rtol=1e-13,
        atol=1e-15,
    )
    weights = 3 * normalized
    gap = losses.softmax_cross_entropy.grad_softmax_cross_entropy_soft(
        z, weights
    ) - losses.softmax_cross_entropy.grad_softmax_cross_entropy(z, weights)
    np.testing.assert_allclose(gap, 2 * losses._softmax(z), rtol=1e-13)


@pytest.mark.parametrize("identity_id", HVP)
def test_hessian_vector_products_equal_the_hessian_times_v(identity_id):
    rng = np.random.default_rng(3)
    inputs = gradref.get(identity_id).sample(rng, 4)
    hvp = gradref.get(identity_id).derivative(**inputs)
    if identity_id == "losses.softmax-ce-hvp":
        H = losses.softmax_cross_entropy.hess_softmax_cross_entropy(inputs["z"], inputs["y"])
    else:
        X, y, w = inputs["X"], inputs["y"], inputs["w"]
        hessian = {
            "losses.least-squares-hvp": losses.least_squares.hess_least_squares,
            "losses.logistic-hvp": losses.binary_classification.hess_logistic_01_mean,
        }[identity_id]
        H = hessian(X, y, w)
    np.testing.assert_allclose(hvp, H @ inputs["v"], rtol=1e-12, atol=1e-14)


def test_the_two_multinomial_layouts_are_transposes_of_each_other():
    rng = np.random.default_rng(5)
    inputs = gradref.get("losses.multinomial-W-kd").sample(rng, 3)
    W, X, Y = inputs["W"], inputs["X"], inputs["Y"]
    assert losses.softmax_cross_entropy.multinomial_kd(W, X, Y) == pytest.approx(
        losses.softmax_cross_entropy.multinomial_dk(W.T, X, Y)
    )
    np.testing.assert_allclose(
        losses.softmax_cross_entropy.grad_multinomial_kd(W, X, Y),
        losses.softmax_cross_entropy.grad_multinomial_dk(W.T, X, Y).T,
        rtol=1e-13,
    )
    np.testing.assert_allclose(
        losses.softmax_cross_entropy.hess_multinomial_kd(W, X, Y),
        losses.softmax_cross_entropy.hess_multinomial_dk(W.T, X, Y).transpose(1, 0, 3, 2),
        rtol=1e-13,
        atol=1e-15,
    )


def test_the_two_ridge_conventions_differ_by_the_factors_only():
    # ||Xw - y||^2 / m + lam ||w||^2 = (2 / m) (||Xw - y||^2 / 2 + (m lam) ||w||^2 / 2).
    rng = np.random.default_rng(2)
    X, y, w = rng.standard_normal((5, 3)), rng.standard_normal(5), rng.standard_normal(3)
    lam, m = 0.7, 5
    assert losses.regularised_robust.ridge_mean(X, y, lam, w) == pytest.approx(
        2 / m * losses.regularised_robust.ridge(X, y, m * lam, w)
    )
    np.testing.assert_allclose(
        losses.regularised_robust.grad_ridge_mean(X, y, lam, w),
        2 / m * losses.regularised_robust.grad_ridge(X, y, m * lam, w),
    )


def test_binary_and_softmax_cross_entropy_agree_for_two_classes():
    # softmax over (0, z) is (1 - sigma(z), sigma(z)): the BCE gradient is the second entry.
    z, y = np.array([0.3]), np.array([1.0])
    logits, onehot = np.array([0.0, 0.3]), np.array([0.0, 1.0])
    assert losses.binary_classification.bce_with_logits(z, y) == pytest.approx(
        losses.softmax_cross_entropy.softmax_cross_entropy(logits, onehot)
    )
    assert losses.binary_classification.grad_bce_with_logits(z, y)[0] == pytest.approx(
        losses.softmax_cross_entropy.grad_softmax_cross_entropy(logits, onehot)[1]
    )


def test_logsumexp_losses_do_not_overflow_for_large_logits():
    z = np.array([1000.0, -1000.0, 999.0])
    y = np.array([0.0, 0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert losses.softmax_cross_entropy.softmax_cross_entropy(z, y) == pytest.approx(
            1 + np.log1p(np.exp(-1.0))
        )
        assert np.all(
            np.isfinite(losses.softmax_cross_entropy.grad_softmax_cross_entropy(z + 1e-20j, y))
        )
        assert np.isfinite(losses.kl_divergence.kl_from_softmax(z, np.full(3, 1 / 3)))


def test_poisson_overflows_only_where_the_rate_itself_does():
    # The loss is exp(Xw) - y Xw: a rate beyond 1e308 is not a number, so the loss is inf.
    X, y = np.eye(2), np.zeros(2)
    assert np.isfinite(losses.regularised_robust.poisson_nll(X, y, np.array([700.0, 0.0])))
    with np.errstate(over="ignore"):
        assert losses.regularised_robust.poisson_nll(X, y, np.array([800.0, 0.0])) == np.inf
