"""Every displayed formula, read back and checked against the verified code (issue 17)."""

from __future__ import annotations

import dataclasses
import re
import unicodedata

import numpy as np
import pytest

import gradref
from gradref.catalog import catalog, errata
from gradref.readback import (
    UNREADABLE,
    Unreadable,
    displayed_formulas,
    read_latex,
    read_statement,
    readback,
    readback_erratum,
)

IDENTITIES = catalog()
ERRATA = errata()

#: Displayed formulas known to disagree with their code, each fixed at the source in a
#: commit of its own (the test below fails on each one until then).
KNOWN_DISAGREEMENTS: set[str] = set()
#: Errata forms known to disagree (as KNOWN_DISAGREEMENTS).
KNOWN_ERRATA: set[str] = set()


def _all_results():
    results = []
    for identity in IDENTITIES:
        results += readback(identity)
    for erratum in ERRATA:
        results += readback_erratum(erratum)
    return results


@pytest.fixture(scope="module")
def results():
    return _all_results()


def _entry_params():
    params = []
    for identity in IDENTITIES:
        fields = [f"{identity.id}:{name}" for name, _ in displayed_formulas(identity)]
        known = KNOWN_DISAGREEMENTS.intersection(fields)
        marks = [pytest.mark.xfail(reason=f"known: {', '.join(sorted(known))}", strict=True)]
        params.append(pytest.param(identity, id=identity.id, marks=marks if known else []))
    return params


@pytest.mark.parametrize("identity", _entry_params())
def test_every_readable_displayed_formula_agrees_with_the_code(identity):
    disagreements = [r for r in readback(identity) if r.status == "disagree"]
    assert not disagreements, "\n".join(f"{r.key}: {r.reason}" for r in disagreements)


@pytest.mark.parametrize(
    "erratum",
    [
        pytest.param(e, id=e.id, marks=[pytest.mark.xfail(reason="known", strict=True)])
        if e.id in KNOWN_ERRATA
        else pytest.param(e, id=e.id)
        for e in ERRATA
    ],
)
def test_every_readable_erratum_form_agrees_with_its_code(erratum):
    disagreements = [r for r in readback_erratum(erratum) if r.status == "disagree"]
    assert not disagreements, "\n".join(f"{r.key}: {r.reason}" for r in disagreements)


def test_each_unreadable_formula_is_listed_with_its_reason(results):
    unread = {r.key: r.reason for r in results if r.status == "unreadable"}
    unlisted = sorted(set(unread) - set(UNREADABLE))
    stale = sorted(set(UNREADABLE) - set(unread))
    assert not unlisted, "read back nowhere and not listed in UNREADABLE:\n" + "\n".join(
        f"{key}: {unread[key]}" for key in unlisted
    )
    assert not stale, "listed in UNREADABLE but now read: remove them\n" + "\n".join(stale)
    assert all(reason.strip() for reason in UNREADABLE.values())


def test_most_displayed_formulas_are_read(results):
    read = sum(r.status != "unreadable" for r in results)
    assert read / len(results) >= 0.95, f"{read} of {len(results)} read"


def test_at_most_two_percent_of_displayed_formulas_are_unreadable(results):
    unread = sum(r.status == "unreadable" for r in results)
    assert unread <= 0.02 * len(results), f"{unread} of {len(results)} unread"


# --- a wrong displayed formula fails: transposed, sign-flipped, rescaled, in every field


def _mutations(latex: str, whole: bool = False) -> dict[str, str]:
    value = read_statement(latex, whole=whole).values[-1]
    at = latex.rindex(value)
    wrap = {
        "transposed": rf"\big({value}\big)^\top",
        "sign-flipped": rf"-\big({value}\big)",
        "rescaled": rf"2\big({value}\big)",
    }
    return {name: latex[:at] + text + latex[at + len(value) :] for name, text in wrap.items()}


FIELDS = [
    ("formula", "traces.axb", "formula"),
    ("hessian", "traces.x2b", "hessian_formula"),
    ("conventions.numerator", "traces.axb", "numerator"),
    ("conventions.cookbook", "traces.axtb", "cookbook"),
    ("mistake-1", "traces.axb", "mistake"),
]


@pytest.mark.parametrize(("field", "entry", "attribute"), FIELDS, ids=[f[0] for f in FIELDS])
@pytest.mark.parametrize("mutation", ["transposed", "sign-flipped", "rescaled"])
def test_a_wrong_displayed_formula_fails_the_check(field, entry, attribute, mutation):
    identity = gradref.get(entry)
    assert {r.field: r.status for r in readback(identity)}[field] == "agree"
    if attribute in ("numerator", "cookbook"):
        wrong = _mutations(identity.conventions[attribute])[mutation]
        changed = dataclasses.replace(
            identity, conventions={**identity.conventions, attribute: wrong}
        )
    elif attribute == "mistake":
        mistake = identity.mistakes[0]
        wrong = _mutations(mistake.formula, whole=True)[mutation]
        changed = dataclasses.replace(
            identity, mistakes=(dataclasses.replace(mistake, formula=wrong), *identity.mistakes[1:])
        )
    else:
        wrong = _mutations(getattr(identity, attribute))[mutation]
        changed = dataclasses.replace(identity, **{attribute: wrong})
    result = {r.field: r for r in readback(changed)}[field]
    assert result.status == "disagree", (wrong, result)
    assert result.error is not None
    assert result.error > 1e-3


@pytest.mark.parametrize("side", ["printed", "corrected"])
@pytest.mark.parametrize("mutation", ["transposed", "sign-flipped", "rescaled"])
def test_a_wrong_erratum_form_fails_the_check(side, mutation):
    erratum = next(e for e in ERRATA if e.id == "cookbook-2012-eq-51")
    assert {r.field: r.status for r in readback_erratum(erratum)}[side] == "agree"
    wrong = _mutations(getattr(erratum, side))[mutation]
    result = {r.field: r for r in readback_erratum(dataclasses.replace(erratum, **{side: wrong}))}
    assert result[side].status == "disagree", (wrong, result[side])


@pytest.mark.parametrize(
    "wrong",
    [
        r"\partial(XY) = -(\partial X)Y",
        r"\partial(XY) = 2(\partial X)Y",
        r"\partial(XY) = Y(\partial X)",
    ],
    ids=["sign-flipped", "rescaled", "reordered"],
)
def test_a_wrong_cookbook_differential_fails_the_check(wrong):
    identity = gradref.get("differentials.product-left")  # d(XY) = dX Y at dY = 0
    assert {r.field: r.status for r in readback(identity)}["conventions.cookbook"] == "agree"
    changed = dataclasses.replace(identity, conventions={**identity.conventions, "cookbook": wrong})
    result = {r.field: r for r in readback(changed)}["conventions.cookbook"]
    assert result.status == "disagree", (wrong, result)


def test_a_disagreement_names_the_entry_the_field_and_the_error():
    identity = gradref.get("traces.axb")
    wrong = dataclasses.replace(identity, formula=r"\nabla_X \operatorname{tr}(A X B) = B A")
    (result,) = [r for r in readback(wrong) if r.field == "formula"]
    assert (result.entry, result.field, result.status) == ("traces.axb", "formula", "disagree")
    assert "BA" in result.reason.replace(" ", "")
    assert result.error > 0.1


# --- the reader


def _env_eval(latex: str, **values):
    from gradref.readback import Env, evaluate

    env = Env({k: np.asarray(v, dtype=float) for k, v in values.items()}, {}, {})
    return evaluate(read_latex(latex), env)


