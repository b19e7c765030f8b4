"""Workaround: sphinxcontrib-katex (0.9.11) sometimes fails to start its render server.

On POSIX it starts node serving on a unix socket, waits until the socket *file* exists,
and connects once. Node creates the file (bind) a moment before it listens; a connection
in that moment is refused, and the build stops with ``ConnectionRefusedError`` in
``start_server_process``. On these busy 2-core machines that happened in 2 of 9 builds.
Here the connection is retried until the package's startup timeout, as the package
already does for its TCP variant (``start_network_socket``). Remove this when
sphinxcontrib-katex retries the unix socket itself.
"""

from __future__ import annotations

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


def setup(app):
    katex.KaTeXServer.start_server_process = classmethod(_start_server_process)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
