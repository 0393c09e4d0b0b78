"""Who may do what where: every service asks these before it reads or changes anything.

A role granted on an organisation node reaches that node and its whole subtree, no further.
Every check takes an actor: a logged-in `User`, `SYSTEM` (the command line, the job runner, the standing handlers,
demo seeding), which has no scope limit, or a `ClientActor` (an API client acting in its subtree). `None` is nobody
and is always refused."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from examsys.auth.models import Role, User
from examsys.errors import NotFound, PermissionDenied
from examsys.orgs.models import Organisation

Roles = Role | Iterable[Role]
T = TypeVar("T")


class SystemActor:
    """The system itself acting (no person): it reaches every organisation and holds no grant. Its audit
    entries name the actor "system", which the trail shows as "the system" (系统)."""

    id = None
    person_id = None
    org = None
    username = "system"
    display_name = "system"
    active = True
    is_authenticated = False

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


@dataclass(frozen=True)
class DelegatedGrant:
    role: Role
    org: Organisation


class ClientActor:
    """Another department's system acting through the API (examsys/api): it holds `roles` on its organisation's
    subtree for the call, nothing else (a client with the scope personnel:write acts as HR there). Its audit
    entries name it "api:<client name>"."""

    id = None
    person_id = None
    active = True
    is_authenticated = True

    def __init__(self, name: str, org: Organisation, roles: Iterable[Role]) -> None:
        self.org = org
        self.username = self.display_name = f"api:{name}"[:80]
        self.grants = [DelegatedGrant(role, org) for role in roles]

    def __repr__(self) -> str:
        return f"<ClientActor {self.username}>"


Actor = User | SystemActor | ClientActor


def is_system(actor: object) -> bool:
    return isinstance(actor, SystemActor)


def _as_set(roles: Roles) -> set[Role]:
    return {roles} if isinstance(roles, Role) else set(roles)


def grant_roots(actor: Actor | None, roles: Roles) -> list[Organisation]:
    """The nodes on which `actor` holds any of `roles`, without nodes already covered by another.
    The system holds no grant: ask `can`, `scope_clause` or `get_in_scope` for it."""
    if is_system(actor):
        raise TypeError("the system actor holds no grants; use can(), scope_clause() or get_in_scope()")
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.active:
        return []
    wanted = _as_set(roles)
    nodes = sorted({g.org for g in actor.grants if g.role in wanted}, key=lambda o: len(o.path))
    roots: list[Organisation] = []
    for node in nodes:
        if not any(root.contains(node) for root in roots):
            roots.append(node)
    return roots


def can(actor: Actor | None, roles: Roles, org: Organisation) -> bool:
    if is_system(actor):
        return True
    return any(root.contains(org) for root in grant_roots(actor, roles))


def require(actor: Actor | None, roles: Roles, org: Organisation) -> None:
    """Refuse unless `actor` holds one of `roles` on `org` or above it."""
    if not can(actor, roles, org):
        raise PermissionDenied(_("You may not do this for %(org)s.", org=org.name))


def require_actor(actor: Actor | None) -> Actor:
    """Refuse `None`: a service that takes no scope from the actor still needs someone to act."""
    if actor is None:
        raise PermissionDenied(_("Your account has no role that allows this."))
    return actor


def require_any_scope(session: Session, actor: Actor | None, roles: Roles) -> list[Organisation]:
    """Refuse unless `actor` holds one of `roles` somewhere; return the roots of that scope (for the
    system, the roots of the tree)."""
    if is_system(actor):
        return list(session.scalars(select(Organisation).where(Organisation.parent_id.is_(None)).order_by(Organisation.path)))
    roots = grant_roots(actor, roles)
    if not roots:
        raise PermissionDenied(_("Your account has no role that allows this."))
    return roots


def scope_clause(session: Session, actor: Actor | None, roles: Roles, path_column: ColumnElement[str]) -> ColumnElement[bool]:
    """A WHERE clause keeping rows whose organisation path lies in the actor's scope."""
    if is_system(actor):
        return true()
    roots = grant_roots(actor, roles)
    if not roots:
        return false()
    return or_(*(path_column.startswith(root.path) for root in roots))


def _org(row: Any) -> Organisation:
    return row.org


def in_scope(actor: Actor | None, row: T | None, *, missing: str, roles: Roles | None = None,
             org_of: Callable[[T], Organisation] = _org, allow: Callable[[T], bool] | None = None) -> T:
    """`row` if the actor may see it, else NotFound with `missing`: outside the actor's subtree an object
    cannot be told apart from one that does not exist (404, not 403). Seen means: `roles` on `org_of(row)`
    (its `org` unless told), or `allow(row)` when the rule is another. The system sees everything that exists;
    nobody (None) sees nothing."""
    if row is None or actor is None:
        raise NotFound(missing)
    if is_system(actor):
        return row
    seen = (roles is not None and can(actor, roles, org_of(row))) or (allow is not None and allow(row))
    if not seen:
        raise NotFound(missing)
    return row


def get_in_scope(session: Session, actor: Actor | None, model: type[T], ident: Any, *, missing: str, roles: Roles | None = None,
                 org_of: Callable[[T], Organisation] = _org, allow: Callable[[T], bool] | None = None,
                 options: Sequence[Any] = ()) -> T:
    """The `model` row `ident`, if it exists and lies in the actor's scope (see `in_scope`); NotFound otherwise."""
    row = session.get(model, ident, options=list(options)) if ident is not None else None
    return in_scope(actor, row, missing=missing, roles=roles, org_of=org_of, allow=allow)


def visible_org(session: Session, actor: Actor | None, roles: Roles, org_id: int | None) -> Organisation:
    """The organisation `org_id` if it lies in the actor's scope; otherwise NotFound, so that ids
    outside the scope cannot be told apart from ids that do not exist."""
    return get_in_scope(session, actor, Organisation, org_id, roles=roles, org_of=lambda org: org, missing=_("No such organisation."))
