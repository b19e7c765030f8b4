"""The built site in a real browser (headless Chromium driven by Playwright).

Run by ``nox -s site`` after ``nox -s docs`` (and by ``.ci/run``); marked ``browser``
so that ``nox -s tests`` does not need a browser. The site is served on 127.0.0.1;
every request elsewhere is blocked and recorded. Screenshots go to
``_build/screenshots/`` (test artifacts, not committed); the measured timings and
page weights are printed and written to ``_build/screenshots/measurements.json``.
"""

from __future__ import annotations

import functools
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("GRADREF_SITE", ROOT / "_build" / "html"))
ARTIFACTS = ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("GRADREF_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
MEASUREMENTS: dict[str, object] = {}

# Target from issue 4: math rendered within 0.5 s. It is measured and reported
# (measurements.json says whether it was met); on this 2-core VM it is not met on every
# page (see the closing note of issue 4), so the tests assert a looser bound that still
# fails when something regresses badly (math left to a script). Search is timed in
# tests/test_site_search.py.
MATH_TARGET_S = 0.5
MATH_BOUND_S = 2.5
# Light pages (issue "readers", item B): a cold visit to any page transfers at most 1 MB
# (1024 kB of 1024 bytes, the unit the issue measured 2.35-2.90 MB in), uncompressed as
# `python -m http.server` serves it; the largest page paints within 2 s on Slow 4G.
PAGE_WEIGHT_BOUND_KB = 1024
FIRST_PAINT_BOUND_S = 2.0


@functools.cache
def _pages() -> list[str]:
    """The site's pages: Sphinx's (not the redirects of id/ and of old addresses, which
    tests/test_site_addresses.py checks)."""
    pages = sorted(
        p.relative_to(SITE).as_posix()
        for p in SITE.rglob("*.html")
        if not p.relative_to(SITE).parts[0].startswith("_")
        and 'data-content_root="' in p.read_text(encoding="utf-8")
    )
    return [p for p in pages if p not in ("genindex.html", "py-modindex.html")]


# The fixtures `server` (the built site on 127.0.0.1) and `browser` (Chromium) are in
# tests/conftest.py: one of each for every test file of the site.


class Visit:
    """A page whose non-local requests are recorded (and blocked), and console errors kept.

    Blocking needs request interception, which turns Chromium's HTTP cache off; the timing
    tests, which measure a reader coming back with cached assets, pass ``block=False`` and
    still record (and assert on) any request that leaves 127.0.0.1.
    """

    def __init__(self, browser, base, block=True, **context):
        self.context = browser.new_context(**context)
        self.context.add_init_script(MATH_ON_SCREEN)
        self.page = self.context.new_page()
        self.base = base
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.requested: list[str] = []
        self.page.on("request", lambda request: self.requested.append(request.url))
        if block:
            self.context.route("**/*", self._route)
        else:
            self.page.on("request", self._record)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _record(self, request):
        if not request.url.startswith((self.base, "data:", "blob:")):
            self.blocked.append(request.url)

    def transferred_kb(self) -> float:
        """Bytes of the document and every resource it loaded, as the browser counted them."""
        return self.page.evaluate(
            """() => performance.getEntriesByType("navigation")
                 .concat(performance.getEntriesByType("resource"))
                 .reduce((sum, e) => sum + (e.encodedBodySize || 0), 0) / 1024"""
        )

    def _route(self, route):
        url = route.request.url
        if url.startswith((self.base, "data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def goto(self, path: str) -> None:
        self.page.goto(f"{self.base}/{path}", wait_until="domcontentloaded")

    def reset(self, viewport: dict) -> None:
        """Ready for the next page: nothing recorded, screen media, the given window."""
        self.blocked.clear()
        self.errors.clear()
        self.requested.clear()
        self.page.emulate_media(media="screen")
        self.page.set_viewport_size(viewport)

    def close(self):
        self.context.close()


# Set up in every page before it loads (an init script): resolves with the time at which
# the page's math is on screen. Math is rendered to HTML at build time (KaTeX), so it is
# shown by the first frame painted once the document is parsed and KaTeX's fonts are in;
# the page's scripts (deferred: they run after parsing) need not have run.
MATH_ON_SCREEN = """
window.__gradrefMathOnScreen = new Promise((resolve) => {
  const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done)));
  const parsed = async () => {
    await frame();  // laid out: the fonts the page needs are being loaded
    await document.fonts.ready;
    await frame();  // painted with them
    resolve(performance.now() / 1000);
  };
  if (document.readyState !== "loading") parsed();
  else document.addEventListener("readystatechange", parsed, { once: true });
});
"""


def _math_rendered_at(page) -> float:
    """Seconds from navigation start until the page's math is on screen."""
    return page.evaluate("() => window.__gradrefMathOnScreen")


def _dom_content_loaded_at(page) -> float:
    """Seconds from navigation start until DOMContentLoaded (the page's scripts have run)."""
    return page.evaluate(
        """async () => {
            if (document.readyState === "loading") {
                await new Promise((done) => document.addEventListener("DOMContentLoaded", done));
            }
            return performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd / 1000;
        }"""
    )


#: Full-page screenshots (at each width) of these pages go to _build/screenshots/ on every
#: run; ``GRADREF_SCREENSHOTS=all`` (or a comma-separated list of paths) adds more. A
#: full-page screenshot of a long page costs seconds, so the run takes few by default.
def _photographed(path: str) -> bool:
    asked = os.environ.get("GRADREF_SCREENSHOTS", "")
    return path in SCREENSHOTS or asked == "all" or path in asked.split(",")


@pytest.fixture(scope="module")
def reused_visit(server, browser):
    """One Visit that the per-page tests of a test process share, navigating from page to
    page: a new browser context (and renderer process) for each of 159 pages took a third
    of their time. Request interception keeps Chromium's cache off, so every visit still
    loads the page and all it needs from the server (its weight is a cold visit's); a
    test that fails closes the visit, and the next test opens a new one."""
    holder: dict[str, Visit | None] = {"visit": None}

    def visit() -> Visit:
        if holder["visit"] is None:
            holder["visit"] = Visit(browser, server, viewport=DESKTOP)
        holder["visit"].reset(DESKTOP)
        return holder["visit"]

    def discard() -> None:
        if holder["visit"] is not None:
            holder["visit"].close()
            holder["visit"] = None

    visit.discard = discard
    yield visit
    discard()


DESKTOP = {"width": 1280, "height": 900}


@pytest.mark.parametrize("path", _pages() if SITE.is_dir() else ["index.html"])
def test_page_renders_offline_without_errors(reused_visit, path):
    # One visit per page. At 1280 px: the math is on screen, nothing is fetched from
    # elsewhere, no console error, the page is light. Then at every width of WIDTHS (the
    # window resized, as a reader turning a tablet does), with the solutions closed and
    # then open: no display formula is cut and the page never scrolls sideways. With
    # everything open, no id is repeated and every image says what it shows. Last, printed:
    # no display formula is cut on paper.
    visit = reused_visit()
    page = visit.page
    try:
        visit.goto(path)
        if _has_math(path):
            elapsed = _math_rendered_at(page)
            assert page.locator(".katex").count() > 0, "math was not rendered"
            assert page.locator(".katex-error").count() == 0, "KaTeX reported a math error"
            assert "$$" not in page.inner_text("article"), "unrendered display math"
            fonts = page.evaluate(
                "() => [...document.fonts].filter(f => f.family.startsWith('KaTeX'))"
                ".map(f => f.status)"
            )
            assert "error" not in fonts, f"a KaTeX font failed to load: {fonts}"
            MEASUREMENTS.setdefault("math_rendered_s", {})[path] = round(elapsed, 3)
        page.wait_for_load_state("load")
        _wait_for_layout(page)
        failures = _cut_or_sideways(page, path)
        # Every id names one element (links and labels point at ids), with the page's
        # scripts run and its solutions open.
        repeated = page.evaluate(REPEATED_IDS)
        assert not repeated, f"{path}: ids repeated on the page: {dict(repeated)}"
        # Every image's alt text describes it: never empty, never a file name or a hash.
        bad_alt = [
            f"{src} has alt {alt!r}"
            for src, alt in page.evaluate(
                "() => [...document.querySelectorAll('article img')]"
                ".map(i => [i.getAttribute('src'), i.getAttribute('alt')])"
            )
            if _bad_alt(alt)
        ]
        assert not bad_alt, f"{path}: images without a real text alternative: {bad_alt}"
        # Whatever a script fetches late is in by now: no request for half a second.
        page.wait_for_load_state("networkidle")
        weight = visit.transferred_kb()
        MEASUREMENTS.setdefault("page_weight_kB", {})[path] = round(weight, 1)
        assert visit.blocked == [], f"requests left 127.0.0.1: {visit.blocked}"
        assert visit.errors == [], f"console errors: {visit.errors}"
        assert weight <= PAGE_WEIGHT_BOUND_KB, (
            f"a visit to {path} transfers {weight:.0f} kB (bound {PAGE_WEIGHT_BOUND_KB} kB)"
        )
        # The search index is loaded when a reader asks for search (the search page asks
        # at once: it focuses its search box); Sphinx's search machinery, never.
        index = [u for u in visit.requested if u.split("?")[0].endswith(SEARCH_INDEX)]
        sphinx = [u for u in visit.requested if u.split("?")[0].endswith(SPHINX_SEARCH)]
        assert sphinx == [], f"{path} loaded Sphinx's search machinery: {sphinx}"
        if path == "search.html":
            assert index, "the search page did not load the search index"
        else:
            assert index == [], f"{path} loaded the search index before it was asked for"
        # Last, on paper (print media at the A4 text width, as tools/pdf.py prints it):
        # paper cannot scroll, so every display formula fits the line (broken after a
        # relation, or scaled down by print.js), and nothing is wider than the sheet
        # (Chromium would shrink the whole page to fit it, and drop the PDF's link targets).
        failures += _cut_on_paper(page, path)
        assert not failures, f"{len(failures)} problems:" + "\n".join(["", *failures])
    except BaseException:
        reused_visit.discard()
        raise


def _cut_on_paper(page, path: str) -> list[str]:
    """Display formulas cut, and the page wider than the sheet, on paper."""
    _prepare_for_paper(page, A4_TEXT_WIDTH)
    found = page.evaluate(FIND_CUT_FORMULAS)
    if _has_display_math(path):
        assert found["total"] > 0, (
            f"{path} has display math but none was found on paper: the selectors are out of date"
        )
    MEASUREMENTS.setdefault("display_formulas", {}).setdefault("paper", {})[path] = found["total"]
    failures = [f"{path} on paper: {c['text']}" for c in found["cut"]]
    overflow = page.evaluate(FIND_PAGE_OVERFLOW)
    if overflow:
        failures.append(f"{path} is wider than the paper: {overflow}")
    return failures


def _cut_or_sideways(page, path: str) -> list[str]:
    """Display formulas cut and sideways scrolling on ``page`` at every width of WIDTHS,
    with its solutions closed and then open (which it leaves open)."""
    failures: list[str] = []
    has_display_math = _has_display_math(path)
    closed = page.locator(CLOSED).count() > 0
    states = [("solutions closed", w) for w in WIDTHS]
    if closed:
        states += [("solutions open", w) for w in reversed(WIDTHS)]
    for state, width in states:
        if state == "solutions open" and page.locator(CLOSED).count():
            page.evaluate(OPEN_EVERYTHING)
            assert page.locator(CLOSED).count() == 0, f"{path}: a solution stayed closed"
        if page.viewport_size["width"] != width:
            page.set_viewport_size({"width": width, "height": 900})
            page.evaluate(NEXT_FRAME)  # the theme's resize handlers have run
        _wait_for_layout(page)
        found = page.evaluate(FIND_CUT_FORMULAS)
        if state == "solutions closed":
            if has_display_math:
                assert found["total"] > 0, (
                    f"{path} has display math but none was found: the selectors are out of date"
                )
            formulas = MEASUREMENTS.setdefault("display_formulas", {})
            formulas.setdefault(str(width), {})[path] = found["total"]
        failures += [f"{path} at {width} px, {state}: {c['text']}" for c in found["cut"]]
        overflow = page.evaluate(FIND_PAGE_OVERFLOW)
        if overflow:
            failures.append(
                f"{path} at {width} px, {state}: the page scrolls sideways "
                f"({overflow['scrollWidth']} px wide); sticking out: "
                + "; ".join(overflow["culprits"])
            )
        if _photographed(path) and (state == "solutions open" or not closed):
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = f"{path.replace('/', '_').removesuffix('.html')}-{width}.png"
            page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    return failures


def _bad_alt(alt: str | None) -> bool:
    """An alt text that does not describe its image: none, too short, a file name, a hash."""
    return (
        not alt
        or len(alt) < 20
        or bool(re.fullmatch(r"[\w./-]*\.(png|svg|jpe?g)|[0-9a-f]{16,}", alt))
    )


REPEATED_IDS = """() => { const seen = {};
    for (const el of document.querySelectorAll("[id]")) seen[el.id] = (seen[el.id] || 0) + 1;
    return Object.entries(seen).filter(([, n]) => n > 1); }"""


SEARCH_INDEX = ("/gradref-search-index.js", "/gradref-search-cards.js")
SPHINX_SEARCH = ("/searchindex.js", "/searchtools.js", "/language_data.js")


def _has_math(path: str) -> bool:
    return 'class="katex"' in (SITE / path).read_text(encoding="utf-8")


def _has_display_math(path: str) -> bool:
    return 'class="katex-display"' in (SITE / path).read_text(encoding="utf-8")


def _largest_page() -> str:
    return max((p for p in _pages() if _has_math(p)), key=lambda p: (SITE / p).stat().st_size)


@pytest.mark.timing
def test_math_renders_fast_on_the_largest_page(server, browser):
    largest = _largest_page()
    visit = Visit(browser, server, block=False)
    try:
        visit.goto(largest)
        cold = _math_rendered_at(visit.page)  # first visit: nothing cached
        warm, loaded = [], []
        for _ in range(3):  # a reader coming back: the site's assets are cached
            visit.goto(largest)
            warm.append(_math_rendered_at(visit.page))
            loaded.append(_dom_content_loaded_at(visit.page))
        assert visit.blocked == [], f"requests left 127.0.0.1: {visit.blocked}"
    finally:
        visit.close()
    best = min(warm)
    MEASUREMENTS["largest_page"] = {
        "page": largest,
        "bytes": (SITE / largest).stat().st_size,
        "math_rendered_cold_s": round(cold, 3),
        "math_rendered_warm_s": [round(t, 3) for t in warm],
        "dom_content_loaded_warm_s": [round(t, 3) for t in loaded],
        "target_s": MATH_TARGET_S,
        "target_met": best <= MATH_TARGET_S,
    }
    assert best <= MATH_BOUND_S, f"math on {largest} took {best:.3f} s (bound {MATH_BOUND_S} s)"


# Chrome DevTools' "Slow 4G" preset, with the values DevTools itself sends
# (devtools-frontend, front_end/core/sdk/NetworkManager.ts, `Slow4GConditions`): about
# 1.6 Mbit/s down and 750 kbit/s up, each at 90 %, and a 150 ms round trip scaled by 3.75
# into 562.5 ms of latency added to every request. CDP takes bytes per second.
SLOW_4G = {
    "offline": False,
    "latency": 150 * 3.75,
    "downloadThroughput": 1.6e6 / 8 * 0.9,
    "uploadThroughput": 750e3 / 8 * 0.9,
}

PAINT_TIMES = """async () => {
  const math = await window.__gradrefMathOnScreen;
  const paint = Object.fromEntries(
    performance.getEntriesByType("paint").map((e) => [e.name, e.startTime]));
  return { first_paint: paint["first-paint"] / 1000,
           first_contentful_paint: paint["first-contentful-paint"] / 1000,
           math_rendered: math };
}"""


@pytest.mark.timing
def test_the_largest_page_paints_fast_on_slow_4g(server, browser):
    # A reader's first visit, on a slow mobile connection: three cold visits (a new browser
    # context each, so nothing is cached), judged by their median.
    largest = _largest_page()
    runs = []
    for _ in range(3):
        visit = Visit(browser, server, block=False, viewport={"width": 1280, "height": 900})
        try:
            cdp = visit.context.new_cdp_session(visit.page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", SLOW_4G)
            visit.page.goto(f"{server}/{largest}", wait_until="load", timeout=120_000)
            runs.append(visit.page.evaluate(PAINT_TIMES))
            assert visit.blocked == [], f"requests left 127.0.0.1: {visit.blocked}"
        finally:
            visit.close()
    median = sorted(runs, key=lambda r: r["first_paint"])[len(runs) // 2]
    MEASUREMENTS["slow_4g"] = {
        "page": largest,
        "conditions": SLOW_4G,
        "first_paint_s": [round(r["first_paint"], 3) for r in runs],
        "first_contentful_paint_s": [round(r["first_contentful_paint"], 3) for r in runs],
        "math_rendered_s": [round(r["math_rendered"], 3) for r in runs],
        "bound_s": FIRST_PAINT_BOUND_S,
    }
    assert median["first_paint"] <= FIRST_PAINT_BOUND_S, (
        f"{largest} first paints after {median['first_paint']:.2f} s on Slow 4G "
        f"(median of {len(runs)}; bound {FIRST_PAINT_BOUND_S} s)"
    )


def _family_pages(family: str) -> list[Path]:
    """The built topic pages of a family (reference/<family>/<topic>.html), in topic order."""
    import importlib

    slugs = [
        slug
        for slug, _title, _ids in importlib.import_module(f"gradref.identities.{family}").TOPICS
    ]
    pages = [SITE / "reference" / family / f"{slug}.html" for slug in slugs]
    return [page for page in pages if page.is_file()]


def test_every_published_page_has_a_title():
    # A page of the site (one with Sphinx's content root) has a title, a heading, and is a
    # page someone wrote: nothing built from a data folder such as _static/bench/.
    pages = [
        p for p in SITE.rglob("*.html") if 'data-content_root="' in p.read_text(encoding="utf-8")
    ]
    assert len(pages) > 5, f"only {len(pages)} pages in {SITE}"
    untitled, private = [], []
    for page in pages:
        name = page.relative_to(SITE).as_posix()
        html = page.read_text(encoding="utf-8")
        title = html.split("<title>", 1)[1].split("</title>", 1)[0]
        if title.startswith("&lt;no title&gt;") or "<h1" not in html:
            untitled.append(name)
        if any(part.startswith("_") for part in page.relative_to(SITE).parts):
            private.append(name)
    assert not untitled, f"pages without a title: {sorted(set(untitled))}"
    assert not private, f"pages published from a private folder: {private}"


def test_the_search_page_is_the_sites_own_and_sphinxs_index_is_not_built():
    # Nothing on the site loads Sphinx's search index: the build does not make it
    # (docs/_ext/gradref_search.py), and the search page is the site's own.
    assert not (SITE / "searchindex.js").exists()
    page = (SITE / "search.html").read_text(encoding="utf-8")
    assert 'id="gr-search-page"' in page
    assert not any(name in page for name in SPHINX_SEARCH)


def test_solutions_are_hidden_until_opened(server, browser):
    visit = Visit(browser, server, viewport={"width": 1280, "height": 900})
    try:
        visit.goto("exercises/sheet01.html")
        visit.page.wait_for_load_state("networkidle")
        solutions = visit.page.locator("div.solution.dropdown")
        assert solutions.count() == 12
        first_body = solutions.first.locator("p:not(.admonition-title)").first
        assert not first_body.is_visible(), "a solution is visible before it is opened"
        solutions.first.locator("button.toggle-button").click()
        first_body.wait_for(state="visible", timeout=5_000)
        assert solutions.nth(1).locator("p:not(.admonition-title)").first.is_hidden(), (
            "opening one solution opened another"
        )
    finally:
        visit.close()


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_both_colour_modes_are_readable(server, browser, mode):
    visit = Visit(browser, server, color_scheme=mode)
    try:
        visit.goto("exercises/sheet01.html")
        visit.page.evaluate(f"document.documentElement.dataset.theme = '{mode}'")
        visit.page.wait_for_timeout(200)
        contrast = visit.page.evaluate(
            """() => {
              const lum = (c) => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(Number)
                .map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
              const p = document.querySelector('article p');
              const fg = getComputedStyle(p).color;
              let el = p, bg = 'rgba(0, 0, 0, 0)';
              while (el && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {
                bg = getComputedStyle(el).backgroundColor; el = el.parentElement; }
              if (bg === 'rgba(0, 0, 0, 0)') bg = 'rgb(255, 255, 255)';
              const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
              return (a + 0.05) / (b + 0.05);
            }"""
        )
        MEASUREMENTS.setdefault("text_contrast", {})[mode] = round(contrast, 1)
        assert contrast >= 7, f"{mode} mode text contrast {contrast:.1f} < 7 (WCAG AAA)"
        visit.page.screenshot(path=str(ARTIFACTS / f"sheet01-{mode}.png"))
    finally:
        visit.close()


@pytest.mark.parametrize("path", ["index.html", "exercises/sheet01.html", "guide.html"])
def test_phone_width_has_no_horizontal_scrolling(server, browser, path):
    visit = Visit(browser, server, viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        visit.goto(path)
        visit.page.wait_for_load_state("networkidle")
        overflow = visit.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{path} scrolls horizontally by {overflow} px at 375 px wide"
        visit.page.screenshot(path=str(ARTIFACTS / ("phone-" + path.replace("/", "_") + ".png")))
    finally:
        visit.close()


#: Each inline formula of the page followed by punctuation, and those whose punctuation starts
#: a line below the formula's last line (docs/_ext/gradref_site/typography.py).
PUNCTUATION_AFTER_MATH = r"""() => {
  document.querySelectorAll('details').forEach((d) => { d.open = true; });
  let pairs = 0;
  const broken = [];
  for (const formula of document.querySelectorAll('.katex')) {
    if (formula.closest('.katex-display')) continue;
    let node = formula;
    while (!node.nextSibling && node.parentElement.classList.contains('math')) {
      node = node.parentElement;
    }
    const next = node.nextSibling;
    if (!next || next.nodeType !== Node.TEXT_NODE || !/^[.,;:!?)]/.test(next.textContent)) continue;
    pairs += 1;
    const range = document.createRange();
    range.setStart(next, 0);
    range.setEnd(next, 1);
    const mark = range.getClientRects()[0];
    if (mark && mark.top > formula.getBoundingClientRect().bottom - 2) {
      broken.push(formula.textContent.slice(-30) + ' | ' + next.textContent.slice(0, 20));
    }
  }
  return {pairs, broken};
}"""

#: Pages with many long inline formulas followed by a period or a comma.
PUNCTUATED_PAGES = ["reference/traces/quadratic.html", "reference/traces/two-sided.html", "exercises/sheet01.html"]  # fmt: skip


@pytest.mark.parametrize("path", PUNCTUATED_PAGES)
@pytest.mark.parametrize("width", [320, 375, 412])
def test_punctuation_after_a_formula_never_starts_a_line(server, browser, path, width):
    visit = Visit(browser, server, viewport={"width": width, "height": 740}, is_mobile=True)
    try:
        visit.goto(path)
        found = visit.page.evaluate(PUNCTUATION_AFTER_MATH)
        assert found["pairs"] > 10, f"{path}: too few formulas followed by punctuation to judge"
        assert not found["broken"], (
            f"{path}, {width} px: lines start with punctuation after "
            + "; ".join(found["broken"][:3])
        )
    finally:
        visit.close()


def test_the_punctuation_check_can_fail(server, browser):
    # Without the spans that hold a formula and its punctuation together (the site before
    # typography.py), lines on a phone start with a period.
    visit = Visit(browser, server, viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        visit.goto("reference/traces/quadratic.html")
        visit.page.evaluate(
            "() => document.querySelectorAll('.gr-nowrap').forEach((held) => held.replaceWith(...held.childNodes))"
        )
        assert visit.page.evaluate(PUNCTUATION_AFTER_MATH)["broken"]
    finally:
        visit.close()


def test_the_offline_and_console_checks_can_fail(server, browser):
    # The checks above would catch a page that fetched a CDN script or logged an error.
    visit = Visit(browser, server)
    try:
        visit.goto("index.html")
        visit.page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.src = "https://cdn.example.invalid/mathjax/tex-chtml.js";
                document.head.appendChild(script);
                console.error("deliberate error");
            }"""
        )
        visit.page.wait_for_timeout(300)
        assert visit.blocked == ["https://cdn.example.invalid/mathjax/tex-chtml.js"]
        assert "deliberate error" in visit.errors
        # ... and an id given twice, and images whose alt text is missing or a file name.
        visit.page.evaluate(
            """() => {
                const article = document.querySelector("article");
                for (const alt of [null, "figure-01.png", "a plot of the loss against the step"]) {
                    const img = document.createElement("img");
                    if (alt !== null) img.alt = alt;
                    article.appendChild(img);
                }
                const twice = document.createElement("span");
                twice.id = document.querySelector("article [id]").id;
                article.appendChild(twice);
            }"""
        )
        assert len(visit.page.evaluate(REPEATED_IDS)) == 1
        alts = visit.page.evaluate(
            "() => [...document.querySelectorAll('article img')].map(i => i.getAttribute('alt'))"
        )
        assert [a for a in alts if _bad_alt(a)] == [
            None,
            "figure-01.png",
        ]
    finally:
        visit.close()


# -- No formula is ever cut ------------------------------------------------------------------
# A display formula wider than its column must scroll inside its own box, starting at its
# start: a box that clips it (the theme's `div.math` is a right-aligned flex row with
# `overflow: hidden`, written for MathJax) silently removes its first terms, which changes
# what the formula says. And no page may scroll sideways at any width.

WIDTHS = (375, 768, 1280)


def _chapter(family: str) -> str:
    """The first topic page of a family."""
    pages = _family_pages(family) if SITE.is_dir() else []
    return pages[0].relative_to(SITE).as_posix() if pages else f"reference/{family}/index.html"


SCREENSHOTS = (_chapter("losses"), "exercises/sheet01.html")  # with solutions open

# Returns the display formulas that are cut, for the page as it is now (hidden ones skipped).
FIND_CUT_FORMULAS = """() => {
  const style = (el) => getComputedStyle(el);
  const scrolls = (el) => ["auto", "scroll"].includes(style(el).overflowX);
  // The horizontal span in which el's content can be seen: its own box (if it clips) and
  // every clipping ancestor's, within the window (nothing left of 0 can be scrolled to).
  const visibleSpan = (el, includeSelf) => {
    let left = 0, right = window.innerWidth;
    for (let a = includeSelf ? el : el.parentElement; a && a !== document.body;
         a = a.parentElement) {
      if (style(a).overflowX === "visible") continue;
      const r = a.getBoundingClientRect();
      left = Math.max(left, r.left + a.clientLeft);
      right = Math.min(right, r.left + a.clientLeft + a.clientWidth);
    }
    return { left, right };
  };
  const inkOf = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return range.getBoundingClientRect();
  };
  const texStart = (box) => {
    const tex = box.querySelector('annotation[encoding="application/x-tex"]');
    return (tex ? tex.textContent : box.textContent).trim().replace(/\\s+/g, " ").slice(0, 60);
  };
  for (const el of document.querySelectorAll("*")) {
    if (el.scrollLeft) el.scrollLeft = 0;  // every formula as a reader first sees it
  }
  // Every display formula, as KaTeX renders it, and any div.math without one.
  const boxes = [...document.querySelectorAll(".katex-display")];
  for (const div of document.querySelectorAll("div.math")) {
    if (!div.querySelector(".katex-display")) boxes.push(div);
  }
  const cut = [];
  boxes.forEach((box, index) => {
    // not shown: inside a closed dropdown (display: none, or visibility: hidden)
    if (!box.checkVisibility({ visibilityProperty: true })) return;
    const content = box.querySelector(".katex-html") || box;
    const ink = inkOf(content);
    const seen = visibleSpan(content, content !== box);
    const problems = [];
    if (ink.left < seen.left - 1) {
      problems.push(`its start is hidden (${Math.round(seen.left - ink.left)} px cut off)`);
    }
    if (ink.right > seen.right + 1) {
      // The rest must be reachable by scrolling a box of the formula's own (from its
      // content up to its div.math), which itself lies in view.
      const own = [];
      const top = box.closest("div.math") || box;
      for (let a = content; a; a = a.parentElement) { own.push(a); if (a === top) break; }
      const scroller = own.find((s) => scrolls(s) && s.scrollWidth > s.clientWidth);
      let reachable = false;
      if (scroller) {
        const r = scroller.getBoundingClientRect(), around = visibleSpan(scroller, false);
        reachable = r.left >= around.left - 1 && r.right <= around.right + 1
          && r.left + scroller.clientLeft + scroller.scrollWidth >= ink.right - 1;
      }
      if (!reachable) {
        problems.push(`its end is cut (${Math.round(ink.right - seen.right)} px) ` +
                      "and no box of its own scrolls to it");
      }
    }
    if (problems.length) cut.push({ index, text: `${texStart(box)}…: ${problems.join("; ")}` });
  });
  return { total: boxes.length, cut };
}"""

# What makes the page wider than the window: the innermost elements that stick out.
FIND_PAGE_OVERFLOW = """() => {
  const width = window.innerWidth;
  const scrollWidth = document.documentElement.scrollWidth;
  if (scrollWidth <= width) return null;
  const within = (el) => { for (let a = el.parentElement; a; a = a.parentElement) {
    if (a !== document.documentElement && a !== document.body
        && getComputedStyle(a).overflowX !== "visible") return true; } return false; };
  const out = [...document.querySelectorAll("body *")].filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.right > width + 1 && !within(el)
      && ![...el.children].some((c) => c.getBoundingClientRect().right > width + 1);
  });
  const describe = (el) => `<${el.tagName.toLowerCase()} class="${el.className}"> ` +
    `${(el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 50)}`;
  return { scrollWidth, culprits: out.slice(0, 3).map(describe) };
}"""

# Opens every solution and hidden block: sphinx-togglebutton admonitions (sheet 01's
# sphinx-exercise solutions) by clicking their buttons as a reader would, and <details>.
CLOSED = ".toggle-hidden > .admonition-title .toggle-button, details:not([open])"
OPEN_EVERYTHING = f"""() => {{
  for (const closed of document.querySelectorAll('{CLOSED}')) {{
    if (closed.tagName === "DETAILS") closed.open = true;
    else closed.click();
  }}
}}"""


NEXT_FRAME = "() => new Promise((done) => requestAnimationFrame(() => setTimeout(done)))"


def _wait_for_layout(page) -> None:
    # KaTeX's widths depend on its fonts: measure once they are in.
    page.evaluate("async () => { await document.fonts.ready; }")


def test_a_wide_formula_scrolls_from_the_keyboard(server, browser):
    # The rest of a formula that scrolls in its own box is reachable without a mouse: Tab
    # reaches its scrolling box (browsers make a scrolling box focusable) and the arrow keys
    # scroll it.
    visit = Visit(browser, server, viewport={"width": 375, "height": 900})
    try:
        visit.goto(_chapter("losses"))
        _wait_for_layout(visit.page)
        wide = visit.page.evaluate(
            """() => [...document.querySelectorAll(".katex-display .katex-html")]
                 .filter((box) => box.scrollWidth > box.clientWidth).length"""
        )
        assert wide > 0, "no formula is wider than a phone: this test tests nothing"
        for _ in range(40):
            visit.page.keyboard.press("Tab")
            if visit.page.evaluate("() => document.activeElement.matches('.katex-html')"):
                break
        else:
            pytest.fail("Tab never reached the scrolling box of a wide formula")
        visit.page.keyboard.press("ArrowRight")
        visit.page.wait_for_function("() => document.activeElement.scrollLeft > 0", timeout=5_000)
    finally:
        visit.close()


# -- Accessibility -----------------------------------------------------------------------------
# axe-core (from npm, installed by `nox -s site` into _build/npm/site) runs on every kind of
# page in both colour modes (see `_axe_pages`), with the solutions closed and open; one test
# per page, so that `nox -s site` spreads them over the cores. No critical or serious violation is allowed; the moderate and minor ones are counted
# in measurements.json, with the totals.

AXE = ROOT / "_build" / "npm" / "site" / "node_modules" / "axe-core" / "axe.min.js"
IMPACTS = ("critical", "serious", "moderate", "minor")
RUN_AXE = """async () => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


def _axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at {AXE}: run `nox -s site`, which installs it")
    return AXE.read_text(encoding="utf-8")


def _axe(page, source: str) -> list[dict]:
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(content=source)
    return page.evaluate(RUN_AXE)


VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                 "source", "track", "wbr"}  # fmt: skip
_TAG = re.compile(r"""<(/?)([a-zA-Z][\w-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_ATTRIBUTE = {
    name: re.compile(rf"""\b{name}=(?:"([^"]*)"|'([^']*)')""") for name in ("class", "role")
}
_MATHML = re.compile(r"<math\b.*?</math>", re.S)


