"""The supervisors' pages of reports from the public: the scoped list, one report, marking it handled."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from examsys.credentials.models import ReportStatus
from examsys.credentials.reports import services as reports
from examsys.credentials.reports.forms import HandleReportForm
from examsys.db import get_session
from examsys.errors import InvalidState, ValidationFailed, populate_errors
from examsys.pagination import paginate
from examsys.web import enum_or_none

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("/")
@login_required
def index():
    db = get_session()
    status = enum_or_none(ReportStatus, request.args.get("status"))
    page = paginate(db, reports.report_query(db, current_user, status), current_app.config["PAGE_SIZE"])
    return render_template("reports/index.html", page=page, args=request.args, statuses=list(ReportStatus))


@bp.route("/<int:report_id>", methods=["GET", "POST"])
@login_required
def detail(report_id: int):
    db = get_session()
    report = reports.get_report(db, current_user, report_id)
    form = HandleReportForm()
    if form.validate_on_submit():
        try:
            reports.handle_report(db, current_user, report.id, form.note.data or "")
        except ValidationFailed as error:
            populate_errors(form, error)
        except InvalidState as error:
            form.form_errors = [error.message]
        else:
            db.commit()
            flash(_("The report is marked as handled."), "success")
            return redirect(url_for("reports.detail", report_id=report.id))
    status = 422 if request.method == "POST" else 200
    return render_template("reports/detail.html", report=report, form=form), status
