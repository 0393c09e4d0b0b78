"""The supervision pages: the dashboard and the list behind each figure, exam statistics, the annual report (page,
workbook, PDF, recording) and the monthly trends."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from examsys import charts, clock
from examsys.db import get_session
from examsys.imports.tabular import XLSX_MIMETYPE
from examsys.orgs.models import OrgKind
from examsys.pagination import paginate
from examsys.supervision import annual, exam_stats, figures, report_files, trends

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
                           above_leagues=exam_stats.above(db, current_user, OrgKind.LEAGUE),
                           above_counties=exam_stats.above(db, current_user, OrgKind.COUNTY),
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


@bp.get("/annual")
@login_required
def annual_index():
    """Choose a year and a subtree; the choice opens the report."""
    db = get_session()
    orgs = annual.choices(db, current_user)
    year, org_id = request.args.get("year", type=int), request.args.get("org_id", type=int)
    if year is not None and org_id is not None:
        return redirect(url_for("supervision.annual_report", year=year, org_id=org_id))
    return render_template("supervision/annual_index.html", orgs=orgs, years=annual.report_years())


@bp.get("/annual/<int:year>/<int:org_id>")
@login_required
def annual_report(year: int, org_id: int):
    db = get_session()
    root, figures_, digest = annual.report(db, current_user, year, org_id)
    drawn = {s.key: charts.svg(d, str(s.title)) for s in annual.SECTIONS if (d := report_files.section_chart(s, figures_["tables"][s.key]))}
    return render_template("supervision/annual.html", root=root, year=year, figures=figures_, digest=digest, sections=annual.SECTIONS,
                           rows=report_files.table_rows, charts=drawn, recorded=annual.recorded(db, root, year), computed_at=clock.now())


@bp.post("/annual/<int:year>/<int:org_id>/record")
@login_required
def annual_record(year: int, org_id: int):
    annual.record(get_session(), current_user, year, org_id)
    flash(_("The report is recorded with its figures, the time and their digest."), "success")
    return redirect(url_for("supervision.annual_report", year=year, org_id=org_id))


@bp.get("/annual/<int:year>/<int:org_id>/xlsx")
@login_required
def annual_xlsx(year: int, org_id: int):
    root, figures_, digest = annual.report(get_session(), current_user, year, org_id)
    data = report_files.workbook(root, figures_, digest, clock.now())
    return Response(data, mimetype=XLSX_MIMETYPE, headers={"Content-Disposition": f"attachment; filename=annual-{year}-{root.id}.xlsx"})


@bp.get("/annual/<int:year>/<int:org_id>/pdf")
@login_required
def annual_pdf(year: int, org_id: int):
    db = get_session()
    root, figures_, digest = annual.report(db, current_user, year, org_id)
    data = report_files.pdf(root, figures_, digest, clock.now(), trends.trends(db, root, year))
    return Response(data, mimetype="application/pdf", headers={"Content-Disposition": f"inline; filename=annual-{year}-{root.id}.pdf",
                                                               "Cache-Control": "no-store"})


@bp.get("/trends/<int:year>/<int:org_id>")
@login_required
def trend_charts(year: int, org_id: int):
    db = get_session()
    root = annual.subtree(db, current_user, org_id)
    monthly = trends.trends(db, root, annual.check_year(year))
    states, kept = trends.state_trends(db, root, year)
    labels = trends.month_labels()
    drawn = [(t, charts.svg(charts.lines(labels, t.series, str(t.title)), str(t.title))) for t in monthly]
    drawn_states = [(t, charts.svg(charts.lines(labels, t.series, str(t.title)), str(t.title))) for t in states]
    return render_template("supervision/trends.html", root=root, year=year, trends=drawn, states=drawn_states,
                           snapshots_kept=kept, labels=labels)
