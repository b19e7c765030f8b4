"""The displayed formulas that the reader does not read, each with its reason."""

from __future__ import annotations

#: Displayed formulas that the reader does not read, reviewed, each with its reason; shown
#: on the "How formulas are checked" page. Keys are ``"<entry id>:<field>"``.
UNREADABLE: dict[str, str] = {
    'rules.chain:mistake-1': 'undefined symbol W',  # W and b of the instance f = tanh(Wx + b), named only in its note
    'rules.chain-parametrized:conventions.numerator': 'no right-hand side',  # u and \mathcal L name phi(w) and loss; a value opening with \nabla reads as a left-hand side
    'rules.chain-parametrized:mistake-1': 'derivative notation on the right-hand side',  # partials of phi's components
    'determinants.det-axb:conventions.cookbook': 'states another quantity (a differential, the partials, or the source as printed)',
    'determinants.logdet-gram:conventions.cookbook': 'states another quantity (a differential, the partials, or the source as printed)',
    'inverses.function-of-inverse:formula': 'derivative notation on the right-hand side',
    'inverses.function-of-inverse:conventions.numerator': 'the derivative of J, which is not defined in terms of W',
    'inverses.function-of-inverse:conventions.cookbook': 'the derivative of J, which is not defined in terms of W',
    'svd.spectral-norm:hessian': 'no right-hand side',  # du_1 and dv_1 are defined in the derivation
    'svd.truncated-svd-adjoint:formula': 'a comparison where a value was expected',  # X is defined entry by entry
    'spectral.complex-pair-real-part:mistake-2': 'a division by zero at the samples (the value is rounding)',
    'linear.transposed-product:conventions.numerator': 'derivative notation on the right-hand side',
    'quadratic.least-squares:conventions.cookbook': 'undefined symbol W',
    'quadratic.least-squares-A:conventions.cookbook': 'undefined symbol W',
    'higher.power-gram:conventions.cookbook': 'states another quantity (a differential, the partials, or the source as printed)',
    'higher.quadratic-ratio:conventions.cookbook': 'states another quantity (a differential, the partials, or the source as printed)',
    'traces.inv-shifted-ratio:conventions.cookbook': 'prose inside the formula',
    'structured.symmetric-partials:conventions.cookbook': 'the derivative of f, which is not defined in terms of A',
    'structured.trace-toeplitz-partials:formula': 'index notation outside a formula of entries',
    'structured.trace-symmetric-toeplitz-partials:conventions.numerator': 'prose inside the formula',
    'layers.batchnorm-input:mistake-2': 'prose inside the formula',
    'networks.conv2d-input:mistake-1': "unknown operator 'rot'",
    'networks.conv2d-input:mistake-2': 'prose inside the formula',
    'networks.conv2d-kernel:mistake-1': "unknown operator 'rot'",
    'networks.embedding:mistake-1': 'undefined symbol ybar_{i}',
    'networks.groupnorm-input:mistake-1': 'prose inside the formula',
    'factorizations.cholesky-jvp-vech:formula': 'undefined symbol L_{n}',
    'factorizations.cholesky-jvp-vech:mistake-1': 'undefined symbol L_{n}',
    'cookbook-2012-eq-143:printed': 'prose inside the formula',
    'cookbook-2012-eq-143:corrected': 'prose inside the formula',
    'cookbook-2012-eq-28:printed': "an equality, checked by the erratum's own code",
    'cookbook-2012-eq-28:corrected': "an equality, checked by the erratum's own code",
}  # fmt: skip
