"""Pages of the personnel register, the clean-up campaign, and the officer's own record."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from examsys.audit.services import record_export
from examsys.auth.permissions import can
from examsys.db import get_session
from examsys.errors import InvalidState, NotFound, ValidationFailed, flash_refusal, submit_form
from examsys.imports.flow import ImportFlow
from examsys.imports.pages import ImportPage, org_scope
from examsys.imports.tabular import download, read_table
from examsys.orgs.models import Organisation
from examsys.orgs.services import choices
from examsys.pagination import paginate
from examsys.personnel import campaigns, importer, services, training
from examsys.personnel.forms import (
    CampaignForm,
    CorrectionForm,
    DecideForm,
    EmploymentForm,
    ImportForm,
    PersonForm,
    PhotoForm,
    ResolveForm,
    TrainingForm,
    TransferForm,
)
from examsys.personnel.models import EmploymentStatus, ItemState, PersonnelKind, StaffingKind
from examsys.web import enum_or_none

bp = Blueprint("personnel", __name__, url_prefix="/personnel")


def _filters() -> services.PersonFilter:
    args = request.args
    return services.PersonFilter(text=args.get("q", ""), org_id=args.get("org", type=int), kind=enum_or_none(PersonnelKind, args.get("kind")),
                                 status=enum_or_none(EmploymentStatus, args.get("status")), domain_id=args.get("domain", type=int))


@bp.get("/")
@login_required
def index():
    db = get_session()
    args = request.args
    filters = _filters()
    page = paginate(db, services.person_query(db, current_user, filters), current_app.config["PAGE_SIZE"])
    return render_template("personnel/index.html", page=page, args=args, orgs=choices(db, current_user, services.READERS),
                           domains=services.domains(db), show_id=lambda p: services.shown_id_number(current_user, p),
                           is_hr=current_user.has_role(services.HR))


@bp.get("/<int:person_id>")
@login_required
def detail(person_id: int):
    db = get_session()
    person = services.get_person(db, current_user, person_id)
    may_edit = can(current_user, services.HR, person.org)
    return render_template("personnel/detail.html", person=person, id_number=services.shown_id_number(current_user, person),
                           may_edit=may_edit, history=services.history(db, person), photo_form=PhotoForm(),
                           training_form=TrainingForm() if may_edit else None, **_training(db, person.id))


def _training(db, person_id: int) -> dict[str, Any]:
    """What personnel/_training.html shows."""
    return {"training": training.records_of(db, person_id), "training_years": training.hours_by_year(db, person_id),
            "required_hours": training.required_hours()}


@bp.get("/<int:person_id>/photo.jpg")
@login_required
def photo(person_id: int):
    db = get_session()
    person = services.get_person(db, current_user, person_id) if current_user.person_id != person_id else services.own_person(db, current_user)
    if person.photo is None:
        raise NotFound(_("No photo."))
    return Response(person.photo.jpeg, mimetype="image/jpeg", headers={"Cache-Control": "private, max-age=300"})


@bp.post("/<int:person_id>/photo")
@login_required
def upload_photo(person_id: int):
    db = get_session()
    form = PhotoForm()
    if form.validate_on_submit():
        if flash_refusal(lambda: services.set_photo(db, current_user, person_id, form.photo.data.read()), "photo") is None:
            return redirect(url_for("personnel.detail", person_id=person_id)), 303
        flash(_("Photo saved."), "success")
    else:
        flash(_("Choose a photo file."), "error")
    return redirect(url_for("personnel.detail", person_id=person_id))


def _form_values(form: PersonForm) -> dict[str, Any]:
    return {"id_number": form.id_number.data or "", "name": form.name.data or "", "name_mn": form.name_mn.data or "", "org_id": form.org_id.data,
            "kind": PersonnelKind(form.kind.data), "staffing_kind": StaffingKind(form.staffing_kind.data), "post": form.post.data or "",
            "rank": form.rank.data or "", "phone": form.phone.data or "", "legal_qualification": form.legal_qualification.data or "",
            "training_hours": form.training_hours.data or 0, "duties": form.duties.data or "",
            "hiring_conditions": form.hiring_conditions.data or "", "directed_by": form.directed_by.data or "",
            "domain_ids": form.domain_ids.data or []}


def _person_form(db, obj=None) -> PersonForm:
    form = PersonForm(obj=obj)
    form.org_id.choices = [(o.id, "　" * o.depth + o.name) for o in choices(db, current_user, services.HR)]
    form.domain_ids.choices = [(d.id, d.name) for d in services.domains(db)]
    if obj is not None and request.method == "GET":
        form.kind.data, form.staffing_kind.data = obj.kind.value, obj.staffing_kind.value
        form.domain_ids.data = [d.id for d in obj.domains]
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    db = get_session()
    form = _person_form(db)
    if not form.org_id.choices:
        services.open_tasks(db, current_user)  # refuses accounts without the HR role
    person = submit_form(form, lambda: services.create_person(db, current_user, _form_values(form)))
    if person is not None:
        flash(_("%(name)s is on the register.", name=person.name), "success")
        return redirect(url_for("personnel.detail", person_id=person.id))
    return render_template("personnel/form.html", form=form, person=None)


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@login_required
def edit(person_id: int):
    db = get_session()
    person = services.editable_person(db, current_user, person_id)
    form = _person_form(db, person)
    form.org_id.choices = [(person.org_id, person.org.name)]
    form.org_id.data = person.org_id
    if submit_form(form, lambda: services.update_person(db, current_user, person.id, _form_values(form), form.reason.data or "")):
        flash(_("Saved."), "success")
        return redirect(url_for("personnel.detail", person_id=person.id))
    return render_template("personnel/form.html", form=form, person=person)


@bp.route("/<int:person_id>/transfer", methods=["GET", "POST"])
@login_required
def transfer(person_id: int):
    db = get_session()
    person = services.editable_person(db, current_user, person_id)
    form = TransferForm()
    form.org_id.choices = [(o.id, "　" * o.depth + o.name) for o in db.scalars(
        select(Organisation).where(Organisation.active.is_(True), Organisation.id != person.org_id).order_by(Organisation.path))]
    if submit_form(form, lambda: services.transfer_person(db, current_user, person.id, form.org_id.data, form.reason.data or "")):
        flash(_("%(name)s now belongs to %(org)s.", name=person.name, org=person.org.name), "success")
        if can(current_user, services.READERS, person.org):
            return redirect(url_for("personnel.detail", person_id=person.id))
        return redirect(url_for("personnel.index"))
    return render_template("personnel/action.html", form=form, person=person, title=_("Transfer %(name)s", name=person.name),
                           hint=_("The receiving organisation's HR keeps the record from then on."))


@bp.route("/<int:person_id>/employment", methods=["GET", "POST"])
@login_required
def employment(person_id: int):
    db = get_session()
    person = services.editable_person(db, current_user, person_id)
    form = EmploymentForm()
    if request.method == "GET":
        form.status.data = person.employment_status.value
    if submit_form(form, lambda: services.change_employment(db, current_user, person.id, EmploymentStatus(form.status.data),
                                                            form.reason.data or "")):
        flash(_("Employment status saved."), "success")
        return redirect(url_for("personnel.detail", person_id=person.id))
    return render_template("personnel/action.html", form=form, person=person, title=_("Employment of %(name)s", name=person.name),
                           hint=_("When an officer leaves post, the credential is suspended at once and its issuing authority decides on it."))


# ---- import and export --------------------------------------------------------------------------

def _read(filename: str, data: bytes):
    return read_table(filename, data, importer.COLUMNS, max_rows=current_app.config["IMPORT_MAX_ROWS"])


IMPORT = ImportPage(
    ImportFlow("personnel", _read, importer.plan_import,
               lambda db, actor, plan, _root, source: importer.apply_import(db, actor, plan, source=source)),
    "personnel/import.html", ImportForm, "personnel.import_upload", "personnel.index",
    lambda counts, _plan: _("Import finished: %(c)d created, %(u)d updated, %(n)d unchanged.",
                            c=counts["created"], u=counts["updated"], n=counts["unchanged"]),
    lambda plan: bool(plan.create or plan.update),
)


def _import_scope() -> tuple[Organisation, dict[str, Any]]:
    """The HR's organisations (refusing accounts without the HR role) and the one chosen to import into."""
    db = get_session()
    return org_scope(choices(db, current_user, services.HR), lambda: services.open_tasks(db, current_user))


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_upload():
    root, context = _import_scope()
    return IMPORT.upload(root, **context)


