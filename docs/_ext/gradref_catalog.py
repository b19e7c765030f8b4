"""The catalog, verified once per identity, and the pages written from its records.

At the start of a build (``builder-inited``, before Sphinx looks for pages):

1. Every identity is verified by :func:`gradref.record.entry_record` and every erratum by
   :func:`gradref.record.erratum_record`, and each Cookbook note's check is run. Each result
   is cached in ``_build/verify-cache`` under a key: the sha256 of the source files it
   depends on (of the identities module that registers it, the part it reaches; the
   modules of its functions and the core, :data:`CORE`, whole) and of the numpy, sympy,
   SymEngine and Python versions. A cached result
   is reused only when its key matches exactly; the misses run in a process pool of two. A failure
   stops the build with the identity (erratum, equation) named.
2. The reference pages, one for each topic of each family
   (``docs/reference/<family>/<topic>.md``, the topics as the family's module declares them
   in ``TOPICS``; a family with several topic pages is a package with one module per topic) and one for each family listing its topics
   (``docs/reference/<family>/index.md``), and the fragments that "All identities",
   "Errata" and "Cookbook concordance" include (``docs/_generated/``) are written from the
   records, as plain
   MyST: nothing on them is executed. A file is rewritten only when its text changes, so
   Sphinx reads again only the pages whose records (or shown source) changed.

At the end (``build-finished``), ``catalog.json`` is written at the site's root: what
:func:`gradref.record.export` returns, built from the same records.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import hashlib
import importlib
import inspect
import json
import multiprocessing
import os
import re
import sys
import textwrap
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from gradref_slices import family_files, resolved, slice_files
from gradref_slices import module_slices as _module_slices
from gradref_slices import slice_digest as _slice_digest
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SRC = ROOT / "src"
PACKAGE = SRC / "gradref"
#: Where the verifications are cached (GRADREF_VERIFY_CACHE moves it: `nox -s buildtime`).
CACHE = Path(os.environ.get("GRADREF_VERIFY_CACHE", ROOT / "_build" / "verify-cache"))

#: What every verification reads besides the identities' own modules: the core modules, and
#: every module of the read-back package (gradref/readback/), so that an edit to any of them
#: invalidates the cache.
CORE = (
    *(
        PACKAGE / f"{name}.py"
        for name in (
            "catalog", "check", "verify", "symbolic", "shapes", "record", "cookbook", "_validate",
            "__init__",
        )
    ),
    *sorted((PACKAGE / "readback").glob("*.py")),
)  # fmt: skip

#: While False, Cookbook equations that nothing accounts for are listed as "not yet
#: accounted for" on the concordance page (the catalog is being completed); set it to True
#: to make :func:`gradref.cookbook.concordance`'s completeness check fail the build.
COMPLETE_CONCORDANCE = True

#: The status of an equation that nothing accounts for yet (lenient mode only).
MISSING = "missing"

WORKERS = 2


# -- Cache keys ---------------------------------------------------------------------------------
_DIGESTS: dict[Path, bytes] = {}


def _digest(path: Path) -> bytes:
    if path not in _DIGESTS:
        _DIGESTS[path] = hashlib.sha256(path.read_bytes()).digest()
    return _DIGESTS[path]


@functools.cache
def _versions() -> str:
    """The versions every key includes (read once: each reading of the packages' metadata
    cost a few milliseconds, 453 times in a build)."""
    from importlib.metadata import version

    return (
        f"numpy {version('numpy')}; sympy {version('sympy')}; symengine {version('symengine')}; "
        f"python {sys.version.split()[0]}"
    )


def cache_key(files) -> str:
    """sha256 of the files (by path relative to the checkout, and content) and the versions."""
    digest = hashlib.sha256(_versions().encode())
    for path in sorted(set(CORE) | {resolved(f) for f in files}):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(_digest(path))
    return digest.hexdigest()


def _module_file(obj) -> Path | None:
    """The file under src/gradref/ that defines ``obj`` (a module or a function), if any."""
    module = obj if inspect.ismodule(obj) else sys.modules.get(getattr(obj, "__module__", ""))
    path = getattr(module, "__file__", None)
    if path is None:
        return None
    path = resolved(path)
    return path if path.is_relative_to(PACKAGE) else None


def _registering_file(registered: str) -> Path | None:
    """The identities module whose top-level ``register(...)`` gives ``registered`` (an
    identity's or an erratum's id): for a family that is a package, its topic's module."""
    if not _REGISTERED_IN:
        from gradref.catalog import FAMILIES

        for family in FAMILIES:
            for path in family_files(PACKAGE / "identities", family):
                for statement in _module_slices(path)[0]:
                    if statement[3] is not None:
                        _REGISTERED_IN.setdefault(statement[3], resolved(path))
    return _REGISTERED_IN.get(registered)


_REGISTERED_IN: dict[str, Path] = {}


def identity_files(identity) -> set[Path]:
    """The modules its functions come from and the gradref modules its own module (the one
    that registers it) and the private modules it draws on import from (whole files)."""
    functions = [
        identity.value, identity.derivative, identity.symbolic, identity.sample,
        identity.general, identity.hessian, *(m.derivative for m in identity.mistakes),
    ]  # fmt: skip
    own = _registering_file(identity.id)
    found = {_module_file(f) for f in functions if callable(f)} - {own, None}
    if own is not None:
        found |= slice_files(own) - {own}
    return found


