"""Two-factor sign-in (TOTP, RFC 6238) for the administrative roles: enrolment with a QR code, recovery
codes, the second step of a login, and the reset by a system administrator.

The secret is kept encrypted with a key derived from the app's secret key (a copy of the database alone
gives no codes); recovery codes are kept as HMACs and each works once; a code is good once (its time step
is remembered). Wrong codes count like wrong passwords (auth.throttle), so guessing them is as slow. A
setting (TOTP_REQUIRED_ROLES) makes it required per role: such an account is sent to enrol before anything
else, as with an initial password."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from examsys import clock
from examsys.audit.writer import record
from examsys.auth import throttle
from examsys.auth.models import Role, User, new_login_id
from examsys.errors import InvalidState, ValidationFailed

OFFERED_ROLES = frozenset({Role.SYSADMIN, Role.EXAM_ADMIN, Role.HR_ADMIN, Role.AUDITOR})
RECOVERY_CODES = 10
STEP_SECONDS = 30


def _fernet() -> Fernet:
    key = hashlib.sha256(b"examsys-totp-secret:" + str(current_app.secret_key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _secret(user: User) -> str:
    try:
        return _fernet().decrypt((user.totp_secret or "").encode()).decode()
    except InvalidToken:
        raise InvalidState(_("The two-factor secret cannot be read; ask a system administrator to reset it.")) from None


def _recovery_hash(code: str) -> str:
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hmac.new(str(current_app.secret_key).encode(), b"examsys-recovery:" + normalised.encode(), hashlib.sha256).hexdigest()


def offered_to(user: User) -> bool:
    return bool(user.roles() & OFFERED_ROLES)


def enrolment_due(user: User) -> bool:
    """Whether the account must enrol before it may do anything else (a role in TOTP_REQUIRED_ROLES)."""
    required = current_app.config["TOTP_REQUIRED_ROLES"]
    return bool(required) and not user.totp_enabled and any(grant.role.value in required for grant in user.grants)


def begin_enrolment(session: Session, user: User) -> None:
    """A new secret, waiting for the first code from the authenticator app to switch it on."""
    if user.totp_enabled:
        raise InvalidState(_("Two-factor sign-in is already on for this account."))
    if not offered_to(user):
        raise InvalidState(_("Two-factor sign-in is for administrator, HR and auditor accounts."))
    user.totp_secret = _fernet().encrypt(pyotp.random_base32().encode()).decode()
    session.flush()


def provisioning_uri(user: User) -> str:
    """The otpauth:// address the QR code carries (the secret, the account, the issuer)."""
    return pyotp.TOTP(_secret(user)).provisioning_uri(name=user.username, issuer_name=current_app.config["TOTP_ISSUER"])


def pending_secret(user: User) -> str | None:
    return _secret(user) if user.totp_secret and not user.totp_enabled else None


def _matching_step(user: User, code: str) -> int | None:
    """The time step (now, or one either side for clock drift) whose code this is, if not used before."""
    code = code.strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(_secret(user))
    now = int(clock.now().timestamp()) // STEP_SECONDS
    for step in (now - 1, now, now + 1):
        if (user.totp_last_step is None or step > user.totp_last_step) and hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def confirm_enrolment(session: Session, user: User, code: str) -> list[str]:
    """Switch two-factor sign-in on with the first code; returns the recovery codes, shown only now."""
    if user.totp_enabled or not user.totp_secret:
        raise InvalidState(_("Start the set-up first."))
    step = _matching_step(user, code)
    if step is None:
        raise ValidationFailed(_("Two-factor sign-in was not switched on."),
                               {"code": [_("This is not the code your authenticator app shows now.")]})
    codes = [f"{secrets.token_hex(3).upper()}-{secrets.token_hex(3).upper()}" for _ in range(RECOVERY_CODES)]
    user.totp_enabled, user.totp_last_step = True, step
    user.totp_recovery = [_recovery_hash(c) for c in codes]
    session.flush()
    record(session, user, "auth.totp_enrol", "user", user.id, label=user.username, org=user.org)
    return codes


def check_code(session: Session, user: User, code: str, client: str, known_device: bool) -> bool:
    """The second step of a login: a current code or an unused recovery code. A wrong one counts as a
    failed login of this client (auth.throttle); while the client waits no code is checked."""
    if throttle.refused(session, user, client, known_device):
        return False
    step = _matching_step(user, code)
    if step is not None:
        user.totp_last_step = step
    else:
        digest = _recovery_hash(code)
        remaining = list(user.totp_recovery or [])
        if not code.strip() or digest not in remaining:
            throttle.failed(session, user, client, known_device)
            return False
        remaining.remove(digest)
        user.totp_recovery = remaining
        record(session, user, "auth.recovery_code", "user", user.id, label=user.username, org=user.org,
               after={"recovery_codes_left": len(remaining)})
    throttle.succeeded(session, user, client)
    return True


def reset(session: Session, user: User, actor: User) -> None:
    """A system administrator's reset (lost phone): two-factor sign-in off, every session of the account
    ended; the holder enrols again (at once, when it is required). The caller checks the scope."""
    if not user.totp_secret and not user.totp_enabled:
        raise InvalidState(_("Two-factor sign-in is not set up for this account."))
    user.totp_secret, user.totp_enabled, user.totp_last_step, user.totp_recovery = None, False, None, None
    user.login_id = new_login_id()
    session.flush()
    record(session, actor, "account.totp_reset", "user", user.id, label=user.username, org=user.org)
