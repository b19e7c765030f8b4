"""Losses: least squares, logistic, cross-entropy, Huber, hinge, Poisson and KL, with Hessians.

One module per topic page (``reference/losses/<slug>.html``): each holds
its identities, functions and registrations, and its ``TOPIC``; helpers that several
topics share are in ``_common``. Importing the package registers every identity.
"""

# isort: off
# In reading order: importing a module registers its identities, and the catalog
# lists a family's identities in the order they were registered.
from gradref.identities.losses import least_squares
from gradref.identities.losses import regularised_robust
from gradref.identities.losses import binary_classification
from gradref.identities.losses import softmax_cross_entropy
from gradref.identities.losses import kl_divergence
# isort: on

# Imported from here by other families (and docs/api.md).
from gradref.identities.losses._common import (
    BISHOP,
    GLM,
    MURPHY,
    _logsumexp,
    _sigmoid,
    _softmax,
    _softplus,
    _sp_logsumexp,
    _sp_sigmoid,
    _sp_softmax,
    _sp_softplus,
    sigmoid,
    softplus,
)
from gradref.identities.losses.binary_classification import grad_logistic_loss, logistic_loss

#: The family's topic pages, in reading order: (slug, title, identity ids in reading
#: order), one module each. Every identity is in exactly one topic (tests/test_topics.py).
TOPICS = (
    least_squares.TOPIC,
    regularised_robust.TOPIC,
    binary_classification.TOPIC,
    softmax_cross_entropy.TOPIC,
    kl_divergence.TOPIC,
)

__all__ = [
    "BISHOP",
    "GLM",
    "MURPHY",
    "TOPICS",
    "_logsumexp",
    "_sigmoid",
    "_softmax",
    "_softplus",
    "_sp_logsumexp",
    "_sp_sigmoid",
    "_sp_softmax",
    "_sp_softplus",
    "grad_logistic_loss",
    "logistic_loss",
    "sigmoid",
    "softplus",
]
