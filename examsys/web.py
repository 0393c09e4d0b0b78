"""Request-wide behaviour: locale choice, login loading, session expiry, security headers, template helpers."""
from __future__ import annotations

import enum
import time
from datetime import datetime
from functools import lru_cache, wraps
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from itsdangerous import BadSignature
from limits import parse_many
from markupsafe import Markup, escape

from examsys import clock
from examsys.db import get_session
from examsys.extensions import limiter, login_manager

# Mongolian in the traditional script: "mn" alone, the script (Mong) or China; not mn-MN or mn-Cyrl, whose
# readers write Cyrillic (their browsers then get the next language they ask for).
LOCALE_ALIASES = {"zh": "zh_Hans_CN", "zh-cn": "zh_Hans_CN", "zh-hans": "zh_Hans_CN", "zh-hans-cn": "zh_Hans_CN",
                  "zh_hans_cn": "zh_Hans_CN", "zh-sg": "zh_Hans_CN", "en": "en", "en-us": "en", "en-gb": "en",
                  "mn": "mn_Mong_CN", "mn-mong": "mn_Mong_CN", "mn-cn": "mn_Mong_CN", "mn-mong-cn": "mn_Mong_CN",
                  "mn_mong_cn": "mn_Mong_CN", "mn_mong": "mn_Mong_CN", "mn_cn": "mn_Mong_CN"}

# What each interface language is called in the switch (in itself), and its BCP 47 tag for lang="".
LANGUAGE_NAMES = {"mn_Mong_CN": "ᠮᠣᠩᠭᠣᠯ", "zh_Hans_CN": "中文", "en": "English"}
LANGUAGE_TAGS = {"mn_Mong_CN": "mn-Mong-CN", "zh_Hans_CN": "zh-CN", "en": "en"}
MONGOLIAN = "mn_Mong_CN"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def language_tag() -> str:
    """The page's language as a BCP 47 tag, for <html lang>."""
    return LANGUAGE_TAGS.get(str(get_locale()), "zh-CN")


def _has_mongolian(text: str) -> bool:
    return any("\u1800" <= ch <= "\u18af" for ch in text)


def mong(text: Any) -> Any:
    """A text in the Mongolian script, in a span marked lang="mn-Mong" that app.css sets vertically; any
    other text (Chinese, where the catalog falls back to it; English) as it is. A translated message is
    Markup already (its variables escaped): it is not escaped again."""
    if text is None or not _has_mongolian(str(text)):
        return text
    return Markup(f'<span class="mong" lang="mn-Mong">{escape(text)}</span>')


def unbroken(text: Any) -> Any:
    """A date or number that must not break in the middle: in a Mongolian sentence set in vertical columns (the
    `mong` filter) the browser would otherwise break "2026-12-06 08:01" at its hyphens and space, across columns.
    Other languages get the text as it is."""
    if text is None or str(get_locale()) != "mn_Mong_CN":
        return text
    return str(text).replace("-", "\u2011").replace(" ", "\u00a0")


def public_lang() -> str | None:
    """The language a public page was asked for by its switch (?lang=), to carry over to its links."""
    asked = request.args.get("lang") if has_request_context() else None
    return asked if asked in current_app.config["LANGUAGES"] else None


# The arguments of a public page that its language switch keeps (the register's search and page); nothing
# else of the address is copied into the links (the verify page is cached per token and language).
SWITCH_KEEPS = ("q", "page")


def switch_url(code: str) -> str:
    """The address of this public page in the language `code`."""
    kept = {name: request.args[name] for name in SWITCH_KEEPS if request.args.get(name)}
    return url_for(request.endpoint or "register.index", **(request.view_args or {}), **kept, lang=code)


def enum_or_none(enum_cls: type[enum.Enum], value: str | None) -> Any:
    """A filter value from the query string as the enum member, or None when empty or unknown."""
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


