"""The docs build's per-identity cache keys (one identity's edit re-verifies it alone), the
order in which a parallel build reads its pages and the chunks it writes them in, and the
downloadable notebooks' outputs (the same from one build to the next)."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs" / "_ext"))

from gradref_execution import SLOW_PAGE, spread
from gradref_slices import module_slices, slice_digest, slice_files

MODULE = """
import numpy as np

from gradref.catalog import Identity, register

SCALE = 2.0


def _helper(x):
    return SCALE * x


def value_a(x):
    return _helper(x) @ x


def value_b(x):
    return x @ x


register(Identity(id="f.a", value=value_a))
register(Identity(id="f.b", value=value_b))
"""


def _digests(tmp_path: Path, text: str) -> dict[str, bytes]:
    path = tmp_path / f"module_{len(text)}_{abs(hash(text))}.py"
    path.write_text(text)
    return {name: slice_digest(path, name) for name in ("f.a", "f.b")}


def test_editing_one_registration_changes_its_digest_only(tmp_path):
    before = _digests(tmp_path, MODULE)
    after = _digests(
        tmp_path, MODULE.replace('id="f.b", value=value_b', 'id="f.b",  value=value_b')
    )
    assert after["f.b"] != before["f.b"]
    assert after["f.a"] == before["f.a"]


def test_a_helper_reached_by_name_is_in_the_digest_of_those_that_reach_it(tmp_path):
    before = _digests(tmp_path, MODULE)
    helper = _digests(tmp_path, MODULE.replace("return SCALE * x", "return 3 * SCALE * x"))
    assert helper["f.a"] != before["f.a"]
    assert helper["f.b"] == before["f.b"]
    constant = _digests(tmp_path, MODULE.replace("SCALE = 2.0", "SCALE = 2.5"))
    assert constant["f.a"] != before["f.a"]
    function = _digests(tmp_path, MODULE.replace("return x @ x", "return 2 * x @ x"))
    assert function["f.b"] != before["f.b"]
    assert function["f.a"] == before["f.a"]


def test_module_context_is_in_every_digest(tmp_path):
    before = _digests(tmp_path, MODULE)
    after = _digests(tmp_path, MODULE.replace("import numpy as np", "import numpy as np  # np"))
    assert all(after[k] != before[k] for k in before)


def test_gradref_imports_are_found(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(MODULE)
    statements, imported, private = module_slices(path)
    assert len(statements) == 8
    assert any(p.name == "catalog.py" for p in imported)
    assert private == {}


# A family package: two topic modules and the helpers they share (``_common``). The
# package's name starts with "gradref", as the gradref modules whose imports are followed.
COMMON = """
import numpy as np

from gradref.catalog import register

SCALE = 2.0


def _shared(x):
    return SCALE * x


def _only_b(x):
    return x + 1
"""

TOPIC_A = """
from gradref.catalog import Identity, register
from {package}._common import _shared


def value_a(x):
    return _shared(x) @ x


register(Identity(id="f.a", value=value_a))
"""

TOPIC_B = """
from gradref.catalog import Identity, register
from {package}._common import _only_b as shifted


def value_b(x):
    return shifted(x) @ x


def value_c(x):
    return x @ x


