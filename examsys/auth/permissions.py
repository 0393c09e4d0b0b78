"""Who may do what where: every service asks these before it reads or changes anything.

A role granted on an organisation node reaches that node and its whole subtree, no further."""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, false, or_
from sqlalchemy.orm import Session

from examsys.auth.models import Role, User
from examsys.errors import NotFound, PermissionDenied
from examsys.orgs.models import Organisation

Roles = Role | Iterable[Role]


def _as_set(roles: Roles) -> set[Role]:
    return {roles} if isinstance(roles, Role) else set(roles)


def grant_roots(actor: User | None, roles: Roles) -> list[Organisation]:
    """The nodes on which `actor` holds any of `roles`, without nodes already covered by another."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.active:
        return []
    wanted = _as_set(roles)
    nodes = sorted({g.org for g in actor.grants if g.role in wanted}, key=lambda o: len(o.path))
    roots: list[Organisation] = []
    for node in nodes:
        if not any(root.contains(node) for root in roots):
            roots.append(node)
    return roots


def can(actor: User | None, roles: Roles, org: Organisation) -> bool:
    return any(root.contains(org) for root in grant_roots(actor, roles))


def require(actor: User | None, roles: Roles, org: Organisation) -> None:
    """Refuse unless `actor` holds one of `roles` on `org` or above it."""
    if not can(actor, roles, org):
        raise PermissionDenied(_("You may not do this for %(org)s.", org=org.name))


def require_any_scope(session: Session, actor: User | None, roles: Roles) -> list[Organisation]:
    """Refuse unless `actor` holds one of `roles` somewhere; return the roots of that scope."""
    roots = grant_roots(actor, roles)
    if not roots:
        raise PermissionDenied(_("Your account has no role that allows this."))
    return roots


def scope_clause(session: Session, actor: User | None, roles: Roles, path_column: ColumnElement[str]) -> ColumnElement[bool]:
    """A WHERE clause keeping rows whose organisation path lies in the actor's scope."""
    roots = grant_roots(actor, roles)
    if not roots:
        return false()
    return or_(*(path_column.startswith(root.path) for root in roots))


def visible_org(session: Session, actor: User | None, roles: Roles, org_id: int | None) -> Organisation:
    """The organisation `org_id` if it lies in the actor's scope; otherwise NotFound, so that ids
    outside the scope cannot be told apart from ids that do not exist.

    `actor` None is the system itself (command-line tools), which has no scope limit; views always
    pass the logged-in user."""
    org = session.get(Organisation, org_id) if org_id is not None else None
    if org is None or (actor is not None and not can(actor, roles, org)):
        raise NotFound(_("No such organisation."))
    return org
