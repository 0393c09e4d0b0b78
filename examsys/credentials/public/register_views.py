"""The public register page (公示): no login, no cookie, rate limited per client address."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from examsys.credentials.public.register import MAX_QUERY, search
from examsys.db import get_session
from examsys.web import address_limit, cookieless

bp = Blueprint("register", __name__)


@bp.get("/public-register")
@cookieless  # first, so that even a refusal (429) sets no cookie
@address_limit("REGISTER_RATE_LIMIT", "60 per minute")  # its refusal is the cheap constant one
def index():
    """Every officer whose credential is in force, a page at a time; the search narrows it."""
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    page = search(get_session(), query, current_app.config["PAGE_SIZE"])
    response = Response(render_template("credentials/register.html", page=page, query=query))
    response.headers["Cache-Control"] = "no-store"  # a revocation must leave the register at once
    return response
