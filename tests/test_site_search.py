"""The site's search in a real browser: real questions land on the identity that answers them.

Run by ``nox -s site`` with tests/test_site.py (whose server, browser and Visit it uses).
The questions are ``tests/data/search_questions.json``: questions people asked on Q&A sites
and issue trackers, each with its address and the identities that answer it (or none yet).
Each is typed into the search box of the search page as it was asked, and as short
keywords; the results are read from the page, and the time from the keystroke to the
results is measured in the page (``data-ms`` of the results, set by client.js).
"""

from __future__ import annotations

import json
import statistics
import urllib.parse
from pathlib import Path

import pytest

from tests.test_site import MEASUREMENTS, Visit

pytestmark = pytest.mark.browser

QUESTIONS = json.loads(
    (Path(__file__).parent / "data" / "search_questions.json").read_text(encoding="utf-8")
)
#: At least this share of the answerable questions has an answering identity among the
#: first three results, asked as they were asked and as keywords.
TOP3_TARGET = 0.90
#: From a keystroke to the results on the page, median and 95th percentile.
LATENCY_BOUND_MS = 100

# What readers type, and the identity each query must list first: names, synonyms and
# spellings of formulas that appear nowhere in a page's words (xAx, dot product), and a
# Cookbook equation number.
FIRST = [
    ("Cookbook 101", "traces.axb"),
    ("outer product", "quadratic.grad-A"),
    ("xAx", "quadratic.grad-x"),
    ("x^T A x", "quadratic.grad-x"),
    ("xᵀAx", "quadratic.grad-x"),
    ("x'Ax", "quadratic.grad-x"),
    ("x^T A x with respect to A", "quadratic.grad-A"),
    ("quadratic form", "quadratic.grad-x"),
    ("logistic", "losses.logistic-w"),
    ("sigmoid", "activations.sigmoid"),
    ("chain rule", "rules.chain"),
    ("product rule", "rules.product-scalar"),
    ("matrix-vector product", "linear.matvec"),
    ("dot product", "linear.inner"),
    ("trace", "traces.trace"),
    ("log determinant", "determinants.logdet"),
    ("logdet", "determinants.logdet"),
    ("ln|X|", "determinants.logdet"),
    ("gradient of log det X", "determinants.logdet"),
    ("Frobenius norm", "norms.frobenius"),
    ("squared Frobenius norm", "norms.frobenius-squared"),
    ("Jacobian of softmax", "softmax.softmax-jacobian"),
    ("layer norm", "layers.layernorm-input"),
    ("Cholesky backward", "adjoints.cholesky"),
    ("tr(AXB)", "traces.axb"),
    ("d/dX tr(AXB)", "traces.axb"),
    ("||Ax - b||^2", "quadratic.least-squares"),
    ("detrminant", "determinants.det"),
]


def _search_page(visit) -> None:
    """Open the search page and wait until its index is loaded (it loads on focus)."""
    visit.goto("search.html")
    visit.page.wait_for_function("() => window.GRADREF_SEARCH_INDEX !== undefined", timeout=10_000)


def _ask(visit, query: str) -> dict:
    """Type ``query`` into the search page's box as a reader does; its results and timing."""
    box = visit.page.locator("#gr-search-page input[name='q']")
    box.fill(query)  # one input event, as the last keystroke of typing it
    visit.page.wait_for_function(
        "(q) => document.querySelector('#search-results').dataset.query === q", arg=query
    )
    return visit.page.evaluate(
        """() => {
            const box = document.querySelector('#search-results');
            return {
              ms: Number(box.dataset.ms),
              status: (box.querySelector('.gr-status') || {}).textContent || '',
              results: [...box.querySelectorAll('li.gr-result')].map((li) => ({
                id: li.dataset.id || null,
                href: li.querySelector('a').getAttribute('href'),
                title: li.querySelector('a').textContent,
              })),
            };
        }"""
    )


@pytest.fixture(scope="module")
def answers(server, browser):
    """Every question of the set, asked and as keywords, on one search page."""
    visit = Visit(browser, server, block=False)
    try:
        _search_page(visit)
        found = {}
        for question in QUESTIONS:
            for form in ("question", "keywords"):
                found[question[form]] = _ask(visit, question[form])
        assert visit.blocked == [], f"requests left 127.0.0.1: {visit.blocked}"
        assert visit.errors == [], f"console errors: {visit.errors}"
    finally:
        visit.close()
    return found


# Asked as they were asked, the questions reached 91 % with 251 identities; with 372 (the
# SVD, spectral, factorisation, matrix-function, attention, recurrent, GP and margin
# families), the new entries' words outrank older answers on general questions ("back
# propagation", "maximum likelihood", "Cholesky"): measured 80.5 % (62 of 77) on
# 2026-12-07. The target stands; the ranking work is issue 16's, still open.
@pytest.mark.timing
@pytest.mark.parametrize("form", ["question", "keywords"])
def test_real_questions_land_on_an_answering_identity(answers, form):
    answerable = [q for q in QUESTIONS if q["answers"]]
    misses = []
    for question in answerable:
        top = [r["id"] for r in answers[question[form]]["results"][:3]]
        if not set(top) & set(question["answers"]):
            misses.append(f"  {question[form]!r}: wants {question['answers']}, got {top}")
    rate = 1 - len(misses) / len(answerable)
    MEASUREMENTS.setdefault("search_top3", {})[form] = {
        "rate": round(rate, 3),
        "answerable": len(answerable),
        "misses": len(misses),
    }
    assert rate >= TOP3_TARGET, (
        f"an answering identity is among the first three for {rate:.1%} of {len(answerable)} "
        f"questions ({form}; target {TOP3_TARGET:.0%}); misses:\n" + "\n".join(misses)
    )


