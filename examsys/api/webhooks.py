"""Webhooks: clients told of credential status changes in their subtree.

A system administrator subscribes a client (an address and the events it wants; the signing secret is shown
once). Every status change queues its deliveries in the transaction that makes it: the credential events
written in a transaction are noted as they are flushed, and just before the commit each becomes one
delivery row per interested subscription plus one job (`webhooks.deliver`) on the same connection. A change
that rolls back leaves neither. The job sends the delivery (`webhook_http`), and after a failure queues the
next try with a doubled delay, for a day after the event (or after a "send again"), then gives up."""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from examsys import clock
from examsys.api import webhook_http
from examsys.api.models import WEBHOOK_EVENTS, ApiClient, DeliveryStatus, WebhookDelivery, WebhookSubscription
from examsys.audit.services import record
from examsys.auth.models import Role, User
from examsys.auth.permissions import get_in_scope
from examsys.credentials.models import Credential, CredentialEvent, CredentialStatus
from examsys.errors import InvalidState, NotFound, ValidationFailed
from examsys.jobs.queue import defer
from examsys.pagination import paginate

TASK = "webhooks.deliver"
ACTION_EVENTS = {"issue": "credential.issued", "suspend": "credential.suspended", "reinstate": "credential.reinstated",
                 "revoke": "credential.revoked", "cancel": "credential.cancelled"}
RETRY_WINDOW = timedelta(hours=24)
MAX_DELAY_SECONDS = 3600
_NOTED = "examsys.webhooks.credential_events"


# ---- the secret: shown once, kept encrypted so that it can sign ----

