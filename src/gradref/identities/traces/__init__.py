"""Traces of matrix products, differentiated with respect to a matrix factor.

Section 2.5 of the Matrix Cookbook (2012), equations 99-128: first-order (linear) traces,
second-order (quadratic) traces with their Hessians, higher powers, inverses and the matrix
sine, and the general rule for a trace of a matrix function, checked on ``exp``.

One module per topic page (``reference/traces/<slug>.html``): each holds
its identities, functions and registrations, and its ``TOPIC``; helpers that several
topics share are in ``_common``. Importing the package registers every identity.
"""

# isort: off
# In reading order: importing a module registers its identities, and the catalog
# lists a family's identities in the order they were registered.
from gradref.identities.traces import linear
from gradref.identities.traces import squares
from gradref.identities.traces import quadratic
from gradref.identities.traces import two_sided
from gradref.identities.traces import cubic_quartic
from gradref.identities.traces import inverses
from gradref.identities.traces import inverses_general
from gradref.identities.traces import functions
# isort: on

# Imported from here by other families (and docs/api.md).
from gradref.identities.traces._common import hessian_tensor

#: Equations of section 2.5 that are not catalog identities: none; every one is a derivative
#: checked as printed (eq. 127 fails and is an erratum).
COOKBOOK_NOTES: dict = {}


#: The family's topic pages, in reading order: (slug, title, identity ids in reading
#: order), one module each. Every identity is in exactly one topic (tests/test_topics.py).
TOPICS = (
    linear.TOPIC,
    squares.TOPIC,
    quadratic.TOPIC,
    two_sided.TOPIC,
    cubic_quartic.TOPIC,
    inverses.TOPIC,
    inverses_general.TOPIC,
    functions.TOPIC,
)

__all__ = ["COOKBOOK_NOTES", "TOPICS", "hessian_tensor"]
