"""Print the whole reference to one PDF: ``nox -s pdf`` (after ``nox -s docs``).

Chromium (Debian's, driven by Playwright, as in ``nox -s site``) prints every page of the
built site, served on 127.0.0.1, in the order of the site's table of contents (the chain of
"next" links from the home page), each with the site's print stylesheet
(docs/_static/print.css). pypdf then puts the pages behind a generated table of contents,
adds bookmarks (each page, and its sections), turns every link between pages of the site
into a link inside the PDF, and stamps page numbers that run through the whole document.
Nothing is fetched from the web and no TeX is involved.

    python tools/pdf.py [--site _build/html] [--out _build/pdf/gradref.pdf]
                        [--solutions shown|hidden]
"""

from __future__ import annotations

import argparse
import functools
import html
import http.server
import os
import queue
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Browser, Page, sync_playwright
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    Fit,
    FloatObject,
    NameObject,
    NullObject,
    TextStringObject,
)

ROOT = Path(__file__).resolve().parent.parent
TITLE = "gradref — verified gradient identities"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PAGE_HEIGHT = 841.92  # A4 in points, as Chromium prints print.css's `@page { size: A4 }`


@dataclass
class Section:
    """A heading of a printed page: where it is, once the page is printed."""

    level: int
    anchor: str
    title: str  # plain text, for a bookmark
    html: str  # as on the page, for the table of contents
    page: int = 0  # index in the page's own PDF
    top: float = PAGE_HEIGHT


@dataclass
class Printed:
    """One page of the site, printed by Chromium."""

    path: str  # relative to the site's root, e.g. "reference/01-rules.html"
    title: str
    html: str
    sections: list[Section]
    reader: PdfReader
    first: int = 0  # index of its first page in the merged PDF
    anchors: dict[str, tuple[int, float]] = field(default_factory=dict)  # id -> (page, top)


