"""The supervision pages: the dashboard and the list behind each of its figures."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from examsys.db import get_session
from examsys.orgs.models import OrgKind
from examsys.pagination import paginate
from examsys.supervision import exam_stats, figures

bp = Blueprint("supervision", __name__, url_prefix="/supervision")


@bp.get("/")
@login_required
def dashboard():
    counts, staffing = figures.dashboard(get_session(), current_user)
    return render_template("supervision/dashboard.html", counts=counts, staffing=staffing, figures=figures.FIGURES)


@bp.get(f"/list/<any({', '.join(figures.FIGURES)}):key>")
@login_required
def figure_list(key: str):
    db = get_session()
    figure, query = figures.figure_list(db, current_user, key)
    page = paginate(db, query, current_app.config["PAGE_SIZE"], rows=figure.kind == "pair")
    return render_template("supervision/list.html", figure=figure, page=page)


@bp.get("/exams")
@login_required
def exams():
    db = get_session()
    counts = exam_stats.distribution(db, current_user)
    return render_template("supervision/exams.html", total=exam_stats.totals(db, current_user), years=exam_stats.by_year(db, current_user),
                           leagues=exam_stats.by_org(db, current_user, OrgKind.LEAGUE),
                           counties=exam_stats.by_org(db, current_user, OrgKind.COUNTY),
                           domains=exam_stats.by_domain(db, current_user), resits=exam_stats.resits(db, current_user),
                           plans=exam_stats.by_plan(db, current_user), counts=counts, labels=exam_stats.band_labels(),
                           chart=exam_stats.chart(counts))


@bp.get("/exams/<int:plan_id>")
@login_required
def exam_plan(plan_id: int):
    db = get_session()
    plan = exam_stats.visible_plan(db, current_user, plan_id)
    counts = exam_stats.distribution(db, current_user, plan.id)
    return render_template("supervision/exam_plan.html", plan=plan, total=exam_stats.totals(db, current_user, plan.id),
                           counts=counts, labels=exam_stats.band_labels(), chart=exam_stats.chart(counts),
                           reliability=exam_stats.reliability(db, plan.id))
