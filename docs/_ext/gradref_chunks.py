"""Parallel writing that starts and ends with small chunks of pages.

In a parallel build, Sphinx's main process prepares each chunk of pages (it resolves their
references) before it hands the chunk to a writing process, and chunks are of one size (23
pages of 162 at ``-j 3``). So for the time the main process prepares the first chunk, about
3 s of a cold build, one core writes nothing; and the last chunk, handed out last, is
written while the other processes have finished.

Here the chunks grow from two pages to Sphinx's size, and shrink again at the end: a
writing process starts after two pages are prepared, and the last ones finish close
together. Only the cut changes: the pages, their order and what is written are Sphinx's.
The reading phase keeps Sphinx's chunks (its processes start at once, and
docs/_ext/gradref_execution.py spreads the slow pages over them).
"""

from __future__ import annotations

import math


def chunk_size(count: int, nproc: int, maxbatch: int = 10) -> int:
    """The size of Sphinx's chunks (``sphinx.util.parallel.make_chunks``, Sphinx 8 and 9)."""
    size = count // nproc
    if size >= maxbatch:
        size = int(math.sqrt(count / nproc * maxbatch))
    return max(size, 1)


def tapered_chunks(arguments, nproc: int, maxbatch: int = 10) -> list:
    """``arguments`` cut in order: 2, 4, 8 ... up to Sphinx's chunk size, Sphinx's size,
    then halving down to 2 again (Sphinx's cut where there are too few for that)."""
    size = chunk_size(len(arguments), nproc, maxbatch)
    plain = [arguments[start : start + size] for start in range(0, len(arguments), size)]
    ramp = []
    step = 2
    while step < size:
        ramp.append(step)
        step *= 2
    if 2 * sum(ramp) >= len(arguments):  # too few pages for a taper
        return plain
    sizes = ramp + list(reversed(ramp))
    rest = len(arguments) - sum(sizes)
    middle = [size] * (rest // size) + ([rest % size] if rest % size else [])
    sizes = ramp + middle + list(reversed(ramp))
    chunks, start = [], 0
    for count in sizes:
        chunks.append(arguments[start : start + count])
        start += count
    return chunks


def _tapered_writes(app) -> None:
    import sphinx.builders
    from sphinx.util.parallel import make_chunks

    builder = app.builder
    write_parallel = getattr(builder, "_write_parallel", None)
    if write_parallel is None:
        return

    def write(docnames, nproc):
        # Sphinx's _write_parallel cuts with the module's make_chunks: this one, meanwhile.
        sphinx.builders.make_chunks = tapered_chunks
        try:
            return write_parallel(docnames, nproc)
        finally:
            sphinx.builders.make_chunks = make_chunks

    builder._write_parallel = write


def setup(app):
    app.connect("builder-inited", _tapered_writes)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
