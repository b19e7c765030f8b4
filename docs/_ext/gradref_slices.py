"""Which part of an identities module one registration depends on (for cache keys).

No Sphinx here, so the tests can check it: :func:`slice_digest` hashes, for one
``register(...)`` call (found by its ``id="..."``), its own statement, every top-level
statement that is neither a definition nor another registration (imports, constants), and
every definition reachable from those by name, transitively. Editing one identity changes
that identity's digest only; editing a helper changes the digest of every identity that
reaches it.

A family with more than one topic page is a package, one module per topic
(``identities/<family>/<topic>.py``), with the helpers its topics share in a private
module (``identities/<family>/_common.py``). A name imported from such a private module of
the same package is followed into it like a name of the module itself: only the
definitions it reaches are in the digest, so editing a shared helper changes the digests
of the identities that reach it, not those of the whole family. Any other gradref module
imported from is a whole-file dependency (:func:`module_slices`), a package with every file
in it (whatever its names come from).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
from pathlib import Path

__all__ = ["family_files", "module_slices", "resolved", "slice_digest", "slice_files"]


@functools.cache
def resolved(path) -> Path:
    """``Path(path).resolve()``, remembered: the keys of a build resolve the same few hundred
    paths some 17,000 times (a second of an edited identity's build)."""
    return Path(path).resolve()


def family_files(identities: Path, family: str) -> list[Path]:
    """The source files of a family: ``<family>.py``, or every module of its package."""
    single = identities / f"{family}.py"
    return [single] if single.is_file() else sorted((identities / family).rglob("*.py"))


def _is_private_sibling(origin: Path, path: Path) -> bool:
    """Whether ``origin`` is a private module (``_common.py``) of the package of ``path``."""
    return (
        origin.parent == path.parent
        and origin.name.startswith("_")
        and origin.name != "__init__.py"
        and origin != path
    )


def _submodule_file(package: str, name: str) -> Path | None:
    spec = importlib.util.find_spec(f"{package}.{name}")
    return resolved(spec.origin) if spec and spec.origin else None


def _package_names_files(package: str, name: str, init: Path) -> set[Path]:
    """The files behind ``from package import name``: the submodule ``name``; or the
    package's ``__init__.py`` with the module it imports ``name`` from by name
    (``from package._common import name``); or, for a name it does not import so, the
    ``__init__.py`` with every module of the package it imports from (a name re-exported
    there may come from any of them)."""
    submodule = _submodule_file(package, name)
    if submodule is not None:
        return {submodule}
    body = ast.parse(init.read_text(encoding="utf-8")).body
    for node in body:
        if (
            isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith(f"{package}.")
            and any((alias.asname or alias.name) == name for alias in node.names)
        ):
            spec = importlib.util.find_spec(node.module)
            if spec is not None and spec.origin and spec.origin.endswith(".py"):
                return {init, resolved(spec.origin)}
    found = {init}
    for node in body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(package):
            if node.module == package:
                found |= {_submodule_file(package, alias.name) for alias in node.names} - {None}
            else:
                spec = importlib.util.find_spec(node.module)
                if spec is not None and spec.origin and spec.origin.endswith(".py"):
                    found.add(resolved(spec.origin))
    return found


def _imported_modules(tree: ast.Module, path: Path) -> tuple[set[Path], dict[Path, dict]]:
    """The gradref modules a module imports from (``from gradref.x import y``): the files
    it depends on whole, and the private modules of its own package, each with the names
    imported from it (``{local name: name there}``), to be followed by name."""
    whole, private = set(), {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gradref"):
            spec = importlib.util.find_spec(node.module)
            if spec is None or not spec.origin or not spec.origin.endswith(".py"):
                continue
            origin = resolved(spec.origin)
            if spec.submodule_search_locations:  # a package: its modules, or what it re-exports
                for alias in node.names:
                    whole |= _package_names_files(node.module, alias.name, origin)
            elif _is_private_sibling(origin, path):
                names = private.setdefault(origin, {})
                names |= {alias.asname or alias.name: alias.name for alias in node.names}
            else:
                whole.add(origin)
    return whole, private


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
    and the id it registers (for a ``register(...)`` call); the gradref modules it depends
    on whole; the private modules of its package it imports names from (see
    :func:`_imported_modules`)."""
    path = resolved(path)
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
        _SLICES[path] = (statements, *_imported_modules(tree, path))
    return _SLICES[path]


def _reached(path: Path, keep: set[int], names: set[str]) -> set[int]:
    """``keep`` and, transitively, every definition of ``path`` whose name those use."""
    statements = module_slices(path)[0]
    keep = set(keep)
    names = names | (set().union(*(statements[i][2] for i in keep)) if keep else set())
    changed = True
    while changed:
        changed = False
        for index, (_, defines, uses, registers, _) in enumerate(statements):
            if index not in keep and registers is None and defines & names:
                keep.add(index)
                names |= uses
                changed = True
    return keep


def _context(path: Path) -> set[int]:
    """The statements of ``path`` that are neither a definition nor a registration
    (imports, module-level code): every digest that reads ``path`` has them."""
    keep = set()
    for index, (_, defines, _, registers, node) in enumerate(module_slices(path)[0]):
        definition = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or (
            defines and not registers
        )
        if registers is None and not definition:
            keep.add(index)
    return keep


def slice_digest(path: Path, registered: str) -> bytes:
    """What of ``path`` one registration depends on: its own statement, every statement that
    is neither a definition nor another registration (imports, module constants, notes),
    and, transitively, every definition whose name those use. Other identities' statements
    and their own functions are left out, so editing one identity leaves the others' keys
    unchanged; anything it may reach by name is in, including what it reaches in the
    private modules of its package (``_common.py``) that it imports names from."""
    path = resolved(path)
    statements = module_slices(path)[0]
    own = {i for i, statement in enumerate(statements) if statement[3] == registered}
    digest = hashlib.sha256(registered.encode() + b"\0")
    pending, done = [(path, own | _context(path), set())], {}
    while pending:
        current, keep, names = pending.pop()
        keep = _reached(current, keep | done.get(current, set()), names)
        if keep == done.get(current):
            continue
        done[current] = keep
        current_statements = module_slices(current)[0]
        used = set().union(*(current_statements[i][2] for i in keep)) if keep else set()
        for private, imported in module_slices(current)[2].items():
            wanted = {imported[local] for local in used if local in imported}
            if wanted:
                pending.append((private, _context(private), wanted))
    for current in sorted(done):
        if current != path:
            digest.update(b"\0" + current.name.encode() + b"\0")
        for index in sorted(done[current]):
            digest.update(module_slices(current)[0][index][0].encode())
    return digest.digest()


def slice_files(path: Path) -> set[Path]:
    """The files a registration in ``path`` depends on whole: the gradref modules that
    ``path`` and the private modules it follows by name (:func:`slice_digest`) import from."""
    path = resolved(path)
    found, pending, seen = set(), [path], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        _, whole, private = module_slices(current)
        found |= whole
        pending += list(private)
    return found - seen
