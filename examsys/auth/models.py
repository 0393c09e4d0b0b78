"""Accounts and role grants: each admin role is granted on one organisation node and reaches its subtree."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examsys import clock
from examsys.db import Base, LabelledEnum, UTCDateTime, enum_column
from examsys.orgs.models import Organisation


class Role(LabelledEnum):
    SYSADMIN = "sysadmin", _l("System administrator")
    EXAM_ADMIN = "exam_admin", _l("Exam administrator")
    HR_ADMIN = "hr_admin", _l("HR / credential administrator")
    REVIEWER = "reviewer", _l("Reviewer")
    AUDITOR = "auditor", _l("Auditor")


def new_login_id() -> str:
    return secrets.token_urlsafe(24)


class User(Base):
    """An account. Officers' accounts point at their person record; admins hold role grants.

    `login_id` is what the session remembers: changing it (password change, disable, reset) ends
    every session of the account at once."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    login_id: Mapped[str] = mapped_column(String(64), unique=True, default=new_login_id)
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str | None] = mapped_column(String(16))
    # Two-factor sign-in (auth.two_factor): the TOTP secret, encrypted; on once confirmed; the last time
    # step accepted (a code is good once); the recovery codes' HMACs, each removed when used.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    totp_recovery: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    org: Mapped[Organisation] = relationship()
    person: Mapped[Person | None] = relationship()  # noqa: F821
    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="RoleGrant.user_id"
    )

    # flask-login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.login_id

    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > clock.now()

    def roles(self) -> set[Role]:
        return {grant.role for grant in self.grants}

    def has_role(self, role: Role) -> bool:
        return any(grant.role is role for grant in self.grants)


class RoleGrant(Base):
    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])
    org: Mapped[Organisation] = relationship()


class LoginThrottle(Base):
    """Failed logins of one account from one client (an address, or a known device): the delay before
    that client may try again grows with each failure past the free ones. Kept per client so that a
    third party's guessing never locks the account's real user out (auth.throttle)."""

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("user_id", "client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    client: Mapped[str] = mapped_column(String(80))
    failures: Mapped[int] = mapped_column(default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
