"""Forms of the personnel pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from examsys import mongolian
from examsys.personnel.models import EmploymentStatus, PersonnelKind, StaffingKind


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PersonForm(FlaskForm):
    id_number = StringField(_l("ID number"), validators=[Optional(), Length(max=20)])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=60)])
    name_mn = StringField(_l("Full name in Mongolian script"), validators=[mongolian.check],
                          description=_l("Optional: the name in traditional Mongolian script, printed beside the Chinese on the card."))
    org_id = SelectField(_l("Organisation"), coerce=int)
    kind = SelectField(_l("Kind"), choices=lambda: [(k.value, k.label) for k in PersonnelKind])
    staffing_kind = SelectField(_l("Staffing"), choices=StaffingKind.choices())
    post = StringField(_l("Post"), validators=[Length(max=80)])
    rank = StringField(_l("Rank"), validators=[Length(max=40)])
    phone = StringField(_l("Phone"), validators=[Length(max=20)])
    domain_ids = CheckboxList(_l("Enforcement domains"), coerce=int)
    legal_qualification = StringField(_l("Legal professional qualification (certificate number)"), validators=[Length(max=40)])
    training_hours = IntegerField(_l("Training hours this year"), validators=[Optional(), NumberRange(0, 2000)], default=0)
    duties = TextAreaField(_l("Duties (auxiliary staff)"), render_kw={"rows": 2})
    hiring_conditions = TextAreaField(_l("Hiring conditions (auxiliary staff)"), render_kw={"rows": 2})
    directed_by = StringField(_l("Directed by (auxiliary staff)"), validators=[Length(max=120)],
                              description=_l("The officer or unit under whose direction they work."))
    reason = StringField(_l("Reason for the change"), validators=[Length(max=200)])


class TransferForm(FlaskForm):
    org_id = SelectField(_l("New organisation"), coerce=int, validators=[DataRequired()])
    reason = StringField(_l("Reason (e.g. the transfer order)"), validators=[DataRequired(), Length(max=200)])


class EmploymentForm(FlaskForm):
    status = SelectField(_l("Employment status"), choices=EmploymentStatus.choices())
    reason = StringField(_l("Reason (e.g. the decision number)"), validators=[DataRequired(), Length(max=200)])


class PhotoForm(FlaskForm):
    photo = FileField(_l("ID photo (JPEG or PNG)"), validators=[FileRequired()])


class ImportForm(FlaskForm):
    file = FileField(_l("XLSX or CSV file"), validators=[FileRequired()])


class CorrectionForm(FlaskForm):
    text = TextAreaField(_l("What is wrong in my record, and what is right"), validators=[DataRequired(), Length(max=2000)],
                         render_kw={"rows": 4})


class ResolveForm(FlaskForm):
    response = TextAreaField(_l("Answer to the officer"), validators=[DataRequired(), Length(max=2000)], render_kw={"rows": 2})


class CampaignForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    org_id = SelectField(_l("Organisations covered (with their subtree)"), coerce=int)
    cutoff = DateField(_l("Cutoff date"), validators=[DataRequired()])


class DecideForm(FlaskForm):
    state = SelectField(choices=[("confirmed", _l("Confirm")), ("removal", _l("Mark for removal"))])
    note = StringField(_l("Note"), validators=[Length(max=200)])


class TrainingForm(FlaskForm):
    """The service checks the values (personnel.training.check_entry); the form only parses them."""

    course = StringField(_l("Course"))
    provider = StringField(_l("Run by"))
    completed_on = DateField(_l("Date (last day of the course)"), validators=[Optional()])
    hours = IntegerField(_l("Hours (学时)"), validators=[Optional()])
