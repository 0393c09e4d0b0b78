"""Forms of reports from the public: the public's report and the supervisor's handling."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from examsys.credentials.models import ReportCategory


class ReportForm(FlaskForm):
    """The public's report. No session, so no Flask-WTF CSRF token: `form_token` (see reports.form_token)
    and the Origin check in the view guard it instead."""

    class Meta:
        csrf = False

    category = RadioField(_l("What is the problem about?"), choices=ReportCategory.choices(),
                          validators=[DataRequired(_l("Choose what the problem is about."))])
    text = TextAreaField(_l("What happened"), validators=[DataRequired(_l("Describe the problem.")), Length(max=2000)],
                         description=_l("Where and when, and what you saw. At most 2,000 characters. Do not write your own "
                                        "ID number or other personal details."), render_kw={"rows": 6, "maxlength": 2000})
    form_token = HiddenField()


class HandleReportForm(FlaskForm):
    note = TextAreaField(_l("What was done"), validators=[DataRequired(_l("Say what was done.")), Length(max=1000)], render_kw={"rows": 3})
