"""Pages of the organisation tree."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys.auth.models import User
from examsys.auth.permissions import require
from examsys.db import get_session
from examsys.errors import submit_form
from examsys.imports.flow import ImportFlow
from examsys.imports.pages import ImportPage
from examsys.imports.tabular import download, read_table
from examsys.orgs import issuers, services
from examsys.orgs.forms import IssuerDesignateForm, IssuerWithdrawForm, OrgCreateForm, OrgEditForm, OrgImportForm, OrgMoveForm
from examsys.orgs.models import Organisation, OrgKind

bp = Blueprint("orgs", __name__, url_prefix="/orgs")


@bp.get("/")
@login_required
def index():
    db = get_session()
    trees = services.subtree(db, current_user)
    return render_template("orgs/index.html", trees=trees, may_edit=lambda org: services.may_edit(current_user, org))


@bp.get("/<int:org_id>")
@login_required
def detail(org_id: int):
    return _detail(services.get_org(get_session(), current_user, org_id))


def _detail(org: Organisation, designate: IssuerDesignateForm | None = None, withdraw: IssuerWithdrawForm | None = None,
            status: int = 200) -> tuple[str, int]:
    db = get_session()
    accounts = list(db.scalars(select(User).where(User.org_id == org.id).order_by(User.username).limit(50)))
    return render_template("orgs/detail.html", org=org, accounts=accounts, may_edit=services.may_edit(current_user, org),
                           count=services.count_in_subtree(db, org), may_designate=issuers.may_designate(db, current_user, org),
                           designate=designate or IssuerDesignateForm(), withdraw=withdraw or IssuerWithdrawForm()), status


@bp.post("/<int:org_id>/issuer")
@login_required
def designate_issuer(org_id: int):
    """The region's system administrator makes the node an issuing authority, with its number prefix."""
    form = IssuerDesignateForm()
    return _issuer_change(org_id, form, "designate", lambda db: issuers.designate_issuer(db, current_user, org_id, form.prefix.data or ""),
                          lambda org: _("%(name)s is an issuing authority; its credential numbers begin with %(prefix)s.", name=org.name,
                                        prefix=org.number_prefix))


@bp.post("/<int:org_id>/issuer/withdraw")
@login_required
def withdraw_issuer(org_id: int):
    form = IssuerWithdrawForm()
    return _issuer_change(org_id, form, "withdraw", lambda db: issuers.withdraw_issuer(db, current_user, org_id, form.reason.data or ""),
                          lambda org: _("%(name)s no longer issues credentials.", name=org.name))


def _issuer_change(org_id: int, form: IssuerDesignateForm | IssuerWithdrawForm, slot: str,
                   change: Callable[[Session], Organisation], done: Callable[[Organisation], str]) -> Any:
    """Form → one service call → commit → back to the node; errors at the form's fields on the node's page."""
    db = get_session()
    org = submit_form(form, lambda: change(db), conflict_page=True)
    if org is not None:
        flash(done(org), "success")
        return redirect(url_for("orgs.detail", org_id=org.id))
    return _detail(services.get_org(db, current_user, org_id), status=422, **{slot: form})


def _parent_choices(exclude: Organisation | None = None) -> list[tuple[int, str]]:
    nodes = services.choices(get_session(), current_user, services.EDITORS, kinds=(OrgKind.REGION, OrgKind.LEAGUE, OrgKind.COUNTY))
    return [(o.id, "　" * o.depth + o.name) for o in nodes if exclude is None or not exclude.contains(o)]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    db = get_session()
    services.require_editor(db, current_user)
    form = OrgCreateForm()
    form.parent_id.choices = _parent_choices()
    if request.method == "GET" and request.args.get("parent", type=int):
        form.parent_id.data = request.args.get("parent", type=int)
    org = submit_form(form, lambda: services.create_org(db, current_user, parent_id=form.parent_id.data, kind=OrgKind(form.kind.data),
                                                        code=form.code.data or "", name=form.name.data or "",
                                                        division_code=form.division_code.data or "", name_mn=form.name_mn.data or ""))
    if org is not None:
        flash(_("%(name)s was created.", name=org.name), "success")
        return redirect(url_for("orgs.detail", org_id=org.id))
    return render_template("orgs/form.html", form=form, title=_("New organisation node"))


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@login_required
def edit(org_id: int):
    db = get_session()
    org = services.get_org(db, current_user, org_id)
    require(current_user, services.EDITORS, org)
    form = OrgEditForm(obj=org)
    if submit_form(form, lambda: services.update_org(db, current_user, org.id, code=form.code.data or "", name=form.name.data or "",
                                                     division_code=form.division_code.data or "", name_mn=form.name_mn.data or "")):
        flash(_("Saved."), "success")
        return redirect(url_for("orgs.detail", org_id=org.id))
    return render_template("orgs/form.html", form=form, org=org, title=_("Edit %(name)s", name=org.name))


