"""The answer save, served before Flask's request machinery when nothing about it is unusual.

Every candidate's page saves several answers a minute; in a region-wide sitting that is a thousand saves
a second. Flask's per-request work around the save (request and app objects, the session, CSRF and
limiter hooks, header objects) cost more CPU than the save itself. This WSGI layer makes the same checks
as the full path on the same data — the signed session cookie and its idle expiry, the absolute session
limit, the CSRF token, the device token in the session, the attempt's owner, status, deadline and item —
and answers a plain save itself. Anything else is handed to Flask untouched (the body given back as it
came): no or a bad cookie, a session due for renewal or not yet permanent, a CSRF failure, a body that is
not a small JSON object or one holding text no database stores, and every save the service refuses, which Flask then refuses with its message
in the candidate's language. So the lean path never decides a refusal, it only skips work when all is well.
It is installed on PostgreSQL, where a save is one statement (saving.save_if_plain); on SQLite (development
and the demo) every save goes through Flask.
"""
from __future__ import annotations

import hmac
import io
import json
import re
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.http import parse_cookie

from examsys.db import engine_for
from examsys.exams import saving
from examsys.input_guard import has_unstorable
from examsys.web import COOKIE_REFRESH_SECONDS, security_headers, session_expired

SAVE_PATH = re.compile(r"/exams/attempt/([0-9]{1,18})/save\Z")
MAX_BODY = 64 * 1024  # a case-analysis answer of 10,000 characters, escaped, fits

StartResponse = Callable[..., Any]


class LeanSave:
    """WSGI middleware in front of the Flask app's own `wsgi_app` (installed by `install`)."""

    def __init__(self, app: Flask, wsgi_app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.engine = engine_for(app)
        self._signers: dict[tuple[str, Any], URLSafeTimedSerializer] = {}

    def _signer(self, kind: str, key: Any) -> URLSafeTimedSerializer:
        """The session's or the CSRF tokens' serializer, made once per key (making one costs a trial dump)."""
        if (kind, key) not in self._signers:
            if kind == "session":
                serializer = self.app.session_interface.get_signing_serializer(self.app)  # type: ignore[attr-defined]
            else:
                serializer = URLSafeTimedSerializer(key, salt="wtf-csrf-token")
            self._signers[(kind, key)] = serializer
        return self._signers[(kind, key)]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST":
            match = SAVE_PATH.match(environ.get("PATH_INFO", ""))
            if match is not None:
                answered = self.try_save(environ, int(match.group(1)))
                if answered is not None:
                    start_response("200 OK", self._headers(len(answered)))
                    return [answered]
        return self.wsgi_app(environ, start_response)

    def try_save(self, environ: dict[str, Any], attempt_id: int) -> bytes | None:
        """The JSON body of the answer to a plain save, or None for Flask to serve the request. Reads
        the body, and puts it back for Flask when it declines."""
        body = _read_body(environ, min(MAX_BODY, self.app.config["MAX_CONTENT_LENGTH"] or MAX_BODY))
        if body is None:
            return None
        session = self._session(environ)
        if session is None or not self._csrf_ok(environ, session):
            return None
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or has_unstorable(data):  # Flask refuses it (input_guard)
                return None
            position, seq = int(data.get("position", -1)), int(data.get("seq", 0))
        except (ValueError, TypeError, RecursionError):
            return None
        token = (session.get("exam_tokens") or {}).get(str(attempt_id))
        try:
            result = saving.save_if_plain(self.engine, session["_user_id"], attempt_id, token, position, data.get("response"), seq,
                                            flagged=data.get("flagged"))
        except Exception:  # noqa: BLE001 - whatever failed, Flask runs the save again and handles the error
            return None
        if result is None:
            return None
        answer = {"saved": result.saved, "saved_at": result.saved_at.isoformat(), "seq": result.seq}
        return json.dumps(answer, separators=(",", ":")).encode() + b"\n"

    def _session(self, environ: dict[str, Any]) -> dict[str, Any] | None:
        """The session when it is a logged-in, permanent one within both expiries and not due for a
        new cookie (Flask's turn: see web.CookielessAwareSessions); else None."""
        app = self.app
        value = parse_cookie(environ.get("HTTP_COOKIE", "")).get(app.config["SESSION_COOKIE_NAME"])
        serializer = self._signer("session", (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ())))
        if not value or serializer is None:
            return None
        try:
            data, signed_at = serializer.loads(value, max_age=int(app.permanent_session_lifetime.total_seconds()), return_timestamp=True)
        except BadData:
            return None
        if not isinstance(data, dict) or not data.get("_permanent") or not data.get("_user_id"):
            return None
        if time.time() - signed_at.timestamp() >= COOKIE_REFRESH_SECONDS:
            return None
        if session_expired(data, app.config):
            return None
        return data

    def _csrf_ok(self, environ: dict[str, Any], session: dict[str, Any]) -> bool:
        """Flask-WTF's check of a JSON POST, on its settings: the header token is the session's, signed."""
        config = self.app.config
        if not config["WTF_CSRF_ENABLED"] or not config["WTF_CSRF_CHECK_DEFAULT"] or "POST" not in config["WTF_CSRF_METHODS"]:
            return True
        given = None
        for name in config["WTF_CSRF_HEADERS"]:
            given = environ.get("HTTP_" + name.upper().replace("-", "_"))
            if given:
                break
        expected = session.get(config["WTF_CSRF_FIELD_NAME"])
        if not given or not isinstance(expected, str):
            return False
        signer = self._signer("csrf", config.get("WTF_CSRF_SECRET_KEY") or self.app.secret_key)
        try:
            token = signer.loads(given, max_age=config["WTF_CSRF_TIME_LIMIT"])
        except BadData:
            return False
        if not isinstance(token, str) or not hmac.compare_digest(expected, token):
            return False
        if environ.get("wsgi.url_scheme") == "https" and config["WTF_CSRF_SSL_STRICT"]:
            referrer, host = urlsplit(environ.get("HTTP_REFERER", "")), environ.get("HTTP_HOST", "")
            return referrer.scheme == "https" and referrer.netloc == host and bool(host)
        return True

    def _headers(self, length: int) -> list[tuple[str, str]]:
        return [("Content-Type", "application/json"), ("Content-Length", str(length)), ("Vary", "Cookie"),
                *security_headers(self.app), ("Cache-Control", "no-store")]


def _read_body(environ: dict[str, Any], limit: int) -> bytes | None:
    """A JSON body of at most `limit` bytes, read and put back as `wsgi.input` for Flask; None (and
    untouched) otherwise."""
    if environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower() != "application/json":
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        return None
    if not 0 <= length <= limit:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def install(app: Flask) -> None:
    """Put the lean path in front of the app, on PostgreSQL (on SQLite it would only ever hand over)."""
    if app.config["LEAN_SAVE"] and engine_for(app).dialect.name == "postgresql":
        app.wsgi_app = LeanSave(app, app.wsgi_app)  # type: ignore[method-assign]