def _element_kinds(html: str) -> set[tuple]:
    """The kinds of element a page holds: (tag, classes, role), each with its parent's kind.

    KaTeX's formulas count as one kind, their box: what is inside (MathML for assistive
    technology, and spans for the eye) is the math's own layout. A scan of the tags, not a
    full HTML parser, which took four times as long on the 40 MB of the reference's pages
    (this runs when the tests are collected, in every process).
    """
    kinds: set[tuple] = set()
    parents: list[tuple] = []
    in_formula = 0  # depth of <span> inside a KaTeX formula
    for tag in _TAG.finditer(_MATHML.sub("", html)):
        closing, name, attributes = tag.group(1), tag.group(2).lower(), tag.group(3)
        if in_formula:
            if name == "span":
                in_formula += -1 if closing else 1
            continue
        if closing:
            if name not in VOID_ELEMENTS and parents:
                parents.pop()
            continue
        found = {key: pattern.search(attributes) for key, pattern in _ATTRIBUTE.items()}
        value = {key: (m.group(1) or m.group(2) or "") if m else "" for key, m in found.items()}
        kind = (name, tuple(sorted(value["class"].split())), value["role"])
        kinds.add((parents[-1] if parents else None, kind))
        if name == "span" and "katex" in kind[1]:
            in_formula = 1
        elif name not in VOID_ELEMENTS and not attributes.rstrip().endswith("/"):
            parents.append(kind)
    return kinds