def test_the_reader_reads_the_catalog_notation():
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    x = rng.standard_normal((3, 1))
    np.testing.assert_allclose(_env_eval(r"A^\top B", A=A, B=B), A.T @ B)
    np.testing.assert_allclose(_env_eval(r"A^{-\top}", A=A), np.linalg.inv(A).T)
    np.testing.assert_allclose(_env_eval(r"\operatorname{tr}(A B)", A=A, B=B), np.trace(A @ B))
    np.testing.assert_allclose(
        _env_eval(r"\det(A)\, A^{-1}", A=A), np.linalg.det(A) * np.linalg.inv(A)
    )
    np.testing.assert_allclose(_env_eval(r"A \odot B", A=A, B=B), A * B)
    np.testing.assert_allclose(_env_eval(r"A \otimes B", A=A, B=B), np.kron(A, B))
    np.testing.assert_allclose(_env_eval(r"\|A x\|_2^2", A=A, x=x), np.sum((A @ x) ** 2))
    np.testing.assert_allclose(_env_eval(r"\tfrac12 \left(A + A^\top\right)", A=A), (A + A.T) / 2)
    np.testing.assert_allclose(_env_eval(r"\sum_{r=0}^{2} A^r", A=A), np.eye(3) + A + A @ A)
    np.testing.assert_allclose(_env_eval(r"(\mathbf 1^\top x)\, x", x=x), x.sum() * x)
    np.testing.assert_allclose(_env_eval(r"\sigma(x) \odot (1 - \sigma(x))", x=x),
                               np.exp(-x) / (1 + np.exp(-x)) ** 2)  # fmt: skip
    np.testing.assert_allclose(_env_eval(r"A + \lambda I", A=A, lam=2.0), A + 2 * np.eye(3))
    np.testing.assert_allclose(_env_eval(r"\operatorname{triu}(A B)", A=A, B=B), np.triu(A @ B))
    causal = np.tril(np.exp(A)) / np.tril(np.exp(A)).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(_env_eval(r"\operatorname{softmax}_{\text{causal}}(A)", A=A), causal)


