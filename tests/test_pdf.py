"""The PDF of the whole reference, as ``nox -s pdf`` wrote it (tools/pdf.py).

Marked ``browser`` like the site's tests: it reads the built site and the PDF that Chromium
printed from it, so ``nox -s tests`` skips it; ``nox -s pdf`` runs it last. What the PDF
must hold is read from the built site (its pages in the order of their "next" links, their
titles, the sheet's solutions), so the test follows the site as it grows.
"""

from __future__ import annotations

import html
import os
import re
import unicodedata
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("GRADREF_SITE", ROOT / "_build" / "html"))
PDF = Path(os.environ.get("GRADREF_PDF", ROOT / "_build" / "pdf" / "gradref.pdf"))
SHEET = "exercises/sheet01.html"


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def _reading_order() -> list[tuple[str, str]]:
    """(path, title) of every page of the site, following the "next" links from the home page."""
    pages, path, seen = [], "index.html", set()
    while path is not None:
        assert path not in seen, f"the 'next' links loop back to {path}"
        seen.add(path)
        source = (SITE / path).read_text(encoding="utf-8")
        h1 = re.search(r"<h1>(.*?)(<a class=\"headerlink\"|</h1>)", source, re.S)
        pages.append((path, _text(h1.group(1))))
        link = re.search(r'<link rel="next"[^>]* href="([^"]+)"', source)
        path = (Path(path).parent / link.group(1)).as_posix() if link else None
        path = os.path.normpath(path) if path else None
    return pages


def _normal(text: str) -> str:
    # NFKC undoes the typographic ligatures the PDF's fonts use ("ﬁ" for "fi").
    return " ".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture(scope="module")
def pdf():
    pypdf = pytest.importorskip("pypdf")
    if not PDF.is_file():
        pytest.fail(f"no PDF at {PDF}: run `nox -s pdf` (after `nox -s docs`)")
    return pypdf.PdfReader(PDF)


@pytest.fixture(scope="module")
def texts(pdf) -> list[str]:
    """The text of every page, as PDFium extracts it (pypdf's extraction, 20 times slower,
    took most of this file's run time)."""
    pdfium = pytest.importorskip("pypdfium2")
    document = pdfium.PdfDocument(PDF)
    try:
        return [_normal(page.get_textpage().get_text_bounded()) for page in document]
    finally:
        document.close()


def test_the_contents_list_every_page_in_order_with_the_page_it_starts_on(texts):
    pages = _reading_order()
    assert len(pages) >= 14, f"the site has only {len(pages)} pages in its table of contents"
    # The contents take as many sheets as the site has pages: every sheet whose footer says so.
    contents = " ".join(t for t in texts if re.search(r"· Contents \d+ /", t))
    assert texts[0].startswith("gradref — verified gradient identities"), texts[0][:200]
    assert "Contents" in texts[0]
    numbers, start = [], 0
    for _, title in pages:  # each after the one before (a page's section may share a title)
        found = re.compile(re.escape(_normal(title)) + r" (\d+)\b").search(contents, start)
        assert found, f"the contents do not list {title!r}, after the pages before it"
        numbers.append(int(found.group(1)))
        start = found.end()
    assert numbers == sorted(numbers), f"the contents are not in reading order: {numbers}"
    for (path, title), number in zip(pages, numbers, strict=True):
        # The page the contents give is where that page of the site starts: its title is
        # there (printed as the page's heading), and its footer names it.
        assert _normal(title) in texts[number - 1], f"{path} does not start on page {number}"
        assert f"· {_normal(title)} {number} /" in texts[number - 1]


def test_more_pages_than_the_site_has_and_every_one_numbered(pdf, texts):
    total = len(pdf.pages)
    assert total > len(_reading_order()) + 1, f"only {total} pages"
    unnumbered = [n for n, text in enumerate(texts, 1) if f"{n} / {total}" not in text]
    assert not unnumbered, f"pages without 'n / {total}' in their footer: {unnumbered}"


def test_the_bookmarks_are_the_pages_in_order(pdf):
    titles = [item.title for item in pdf.outline if not isinstance(item, list)]
    assert titles == [_normal(title) for _, title in _reading_order()]
    starts = [
        pdf.get_destination_page_number(item) for item in pdf.outline if not isinstance(item, list)
    ]
    assert starts == sorted(starts)
    assert any(isinstance(item, list) and item for item in pdf.outline), "no section bookmarks"


def test_links_stay_inside_the_pdf(pdf):
    # Chromium printed the site from 127.0.0.1: a link left pointing there would lead nowhere.
    local = []
    internal = 0
    for number, page in enumerate(pdf.pages, 1):
        for ref in page.get("/Annots") or []:
            annotation = ref.get_object()
            if annotation.get("/Subtype") != "/Link":
                continue
            action = annotation.get("/A") or {}
            uri = str(action.get("/URI", ""))
            if uri.startswith(("http://127.0.0.1", "http://localhost")):
                local.append((number, uri))
            if "/Dest" in annotation:
                internal += 1
    assert not local, f"links to the local server: {local[:5]}"
    assert internal > 50, f"only {internal} links inside the PDF"


def test_a_known_formula_can_be_read(texts):
    # The statement of traces.axb (Cookbook eq. 101), ∇_X tr(AXB) = A^⊤ B^⊤, as its glyphs.
    page = next((t for t in texts if "Verified: traces.axb" in t), None)
    assert page is not None, "the verification box of traces.axb is not in the PDF"
    glyphs = page.replace(" ", "")  # PDFium reads the subscript X where it is printed
    assert "∇Xtr(AXB)=" in glyphs, glyphs[-600:]


def test_the_solutions_are_printed_or_left_out_as_asked(pdf, texts):
    # The sheet's printed answers are transcribed in its solutions as `def printed_1a(...)`.
    sheet = _text((SITE / SHEET).read_text(encoding="utf-8"))
    answers = sorted(set(re.findall(r"def (printed_\w+) ?\(", sheet)))
    assert len(answers) >= 10, f"the sheet's solutions were not found in {SHEET}: {answers}"
    everything = " ".join(texts)
    printed = [name for name in answers if f"def {name}(" in everything]
    shown = pdf.metadata.get("/GradrefSolutions")
    assert shown in ("shown", "hidden")
    if shown == "shown":
        assert printed == answers, f"solutions missing from the PDF: {set(answers) - set(printed)}"
        assert "Write the inner product with indices" in everything  # solution 1a's first words
    else:
        assert printed == [], f"solutions printed although hidden: {printed}"
    assert "Exercise (1a" in everything, "the exercises themselves are always printed"


def test_the_home_page_links_to_the_published_pdf():
    # `nox -s pdf` publishes the PDF beside the site and rebuilds the home page with its link
    # (a site built by `nox -s docs` alone has none: see docs/index.md).
    published = SITE / "gradref.pdf"
    assert published.is_file(), "the PDF was not published with the site"
    assert published.read_bytes() == PDF.read_bytes(), "the site publishes another PDF"
    home = (SITE / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<a href="gradref\.pdf">', home), "the home page does not link to the PDF"