def _fernet() -> Fernet:
    key = hashlib.sha256(b"examsys-webhook-secret:" + str(current_app.secret_key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def secret_of(subscription: WebhookSubscription) -> str:
    return _fernet().decrypt(subscription.secret_encrypted.encode()).decode()


# ---- subscribing (system administrators over the client's organisation) ----

def _client(session: Session, actor: User, client_id: int) -> ApiClient:
    return get_in_scope(session, actor, ApiClient, client_id, roles=Role.SYSADMIN, missing=_("No such API client."))


def subscription_of(session: Session, actor: User, client_id: int) -> WebhookSubscription | None:
    client = _client(session, actor, client_id)
    return session.scalars(select(WebhookSubscription).where(WebhookSubscription.client_id == client.id)).one_or_none()


def _checked(url: str, events: list[str]) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    url = (url or "").strip()
    try:
        if len(url) > 500:
            raise webhook_http.Refused("too long")
        webhook_http.check_url(url)
    except webhook_http.Refused:
        errors["url"] = [_("Give an http:// or https:// address of at most 500 characters.")]
    if not events or any(e not in WEBHOOK_EVENTS for e in events):
        errors["events"] = [_("Choose at least one of the events offered.")]
    if errors:
        raise ValidationFailed(_("Check the fields marked."), errors)
    return url, " ".join(e for e in WEBHOOK_EVENTS if e in events)


def subscribe(session: Session, actor: User, client_id: int, url: str, events: list[str]) -> str | None:
    """Set the client's address and events. A new subscription gets a signing secret, returned once (None when
    an existing subscription is changed: its secret stays)."""
    client = _client(session, actor, client_id)
    if "credentials:read" not in client.scope_set:
        raise InvalidState(_("Only a client with the credential status scope may subscribe to status changes."))
    url, event_text = _checked(url, events)
    subscription = session.scalars(select(WebhookSubscription).where(WebhookSubscription.client_id == client.id)).one_or_none()
    secret = None
    before = None
    if subscription is None:
        secret = "whsec_" + secrets.token_urlsafe(32)
        subscription = WebhookSubscription(client=client, url=url, events=event_text,
                                           secret_encrypted=_fernet().encrypt(secret.encode()).decode())
        session.add(subscription)
    else:
        before = {"url": subscription.url, "events": subscription.events}
        subscription.url, subscription.events = url, event_text
    session.flush()
    record(session, actor, "webhook.subscribe", "api_client", client.id, label=client.name, org=client.org,
           before=before, after={"url": url, "events": event_text})
    return secret


def unsubscribe(session: Session, actor: User, client_id: int) -> None:
    client = _client(session, actor, client_id)
    subscription = session.scalars(select(WebhookSubscription).where(WebhookSubscription.client_id == client.id)).one_or_none()
    if subscription is None:
        raise NotFound(_("This client has no subscription."))
    before = {"url": subscription.url, "events": subscription.events}
    session.delete(subscription)
    session.flush()
    record(session, actor, "webhook.unsubscribe", "api_client", client.id, label=client.name, org=client.org, before=before)


# ---- queuing deliveries, in the transaction of the change ----

@dataclass(frozen=True)
class Happening:
    event: str
    key: str  # unique per subscription: the same happening is never queued twice
    credential: Credential | None
    at: datetime


def _body(happening: Happening, extra: dict[str, Any] | None = None) -> str:
    data: dict[str, Any] = {"event": happening.event, "event_id": happening.key, "occurred_at": happening.at.isoformat()}
    credential = happening.credential
    if credential is not None:
        data["credential"] = {"number": credential.number, "status": credential.status.value,
                              "valid_from": credential.valid_from.isoformat(), "valid_to": credential.valid_to.isoformat(),
                              "organisation": {"code": credential.org.code, "name": credential.org.name}}
    data.update(extra or {})
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _subscriptions(session: Session) -> list[WebhookSubscription]:
    return list(session.scalars(select(WebhookSubscription).join(ApiClient).where(ApiClient.active.is_(True))))


def enqueue(session: Session, happening: Happening, extra: dict[str, Any] | None = None, *,
            subscriptions: list[WebhookSubscription] | None = None) -> int:
    """Deliveries of one happening to every active subscription that wants it and whose client's subtree holds
    the credential, with their jobs, in the caller's transaction. Returns how many were queued."""
    if subscriptions is None:
        subscriptions = _subscriptions(session)
    queued = 0
    for subscription in subscriptions:
        if happening.event not in subscription.event_set:
            continue
        credential = happening.credential
        if credential is not None and not credential.org.path.startswith(subscription.client.org.path):
            continue
        exists = session.scalar(select(WebhookDelivery.id).where(WebhookDelivery.subscription_id == subscription.id,
                                                                 WebhookDelivery.event_key == happening.key))
        if exists is not None:
            continue
        now = clock.now()
        delivery = WebhookDelivery(subscription=subscription, client_id=subscription.client_id, event=happening.event,
                                   event_key=happening.key, credential_id=credential.id if credential else None,
                                   credential_number=credential.number if credential else "", body=_body(happening, extra),
                                   created_at=now, retry_from=now, next_try_at=now)
        session.add(delivery)
        session.flush()
        defer(session, TASK, delivery_id=delivery.id, attempt=0)
        queued += 1
    return queued


@event.listens_for(Session, "before_flush")
def _note_credential_events(session: Session, _context: object, _instances: object) -> None:
    for obj in session.new:
        if isinstance(obj, CredentialEvent) and obj.action in ACTION_EVENTS:
            session.info.setdefault(_NOTED, []).append(obj)


@event.listens_for(Session, "before_commit", insert=True)  # before the status version's bump, which stays the last write
def _queue_noted(session: Session) -> None:
    if session.in_nested_transaction() or not session.info.get(_NOTED):
        return
    session.flush()
    noted = session.info.pop(_NOTED, [])
    subscriptions = _subscriptions(session)  # once per transaction (a re-issuance step issues hundreds)
    if not subscriptions:
        return
    for credential_event in noted:
        credential = session.get(Credential, credential_event.credential_id)
        if credential is not None:
            enqueue(session, Happening(ACTION_EVENTS[credential_event.action], f"credential-event:{credential_event.id}",
                                       credential, credential_event.at), subscriptions=subscriptions)
    session.flush()


@event.listens_for(Session, "after_rollback")
def _forget_noted(session: Session) -> None:
    session.info.pop(_NOTED, None)


def enqueue_expired(session: Session, today: date) -> int:
    """credential.expired for every credential in force whose last day was yesterday (a daily job; run again
    the same day, it queues nothing new)."""
    yesterday = today - timedelta(days=1)
    queued = 0
    for credential in session.scalars(select(Credential).where(Credential.status == CredentialStatus.ACTIVE,
                                                               Credential.valid_to == yesterday)):
        queued += enqueue(session, Happening("credential.expired", f"expired:{credential.id}:{credential.valid_to.isoformat()}",
                                             credential, clock.now()))
    return queued


def key_rotated(session: Session, kid: int) -> int:
    """keys.rotated to every subscription that wants it (`flask keys rotate` calls it)."""
    return enqueue(session, Happening("keys.rotated", f"key:{kid}", None, clock.now()), {"signing_key": kid})


# ---- sending (the job) ----

def _delay(attempts: int) -> float:
    base = float(current_app.config["WEBHOOK_RETRY_SECONDS"])
    return min(base * 2 ** max(attempts - 1, 0), MAX_DELAY_SECONDS)


def attempt(session: Session, delivery_id: int, attempt_no: int) -> None:
    """Try delivery `delivery_id` once, if it is still pending at attempt `attempt_no`: a job run twice, or a
    job overtaken by "send again", finds the count moved on and does nothing. The row stays locked while
    sending (PostgreSQL), so two workers never send it at once."""
    delivery = session.scalars(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
                               .with_for_update(skip_locked=True)).one_or_none()
    if delivery is None or delivery.status is not DeliveryStatus.PENDING or delivery.attempts != attempt_no:
        return
    body = delivery.body.encode()
    subscription = delivery.subscription
    refusal = None
    if not subscription.client.active:
        refusal = "the client is disabled"
    else:
        try:
            secret = secret_of(subscription)
        except InvalidToken:
            refusal = "the signing secret cannot be read (EXAMSYS_SECRET_KEY changed): subscribe again"
    if refusal is not None:
        delivery.status, delivery.last_error, delivery.next_try_at = DeliveryStatus.FAILED, refusal, None
        return
    headers = {"X-Examsys-Signature": webhook_http.signature(secret, body, int(time.time())),
               "X-Examsys-Event": delivery.event, "X-Examsys-Delivery": str(delivery.id)}
    outcome = webhook_http.post(subscription.url, body, headers, timeout=float(current_app.config["WEBHOOK_TIMEOUT_SECONDS"]),
                                allow_private=bool(current_app.config["WEBHOOK_ALLOW_PRIVATE"]))
    now = clock.now()
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.last_status, delivery.last_error = now, outcome.status, outcome.error[:300]
    if outcome.ok:
        delivery.status, delivery.delivered_at, delivery.next_try_at = DeliveryStatus.DELIVERED, now, None
        return
    delay = _delay(delivery.attempts)
    if now + timedelta(seconds=delay) > delivery.retry_from + RETRY_WINDOW:
        delivery.status, delivery.next_try_at = DeliveryStatus.FAILED, None
        return
    delivery.next_try_at = now + timedelta(seconds=delay)
    defer(session, TASK, delay_seconds=delay, delivery_id=delivery.id, attempt=delivery.attempts)


def requeue_overdue(session: Session, grace: timedelta = timedelta(minutes=5)) -> int:
    """Queue again pending deliveries whose try is long overdue (a job lost with an in-process queue that
    stopped): safe, since a job for an attempt already made does nothing."""
    rows = session.scalars(select(WebhookDelivery).where(WebhookDelivery.status == DeliveryStatus.PENDING,
                                                         WebhookDelivery.next_try_at < clock.now() - grace)).all()
    for delivery in rows:
        defer(session, TASK, delivery_id=delivery.id, attempt=delivery.attempts)
    return len(rows)


# ---- the delivery log ----

def deliveries(session: Session, actor: User, client_id: int, per_page: int) -> tuple[ApiClient, Any]:
    client = _client(session, actor, client_id)
    query = select(WebhookDelivery).where(WebhookDelivery.client_id == client.id).order_by(WebhookDelivery.id.desc())
    return client, paginate(session, query, per_page)


def send_again(session: Session, actor: User, client_id: int, delivery_id: int) -> WebhookDelivery:
    """Queue a delivery once more now (delivered, failed or waiting), with a fresh day of retries."""
    client = _client(session, actor, client_id)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.client_id != client.id:
        raise NotFound(_("No such delivery."))
    now = clock.now()
    delivery.status, delivery.retry_from, delivery.next_try_at, delivery.delivered_at = DeliveryStatus.PENDING, now, now, None
    session.flush()
    defer(session, TASK, delivery_id=delivery.id, attempt=delivery.attempts)
    record(session, actor, "webhook.send_again", "webhook_delivery", delivery.id, label=client.name, org=client.org,
           after={"event": delivery.event, "credential": delivery.credential_number})
    return delivery
