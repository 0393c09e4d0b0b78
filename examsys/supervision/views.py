"""The supervision pages: the dashboard and the list behind each of its figures."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from examsys.db import get_session
from examsys.pagination import paginate
from examsys.supervision import figures

bp = Blueprint("supervision", __name__, url_prefix="/supervision")


@bp.get("/")
@login_required
def dashboard():
    counts, staffing = figures.dashboard(get_session(), current_user)
    return render_template("supervision/dashboard.html", counts=counts, staffing=staffing, figures=figures.FIGURES)


@bp.get("/list/<key>")
@login_required
def figure_list(key: str):
    db = get_session()
    figure, query = figures.figure_list(db, current_user, key)
    page = paginate(db, query, current_app.config["PAGE_SIZE"], rows=figure.kind == "pair")
    return render_template("supervision/list.html", figure=figure, page=page)