@bp.post("/import/confirm")
@login_required
def import_confirm():
    return IMPORT.confirm(_import_scope)


def _table_response(fmt: str, name: str, rows: list[dict[str, str]]) -> Response:
    return download(fmt, name, importer.COLUMNS, rows, "人员")


@bp.get("/template.<any(csv, xlsx):fmt>")
@login_required
def template(fmt: str):
    example = [{"id_number": "11010519491231002X", "name": "张三", "org_code": "150102-SJJ", "kind": "执法人员", "staffing_kind": "公务员",
                "employment_status": "在岗", "post": "执法科员", "rank": "一级科员", "domains": "market", "training_hours": "40"},
               {"id_number": "", "name": "李四", "org_code": "150102-SJJ", "kind": "执法辅助人员", "staffing_kind": "劳务派遣",
                "employment_status": "在岗", "post": "协管员", "duties": "协助开展市场巡查，不得独立执法", "hiring_conditions": "高中以上学历",
                "directed_by": "新城区市场监督管理局稽查科"}]
    return _table_response(fmt, "personnel-template", example)


@bp.get("/export.<any(csv, xlsx):fmt>")
@login_required
def export(fmt: str):
    db = get_session()
    services.open_tasks(db, current_user)  # HR only: the export holds full ID numbers
    query = services.person_query(db, current_user, _filters()).where(services.scope_clause(db, current_user, services.HR, Organisation.path))
    people = list(db.scalars(query))
    record_export(db, current_user, "person", "register", fmt=fmt, rows=len(people), filters=dict(request.args), org=current_user.org)
    return _table_response(fmt, "personnel", importer.export_rows(people))


