"""Use cases of accounts: logging in, passwords, and the scoped administration of accounts and roles."""
from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from examsys import clock
from examsys.audit.writer import record
from examsys.auth import throttle, two_factor
from examsys.auth.devices import LoginClient
from examsys.auth.models import Role, RoleGrant, User, new_login_id
from examsys.auth.passwords import burn_time, hash_password, needs_rehash, policy_problems, verify_password
from examsys.auth.permissions import Actor, can, get_in_scope, require_any_scope, scope_clause, visible_org
from examsys.errors import InvalidState, NotFound, ValidationFailed
from examsys.orgs.models import Organisation
from examsys.personnel import idnumber

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
ACCOUNT_ADMIN = Role.SYSADMIN


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str | None


def find_login(session: Session, identifier: str) -> User | None:
    """The account for a username, or for an officer's ID number."""
    identifier = identifier.strip()
    number = idnumber.normalise(identifier)
    if len(number) == 18 and number[:17].isdigit():
        return session.scalar(select(User).where(User.person.has(id_number=number)))
    return session.scalar(select(User).where(User.username == identifier.lower()))


def current_account(login_id: Any) -> ColumnElement[bool]:
    """The SQL condition "this login id is its active account's current one": the login loader, the second
    sign-in step and the exam room's save statement (exams.saving) ask the same question, so that logout, a
    password change or disabling the account ends every copy of a session at once."""
    return and_(User.login_id == login_id, User.active.is_(True))


def signed_in_account(session: Session, login_id: str) -> User | None:
    """The active account whose current login id a session names."""
    return session.scalar(select(User).where(current_account(login_id)))


def login_failed_message() -> str:
    """The one answer to every failed login — unknown account, wrong password, a client that must wait,
    an account locked to unknown clients — so that it never tells whether an account exists."""
    return _("Wrong username or password. After several failed attempts, logging in from this device pauses for a while.")


def authenticate(session: Session, identifier: str, password: str, client: LoginClient | None = None) -> LoginResult:
    """Check a login from `client` (auth.throttle says how failures are counted and when a client
    waits). The caller commits either way, so that the counts are kept."""
    client = client or LoginClient("")
    user = find_login(session, identifier)
    if user is None:
        burn_time(password)
        return LoginResult(None, login_failed_message())
    known = client.knows(user.id)
    key = client.key(user.id)
    if throttle.refused(session, user, key, known):
        burn_time(password)  # a waiting client's guess is not even checked
        return LoginResult(None, login_failed_message())
    if not verify_password(user.password_hash, password):
        throttle.failed(session, user, key, known)
        return LoginResult(None, login_failed_message())
    if not user.active:  # told only to whoever knows the password
        return LoginResult(None, _("This account is disabled. Ask your administrator."))
    if not user.totp_enabled:  # else the second step forgives this client's failures (two_factor.check_code)
        throttle.succeeded(session, user, key)
    user.last_login_at = clock.now()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record(session, user, "auth.login", "user", user.id, label=user.username, org=user.org)
    return LoginResult(user, None)


def change_password(session: Session, user: User, current: str, new: str, confirm: str) -> None:
    """The user's own password change; ends every other session of the account."""
    errors: dict[str, list[str]] = {}
    if not verify_password(user.password_hash, current):
        errors["current_password"] = [_("This is not your current password.")]
    problems = policy_problems(new, user.username)
    if new and verify_password(user.password_hash, new):
        problems.append(_("Choose a password different from the current one."))
    if problems:
        errors["new_password"] = problems
    if new != confirm:
        errors["confirm"] = [_("The two new passwords differ.")]
    if errors:
        raise ValidationFailed(_("The password was not changed."), errors)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = clock.now()
    user.login_id = new_login_id()
    session.flush()
    record(session, user, "auth.password_change", "user", user.id, label=user.username, org=user.org)


def log_out(session: Session, user: User) -> None:
    """End every session of the account, not only this browser's cookie: a copy of the cookie taken
    before (another tab, a shared PC, a stolen cookie) stops working at once, on every path."""
    user.login_id = new_login_id()
    session.flush()
    record(session, user, "auth.logout", "user", user.id, label=user.username, org=user.org)


def temporary_password() -> str:
    """A one-time password that meets the policy, given to the user by the administrator."""
    alphabet = string.ascii_letters + string.digits
    while True:
        body = "".join(secrets.choice(alphabet) for _ in range(10))
        candidate = f"{body[:5]}-{body[5:]}"
        if policy_problems(candidate) == []:
            return candidate


def _snapshot(user: User) -> dict[str, object]:
    return {"username": user.username, "display_name": user.display_name, "org_id": user.org_id, "active": user.active,
            "person_id": user.person_id}


