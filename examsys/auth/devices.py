"""Known devices: a signed cookie, set at a successful login, that lets that browser through a lockout.

The cookie names no account: it holds a random device id and, for each account that logged in on the
device, an HMAC of (device, account) under the app's secret key, which nobody can make without the key.
It travels only to /login (its path), is HttpOnly and, in production, Secure."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

COOKIE = "examsys_device"
SALT = "examsys-known-device"
MAX_AGE_DAYS = 365
MAX_ACCOUNTS = 20  # a shared PC (an exam hall's) remembers the last this many accounts


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)  # type: ignore[arg-type]


def _tag(device_id: str, user_id: int) -> str:
    key = str(current_app.secret_key).encode()
    return hmac.new(key, f"{SALT}:{device_id}:{user_id}".encode(), hashlib.sha256).hexdigest()[:24]


@dataclass(frozen=True)
class LoginClient:
    """Who is trying to log in: the client address, and the device cookie it sent (if any, and valid)."""

    address: str
    device_id: str | None = None
    tags: tuple[str, ...] = ()

    def knows(self, user_id: int) -> bool:
        """Whether this browser has logged in to the account before."""
        return self.device_id is not None and any(hmac.compare_digest(tag, _tag(self.device_id, user_id)) for tag in self.tags)

    def key(self, user_id: int) -> str:
        """What failed logins of the account are counted against: the known device, else the address."""
        return f"device:{self.device_id}" if self.knows(user_id) else f"address:{self.address}"[:80]


def login_client(request: Any) -> LoginClient:
    """The client of a login request (a missing, altered or expired cookie counts as none)."""
    address = request.remote_addr or ""
    value = request.cookies.get(COOKIE)
    if not value:
        return LoginClient(address)
    try:
        data = _serializer().loads(value, max_age=MAX_AGE_DAYS * 86400)
    except BadData:
        return LoginClient(address)
    if not isinstance(data, dict) or not isinstance(data.get("d"), str) or not isinstance(data.get("t"), list):
        return LoginClient(address)
    return LoginClient(address, data["d"], tuple(str(tag) for tag in data["t"][:MAX_ACCOUNTS]))


def remember(response: Any, client: LoginClient, user_id: int) -> None:
    """Mark the browser as a known device of the account (after a successful login)."""
    device_id = client.device_id or secrets.token_urlsafe(16)
    tag = _tag(device_id, user_id)
    tags = [tag] + [t for t in client.tags if t != tag][:MAX_ACCOUNTS - 1]
    config = current_app.config
    response.set_cookie(COOKIE, _serializer().dumps({"d": device_id, "t": tags}), max_age=MAX_AGE_DAYS * 86400, path="/login",
                        secure=config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