@pytest.mark.timing
def test_no_query_returns_nothing(answers):
    empty = [query for query, found in answers.items() if not found["results"]]
    MEASUREMENTS.setdefault("search_empty", len(empty))
    assert empty == [], f"queries with no result: {empty}"


@pytest.mark.timing
def test_results_come_within_100_ms_of_a_keystroke(answers):
    times = sorted(found["ms"] for found in answers.values())
    median = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    MEASUREMENTS["search_latency_ms"] = {
        "median": round(median, 2),
        "p95": round(p95, 2),
        "queries": len(times),
    }
    assert median <= LATENCY_BOUND_MS, MEASUREMENTS["search_latency_ms"]
    assert p95 <= LATENCY_BOUND_MS, MEASUREMENTS["search_latency_ms"]


@pytest.fixture(scope="module")
def search_page(server, browser):
    """One search page, its index loaded, for the queries of a test process to share."""
    visit = Visit(browser, server, block=False)
    try:
        _search_page(visit)
        yield visit
    finally:
        visit.close()


@pytest.mark.parametrize(("query", "expected"), FIRST)
def test_a_name_or_a_formula_lists_its_identity_first(search_page, query, expected):
    assert len({q for q, _ in FIRST}) == len(FIRST), "a repeated query would see stale results"
    found = _ask(search_page, query)
    listed = "\n".join(f"  {r['id'] or r['href']}  {r['title']}" for r in found["results"][:5])
    assert found["results"], f"no result for {query!r}"
    assert found["results"][0]["id"] == expected, f"first results for {query!r}:\n{listed}"


def test_an_address_with_a_query_shows_its_results_as_links(server, browser):
    # A reader shares search.html?q=...: the page opens with the results, best first, each a
    # link to the identity's own section.
    visit = Visit(browser, server, block=False)
    query = "hessian of log det X"
    try:
        visit.goto(f"search.html?q={urllib.parse.quote(query)}")
        visit.page.wait_for_function(
            "(q) => document.querySelector('#search-results').dataset.query === q", arg=query
        )
        box = visit.page.locator("#gr-search-page input[name='q']")
        assert box.input_value() == query
        visit.page.wait_for_function(
            "() => document.querySelector('#search-results').dataset.formulas === 'shown'"
        )
        first = visit.page.locator("#search-results li.gr-result").first
        assert first.get_attribute("data-id") == "determinants.logdet"
        href = first.locator("a").get_attribute("href")
        assert href.endswith("#determinants-logdet"), href
        assert first.locator(".katex").count() > 0, "the result does not show its formula"
        assert "Verified" in first.inner_text()
        first.locator("a").click()
        visit.page.wait_for_load_state("domcontentloaded")
        assert visit.page.url.endswith("#determinants-logdet"), visit.page.url
        assert visit.errors == [], f"console errors: {visit.errors}"
    finally:
        visit.close()


def test_words_that_match_nothing_are_named(server, browser):
    # A word that nothing on the site says. (It was "hyperparameters" until the Gaussian
    # processes' entries, which are about them, came in.)
    visit = Visit(browser, server, block=False)
    try:
        _search_page(visit)
        found = _ask(visit, "log determinant quaternion")
    finally:
        visit.close()
    assert found["results"], "a query with one unknown word returned nothing"
    assert "quaternion" in found["status"], found["status"]
    assert found["results"][0]["id"] == "determinants.logdet", found["results"][:3]


def test_the_header_searches_as_you_type_on_every_page(server, browser):
    # On a reference page: Ctrl+K opens the header's search box; results appear under it as
    # the reader types, before Enter; the arrow key moves into them; Enter goes to the
    # search page with the query.
    visit = Visit(browser, server, block=False, viewport={"width": 1280, "height": 900})
    try:
        visit.goto("conventions.html")
        visit.page.wait_for_load_state("networkidle")
        assert not [u for u in visit.requested if "gradref-search-index" in u], (
            "the index was loaded before the reader asked for search"
        )
        visit.page.keyboard.press("Control+k")
        box = visit.page.locator("#pst-search-dialog input[name='q']")
        box.wait_for(state="visible")
        box.press_sequentially("softmax jacobian", delay=15)
        live = visit.page.locator("#pst-search-dialog .gr-live")
        visit.page.wait_for_function(
            "() => document.querySelector('#pst-search-dialog .gr-live')"
            ".dataset.query === 'softmax jacobian'"
        )
        first = live.locator("li.gr-result").first
        assert first.get_attribute("data-id") == "softmax.softmax-jacobian"
        box.press("ArrowDown")
        focused = visit.page.evaluate("() => document.activeElement.closest('li')?.dataset.id")
        assert focused == "softmax.softmax-jacobian"
        box.focus()
        box.press("Enter")
        visit.page.wait_for_url("**/search.html?q=softmax+jacobian*")
        assert visit.errors == [], f"console errors: {visit.errors}"
    finally:
        visit.close()
