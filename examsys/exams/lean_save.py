"""The answer save, served before Flask's request handling when nothing about it is unusual.

Every candidate's page saves several answers a minute; in a region-wide sitting that is a thousand saves
a second. Flask's per-request work around the save (the before- and after-request hooks of every
extension, the view's response object, the session saved again) cost more CPU than the save itself. This
WSGI layer opens the session through the app's own session interface, applies the session rules of
web.session_login and Flask-WTF's own token check (flask_wtf.csrf.validate_csrf, with protect's
referrer rule over HTTPS), and answers a plain save itself with the one writer of exams.saving, whose statement also requires the session's login
id to be the account's current one and checks the attempt's owner, status, deadline, device and item.
Anything else is handed to Flask untouched (the body given back as it came): no or a bad cookie, a
session due for renewal or not yet permanent, a CSRF failure, a body that is not a small JSON object or
one holding text no database stores, and every save the writer does not keep, which Flask then refuses
with its message in the candidate's language. So the lean path never decides a refusal, it only skips
work when all is well.
"""
from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Request
from flask.globals import _cv_request
from flask_wtf import csrf as flask_wtf_csrf
from flask_wtf.csrf import CSRFError
from wtforms import ValidationError

from examsys.db import engine_for
from examsys.exams import saving
from examsys.input_guard import has_unstorable
from examsys.web import COOKIE_REFRESH_SECONDS, security_headers, session_login

SAVE_PATH = re.compile(r"/exams/attempt/([0-9]{1,18})/save\Z")
MAX_BODY = 64 * 1024  # a case-analysis answer of 10,000 characters, escaped, fits

StartResponse = Callable[..., Any]


class LeanSave:
    """WSGI middleware in front of the Flask app's own `wsgi_app` (installed by `install`)."""

    def __init__(self, app: Flask, wsgi_app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.engine = engine_for(app)

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
        app = self.app
        try:
            request = app.request_class(environ)
            session = app.session_interface.open_session(app, request)
            if session is None:
                return None
            login_id = self._login_id(session)
            if login_id is None:
                return None
            with app.app_context():
                if not _csrf_ok(app, request, session):
                    return None
            return self._save(session, login_id, body, attempt_id)
        finally:
            environ["wsgi.input"] = io.BytesIO(body)

    def _save(self, session: Any, login_id: str, body: bytes, attempt_id: int) -> bytes | None:
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or has_unstorable(data):  # Flask refuses it (input_guard)
                return None
            position, seq = int(data.get("position", -1)), int(data.get("seq", 0))
        except (ValueError, TypeError, RecursionError):
            return None
        token = (session.get("exam_tokens") or {}).get(str(attempt_id))
        try:
            result = saving.save_if_plain(self.engine, login_id, attempt_id, token, position, data.get("response"), seq,
                                          flagged=data.get("flagged"))
        except Exception:  # noqa: BLE001 - whatever failed, Flask runs the save again and handles the error
            return None
        if result is None:
            return None
        answer = {"saved": result.saved, "saved_at": result.saved_at.isoformat(), "seq": result.seq}
        return json.dumps(answer, separators=(",", ":")).encode() + b"\n"

    def _login_id(self, session: Any) -> str | None:
        """The session's login id under the session rules, when the session is a permanent one not due
        for a new cookie (renewing it is Flask's turn: see web.CookielessAwareSessions); else None."""
        if not session.permanent:
            return None
        signed_at = getattr(session, "signed_at", None)
        if signed_at is None or time.time() - signed_at >= COOKIE_REFRESH_SECONDS:
            return None
        return session_login(session, self.app.config)

    def _headers(self, length: int) -> list[tuple[str, str]]:
        return [("Content-Type", "application/json"), ("Content-Length", str(length)), ("Vary", "Cookie"),
                *security_headers(self.app), ("Cache-Control", "no-store")]


class _SaveContext:
    """What Flask's `request` and `session` proxies read from a request context, for Flask-WTF's check.

    A full RequestContext would also build a URL adapter, match the route, run the teardown hooks and
    push its own app context: about half the lean save's own CPU. The app context (current_app, g) is
    Flask's own, pushed by the caller; only the request's context variable gets this stand-in, and only
    while the check runs. (Flask binds its `request`/`session` proxies to `flask.globals._cv_request` since
    2.3; should that change, the import above fails loudly in every test.)"""

    __slots__ = ("request", "session")

    def __init__(self, request: Request, session: Any) -> None:
        self.request = request
        self.session = session


def _csrf_ok(app: Flask, request: Request, session: Any) -> bool:
    """Flask-WTF's own check of this request (CSRFProtect.protect without the route's exemptions): the
    token from the configured headers (a JSON body has no form fields) validated by
    flask_wtf.csrf.validate_csrf against the session, and over HTTPS, with WTF_CSRF_SSL_STRICT, a
    referrer of this site. Needs Flask's app context."""
    config = app.config
    if not config["WTF_CSRF_ENABLED"] or not config["WTF_CSRF_CHECK_DEFAULT"] or request.method not in config["WTF_CSRF_METHODS"]:
        return True
    given = next((value for value in (request.headers.get(name) for name in config["WTF_CSRF_HEADERS"]) if value), None)
    pushed = _cv_request.set(_SaveContext(request, session))  # type: ignore[arg-type]
    try:
        flask_wtf_csrf.validate_csrf(given)  # looked up on the module: Flask-WTF's check as it is at the time
    except (ValidationError, CSRFError):
        return False
    finally:
        _cv_request.reset(pushed)
    if request.is_secure and config["WTF_CSRF_SSL_STRICT"]:
        return bool(request.referrer) and flask_wtf_csrf.same_origin(request.referrer, f"https://{request.host}/")
    return True


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
    """Put the lean path in front of the app (on PostgreSQL its writer is one statement; on SQLite, in
    development, the demo and the tests, the same rules in two)."""
    if app.config["LEAN_SAVE"]:
        app.wsgi_app = LeanSave(app, app.wsgi_app)  # type: ignore[method-assign]
