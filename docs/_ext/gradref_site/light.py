"""Light pages (issue "readers", item B): what a page loads, and when it can paint.

A cold visit used to transfer 2.4-2.9 MB (1.5 MB of it fontawesome.js) and the largest
page, exercise sheet 01, first painted after 7-8 s on Chrome's "Slow 4G" profile. What
this module and ``templates/layout.html`` change, each hook with its reason:

- The theme's fontawesome.js is not loaded, nor the search index and code on pages other
  than the search page (``templates/layout.html``). The theme's stylesheet draws the
  icons from Font Awesome's web font; :func:`inline_stylesheets` cuts that font down to
  the glyphs the site uses (120 kB to a few kB).
- Scripts do not hold up the page (:func:`defer_scripts`): Sphinx puts its scripts in the
  head as blocking scripts, each a round trip (562 ms on Slow 4G) before the page can
  paint. They are deferred, which runs them in the same order once the page is parsed,
  and documentation_options.js, which inline scripts use at once, is inlined. The
  layout moves them to the end of the body, so that they are not fetched while the page
  itself is still coming in. The search page keeps Sphinx's arrangement: the theme
  loads the search code right after them, and it needs them at once.
- Stylesheets come with the page (:func:`inline_stylesheets`). A stylesheet must arrive
  before a page can paint, and on a slow connection a separate one arrives late twice
  over: one more round trip, then its bytes shared with the page's own, which keeps
  downloading meanwhile (sheet 01's HTML alone is 0.5 MB). The site's stylesheets, less
  the rules no page can match (``css.py``; 550 kB become 150 kB), are written into each
  page's head instead: the page paints as soon as its head and first screen are in.
  The price is that they are not cached from page to page; 150 kB is a twentieth of what
  every page used to load.
"""

from __future__ import annotations

import logging as logging_module
import os
import re
from pathlib import Path

from gradref_reproducible import load_memo, save_memo, text_digest
from sphinx.util import logging

from . import css as _css

logger = logging.getLogger(__name__)

# -- Scripts ---------------------------------------------------------------------------------
UNUSED_UNLESS = {"_static/design-tabs.js": "sd-tab-set"}  # sphinx-design's, for its tabs only


def defer_scripts(app, pagename, templatename, context, doctree) -> None:
    """Defer every script of the page; inline documentation_options.js; drop unused ones."""
    if app.builder.format != "html" or "script_files" not in context:
        return
    if pagename == "search":  # its search code, which runs at once, needs them at once
        return
    body = context.get("body", "")
    scripts = []
    for js in context["script_files"]:
        name = os.fspath(js.filename) if getattr(js, "filename", None) else ""
        attributes = dict(js.attributes)
        if name in UNUSED_UNLESS and UNUSED_UNLESS[name] not in body:
            continue
        if name == "_static/documentation_options.js":
            # `DOCUMENTATION_OPTIONS.pagename = ...` follows it inline: it cannot wait.
            source = Path(app.outdir, name).read_text(encoding="utf-8")
            scripts.append(type(js)("", priority=js.priority, body=source))
            continue
        if name and "async" not in attributes:
            attributes["defer"] = "defer"
        scripts.append(type(js)(js.filename, priority=js.priority, **attributes))
    context["script_files"] = scripts


# -- Stylesheets -------------------------------------------------------------------------------
STYLE = re.compile(r'<style data-gradref-sheets="([^"]*)">.*?</style>\n?', re.S)
LINK = re.compile(r"<link\b[^>]*>\n?")
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
SCRIPT_SRC = re.compile(r'<script\b[^>]*\bsrc="([^"]+)"')
URL = re.compile(r"""url\(\s*(["']?)([^)"']+)\1\s*\)""")
IMPORT = re.compile(r"""@import\s+(?:url\()?["']?([^"')\s]+)["']?\)?\s*([^;]*);""")
FONT_AWESOME = re.compile(r"vendor/fontawesome/webfonts/(fa-[\w-]+\.woff2)$")
_ESCAPE = re.compile(r"\\(.)")  # a CSS escape, \: or \/, in a class name
PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]|\\([0-9a-fA-F]{4,6})")


