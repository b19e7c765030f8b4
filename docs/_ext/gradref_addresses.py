"""Addresses that do not change: ``id/<identity id>.html`` for every identity, and the old
addresses of the reference pages as redirects.

- ``id/<id>.html`` (e.g. ``id/determinants.logdet.html``) leads to the identity's section,
  whatever page it lives on: a small page whose title and description name the identity,
  which sends the browser on at once (``<meta http-equiv="refresh">``, and a link for a
  reader whose browser does not follow it). Each entry's "Link to this identity" points here.
- The reference pages were named by chapter number and part (``reference/03-determinants-
  2.html``) until they were named by family and topic; each old address
  (``legacy_addresses.json``, the identities each old page held) is a redirect to the page
  that now holds the identity its address names after ``#``, or else its first identity.

Written at the end of a build (after docs/_ext/gradref_catalog.py removes the output of
pages that no longer exist), only where a file's text changed.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

HERE = Path(__file__).parent
LEGACY = HERE / "legacy_addresses.json"

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<meta name="description" content="{description}">
<link rel="canonical" href="{target}">
{script}<meta http-equiv="refresh" content="0; url={target}">
</head>
<body>
<main>
<h1>{title}</h1>
<p>{text} <a href="{target}">{target_text}</a>.</p>
</main>
</body>
</html>
"""


def _write(path: Path, text: str) -> None:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def locations(app) -> dict[str, str]:
    """Each identity's section, as an address relative to the site's root."""
    labels = app.env.get_domain("std").labels
    found = {}
    for record in app.gradref_export["identities"]:
        label = record["id"].lower()
        if label in labels:
            docname, anchor, _title = labels[label]
            found[record["id"]] = f"{app.builder.get_target_uri(docname)}#{anchor}"
    return found


def identity_page(record: dict, target: str) -> str:
    from gradref_catalog import _version  # the version the entries cite

    title = f"{record['title']} — gradref"
    return PAGE.format(
        title=html.escape(title),
        description=html.escape(
            f"{record['title']} ({record['id']}), verified numerically and exactly by gradref "
            f"{_version()}: formula, numpy code, derivation and Hessian."
        ),
        target=html.escape(f"../{target}"),
        target_text=html.escape(target),
        script="",
        text=f"The identity <code>{html.escape(record['id'])}</code> is at",
    )


def legacy_page(name: str, ids: list[str], where: dict[str, str]) -> str:
    targets = {i.lower().replace(".", "-"): f"../{where[i]}" for i in ids if i in where}
    first = next((f"../{where[i]}" for i in ids if i in where), "../index.html")
    script = (
        "<script>(function () {"
        f"var moved = {json.dumps(targets, sort_keys=True)};"
        f"var to = moved[location.hash.slice(1)] || {json.dumps(first)};"
        "location.replace(to);"
        "})();</script>\n"
    )
    return PAGE.format(
        title="This page has moved — gradref",
        description=html.escape(f"The reference page {name} is now named by topic."),
        target=html.escape(first),
        target_text=html.escape(first.removeprefix("../")),
        script=script,
        text="The reference is now arranged by topic; this page's first identity is at",
    )


def write_addresses(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    where = locations(app)
    for record in app.gradref_export["identities"]:
        if record["id"] in where:
            _write(
                outdir / "id" / f"{record['id']}.html", identity_page(record, where[record["id"]])
            )
    legacy = json.loads(LEGACY.read_text(encoding="utf-8"))["pages"]
    for name, ids in legacy.items():
        _write(outdir / "reference" / name, legacy_page(name, ids, where))


def setup(app):
    app.connect("build-finished", write_addresses, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
