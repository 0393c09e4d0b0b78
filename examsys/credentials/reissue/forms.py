"""The form that opens a re-issuance campaign."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from examsys.credentials.models import DomainSource
from examsys.personnel.forms import CheckboxList


def int_or_none(value: object) -> int | None:
    return int(value) if value not in (None, "", "None") else None  # type: ignore[call-overload]


class ReissueForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    org_id = SelectField(_l("Organisations covered (with their subtree)"), coerce=int)
    cleanup_id = SelectField(_l("Clean-up campaign whose confirmed officers are re-issued"), coerce=int)
    decision_number = StringField(_l("Decision number"), validators=[DataRequired(), Length(max=80)],
                                  description=_l("The decision to re-issue: it is recorded on every credential issued."))
    issuer_id = SelectField(_l("Issuing authority"), coerce=int_or_none)
    region = StringField(_l("Region of enforcement"), validators=[Length(max=120)],
                         description=_l("Leave empty to keep each officer's present region."))
    legal_source = StringField(_l("Legal source of the enforcement power"), validators=[Length(max=200)],
                               description=_l("Leave empty to keep each officer's present legal source."))
    domain_source = RadioField(_l("Enforcement domains"), default=DomainSource.PREVIOUS.value, choices=[
        (DomainSource.PREVIOUS.value, _l("As on the credential it replaces")), (DomainSource.REGISTER.value, _l("As on the register")),
        (DomainSource.CHOSEN.value, _l("The domains chosen below"))])
    domain_ids = CheckboxList(_l("Domains for every officer"), coerce=int)


class CloseCleanupForm(FlaskForm):
    ground = StringField(_l("Legal ground of the cancellations"), validators=[Length(max=200)])
    decision_number = StringField(_l("Decision number"), validators=[Length(max=80)])