# ---- tasks and corrections ------------------------------------------------------------------------

@bp.get("/tasks")
@login_required
def tasks():
    db = get_session()
    page = paginate(db, services.correction_query(db, current_user), current_app.config["PAGE_SIZE"])
    return render_template("personnel/tasks.html", tasks=services.open_tasks(db, current_user), corrections=page, resolve=ResolveForm())


@bp.post("/corrections/<int:request_id>")
@login_required
def resolve(request_id: int):
    db = get_session()
    form = ResolveForm()
    if flash_refusal(lambda: services.resolve_correction(db, current_user, request_id, form.response.data or ""), "response"):
        flash(_("The officer can read your answer on their page."), "success")
    return redirect(url_for("personnel.tasks"))


# ---- clean-up campaign -----------------------------------------------------------------------------

@bp.get("/campaigns")
@login_required
def campaign_list():
    db = get_session()
    return render_template("personnel/campaigns.html", campaigns=campaigns.campaigns(db, current_user))


@bp.route("/campaigns/new", methods=["GET", "POST"])
@login_required
def campaign_new():
    db = get_session()
    form = CampaignForm()
    form.org_id.choices = [(o.id, "　" * o.depth + o.name) for o in choices(db, current_user, services.HR)]
    if not form.org_id.choices:
        services.open_tasks(db, current_user)
    campaign = submit_form(form, lambda: campaigns.open_campaign(db, current_user, form.org_id.data, form.name.data or "", form.cutoff.data))
    if campaign is not None:
        flash(_("The campaign is open: %(n)d officers to confirm.", n=len(campaign.items)), "success")
        return redirect(url_for("personnel.campaign", campaign_id=campaign.id))
    return render_template("personnel/campaign_new.html", form=form)


@bp.get("/campaigns/<int:campaign_id>")
@login_required
def campaign(campaign_id: int):
    db = get_session()
    item = campaigns.get_campaign(db, current_user, campaign_id)
    state = enum_or_none(ItemState, request.args.get("state", "pending"))
    page = paginate(db, campaigns.item_query(db, current_user, item, state), current_app.config["PAGE_SIZE"])
    return render_template("personnel/campaign.html", campaign=item, rows=campaigns.progress(db, current_user, item), page=page,
                           state=state, flagged=lambda i: campaigns.is_flagged(item, i), decide=DecideForm(),
                           may_decide=lambda p: can(current_user, services.HR, p.org))


@bp.post("/campaigns/items/<int:item_id>")
@login_required
def campaign_decide(item_id: int):
    db = get_session()
    form = DecideForm()
    item = flash_refusal(lambda: campaigns.decide(db, current_user, item_id, form.state.data, form.note.data or ""), "note")
    if item is None:
        return redirect(request.referrer or url_for("personnel.campaign_list"))
    flash(_("%(name)s: %(state)s.", name=item.person.name, state=item.state.label), "success")
    return redirect(request.referrer or url_for("personnel.campaign", campaign_id=item.campaign_id))


@bp.post("/campaigns/<int:campaign_id>/close")
@login_required
def campaign_close(campaign_id: int):
    """Closing ends the old credentials of the area: it is confirmed on the credentials' closing page,
    after its dry run (examsys/credentials/reissue/cleanup_close.py)."""
    return redirect(url_for("reissue.close_cleanup", campaign_id=campaign_id), 303)


# ---- the officer's own record ---------------------------------------------------------------------

me_bp = Blueprint("me", __name__, url_prefix="/me")


@me_bp.route("/", methods=["GET", "POST"])
@login_required
def my_record():
    db = get_session()
    person = services.own_person(db, current_user)
    form = CorrectionForm()
    if form.validate_on_submit() and flash_refusal(lambda: services.request_correction(db, current_user, form.text.data or ""), "",
                                                   (ValidationFailed, InvalidState)):
        flash(_("Your request was sent to HR."), "success")
        return redirect(url_for("me.my_record"))
    from examsys.personnel.models import CorrectionRequest

    requests_ = list(db.scalars(select(CorrectionRequest).where(CorrectionRequest.person_id == person.id)
                                .order_by(CorrectionRequest.created_at.desc()).limit(20)))
    return render_template("personnel/me.html", person=person, form=form, requests=requests_, training_form=None, **_training(db, person.id))
