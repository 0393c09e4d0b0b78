"""Pages of the training records (培训): HR's entry form on the person's page, and the import."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from examsys.db import get_session
from examsys.errors import flash_form_errors, flash_refusal
from examsys.imports.flow import ImportFlow
from examsys.imports.pages import ImportPage
from examsys.imports.tabular import download, read_table
from examsys.orgs.services import choices
from examsys.personnel import services, training
from examsys.personnel.forms import ImportForm, TrainingForm

bp = Blueprint("training", __name__, url_prefix="/personnel")


@bp.post("/<int:person_id>/training")
@login_required
def add(person_id: int):
    db = get_session()
    form = TrainingForm()
    if form.validate_on_submit():
        entry = training.TrainingEntry(form.course.data or "", form.provider.data or "", form.completed_on.data, form.hours.data)
        if flash_refusal(lambda: training.add_training(db, current_user, person_id, entry)):
            flash(_("Training recorded."), "success")
    else:
        services.editable_person(db, current_user, person_id)  # 404/403 before saying what is missing
        flash_form_errors(form)
    return redirect(url_for("personnel.detail", person_id=person_id, _anchor="training"))


@bp.post("/training/<int:record_id>/delete")
@login_required
def delete(record_id: int):
    db = get_session()
    item = training.delete_training(db, current_user, record_id) if FlaskForm().validate_on_submit() else None  # CSRF only
    if item is None:
        return redirect(url_for("personnel.index"))
    flash(_("Training record removed."), "success")
    return redirect(url_for("personnel.detail", person_id=item.person_id, _anchor="training"))


def _read(filename: str, data: bytes):
    return read_table(filename, data, training.COLUMNS, max_rows=current_app.config["IMPORT_MAX_ROWS"])


IMPORT = ImportPage(
    ImportFlow("training", _read, lambda db, actor, table, _target: training.plan_import(db, actor, table),
               lambda db, actor, plan, _target, source: training.apply_import(db, actor, plan, source=source)),
    "personnel/training_import.html", ImportForm, "training.import_upload", "training.import_upload",
    lambda added, plan: _("Import finished: %(n)d training records added, %(u)d already on record.", n=added, u=plan.unchanged),
    lambda plan: bool(plan.add),
)


@bp.route("/training/import", methods=["GET", "POST"])
@login_required
def import_upload():
    db = get_session()
    if not choices(db, current_user, services.HR):
        services.open_tasks(db, current_user)  # refuses accounts without the HR role
    return IMPORT.upload()


@bp.post("/training/import/confirm")
@login_required
def import_confirm():
    return IMPORT.confirm()


@bp.get("/training/template.<any(csv, xlsx):fmt>")
@login_required
def template(fmt: str):
    example = [{"id_number": "11010519491231002X", "name": "张三", "course": "行政处罚法专题培训", "provider": "呼和浩特市司法局",
                "completed_on": "2026-03-20", "hours": "16"}]
    return download(fmt, "training-template", training.COLUMNS, example, "培训")