def create_account(session: Session, actor: Actor, *, username: str, display_name: str, org_id: int,
                   password: str | None = None, person_id: int | None = None, must_change: bool = True) -> tuple[User, str]:
    """A new account in `org_id`; returns it with its initial password, which must be changed at first login
    unless `must_change` is False (demo data)."""
    org = visible_org(session, actor, ACCOUNT_ADMIN, org_id)
    username = username.strip().lower()
    errors: dict[str, list[str]] = {}
    if not USERNAME_RE.match(username):
        errors["username"] = [_("Use 2 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit.")]
    elif session.scalar(select(User.id).where(User.username == username)) is not None:
        errors["username"] = [_("This username is taken.")]
    if not display_name.strip():
        errors["display_name"] = [_("A name is required.")]
    if person_id is not None:
        person = session.get(User.person.property.mapper.class_, person_id)  # the register is above accounts: no import
        if person is None or not can(actor, ACCOUNT_ADMIN, person.org):
            errors["person_id"] = [_("No such person in your organisations.")]
        elif session.scalar(select(User.id).where(User.person_id == person_id)) is not None:
            errors["person_id"] = [_("This person already has an account.")]
    initial = password or temporary_password()
    if password is not None:
        problems = policy_problems(password, username)
        if problems:
            errors["password"] = problems
    if errors:
        raise ValidationFailed(_("The account was not created; correct the marked fields."), errors)
    user = User(username=username, display_name=display_name.strip(), org=org, person_id=person_id,
                password_hash=hash_password(initial), must_change_password=must_change)
    session.add(user)
    session.flush()
    record(session, actor, "account.create", "user", user.id, label=username, org=org, after=_snapshot(user))
    return user, initial


def account_query(session: Session, actor: User, *, q: str = "", role: Role | None = None, org_id: int | None = None,
                  active: bool | None = None) -> Select[tuple[User]]:
    """Accounts whose organisation lies in the actor's scope, filtered."""
    require_any_scope(session, actor, ACCOUNT_ADMIN)
    query = select(User).join(Organisation, User.org_id == Organisation.id).where(
        scope_clause(session, actor, ACCOUNT_ADMIN, Organisation.path))
    if q.strip():
        term = f"%{q.strip()}%"
        query = query.where(User.username.ilike(term) | User.display_name.ilike(term))
    if role is not None:
        query = query.where(User.grants.any(RoleGrant.role == role))
    if org_id is not None:
        org = visible_org(session, actor, ACCOUNT_ADMIN, org_id)
        query = query.where(Organisation.path.startswith(org.path))
    if active is not None:
        query = query.where(User.active.is_(active))
    return query.order_by(User.username)


def get_account(session: Session, actor: User, user_id: int) -> User:
    return get_in_scope(session, actor, User, user_id, roles=ACCOUNT_ADMIN, missing=_("No such account."))


def set_account_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    user = get_account(session, actor, user_id)
    if user.id == actor.id:
        raise InvalidState(_("You cannot disable your own account."))
    if user.active == active:
        raise InvalidState(_("The account is already enabled.") if active else _("The account is already disabled."))
    before = _snapshot(user)
    user.active = active
    user.login_id = new_login_id()
    session.flush()
    record(session, actor, "account.enable" if active else "account.disable", "user", user.id, label=user.username,
           org=user.org, before=before, after=_snapshot(user))
    return user


def reset_password(session: Session, actor: User, user_id: int) -> str:
    """Give the account a new one-time password and unlock it; its sessions end."""
    user = get_account(session, actor, user_id)
    if user.id == actor.id:
        raise InvalidState(_("Change your own password on the password page."))
    initial = temporary_password()
    user.password_hash = hash_password(initial)
    user.must_change_password = True
    throttle.forget(session, user)
    user.login_id = new_login_id()
    session.flush()
    record(session, actor, "account.reset_password", "user", user.id, label=user.username, org=user.org)
    return initial


def reset_two_factor(session: Session, actor: User, user_id: int) -> User:
    """Switch off an account's two-factor sign-in (a lost phone); its holder enrols again."""
    user = get_account(session, actor, user_id)
    if user.id == actor.id:
        raise InvalidState(_("Ask another system administrator to reset your own two-factor sign-in."))
    two_factor.reset(session, user, actor)
    return user


def unlock_account(session: Session, actor: User, user_id: int) -> User:
    user = get_account(session, actor, user_id)
    if not throttle.forget(session, user):
        raise InvalidState(_("The account is not locked."))
    session.flush()
    record(session, actor, "account.unlock", "user", user.id, label=user.username, org=user.org)
    return user


def grant_role(session: Session, actor: Actor, user_id: int, role: Role, org_id: int) -> RoleGrant:
    """Give `role` on `org_id`. The actor must administer both the account and the node."""
    user = get_account(session, actor, user_id)
    try:
        org = visible_org(session, actor, ACCOUNT_ADMIN, org_id)
    except NotFound:
        raise ValidationFailed(_("The role was not granted."), {"org_id": [_("Choose one of your organisations.")]}) from None
    if any(g.role is role and g.org_id == org.id for g in user.grants):
        raise ValidationFailed(_("The role was not granted."), {"role": [_("The account already holds this role there.")]})
    grant = RoleGrant(user=user, role=role, org=org, granted_by_id=actor.id)
    session.add(grant)
    session.flush()
    record(session, actor, "account.grant", "user", user.id, label=user.username, org=org,
           after={"role": role.value, "org": org.code})
    return grant


def withdraw_grant(session: Session, actor: User, grant_id: int) -> User:
    grant = get_in_scope(session, actor, RoleGrant, grant_id, allow=lambda g: can(actor, ACCOUNT_ADMIN, g.user.org) and can(actor, ACCOUNT_ADMIN, g.org),
                         missing=_("No such role grant."))
    if grant.user_id == actor.id and grant.role is ACCOUNT_ADMIN:
        raise InvalidState(_("You cannot withdraw your own administrator role; ask another administrator."))
    user = grant.user
    session.delete(grant)
    session.flush()
    session.refresh(user)
    record(session, actor, "account.withdraw", "user", user.id, label=user.username, org=grant.org,
           before={"role": grant.role.value, "org": grant.org.code})
    return user