def test_onehot_marks_each_rows_largest_entry():
    M = np.array([[0.5, 2.0, -1.0], [3.0, 0.0, 1.0]])
    np.testing.assert_array_equal(
        _env_eval(r"\operatorname{onehot}(M)", M=M), [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    )


def test_vector_p_norms_and_the_cross_product_matrix_are_read():
    x = np.array([[3.0], [-4.0], [1.0]])
    np.testing.assert_allclose(_env_eval(r"\|x\|_3", x=x), np.sum(np.abs(x) ** 3) ** (1 / 3))
    np.testing.assert_allclose(
        _env_eval(r"\|x\|_{1.5}", x=x), np.sum(np.abs(x) ** 1.5) ** (1 / 1.5)
    )
    np.testing.assert_allclose(_env_eval(r"\|x\|_2", x=x), np.sqrt(26.0))
    w = np.array([[0.5], [2.0], [-1.0]])
    np.testing.assert_allclose(_env_eval(r"[x]_\times w", x=x, w=w), np.cross(x.T, w.T).T)
    np.testing.assert_allclose(_env_eval(r"-[w]_{\times}", w=w), -_env_eval(r"[w]_\times", w=w))


def test_the_reader_reads_fractional_matrix_powers_and_the_inverse_of_vec():
    rng = np.random.default_rng(1)
    Q = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    A = (Q * np.array([1.0, 2.0, 4.0])) @ Q.T  # SPD: its principal powers are real
    root = _env_eval(r"A^{1/2}", A=A)
    np.testing.assert_allclose(root @ root, A, atol=1e-12)
    np.testing.assert_allclose(_env_eval(r"A^{-1/2}", A=A) @ root, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(_env_eval(r"A^{p}", A=A, p=1.5), (Q * [1.0, 2**1.5, 8.0]) @ Q.T)
    v = np.arange(9.0).reshape(9, 1)
    np.testing.assert_allclose(_env_eval(r"\operatorname{vec}^{-1}(v)", v=v),
                               v.reshape(3, 3, order="F"))  # fmt: skip
    with pytest.raises(Unreadable, match="not a square"):
        _env_eval(r"\operatorname{vec}^{-1}(v)", v=np.ones((3, 1)))


def test_index_notation_is_read_as_a_tensor_of_its_free_indices():
    identity = gradref.get("differentials.inverse")  # d(X^-1)_kl / dX_ij = -(X^-1)_ki (X^-1)_jl
    assert {r.field: r.status for r in readback(identity)}["formula"] == "agree"
    swapped = identity.formula.replace(
        r"-(X^{-1})_{ki}(X^{-1})_{jl}", r"-(X^{-1})_{kj}(X^{-1})_{il}"
    )
    assert swapped != identity.formula
    result = {r.field: r for r in readback(dataclasses.replace(identity, formula=swapped))}
    assert result["formula"].status == "disagree"


def test_the_reader_names_what_it_cannot_read():
    with pytest.raises(Unreadable, match="undefined symbol q"):
        _env_eval(r"A q", A=np.eye(2))
    with pytest.raises(Unreadable, match="prose"):
        read_latex(r"\text{the same}")
    with pytest.raises(Unreadable, match="derivative notation"):
        read_latex(r"\nabla_W J")
    with pytest.raises(Unreadable, match="derivative notation"):  # f is no function given
        _env_eval(r"\nabla f", f=np.ones((2, 1)))


def test_a_symbol_bound_twice_fails_the_check():
    identity = gradref.get("traces.axb")  # X is p x ... : its sizes are named
    wrong = dataclasses.replace(identity, formula=r"\nabla_X f = m A^\top B^\top,\quad m = 2")
    (result,) = [r for r in readback(wrong) if r.field == "formula"]
    assert result.status == "disagree"
    assert "m bound twice" in result.reason


def test_a_where_definition_is_read_and_evaluated():
    statement = read_statement(r"\nabla_X f = 2 M,\quad M = X^\top A")
    assert list(statement.definitions) == ["M"]


# --- lint

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _latex_fields():
    for identity in IDENTITIES:
        for name, latex in displayed_formulas(identity):
            yield f"{identity.id}:{name}", latex
        for k, line in enumerate(identity.where):
            yield f"{identity.id}:where-{k + 1}", line
    for erratum in ERRATA:
        yield f"{erratum.id}:printed", erratum.printed
        yield f"{erratum.id}:corrected", erratum.corrected


def test_no_latex_field_holds_a_control_character():
    found = [
        f"{key}: {unicodedata.name(ch, hex(ord(ch)))} at {latex.index(ch)}"
        for key, latex in _latex_fields()
        for ch in _CONTROL.findall(latex)[:1]
    ]
    assert not found, "\n".join(found)


def test_titles_are_unique():
    seen: dict[str, str] = {}
    clashes = []
    for identity in IDENTITIES:
        if identity.title in seen:
            clashes.append(f"{seen[identity.title]} and {identity.id}: {identity.title!r}")
        seen.setdefault(identity.title, identity.id)
    assert not clashes, "\n".join(clashes)


#: A title says what the entry computes: its gradient, Jacobian, Hessian, adjoint
#: (reverse-mode rule), derivative or differential, or the rule it states.
COMPUTED = re.compile(
    r"\b(gradients?|jacobians?|hessians?|hessian-vector|adjoints?|derivatives?|differentials?|"
    r"partials?|rule|reverse-mode)\b",
    re.IGNORECASE,
)


def test_an_identity_sized_by_a_number_in_scope_is_read():
    from gradref.readback import Env, evaluate

    def read(latex, values, definitions=()):
        parsed = {name: ((), read_latex(body)) for name, body in definitions}
        return evaluate(read_latex(latex), Env(values, parsed, {"c": 6}))

    # h = 2 heads (a default of the code's arguments), k = c / h (a `where` line)
    h = np.asarray(2.0)
    np.testing.assert_array_equal(read(r"I_h", {"h": h}), np.eye(2))
    np.testing.assert_array_equal(read(r"I_k", {"h": h}, [("k", "c / h")]), np.eye(3))
    # the i-th unit vector inside a sum over i, through a `where` line: a column (I_h)_{:,i},
    # or a row (I_h)_{i,:}, as written
    total = read(
        r"\sum_{i=1}^{h} e_i \otimes I_k", {"h": h}, [("k", "c / h"), ("e_i", r"(I_h)_{:,i}")]
    )
    np.testing.assert_array_equal(total, np.kron(np.ones((2, 1)), np.eye(3)))
    total = read(
        r"\sum_{i=1}^{h} e_i \otimes I_k", {"h": h}, [("k", "c / h"), ("e_i", r"(I_h)_{i,:}")]
    )
    np.testing.assert_array_equal(total, np.kron(np.ones((1, 2)), np.eye(3)))
    # not a size: a fraction, or nothing in scope
    with pytest.raises(Unreadable, match="undefined symbol"):
        read(r"I_k", {"k": np.asarray(1.5)})
    with pytest.raises(Unreadable, match="undefined symbol"):
        read(r"I_q", {})


def test_a_family_indexed_by_a_summed_index_is_read_member_by_member():
    from gradref.readback import Env, _entries_or_names, _read_definitions, _Reader, evaluate

    # E_i selects head i's block of k = 3 columns: its members are matrices (and e_i's
    # range comes from I_h alone), so the entry-by-entry reading makes no array of them;
    # under \sum_{i=1}^{h}, or with i in scope, the `where` line is read at that i
    parsed, unread = _read_definitions([
        ("k", (), r"c / h"),
        ("e_i", (), r"(I_h)_{:,i}"),
        ("E_i", (), r"e_i \otimes I_k"),
        ("G_i", (), r"X E_i E_i^\top"),
        ("V_i", (), r"X W_V E_i"),
    ])  # fmt: skip
    assert not unread
    X = np.arange(12.0).reshape(2, 6) ** 1.5
    values = {"h": np.asarray(2.0), "X": X, "W_V": np.eye(6)[::-1]}
    definitions = _entries_or_names(parsed, set(values) | {"c"})

    def read(latex, **bound):
        env = Env({**values, **bound}, definitions, {"c": 6})
        return evaluate(_Reader(latex).read(), env)

    np.testing.assert_array_equal(read(r"X E_i", i=np.asarray(2.0)), X[:, 3:])
    np.testing.assert_array_equal(read(r"X E_j", i=np.asarray(1.0), j=np.asarray(2.0)), X[:, 3:])
    np.testing.assert_array_equal(read(r"\sum_{i=1}^{h} X E_i E_i^\top"), X)
    np.testing.assert_array_equal(read(r"\sum_{i=1}^{h} G_i E_i"), X[:, :3] + X[:, 3:])
    # W_V is the input, though V names a family that cannot be read without its index
    np.testing.assert_array_equal(read(r"\sum_{i=1}^{h} V_i E_i^\top"), X @ values["W_V"])
    # (M)_{:,j} is column j of M, a column
    np.testing.assert_array_equal(read(r"(X)_{:,j}", j=np.asarray(2.0)), X[:, [1]])
    np.testing.assert_array_equal(
        read(r"(X)_{:,j}^\top (X)_{:,j}", j=np.asarray(2.0)), X[:, [1]].T @ X[:, [1]]
    )
    # (M)_{i,:} and M_{i,:} are row i of M, a row
    np.testing.assert_array_equal(read(r"(X)_{i,:}", i=np.asarray(2.0)), X[[1], :])
    np.testing.assert_array_equal(read(r"X_{i,:}", i=np.asarray(2.0)), X[[1], :])
    np.testing.assert_array_equal(read(r"X_{i,:}^\top", i=np.asarray(1.0)), X[[0], :].T)
    with pytest.raises(Unreadable):  # no i in scope: no member to read
        read(r"X E_i")
    with pytest.raises(Unreadable):  # out of the family's range
        read(r"X E_i", i=np.asarray(3.0))


MULTI_HEAD = [
    ("attention.multi-head-wq", "formula"),
    ("attention.multi-head-x", "mistake-3"),
    ("attention.multi-head-wv", "conventions.numerator"),
]


@pytest.mark.parametrize(("entry", "field"), MULTI_HEAD, ids=[e for e, _ in MULTI_HEAD])
@pytest.mark.parametrize("mutation", ["transposed", "sign-flipped", "rescaled"])
def test_a_wrong_multi_head_formula_fails_the_check(entry, field, mutation):
    identity = gradref.get(entry)
    assert {r.field: r.status for r in readback(identity)}[field] == "agree"
    if field == "formula":
        wrong = _mutations(identity.formula)[mutation]
        changed = dataclasses.replace(identity, formula=wrong)
    elif field == "conventions.numerator":
        wrong = _mutations(identity.conventions["numerator"])[mutation]
        changed = dataclasses.replace(
            identity, conventions={**identity.conventions, "numerator": wrong}
        )
    else:
        n = int(field.rpartition("-")[2]) - 1
        mistake = identity.mistakes[n]
        wrong = _mutations(mistake.formula, whole=True)[mutation]
        mistakes = list(identity.mistakes)
        mistakes[n] = dataclasses.replace(mistake, formula=wrong)
        changed = dataclasses.replace(identity, mistakes=tuple(mistakes))
    result = {r.field: r for r in readback(changed)}[field]
    assert result.status == "disagree", (wrong, result)
    assert result.error > 1e-3


def test_a_multi_head_formula_with_a_wrong_head_block_fails_the_check():
    # head i's adjoint goes to its own block of columns (E_i^T): spread over every block
    # (the heads summed where they are concatenated), it is caught
    identity = gradref.get("attention.multi-head-wq")
    wrong = identity.formula.replace(r"K_i E_i^\top", r"K_i \sum_{j=1}^{h} E_j^\top")
    assert wrong != identity.formula
    result = {r.field: r for r in readback(dataclasses.replace(identity, formula=wrong))}
    assert result["formula"].status == "disagree", result["formula"]


def test_titles_say_what_is_computed():
    vague = [f"{i.id}: {i.title!r}" for i in IDENTITIES if not COMPUTED.search(i.title)]
    assert not vague, "titles that name a function but not what is computed:\n" + "\n".join(vague)


def test_the_title_check_can_fail():
    assert not COMPUTED.search("Binary cross-entropy with logits")
    assert COMPUTED.search("Gradient of the binary cross-entropy with respect to the logits")


# --- the build's record


def test_the_record_carries_the_readback():
    from gradref.record import entry_record

    record = entry_record(gradref.get("traces.axb"))
    assert "formula" in record["readback"]["agree"]
    assert record["readback"]["fields"] == len(displayed_formulas(gradref.get("traces.axb")))


def test_a_disagreement_fails_the_build_naming_entry_field_and_error():
    from gradref.record import entry_record
    from gradref.verify import VerificationError

    identity = gradref.get("traces.axb")
    wrong = dataclasses.replace(
        identity, conventions={**identity.conventions, "numerator": r"(BA)^\top"}
    )
    with pytest.raises(
        VerificationError, match=r"'traces.axb'.*conventions.numerator.*relative error"
    ):
        entry_record(wrong)


def test_the_svd_where_lines_bind_the_factors_and_the_gaps():
    from gradref.readback import _SVD_GAPS_LINE, Env, _Reader, _svd_definitions, evaluate

    A = np.random.default_rng(0).standard_normal((4, 3))
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    definitions = {
        **_svd_definitions(r"A = U \operatorname{diag}(\sigma) V^\top"),
        **_svd_definitions(_SVD_GAPS_LINE),
    }
    env = Env({"A": A, "k": np.asarray(2.0)}, definitions, {"m": 4, "n": 3})

    def read(latex):
        return evaluate(_Reader(latex).read(), env)

    np.testing.assert_allclose(read(r"U \Sigma V^\top"), A, atol=1e-12)
    np.testing.assert_allclose(read(r"u_1 v_1^\top"), np.outer(U[:, 0], Vt[0]))
    np.testing.assert_allclose(read(r"\sigma_n u_n v_n^\top"), s[2] * np.outer(U[:, 2], Vt[2]))
    np.testing.assert_allclose(read(r"U_k V_k^\top"), U[:, :2] @ Vt[:2])
    np.testing.assert_allclose(read(r"\sum_{i=1}^{n} \sigma_i u_i v_i^\top"), A, atol=1e-12)
    np.testing.assert_allclose(read("F")[0, 1], 1 / (s[1] ** 2 - s[0] ** 2))
    assert read("F")[1, 1] == 0.0
    assert _svd_definitions(r"A = U V^\top") is None


def test_a_hessian_written_with_the_direction_e_is_read_with_e():
    identity = gradref.get("traces.x2b")
    renamed = dataclasses.replace(
        identity, hessian_formula=identity.hessian_formula.replace("V", "E")
    )
    assert "[E]" in renamed.hessian_formula
    assert {r.field: r.status for r in readback(renamed)}["hessian"] == "agree"
    wrong = dataclasses.replace(identity, hessian_formula=r"\nabla_X^2 f[E] = (EB + BE)")
    assert {r.field: r.status for r in readback(wrong)}["hessian"] == "disagree"


def test_eig_and_eigvec_read_the_spectrum_largest_first_with_positive_first_entries():
    A = np.array([[2.0, 1.0], [0.0, 3.0]])  # eigenvalues 3 and 2, not symmetric
    np.testing.assert_allclose(_env_eval(r"\operatorname{eig}(A)", A=A), [[3.0], [2.0]])
    np.testing.assert_allclose(_env_eval(r"\operatorname{eig}(A, 2)", A=A), 2.0)
    U = _env_eval(r"\operatorname{eigvec}(A)", A=A)
    np.testing.assert_allclose(A @ U, U @ np.diag([3.0, 2.0]), atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(U, axis=0), 1.0)
    assert np.all(U[0] > 0)
    np.testing.assert_allclose(_env_eval(r"\operatorname{eigvec}(A, 1)", A=A), U[:, :1])
    # a complex spectrum: the eigenvalue of largest imaginary part first (of a pair, Im > 0)
    rotation = np.array([[0.0, 1.0], [-1.0, 0.0]])
    np.testing.assert_allclose(_env_eval(r"\operatorname{eig}(A)", A=rotation), [[1j], [-1j]])
    u = _env_eval(r"\operatorname{eigvec}(A, 1)", A=rotation)
    np.testing.assert_allclose(rotation @ u, 1j * u, atol=1e-12)
    assert u[0, 0].imag == 0.0
    assert u[0, 0].real > 0


def test_ceil_and_floor_read_integer_parts():
    assert _env_eval(r"\lceil x/2 \rceil", x=5.0) == 3.0
    assert _env_eval(r"\lfloor x/2 \rfloor", x=5.0) == 2.0


def test_identities_sized_by_products_of_dimensions_are_read():
    from gradref.readback import Env, evaluate

    def read(latex, dims):
        return evaluate(read_latex(latex), Env({}, {}, dims))

    dims = {"m": 2, "n": 3}
    np.testing.assert_array_equal(read(r"I_{mn}", dims), np.eye(6))
    np.testing.assert_array_equal(read(r"I_{n^2}", dims), np.eye(9))
    np.testing.assert_array_equal(read(r"I_{nm} + K_{mn}", dims), np.eye(6) + read("K_{mn}", dims))
    # a dimension named by two letters keeps its own size; an unknown letter is not a size
    np.testing.assert_array_equal(read(r"I_{mn}", {**dims, "mn": 4}), np.eye(4))
    with pytest.raises(Unreadable, match="undefined symbol"):
        read(r"I_{mq}", dims)


def test_psi_reads_as_the_digamma_function_and_psi_prime_as_trigamma():
    x = np.array([[0.5], [2.0]])
    gamma = 0.5772156649015329  # Euler's constant: psi(1) = -gamma, psi'(1) = pi^2 / 6
    np.testing.assert_allclose(_env_eval(r"\psi(x)", x=np.array(1.0)), -gamma)
    np.testing.assert_allclose(_env_eval(r"\psi'(x)", x=np.array(1.0)), np.pi**2 / 6)
    # the recurrence psi(x + 1) = psi(x) + 1/x, entrywise on a vector
    np.testing.assert_allclose(_env_eval(r"\psi(x + 1) - \psi(x)", x=x), 1 / x)
    np.testing.assert_allclose(_env_eval(r"\psi'(x) - \psi'(x + 1)", x=x), 1 / x**2)
    # an input named psi is a symbol times the group, as for sigma
    np.testing.assert_allclose(_env_eval(r"\psi(x)", x=x, psi=np.array(2.0)), 2 * x)


def test_an_inner_product_ends_at_its_closing_bracket():
    X, V = np.arange(6.0).reshape(2, 3), np.ones((2, 3))
    assert _env_eval(r"\langle X, V\rangle", X=X, V=V) == 15.0
    np.testing.assert_allclose(_env_eval(r"\frac{\langle X, V\rangle}{2} X", X=X, V=V), 7.5 * X)
    identity = gradref.get("norms.frobenius")
    assert {r.field: r.status for r in readback(identity)}["hessian"] == "agree"
    wrong = identity.hessian_formula.replace(r"\langle X, V\rangle", r"\langle X, X\rangle")
    changed = dataclasses.replace(identity, hessian_formula=wrong)
    assert {r.field: r.status for r in readback(changed)}["hessian"] == "disagree"


def test_a_value_read_at_every_sample_is_checked_though_a_later_one_is_not_read():
    # "= \sigma(\eta) = \mathbb E[x]": the expectation is not read, at either sample; the
    # sigmoid is read, at both, and checked
    identity = gradref.get("likelihoods.bernoulli-log-partition")
    result = {r.field: r for r in readback(identity)}["formula"]
    assert result.status == "agree"
    assert "not read" in result.reason
    assert r"\mathbb E[x]" in result.reason
    wrong = identity.formula.replace(r"\sigma(\eta)", r"\sigma(-\eta)")
    changed = dataclasses.replace(identity, formula=wrong)
    assert {r.field: r.status for r in readback(changed)}["formula"] == "disagree"
    unread = dataclasses.replace(identity, formula=identity.formula.replace(r"\sigma", r"\zeta"))
    assert {r.field: r.status for r in readback(unread)}["formula"] == "unreadable"


def _with_formula(entry, **changes):
    """``entry`` with some displayed strings replaced; its read-back by field."""
    identity = dataclasses.replace(gradref.get(entry), **changes)
    return {r.field: r for r in readback(identity)}


def test_a_line_that_states_a_decomposition_binds_its_factors():
    from gradref.readback import Env, _decomposition_definitions, _Reader, evaluate

    rng = np.random.default_rng(1)
    A = rng.standard_normal((4, 3))
    S = A[:3] + A[:3].T
    definitions = {
        **_decomposition_definitions(r"A = Q R"),
        **_decomposition_definitions(
            r"\begin{bmatrix} U \\ \lambda^\top \end{bmatrix} = \operatorname{eigh}(S)",
            cotangent="C",
        ),
    }
    C = rng.standard_normal((4, 3))
    env = Env({"A": A, "S": S, "C": C}, definitions, {})

    def read(latex):
        return evaluate(_Reader(latex).read(), env)

    Q, R = read("Q"), read("R")
    np.testing.assert_allclose(Q @ R, A, atol=1e-12)
    assert np.all(np.diag(R) > 0)
    assert not np.any(np.tril(R, -1))
    U, lam = read("U"), read(r"\lambda")
    np.testing.assert_allclose(S @ U, U * lam.T, atol=1e-12)
    assert np.all(np.diff(lam[:, 0]) > 0)
    assert np.all(U[0] > 0)
    np.testing.assert_allclose(read(r"\bar U"), C[:3])  # the cotangent split as the stack
    np.testing.assert_allclose(read(r"\bar\lambda"), C[3:].T)
    L, Uf = (evaluate(t[1], Env({"A": S + 9 * np.eye(3)}, {}, {}))
             for t in _decomposition_definitions(r"A = L U").values())  # fmt: skip
    np.testing.assert_allclose(L @ Uf, S + 9 * np.eye(3), atol=1e-12)
    assert np.all(np.diag(L) == 1.0)
    # a wrong formula with the factors is caught: the adjoint of the eigenvalues transposed
    # the wrong way round, and the LU adjoint with L^{-1} for L^{-T}
    wrong = r"U^\top \operatorname{diag}(\bar\lambda)\, U"
    formula = gradref.get("adjoints.eigenvalues").formula.partition(r":\quad")
    result = _with_formula("adjoints.eigenvalues", formula=formula[0] + r":\quad \bar A = " + wrong)
    assert result["formula"].status == "disagree"
    lu = gradref.get("factorizations.lu-backward")
    result = _with_formula(lu.id, formula=lu.formula.replace(r"L^{-\top}", r"L^{-1}"))
    assert result["formula"].status == "disagree"
    qr = gradref.get("factorizations.qr-jvp")
    result = _with_formula(qr.id, formula=qr.formula.replace(r"dR = (C - \Omega)", r"dR = C"))
    assert result["formula"].status == "disagree"


def test_an_array_defined_by_its_entries_is_read_case_by_case():
    from gradref.readback import Env, _read_definitions, _Reader, evaluate

    lam = np.array([[1.0], [2.5], [4.0]])
    parsed, unread = _read_definitions([
        ("F_ij", (), r"\frac{1}{\lambda_j - \lambda_i}\ (i \ne j)"),
        ("F_ii", (), r"\lambda_i"),
        ("N_ij", (), r"n - |i - j|"),
        ("g_i", (), r"\lambda_i x"),
    ])  # fmt: skip
    assert not unread
    env = Env({"lambda": lam, "x": np.array([[1.0], [2.0]])}, parsed, {"n": 3})
    F = evaluate(_Reader("F").read(), env)
    np.testing.assert_allclose(F[0, 1], 1 / 1.5)
    np.testing.assert_allclose(F[1, 0], -1 / 1.5)  # not symmetric: a transpose slip shows
    np.testing.assert_allclose(np.diag(F), lam[:, 0])
    np.testing.assert_allclose(
        evaluate(_Reader("N").read(), env), [[3, 2, 1], [2, 3, 2], [1, 2, 3]]
    )
    np.testing.assert_allclose(evaluate(_Reader("g").read(), env), lam * [[1.0, 2.0]])  # rows
    # adjoints.eigh, whose F is defined so: F transposed is caught
    eigh = gradref.get("adjoints.eigh")
    wrong = eigh.formula.replace(
        r"\frac{1}{\lambda_j - \lambda_i}", r"\frac{1}{\lambda_i - \lambda_j}"
    )
    assert _with_formula(eigh.id, formula=wrong)["formula"].status == "disagree"
    assert _with_formula(eigh.id)["formula"].status == "agree"


def test_sums_over_several_indices_and_over_a_condition_are_read():
    A = np.arange(9.0).reshape(3, 3) ** 1.5
    assert _env_eval(r"\sum_{kl} A_{kl}", A=A) == pytest.approx(A.sum())
    diagonal = _env_eval(r"\sum_{q - p = j - i} A_{qp}", A=A, i=1.0, j=2.0)
    assert diagonal == pytest.approx(A[1, 0] + A[2, 1])  # q - p = 1: below the diagonal
    assert diagonal != pytest.approx(A[0, 1] + A[1, 2])  # not its transpose


def test_a_function_defined_by_entries_is_read_under_a_transpose():
    # alpha(A)^T is the transpose of alpha's value, not alpha of A^T times A^T
    toeplitz = gradref.get("structured.trace-symmetric-toeplitz")
    assert _with_formula(toeplitz.id)["formula"].status == "agree"
    wrong = toeplitz.formula.replace(r"\alpha(A)^\top", r"\alpha(A)")
    assert _with_formula(toeplitz.id, formula=wrong)["formula"].status == "disagree"


def test_partials_are_checked_where_the_free_values_stand_and_claimed_partials_as_sums():
    # a partials entry: its formula is compared on the upper triangle (i <= j); a formula
    # wrong there (the halved Frobenius gradient) fails
    entry = gradref.get("structured.det-symmetric-partials")
    assert _with_formula(entry.id)["formula"].status == "agree"
    halved = entry.formula.replace("2X^{-1}", "X^{-1}")
    assert halved != entry.formula
    assert _with_formula(entry.id, formula=halved)["formula"].status == "disagree"
    # a Cookbook reading that says it gives the partials is checked as the partials
    gradient = gradref.get("structured.trace-symmetric")
    assert _with_formula(gradient.id)["conventions.cookbook"].status == "agree"
    cookbook = gradient.conventions["cookbook"].replace(r"- (A\circ I)", "")
    assert cookbook != gradient.conventions["cookbook"]
    changed = {**gradient.conventions, "cookbook": cookbook}
    assert _with_formula(gradient.id, conventions=changed)["conventions.cookbook"].status == (
        "disagree"
    )


def test_a_partial_derivative_the_same_at_every_entry_is_read_as_that_matrix():
    entry = gradref.get("quadratic.sum-squared")
    assert _with_formula(entry.id)["formula"].status == "agree"
    wrong = entry.formula.replace(r"= 2 \sum_{kl}", r"= \sum_{kl}")
    assert wrong != entry.formula
    assert _with_formula(entry.id, formula=wrong)["formula"].status == "disagree"


def test_the_single_entry_matrix_is_read_entry_by_entry_of_the_variable():
    entry = gradref.get("higher.jac-cube")
    assert _with_formula(entry.id)["formula"].status == "agree"
    # X^r J^{ij} X^{2-r} with the powers the wrong way round, and J^{ji} for J^{ij}
    for wrong in (
        entry.formula.replace("X^r J^{ij} X^{2-r}", "X^{2-r} J^{ji} X^r"),
        entry.formula.replace("X^r J^{ij} X^{2-r}", "X^r J^{ij} X^{1-r}"),
    ):
        assert wrong != entry.formula
        assert _with_formula(entry.id, formula=wrong)["formula"].status == "disagree"
    # J^{nm} for the variable X_{mn} has the shape of X^T (the Cookbook sizes it by context)
    transposed = gradref.get("linear.transposed-product")
    assert _with_formula(transposed.id)["formula"].status == "agree"
    wrong = transposed.formula.replace("(J^{nm} A)_{ij}", "(J^{nm} A)_{ji}")
    assert _with_formula(transposed.id, formula=wrong)["formula"].status == "disagree"


def test_an_adjoint_stated_row_by_row_is_read_for_every_row():
    entry = gradref.get("layers.layernorm-input")
    assert all(r.status == "agree" for r in readback(entry))
    # the mean of g_i dropped, or the statistics of columns: caught
    wrong = entry.formula.replace(r"g_i - \tfrac1d (\mathbf{1}^\top g_i) \mathbf{1} - ", "g_i - ")
    assert wrong != entry.formula
    assert _with_formula(entry.id, formula=wrong)["formula"].status == "disagree"
    batch = gradref.get("layers.batchnorm-input")
    assert _with_formula(batch.id)["formula"].status == "agree"
    wrong = batch.formula.replace(r"\frac{1}{\sigma_j}\Bigl(", r"\frac{1}{\sigma_j^2}\Bigl(")
    assert wrong != batch.formula
    assert _with_formula(batch.id, formula=wrong)["formula"].status == "disagree"


def test_a_forward_rule_on_a_symmetric_variable_is_read_in_symmetric_directions():
    # eigenvalues.eigenvector declares A symmetric and its code takes sym(A): its rule holds
    # for the symmetric dA of that domain, which the reader draws
    entry = gradref.get("eigenvalues.eigenvector")
    assert _with_formula(entry.id)["formula"].status == "agree"
    for wrong in (r"dv = dA\, (\lambda I - A)^+\, v", r"dv = 2 (\lambda I - A)^+\, dA\, v"):
        formula = entry.formula.replace(r"dv = (\lambda I - A)^+\, dA\, v", wrong)
        assert formula != entry.formula
        assert _with_formula(entry.id, formula=formula)["formula"].status == "disagree"
    # an unstructured variable keeps non-symmetric directions: dA^T for dA shows
    lu = gradref.get("factorizations.lu-jvp")
    wrong = lu.formula.replace(r"F = L^{-1}\,dA\,U^{-1}", r"F = L^{-1}\,dA^\top\,U^{-1}")
    assert wrong != lu.formula
    assert _with_formula(lu.id, formula=wrong)["formula"].status == "disagree"


def test_the_derivative_of_a_defined_symbol_is_read():
    entry = gradref.get("determinants.det-path")
    assert _with_formula(entry.id)["formula"].status == "agree"
    for wrong in (r"Y^{-1}\frac{dY}{dx}\Big)^2", r"\frac{dY}{dx}\Big)"):
        formula = entry.formula.replace(r"Y^{-1}\frac{dY}{dx}\Big)", wrong)
        assert formula != entry.formula
        assert _with_formula(entry.id, formula=formula)["formula"].status == "disagree"
    bilinear = gradref.get("higher.composite-bilinear")
    assert _with_formula(bilinear.id)["formula"].status == "agree"
    swapped = bilinear.formula.replace(r"\frac{\partial s}{\partial x}\Big]^\top A r",
                                       r"\frac{\partial s}{\partial x}\Big]^\top A^\top r")  # fmt: skip
    assert _with_formula(bilinear.id, formula=swapped)["formula"].status == "disagree"
    with pytest.raises(Unreadable, match="not defined"):
        _env_eval(r"\frac{dY}{dx}", x=1.0)


def test_real_parts_conjugates_and_the_sigmoid_derivatives_are_read():
    from gradref.readback import Env, evaluate

    env = Env({"z": np.array([[1.0 + 2.0j], [3.0 - 1.0j]])}, {}, {})
    np.testing.assert_allclose(evaluate(read_latex(r"\operatorname{Re}(z)"), env), [[1.0], [3.0]])
    np.testing.assert_allclose(evaluate(read_latex(r"\bar z"), env), [[1 - 2j], [3 + 1j]])
    x = np.array([[0.3], [-1.2]])
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(_env_eval(r"\sigma'(x)", x=x), s * (1 - s))
    np.testing.assert_allclose(_env_eval(r"\sigma''(x)", x=x), s * (1 - s) * (1 - 2 * s))
    # the complex pair: Re(w u^T / w^T u) reads; its transpose is caught
    pair = gradref.get("spectral.complex-pair-real-part")
    assert _with_formula(pair.id)["formula"].status == "agree"
    wrong = pair.formula.replace(r"\frac{w u^\top}", r"\frac{u w^\top}")
    assert wrong != pair.formula
    assert _with_formula(pair.id, formula=wrong)["formula"].status == "disagree"
    modulus = gradref.get("spectral.complex-pair-modulus")
    assert _with_formula(modulus.id)["formula"].status == "agree"
    wrong = modulus.formula.replace(r"\bar\lambda\,\frac", r"\lambda\,\frac")
    assert wrong != modulus.formula
    assert _with_formula(modulus.id, formula=wrong)["formula"].status == "disagree"
    silu = gradref.get("activations.silu-jacobian")
    assert _with_formula(silu.id)["mistake-1"].status == "agree"


def test_block_matrices_cases_and_tuples_are_read():
    A = np.array([[0.3, 1.0], [-0.4, 0.2]])
    E = np.array([[0.0, 2.0], [1.0, 0.5]])
    block = _env_eval(r"\begin{pmatrix} A & E \\ 0 & A \end{pmatrix}", A=A, E=E)
    np.testing.assert_allclose(block, np.block([[A, E], [np.zeros((2, 2)), A]]))
    # the Frechet derivative of exp in E, from the exponential of the defective block matrix
    h = 1e-6
    frechet = _env_eval(
        r"\Big[\exp\begin{pmatrix} A & E \\ 0 & A \end{pmatrix}\Big]_{12}", A=A, E=E
    )
    series = _env_eval(r"\exp(A)", A=A + h * E) - _env_eval(r"\exp(A)", A=A - h * E)
    np.testing.assert_allclose(frechet, series / (2 * h), rtol=1e-7)
    column = _env_eval(r"\begin{pmatrix} x \\[1ex] 2x \end{pmatrix}", x=3.0)
    np.testing.assert_allclose(column, [[3.0], [6.0]])
    np.testing.assert_allclose(_env_eval(r"(x, 2x)", x=3.0), [[3.0], [6.0]])
    x = np.array([[-2.0], [0.5], [3.0]])
    cases = r"\begin{cases} x & |x| \le 1 \\ \operatorname{sign}(x) & |x| > 1 \end{cases}"
    np.testing.assert_allclose(_env_eval(cases, x=x), [[-1.0], [0.5], [1.0]])
    with pytest.raises(Unreadable, match="none of the cases"):
        _env_eval(r"\begin{cases} x & x > 0 \end{cases}", x=x)
    # a transposed block is caught: the adjoint of expm from exp([[A, C], [0, A]]) for A^T
    expm = gradref.get("adjoints.expm")
    assert _with_formula(expm.id)["formula"].status == "agree"
    wrong = expm.formula.replace(r"\begin{pmatrix} A^\top & \bar C \\ 0 & A^\top\end{pmatrix}",
                                 r"\begin{pmatrix} A & \bar C \\ 0 & A\end{pmatrix}")  # fmt: skip
    assert wrong != expm.formula
    assert _with_formula(expm.id, formula=wrong)["formula"].status == "disagree"


def test_entries_of_a_vector_and_sized_ones_are_read():
    v = np.array([[1.0], [2.0], [3.0]])
    assert _env_eval("v_2", v=v) == 2.0
    from gradref.readback import Env, evaluate

    env = Env({"p": v}, {}, {"n": 3})
    np.testing.assert_allclose(
        evaluate(read_latex(r"p \mathbf{1}_n^\top - \mathbf{1}_n p^\top"), env), v - v.T
    )
    # the mixture weights, entry by entry of rho: the formula reads, the missing 1/rho_j fails
    mixture = gradref.get("gaussian.mixture-weights")
    assert _with_formula(mixture.id)["formula"].status == "agree"
    wrong = mixture.formula.replace(r"\frac{\gamma_j}{\rho_j}", r"\gamma_j")
    assert wrong != mixture.formula
    assert _with_formula(mixture.id, formula=wrong)["formula"].status == "disagree"


def test_indices_computed_from_bound_indices_are_read():
    x = np.array([[1.0], [2.0], [4.0], [8.0]])
    assert _env_eval(r"\sum_{i=1}^{2} x_{i+j-1}", x=x, j=2.0) == 6.0
    assert _env_eval(r"x_{k+1-j}", x=x, k=4.0, j=1.0) == 8.0


def test_a_row_is_a_row_and_a_column_a_column():
    # M_{i,:} is a 1×n row and (M)_{:,j} an n×1 column: where a formula writes one for the
    # other (an orientation slip), the read-back no longer turns it into what the code has
    rng = np.random.default_rng(3)
    M, x = rng.standard_normal((3, 4)), rng.standard_normal((4, 1))
    i, j = np.asarray(2.0), np.asarray(3.0)
    assert _env_eval(r"M_{i,:}", M=M, i=i).shape == (1, 4)
    assert _env_eval(r"(M)_{:,j}", M=M, j=j).shape == (3, 1)
    np.testing.assert_allclose(_env_eval(r"M_{i,:} x", M=M, x=x, i=i), M[[1], :] @ x)
    np.testing.assert_allclose(_env_eval(r"x^\top M_{i,:}^\top", M=M, x=x, i=i), x.T @ M[[1]].T)
    with pytest.raises(ValueError, match="adding shapes"):  # a row plus a column
        _env_eval(r"M_{i,:} + x", M=M, x=x, i=i)


def test_a_row_written_where_the_code_has_a_column_disagrees():
    # statistics.polya-alpha as it was displayed: the row of counts N_{i,:} added to the
    # column alpha (the code adds the counts to alpha entry by entry, a column)
    identity = gradref.get("statistics.polya-alpha")
    slip = identity.formula.replace(r"N_{i,:}^\top", r"N_{i,:}")
    assert slip != identity.formula
    (result,) = [
        r for r in readback(dataclasses.replace(identity, formula=slip)) if r.field == "formula"
    ]
    assert result.status == "disagree"
    (ok,) = [r for r in readback(identity) if r.field == "formula"]
    assert ok.status == "agree"


#: Displayed formulas read since the UNREADABLE table was 72 long, each with a wrong variant
#: (off by a factor, transposed, sign-flipped) that the read-back must report: (entry, field,
#: the text replaced, its wrong replacement).
NEWLY_READ = [
    # N, the number of observations, is the declared dimension of X (N x 2)
    ("gaussian.nll-covariance", "formula", r"\tfrac12\left(N\Sigma", r"\tfrac12\left(2N\Sigma"),
    ("gaussian.nll-covariance", "mistake-2", r"N\Sigma^{-1} -", r"N\Sigma^{-1} +"),
    # the responsibilities over the weights, entry by entry (was an elided list)
    ("gaussian.mixture-weights", "conventions.numerator", r"\rho)^\top", r"\rho)"),
    ("gaussian.mixture-weights", "conventions.numerator", r"\oslash", r"\odot"),
    # the divergence p^T g, written as the gradient writes it (was \operatorname{KL})
    ("losses.kl-p-logits", "hessian", r"- p p^\top", r"+ p p^\top"),
    ("losses.kl-p-logits", "hessian", r"u p^\top - p u^\top", r"p u^\top - p u^\top"),
    # J_s, J_r: the Jacobians, defined by `where` lines (derivatives of defined symbols)
    ("higher.composite-bilinear", "conventions.numerator", r"A^\top J_s", r"A J_s"),
    ("higher.composite-bilinear", "conventions.numerator", r"s^\top A J_r", r"s^\top A J_s"),
    # the transpose of the partials' matrix, written (was "the matrix above", in words)
    (
        "structured.trace-toeplitz-partials",
        "conventions.numerator",
        r"\alpha(A)^\top",
        r"\alpha(A)",
    ),
    # unfold_{h x w, k x k, s, p} (im2col), and U^*, the adjoint of the linear U
    ("networks.conv2d-input", "formula", r"\bar X = U^{*}", r"\bar X = -U^{*}"),
    ("networks.conv2d-input", "formula", r"\bigl(K^\top", r"\bigl(2 K^\top"),
    ("networks.conv2d-kernel", "formula", r"\bar Y\, U(X)^\top", r"2 \bar Y\, U(X)^\top"),
    ("networks.conv2d-kernel", "mistake-2", r"\tfrac16", r"\tfrac13"),
    # group norm: \operatorname{mean}, the groups E_g = (I_2)_{:,g} (x) I_k, and G_g beside G
    (
        "networks.groupnorm-input",
        "formula",
        r"- \hat X_g \operatorname",
        r"+ \hat X_g \operatorname",
    ),
    (
        "networks.groupnorm-input",
        "formula",
        r"\operatorname{mean}(G_g) -",
        r"\operatorname{mean}(G) -",
    ),
    ("networks.groupnorm-input", "mistake-2", r"\frac{1}{\sigma_g}", r"\frac{2}{\sigma_g}"),
    ("networks.groupnorm-gamma", "formula", r"\hat X)\mathbf{1}", r"\hat X)^\top\mathbf{1}"),
    (
        "networks.groupnorm-gamma",
        "mistake-1",
        r"E_g \mathbf{1}\mathbf{1}^\top E_g^\top",
        r"\mathbf{1}\mathbf{1}^\top",
    ),
    # the rules, at their own functions: f, f(x), J_f, \nabla f, h', \frac{\partial f}{\partial x}
    (
        "rules.product",
        "conventions.numerator",
        r"g^\top J_f + f^\top J_g",
        r"f^\top J_f + g^\top J_g",
    ),
    ("rules.product", "conventions.numerator", r"g^\top J_f", r"(J_f g)^\top"),
    ("rules.product", "mistake-1", r"^\top g(x)", r"^\top f(x)"),
    ("rules.product-scalar", "conventions.numerator", r"+ f\,", r"- f\,"),
    ("rules.product-scalar", "mistake-1", r"g - f", r"g + f"),
    ("rules.product-scalar", "mistake-2", r"\nabla f(x) \odot", r"2\nabla f(x) \odot"),
    (
        "rules.chain",
        "conventions.numerator",
        r"\big)^\top J_f(x)",
        r"\big)^\top J_f(x)^\top J_f(x)",
    ),
    ("rules.chain", "conventions.numerator", r"\big)^\top J_f(x)", r"\big)^\top J_f(2x)"),
    ("rules.chain-univariate", "conventions.numerator", r"h_1'(f)\,", r"h_2'(f)\,"),
    ("rules.chain-univariate", "mistake-1", r"h_2'\big(h_1(f(x))\big)", r"h_2'\big(f(x)\big)"),
    # \partial X / \partial X_{ij} = ...: read at each entry (i, j) of the variable
    ("linear.identity-map", "mistake-1", r"= \mathbf{1}_m", r"= 2\mathbf{1}_m"),
    (
        "linear.identity-map",
        "mistake-1",
        r"\mathbf{1}_m\mathbf{1}_n^\top",
        r"\mathbf{1}_n\mathbf{1}_m^\top",
    ),
    # a Kronecker product's entries by composite indices (a,b),(c,d)
    (
        "differentials.kronecker-left",
        "formula",
        r"\delta_{ai}\delta_{cj}\,Y_{bd}",
        r"\delta_{ai}\delta_{cj}\,Y_{db}",
    ),
    (
        "differentials.kronecker-left",
        "formula",
        r"\delta_{ai}\delta_{cj}",
        r"\delta_{ci}\delta_{aj}",
    ),
    ("differentials.kronecker-right", "formula", r"X_{ac}\,", r"-X_{ac}\,"),
    (
        "differentials.kronecker-right",
        "formula",
        r"\delta_{bi}\delta_{dj}",
        r"\delta_{di}\delta_{bj}",
    ),
    # \partial f / \partial t_d, by the free values of a symmetric Toeplitz T, and [M]_{1,d+1}
    ("structured.trace-symmetric-toeplitz-partials", "formula", r"- \alpha(A)\circ I", r""),
    ("structured.trace-symmetric-toeplitz-partials", "mistake-1", r"_{1,d+1}", r"_{d+1,1}"),
    ("structured.trace-symmetric-toeplitz-partials", "mistake-2", r"\oslash 2N", r"\oslash N"),
    # indices counted from 0, as the statement says (i = 0, ..., l - k)
    ("layers.conv1d-kernel", "formula", r"x_{i+j}", r"x_{i+k-1-j}"),
    ("layers.conv1d-kernel", "conventions.numerator", r"\bar w^\top", r"2 \bar w^\top"),
    ("layers.conv1d-kernel", "mistake-1", r"x_{i+k-1-j}", r"x_{i+j}"),
    ("layers.conv1d-kernel", "mistake-2", r"\frac{1}{o}", r"\frac{1}{k}"),
    # the convolution *, its valid part and the cross-correlation \star
    ("layers.conv1d-input", "formula", r"\bar y * w", r"\bar y \star w"),
    ("layers.conv1d-input", "conventions.numerator", r"\bar x^\top", r"-\bar x^\top"),
    ("layers.conv1d-input", "mistake-1", r"\bar y \star w", r"\bar y * w"),
    ("layers.conv1d-input", "mistake-2", r"*_{\text{valid}}", r"\star"),
]


def _field_latex(identity, field):
    return dict(displayed_formulas(identity))[field]


def _with_field(identity, field, latex):
    if field == "formula":
        return dataclasses.replace(identity, formula=latex)
    if field == "hessian":
        return dataclasses.replace(identity, hessian_formula=latex)
    if field.startswith("conventions."):
        key = field.split(".", 1)[1]
        return dataclasses.replace(identity, conventions={**identity.conventions, key: latex})
    index = int(field.split("-")[1]) - 1
    mistakes = list(identity.mistakes)
    mistakes[index] = dataclasses.replace(mistakes[index], formula=latex)
    return dataclasses.replace(identity, mistakes=tuple(mistakes))


@pytest.mark.parametrize(("entry", "field", "old", "wrong"), NEWLY_READ)
def test_a_newly_read_formula_is_checked(entry, field, old, wrong):
    identity = gradref.get(entry)
    latex = _field_latex(identity, field)
    assert old in latex
    (right,) = [r for r in readback(identity) if r.field == field]
    assert right.status == "agree", right.reason
    (result,) = [
        r for r in readback(_with_field(identity, field, latex.replace(old, wrong)))
        if r.field == field
    ]  # fmt: skip
    assert result.status == "disagree", (result.status, result.reason)


@pytest.mark.parametrize(
    ("entry", "field", "old", "wrong"),
    [
        # a gradient with respect to a vector is a column: its transpose, a row, is rejected
        ("quadratic.grad-x", "formula", r"(A + A^\top)\,x", r"x^\top (A + A^\top)"),
        ("linear.inner", "formula", r"x^\top a = a", r"x^\top a = a^\top"),
        # a numerator-layout reading of it is a row: the column is rejected
        ("quadratic.grad-x", "conventions.numerator", r"x^\top (A + A^\top)", r"(A + A^\top) x"),
        ("linear.inner", "conventions.numerator", r"= a^\top", r"= a"),
        # a tuple is a column; a row is written as a 1×n matrix
        ("elementary.sheet-xyz", "conventions.numerator", r"\end{pmatrix}", r"\end{pmatrix}^\top"),
    ],
)
def test_a_transposed_vector_is_a_disagreement(entry, field, old, wrong):
    test_a_newly_read_formula_is_checked(entry, field, old, wrong)


def test_the_convolution_and_the_cross_correlation_of_two_vectors_are_read():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((5, 1)), rng.standard_normal((3, 1))
    full = np.array([[sum(a[j, 0] * b[m - j, 0] for j in range(5) if 0 <= m - j < 3)]
                     for m in range(7)])  # fmt: skip
    np.testing.assert_allclose(_env_eval(r"a * b", a=a, b=b), full)
    np.testing.assert_allclose(_env_eval(r"a *_{\text{valid}} b", a=a, b=b), full[2:5])
    # the cross-correlation slides b along a unflipped: the convolution with b reversed
    np.testing.assert_allclose(
        _env_eval(r"a \star b", a=a, b=b), _env_eval(r"a * c", a=a, c=b[::-1])
    )
    assert not np.allclose(_env_eval(r"a \star b", a=a, b=b), full)
    with pytest.raises(ValueError, match="not a column"):  # of rows, or of matrices
        _env_eval(r"a^\top * b", a=a, b=b)
    with pytest.raises(ValueError, match="longer vector second"):
        _env_eval(r"b *_{\text{valid}} a", a=a, b=b)


def test_a_statement_that_counts_from_zero_is_read_from_zero():
    from gradref.readback.definitions import index_origin

    assert index_origin(r"y_i = \sum_{j=0}^{k-1} w_j x_{i+j}\ (i = 0, \dots, l - k)") == 0
    assert index_origin(r"y_i = \sum_{j=1}^{k} w_j x_{i+j-1}") == 1
    identity = gradref.get("layers.conv1d-kernel")
    # the same formula, with its indices counted from 1, is off by one entry
    shifted = identity.formula.replace(r"(i = 0, \dots, l - k)", r"(i = 1, \dots, o)")
    (result,) = [
        r for r in readback(dataclasses.replace(identity, formula=shifted)) if r.field == "formula"
    ]
    assert result.status != "agree"


def test_unfold_and_the_adjoint_of_a_linear_function_are_read():
    from gradref.readback import Env, _read_definitions, _Reader, evaluate

    rng = np.random.default_rng(7)
    X = rng.standard_normal((2, 20))
    # unfold_{4 x 5, 3 x 3, s = 2, p = 1}(X), entry by entry: tap (u, v) of output pixel (i, j)
    images = np.pad(X.reshape(2, 4, 5), ((0, 0), (1, 1), (1, 1)))
    expected = np.array([[images[c, 2 * i + u, 2 * j + v] for i in range(2) for j in range(3)]
                         for c in range(2) for u in range(3) for v in range(3)])  # fmt: skip
    unfold = r"\operatorname{unfold}_{4 \times 5,\ 3 \times 3,\ s = 2,\ p = 1}(X)"
    np.testing.assert_allclose(_env_eval(unfold, X=X), expected)
    # U^*: <U(X), Y> = <X, U^*(Y)>, and U^* is not U^T applied anyhow
    parsed, unread = _read_definitions([("U", ("X",), unfold)])
    assert not unread
    Y = rng.standard_normal((18, 6))

    def read(latex, definitions=parsed):
        return evaluate(_Reader(latex).read(), Env({"X": X, "Y": Y}, definitions, {}))

    adjoint = read(r"U^{*}(Y)")
    assert adjoint.shape == X.shape
    np.testing.assert_allclose(np.sum(read(r"U(X)") * Y), np.sum(X * adjoint))
    np.testing.assert_allclose(read(r"U^*(Y)"), adjoint)
    # of a function that is not linear, there is no adjoint
    affine, _ = _read_definitions([("F", ("X",), r"X + \mathbf 1_c \mathbf 1_n^\top")])
    with pytest.raises(Unreadable, match="not linear"):
        evaluate(_Reader(r"F^{*}(Y)").read(), Env({"X": X, "Y": Y}, affine, {"c": 2, "n": 20}))


def test_words_that_qualify_a_formula_are_not_dropped_as_a_note():
    identity = gradref.get("networks.conv2d-input")
    (result,) = [r for r in readback(identity) if r.field == "mistake-2"]
    assert (result.status, result.reason) == ("unreadable", "prose inside the formula")


def test_the_mean_of_an_array_and_a_family_beside_its_whole_are_read():
    from gradref.readback import Env, _entries_or_names, _read_definitions, _Reader, evaluate

    rng = np.random.default_rng(11)
    X = rng.standard_normal((4, 3))
    np.testing.assert_allclose(_env_eval(r"\operatorname{mean}(X)", X=X), X.mean())
    np.testing.assert_allclose(_env_eval(r"X - \operatorname{mean}(X)", X=X), X - X.mean())
    assert not np.allclose(_env_eval(r"\operatorname{mean}(X^\top X)", X=X), X.mean() ** 2)
    with pytest.raises(Unreadable, match="mean of what is not an array"):
        _env_eval(r"\operatorname{mean}(2)")
    # G and its blocks G_g = E_g^T G: both defined, each read under its own name
    parsed, unread = _read_definitions([
        ("k", (), r"c / 2"),
        ("E_g", (), r"(I_2)_{:,g} \otimes I_k"),
        ("G", (), r"2 X"),
        ("G_g", (), r"E_g^\top G"),
    ])  # fmt: skip
    assert not unread
    definitions = _entries_or_names(parsed, {"X", "c"})

    def read(latex):
        return evaluate(_Reader(latex).read(), Env({"X": X}, definitions, {"c": 4}))

    np.testing.assert_allclose(read(r"G"), 2 * X)
    np.testing.assert_allclose(read(r"\sum_{g=1}^{2} E_g G_g"), 2 * X)
    np.testing.assert_allclose(
        read(r"\sum_{g=1}^{2} E_g \mathbf 1 \operatorname{mean}(G_g)"),
        np.repeat([[2 * X[:2].mean()], [2 * X[2:].mean()]], 2, axis=0),
    )


def test_a_function_given_as_an_input_is_read_with_its_derivatives():
    from gradref.identities.rules import TanhMap, TanhUnit
    from gradref.readback import Env, _Reader, evaluate

    rng = np.random.default_rng(13)
    x = rng.standard_normal((3, 1))
    f = TanhMap(rng.standard_normal((4, 3)), rng.standard_normal(4))
    u = TanhUnit(rng.standard_normal(3), 0.3)

    def read(latex):
        return evaluate(_Reader(latex).read(), Env({"x": x, "f": f, "u": u}, {}, {}, variable="x"))

    np.testing.assert_allclose(read(r"f"), f(x[:, 0])[:, None])
    np.testing.assert_allclose(read(r"f(2x)"), f(2 * x[:, 0])[:, None])
    # the reader's own derivatives (central differences), against the analytic ones
    np.testing.assert_allclose(read(r"J_f"), f.jacobian(x[:, 0]), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(read(r"J_f(x)^\top"), f.jacobian(x[:, 0]).T, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(read(r"\nabla u"), u.gradient(x[:, 0])[:, None], rtol=1e-9)
    np.testing.assert_allclose(read(r"\frac{\partial u}{\partial x}"), u.gradient(x[:, 0])[None, :],
                               rtol=1e-9)  # fmt: skip
    # \nabla of what is not a function given as an input is still derivative notation
    with pytest.raises(Unreadable, match="derivative notation on the right-hand side"):
        read(r"\nabla x")


def test_an_equality_erratum_is_read_side_by_side():
    (erratum,) = [e for e in ERRATA if e.id == "cookbook-2012-eq-27"]
    results = {r.field: r for r in readback_erratum(erratum)}
    assert results["corrected"].status == results["printed"].status == "agree"
    assert results["corrected"].error < 1e-12
    # a corrected form that does not hold, and a printed one that does, disagree
    wrong = erratum.corrected.replace(
        r"\tfrac12\operatorname{tr}(A)^2", r"\tfrac13\operatorname{tr}(A)^2"
    )
    assert wrong != erratum.corrected
    (result,) = [r for r in readback_erratum(dataclasses.replace(erratum, corrected=wrong))
                 if r.field == "corrected"]  # fmt: skip
    assert result.status == "disagree"
    (result,) = [r for r in readback_erratum(dataclasses.replace(erratum, printed=erratum.corrected))
                 if r.field == "printed"]  # fmt: skip
    assert result.status == "disagree"


def test_an_entry_at_computed_indices_is_read():
    rng = np.random.default_rng(17)
    M = rng.standard_normal((3, 4))
    np.testing.assert_allclose(_env_eval(r"(M)_{1,d+1}", M=M, d=np.asarray(2.0)), M[0, 2])
    np.testing.assert_allclose(
        _env_eval(r"\big[M^\top\big]_{d+1,1}", M=M, d=np.asarray(1.0)), M[0, 1]
    )
    with pytest.raises(Unreadable, match="out of range"):
        _env_eval(r"(M)_{1,d+1}", M=M, d=np.asarray(4.0))


def test_two_columns_side_by_side_are_not_read_as_any_product():
    # x y of two columns is neither x^T y nor x ⊙ y: written for either, it is refused, so
    # a slip from x^\top y to x y cannot agree. A function defined on numbers (sigma'' of
    # the logistic Hessian, t(1 - t) in its body) is still read entry by entry.
    from gradref.readback.values import ShapeMismatch

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((3, 1)), rng.standard_normal((3, 1))
    with pytest.raises(ShapeMismatch):
        _env_eval(r"x y", x=x, y=y)
    np.testing.assert_allclose(_env_eval(r"x \odot y", x=x, y=y), x * y)
    np.testing.assert_allclose(_env_eval(r"x^\top y", x=x, y=y), x.T @ y)
    entry = "losses.bce-logits"
    wrong = _with_formula(
        entry,
        mistakes=tuple(
            dataclasses.replace(m, formula=r"\frac{\sigma(z) - y}{\sigma(z)\,(1 - \sigma(z))}")
            for m in gradref.get(entry).mistakes
        ),
    )
    assert wrong["mistake-2"].status != "agree"
    hessian = _with_formula("losses.logistic-hvp")["hessian"]
    assert hessian.status == "agree"
    assert r"\sigma''" in hessian.latex
