"""Statistical models: Dirichlet, Student t, Wishart and negative-binomial likelihoods, and
expectations under a Gaussian.

The Dirichlet and Dirichlet-multinomial (Polya) log-likelihoods are differentiated in the
concentration alpha (digamma psi and trigamma psi' appear, Minka 2000); the Dirichlet
log-partition gives E[ln p] and the Fisher information; the multivariate Student t
log-density in its location, scale matrix and degrees of freedom; the Wishart and inverse
Wishart log-densities in their scale matrices and their argument; the negative-binomial
regression (log link, fixed size r) in its coefficients and in r; the expectation of a
quadratic form under N(mu, Sigma) in mu and Sigma (Bonnet's and Price's theorems). The
Poisson GLM (``losses.poisson-w``) and the categorical Fisher information diag(p) - p p^T
(``likelihoods.categorical-log-partition``) are in their families.

A matrix argument (a scale matrix, the Wishart variate) is a function of its d^2 entries
taken as independent, differentiated at a symmetric point, as in ``likelihoods``: the
gradients are symmetric there (the free entries of a symmetric matrix get 2G - diag(G)).
The exact sympy checks differentiate in a general matrix of symbols and state the claim with
the transposes this requires; a matrix that is not differentiated is symmetrised.

numpy has no log-gamma or digamma, and this package does not depend on scipy: ``_lgamma``,
``_digamma`` and ``_trigamma`` below are the Stirling series after a shift by recurrence,
accurate to rounding for positive arguments and analytic (the complex step passes through);
the exact checks compare them with sympy's ``loggamma`` and ``polygamma`` at every sample.

One module per topic page (``reference/statistics/<slug>.html``): each holds
its identities, functions and registrations, and its ``TOPIC``; helpers that several
topics share are in ``_common``. Importing the package registers every identity.
"""

# isort: off
# In reading order: importing a module registers its identities, and the catalog
# lists a family's identities in the order they were registered.
from gradref.identities.statistics import dirichlet
from gradref.identities.statistics import student_t
from gradref.identities.statistics import wishart
from gradref.identities.statistics import negative_binomial
from gradref.identities.statistics import gaussian_expectations
# isort: on


#: The family's topic pages, in reading order: (slug, title, identity ids in reading
#: order), one module each. Every identity is in exactly one topic (tests/test_topics.py).
TOPICS = (
    dirichlet.TOPIC,
    student_t.TOPIC,
    wishart.TOPIC,
    negative_binomial.TOPIC,
    gaussian_expectations.TOPIC,
)