def select_locale() -> str:
    """The page's switch on a public page (?lang=, which sets no cookie) → user setting → the language
    chosen in this session → Accept-Language → Chinese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if g.get("cookieless"):
        asked = request.args.get("lang")
        if asked in languages:
            return asked
    # Only a logged-in session loads the user: asking flask-login on a public page would write to the session.
    user_locale = getattr(current_user, "locale", None) if "_user_id" in session and current_user.is_authenticated else None
    if user_locale in languages:
        return user_locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    for value, _quality in request.accept_languages:
        mapped = LOCALE_ALIASES.get(value.lower())
        if mapped in languages:
            return mapped
    return current_app.config["BABEL_DEFAULT_LOCALE"]


# Endpoints on the exam room's hot path: they check the session themselves and never load the user as
# an ORM object (see exams.views.save), renew the session cookie only now and then, and carry no rate
# limit, so the limiter does not look for one (give such an endpoint a limit and take it out of here).
LEAN_ENDPOINTS = frozenset({"exams.save"})


@limiter.request_filter
def lean_request() -> bool:
    return request.endpoint in LEAN_ENDPOINTS


def session_login(data: Any, config: Any) -> str | None:
    """The session rules, in the one form both paths apply (enforce_session_rules here, the exam room's
    lean save in exams.lean_save): the login id a session stands for when it is logged in and within its
    absolute limit since login (or None). That login id counts only while it is its account's current
    one (`auth.services.current_account`: load_user here, the save statement there), so logout, a password change or
    disabling the account ends every copy of the session at once on both paths."""
    login_id = data.get("_user_id")
    if not login_id or not isinstance(login_id, str) or session_expired(data, config):
        return None
    return login_id


def session_expired(data: Any, config: Any) -> bool:
    """Whether a session is past its absolute limit (or never recorded when it began)."""
    started = data.get("login_at")
    if isinstance(started, bool) or not isinstance(started, (int, float)):
        return True
    return clock.now().timestamp() - started > config["SESSION_ABSOLUTE_HOURS"] * 3600


@login_manager.user_loader
def load_user(login_id: str):
    from examsys.auth.services import signed_in_account

    return signed_in_account(get_session(), login_id)


# An unchanged session's cookie, which slides the idle expiry, is signed again at most this often, not
# on every request (signing and sending it is a good part of a small request's cost: the exam room's
# pages and answer saves come several a minute from every candidate).
COOKIE_REFRESH_SECONDS = 60


class CookielessAwareSessions(SecureCookieSessionInterface):
    """The signed-cookie sessions, except on views marked @cookieless (public verification), which
    never set a cookie whatever the visitor's browser sends; an unchanged session's cookie is renewed only
    when it is older than COOKIE_REFRESH_SECONDS."""

    _serializers: dict[tuple[Any, ...], Any]

    def get_signing_serializer(self, app: Flask) -> Any:
        """Flask's serializer, made once per key (making one costs a trial dump, a good part of opening a
        small request's session)."""
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cache = self.__dict__.setdefault("_serializers", {})
        if key not in cache:
            cache[key] = super().get_signing_serializer(app)
        return cache[key]

    def open_session(self, app: Flask, request: Any) -> Any:
        """As Flask's, keeping when the cookie was signed."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            data, signed_at = serializer.loads(value, max_age=int(app.permanent_session_lifetime.total_seconds()), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at.timestamp()
        return session

    def should_set_cookie(self, app: Flask, session: Any) -> bool:
        if g.get("cookieless"):
            return False
        if not session.modified and session.permanent:
            signed_at = getattr(session, "signed_at", None)
            return signed_at is None or time.time() - signed_at >= COOKIE_REFRESH_SECONDS
        return super().should_set_cookie(app, session)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if g.get("cookieless"):
            return
        super().save_session(app, session, response)


def security_headers(app: Flask) -> list[tuple[str, str]]:
    """The headers every response carries (a view may set its own instead)."""
    headers = [("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
               ("Referrer-Policy", "same-origin"), ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
               ("Cross-Origin-Opener-Policy", "same-origin")]
    if app.config["ENV_NAME"] == "production":
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return headers


@lru_cache(maxsize=64)
def _limits(text: str) -> tuple[Any, ...]:
    return tuple(parse_many(text))


# A refusal must cost less than the answer it refuses, or a flood is cheaper to send than to turn away:
# a constant body in every interface language, no template, no translation, no database
# (bench/refusal_cost.py); the Mongolian line is the catalog's words for the same message.
TOO_MANY_BODY = ("429 Too many requests from this address. Wait a moment and try again.\n"
                 "429 此地址的请求过于频繁，请稍后再试。\n"
                 "429 ᠡᠨᠡ ᠬᠠᠶᠢᠭ\u180eᠠ\u202fᠠᠴᠠ ᠭᠤᠶᠤᠯᠲᠠ ᠬᠡᠲᠦᠷᠬᠡᠢ ᠣᠯᠠᠨ ᠢᠷᠡᠪᠡ᠃ ᠲᠦᠷ ᠬᠦᠯᠢᠶᠡᠭᠡᠳ ᠳᠠᠬᠢᠨ ᠣᠷᠣᠯᠳᠤᠨ\u180eᠠ ᠤᠤ᠃\n").encode()


# The same under /api/, as the problem details (RFC 9457) that every error there is.
TOO_MANY_PROBLEM = ('{"type": "about:blank", "title": "Too many requests", "status": 429, '
                    '"detail": "Too many requests from this address. Wait a moment and try again. 此地址的请求过于频繁，请稍后再试。"}'
                    ).encode()


def too_many_requests(retry_after: int) -> Response:
    """The 429 of the address limits: the cheapest answer the app gives."""
    if request.path.startswith("/api/"):
        return Response(TOO_MANY_PROBLEM, status=429, mimetype="application/problem+json",
                        headers={"Retry-After": str(retry_after), "Cache-Control": "no-store"})
    return Response(TOO_MANY_BODY, status=429, mimetype="text/plain",
                    headers={"Retry-After": str(retry_after), "Cache-Control": "no-store"})


def address_limit(setting: str, default: str, methods: tuple[str, ...] = ("GET", "HEAD", "POST")) -> Any:
    """Limit a view per client address to the limit named by config `setting`, counted in the rate-limit
    store (memory, or Redis shared by all nodes). The same fixed windows as `limiter.limit`, without
    flask-limiter's per-request bookkeeping (about 0.25 ms; this costs a few µs): for the hottest public
    pages, whose throughput is a target (bench/verify_load)."""
    def decorator(view: Any) -> Any:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if limiter.enabled and request.method in methods:
                strategy = limiter.limiter
                address = request.remote_addr or "unknown"
                for item in _limits(current_app.config.get(setting, default)):
                    if not strategy.hit(item, "examsys-address", request.endpoint or "", address):
                        return too_many_requests(item.get_expiry())
            return view(*args, **kwargs)
        return wrapper
    return decorator


def cookieless(view: Any) -> Any:
    """Mark a view as public: its responses set no cookie."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.cookieless = True
        return view(*args, **kwargs)
    return wrapper