def _pages(outdir: Path) -> list[Path]:
    return sorted(
        p for p in outdir.rglob("*.html") if not p.relative_to(outdir).parts[0].startswith("_")
    )


def _local(page: Path, outdir: Path, ref: str) -> Path | None:
    """The output file a page's relative reference (`../_static/x.css?v=1`) points to."""
    ref = ref.split("?")[0].split("#")[0]
    if not ref or re.match(r"^[a-z][a-z0-9+.-]*:|^/", ref, re.I):
        return None
    path = (page.parent / ref).resolve()
    return path if path.is_file() and path.is_relative_to(outdir.resolve()) else None


def _stylesheets(page: Path, html: str, outdir: Path) -> tuple[list[str], list[str]]:
    """The page's stylesheets (relative to the output root), and the markup loading them."""
    head = html[: html.find("</head>")]
    found = STYLE.search(head)
    if found:  # inlined by an earlier build, which noted what it inlined
        return found.group(1).split(), [found.group(0)]
    sheets, markup = [], []
    for link in LINK.findall(head):
        attributes = dict(ATTRIBUTE.findall(link))
        if "stylesheet" not in attributes.get("rel", "").split():
            continue
        if attributes.get("media", "all") not in ("all", "screen"):
            continue  # print (or other media) stylesheets do not hold up the first paint
        path = _local(page, outdir, attributes.get("href", ""))
        if path is None:
            continue
        sheets.append(path.relative_to(outdir.resolve()).as_posix())
        markup.append(link)
    return sheets, markup


def _read_stylesheet(path: Path, outdir: Path) -> str:
    """A stylesheet with its @imports in place and its url()s relative to the output root."""
    text = path.read_text(encoding="utf-8")

    def imported(match: re.Match) -> str:
        inner = _read_stylesheet((path.parent / match.group(1)).resolve(), outdir)
        media = match.group(2).strip()
        return f"@media {media}{{{inner}}}" if media else inner

    def rooted(match: re.Match) -> str:
        ref = match.group(2)
        if re.match(r"^([a-z][a-z0-9+.-]*:|#|/)", ref, re.I):
            return match.group(0)
        target = (path.parent / ref.split("?")[0].split("#")[0]).resolve()
        return f'url("\0{target.relative_to(outdir.resolve()).as_posix()}")'

    text = re.sub(r"@charset[^;]*;", "", text)
    return URL.sub(rooted, IMPORT.sub(imported, text))


def _subset_icon_fonts(bundle: str, outdir: Path) -> str:
    """Font Awesome's web fonts cut down to the glyphs the stylesheets use.

    The glyphs are the private-use characters the kept rules name (`--fa:"\\f185"` for
    `.fa-sun`, the admonition icons...). The subsets are new files under _static/gradref/,
    so that the theme's fonts, copied afresh by every build, stay whole to cut from.
    """
    from fontTools import subset

    logging_module.getLogger("fontTools").setLevel(logging_module.WARNING)

    codepoints = {
        ord(m.group(0)) if not m.group(1) else int(m.group(1), 16)
        for m in PRIVATE_USE.finditer(bundle)
    }
    codepoints = {c for c in codepoints if 0xE000 <= c <= 0xF8FF}
    replaced = {}
    for ref in set(re.findall(r'url\("\0([^"]+)"\)', bundle)):
        found = FONT_AWESOME.search(ref)
        if not found:
            continue
        target = Path("_static", "gradref", found.group(1))
        options = subset.Options(flavor="woff2", layout_features=["*"], notdef_outline=True)
        font = subset.load_font(str(outdir / ref), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=codepoints)
        subsetter.subset(font)
        (outdir / target).parent.mkdir(parents=True, exist_ok=True)
        subset.save_font(font, str(outdir / target), options)
        replaced[ref] = target.as_posix()
    for old, new in replaced.items():
        bundle = bundle.replace(f'url("\0{old}")', f'url("\0{new}")')
    return bundle


