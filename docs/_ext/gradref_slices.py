"""Which part of an identities module one registration depends on (for cache keys).

No Sphinx here, so the tests can check it: :func:`slice_digest` hashes, for one
``register(...)`` call (found by its ``id="..."``), its own statement, every top-level
statement that is neither a definition nor another registration (imports, constants), and
every definition reachable from those by name, transitively. Editing one identity changes
that identity's digest only; editing a helper changes the digest of every identity that
reaches it.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from pathlib import Path

__all__ = ["module_slices", "slice_digest"]


def _imported_modules(tree: ast.Module) -> set[Path]:
    """Files of the gradref modules a module imports from (``from gradref.x import y``)."""
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gradref"):
            spec = importlib.util.find_spec(node.module)
            if spec is not None and spec.origin and spec.origin.endswith(".py"):
                found.add(Path(spec.origin).resolve())
    return found


def _registered_id(node: ast.stmt) -> str | None:
    """The ``id="..."`` given in a top-level ``register(...)``-like call, if any."""
    if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
        return None
    for inner in ast.walk(node):
        if (
            isinstance(inner, ast.keyword)
            and inner.arg == "id"
            and isinstance(inner.value, ast.Constant)
            and isinstance(inner.value.value, str)
        ):
            return inner.value.value
    return None


_SLICES: dict[Path, tuple] = {}


def module_slices(path: Path):
    """Each top-level statement of a module: its source text, the names it defines and uses,
    and the id it registers (for a ``register(...)`` call)."""
    if path not in _SLICES:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        lines = source.splitlines(keepends=True)
        statements = []
        for node in tree.body:
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            text = "".join(lines[first - 1 : node.end_lineno])
            defines = set()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defines.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                defines |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            uses = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            statements.append((text, defines, uses, _registered_id(node), node))
        _SLICES[path] = (statements, _imported_modules(tree))
    return _SLICES[path]


def slice_digest(path: Path, registered: str) -> bytes:
    """What of ``path`` one registration depends on: its own statement, every statement that
    is neither a definition nor another registration (imports, module constants, notes),
    and, transitively, every definition whose name those use. Other identities' statements
    and their own functions are left out, so editing one identity leaves the others' keys
    unchanged; anything it may reach by name is in."""
    statements, _ = module_slices(path)
    keep = set()
    for index, (_, defines, _, registers, node) in enumerate(statements):
        definition = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or (
            defines and not registers
        )
        if registers == registered or (registers is None and not definition):
            keep.add(index)
    names = set().union(*(statements[i][2] for i in keep)) if keep else set()
    changed = True
    while changed:
        changed = False
        for index, (_, defines, uses, registers, _) in enumerate(statements):
            if index not in keep and registers is None and defines & names:
                keep.add(index)
                names |= uses
                changed = True
    digest = hashlib.sha256(registered.encode() + b"\0")
    for index in sorted(keep):
        digest.update(statements[index][0].encode())
    return digest.digest()
