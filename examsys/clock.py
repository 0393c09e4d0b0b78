"""The one source of time: exam windows, lockouts and expiry all ask now(); tests move it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

_frozen: datetime | None = None


def now() -> datetime:
    """The current time, aware, in UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(at: datetime) -> None:
    """Stop the clock at `at` (tests only)."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at.astimezone(UTC)


def advance(delta: timedelta) -> None:
    """Move a frozen clock forward (tests only)."""
    global _frozen
    _frozen = (_frozen or datetime.now(UTC)) + delta


def unfreeze() -> None:
    global _frozen
    _frozen = None
