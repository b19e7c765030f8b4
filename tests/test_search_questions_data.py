"""The search test set: real questions people asked about gradients, with the entries that answer them.

``tests/data/search_questions.json`` lists questions seen on Q&A sites and issue trackers
(the title or first sentence as asked, with its address), how the same person might type it
as keywords, its area, and the catalog ids that answer it directly (``[]`` when the catalog
does not answer it yet; ``note`` then says what is missing). These tests check its shape only.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import gradref

DATA = Path(__file__).parent / "data" / "search_questions.json"
AREAS = {
    "matrix calculus",
    "decompositions",
    "ML layers and losses",
    "probability and statistics",
    "optimisation",
}
#: The issue's own examples: a held-out set measures them, so they must not be in this file.
EXCLUDED = {
    "gradient of log det",
    "derivative of x^t a^-1 x with respect to a",
    "hessian of log det x",
    "derivative of log determinant and mahalanobis term with respect to covariance",
}


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def test_at_least_seventy_questions(questions):
    assert isinstance(questions, list)
    assert len(questions) >= 70


def test_required_fields_are_non_empty_strings(questions):
    for entry in questions:
        for field in ("question", "keywords", "url", "area"):
            assert isinstance(entry.get(field), str), (field, entry)
            assert entry[field].strip(), (field, entry)
        assert isinstance(entry.get("answers"), list), entry
        allowed = {
            "question",
            "keywords",
            "url",
            "area",
            "answers",
            "note",
            "body",
            "question_from",
        }
        assert set(entry) <= allowed, entry
        # where the page's title was legible only in its address, `question` holds the
        # address's words and `body` the sentence first taken from the page
        if "question_from" in entry:
            assert entry["question_from"] == "address", entry
            assert entry.get("body", "").strip(), entry


def test_areas_are_the_allowed_ones(questions):
    assert {entry["area"] for entry in questions} <= AREAS


def test_every_answer_is_a_catalog_id(questions):
    ids = {identity.id for identity in gradref.catalog()}
    unknown = [(entry["url"], a) for entry in questions for a in entry["answers"] if a not in ids]
    assert not unknown


def test_an_unanswered_question_says_what_is_missing(questions):
    for entry in questions:
        if not entry["answers"]:
            assert entry.get("note", "").strip(), entry


def test_urls_are_https_and_unique(questions):
    urls = [entry["url"] for entry in questions]
    assert all(url.startswith("https://") for url in urls)
    assert [url for url, n in Counter(urls).items() if n > 1] == []


def test_no_question_appears_twice(questions):
    texts = [" ".join(entry["question"].lower().split()) for entry in questions]
    assert [text for text, n in Counter(texts).items() if n > 1] == []


def test_the_issue_examples_are_absent(questions):
    for entry in questions:
        for field in ("question", "keywords"):
            assert " ".join(entry[field].lower().split()) not in EXCLUDED, entry


def test_spread_over_areas_and_mostly_answerable(questions):
    counts = Counter(entry["area"] for entry in questions)
    for area in AREAS:
        assert counts[area] >= (6 if area in {"decompositions", "optimisation"} else 10), area
    answered = sum(1 for entry in questions if entry["answers"])
    assert 3 * answered >= 2 * len(questions)