def identity_key(identity) -> str:
    """sha256 of the core, the versions, the other modules it draws on (whole), and of its
    own module (and of the private modules of its package) the slice that it depends on
    (:func:`_slice_digest`)."""
    own = _registering_file(identity.id)
    digest = hashlib.sha256(cache_key(identity_files(identity)).encode())
    if own is not None:
        digest.update(_slice_digest(own, identity.id))
    return digest.hexdigest()


def erratum_key(erratum) -> str:
    """As :func:`identity_key`, for the erratum's registration and its corrected identity."""
    from gradref.catalog import get

    found = {_module_file(f) for f in (erratum.printed_derivative, erratum.check) if f}
    found.add(_registering_file(erratum.id))
    found.discard(None)
    imported = set().union(*(slice_files(path) for path in found)) - found
    digest = hashlib.sha256(cache_key(imported).encode())
    for path in sorted(found):  # its own module: only the slice it depends on
        digest.update(_slice_digest(path, erratum.id))
    if erratum.identity:
        digest.update(identity_key(get(erratum.identity)).encode())
    return digest.hexdigest()


# -- Verification, in a pool ----------------------------------------------------------------------
def _note_error(equation: int) -> float:
    import numpy as np

    from gradref.cookbook import notes

    error = float(notes()[equation].check(np.random.default_rng(0)))
    if not error <= 1e-10:
        from gradref.verify import VerificationError

        raise VerificationError(
            f"Cookbook eq. ({equation}): its note's check measures {error:.2e} (> 1e-10)"
        )
    return error


def _compute(kind: str, name: str):
    """Run one verification: (ok, record or traceback text, CPU seconds); never raises."""
    start = time.process_time()
    try:
        from gradref.catalog import errata, get
        from gradref.record import entry_record, erratum_record

        if kind == "identity":
            result = entry_record(get(name))
        elif kind == "erratum":
            result = erratum_record(next(e for e in errata() if e.id == name))
        else:
            result = _note_error(int(name))
    except Exception as error:  # reported by the build, naming what failed
        result = f"{type(error).__name__}: {error}\n\n{traceback.format_exc()}"
        return False, result, time.process_time() - start
    return True, result, time.process_time() - start


def _describe(kind: str, name: str) -> str:
    return {"identity": "identity", "erratum": "erratum", "note": "the note of Cookbook eq."}[
        kind
    ] + f" {name!r}"


