"""Every family declares its topic pages: ``TOPICS`` at the end of its module.

A topic is ``(slug, title, ids)``: the slug is part of the page's permanent address
``reference/<family>/<slug>.html``, the title its sidebar entry under the family's title, and
the ids the identities on the page, in reading order. Together the topics of a family hold
each of its identities exactly once.

Modules mirror the topic pages: a family module longer than :data:`MAX_LINES` becomes a
package, ``identities/<family>/``, with one module per topic page (``<slug>.py``, hyphens as
underscores, declaring its ``TOPIC``) and the helpers its topics share in private modules
(``_common.py``); the package's ``TOPICS`` lists its modules' topics.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections import Counter
from pathlib import Path

import pytest

from gradref.catalog import FAMILIES, FAMILY_TITLES, catalog

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
GENERIC = re.compile(r"other|misc|part \d", re.IGNORECASE)
MAX_SLUG = 24
MAX_TITLE = 40
MAX_SIZE = 12
MAX_LINES = 1500
IDENTITIES = Path(importlib.import_module("gradref.identities").__file__).parent


def topics(family: str) -> tuple:
    return importlib.import_module(f"gradref.identities.{family}").TOPICS


def family_ids(family: str) -> list[str]:
    return [identity.id for identity in catalog() if identity.family == family]


@pytest.mark.parametrize("family", FAMILIES)
def test_topics_hold_every_identity_of_the_family_once(family):
    declared = [identity_id for _, _, ids in topics(family) for identity_id in ids]
    registered = family_ids(family)
    missing = sorted(set(registered) - set(declared))
    extra = sorted(set(declared) - set(registered))
    repeated = sorted(i for i, count in Counter(declared).items() if count > 1)
    assert not missing, f"{family}: identities in no topic: {missing}"
    assert not extra, f"{family}: topics name ids that the family does not register: {extra}"
    assert not repeated, f"{family}: ids in more than one topic, or twice in one: {repeated}"


@pytest.mark.parametrize("family", FAMILIES)
def test_topic_slugs_are_short_unique_address_parts(family):
    slugs = [slug for slug, _, _ in topics(family)]
    for slug in slugs:
        assert SLUG.match(slug), f"{family}: slug {slug!r} is not lowercase-with-hyphens"
        assert len(slug) <= MAX_SLUG, f"{family}: slug {slug!r} is longer than {MAX_SLUG}"
        assert family not in slug, f"{family}: slug {slug!r} repeats the family's name"
    repeated = sorted(s for s, count in Counter(slugs).items() if count > 1)
    assert not repeated, f"{family}: slugs used twice: {repeated}"


@pytest.mark.parametrize("family", FAMILIES)
def test_topic_sizes(family):
    registered = len(family_ids(family))
    for slug, _, ids in topics(family):
        assert 1 <= len(ids) <= MAX_SIZE, f"{family}/{slug}: {len(ids)} identities"
        assert len(ids) > 1 or registered < 3, (
            f"{family}/{slug}: a topic of one identity, in a family of {registered}"
        )


def test_topic_titles_are_specific_and_unique_across_the_catalog():
    titles = [(family, title) for family in FAMILIES for _, title, _ in topics(family)]
    for family, title in titles:
        assert title.strip(), f"{family}: a topic without a title"
        assert len(title) <= MAX_TITLE, f"{family}: title {title!r} is longer than {MAX_TITLE}"
        assert not GENERIC.search(title), f"{family}: title {title!r} says nothing of its page"
        assert title != FAMILY_TITLES[family], f"{family}: title {title!r} is the family's own"
    counts = Counter(title for _, title in titles)
    repeated = sorted(title for title, count in counts.items() if count > 1)
    assert not repeated, f"titles used by more than one topic: {repeated}"


def test_no_identities_module_is_longer_than_a_topic_package_would_make_it():
    long = {
        path.relative_to(IDENTITIES).as_posix(): lines
        for path in sorted(IDENTITIES.rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, (
        f"modules over {MAX_LINES} lines (make the family a package, one module per topic "
        f"page): {long}"
    )


def _registered_in(path) -> set[str]:
    """The catalog ids that a module's top-level ``register(...)`` calls give."""
    known = {identity.id for identity in catalog()}
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    return {
        node.value.value
        for statement in tree.body
        if isinstance(statement, ast.Expr)
        for node in ast.walk(statement)
        if isinstance(node, ast.keyword)
        and node.arg == "id"
        and isinstance(node.value, ast.Constant)
    } & known


PACKAGES = [family for family in FAMILIES if (IDENTITIES / family / "__init__.py").is_file()]


@pytest.mark.parametrize("family", PACKAGES)
def test_a_family_package_has_one_module_per_topic_page(family):
    folder = IDENTITIES / family
    modules = sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))
    slugs = [slug for slug, _, _ in topics(family)]
    assert modules == sorted(slug.replace("-", "_") for slug in slugs), (
        f"{family}: the modules of its package and its topics differ"
    )
    for slug, _title, ids in topics(family):
        module = importlib.import_module(f"gradref.identities.{family}.{slug.replace('-', '_')}")
        assert module.TOPIC[0] == slug, f"{module.__name__} declares the topic {module.TOPIC[0]!r}"
        assert _registered_in(module.__file__) == set(ids), (
            f"{family}/{slug}: the module registers other identities than its page shows"
        )
    assert not any(p.is_dir() and p.name != "__pycache__" for p in folder.iterdir())
