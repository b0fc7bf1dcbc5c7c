"""A TCP proxy for tests that can cut the line, to simulate an outage of a real server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import TracebackType

logger = logging.getLogger(__name__)

_CHUNK = 64 * 1024


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `target_host`:`target_port` until `cut`."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._pipes: set[asyncio.Task[None]] = set()
        self.port = 0

    async def start(self) -> None:
        """Listen on a free port (kept across `cut` and `restore`)."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Reset every open connection and refuse new ones until `restore`."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()
        for writer in list(self._writers):
            writer.transport.abort()
        if self._pipes:
            await asyncio.gather(*self._pipes, return_exceptions=True)

    async def restore(self) -> None:
        """Accept connections again, on the same port."""
        if self._server is None:
            await self.start()

    async def close(self) -> None:
        """Cut for good."""
        await self.cut()

    async def __aenter__(self) -> TcpProxy:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def _accept(
        self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        try:
            server_reader, server = await asyncio.open_connection(*self._target)
        except OSError:
            logger.warning("proxy could not reach %s:%d", *self._target)
            client.transport.abort()
            return
        self._writers |= {client, server}
        for reader, writer in ((client_reader, server), (server_reader, client)):
            pipe = asyncio.create_task(self._pipe(reader, writer))
            self._pipes.add(pipe)
            pipe.add_done_callback(self._pipes.discard)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Either side closing or resetting ends the pipe and closes the other side too.
        try:
            with contextlib.suppress(ConnectionError, OSError):
                while chunk := await reader.read(_CHUNK):
                    writer.write(chunk)
                    await writer.drain()
        finally:
            writer.transport.abort()
            self._writers.discard(writer)
