"""Login throttling that keeps guessing expensive without letting a third party lock out the real user.

Failures are counted per account AND client (auth.devices.LoginClient.key: the known device, else the
address). After LOGIN_MAX_FAILURES of them that client waits before its next try, LOGIN_DELAY_SECONDS at
first and twice as long after each further failure, up to LOGIN_MAX_DELAY_MINUTES; while it waits its
logins are refused without the password being checked. Someone guessing from one address thus slows only
himself. Guessing spread over many addresses is met by the account-wide count: after
LOGIN_ACCOUNT_MAX_FAILURES failures from clients that are not the account's known devices the account
locks for LOGIN_LOCK_MINUTES, for those clients only: a browser the user logged in with before still gets
in with the right password. Every refusal reads the same as a wrong password (see services.authenticate).
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from examsys import clock
from examsys.audit.writer import record
from examsys.auth.models import LoginThrottle, User
from examsys.auth.permissions import SYSTEM


def _row(session: Session, user: User, client: str, *, create: bool) -> LoginThrottle | None:
    """The account's row for the client, locked to the end of the transaction (so that concurrent
    guesses from one client queue behind each other); made when `create`."""
    if create:
        insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(LoginThrottle).values(user_id=user.id, client=client, failures=0, last_failure_at=clock.now())
                        .on_conflict_do_nothing(index_elements=["user_id", "client"]))
    row = session.scalar(select(LoginThrottle).where(LoginThrottle.user_id == user.id, LoginThrottle.client == client)
                         .with_for_update().execution_options(populate_existing=True))
    if row is not None and row.failures and row.last_failure_at < clock.now() - timedelta(hours=current_app.config["LOGIN_FAILURE_MEMORY_HOURS"]):
        row.failures, row.blocked_until = 0, None  # old failures are forgotten
    return row


def refused(session: Session, user: User, client: str, known_device: bool) -> bool:
    """Whether this client must wait before it may try the account's password again."""
    if not known_device and user.is_locked():
        return True
    row = _row(session, user, client, create=False)
    return row is not None and row.blocked_until is not None and row.blocked_until > clock.now()


def delay(failures: int) -> timedelta | None:
    """How long a client waits after its `failures`-th failure (None: it may try again at once)."""
    cfg = current_app.config
    beyond = failures - cfg["LOGIN_MAX_FAILURES"]
    if beyond < 0:
        return None
    seconds = cfg["LOGIN_DELAY_SECONDS"] * 2 ** min(beyond, 30)
    return timedelta(seconds=min(seconds, cfg["LOGIN_MAX_DELAY_MINUTES"] * 60))


def failed(session: Session, user: User, client: str, known_device: bool) -> None:
    """Count a wrong password against the account and client (and the account, from an unknown client)."""
    cfg = current_app.config
    now = clock.now()
    row = _row(session, user, client, create=True)
    assert row is not None
    row.failures += 1
    row.last_failure_at = now
    wait = delay(row.failures)
    row.blocked_until = now + wait if wait is not None else None
    if known_device or not cfg["LOGIN_ACCOUNT_MAX_FAILURES"]:
        return
    user.failed_logins += 1
    if user.failed_logins >= cfg["LOGIN_ACCOUNT_MAX_FAILURES"]:
        user.failed_logins = 0
        user.locked_until = now + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
        record(session, SYSTEM, "auth.locked", "user", user.id, label=user.username, org=user.org,
               after={"locked_until": user.locked_until, "except": "known devices"})


def succeeded(session: Session, user: User, client: str) -> None:
    """The right password: this client's failures are forgiven (the account-wide lock runs its course)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.user_id == user.id, LoginThrottle.client == client))
    if not user.is_locked():
        user.failed_logins = 0
        user.locked_until = None


def held_back(session: Session, user: User) -> bool:
    """Whether the account is locked to unknown clients or some client of it must wait (the unlock button)."""
    return user.is_locked() or session.scalar(
        select(LoginThrottle.id).where(LoginThrottle.user_id == user.id, LoginThrottle.blocked_until > clock.now()).limit(1)) is not None


def forget(session: Session, user: User) -> bool:
    """Clear every count and wait of the account (an administrator's unlock); whether there was any."""
    locked = held_back(session, user)
    session.execute(delete(LoginThrottle).where(LoginThrottle.user_id == user.id))
    user.locked_until = None
    user.failed_logins = 0
    return locked
