"""Forms of the organisation pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from examsys import mongolian
from examsys.orgs.models import OrgKind

NAME_MN_HINT = _l("Optional: the name in traditional Mongolian script, as the region writes it beside the Chinese.")


class OrgCreateForm(FlaskForm):
    parent_id = SelectField(_l("Parent node"), coerce=int, validators=[DataRequired()])
    kind = SelectField(_l("Type"), choices=OrgKind.choices(OrgKind.REGION))
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    name_mn = StringField(_l("Name in Mongolian script"), validators=[mongolian.check], description=NAME_MN_HINT)
    division_code = StringField(_l("Division code"), validators=[Optional(), Length(max=6)],
                                description=_l("Six digits (GB/T 2260). Departments take their area's code."))


class OrgEditForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    name_mn = StringField(_l("Name in Mongolian script"), validators=[mongolian.check], description=NAME_MN_HINT)
    division_code = StringField(_l("Division code"), validators=[Optional(), Length(max=6)])


class OrgMoveForm(FlaskForm):
    parent_id = SelectField(_l("New parent node"), coerce=int, validators=[DataRequired()])
    division_code = StringField(_l("New division code"), validators=[Optional(), Length(max=6)],
                                description=_l("Only if the code changes with the move."))


class OrgImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired()])


class IssuerDesignateForm(FlaskForm):
    prefix = StringField(_l("Number prefix"), validators=[Optional(), Length(max=6)],
                         description=_l("Six digits that begin every credential number it issues; empty: its division code. Never changes once given."))


class IssuerWithdrawForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])
