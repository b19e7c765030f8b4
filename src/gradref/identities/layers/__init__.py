"""Layers: backpropagation through one layer, given the upstream gradient.

A layer maps its inputs and parameters to an output ``Y``; backpropagation receives the
upstream gradient ``Ybar = dL/dY`` (same shape as ``Y``) and returns the adjoint of each
input and parameter. Each adjoint is a vector-Jacobian product (``kind="vjp"``): the
gradient of ``<Ybar, layer(...)>`` with respect to that variable, so ``<Ybar, dY> = <Xbar, dX>``
for every direction ``dX``. The two-layer network with its squared-error loss is given as
ordinary gradients of a scalar.

One module per topic page (``reference/layers/<slug>.html``): each holds
its identities, functions and registrations, and its ``TOPIC``; helpers that several
topics share are in ``_common``. Importing the package registers every identity.
"""

# isort: off
# In reading order: importing a module registers its identities, and the catalog
# lists a family's identities in the order they were registered.
from gradref.identities.layers import affine_relu
from gradref.identities.layers import perceptron
from gradref.identities.layers import normalisation
from gradref.identities.layers import attention
from gradref.identities.layers import convolution
# isort: on

# Imported from here by other families (and docs/api.md).
from gradref.identities.layers._common import _sp_softmax_rows

#: The family's topic pages, in reading order: (slug, title, identity ids in reading
#: order), one module each. Every identity is in exactly one topic (tests/test_topics.py).
TOPICS = (
    affine_relu.TOPIC,
    perceptron.TOPIC,
    normalisation.TOPIC,
    attention.TOPIC,
    convolution.TOPIC,
)

__all__ = ["TOPICS", "_sp_softmax_rows"]