def verify_all(jobs: dict[tuple[str, str], Callable[[], str]]) -> dict[tuple[str, str], object]:
    """``{(kind, name): key function}`` -> results, from the cache where the key matches
    exactly.

    A job with no cache entry at all is verified whatever its key: when there are several
    (a cold build), the workers start on them at once, and the keys (a second of parsing
    the identities' modules) are computed meanwhile.
    """
    results, keys = {}, {}
    absent = [job for job in jobs if not (CACHE / job[0] / f"{job[1]}.json").is_file()]
    early = absent if len(absent) > 1 else []
    failures, costs = [], {}

    def keep(kind: str, name: str, ok: bool, result, seconds: float) -> None:
        # Saved as it comes: a build stopped half way keeps what it verified.
        costs[kind, name] = seconds
        if not ok:
            failures.append(f"{_describe(kind, name)} fails verification:\n{result}")
            return
        results[kind, name] = result
        path = CACHE / kind / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"key": keys[kind, name], "cpu_seconds": round(seconds, 3), "result": result}
        path.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")

    with contextlib.ExitStack() as stack:
        pool, running = None, {}

        def start(batch: list[tuple[str, str]]) -> None:
            """Hand ``batch`` to the workers, created on first use (fork: no warm-up)."""
            nonlocal pool
            if pool is None:
                context = multiprocessing.get_context("fork")
                pool = concurrent.futures.ProcessPoolExecutor(WORKERS, mp_context=context)
                # (an error computing a key stops the build without waiting for the workers)
                stack.callback(pool.shutdown, wait=True, cancel_futures=True)
            running.update({pool.submit(_compute, *job): job for job in batch})

        if early:
            start(early)
        misses = list(early)
        for job, key_of in jobs.items():
            keys[job] = key_of()
            if job in early:
                continue
            try:
                cached = json.loads((CACHE / job[0] / f"{job[1]}.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                cached = None
            if isinstance(cached, dict) and cached.get("key") == keys[job]:
                results[job] = cached["result"]
            else:
                misses.append(job)
                if pool is not None:
                    start([job])
        if misses:
            logger.info(
                "gradref: verifying %d of %d (%d cached)",
                len(misses),
                len(jobs),
                len(jobs) - len(misses),
            )
        if pool is None and len(misses) > 1:
            start(misses)
        if pool is None:  # one job: not worth a process
            for job in misses:
                keep(*job, *_compute(*job))
        for done in concurrent.futures.as_completed(running):
            keep(*running[done], *done.result())
    if costs:
        slowest = sorted(costs.items(), key=lambda item: -item[1])[:5]
        logger.info(
            "gradref: verified in %.1f CPU s; slowest: %s",
            sum(costs.values()),
            ", ".join(f"{name} {seconds:.1f} s" for (_, name), seconds in slowest),
        )
    if failures:
        raise ExtensionError("\n\n".join(sorted(failures)))
    return results


def _concordance_rows():
    """The concordance's rows; equations not accounted for get :data:`MISSING` (lenient)."""
    from gradref.catalog import catalog, errata
    from gradref.cookbook import EQUATIONS, PAGES, Row, concordance, notes

    try:
        return concordance()
    except ValueError:
        if COMPLETE_CONCORDANCE:
            raise
    # What concordance() would return, with the unaccounted equations kept (and said so).
    verified, wrong = {}, {}
    for identity in catalog():
        for equation in identity.cookbook:
            verified.setdefault(equation, []).append(identity.id)
    for erratum in errata():
        if erratum.source.startswith("Petersen"):
            for equation in erratum.equations:
                wrong.setdefault(equation, []).append(erratum.id)
    explained = notes()
    rows = []
    for equation in EQUATIONS:
        page = PAGES[equation]
        if equation in wrong:
            rows.append(Row(equation, page, "erratum", tuple(wrong[equation])))
        elif equation in verified:
            rows.append(Row(equation, page, "verified", tuple(verified[equation])))
        elif equation in explained:
            note = explained[equation]
            rows.append(Row(equation, page, note.status, note.see, note.reason))
        else:
            rows.append(Row(equation, page, MISSING, (), "not yet accounted for"))
    return tuple(rows)


def _note_files() -> dict[int, list[Path]]:
    """The files of the family whose ``COOKBOOK_NOTES`` has each equation's note."""
    from gradref.catalog import FAMILIES

    found = {}
    for family in FAMILIES:
        module = importlib.import_module(f"gradref.identities.{family}")
        for equation in getattr(module, "COOKBOOK_NOTES", {}):
            found[equation] = family_files(PACKAGE / "identities", family)
    return found


class Records:
    """Every record of the build: identities (reading order), errata, notes, concordance."""

    def __init__(self) -> None:
        from gradref.catalog import catalog, errata
        from gradref.cookbook import notes

        self.catalog = catalog()
        self.errata = errata()
        checked_notes = {eq: note for eq, note in notes().items() if note.check is not None}
        note_files = _note_files()
        jobs = {("identity", i.id): functools.partial(identity_key, i) for i in self.catalog}
        jobs |= {("erratum", e.id): functools.partial(erratum_key, e) for e in self.errata}
        jobs |= {
            ("note", str(eq)): functools.partial(cache_key, note_files[eq]) for eq in checked_notes
        }
        results = verify_all(jobs)
        self.identities = [results["identity", i.id] for i in self.catalog]
        self.erratum_records = [results["erratum", e.id] for e in self.errata]
        self.note_errors = {int(name): value for (kind, name), value in results.items()
                            if kind == "note"}  # fmt: skip
        self.concordance = _concordance_rows()

    def export(self) -> dict:
        """What :func:`gradref.record.export` returns, from these records."""
        from gradref import __version__
        from gradref.record import SCHEMA_VERSION

        return {
            "schema_version": SCHEMA_VERSION,
            "gradref_version": __version__,
            "identities": self.identities,
            "errata": self.erratum_records,
            "cookbook_concordance": [
                {
                    "equation": row.equation,
                    "page": row.page,
                    "status": row.status,
                    "targets": list(row.targets),
                    "reason": row.reason,
                    # a note's check counts where the note accounts for the equation
                    "check_error": None
                    if row.status in ("verified", "erratum", MISSING)
                    else self.note_errors.get(row.equation),
                }
                for row in self.concordance
            ],
        }


# -- Pages ------------------------------------------------------------------------------------------
GENERATED_NOTE = (
    "<!-- Generated by docs/_ext/gradref_catalog.py from the catalog's verified records; "
    "edit {source}. -->"
)


def _error(value) -> str:
    return "—" if value is None else f"{value:.1e}"


def _sizes(verification: dict, fixed: bool) -> str:
    if fixed:
        return "at its fixed dimension"
    sizes = ", ".join(map(str, verification["sizes"]))
    return f"at base sizes n = {sizes} (distinct dimensions get distinct sizes)"


def _source_path(qualified: str | None):
    """(path relative to a page in docs/reference/<family>/, object name) for literalinclude.

    ``gradref.identities.traces.trace_axb`` is in ``identities/traces.py``;
    ``gradref.identities.layers.normalisation.layer_norm`` in ``identities/layers/normalisation.py``.
    """
    if not qualified or "<" in qualified:
        return None
    _, _, name = qualified.partition(".identities.")
    parts = name.split(".")
    for end in range(len(parts) - 1, 0, -1):  # the longest module path that is a file
        module = "/".join(parts[:end])
        if (PACKAGE / "identities" / f"{module}.py").is_file():
            return f"../../../src/gradref/identities/{module}.py", ".".join(parts[end:])
    return None


def _code_block(title: str, qualified: str | None, function) -> list[str]:
    found = _source_path(qualified)
    if found is not None:
        path, obj = found
        return [
            f"```{{literalinclude}} {path}",
            ":language: python",
            f":pyobject: {obj}",
            f":caption: {title}: {qualified}",
            "```",
            "",
        ]
    try:  # a lambda or a nested function: its source, as inspect finds it in the module
        source = textwrap.dedent(inspect.getsource(function)).strip()
    except (OSError, TypeError):
        return []
    if getattr(function, "__name__", "") == "<lambda>":
        # inspect gives the lines that hold the lambda: `hessian=lambda A, x: A + A.T,`
        source = re.sub(r"^\w+\s*=\s*(?=lambda\b)", "", source).rstrip(",")
    return [f"```{{code-block}} python\n:caption: {title} (from its module)", source, "```", ""]


def _ref(target: str, known: set[str]) -> str:
    return f"{{ref}}`{target} <{target}>`" if target in known else f"`{target}`"


def _listed(formulas) -> list[str]:
    """``$a$``, ``$b$``, ``$c$`` as ``$a,$``, ``$b,$``, ``$c$``: the commas typeset with the
    formulas, so that a line never starts with one."""
    formulas = list(formulas)
    return [f"{f[:-1]},$" for f in formulas[:-1]] + formulas[-1:]


def identity_section(number: str, identity, record: dict, known: set[str]) -> list[str]:
    """The section of one identity, in the order its readers need it."""
    v = record["verification"]
    heading = f"{number} {record['title']}" if number else record["title"]
    lines = [f"({record['id']})=", f"## {heading}", ""]
    lines += [
        f":::{{admonition}} ✔ Verified: `{record['id']}`",
        ":class: tip verified",
        "",
        f"$${record['formula']}$$",
        "",
        *([f"with ${record['with']}$", ""] if record["with"] else []),
        *(
            # Each comma inside the formula before it: between a formula and a comma after
            # it, Chrome may break the line (a word joiner does not stop it), and start the
            # next line with the comma.
            ["where " + " ".join(_listed(f"${w}$" for w in record.get("where", ()))), ""]
            if record.get("where")
            else []
        ),
        ":::",
        "",
        f"**Holds when**: {record['assumptions']}."
        if record["assumptions"]
        else "**Holds** for all inputs of the shapes above.",
        "",
    ]
    if record["exercise"]:
        ex = record["exercise"]
        lines += [
            f"It answers exercise {{ref}}`{ex} <ex-{ex}>` of [sheet 01](../../exercises/sheet01.md).",
            "",
        ]
    lines += [
        "**numpy**: the reference implementation, shown from its module: this is the code the "
        "build verified.",
        "",
    ]
    code = record["code"]
    lines += _code_block("value", code["value"], identity.value)
    lines += _code_block(record["kind"], code["derivative"], identity.derivative)
    if callable(identity.hessian):
        lines += _code_block("Hessian", code["hessian"], identity.hessian)
    if record["derivation"]:
        lines += ["```{rubric} Derivation", "```", "", record["derivation"], ""]
    hessian = record["hessian"]
    if hessian is not None:
        hv = hessian["verification"]
        lines += [
            "```{rubric} Hessian",
            "```",
            "",
            f"$${hessian['latex']}$$",
            "",
            "Verified as the Jacobian of the gradient: "
            + (
                "the gradient does not depend on the variable, checked "
                if hessian["zero"]
                else f"{hv['method']} directional derivatives "
            )
            + f"at sizes {', '.join(map(str, hv['sizes']))}, largest relative error "
            f"**{_error(hv['max_rel_error'])}**, {hv['evaluations']} evaluations; sympy: "
            f"{hv['symbolic_entries']} second derivatives equal exactly.",
            "",
        ]
    if record["mistakes"]:
        lines += ["```{rubric} Common mistakes", "```", ""]
        for mistake in record["mistakes"]:
            if mistake.get("raises"):
                verdict = f"the code raises ({mistake['raises'].split(':')[0]})"
            elif mistake["wrong_shape"]:
                verdict = "wrong shape"
            else:
                verdict = (
                    f"relative error {_error(mistake['max_rel_error'])} measured in this build"
                )
            lines.append(f"- ${mistake['latex']}$: {mistake['why']}. *Rejected*: {verdict}.")
        lines.append("")
    conventions = record["conventions"]
    general = v["general"]
    if conventions or general:
        lines += ["```{rubric} In other conventions", "```", ""]
        names = {
            "numerator": "Numerator layout",
            "cookbook": "The Matrix Cookbook",
            "sympy": "sympy",
        }
        for key, name in names.items():
            if key in conventions:
                lines.append(f"- {name}: ${conventions[key]}$")
        if general is not None:
            if general["status"] == "agrees":
                note = f" ({general['note']})" if general["note"] else ""
                lines.append(
                    f"- sympy's matrix calculus, at general dimension: ${general['latex']}$"
                    f"{note}, which agrees."
                )
            else:
                lines.append(
                    "- sympy's matrix calculus, at general dimension: it returns "
                    f"{'$' + general['latex'] + '$' if general['latex'] else 'a result'} here, "
                    "which is wrong; it is not relied on."
                )
        lines.append("")
    if record["related"]:
        see = ", ".join(_ref(other, known) for other in record["related"])
        lines += [f"**See also**: {see}.", ""]
    sources = "; ".join(record["sources"])
    lines.append(f"**Sources**: {sources}." if sources else "**Sources**: none given.")
    if record["cookbook"]:
        eqs = ", ".join(f"{{ref}}`eq. ({eq}) <cookbook-eq-{eq}>`" for eq in record["cookbook"])
        lines.append(f"In the [Cookbook concordance](../../concordance.md): {eqs}.")
    lines.append("")
    fixed = v["fixed_dimension"]
    implementation = (
        " and the numpy code agrees with the formula"
        if v["implementation_checked"]
        else " for arbitrary differentiable functions (sympy's undefined functions)"
    )
    lines += [
        "```{rubric} Verification in this build",
        "```",
        "",
        f"- **Numerically**: {v['method']} directional derivatives {_sizes(v, fixed)}: largest "
        f"relative error **{_error(v['max_rel_error'])}**, {v['evaluations']} function "
        "evaluations.",
        f"- **Symbolically** (SymEngine, or sympy where it cannot decide): "
        f"{v['symbolic_entries']} entries equal exactly at "
        f"n = {', '.join(map(str, v['symbolic_dims']))}{implementation}.",
        _readback_line(record),
        "- **Notation and layout**: {ref}`conventions <conventions>`.",
        "",
        f'<p class="gr-cite"><a class="gr-permalink" href="../../id/{record["id"]}.html">'
        f"Link to this identity</a> (a permanent address) · Cite as: gradref {_version()}, "
        f"“{_html_text(record['title'])}”, identity <code>{record['id']}</code>.</p>",
        "",
    ]
    return lines


def _readback_line(record: dict) -> str:
    """What the read-back of the entry's displayed formulas found (gradref.readback)."""
    read = record.get("readback")
    if not read:
        return "- **Displayed formulas**: not read back."
    agreed, unread = len(read["agree"]), len(read["unreadable"])
    line = (
        f"- **Displayed formulas read back**: {agreed} of the {read['fields']} formulas on this "
        "entry (statement, Hessian, other conventions, mistakes) were read from their LaTeX and "
        "evaluated at the build's samples: each agrees with the verified code (largest relative "
        f"error **{_error(read['max_rel_error'])}**)."
    )
    if unread:
        fields = ", ".join(sorted({u["field"] for u in read["unreadable"]}))
        line += (
            f" Not read: {unread} ({fields}), for the reason listed on "
            "[How formulas are checked](../../readback.md)."
        )
    return line


@functools.cache
def _version() -> str:
    """The package's ``__version__``, read from its source: importing the package to learn
    it cost a third of a second of a build in which nothing changed."""
    found = re.search(
        r'^__version__ = "([^"]+)"$', (PACKAGE / "__init__.py").read_text(encoding="utf-8"), re.M
    )
    if found is None:
        raise ExtensionError('gradref: no __version__ = "..." line in src/gradref/__init__.py')
    return found.group(1)


def _html_text(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def topics(family: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """The family's topic pages, as its module declares them: (slug, title, ids)."""
    return importlib.import_module(f"gradref.identities.{family}").TOPICS


def _front_matter(description: str) -> list[str]:
    """MyST front matter: the page's meta description (what a shared link shows)."""
    text = re.sub(r"\s+", " ", description).strip().replace('"', "'")
    return ["---", "myst:", "  html_meta:", f'    description: "{text}"', "---", ""]


def _source_of(family: str, slug: str | None = None) -> str:
    """The file to edit for a family's page: its module, or in a package the topic's module
    (``__init__.py`` for the family's index page)."""
    if (PACKAGE / "identities" / f"{family}.py").is_file():
        return f"src/gradref/identities/{family}.py"
    module = "__init__" if slug is None else slug.replace("-", "_")
    return f"src/gradref/identities/{family}/{module}.py"


def chapter_files(records: Records) -> dict[str, str]:
    """``{"reference/<family>/<topic>": text}`` for every topic of every family, and
    ``"reference/<family>/index"``, the family's page listing its topics.

    A page's address is its family and its topic's slug (``TOPICS`` in the family's module),
    which do not change when chapters are added; each identity has, besides, the permanent
    address ``id/<identity id>.html`` (docs/_ext/gradref_addresses.py).
    """
    from gradref.catalog import FAMILIES, FAMILY_TITLES

    known = {r["id"] for r in records.identities} | {r["id"] for r in records.erratum_records}
    by_id = {
        identity.id: (identity, record)
        for identity, record in zip(records.catalog, records.identities, strict=True)
    }
    present = {identity.family for identity in records.catalog}
    files = {}
    for family in FAMILIES:
        if family not in present:
            continue
        module = importlib.import_module(f"gradref.identities.{family}")
        intro = (module.__doc__ or "").strip().splitlines()[0]
        family_title = FAMILY_TITLES[family]
        declared = [
            (slug, title, [i for i in ids if i in by_id]) for slug, title, ids in topics(family)
        ]
        declared = [(slug, title, ids) for slug, title, ids in declared if ids]
        index = [
            *_front_matter(
                f"{family_title}: verified gradients, by topic — "
                + "; ".join(title for _, title, _ in declared)
                + "."
            ),
            GENERATED_NOTE.format(source=_source_of(family)),
            "",
            f"(chapter-{family})=",
            f"# {family_title}",
            "",
            f"{intro} Its identities, by topic; each was verified by the build that made these "
            "pages, and its section says how, and with what error.",
            "",
        ]
        for slug, title, ids in declared:
            index += [f"**[{title}]({slug}.md)**", ""]
            index += [f"- {{ref}}`{by_id[i][1]['title']} <{i}>`" for i in ids]
            index.append("")
        index += ["```{toctree}", ":hidden:", "", *(slug for slug, _, _ in declared), "```", ""]
        files[f"reference/{family}/index"] = "\n".join(index)
        for slug, title, ids in declared:
            lines = [
                *_front_matter(
                    f"{title} ({family_title}): "
                    + "; ".join(by_id[i][1]["title"] for i in ids)
                    + ". Each formula verified numerically and exactly, with numpy code."
                ),
                GENERATED_NOTE.format(source=_source_of(family, slug)),
                "",
                f"(topic-{family}-{slug})=",
                f"# {title}",
                "",
                f"In [{family_title}](index.md). {intro} Shapes and layout follow the "
                "[conventions](../../conventions.md): a gradient has the shape of its variable, "
                "a Jacobian is outputs × inputs. Each statement below was verified by the build "
                "that made this page; its last paragraph says how, and with what error.",
                "",
            ]
            for identity_id in ids:
                identity, record = by_id[identity_id]
                lines += identity_section("", identity, record, known)
            files[f"reference/{family}/{slug}"] = "\n".join(lines)
    return files


def page_of(chapters: dict[str, str]) -> dict[str, str]:
    """The page (docname) that holds each identity's section."""
    found = {}
    for name, text in chapters.items():
        for label in re.findall(r"^\(([a-z]+\.[A-Za-z0-9-]+)\)=$", text, flags=re.M):
            found[label] = name
    return found


def reference_toctree(chapters: dict[str, str]) -> str:
    """The home page's table of contents of the families (each lists its topics)."""
    families = [name for name in chapters if name.endswith("/index")]
    return "\n".join(
        ["```{toctree}", ":maxdepth: 2", ":caption: Identities by topic", "", *families, "```", ""]
    )


def _html(text: str) -> str:
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def _source_keys(record: dict) -> list[str]:
    """The sources an identity cites, by their authors: what the catalog's filter offers."""
    keys = []
    for source in record["sources"]:
        key = re.sub(r"^corrected from\s+", "", source.split(",")[0]).strip()
        if key.startswith("Petersen & Pedersen"):
            key = "The Matrix Cookbook (Petersen & Pedersen)"
        if key and key not in keys:
            keys.append(key)
    return keys


KINDS = {"gradient": "Gradient", "jacobian": "Jacobian", "vjp": "Reverse-mode rule"}


def catalog_fragment(records: Records, chapters: dict[str, str]) -> str:
    """The table of all identities, with filters (family, kind, source, words) that run in
    the page (docs/_static/gradref-catalog.js): no server."""
    from gradref.catalog import FAMILIES, FAMILY_TITLES

    where = page_of(chapters)
    titles = {}
    for family in FAMILIES:
        if any(r["family"] == family for r in records.identities):
            for slug, title, _ids in topics(family):
                titles[f"reference/{family}/{slug}"] = title
    sources: dict[str, int] = {}
    for record in records.identities:
        for key in _source_keys(record):
            sources[key] = sources.get(key, 0) + 1
    options = lambda pairs: "".join(  # noqa: E731
        f'<option value="{_html(value)}">{_html(label)}</option>' for value, label in pairs
    )
    families = [
        (f, FAMILY_TITLES[f]) for f in FAMILIES if any(r["family"] == f for r in records.identities)
    ]
    kinds = [*KINDS.items(), ("hessian", "With a verified Hessian")]
    ordered_sources = sorted(sources, key=lambda k: (-sources[k], k))
    lines = [
        '<form class="gr-filter" id="gr-catalog-filter" aria-controls="gr-catalog-table">',
        '<label>Family <select name="family"><option value="">All families</option>'
        + options(families)
        + "</select></label>",
        '<label>Kind <select name="kind"><option value="">All kinds</option>'
        + options(kinds)
        + "</select></label>",
        '<label>Source <select name="source"><option value="">All sources</option>'
        + options((k, f"{k} ({sources[k]})") for k in ordered_sources)
        + "</select></label>",
        '<label>Words <input type="search" name="words" autocomplete="off" '
        'placeholder="title or id"></label>',
        f'<p class="gr-filter-count" role="status"><span>{len(records.identities)}</span> of '
        f"{len(records.identities)} identities</p>",
        "</form>",
        '<div class="gr-catalog-scroll"><table class="gr-catalog" id="gr-catalog-table">',
        '<thead><tr><th scope="col">Identity</th><th scope="col">Title</th>'
        '<th scope="col">Topic</th><th scope="col">Kind</th>'
        '<th scope="col">Largest relative error</th></tr></thead><tbody>',
    ]
    for record in records.identities:
        page = where[record["id"]]
        anchor = record["id"].lower().replace(".", "-")
        kind = KINDS[record["kind"]] + (", Hessian" if record["hessian"] else "")
        attributes = {
            "family": record["family"],
            "kind": record["kind"] + (" hessian" if record["hessian"] else ""),
            "source": "|".join(_source_keys(record)),
            "words": f"{record['id']} {record['title']}".lower(),
        }
        data = " ".join(f'data-{k}="{_html(v)}"' for k, v in attributes.items())
        lines.append(
            f'<tr {data}><td><a href="{page}.html#{anchor}"><code>{_html(record["id"])}</code></a></td>'
            f"<td>{_html(record['title'])}</td>"
            f'<td><a href="{page}.html">{_html(FAMILY_TITLES[record["family"]])} › '
            f"{_html(titles[page])}</a></td><td>{kind}</td>"
            f"<td>{_error(record['verification']['max_rel_error'])}</td></tr>"
        )
    lines += ["</tbody></table></div>", '<script src="_static/gradref-catalog.js" defer></script>']
    return "```{raw} html\n" + "\n".join(lines) + "\n```\n"


def errata_fragment(records: Records) -> str:
    if not records.erratum_records:
        return "No erratum is recorded yet.\n"
    known = {r["id"] for r in records.identities}
    lines = []
    for record in records.erratum_records:
        numbers = record["equations"]
        equations = ", ".join(f"({eq})" for eq in numbers)
        cookbook = record["source"].startswith("Petersen")
        where = "The Matrix Cookbook" if cookbook else record["source"].split(",")[0]
        if numbers:
            where += f", eq{'s' if len(numbers) > 1 else ''}. {equations}"
        printed = (
            "a wrong shape"
            if record["printed_wrong_shape"]
            else f"relative error **{_error(record['printed_error'])}**"
        )
        lines += [
            f"({record['id']})=",
            f"## {where}: {record['category']}",
            "",
            f"Printed in {record['source']}"
            + (f", equation{'s' if len(numbers) > 1 else ''} {equations}" if numbers else "")
            + ".",
            "",
            "Printed",
            f": $${record['printed']}$$",
            "",
            "Corrected",
            f": $${record['corrected']}$$",
            "",
            f"**What is wrong** ({record['category']}): {record['what']}",
            "",
            f"**Measured in this build** ({record['method']}): the printed form has {printed}; "
            f"the corrected one, relative error **{_error(record['corrected_error'])}**."
            + (
                f" The corrected formula is {_ref(record['identity'], known)}."
                if record["identity"]
                else ""
            ),
            "",
        ]
    return "\n".join(lines)


#: How the read-back names a field, by the start of its key, for the counts by field.
READBACK_FIELDS = (
    ("formula", "statements"),
    ("hessian", "Hessians"),
    ("conventions.", "other conventions' readings"),
    ("mistake-", "listed mistakes"),
    ("printed", "errata as printed"),
    ("corrected", "errata corrected"),
)


def _readback_kind(field: str) -> str:
    for prefix, name in READBACK_FIELDS:
        if field.startswith(prefix):
            return name
    return "other fields"


def readback_fragment(records: Records) -> str:
    """The counts of the read-back by field, and every formula it does not read, with why."""
    counts: dict[str, list[int]] = {name: [0, 0] for _, name in READBACK_FIELDS}
    unread: list[tuple[str, str, str, str]] = []
    for record in [*records.identities, *records.erratum_records]:
        name = record["id"]
        read = record.get("readback") or {"agree": [], "unreadable": []}
        for field in read["agree"]:
            counts.setdefault(_readback_kind(field), [0, 0])[0] += 1
        for item in read["unreadable"]:
            counts.setdefault(_readback_kind(item["field"]), [0, 0])[1] += 1
            link = f"{{ref}}`{name} <{name}>`"
            unread.append((item["reason"], link, item["field"], name))
    total_read = sum(c[0] for c in counts.values())
    total = total_read + sum(c[1] for c in counts.values())
    lines = [
        f"This build read **{total_read} of the {total} displayed formulas** "
        f"({total_read / total:.1%}) and evaluated each at the build's samples; every one "
        "of them agrees with the verified code (a disagreement stops the build).",
        "",
        "| Field | Read and agreeing | Not read |",
        "|---|---:|---:|",
    ]
    lines += [
        f"| {name} | {read} | {missed} |"
        for name, (read, missed) in counts.items()
        if read or missed
    ]
    lines += [
        "",
        "## Formulas not read",
        "",
        "Each is listed with the reason the reader gives. They are checked as every entry is "
        "(its code numerically and exactly); only the LaTeX shown for them is not tied to "
        "that code yet.",
        "",
    ]
    by_reason: dict[str, list[str]] = {}
    for reason, link, field, _name in sorted(unread, key=lambda u: (u[0], u[3], u[2])):
        by_reason.setdefault(reason, []).append(f"{link} ({field})")
    for reason, where in sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lines.append(f"- **{_reason_markup(reason)}** ({len(where)}): " + ", ".join(where) + ".")
    return "\n".join(lines) + "\n"


def _reason_markup(reason: str) -> str:
    """A read-back reason as MyST: the LaTeX it quotes (a symbol, an operator) as code."""
    head, symbol, rest = reason.partition("undefined symbol ")
    if symbol:
        return (
            f"{_reason_markup(head)}undefined symbol `{rest}`"
            if head
            else f"undefined symbol `{rest}`"
        )
    parts = re.split(r"[‘'](.+?)[’']", reason)
    return "".join(f"`{part}`" if i % 2 else _html_text(part) for i, part in enumerate(parts))


STATUS_NAMES = {
    "verified": "verified as printed",
    "erratum": "wrong as printed: an erratum",
    MISSING: "not yet accounted for",
}


def concordance_fragment(records: Records) -> str:
    from gradref.cookbook import NOTE_STATUSES

    names = {**NOTE_STATUSES, **STATUS_NAMES}
    known = {r["id"] for r in records.identities} | {r["id"] for r in records.erratum_records}
    counts: dict[str, int] = {}
    for row in records.concordance:
        counts[row.status] = counts.get(row.status, 0) + 1
    order = ["verified", "erratum", *NOTE_STATUSES, MISSING]
    lines = [
        f"{len(records.concordance)} equations:",
        "",
        *(f"- **{counts[s]}** {names[s]} (`{s}`)" for s in order if counts.get(s)),
        "",
        ":::{list-table}",
        ":header-rows: 1",
        ":widths: 8 8 24 60",
        "",
        "* - Eq.",
        "  - Page",
        "  - Status",
        "  - Accounted for by",
    ]
    for row in records.concordance:
        targets = ", ".join(_ref(t, known) for t in row.targets)
        what = "; ".join(part for part in (targets, row.reason) if part) or "—"
        if row.status == MISSING:
            what = "—"
        if row.equation in records.note_errors:
            what += f" (checked: relative error {_error(records.note_errors[row.equation])})"
        lines += [
            f"* - (cookbook-eq-{row.equation})=",
            "",
            f"    ({row.equation})",
            f"  - {row.page}",
            f"  - {names.get(row.status, row.status)}",
            f"  - {what}",
        ]
    lines += [":::", ""]
    return "\n".join(lines)


def _write(path: Path, text: str) -> bool:
    """Write ``text`` unless the file already holds it (Sphinx then leaves the page alone)."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def render(records: Records) -> dict[str, str]:
    """Every generated file, by its path under docs/."""
    chapters = chapter_files(records)
    return {
        **{f"{name}.md": text for name, text in chapters.items()},
        "_generated/catalog-table.md": catalog_fragment(records, chapters),
        "_generated/reference-toctree.md": reference_toctree(chapters),
        "_generated/errata.md": errata_fragment(records),
        "_generated/concordance.md": concordance_fragment(records),
        "_generated/readback.md": readback_fragment(records),
    }


def write_pages(files: dict[str, str]) -> list[str]:
    """Write the generated files that changed, remove stale chapters; what was written."""
    written = [name for name, text in files.items() if _write(DOCS / name, text)]
    for stale in (DOCS / "reference").rglob("*.md"):
        name = stale.relative_to(DOCS).as_posix()
        if name not in files:
            stale.unlink()
            written.append(f"{name} (removed)")
    return written


# -- Sphinx hooks ------------------------------------------------------------------------------------
def search_facts(records: Records) -> dict[str, dict[str, str]]:
    """What the search index takes from the code beside the records: each family's title,
    and per identity its topic's title and the first paragraph of its value function's
    docstring.

    Kept with the rendering's memo, so that a build in which nothing changed does not import
    the catalog for them (about 4 s of a no-change build).
    """
    from gradref.catalog import FAMILY_TITLES, get

    ids = [record["id"] for record in records.identities]
    families = {record["family"] for record in records.identities}
    return {
        "family": {family: FAMILY_TITLES[family] for family in sorted(families)},
        "topic": {
            identity_id: title
            for family in sorted(families)
            for _slug, title, members in topics(family)
            for identity_id in members
        },
        "summary": {
            identity_id: (get(identity_id).value.__doc__ or "").strip().split("\n\n")[0]
            for identity_id in ids
        },
    }


def build_key() -> str:
    """sha256 of the whole package, this file and the versions: the rendering's memo key.

    Computed without importing the package (the versions from the packages' metadata), so
    a build in which nothing changed does not pay for importing sympy.
    """
    digest = hashlib.sha256(f"{_versions()}; complete {COMPLETE_CONCORDANCE}".encode())
    for path in sorted([*PACKAGE.rglob("*.py"), Path(__file__).resolve()]):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _verify_and_write(app) -> None:
    """Verify (or take from the cache) every record, and write the pages that show them.

    When nothing under src/gradref/ changed, nor this file, nor the versions, the previous
    build's rendering is reused as a whole (``build.json``, keyed by :func:`build_key`):
    it was made from records whose keys would all match again.
    """
    key = build_key()
    memo = CACHE / "build.json"
    try:
        saved = json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = None
    if isinstance(saved, dict) and saved.get("key") == key:
        files, export, search = saved["files"], saved["export"], saved["search"]
    else:
        if str(SRC) not in sys.path:  # this checkout's package, whatever is installed
            sys.path.insert(0, str(SRC))
        records = Records()
        files, export, search = render(records), records.export(), search_facts(records)
        memo.parent.mkdir(parents=True, exist_ok=True)
        memo.write_text(
            json.dumps(
                {"key": key, "files": files, "export": export, "search": search},
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
    app.gradref_export = export
    app.gradref_build_key = key
    app.gradref_search_facts = search
    written = write_pages(files)
    logger.info(
        "gradref: %d identities, %d errata verified; pages rewritten: %s",
        len(export["identities"]),
        len(export["errata"]),
        ", ".join(written) or "none",
    )


def _write_catalog_json(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    # catalog.json is a function of the build key: when the key and the file are those an
    # earlier build wrote, it is not serialised again (a quarter second of a rebuild).
    target, stamp = Path(app.outdir) / "catalog.json", CACHE / "catalog-json.json"
    try:
        written = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        written = None
    current = hashlib.sha256(target.read_bytes()).hexdigest() if target.is_file() else None
    if written != {"key": app.gradref_build_key, "sha256": current}:
        text = json.dumps(app.gradref_export, indent=1, ensure_ascii=False) + "\n"
        _write(target, text)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(
            json.dumps(
                {
                    "key": app.gradref_build_key,
                    "sha256": hashlib.sha256(text.encode()).hexdigest(),
                }
            ),
            encoding="utf-8",
        )
    # Sphinx leaves the output of a page that no longer exists: a chapter page removed (a
    # family split or renumbered) would stay published, with old content.
    # (A redirect from an old address is written after this: docs/_ext/gradref_addresses.py.)
    outdir = Path(app.outdir)
    for page in (outdir / "reference").rglob("*.html"):
        docname = page.relative_to(outdir).with_suffix("").as_posix()
        if docname not in app.env.found_docs:
            page.unlink()
            (outdir / "_sources" / f"{docname}.md").unlink(missing_ok=True)


def setup(app):
    app.connect("builder-inited", _verify_and_write, priority=100)
    app.connect("build-finished", _write_catalog_json)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
