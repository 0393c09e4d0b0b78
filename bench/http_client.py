"""A lean HTTP/1.1 client on asyncio streams, for load generators that share the server's cores.

The benchmarks run the server, the database and the load generator on one 2-core machine; a general
client (httpx) spent about as much CPU per request as the server did, so the generator, not the server,
set the pace. This one does only what the benchmarks need: keep-alive connections from a pool, a
request with its own headers (no cookie jar: each simulated user carries their own cookie), and a
response read by Content-Length or chunks."""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]  # names in lower case, in the order sent
    body: bytes

    def header(self, name: str, default: str = "") -> str:
        return next((value for key, value in self.headers if key == name), default)

    def headers_named(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class ServerClosed(ConnectionError):
    """The server closed the connection before answering."""


class Client:
    # gunicorn closes a keep-alive connection after 2 idle seconds: drop ours after 1, so that a request
    # is never sent on a connection the server is closing.
    IDLE_SECONDS = 1.0

    def __init__(self, host: str, port: int, connections: int = 64, timeout: float = 120) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self.gate = asyncio.Semaphore(connections)

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return await self.request("GET", path, headers)

    async def post_form(self, path: str, form: dict[str, str], headers: dict[str, str] | None = None) -> Response:
        body = urlencode(form).encode()
        return await self.request("POST", path, dict(headers or {}, **{"Content-Type": "application/x-www-form-urlencoded"}), body)

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"") -> Response:
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        message = head.encode("latin-1") + b"\r\n" + body
        async with self.gate:
            reader, writer, reused = await self._connection()
            try:
                writer.write(message)
                response = await asyncio.wait_for(self._read(reader), self.timeout)
            except (ServerClosed, ConnectionResetError, BrokenPipeError):
                writer.close()
                if not reused:
                    raise
                # a kept connection closed under us before any answer: the request was not handled
                reader, writer, _ = await self._connection(fresh=True)
                writer.write(message)
                response = await asyncio.wait_for(self._read(reader), self.timeout)
            except BaseException:
                writer.close()
                raise
            if response.header("connection").lower() == "close":
                writer.close()
            else:
                self.idle.append((reader, writer, time.monotonic()))
            return response

    async def close(self) -> None:
        for _reader, writer, _at in self.idle:
            writer.close()
        self.idle.clear()

    async def _connection(self, fresh: bool = False) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        now = time.monotonic()
        while self.idle and not fresh:
            reader, writer, at = self.idle.pop()
            if now - at < self.IDLE_SECONDS and not reader.at_eof():
                return reader, writer, True
            writer.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return reader, writer, False

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> Response:
        try:
            status_line = await reader.readuntil(b"\r\n")
        except asyncio.IncompleteReadError as error:
            raise ServerClosed("closed before the status line") from error
        status = int(status_line.split(b" ", 2)[1])
        block = await reader.readuntil(b"\r\n\r\n")
        headers = []
        for line in block.decode("latin-1").split("\r\n"):
            if line:
                name, _, value = line.partition(":")
                headers.append((name.strip().lower(), value.strip()))
        lookup = dict(headers)
        if lookup.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            body = b"".join(parts)
        else:
            body = await reader.readexactly(int(lookup.get("content-length", "0")))
        return Response(status, headers, body)
