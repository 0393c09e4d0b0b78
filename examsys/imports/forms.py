"""The confirmation form every import's preview carries."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired


class ConfirmImportForm(FlaskForm):
    staged_id = HiddenField(validators=[DataRequired()])
    org_id = HiddenField(id="confirm-org-id")  # the import's target organisation, where it has one (the upload form's select is #org_id)
