"""Likelihoods: Gaussian and exponential-family log-likelihoods, KL divergences.

The Gaussian negative log-likelihood is differentiated with respect to the mean, the
covariance, the precision and a Cholesky factor; the KL divergence between two Gaussians
with respect to both means and both covariances; the log-partition functions of the
Bernoulli, categorical, Poisson, exponential and Gaussian families, whose gradients are the
means of the sufficient statistics and whose Hessians are their covariances.

A matrix parameter (a covariance, a precision) is a function of its n^2 entries taken as
independent, differentiated at a symmetric point (the Cookbook's convention): the gradients
below are symmetric there (a parametrisation by the n(n+1)/2 free entries of a symmetric
matrix gets 2G - diag(G) instead, a listed mistake). The Gaussian log-partition in eta2 is
the exception: its value uses the symmetric part of eta2, so that its Hessian is the
covariance of x x^T. The exact
sympy checks therefore differentiate with respect to a general matrix of symbols and state
the claim with the transposes that this requires (they vanish at the symmetric sample); an
input that is not differentiated and must be symmetric is made symmetric in the check.

One module per topic page (``reference/likelihoods/<slug>.html``): each holds
its identities, functions and registrations, and its ``TOPIC``; helpers that several
topics share are in ``_common``. Importing the package registers every identity.
"""

# isort: off
# In reading order: importing a module registers its identities, and the catalog
# lists a family's identities in the order they were registered.
from gradref.identities.likelihoods import gaussian_nll
from gradref.identities.likelihoods import gaussian_kl
from gradref.identities.likelihoods import log_partition
# isort: on


#: The family's topic pages, in reading order: (slug, title, identity ids in reading
#: order), one module each. Every identity is in exactly one topic (tests/test_topics.py).
TOPICS = (
    gaussian_nll.TOPIC,
    gaussian_kl.TOPIC,
    log_partition.TOPIC,
)