@functools.cache
def _axe_pages() -> list[tuple[str, str]]:
    """(colour mode, page) pairs that axe-core checks, in both colour modes.

    Every page written by hand or by a template of its own (the home page, the guides, the
    errata, the concordance, ...), and of the reference's pages, which two templates write
    from the catalog's records (a family's index and its topic pages), the fewest that
    together hold every kind of element those pages hold (:func:`_element_kinds`: tag,
    classes and role, with the parent's), and the largest of them. What differs between
    two pages of one template is their records' text, formulas, ids and images, which the
    tests above check on every page.
    """
    if not SITE.is_dir():
        return [("light", "index.html")]
    pages = _pages()
    generated = [p for p in pages if p.startswith("reference/")]
    kinds = {page: _element_kinds((SITE / page).read_text(encoding="utf-8")) for page in generated}
    size = {page: (SITE / page).stat().st_size for page in generated}
    left = set().union(*kinds.values()) if kinds else set()
    chosen = [max(generated, key=size.__getitem__)] if generated else []
    for page in chosen:
        left -= kinds[page]
    while left:
        page = max(generated, key=lambda p: (len(kinds[p] & left), size[p], p))
        chosen.append(page)
        left -= kinds[page]
    judged = [p for p in pages if p not in generated or p in chosen]
    return [(mode, p) for mode in ("light", "dark") for p in judged]