register(Identity(id="f.b", value=value_b))
register(Identity(id="f.c", value=value_c))
"""

_VARIANTS = itertools.count()


def _package_digests(tmp_path: Path, monkeypatch, common=COMMON, a=TOPIC_A, b=TOPIC_B):
    # A fresh folder each time (module_slices caches by path), the package under one name.
    package = "gradref_fixture"
    folder = tmp_path / f"variant{next(_VARIANTS)}" / package
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "_common.py").write_text(common)
    (folder / "a.py").write_text(a.format(package=package))
    (folder / "b.py").write_text(b.format(package=package))
    for name in [m for m in sys.modules if m.split(".")[0] == package]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.syspath_prepend(str(folder.parent))
    digests = {"f.a": slice_digest(folder / "a.py", "f.a")}
    digests |= {name: slice_digest(folder / "b.py", name) for name in ("f.b", "f.c")}
    return digests, folder


def test_a_shared_helper_is_in_the_digest_of_the_identities_that_reach_it_only(
    tmp_path, monkeypatch
):
    before, folder = _package_digests(tmp_path, monkeypatch)
    assert {p.name for p in slice_files(folder / "a.py")} == {"catalog.py"}  # _common: sliced
    shared, _ = _package_digests(
        tmp_path, monkeypatch, common=COMMON.replace("SCALE * x", "3 * SCALE * x")
    )
    assert shared["f.a"] != before["f.a"]
    assert shared["f.b"] == before["f.b"]
    assert shared["f.c"] == before["f.c"]
    only_b, _ = _package_digests(tmp_path, monkeypatch, common=COMMON.replace("x + 1", "x + 2"))
    assert only_b["f.b"] != before["f.b"]  # reached through its alias, `shifted`
    assert only_b["f.a"] == before["f.a"]
    assert only_b["f.c"] == before["f.c"]
    context, _ = _package_digests(
        tmp_path, monkeypatch, common=COMMON.replace("import numpy as np", "import numpy")
    )
    assert context["f.a"] != before["f.a"]
    assert context["f.b"] != before["f.b"]
    assert context["f.c"] == before["f.c"]  # imports nothing from _common


def test_editing_one_identity_of_a_topic_module_changes_its_digest_only(tmp_path, monkeypatch):
    before, _ = _package_digests(tmp_path, monkeypatch)
    after, _ = _package_digests(
        tmp_path, monkeypatch, b=TOPIC_B.replace("return x @ x", "return 2 * x @ x")
    )
    assert after["f.c"] != before["f.c"]
    assert after["f.a"] == before["f.a"]
    assert after["f.b"] == before["f.b"]


def test_slow_pages_are_spread_over_the_chunks_a_parallel_build_reads():
    names = [f"page{i:02d}" for i in range(20)]
    slow = {"page00", "page01", "page02", "page03", "page04"}  # consecutive, as sorted names are
    sizes = [6, 6, 6, 2]
    order = spread(names, slow, sizes)
    assert sorted(order) == names  # every page read once
    chunks, start = [], 0
    for size in sizes:
        chunks.append(order[start : start + size])
        start += size
    per_chunk = [len(slow.intersection(chunk)) for chunk in chunks]
    assert per_chunk == [2, 1, 1, 1]  # in name order, all five were in the first chunk


def test_the_slow_pages_are_the_executed_ones_and_the_api_page():
    docs = Path(__file__).resolve().parent.parent / "docs"
    slow = {
        path.relative_to(docs).with_suffix("").as_posix()
        for path in docs.rglob("*.md")
        if "_build" not in path.parts and SLOW_PAGE.search(path.read_text(encoding="utf-8"))
    }
    assert {"api", "guide", "exercises/sheet01", "conventions", "backprop"} <= slow
    assert not any(name.startswith("reference/") for name in slow)


def test_a_name_a_package_re_exports_brings_in_its_own_module_only(tmp_path, monkeypatch):
    # Another family imports a helper that the package re-exports from its _common: an edit
    # to one of the package's topic modules must not change that family's keys.
    _, folder = _package_digests(tmp_path, monkeypatch)
    package = folder.name
    (folder / "__init__.py").write_text(
        f"from {package} import a\nfrom {package} import b\n"
        f"from {package}._common import _shared\n\nALSO = 1\n"
    )
    user = folder.parent / "user.py"
    user.write_text(f"from {package} import _shared\nfrom {package} import ALSO\n")
    assert {p.name for p in slice_files(user)} == {"__init__.py", "_common.py", "a.py", "b.py"}
    user = folder.parent / "user_of_shared.py"
    user.write_text(f"from {package} import _shared\n")
    assert {p.name for p in slice_files(user)} == {"__init__.py", "_common.py"}


def test_parallel_writing_cuts_small_chunks_first_and_last_and_keeps_sphinx_s_size_between():
    from gradref_chunks import chunk_size, tapered_chunks

    pages = [f"page{i}" for i in range(161)]
    chunks = tapered_chunks(pages, 3)
    assert [name for chunk in chunks for name in chunk] == pages  # every page, in order
    sizes = [len(chunk) for chunk in chunks]
    assert chunk_size(161, 3) == 23  # Sphinx's make_chunks: int(sqrt(161 / 3 * 10))
    assert sizes[:4] == [2, 4, 8, 16]
    assert sizes[-4:] == [16, 8, 4, 2]
    assert max(sizes) == 23
    assert [len(c) for c in tapered_chunks(pages[:10], 3)] == [2, 3, 3, 2]
    # too few pages for a taper: Sphinx's own cut
    assert tapered_chunks(pages[:4], 3) == [[name] for name in pages[:4]]
    assert tapered_chunks(pages[:1], 3) == [pages[:1]]


def test_a_notebook_s_printed_text_is_one_output_however_the_kernel_flushed_it():
    from gradref_reproducible import merged_streams

    def stream(name, text):
        return {"output_type": "stream", "name": name, "text": text}

    result = {"output_type": "execute_result", "data": {"text/plain": "1"}}
    outputs = [stream("stdout", "a = 1\n"), stream("stdout", "b"), stream("stdout", " = 2\n"),
               stream("stderr", "warning\n"), result, stream("stdout", "c\n")]  # fmt: skip
    assert merged_streams(outputs) == [
        stream("stdout", "a = 1\nb = 2\n"), stream("stderr", "warning\n"), result,
        stream("stdout", "c\n"),
    ]  # fmt: skip
    # one line in two pieces and in one are the same notebook
    assert merged_streams([stream("stdout", "x\n"), stream("stdout", "\n")]) == merged_streams(
        [stream("stdout", "x\n\n")]
    )


def test_a_memo_is_empty_when_missing_or_unreadable_and_written_only_when_changed(tmp_path):
    from gradref_reproducible import load_memo, save_memo

    path = tmp_path / "folder" / "memo.json"
    assert load_memo(path) == {}
    save_memo(path, {"a": [1, 2]}, {}, sort_keys=True)
    assert load_memo(path) == {"a": [1, 2]}
    stamp = path.stat().st_mtime_ns
    path.touch()  # a write would change the text; an unchanged memo is not written at all
    touched = path.stat().st_mtime_ns
    save_memo(path, {"a": [1, 2]}, {"a": [1, 2]})
    assert path.stat().st_mtime_ns == touched >= stamp
    for text in ("not json", "[1, 2]"):
        path.write_text(text)
        assert load_memo(path) == {}