class _BundleMemo:
    """Purged bundles of earlier builds, by stylesheets and vocabulary (beside the doctrees).

    Parsing and pruning the stylesheets takes about 2 s, on every build. What pruning
    decides depends only on the stylesheets and on which of the class names they mention
    the site knows (its pages and scripts): a build where neither changed takes the bundle
    from here. The bundle's subset fonts must still be in the output, or it is made again.
    """

    FILE = "gradref-style-bundles.json"

    def __init__(self, folder: Path, vocabulary, outdir: Path) -> None:
        self.path = folder / self.FILE
        self.outdir = outdir
        self.vocabulary = vocabulary
        self.saved = load_memo(self.path)
        self.used: dict[str, str] = {}

    def _key(self, text: str) -> str:
        names = {
            _ESCAPE.sub(r"\1", name) if "\\" in name else name  # (re.sub on each: 0.3 s)
            for name in set(_css.CLASS.findall(text))
        }
        known = "\n".join(sorted(n for n in names if self.vocabulary.knows(n)))
        return text_digest(f"{known}\0{text}")

    def get(self, text: str) -> str | None:
        key = self._key(text)
        bundle = self.saved.get(key)
        if bundle is None:
            return None
        fonts = re.findall(r'url\("\0(_static/gradref/[^"]+)"\)', bundle)
        if not all((self.outdir / font).is_file() for font in fonts):
            return None
        self.used[key] = bundle
        return bundle

    def put(self, text: str, bundle: str) -> None:
        self.used[self._key(text)] = bundle

    def save(self) -> None:
        """Keep this build's bundles (only them) for the next build."""
        save_memo(self.path, self.used, self.saved)


class _PageMemo:
    """What each page contributed last build, kept for pages that have not changed since.

    A no-change rebuild writes no page, yet every page must be read to learn the site's
    vocabulary and its stylesheets, and written back with its styles (0.5 s of a 3 s
    rebuild). A page is recognised as untouched by its size and modification time, both
    noted right after this module last wrote it; its sheets, tokens and scripts, and a
    digest of the styles it holds, are kept in the doctree folder beside the bundles.
    """

    FILE = "gradref-page-styles.json"

    def __init__(self, folder: Path, outdir: Path) -> None:
        self.path = folder / self.FILE
        self.outdir = str(outdir)
        saved = load_memo(self.path)
        self.saved = saved.get("pages", {}) if saved.get("outdir") == self.outdir else {}
        self.pages: dict[str, dict] = {}

    @staticmethod
    def stamp(page: Path) -> list[int]:
        stat = page.stat()
        return [stat.st_mtime_ns, stat.st_size]

    def get(self, name: str, page: Path) -> dict | None:
        entry = self.saved.get(name)
        return entry if entry is not None and entry["stamp"] == self.stamp(page) else None

    def put(self, name: str, page: Path, entry: dict) -> None:
        self.pages[name] = {**entry, "stamp": self.stamp(page)}

    def save(self) -> None:
        memo = {"outdir": self.outdir, "pages": self.pages}
        save_memo(self.path, memo, {**memo, "pages": self.saved}, sort_keys=True)


def _page_entry(page: Path, outdir: Path) -> tuple[dict, list[str]]:
    """What a page contributes (its sheets, class-name tokens, scripts, inlined style's
    digest), and the markup that loads its styles."""
    html = page.read_text(encoding="utf-8")
    sheets, markup = _stylesheets(page, html, outdir)
    inlined = markup and STYLE.fullmatch(markup[0])  # by an earlier build
    entry = {
        "sheets": sheets,
        "tokens": sorted(set(_css.TOKEN.findall(STYLE.sub("", html)))),
        "scripts": sorted(
            os.path.relpath(path, outdir)
            for ref in SCRIPT_SRC.findall(html)
            if (path := _local(page, outdir, ref))
        ),
        "style": text_digest(markup[0]) if inlined else None,
    }
    return entry, markup


#: Below this many pages to read, one process reads them (a pool costs more than it saves).
POOLED_FROM = 48


def _read_pages(pages: list[Path], outdir: Path) -> list[tuple[dict, list[str]]]:
    """:func:`_page_entry` of each page, in order; in two processes when there are many.

    A cold build reads all 644 pages here (2.4 s of regular expressions in one process), at
    the end of the build, when nothing else runs.
    """
    if len(pages) < POOLED_FROM:
        return [_page_entry(page, outdir) for page in pages]
    import concurrent.futures
    import functools
    import multiprocessing

    context = multiprocessing.get_context("fork")  # the parent's imports: no warm-up
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
        read = functools.partial(_page_entry, outdir=outdir)
        return list(pool.map(read, pages, chunksize=16))