# What tools/pdf.py needs from a page before printing it: its title, headings and the next
# page. A heading is kept twice: as HTML (its formulas rendered by KaTeX) for the table of
# contents, and as plain text for the bookmarks, its formulas read from their MathML with
# Unicode super- and subscripts where they exist ("f: ℝᵐ → ℝⁿ").
# Chromium writes a named destination into the PDF only for an element that a link of the
# same page points to (and only for one it lays out), so every element with an id gets such
# a link, hidden: each one can then be the target of a link from another page, or of a
# bookmark.
INSPECT = r"""() => {
  const article = document.querySelector("article.bd-article") || document.body;
  const SUP = { ...Object.fromEntries([..."0123456789"].map((d, i) => [d, "⁰¹²³⁴⁵⁶⁷⁸⁹"[i]])),
                "+": "⁺", "-": "⁻", "−": "⁻", "=": "⁼", "(": "⁽", ")": "⁾", n: "ⁿ", i: "ⁱ",
                m: "ᵐ", k: "ᵏ", d: "ᵈ", p: "ᵖ", T: "ᵀ", "⊤": "ᵀ" };
  const SUB = { ...Object.fromEntries([..."0123456789"].map((d, i) => [d, "₀₁₂₃₄₅₆₇₈₉"[i]])),
                "+": "₊", "-": "₋", "−": "₋", i: "ᵢ", j: "ⱼ", k: "ₖ", m: "ₘ", n: "ₙ", x: "ₓ" };
  const script = (text, table, mark) => [...text].every((c) => c in table)
    ? [...text].map((c) => table[c]).join("") : `${mark}(${text})`;
  const mathText = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return node.textContent;
    const tag = node.localName;
    if (tag === "annotation") return "";
    if (node.getAttribute && node.getAttribute("mathvariant") === "double-struck") {
      return [...node.textContent].map((c) => ({ R: "ℝ", N: "ℕ", Z: "ℤ", C: "ℂ", Q: "ℚ" })[c] || c)
        .join("");
    }
    const parts = [...node.childNodes].map(mathText);
    if (tag === "msup") return parts[0] + script(parts[1], SUP, "^");
    if (tag === "msub") return parts[0] + script(parts[1], SUB, "_");
    if (tag === "msubsup") return parts[0] + script(parts[1], SUB, "_") + script(parts[2], SUP, "^");
    const op = parts.join("").trim();
    if (tag === "mo" && ["→", "=", "×", "∈"].includes(op)) return ` ${op} `;
    if (tag === "mo" && op === ":") return ": ";
    return parts.join("");
  };
  const plain = (el) => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll(".headerlink").forEach((a) => a.remove());
    copy.querySelectorAll(".katex").forEach((k) => {
      const math = k.querySelector("math");
      k.replaceWith(math ? mathText(math).replace(/\s+/g, " ").trim() : k.textContent);
    });
    return copy.textContent.replace(/\s+/g, " ").trim();
  };
  const rich = (el) => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll(".headerlink").forEach((a) => a.remove());
    return copy.innerHTML.trim();
  };
  const targets = document.createElement("div");
  targets.hidden = true;
  for (const el of article.querySelectorAll("[id]")) {
    const link = document.createElement("a");
    link.href = "#" + encodeURIComponent(el.id);
    targets.appendChild(link);
  }
  article.appendChild(targets);
  const h1 = article.querySelector("h1");
  const sections = [...article.querySelectorAll("section > h2, section > h3")]
    .filter((h) => h.checkVisibility())
    .map((h) => ({ level: Number(h.localName[1]), anchor: h.closest("section").id,
                   title: plain(h), html: rich(h) }));
  const next = document.querySelector('link[rel="next"]');
  return { title: h1 ? plain(h1) : document.title, html: h1 ? rich(h1) : document.title,
           sections, next: next ? next.href : null,
           top: h1 ? h1.closest("section").id : null };
}"""


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve the built site on a free port of 127.0.0.1, quietly, for the time of the block."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def reading_order(site: Path) -> list[str]:
    """Every page's path, following the "next" links (``<link rel="next">``) from the home
    page, as the built files give them; the printed pages confirm each link (print_site)."""
    order: list[str] = []
    path: str | None = "index.html"
    while path is not None:
        if path in order:
            raise RuntimeError(f"the chain of 'next' links loops back to {path}")
        order.append(path)
        source = (site / path).read_text(encoding="utf-8")
        link = re.search(r'<link rel="next"[^>]* href="([^"]+)"', source)
        if link is None:
            break
        path = urlsplit(urljoin(f"http://site/{path}", html.unescape(link.group(1)))).path[1:]
    return order


#: Chromiums printing at once, each in a thread of its own (Playwright's objects belong to
#: the thread that made them): printing is Chromium's work, so one per core.
PRINTERS = max(1, min(4, os.cpu_count() or 1))