@pytest.mark.parametrize(("mode", "path"), _axe_pages(), ids=[f"{m}:{p}" for m, p in _axe_pages()])
def test_no_serious_accessibility_violations(server, browser, mode, path):
    source = _axe_source()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=mode)
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(server) else route.abort(),
    )
    page = context.new_page()
    failures: list[str] = []
    found_by_state: dict[str, list[dict]] = {}
    try:
        page.goto(f"{server}/{path}", wait_until="load")
        _wait_for_layout(page)
        assert page.evaluate("() => document.documentElement.dataset.theme") == mode
        states = ["solutions closed"]
        if page.locator(CLOSED).count():
            states.append("solutions open")
        for state in states:
            if state == "solutions open":
                # Judge the settled page, not a fade-in half way (its colours are faint).
                page.add_style_tag(
                    content="*, *::before, *::after "
                    "{ transition: none !important; animation: none !important; }"
                )
                page.evaluate(OPEN_EVERYTHING)
                _wait_for_layout(page)
            found_by_state[state] = _axe(page, source)
    finally:
        context.close()
    axe = MEASUREMENTS.setdefault("axe", {}).setdefault(mode, {"pages": {}})
    axe["version"] = json.loads((AXE.parent / "package.json").read_text())["version"]
    for state, found in found_by_state.items():
        tally: dict = dict.fromkeys(IMPACTS, 0)
        for violation in found:
            tally[violation["impact"]] += len(violation["targets"])
            if violation["impact"] in ("critical", "serious"):
                failures.append(
                    f"{path} ({mode}, {state}): {violation['impact']} "
                    f"{violation['id']} ({violation['help']}) on "
                    f"{len(violation['targets'])} elements, e.g. "
                    + "; ".join(violation["targets"][:3])
                )
        tally["rules"] = sorted({f"{v['impact']}:{v['id']}" for v in found})
        axe["pages"][f"{path} ({state})"] = tally
    assert not failures, f"{len(failures)} critical or serious violations:" + "\n".join(
        ["", *failures]
    )