def init_app(app: Flask) -> None:
    from examsys.auth import two_factor

    app.session_interface = CookielessAwareSessions()
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @app.before_request
    def enforce_session_rules():
        if "_user_id" not in session:
            return None
        if session_login(session, app.config) is None:
            logout_user()
            session.clear()
            return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
        if not session.permanent:  # setting it again would mark the session changed on every request
            session.permanent = True
        if request.endpoint in LEAN_ENDPOINTS:  # they check their caller themselves, without loading the user
            return None
        if not current_user.is_authenticated:
            return None
        allowed = {"auth.change_password", "auth.logout", "core.set_language", "static"}
        if current_user.must_change_password and request.endpoint not in allowed:
            return redirect(url_for("auth.change_password"))
        if request.endpoint not in allowed | {"auth.two_factor_page", "auth.two_factor_start"} and two_factor.enrolment_due(current_user):
            return redirect(url_for("auth.two_factor_page"))
        return None

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        for name, value in security_headers(app):
            headers.setdefault(name, value)
        if "_user_id" in session:  # logged in: keep pages out of shared caches (without loading the user)
            headers.setdefault("Cache-Control", "no-store")
        return response

    @app.context_processor
    def template_helpers() -> dict[str, Any]:
        from examsys.nav import current, navigation

        return {"nav_items": navigation, "nav_current": current, "current_locale": lambda: str(get_locale()), "now": clock.now,
                "language_names": LANGUAGE_NAMES, "language_tag": language_tag,
                "language_tag_of": lambda code: LANGUAGE_TAGS.get(code, code), "mong": mong, "public_lang": public_lang,
                "switch_url": switch_url}

    from examsys.audit.details import describe
    from examsys.audit.labels import action_label, actor_label, address_label, target_label

    app.add_template_filter(mong, "mong")
    app.add_template_filter(unbroken, "unbroken")
    app.add_template_filter(action_label, "action_label")
    app.add_template_filter(target_label, "target_label")
    app.add_template_filter(actor_label, "actor_label")
    app.add_template_filter(address_label, "address_label")

    @app.template_global("audit_changes")
    def audit_changes(entry: Any) -> list[Any]:
        """An audit entry's recorded fields in words ("field: before → after")."""
        return describe(get_session(), entry.target_type, entry.before, entry.after)

    @app.template_filter("localtime")
    def localtime(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
        if value is None:
            return ""
        return format_datetime(clock.local(value), fmt)  # the region's wall clock (config TIMEZONE)

    app.add_template_filter(clock.local_date, "local_date")  # the day in law of an instant (a date stays itself)