def inline_stylesheets(app, exception) -> None:
    """Write the site's stylesheets, pruned, into every page's head (see the module's doc).

    Runs on every page, every build, from the stylesheets as Sphinx has just copied them,
    so an incremental build (which rewrites only some pages) leaves no page behind; a page
    that has not changed since the last build is not read again (:class:`_PageMemo`), and
    is rewritten only if its styles changed.
    """
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir).resolve()
    page_memo = _PageMemo(Path(app.doctreedir), outdir)
    markups: dict[Path, list[str]] = {}  # the pages read: the markup loading their styles
    entries: dict[Path, dict] = {}
    pages = _pages(outdir)
    for page in pages:
        entry = page_memo.get(page.relative_to(outdir).as_posix(), page)
        if entry is not None:
            entries[page] = entry
    unread = [page for page in pages if page not in entries]
    for page, (entry, markup) in zip(unread, _read_pages(unread, outdir), strict=True):
        entries[page], markups[page] = entry, markup
    entries = {page: entries[page] for page in pages}
    vocabulary = _css.Vocabulary()
    for entry in entries.values():
        vocabulary.tokens.update(entry["tokens"])
    scripts = {s for entry in entries.values() for s in entry["scripts"]}
    # and the search's script, which a page loads later (when a reader first focuses a
    # search box), not by a tag of its own: the class names of its results are used too
    scripts |= (
        {"_static/gradref-search.js"} if (outdir / "_static/gradref-search.js").is_file() else set()
    )
    for script in sorted(scripts):
        vocabulary.add_script((outdir / script).read_text(encoding="utf-8", errors="replace"))

    bundles: dict[tuple[str, ...], str] = {}
    styles: dict[tuple[tuple[str, ...], str], tuple[str, str]] = {}
    memo = _BundleMemo(Path(app.doctreedir), vocabulary, outdir)
    written = 0
    for page, entry in entries.items():
        name = page.relative_to(outdir).as_posix()
        key = tuple(entry["sheets"])
        if not key:
            page_memo.put(name, page, entry)
            continue
        if key not in bundles:
            text = "".join(_read_stylesheet(outdir / sheet, outdir) for sheet in key)
            bundles[key] = memo.get(text)
            if bundles[key] is None:
                bundles[key] = _subset_icon_fonts(_css.purge(text, vocabulary), outdir)
                memo.put(text, bundles[key])
            if "</style" in bundles[key].lower():
                raise RuntimeError("a stylesheet contains '</style': it cannot be inlined")
        root = os.path.relpath(outdir, page.parent).replace(os.sep, "/") + "/"
        root = "" if root == "./" else root
        if (key, root) not in styles:  # pages at one depth share it: built and hashed once
            style = (
                f'<style data-gradref-sheets="{" ".join(key)}">'
                + bundles[key].replace('url("\0', f'url("{root}')
                + "</style>\n"
            )
            styles[key, root] = style, text_digest(style)
        style, style_digest = styles[key, root]
        if page not in markups and entry["style"] == style_digest:
            page_memo.put(name, page, entry)
            continue
        html = page.read_text(encoding="utf-8")
        markup = markups[page] if page in markups else _stylesheets(page, html, outdir)[1]
        first = html.find(markup[0])
        html = html[:first] + style + html[first + len(markup[0]) :]
        for other in markup[1:]:
            html = html.replace(other, "", 1)
        page.write_text(html, encoding="utf-8")
        written += 1
        page_memo.put(name, page, {**entry, "style": style_digest})
    memo.save()
    page_memo.save()
    logger.info(
        "gradref: styles inlined into %d of %d pages (%s kB)",
        written,
        len(entries),
        ", ".join(f"{len(b) / 1024:.0f}" for b in bundles.values()),
    )


def setup(app) -> None:
    app.connect("html-page-context", defer_scripts, priority=900)
    app.connect("build-finished", inline_stylesheets, priority=900)
