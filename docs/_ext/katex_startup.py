"""Workarounds: sphinxcontrib-katex's (0.9.11) render server, started reliably and shared by forks.

1. Start-up. On POSIX it starts node serving on a unix socket, waits until the socket *file* exists,
and connects once. Node creates the file (bind) a moment before it listens; a connection
in that moment is refused, and the build stops with ``ConnectionRefusedError`` in
``start_server_process``. On these busy 2-core machines that happened in 2 of 9 builds.
Here the connection is retried until the package's startup timeout, as the package
already does for its TCP variant (``start_network_socket``). Remove this when
sphinxcontrib-katex retries the unix socket itself.

2. Parallel writing. The package keeps one server, with one connection, per Python process;
a page written by a forked process (``sphinx-build -j N``) would share the parent's
connection, and two processes' requests and answers would interleave on it. A process that
finds the server started by another one opens a connection of its own to it (the node
server answers each connection separately). The main process starts the server as soon as
it resolves a page to write (``doctree-resolved``), before any writer is forked: a server
started by a forked writer would be left running if Sphinx stopped that writer (it stops
the others when one fails). A build that writes no page starts none. Remove this when
sphinxcontrib-katex keeps a connection per process.
"""

from __future__ import annotations

import multiprocessing.util
import os
import socket
import time
from subprocess import PIPE, Popen

from sphinxcontrib import katex


def _start_server_process(cls, rundir, timeout):
    socket_path = rundir / "katex.sock"
    process = Popen(cls.build_command(socket=socket_path), stdin=PIPE, stdout=PIPE, cwd=rundir)
    start = time.monotonic()
    while True:
        remaining = start + timeout - time.monotonic()
        if remaining <= 0:
            raise cls.timeout_error(timeout)
        if not socket_path.is_socket():
            time.sleep(0.001)
            continue
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with katex.socket_timeout(sock, remaining):
                sock.connect(str(socket_path))
        except ConnectionRefusedError:  # bound, not yet listening: try again
            sock.close()
            time.sleep(0.001)
        except TimeoutError:
            sock.close()
            raise cls.timeout_error(timeout) from None
        else:
            return process, sock


def _get(cls):
    """The render server, through a connection of this process's own."""
    server = cls.katex_server
    if server is None:  # the first formula of this process (and of its parent)
        server = cls.katex_server = cls.start()
        server.gradref_pid = os.getpid()
        if os.getpid() != _MAIN_PID:  # not expected (see the module); atexit would not run
            multiprocessing.util.Finalize(server, server.terminate, exitpriority=10)
    elif server.gradref_pid != os.getpid():  # inherited from the parent: its own connection
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(str(server.rundir / "katex.sock"))
        server = cls.katex_server = cls(server.rundir, server.process, sock)
        server.gradref_pid = os.getpid()
    return server


_MAIN_PID = os.getpid()


def _start_before_forking(app, doctree, docname) -> None:
    if os.getpid() == _MAIN_PID and app.builder.format == "html" and app.config.katex_prerender:
        katex.KaTeXServer.get()


def setup(app):
    katex.KaTeXServer.start_server_process = classmethod(_start_server_process)
    katex.KaTeXServer.get = classmethod(_get)
    app.connect("doctree-resolved", _start_before_forking)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
