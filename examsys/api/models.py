"""API clients (systems of other departments), their secrets and their per-day usage."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examsys import clock
from examsys.db import Base, LabelledEnum, UTCDateTime, enum_column
from examsys.orgs.models import Organisation

SCOPES = ("credentials:read", "register:read", "exam-results:read", "personnel:write", "reviews:read")


class ApiClient(Base):
    """A system registered by a system administrator for one organisation: what it may call (`scopes`,
    space-separated) and whose people it may see (the organisation's subtree)."""

    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    scopes: Mapped[str] = mapped_column(String(200), default="")
    rate_limit: Mapped[str] = mapped_column(String(60), default="600 per minute")
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    org: Mapped[Organisation] = relationship()
    secrets: Mapped[list[ApiSecret]] = relationship(back_populates="client", order_by="ApiSecret.id", cascade="all, delete-orphan")

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    @property
    def live_secrets(self) -> list[ApiSecret]:
        return [s for s in self.secrets if s.revoked_at is None]


class ApiSecret(Base):
    """One secret of a client: only its HMAC-SHA256 digest is kept. `key_id` is the public half of the
    token, which finds the row; at most two are live at once, so a client rotates without downtime."""

    __tablename__ = "api_secret"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id", ondelete="CASCADE"), index=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_on: Mapped[date | None] = mapped_column(Date)

    client: Mapped[ApiClient] = relationship(back_populates="secrets")


class ApiUsage(Base):
    """Calls and records per client, operation and day (rule 11: look-ups are logged in aggregate)."""

    __tablename__ = "api_usage"

    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    operation: Mapped[str] = mapped_column(String(60), primary_key=True)
    calls: Mapped[int] = mapped_column(default=0)
    records: Mapped[int] = mapped_column(default=0)


WEBHOOK_EVENTS = ("credential.issued", "credential.suspended", "credential.reinstated", "credential.revoked",
                  "credential.cancelled", "credential.expired", "keys.rotated")


class WebhookSubscription(Base):
    """Where a client is told of credential status changes in its subtree (one address per client), and
    which of WEBHOOK_EVENTS it wants. The signing secret is shown once and kept encrypted with a key
    derived from the app's secret key (api.webhooks: it must be read back to sign each delivery)."""

    __tablename__ = "webhook_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id", ondelete="CASCADE"), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[str] = mapped_column(String(300))  # space-separated, in WEBHOOK_EVENTS order
    secret_encrypted: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client: Mapped[ApiClient] = relationship()

    @property
    def event_set(self) -> frozenset[str]:
        return frozenset(self.events.split())


class DeliveryStatus(LabelledEnum):
    PENDING = "pending", _l("Waiting to be sent")
    DELIVERED = "delivered", _l("Delivered")
    FAILED = "failed", _l("Failed")


class WebhookDelivery(Base):
    """One push of one event to one subscription: written in the transaction of the change it reports, then
    sent by a job and retried with growing delays for a day. `event_key` names the event (the same key is
    never queued twice for a subscription); `attempts` is also the job's idempotency key."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (UniqueConstraint("subscription_id", "event_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscription.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    event_key: Mapped[str] = mapped_column(String(80))
    credential_id: Mapped[int | None] = mapped_column(ForeignKey("credential.id"))
    credential_number: Mapped[str] = mapped_column(String(20), default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    retry_from: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)  # retries stop a day after this
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(String(300), default="")
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subscription: Mapped[WebhookSubscription] = relationship()
