"""Sending one webhook: the signature, and a POST that cannot be turned against the internal network.

Signature: `X-Examsys-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the subscription's
secret>` (docs/api.md shows how a receiver checks it). The request: http or https only, the host resolved
once and every address checked (no loopback, private, link-local or reserved address unless
`WEBHOOK_ALLOW_PRIVATE`), the connection made to the checked address (a second look-up cannot swap it),
`WEBHOOK_TIMEOUT_SECONDS` for connecting and for each read, and no redirect followed (http.client never does)."""
from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit


def signature(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class Refused(Exception):
    """The address may not be called (scheme, host or a private address)."""


@dataclass(frozen=True)
class Outcome:
    status: int | None  # the HTTP status, or None when no answer came
    error: str  # "" on a 2xx

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def check_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path and query) of an http(s) URL, or Refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise Refused("only http:// and https:// addresses without user names are allowed")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("the port is not a number") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def _address(host: str, port: int, allow_private: bool) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise Refused(f"the host name does not resolve ({error.strerror})") from None
    addresses = [str(info[4][0]) for info in infos]
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not allow_private and not ip.is_global:
            raise Refused(f"{address} is a private, loopback or reserved address")
    return addresses[0]


class _Pinned(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def failure(error: BaseException) -> str:
    """What went wrong with a request, in plain words (the delivery log shows them translated; see FAILURES)."""
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError | socket.timeout):
        return "no answer in time"
    if isinstance(error, ssl.SSLCertVerificationError):
        return "certificate not accepted"
    if isinstance(error, ssl.SSLError):
        return "secure connection failed"
    if isinstance(error, ConnectionResetError | BrokenPipeError | http.client.RemoteDisconnected):
        return "connection closed by the receiver"
    if isinstance(error, http.client.HTTPException):
        return "the answer could not be read"
    return f"could not connect ({getattr(error, 'strerror', None) or type(error).__name__})"[:300]


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float, allow_private: bool) -> Outcome:
    try:
        scheme, host, port, path = check_url(url)
        address = _address(host, port, allow_private)
    except Refused as refused:
        return Outcome(None, f"refused: {refused}")
    connection = (_PinnedTLS if scheme == "https" else _Pinned)(host, port, address, timeout)
    try:
        connection.request("POST", path, body=body, headers={**headers, "Content-Type": "application/json",
                                                             "User-Agent": "examsys-webhooks/1"})
        response = connection.getresponse()
        response.read(4096)
        status = response.status
    except (OSError, http.client.HTTPException) as error:
        return Outcome(None, failure(error))
    finally:
        connection.close()
    if 200 <= status < 300:
        return Outcome(status, "")
    if 300 <= status < 400:
        return Outcome(status, "redirects are not followed")
    return Outcome(status, f"HTTP {status}")
