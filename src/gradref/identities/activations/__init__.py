"""Activations and elementwise maps: sigmoid, tanh, softplus, ReLU and their relatives.

Each activation ``phi`` acts entry by entry, so two statements say everything about its
first derivative: the gradient of ``sum_i phi(x_i)`` is the vector ``phi'(x)``, and the
Jacobian of ``x -> phi(x)`` is the diagonal matrix ``diag(phi'(x))``. The Hessian of the
sum is ``diag(phi''(x))`` wherever ``phi`` is twice differentiable.

One module per topic page (``reference/activations/<slug>.html``): each holds
its identities, functions and registrations, and its ``TOPIC``; helpers that several
topics share are in ``_common``. Importing the package registers every identity.
"""

# isort: off
# In reading order: importing a module registers its identities, and the catalog
# lists a family's identities in the order they were registered.
from gradref.identities.activations import sigmoid_tanh_softplus
from gradref.identities.activations import relu_elu
from gradref.identities.activations import silu_gelu_mish
# isort: on


#: The family's topic pages, in reading order: (slug, title, identity ids in reading
#: order), one module each. Every identity is in exactly one topic (tests/test_topics.py).
TOPICS = (
    sigmoid_tanh_softplus.TOPIC,
    relu_elu.TOPIC,
    silu_gelu_mish.TOPIC,
)