def print_site(base: str, order: list[str], solutions: str) -> list[Printed]:
    """Print every page of ``order``, over PRINTERS browsers; in that order."""
    pending: queue.Queue[str] = queue.Queue()
    for path in order:
        pending.put(path)
    done: dict[str, tuple[dict, bytes]] = {}
    outside: list[str] = []
    errors: list[str] = []

    def printer() -> None:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                try:
                    context = browser.new_context()

                    def local_only(route) -> None:
                        if route.request.url.startswith((base, "data:", "blob:")):
                            route.continue_()
                        else:
                            outside.append(route.request.url)
                            route.abort()

                    context.route("**/*", local_only)
                    page = context.new_page()
                    page.on("pageerror", lambda error: errors.append(str(error)))
                    while True:
                        try:
                            path = pending.get_nowait()
                        except queue.Empty:
                            return
                        started = time.perf_counter()
                        page.goto(f"{base}{path}?solutions={solutions}", wait_until="load")
                        info = _prepare(page, path)
                        data = page.pdf(prefer_css_page_size=True, print_background=True)
                        done[path] = (info, data)
                        print(f"  {path}: {time.perf_counter() - started:.1f} s", flush=True)
                finally:
                    browser.close()
        except Exception as error:  # reported below, with the page that was being printed
            errors.append(f"{type(error).__name__}: {error}")
            while not pending.empty():  # the other printers stop too
                pending.get_nowait()

    threads = [threading.Thread(target=printer) for _ in range(PRINTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if outside:
        raise RuntimeError(f"printing the site asked for files off 127.0.0.1: {outside}")
    if errors:
        raise RuntimeError(f"errors while printing: {errors}")
    printed: list[Printed] = []
    for position, path in enumerate(order):
        info, data = done[path]
        following = order[position + 1] if position + 1 < len(order) else None
        shown = info["next"].removeprefix(base).split("#")[0] if info["next"] else None
        if shown != following:
            raise RuntimeError(
                f"{path}: the page links to {shown} as next, its file to {following}"
            )
        reader = PdfReader(BytesIO(data))
        sections = [Section(**s) for s in info["sections"]]
        printed.append(Printed(path, info["title"], info["html"], sections, reader))
        _locate(printed[-1], info["top"])
    return printed


def _prepare(page: Page, path: str) -> dict:
    """Fonts loaded, print.js's formula sizes set, the page inspected."""
    page.evaluate("async () => { await document.fonts.ready; }")
    if not page.evaluate("() => typeof window.gradrefPrint === 'object'"):
        raise RuntimeError(
            f"{path} has no print.js: the site predates the print stylesheet; "
            "rebuild it with `nox -s docs`"
        )
    page.evaluate("() => window.gradrefPrint.prepare()")
    return page.evaluate(INSPECT)


def _locate(printed: Printed, top_anchor: str | None) -> None:
    """Where each id landed in the page's own PDF, from the named destinations."""
    reader = printed.reader
    for name, dest in reader.named_destinations.items():
        anchor = name.removeprefix("/")
        top = dest.top if dest.top is not None else PAGE_HEIGHT
        printed.anchors[anchor] = (reader.get_destination_page_number(dest), float(top))
    printed.anchors[""] = (0, PAGE_HEIGHT)  # the page itself
    if top_anchor:
        printed.anchors.setdefault(top_anchor, (0, PAGE_HEIGHT))
    missing = [s.anchor for s in printed.sections if s.anchor not in printed.anchors]
    if missing:
        # Chromium shrinks a page wider than the paper to fit it, and then loses its link
        # targets: print.css must keep every page within the paper.
        raise RuntimeError(f"{printed.path}: no place in the PDF for the sections {missing}")
    for section in printed.sections:
        section.page, section.top = printed.anchors[section.anchor]


# -- The table of contents ---------------------------------------------------------------------
CONTENTS_CSS = """
@page { size: A4; margin: 16mm 16mm 18mm; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; line-height: 1.22;
       color: #1a1a1a; margin: 0; }
h1 { font-size: 18pt; font-weight: 500; margin: 0 0 2pt; }
p.sub { color: #555; margin: 0 0 10pt; }
h2 { font-size: 12pt; font-weight: 500; margin: 0 0 4pt; }
ol { list-style: none; padding: 0; margin: 0; }
li { break-inside: avoid; }
li.page { break-after: avoid; }
a { color: inherit; text-decoration: none; display: flex; align-items: baseline; gap: 4pt; }
a .dots { flex: 1; border-bottom: 1px dotted #999; }
li.page { margin-top: 4pt; }
li.page > a { font-weight: 600; font-size: 10pt; }
li.section > a { padding-left: 14pt; font-size: 8.5pt; color: #333; }
.katex { font-size: 1.05em; }
"""


def contents_html(printed: list[Printed], base: str, offset: int, solutions: str) -> str:
    """The first page(s): every printed page, and its sections, with their page numbers."""
    rows = []
    for doc in printed:
        rows.append(_contents_row("page", doc.html, base + doc.path, doc.first + offset + 1))
        for s in (s for s in doc.sections if s.level == 2):  # the bookmarks go deeper
            number = doc.first + offset + s.page + 1
            url = f"{base}{doc.path}#{s.anchor}"
            rows.append(_contents_row("section", s.html, url, number))
    what = "with the solutions" if solutions == "shown" else "without the solutions"
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{TITLE}</title>"
        f"<link rel='stylesheet' href='{base}_static/katex/katex.min.css'>"
        f"<style>{CONTENTS_CSS}</style></head><body>"
        f"<h1>{html.escape(TITLE)}</h1>"
        f"<p class='sub'>The whole reference, printed {date.today().isoformat()}, "
        f"{what} of the exercises.</p>"
        f"<h2>Contents</h2><ol>{''.join(rows)}</ol></body></html>"
    )


def _contents_row(kind: str, title_html: str, url: str, number: int) -> str:
    return (
        f"<li class='{kind}'><a href='{html.escape(url)}'><span>{title_html}</span>"
        f"<span class='dots'></span><span>{number}</span></a></li>"
    )


def print_contents(browser: Browser, printed: list[Printed], base: str, solutions: str):
    """Print the table of contents; its own length moves every number, so fix that first."""
    page = browser.new_page()
    pages = 1
    try:
        for _ in range(5):
            page.set_content(contents_html(printed, base, pages, solutions), wait_until="load")
            page.evaluate("async () => { await document.fonts.ready; }")
            reader = PdfReader(BytesIO(page.pdf(prefer_css_page_size=True)))
            if len(reader.pages) == pages:
                return reader
            pages = len(reader.pages)
    finally:
        page.close()
    raise RuntimeError("the table of contents never settled on a length")


# -- Page numbers -------------------------------------------------------------------------------
FOOTER_CSS = """
@page { size: A4; margin: 0; }
body { margin: 0; font-family: "DejaVu Sans", sans-serif; font-size: 8pt; color: #555; }
.sheet { height: 296mm; position: relative; break-after: page; }
.sheet:last-child { break-after: auto; }
.footer { position: absolute; left: 16mm; right: 16mm; bottom: 8mm;
          display: flex; justify-content: space-between; border-top: 0.5pt solid #ccc;
          padding-top: 2mm; }
"""


def print_footers(browser: Browser, labels: list[str]) -> PdfReader:
    """One page per page of the document, blank but for its footer: what, and page n of N."""
    total = len(labels)
    sheets = "".join(
        f"<div class='sheet'><div class='footer'><span>{html.escape(label)}</span>"
        f"<span>{n} / {total}</span></div></div>"
        for n, label in enumerate(labels, start=1)
    )
    page = browser.new_page()
    try:
        page.set_content(
            f"<!doctype html><html><head><meta charset='utf-8'><style>{FOOTER_CSS}</style>"
            f"</head><body>{sheets}</body></html>"
        )
        reader = PdfReader(BytesIO(page.pdf(prefer_css_page_size=True)))
    finally:
        page.close()
    if len(reader.pages) != total:
        raise RuntimeError(f"{len(reader.pages)} footer pages printed for {total} pages")
    return reader


# -- Merging -------------------------------------------------------------------------------------
def merge(contents: PdfReader, printed: list[Printed], footers: PdfReader, base: str) -> PdfWriter:
    """One PDF: contents, then every page; links kept inside it; bookmarks; page numbers."""
    writer = PdfWriter()
    owners: list[Printed | None] = []
    for page in contents.pages:
        writer.add_page(page)
        owners.append(None)
    for doc in printed:
        for page in doc.reader.pages:
            writer.add_page(page)
            owners.append(doc)
    by_path = {doc.path: doc for doc in printed}
    by_path[""] = by_path["index.html"]

    def destination(doc: Printed, anchor: str) -> ArrayObject | None:
        if anchor not in doc.anchors:
            return None
        page, top = doc.anchors[anchor]
        target = writer.pages[doc.first + page].indirect_reference
        return ArrayObject(
            [target, NameObject("/XYZ"), NullObject(), FloatObject(top), NullObject()]
        )

    def retarget(annotation, owner: Printed | None) -> str | ArrayObject | None:
        """Where a link goes in the merged PDF: a destination in it, the web ("keep"), or
        None for a file of the site that the PDF does not hold (it is left as plain text)."""
        if "/Dest" in annotation:  # Chromium's link within its own page, by name
            name = str(annotation["/Dest"]).removeprefix("/")
            target = destination(owner, name) if owner is not None else None
            if target is None:
                dropped.add(f"{owner.path if owner else '(contents)'}#{name}")
            return target
        action = annotation.get("/A")
        if action is None or action.get("/S") != "/URI":
            return "keep"
        uri = str(action["/URI"])
        if not uri.startswith(base):
            return "keep"  # a link to the web stays one
        parts = urlsplit(uri.removeprefix(base))
        doc = by_path.get(parts.path)
        if doc is None:
            dropped.add(parts.path)
            return None
        return destination(doc, parts.fragment) or destination(doc, "")

    dropped: set[str] = set()
    for page, owner in zip(writer.pages, owners, strict=True):
        if "/Annots" not in page:
            continue
        kept = ArrayObject()
        for ref in page["/Annots"].get_object():
            annotation = ref.get_object()
            target = (
                retarget(annotation, owner) if annotation.get("/Subtype") == "/Link" else "keep"
            )
            if isinstance(target, ArrayObject):
                annotation.pop("/A", None)
                annotation[NameObject("/Dest")] = target
            if target is not None:
                kept.append(ref)
        page[NameObject("/Annots")] = kept
    if dropped:
        print(f"  links to what the PDF does not hold, left as text: {sorted(dropped)}")

    # Bookmarks: each page, and its sections.
    for doc in printed:
        parent = writer.add_outline_item(title=doc.title, page_number=doc.first)
        stack = [(1, parent)]
        for s in doc.sections:
            while stack[-1][0] >= s.level:
                stack.pop()
            item = writer.add_outline_item(
                title=s.title,
                page_number=doc.first + s.page,
                parent=stack[-1][1],
                fit=Fit.xyz(top=s.top),
            )
            stack.append((s.level, item))
    writer.page_mode = "/UseOutlines"

    # Page numbers, through the whole document.
    for page, footer in zip(writer.pages, footers.pages, strict=True):
        page.merge_page(footer)
        page.compress_content_streams()
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    return writer


def build(site: Path, out: Path, solutions: str) -> None:
    if not (site / "index.html").is_file():
        sys.exit(f"no built site at {site}: run `nox -s docs` first")
    started = time.perf_counter()
    with serve(site) as base:
        order = reading_order(site)
        print(
            f"printing {site}: {len(order)} pages "
            f"({'with' if solutions == 'shown' else 'without'} solutions), {PRINTERS} at a time"
        )
        printed = print_site(base, order, solutions)
        first = 0
        for doc in printed:
            doc.first = first
            first += len(doc.reader.pages)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                contents = print_contents(browser, printed, base, solutions)
                offset = len(contents.pages)
                for doc in printed:
                    doc.first += offset
                labels = ["Contents"] * offset + [
                    doc.title for doc in printed for _ in doc.reader.pages
                ]
                footers = print_footers(browser, [f"{TITLE} · {label}" for label in labels])
            finally:
                browser.close()
        writer = merge(contents, printed, footers, base)
    writer.add_metadata(
        {
            "/Title": TITLE,
            "/Author": "the gradref developers",
            "/Subject": "The whole reference: " + ", ".join(doc.title for doc in printed),
            "/Creator": "tools/pdf.py (Chromium, pypdf)",
            "/GradrefSolutions": TextStringObject(solutions),
        }
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as stream:
        writer.write(stream)
    size = out.stat().st_size / 1e6
    print(
        f"wrote {out}: {len(writer.pages)} pages ({offset} of contents, {len(printed)} "
        f"pages of the site), {size:.1f} MB, in {time.perf_counter() - started:.0f} s"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf" / "gradref.pdf")
    parser.add_argument(
        "--solutions",
        choices=["shown", "hidden"],
        default="shown",
        help="print the exercises' solutions (default) or leave them out",
    )
    args = parser.parse_args(argv)
    build(args.site, args.out, args.solutions)


if __name__ == "__main__":
    main()