def test_the_accessibility_check_can_fail(server, browser):
    # The check above would catch what it is for: an image without a text alternative
    # (critical) and grey text that cannot be read (serious).
    source = _axe_source()
    visit = Visit(browser, server)
    try:
        visit.goto("index.html")
        visit.page.evaluate(
            """() => {
                const main = document.querySelector("article");
                main.insertAdjacentHTML("afterbegin",
                    '<img src="_static/favicon.svg"><p style="color:#bbb">unreadable</p>');
            }"""
        )
        found = {v["id"]: v["impact"] for v in _axe(visit.page, source)}
        assert found.get("image-alt") == "critical", found
        assert found.get("color-contrast") == "serious", found
    finally:
        visit.close()


def test_solution_buttons_and_references_name_their_exercise(server, browser):
    visit = Visit(browser, server, viewport={"width": 1280, "height": 900})
    try:
        visit.goto("exercises/sheet01.html")
        visit.page.wait_for_load_state("load")
        exercises = visit.page.evaluate(
            "() => [...document.querySelectorAll('div.exercise[id^=ex-]')].map(e => e.id)"
        )
        assert len(exercises) == 12
        # Each solution's button says whose solution it shows, and whether it is open.
        buttons = visit.page.get_by_role("button", name=re.compile(r"^Solution to exercise "))
        names = [buttons.nth(i).get_attribute("aria-label") for i in range(buttons.count())]
        expected = [f"Solution to exercise {label.removeprefix('ex-')}" for label in exercises]
        assert names == expected
        assert visit.page.locator("button.toggle-button[aria-label^='Toggle']").count() == 0
        # A reference to an exercise says which one: "Exercise 3c", never just "Exercise".
        links = visit.page.evaluate(
            """() => [...document.querySelectorAll("article a[href*='#ex-']")]
                 .map((a) => [a.getAttribute("href").split("#")[1], a.textContent.trim()])"""
        )
        assert len(links) >= 20
        vague = [
            (href, text)
            for href, text in links
            if f"Exercise {href.removeprefix('ex-')}" not in text
            and f"Exercise ({href.removeprefix('ex-')} " not in text
        ]
        assert not vague, f"references that do not name their exercise: {vague}"
    finally:
        visit.close()


