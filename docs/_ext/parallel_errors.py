"""Workaround: a page that fails in a parallel build must fail the build (Sphinx 9.0.4).

Sphinx runs each chunk of pages of a parallel read or write (``-j N``) in a forked process
and collects its result in ``ParallelTasks._join_one``, which raises the chunk's exception.
But when it is called from ``ParallelTasks.add_task`` (while the next chunk is being
handed over), ``add_task`` catches that exception, terminates the other chunks and goes
on: the build then reports success with the failed chunk's pages, and those of the chunks
it stopped, missing from the site. (Found when a formula that KaTeX rejects was written by
a parallel writer: 21 pages absent, "build succeeded".)

- ``add_task`` is replaced by the same method that raises the exception after stopping
  the other chunks, as ``join`` already does.
- ``_every_page_written`` (build-finished): every page Sphinx knows has its HTML file, a
  last check that no other path loses pages silently.

Remove the first when Sphinx re-raises in ``add_task``.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from sphinx.errors import SphinxError
from sphinx.util import parallel


def _add_task(self, task_func, arg=None, result_func=None) -> None:
    # sphinx.util.parallel.ParallelTasks.add_task (9.0.4), re-raising the failure
    tid = self._taskid
    self._taskid += 1
    self._result_funcs[tid] = result_func or (lambda arg, result: None)
    self._args[tid] = arg
    precv, psend = multiprocessing.Pipe(False)
    context = multiprocessing.get_context("fork")
    proc = context.Process(target=self._process, args=(psend, task_func, arg))
    self._procs[tid] = proc
    self._precvs_waiting[tid] = precv
    try:
        self._join_one()
    except Exception:
        self.terminate()
        raise


def _every_page_written(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    missing = sorted(
        name
        for name in app.env.found_docs
        if not Path(app.outdir, app.builder.get_target_uri(name)).is_file()
    )
    if missing:
        raise SphinxError(f"pages found but not written: {', '.join(missing)}")


def setup(app):
    parallel.ParallelTasks.add_task = _add_task
    app.connect("build-finished", _every_page_written)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
