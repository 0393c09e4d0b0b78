"""Home page by role, the language switch and a health check."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from examsys.db import get_session
from examsys.extensions import csrf

bp = Blueprint("core", __name__)


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site paths: an open redirect would let a phishing link borrow our domain."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


@bp.get("/")
@login_required
def home():
    from examsys import clock
    from examsys.core.todo import todos
    from examsys.exams.room import my_attempts

    db = get_session()
    open_exams = [a for a in my_attempts(db, current_user) if not a.finished and a.plan.is_running()]
    db.commit()  # my_attempts submits any attempt past its deadline
    return render_template("core/home.html", roles=sorted(current_user.roles(), key=lambda r: r.value),
                           grants=sorted(current_user.grants, key=lambda g: (g.role.value, g.org.path)), open_exams=open_exams,
                           todos=todos(db, current_user), now=clock.now())


@bp.post("/language")
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            get_session().commit()
    return redirect(safe_next(request.form.get("next"), url_for("core.home")))


@bp.get("/healthz")
@csrf.exempt
def health():
    return {"status": "ok"}
