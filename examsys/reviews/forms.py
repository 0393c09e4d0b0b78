"""Forms of the review pages. Indicator rows and per-indicator scores vary in number, so they are read
from the posted lists by the views; these forms carry the fixed fields and the CSRF token."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from examsys.reviews.actions import MANUAL_KINDS
from examsys.reviews.models import AnnualGrade, PeriodKind


class SchemeForm(FlaskForm):
    name = StringField(_l("Scheme name"), validators=[DataRequired(), Length(max=120)])
    good_from = StringField(_l("Good from (total)"), default="90")
    fairly_good_from = StringField(_l("Fairly good from"), default="75")
    average_from = StringField(_l("Average from"), default="60")


class PeriodForm(FlaskForm):
    org_id = SelectField(_l("Organisation"), coerce=int)
    kind = SelectField(_l("Period"), choices=lambda: [(k.value, k.label) for k in PeriodKind], default=PeriodKind.QUARTER.value)
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    number = IntegerField(_l("Number in the year (month 1–12, quarter 1–4, half 1–2)"), validators=[DataRequired(), NumberRange(1, 12)])
    due_on = DateField(_l("Reviews due by (optional; default 15 days after the period)"), validators=[Optional()])


class EntryForm(FlaskForm):
    comment = TextAreaField(_l("Comment for the officer"), validators=[Length(max=4000)], render_kw={"rows": 3})


class RespondForm(FlaskForm):
    comment = TextAreaField(_l("Your comment (required when you dispute)"), validators=[Length(max=4000)], render_kw={"rows": 2})


class ResolveForm(FlaskForm):
    note = TextAreaField(_l("Reason for the decision"), validators=[Length(max=2000)], render_kw={"rows": 2})


class AnnualForm(FlaskForm):
    grade = SelectField(_l("Annual grade"), choices=lambda: [(g.value, g.label) for g in AnnualGrade])
    comment = StringField(_l("Comment"), validators=[Length(max=500)])


class ActionForm(FlaskForm):
    kind = SelectField(_l("Kind of action"), choices=lambda: [(k.value, k.label) for k in MANUAL_KINDS])
    due_on = DateField(_l("Due by"), validators=[Optional()])
    description = TextAreaField(_l("What is to be done"), validators=[Length(max=2000)], render_kw={"rows": 2})


class CloseActionForm(FlaskForm):
    outcome = TextAreaField(_l("What was done, or why it is withdrawn"), validators=[Length(max=2000)], render_kw={"rows": 2})


class BulkForm(FlaskForm):
    scheme_id = SelectField(_l("Indicator scheme"), coerce=int)
    file = FileField(_l("Filled-in sheet (.xlsx or .csv)"), validators=[FileRequired()])
