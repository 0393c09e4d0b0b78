"""Forms of the credential pages: HR's, the public's report about an officer, and the supervisors'."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from examsys.credentials.models import REPORT_CATEGORY_LABELS, CardLoss
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


class RequestForm(FlaskForm):
    """A request for a first credential or a renewal (and its amendment). What is missing is said by the service."""

    issuer_id = SelectField(_l("Issuing authority"), coerce=int)
    domain_ids = CheckboxList(_l("Enforcement domains"), coerce=int)
    region = StringField(_l("Region of enforcement"), validators=[Length(max=120)])
    legal_source = StringField(_l("Legal source of the enforcement power"), validators=[Length(max=200)])
    reason = TextAreaField(_l("Note to the issuing authority (optional)"), validators=[Length(max=2000)], render_kw={"rows": 2})


class ReplacementForm(FlaskForm):
    """A request to replace a lost or damaged card (补发)."""

    card_loss = RadioField(_l("The card is"), choices=[(CardLoss.LOST.value, _l("Lost")), (CardLoss.DAMAGED.value, _l("Damaged"))],
                           validate_choice=False)  # the service says what is missing
    reason = TextAreaField(_l("How the card was lost or damaged"), validators=[Length(max=2000)], render_kw={"rows": 3})
    loss_declared = BooleanField(_l("The holder has declared the loss in writing"))


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Why the request is returned"), validators=[DataRequired(), Length(max=2000)], render_kw={"rows": 2})


class ReportForm(FlaskForm):
    """The public's report. No session, so no Flask-WTF CSRF token: `form_token` (see reports.form_token)
    and the Origin check in the view guard it instead."""

    class Meta:
        csrf = False

    category = RadioField(_l("What is the problem about?"), choices=[(c.value, label) for c, label in REPORT_CATEGORY_LABELS.items()],
                          validators=[DataRequired(_l("Choose what the problem is about."))])
    text = TextAreaField(_l("What happened"), validators=[DataRequired(_l("Describe the problem.")), Length(max=2000)],
                         description=_l("Where and when, and what you saw. At most 2,000 characters. Do not write your own "
                                        "ID number or other personal details."), render_kw={"rows": 6, "maxlength": 2000})
    form_token = HiddenField()


class HandleReportForm(FlaskForm):
    note = TextAreaField(_l("What was done"), validators=[DataRequired(_l("Say what was done.")), Length(max=1000)], render_kw={"rows": 3})