# -- On paper ----------------------------------------------------------------------------------
# docs/_static/print.css (media="print") and print.js: what a reader's "Print" gives, and what
# `nox -s pdf` prints. Emulating print media shows the print layout on a page as wide as an A4
# sheet's text (210 mm less 2 x 16 mm margins); the tests never call window.print().

A4_TEXT_WIDTH = 673  # CSS px
SCREEN_ONLY = (
    ".bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-header-article, "
    ".prev-next-footer, .bd-footer, .search-button, button"
)
SOLUTION_TEXT = "div.solution .admonition-title ~ *"


def _on_paper(page, media: str = "print") -> dict[str, int]:
    page.emulate_media(media=media)
    return page.evaluate(
        """([screenOnly, solutionText]) => {
          const shown = (selector) => [...document.querySelectorAll(selector)]
            .filter((el) => el.checkVisibility({ visibilityProperty: true })).length;
          return { screenOnly: shown(screenOnly), article: shown("article.bd-article"),
                   solutions: document.querySelectorAll("div.solution").length,
                   solutionText: shown(solutionText),
                   solutionParts: document.querySelectorAll(solutionText).length,
                   exercises: shown("div.exercise") };
        }""",
        [SCREEN_ONLY, SOLUTION_TEXT],
    )


def test_paper_shows_the_article_alone_with_the_solutions_open(server, browser):
    visit = Visit(browser, server, viewport={"width": A4_TEXT_WIDTH, "height": 900})
    try:
        visit.goto("exercises/sheet01.html")
        visit.page.wait_for_load_state("networkidle")
        # On screen (the check can fail): the header and buttons are there, solutions closed.
        screen = _on_paper(visit.page, "screen")
        assert screen["screenOnly"] > 0, screen
        assert screen["solutionText"] == 0, screen
        paper = _on_paper(visit.page)
        assert paper["screenOnly"] == 0, f"sidebars, header, search or buttons printed: {paper}"
        assert paper["article"] == 1
        assert paper["solutions"] == 12
        assert paper["exercises"] > 0
        # Every solution is printed whole, open, although none was opened (print.css alone:
        # emulating print media runs no `beforeprint` script).
        assert paper["solutionText"] == paper["solutionParts"] > 0, paper
        visit.page.screenshot(path=str(ARTIFACTS / "print-sheet01.png"), full_page=True)
        assert visit.errors == []
        assert visit.blocked == []
    finally:
        visit.close()


