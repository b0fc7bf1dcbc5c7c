"""The gunicorn worker: uvicorn's, with a drain before a graceful stop.

On SIGTERM the worker first turns `/ready` to 503 and keeps serving for
`GUNICORN_DRAIN_SECONDS` (default 5), so a load balancer that polls readiness stops routing
to it before it stops accepting; then uvicorn's graceful shutdown lets in-flight requests
finish. A second SIGTERM, SIGINT or SIGQUIT stops at once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from types import FrameType

from gunicorn.arbiter import Arbiter
from uvicorn.server import Server
from uvicorn_worker import UvicornWorker

DRAINING = threading.Event()
DRAIN_SECONDS_VARIABLE = "GUNICORN_DRAIN_SECONDS"
DEFAULT_DRAIN_SECONDS = 5.0


class DrainingServer(Server):
    """A uvicorn server whose first SIGTERM starts a drain instead of the shutdown."""

    drain_seconds = DEFAULT_DRAIN_SECONDS

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig != signal.SIGTERM or DRAINING.is_set() or self.drain_seconds <= 0:
            super().handle_exit(sig, frame)
            return
        DRAINING.set()
        # A signal handler may interrupt the loop anywhere: hand over through the thread-safe
        # queue, the one entry point that tolerates it.
        loop = asyncio.get_running_loop()
        stop = super().handle_exit
        loop.call_soon_threadsafe(loop.call_later, self.drain_seconds, stop, sig, frame)


class DrainingUvicornWorker(UvicornWorker):
    """gunicorn's worker class for Armature (`_DOCKER/gunicorn.conf.py`)."""

    async def _serve(self) -> None:
        self.config.app = self.wsgi
        server = DrainingServer(config=self.config)
        server.drain_seconds = float(os.environ.get(DRAIN_SECONDS_VARIABLE, DEFAULT_DRAIN_SECONDS))
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
