"""Addresses that last: every identity at ``id/<id>.html``, old page addresses redirected,
pages named by family and topic, each saying what it computes; and "All identities"
filtered in the page. Run by ``nox -s site`` on the built site."""

from __future__ import annotations

import json
import re
from html import escape as html_escape

import pytest

from tests.test_site import SITE, Visit

pytestmark = pytest.mark.browser

LEGACY = json.loads(
    (SITE.parents[1] / "docs" / "_ext" / "legacy_addresses.json").read_text(encoding="utf-8")
)["pages"]


def _catalog() -> dict:
    return json.loads((SITE / "catalog.json").read_text(encoding="utf-8"))


def _target(page: str) -> str:
    html = (SITE / page).read_text(encoding="utf-8")
    return re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', html).group(1)


def test_every_identity_has_a_permanent_address_that_leads_to_its_section():
    wrong = []
    for record in _catalog()["identities"]:
        page = f"id/{record['id']}.html"
        if not (SITE / page).is_file():
            wrong.append(f"{page}: missing")
            continue
        html = (SITE / page).read_text(encoding="utf-8")
        target = _target(page)
        path, _, anchor = target.removeprefix("../").partition("#")
        section = (SITE / path).read_text(encoding="utf-8") if (SITE / path).is_file() else ""
        if f'<section id="{anchor}">' not in section:
            wrong.append(f"{page} -> {target}: no such section")
        if f"<title>{html_escape(record['title'])} — gradref</title>" not in html:
            wrong.append(f"{page}: its title does not name the identity")
    assert not wrong, "\n".join(wrong)


def test_page_addresses_carry_no_numbers_and_every_page_says_what_it_computes():
    pages = sorted((SITE / "reference").glob("*/*.html"))
    assert len(pages) > 40
    for page in pages:
        name = page.relative_to(SITE).as_posix()
        assert not re.search(r"/\d", name), f"{name}: a number in the address"
        html = page.read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", html).group(1)
        assert "gradref" in title, f"{name}: {title}"
        assert not re.match(r"\d+\.", title), f"{name}: a chapter number in its title: {title}"
        description = re.search(r'<meta content="([^"]+)" name="description"', html)
        assert description, f"{name}: no meta description"
        assert len(description.group(1)) > 40, f"{name}: {description.group(1)!r}"


def test_every_entry_links_to_its_permanent_address_and_says_how_to_cite_it():
    version = _catalog()["gradref_version"]
    for record in _catalog()["identities"][::10]:
        path = _target(f"id/{record['id']}.html").removeprefix("../").partition("#")[0]
        html = (SITE / path).read_text(encoding="utf-8")
        assert f'href="../../id/{record["id"]}.html"' in html, record["id"]
        assert f"gradref {version}" in html, record["id"]
        assert f"<code>{record['id']}</code>" in html, record["id"]


def test_every_old_address_is_a_redirect_to_where_its_identities_are_now():
    assert len(LEGACY) > 40
    for name, ids in LEGACY.items():
        page = SITE / "reference" / name
        assert page.is_file(), f"reference/{name}: the old address is gone"
        html = page.read_text(encoding="utf-8")
        first = _target(f"reference/{name}")
        assert first.removeprefix("../") == _target(f"id/{ids[0]}.html").removeprefix("../")
        for identity in ids:
            anchor = identity.lower().replace(".", "-")
            assert f'"{anchor}": "../' in html, f"reference/{name}: {identity} not mapped"


@pytest.mark.parametrize(
    ("address", "lands"),
    [
        (
            "id/determinants.logdet.html",
            "reference/determinants/det-logdet.html#determinants-logdet",
        ),
        (
            "reference/03-determinants-1.html#determinants-logdet",
            "reference/determinants/det-logdet.html#determinants-logdet",
        ),
        ("reference/01-rules.html", "reference/rules/product.html#rules-product"),
    ],
)
def test_an_old_or_permanent_address_opens_the_identity(server, browser, address, lands):
    visit = Visit(browser, server)
    try:
        visit.goto(address)
        visit.page.wait_for_url(f"**/{lands}", timeout=10_000)
        anchor = lands.partition("#")[2]
        assert visit.page.locator(f"section#{anchor}").count() == 1
        assert visit.errors == [], f"console errors: {visit.errors}"
    finally:
        visit.close()


def test_all_identities_filter_in_the_page(server, browser):
    records = _catalog()["identities"]
    expected = [r["id"] for r in records if r["family"] == "traces" and r["hessian"] is not None]
    cookbook = [
        r["id"]
        for r in records
        if any(
            re.sub(r"^corrected from\s+", "", s.split(",")[0]).startswith("Petersen & Pedersen")
            for s in r["sources"]
        )
    ]
    visit = Visit(browser, server, viewport={"width": 1280, "height": 900})
    try:
        visit.goto("catalog.html?family=traces&kind=hessian")
        visit.page.wait_for_function(
            "(n) => document.querySelector('.gr-filter-count span').textContent === String(n)",
            arg=len(expected),
        )
        shown = visit.page.evaluate(
            "() => [...document.querySelectorAll('#gr-catalog-table tbody tr:not([hidden]) code')]"
            ".map((c) => c.textContent)"
        )
        assert shown == expected
        visit.page.select_option("select[name=family]", "")
        visit.page.select_option("select[name=kind]", "")
        visit.page.select_option("select[name=source]", "The Matrix Cookbook (Petersen & Pedersen)")
        count = visit.page.locator(".gr-filter-count span").text_content()
        assert int(count) == len(cookbook), (count, len(cookbook))
        assert "source=" in visit.page.url
        assert visit.errors == [], f"console errors: {visit.errors}"
    finally:
        visit.close()