def test_paper_leaves_the_solutions_out_when_asked(server, browser):
    visit = Visit(browser, server, viewport={"width": A4_TEXT_WIDTH, "height": 900})
    try:
        visit.goto("exercises/sheet01.html?solutions=hidden")
        visit.page.wait_for_load_state("networkidle")
        assert visit.page.evaluate(
            "() => document.documentElement.classList.contains('print-solutions-hidden')"
        )
        paper = _on_paper(visit.page)
        assert paper["exercises"] > 0, "the exercises must still be printed"
        assert paper["solutionText"] == 0, f"a solution is printed: {paper}"
        shown = visit.page.evaluate(
            "() => [...document.querySelectorAll('div.solution')]"
            ".filter((el) => el.checkVisibility()).length"
        )
        assert shown == 0, f"{shown} solution titles printed"
        # The screen is untouched by the switch: the solutions are there, to be opened.
        assert _on_paper(visit.page, "screen")["solutions"] == 12
        assert visit.page.locator("div.solution").first.is_visible()
    finally:
        visit.close()


def _prepare_for_paper(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(media="print")
    _wait_for_layout(page)
    page.evaluate("() => window.gradrefPrint.prepare()")


def test_a_formula_too_wide_for_the_paper_is_scaled_not_cut(server, browser):
    # On a sheet a third as wide, the sheet's widest formula no longer fits unscaled: with
    # print.js's sizes nothing is cut, and without them (the check can fail) something is.
    visit = Visit(browser, server)
    try:
        visit.goto("exercises/sheet01.html")
        _prepare_for_paper(visit.page, 240)
        assert visit.page.evaluate(FIND_CUT_FORMULAS)["cut"] == []
        scaled = visit.page.evaluate(
            """() => [...document.querySelectorAll(".katex-display > .katex")]
                 .filter((k) => parseFloat(getComputedStyle(k).fontSize)
                   < 1.2 * parseFloat(getComputedStyle(k.parentElement).fontSize)).length"""
        )
        assert scaled > 0, "no formula was scaled down: this test tests nothing"
        visit.page.evaluate(
            """() => document.querySelectorAll(".katex-display > .katex")
                 .forEach((k) => k.style.removeProperty("--gradref-formula-em"))"""
        )
        assert visit.page.evaluate(FIND_CUT_FORMULAS)["cut"] != []
    finally:
        visit.close()


# -- Page weight and the published data ------------------------------------------------------
# No page's HTML exceeds 600 kB (a chapter with many identities is split into several pages;
# "All identities" is a light table without formulas).
PAGE_BYTES_BOUND = 600 * 1024


def test_no_page_exceeds_600_kb():
    sizes = {path: (SITE / path).stat().st_size for path in _pages()}
    assert sizes, f"no pages in {SITE}"
    MEASUREMENTS["page_bytes"] = dict(sorted(sizes.items(), key=lambda kv: -kv[1]))
    heavy = {
        path: f"{size / 1024:.0f} kB" for path, size in sizes.items() if size > PAGE_BYTES_BOUND
    }
    assert not heavy, f"pages over {PAGE_BYTES_BOUND // 1024} kB: {heavy}"


def test_catalog_json_fits_its_schema_and_is_what_export_returns():
    # The whole file fits the schema, lists every identity and erratum in the catalog's
    # order, and holds the concordance as computed now. Records are compared whole for every
    # erratum and for one identity of each family, kind and Hessian form (each record costs
    # a full verification, which the docs build has just done for all of them: comparing
    # them all here would verify the catalog a second time, about two minutes of CPU).
    jsonschema = pytest.importorskip("jsonschema")
    from gradref import __version__
    from gradref.catalog import catalog, errata
    from gradref.record import SCHEMA_VERSION, concordance_records, entry_record, erratum_record
    from tests.test_export import _one_of_each_kind

    published = json.loads((SITE / "catalog.json").read_text(encoding="utf-8"))
    schema = json.loads((SITE / "_static" / "catalog.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(published)
    assert published["schema_version"] == SCHEMA_VERSION
    assert published["gradref_version"] == __version__
    assert [r["id"] for r in published["identities"]] == [i.id for i in catalog()]
    assert [r["id"] for r in published["errata"]] == [e.id for e in errata()]
    as_published = lambda record: json.loads(json.dumps(record))  # noqa: E731
    assert published["errata"] == [as_published(erratum_record(e)) for e in errata()]
    assert published["cookbook_concordance"] == as_published(concordance_records())
    records = {r["id"]: r for r in published["identities"]}
    for identity in _one_of_each_kind():
        assert records[identity.id] == as_published(entry_record(identity)), identity.id


def test_the_readback_page_counts_what_the_records_say_and_lists_every_unread_formula():
    # "How formulas are checked" is written from the same records as catalog.json: its count
    # of formulas read is theirs, and each formula not read is named with its entry.
    published = json.loads((SITE / "catalog.json").read_text(encoding="utf-8"))
    records = published["identities"] + published["errata"]
    read = sum(len(r["readback"]["agree"]) for r in records)
    unread = [(r["id"], u["field"]) for r in records for u in r["readback"]["unreadable"]]
    page = (SITE / "readback.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", page)
    assert f"read {read} of the {read + len(unread)} displayed formulas" in text
    assert read / (read + len(unread)) > 0.5, "the reader reads less than half: out of date?"
    for name, field in unread:
        assert re.search(rf"{re.escape(name)}\s*\({re.escape(field)}\)", text), (name, field)


class _ProseText(HTMLParser):
    """The text a page shows as prose: not its math, code, scripts or styles."""

    VOID = frozenset(
        {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
    )
    SKIP = frozenset({"script", "style", "pre", "code", "kbd", "samp", "math", "textarea", "title"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, bool]] = []
        self.skipping = 0
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        skip = tag in self.SKIP or "katex" in classes or "katex-display" in classes
        self.open.append((tag, skip))
        self.skipping += skip

    def handle_endtag(self, tag):
        while self.open:
            name, skip = self.open.pop()
            self.skipping -= skip
            if name == tag:
                break

    def handle_data(self, data):
        if not self.skipping:
            self.text.append(data)


# LaTeX that reached the page as text: a command (\frac, \Sigma) or a dollar sign outside
# rendered math and code. It happens when a Markdown block breaks a $...$ span, e.g. a line
# of a formula that starts with "- " becomes a list item.
UNRENDERED = re.compile(r"\\[A-Za-z]{2,}|\$")


def _unrendered_latex(html: str) -> list[str]:
    parser = _ProseText()
    parser.feed(html)
    text = " ".join(" ".join(parser.text).split())
    return [text[max(0, m.start() - 30) : m.end() + 30] for m in UNRENDERED.finditer(text)]


def test_no_page_shows_unrendered_latex():
    shown = {}
    for path in _pages():
        found = _unrendered_latex((SITE / path).read_text(encoding="utf-8"))
        if found:
            shown[path] = found[:3]
    assert not shown, (
        "LaTeX shown as text (a $...$ span broken by a Markdown block?):\n"
        + "\n".join(f"{path}: {found}" for path, found in shown.items())
    )


def test_the_unrendered_latex_check_can_fail():
    broken = (
        "<p>and $\\ln p = -r</p><ul><li><p>\\tfrac12\\ln\\det\\Sigma$ with</p></li></ul>"
        '<p><span class="katex"><annotation>\\Sigma</annotation></span> <code>$x</code></p>'
    )
    found = _unrendered_latex(broken)
    assert any("\\tfrac12" in snippet for snippet in found), found
    assert not any("<" in snippet or "\\Sigma<" in snippet for snippet in found), found
    rendered = '<p><span class="katex"><span class="katex-mathml">\\Sigma</span></span></p>'
    assert _unrendered_latex(rendered) == []
