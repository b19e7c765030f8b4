"""Generate one reference chapter per identity family from the catalog (called by conf.py).

The chapters are build products, written to docs/reference/ (ignored by git) and rewritten
only when their text changes, so an unchanged catalog triggers no re-execution.
"""

from __future__ import annotations

import importlib
from pathlib import Path

HEADER = """---
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
---

<!-- Generated from the catalog by docs/_chapters.py; edit src/gradref/identities/{family}.py. -->
"""


def chapter_text(number: int, family: str) -> str:
    from gradref.catalog import FAMILY_TITLES, catalog

    module = importlib.import_module(f"gradref.identities.{family}")
    intro = (module.__doc__ or "").strip().splitlines()[0]
    lines = [
        HEADER.format(family=family),
        f"(chapter-{family})=",
        f"# {number}. {FAMILY_TITLES[family]}",
        "",
        f"{intro} Shapes and layout follow the [conventions](../conventions.md): a gradient",
        "has the shape of its variable, a Jacobian is outputs × inputs. Each statement below was",
        "verified while this page was built; the box says how, and with what error.",
        "",
        "```{code-cell} python3",
        ":tags: [remove-cell]",
        "from gradref.pages import verification_badge",
        "```",
        "",
    ]
    members = [identity for identity in catalog() if identity.family == family]
    for index, identity in enumerate(members, start=1):
        lines += [
            f"({identity.id})=",
            f"## {number}.{index} {identity.title}",
            "",
            *(
                # "!" makes each a main entry, which the search ranks with the best matches.
                ["```{index} " + ", ".join(f"!{word}" for word in identity.keywords), "```", ""]
                if identity.keywords
                else []
            ),
            f"Identity **{number}.{index}**, id `{identity.id}`"
            + (
                f", answers exercise {{ref}}`{identity.exercise} <ex-{identity.exercise}>` of "
                "[sheet 01](../exercises/sheet01.md)."
                if identity.exercise
                else "."
            ),
            f"Reference implementation: {{py:func}}`{identity.derivative.__module__}."
            f"{identity.derivative.__qualname__}`.",
            "",
            "```{code-cell} python3",
            ":tags: [remove-input]",
            f'verification_badge("{identity.id}")',
            "```",
            "",
        ]
    return "\n".join(lines)


def write_chapters(docs: Path) -> list[str]:
    """Write docs/reference/NN-<family>.md for every family; return the page names.

    The number prefix keeps the reading order under the index's glob toctree.
    """
    from gradref.catalog import FAMILIES

    folder = docs / "reference"
    folder.mkdir(exist_ok=True)
    names = []
    from gradref.catalog import catalog

    present = [f for f in FAMILIES if any(i.family == f for i in catalog())]
    for number, family in enumerate(present, start=1):
        path = folder / f"{number:02d}-{family}.md"
        text = chapter_text(number, family)
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
        names.append(f"reference/{path.stem}")
    for stale in folder.glob("*.md"):
        if f"reference/{stale.stem}" not in names:
            stale.unlink()
    return names
