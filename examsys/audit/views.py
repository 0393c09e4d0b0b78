"""The auditor's pages: browse and filter the trail, read one entry, check the chain."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from examsys import clock
from examsys.audit import services
from examsys.audit.labels import ACTION_LABELS
from examsys.auth.models import Role
from examsys.db import get_session
from examsys.errors import ValidationFailed
from examsys.orgs.services import choices
from examsys.pagination import paginate

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _date(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        raise ValidationFailed(_("Dates are written YYYY-MM-DD."), {name: [_("Dates are written YYYY-MM-DD.")]}) from None
    return datetime.combine(day, time.min, clock.zone())


@bp.get("/")
@login_required
def index():
    db = get_session()
    until = _date("until")
    filters = services.AuditFilter(
        actor=request.args.get("actor", "").strip(), action=request.args.get("action", "").strip(),
        target=request.args.get("target", "").strip(), org_id=request.args.get("org", type=int),
        since=_date("since"), until=until + timedelta(days=1) if until else None,
    )
    page = paginate(db, services.search_query(db, current_user, filters), current_app.config["PAGE_SIZE"] * 2)
    orgs = choices(db, current_user, (Role.AUDITOR, Role.SYSADMIN))
    return render_template("audit/index.html", page=page, orgs=orgs, args=request.args, actions=ACTION_LABELS)


@bp.get("/<bigint:seq>")
@login_required
def entry(seq: int):
    db = get_session()
    item = services.get_entry(db, current_user, seq)
    return render_template("audit/entry.html", entry=item, intact=item.compute_hash() == item.hash)
