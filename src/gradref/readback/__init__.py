r"""Read back every displayed formula of the catalog and check it against the verified code.

What a reader copies from a page is the LaTeX: an entry's ``formula``, ``hessian_formula``,
its ``conventions`` readings, each mistake's formula and each erratum's printed and
corrected forms. :func:`read_latex` reads that LaTeX, literally, into an expression of the
entry's inputs, and :func:`readback` evaluates each displayed formula at the entry's own
samples and compares it with the code that the build verifies: the formula with
``derivative``, the Hessian with ``hessian`` (as its action on a random, non-symmetric
direction ``V`` where the formula is written ``[V]``), a mistake with *its own* code, a
numerator-layout reading with the transpose of the verified result (with its shape), a
Cookbook reading with the verified result, and an erratum's printed and corrected forms
with their code.

Why a reader of our own. Measured on the catalog's 1193 non-empty displayed formulas
(right-hand sides, trailing ``\text{...}`` notes removed):

- sympy's ``parse_latex`` with the lark back end parses 178 (15 %): it stops at ``\top``,
  ``\odot``, ``\operatorname``, ``\|``, ``\big(``.
- sympy's ``parse_latex`` with the antlr back end (antlr4 runtime 4.11) returns something
  for 1089 but only 393 without a nonsense symbol (``x^\top`` becomes ``x**top``,
  ``\operatorname{tr}`` the product of the symbols o, p, e, r, ...), and every one of
  them as a product of commuting scalars: ``A^\top B`` and ``B A^\top`` read the same, and
  ``X^{-1}`` reads ``1/X``, so no transpose slip could show. No faithful read.
- latex2sympy2 1.5.4 (PyPI) fails on import (its generated parser imports relatively).

Extending either sympy back end means replacing its grammar's notion of a product (sympy's
symbols commute) and adding a dozen commands, which is the whole of the work. The notation
the catalog uses is small and fixed, so this package is a recursive-descent reader of exactly
that notation (about as long as a grammar file plus its transformer would be), with no
dependency, that evaluates straight to numpy and says, when it cannot read something, what
and where. Vectors are columns: ``x^\top`` is a row, ``a^\top x`` a 1×1 that acts as a scalar.

What it reads (measured over the catalog: 1898 displayed formulas, 98.1 % read, all of them
agreeing with their code): ``^\top``, ``^{-1}``, ``^{-\top}``, ``^+``, ``^{\odot 2}``,
fractional powers of a square matrix (``A^{1/2}``, ``A^p``: the principal power), the
functions ``\operatorname{tr}``, ``\det``, ``\ln``, ``\log``, ``\exp`` (of a square matrix,
the matrix exponential), ``\sigma`` and its derivatives ``\sigma'``, ``\sigma''``, ``\tanh``,
the digamma ``\psi`` and the trigamma ``\psi'``, ``\operatorname{Re}`` (and ``\bar z``, the
conjugate of a complex value), ``\operatorname{diag}``, ``\operatorname{vec}``
(column-major), its inverse ``\operatorname{vec}^{-1}`` and ``\operatorname{vec}_{\text{row}}``,
``\operatorname{softmax}`` (and its row-wise, column-wise and causal forms), ``\odot``,
``\circ``, ``\oslash``, ``\otimes``, norms, ``\frac``, ``\sum`` with bounds, over the rows
of what it indexes, over several indices (``\sum_{kl}``) or over a condition
(``\sum_{q - p = j - i}``), ``\mathbf 1`` and ``\mathbf 1_n``, ``\mathbb 1[x > 0]``,
``\langle a, b\rangle``, block matrices (``\begin{pmatrix} A & E \\ 0 & A \end{pmatrix}``,
``[\cdot]_{12}``), ``cases``, tuples as vectors, spacing and sizing commands, and index
notation (``\delta_{ki} Y_{jl}``, laid out by the left-hand side's free indices; ``J^{ij}``,
the single-entry matrix, entry by entry of the variable; an adjoint stated by rows,
``\bar x_i = ...``). Definitions may be by entries (``F_{ij} = ...\ (i \ne j),\ F_{ii} =
...``), state a decomposition (``A = L U``, ``A = Q R``, ``\begin{bmatrix} U \\ \lambda^\top
\end{bmatrix} = \operatorname{eigh}(M)``, ``A = U \operatorname{diag}(\sigma) V^\top``), and a
formula may use the derivative of a defined symbol (``\frac{dY}{dx}``, by the complex step).
Rows stay rows: ``M_{i,:}`` is a 1×n row, ``(M)_{:,j}`` an n×1 column, and a result of the
wrong orientation disagrees. Also: ``\operatorname{mean}``, the convolution ``a * b``, its
valid part ``a *_{\text{valid}} b`` and the cross-correlation ``a \star b`` of two vectors,
``\operatorname{unfold}_{h \times w,\ k \times k,\ s = S,\ p = P}`` (im2col) and ``U^{*}``,
the adjoint of a linear function defined by a ``where`` line; indices counted from 0 where
the statement says so; ``\partial F / \partial X_{ij}`` read at each entry of X; a Kronecker
product's entries by composite indices ``(a,b),(c,d)``; functions given as inputs (the
rules' own instances: ``f``, ``J_f``, ``\nabla f``, ``h'``, their derivatives by central
differences, :mod:`~gradref.readback.callables`); and an equality erratum, side by side.
What it does not read is listed in :data:`UNREADABLE`, with the reason: two of the chain
rules' readings, the Toeplitz partials in index notation over a composite index, readings
in prose, the source as printed, and a few operators (``\operatorname{rot}_{180}``, the
elimination matrix ``L_n``).

A symbol is an input of the entry (``\Sigma_2`` is ``Sigma2``, ``\bar C`` is ``Cbar``), a
definition shown with the formula (``,\quad M = X^\top A X``; a function ``\rho(x) = ...``)
or in the entry's ``where`` lines, a dimension's size (``\tfrac1m``), or a constant
(``I``, ``I_{mn}`` and ``I_{n^2}`` of the size of a vec, ``\mathbf 1``, ``e``,
``\pi``, ``K_{mn}``). Anything else is an undefined symbol.

The package, by concern: :mod:`~gradref.readback.lexer` (errors, tokens),
:mod:`~gradref.readback.parser` (the grammar: tokens into a tree),
:mod:`~gradref.readback.definitions` (statements, where-lines, decompositions),
:mod:`~gradref.readback.values` (sized-later constants and the built-in functions),
:mod:`~gradref.readback.evaluation` (a tree into numpy), :mod:`~gradref.readback.callables`
(functions given as inputs), :mod:`~gradref.readback.compare`
(each displayed formula against its code) and :mod:`~gradref.readback.unreadable`
(:data:`UNREADABLE`).
"""

from gradref.readback.compare import FieldResult, displayed_formulas, readback, readback_erratum
from gradref.readback.definitions import read_latex
from gradref.readback.lexer import ReadbackError, Unreadable
from gradref.readback.unreadable import UNREADABLE

# isort: split
# Internals that tests/test_readback.py reaches through the package (they were module-level
# names of the single module gradref/readback.py); not part of __all__.
from gradref.readback.compare import _entries_or_names  # noqa: F401
from gradref.readback.definitions import (  # noqa: F401
    _SVD_GAPS_LINE,
    _decomposition_definitions,
    _read_definitions,
    _svd_definitions,
    read_statement,
)
from gradref.readback.evaluation import Env, evaluate  # noqa: F401
from gradref.readback.parser import _Reader  # noqa: F401

__all__ = [
    "UNREADABLE",
    "FieldResult",
    "ReadbackError",
    "Unreadable",
    "displayed_formulas",
    "read_latex",
    "readback",
    "readback_erratum",
]
