"""Forms of HR's credential pages: issuing and changing a credential."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from examsys.personnel.forms import CheckboxList


class IssueForm(FlaskForm):
    issuer_id = SelectField(_l("Issuing authority"), coerce=int)
    domain_ids = CheckboxList(_l("Enforcement domains"), coerce=int)
    region = StringField(_l("Region of enforcement"), validators=[DataRequired(), Length(max=120)])
    legal_source = StringField(_l("Legal source of the enforcement power"), validators=[DataRequired(), Length(max=200)])


class ChangeForm(FlaskForm):
    action = SelectField(_l("Action"), choices=[("suspend", _l("Suspend")), ("reinstate", _l("Reinstate")), ("revoke", _l("Revoke")),
                                                ("cancel", _l("Cancel the credential"))])
    ground = StringField(_l("Legal ground"), validators=[Length(max=200)])
    decision_number = StringField(_l("Decision number"), validators=[Length(max=80)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)], render_kw={"rows": 2})
    until = DateField(_l("Suspended until (optional)"), validators=[Optional()])
    # A revocation's case (credentials.cases)
    case_number = StringField(_l("Case number (revocation)"), validators=[Length(max=80)])
    decided_on = DateField(_l("Date of the revocation decision"), validators=[Optional()])
    document_ref = StringField(_l("Document of the decision (revocation)"), validators=[Length(max=200)])
