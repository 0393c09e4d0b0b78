"""Forms of logging in, passwords and account administration."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from examsys.auth.models import Role


class LoginForm(FlaskForm):
    identifier = StringField(_l("Username or ID number"), validators=[DataRequired(), Length(max=64)],
                             render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)], render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class SecondFactorForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app, or a recovery code"), validators=[DataRequired(), Length(max=32)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True})


class TwoFactorConfirmForm(FlaskForm):
    code = StringField(_l("The 6-digit code your authenticator app shows"), validators=[DataRequired(), Length(max=16)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)], render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"), validators=[DataRequired()], render_kw={"autocomplete": "new-password"})


class AccountCreateForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    org_id = SelectField(_l("Organisation"), coerce=int, validators=[DataRequired()])


class RoleGrantForm(FlaskForm):
    role = SelectField(_l("Role"), choices=Role.choices(), validators=[DataRequired()])
    org_id = SelectField(_l("On organisation"), coerce=int, validators=[DataRequired()])


class AccountFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"))
    role = SelectField(_l("Role"), choices=[("", _l("Any role")), *Role.choices()])
    active = SelectField(_l("Status"), choices=[("", _l("Any")), ("1", _l("Enabled")), ("0", _l("Disabled"))])
    include_inactive = BooleanField()