@bp.route("/<int:org_id>/move", methods=["GET", "POST"])
@login_required
def move(org_id: int):
    db = get_session()
    org = services.get_org(db, current_user, org_id)
    require(current_user, services.EDITORS, org)
    form = OrgMoveForm()
    form.parent_id.choices = [c for c in _parent_choices(exclude=org) if c[0] != org.parent_id]
    if submit_form(form, lambda: services.move_org(db, current_user, org.id, form.parent_id.data, form.division_code.data or ""),
                   conflict_page=True):
        flash(_("%(name)s was moved.", name=org.name), "success")
        return redirect(url_for("orgs.detail", org_id=org.id))
    return render_template("orgs/form.html", form=form, org=org, title=_("Move %(name)s", name=org.name))


@bp.post("/<int:org_id>/<any(activate, deactivate):action>")
@login_required
def set_active(org_id: int, action: str):
    db = get_session()
    org = services.set_org_active(db, current_user, org_id, action == "activate")
    flash(_("%(name)s is active again.", name=org.name) if org.active else _("%(name)s is deactivated.", name=org.name), "success")
    return redirect(url_for("orgs.detail", org_id=org.id))


IMPORT = ImportPage(
    ImportFlow("orgs", lambda filename, data: read_table(filename, data, services.IMPORT_COLUMNS),
               lambda db, actor, table, _target: services.plan_import(db, actor, table),
               lambda db, actor, plan, _target, _source: services.apply_import(db, actor, plan)),
    "orgs/import.html", OrgImportForm, "orgs.import_upload", "orgs.index",
    lambda counts, _plan: _("Import finished: %(c)d created, %(u)d updated, %(n)d unchanged.", c=counts[0], u=counts[1], n=counts[2]),
    lambda plan: bool(plan.create or plan.update),
)


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_upload():
    services.require_editor(get_session(), current_user)
    return IMPORT.upload()


@bp.post("/import/confirm")
@login_required
def import_confirm():
    return IMPORT.confirm()


@bp.get("/import/template.<any(csv, xlsx):fmt>")
@login_required
def import_template(fmt: str):
    example = [{"code": "150000", "name": "内蒙古自治区", "name_mn": "ᠥᠪᠥᠷ ᠮᠣᠩᠭᠣᠯ\u202fᠤᠨ ᠥᠪᠡᠷᠲᠡᠭᠡᠨ ᠵᠠᠰᠠᠬᠤ ᠣᠷᠤᠨ",
                "kind": "自治区", "parent_code": "", "division_code": "150000", "issuer": "否"},
               {"code": "150100", "name": "呼和浩特市", "kind": "盟市", "parent_code": "150000", "division_code": "150100", "issuer": "是",
                "number_prefix": "150100"},
               {"code": "150102-SJ", "name": "新城区市场监督管理局", "kind": "部门", "parent_code": "150102", "division_code": ""}]
    return _download(fmt, "organisation-template", example)


@bp.get("/export.<any(csv, xlsx):fmt>")
@login_required
def export(fmt: str):
    db = get_session()
    rows = [{"code": o.code, "name": o.name, "name_mn": o.name_mn,
             "kind": {"region": "自治区", "league": "盟市", "county": "旗县区", "department": "部门"}[o.kind.value],
             "parent_code": o.parent.code if o.parent else "", "division_code": o.division_code,
             "issuer": "是" if o.is_issuer else "否", "number_prefix": o.number_prefix or ""}
            for o in services.flatten(services.subtree(db, current_user))]
    return _download(fmt, "organisations", rows)


def _download(fmt: str, name: str, rows: list[dict[str, str]]) -> Response:
    return download(fmt, name, services.IMPORT_COLUMNS, rows, "organisations")
