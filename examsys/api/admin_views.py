"""API clients, for system administrators (/api-clients): register one for an organisation's subtree,
add a second secret to rotate, revoke the old one. A secret is shown once, right after it is made."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from examsys.api import clients
from examsys.api.models import SCOPES
from examsys.auth.models import Role
from examsys.db import get_session
from examsys.errors import submit_form
from examsys.orgs.services import choices

bp = Blueprint("api_clients", __name__)

SCOPE_LABELS = {"credentials:read": _l("Credential status"), "register:read": _l("Public register feed"), "exam-results:read": _l("Exam results"),
                "personnel:write": _l("Personnel register: add and update people (as HR of the client's organisations)"),
                "reviews:read": _l("Routine and annual review grades")}


@bp.app_template_filter("scope_labels")
def scope_labels(scopes: str) -> str:
    return pgettext("list separator", ", ").join(str(SCOPE_LABELS.get(s, s)) for s in scopes.split())


class ClientForm(FlaskForm):
    name = StringField(_l("Name of the system"), validators=[DataRequired(), Length(max=120)])
    org_id = SelectField(_l("Organisation (the client sees this subtree)"), coerce=int)
    scopes = SelectMultipleField(_l("Scopes"), choices=[(s, SCOPE_LABELS[s]) for s in SCOPES], option_widget=CheckboxInput(),
                                 widget=ListWidget(prefix_label=False))
    rate_limit = StringField(_l("Rate limit"), default="600 per minute", validators=[DataRequired(), Length(max=60)])


@bp.get("/api-clients")
@login_required
def index():
    db = get_session()
    clients_seen = clients.visible_clients(db, current_user)
    form = ClientForm()
    form.org_id.choices = [(o.id, o.name) for o in choices(db, current_user, Role.SYSADMIN)]
    return render_template("api/clients.html", clients=clients_seen, form=form)


@bp.post("/api-clients")
@login_required
def create():
    db = get_session()
    form = ClientForm()
    form.org_id.choices = [(o.id, o.name) for o in choices(db, current_user, Role.SYSADMIN)]
    issued = submit_form(form, lambda: clients.register(db, current_user, form.name.data, form.org_id.data, form.scopes.data or [],
                                                        form.rate_limit.data), conflict_page=True)
    if issued is not None:
        return render_template("api/secret_issued.html", client=issued.secret.client, token=issued.token)
    return render_template("api/clients.html", clients=clients.visible_clients(db, current_user), form=form), 422


@bp.get("/api-clients/<int:client_id>")
@login_required
def detail(client_id: int):
    from examsys.api.webhook_views import webhook_form
    from examsys.api.webhooks import subscription_of

    db = get_session()
    client = clients.get_client(db, current_user, client_id)
    subscription = subscription_of(db, current_user, client_id)
    return render_template("api/client.html", client=client, subscription=subscription, webhook_form=webhook_form(subscription))


@bp.post("/api-clients/<int:client_id>/secrets")
@login_required
def rotate(client_id: int):
    db = get_session()
    issued = clients.rotate(db, current_user, client_id)
    return render_template("api/secret_issued.html", client=issued.secret.client, token=issued.token)


@bp.post("/api-clients/<int:client_id>/secrets/<int:secret_id>/revoke")
@login_required
def revoke(client_id: int, secret_id: int):
    from flask import redirect, url_for

    db = get_session()
    clients.revoke_secret(db, current_user, client_id, secret_id)
    return redirect(url_for("api_clients.detail", client_id=client_id), 303)
