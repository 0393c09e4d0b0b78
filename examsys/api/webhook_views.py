"""A client's webhook subscription and delivery log, on the client's pages (/api-clients/<id>/...), for
system administrators over the client's organisation. The signing secret is shown once, when the
subscription is made."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from examsys.api import webhooks
from examsys.api.admin_views import bp
from examsys.api.models import WEBHOOK_EVENTS
from examsys.db import get_session
from examsys.errors import submit_form

# Their own words (a context of their own): an event that happened, not the history's action nor the request page's noun.
EVENT_LABELS = {"credential.issued": _lp("webhook event", "Credential issued"),
                "credential.suspended": _lp("webhook event", "Credential suspended"),
                "credential.reinstated": _lp("webhook event", "Credential reinstated"),
                "credential.revoked": _lp("webhook event", "Credential revoked"),
                "credential.cancelled": _lp("webhook event", "Credential cancelled"),
                "credential.expired": _lp("webhook event", "Credential expired"),
                "keys.rotated": _lp("webhook event", "Signing key rotated")}


@bp.app_template_filter("webhook_event")
def webhook_event(name: str) -> str:
    return str(EVENT_LABELS.get(name, name))


# The delivery log's "last answer", in words: what webhook_http and the job write, and the exception text older rows hold.
FAILURES = (("connection refused", _l("Connection refused: nothing listens at the address")),
            ("no answer in time", _l("No answer in time")), ("timed out", _l("No answer in time")),
            ("certificate", _l("The address's certificate was not accepted")),
            ("secure connection failed", _l("The secure (TLS) connection failed")), ("ssl", _l("The secure (TLS) connection failed")),
            ("connection closed", _l("The receiver closed the connection")), ("reset", _l("The receiver closed the connection")),
            ("answer could not be read", _l("The answer could not be read")),
            ("does not resolve", _l("The host name does not resolve")),
            ("private, loopback or reserved", _l("The address is in a private network, which may not be called")),
            ("refused:", _l("The address may not be called")),
            ("redirects are not followed", _l("The address answered with a redirect, which is not followed")),
            ("client is disabled", _l("The client is disabled")),
            ("signing secret cannot be read", _l("The signing secret cannot be read: subscribe again")),
            ("could not connect", _l("Could not connect")))


@bp.app_template_filter("delivery_error")
def delivery_error(text: str) -> str:
    """The stored error of a delivery in words ("" for none; an answer with an error status: the status says it)."""
    lowered = (text or "").lower()
    if not lowered or lowered.startswith("http "):
        return ""
    for needle, words in FAILURES:
        if needle in lowered:
            return str(words)
    return str(_l("Sending failed"))


class WebhookForm(FlaskForm):
    url = StringField(_l("Address (http:// or https://) the pushes are posted to"), validators=[DataRequired(), Length(max=500)])
    events = SelectMultipleField(_l("Events"), choices=[(e, EVENT_LABELS[e]) for e in WEBHOOK_EVENTS], option_widget=CheckboxInput(),
                                 widget=ListWidget(prefix_label=False))


def webhook_form(subscription) -> WebhookForm:
    form = WebhookForm()
    if subscription is not None and not form.is_submitted():
        form.url.data, form.events.data = subscription.url, sorted(subscription.event_set)
    return form


@bp.post("/api-clients/<int:client_id>/webhook")
@login_required
def subscribe(client_id: int):
    from examsys.api import clients

    db = get_session()
    form = WebhookForm()
    # A refusal of any kind (a bad address, a client without the scope) shows the form again as it was filled in.
    secret = submit_form(form, lambda: webhooks.subscribe(db, current_user, client_id, form.url.data, form.events.data or []) or "")
    client = clients.get_client(db, current_user, client_id)
    if secret:
        return render_template("api/webhook_secret.html", client=client, secret=secret)
    if secret is not None:
        return redirect(url_for("api_clients.detail", client_id=client_id), 303)
    return render_template("api/client.html", client=client, subscription=webhooks.subscription_of(db, current_user, client_id),
                           webhook_form=form), 422


@bp.post("/api-clients/<int:client_id>/webhook/remove")
@login_required
def unsubscribe(client_id: int):
    webhooks.unsubscribe(get_session(), current_user, client_id)
    return redirect(url_for("api_clients.detail", client_id=client_id), 303)


@bp.get("/api-clients/<int:client_id>/deliveries")
@login_required
def deliveries(client_id: int):
    client, page = webhooks.deliveries(get_session(), current_user, client_id, current_app.config["PAGE_SIZE"])
    return render_template("api/deliveries.html", client=client, page=page)


@bp.post("/api-clients/<int:client_id>/deliveries/<int:delivery_id>/send-again")
@login_required
def send_again(client_id: int, delivery_id: int):
    webhooks.send_again(get_session(), current_user, client_id, delivery_id)
    flash(_l("The push is queued to be sent again now. Reload this page in a moment to see the answer."), "success")
    return redirect(url_for("api_clients.deliveries", client_id=client_id), 303)
