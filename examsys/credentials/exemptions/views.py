"""Pages of the legal-qualification exemption: HR records the evidence on the person's page, a second HR
administrator approves it there (four eyes)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import Optional

from examsys.auth.permissions import can
from examsys.credentials.exemptions import services as exemptions
from examsys.db import get_session
from examsys.errors import InvalidState, flash_form_errors, flash_refusal

bp = Blueprint("exemptions", __name__, url_prefix="/personnel")


class ExemptionForm(FlaskForm):
    """The service checks the values; the form only parses them."""

    certificate_number = StringField(_l("Certificate number (法律职业资格证书)"))
    certified_on = DateField(_l("Date on the certificate"), validators=[Optional()])


@bp.app_context_processor
def exemption_panel() -> dict[str, Any]:
    """personnel/_exemption.html asks for the person's exemptions and, for HR over the person, the form."""
    def panel(person) -> dict[str, Any]:
        may_edit = current_user.is_authenticated and can(current_user, exemptions.HR, person.org)
        return {"items": exemptions.exemptions_of(get_session(), person.id), "form": ExemptionForm() if may_edit else None}
    return {"exemption_panel": panel}


@bp.post("/<int:person_id>/exemption")
@login_required
def record(person_id: int):
    db = get_session()
    form = ExemptionForm()
    evidence = exemptions.ExemptionEvidence(form.certificate_number.data or "", form.certified_on.data)
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif flash_refusal(lambda: exemptions.record_exemption(db, current_user, person_id, evidence)):
        flash(_("The exemption is recorded; another HR administrator must approve it."), "success")
    return redirect(url_for("personnel.detail", person_id=person_id, _anchor="exemption"))


@bp.post("/exemptions/<int:exemption_id>/approve")
@login_required
def approve(exemption_id: int):
    db = get_session()
    item = flash_refusal(lambda: exemptions.approve_exemption(db, current_user, exemption_id), refusals=(InvalidState,))
    if item is None:
        item = db.get(exemptions.LegalExemption, exemption_id)
    else:
        flash(_("The exemption is approved."), "success")
    return redirect(url_for("personnel.detail", person_id=item.person_id, _anchor="exemption"))
