"""Forms of the request pages: a request, a replacement, the issuer's return."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from examsys.credentials.models import CardLoss
from examsys.personnel.forms import CheckboxList


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
