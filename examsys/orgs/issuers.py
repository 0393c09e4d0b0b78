"""Issuing authorities (发证机关): which nodes of the tree issue enforcement credentials, and the number
prefix each uses. Designated and withdrawn by the region's system administrator only, every time audited.

A credential number begins with its issuer's prefix (six digits: the issuer's division code unless
another is chosen), so the prefix is unique across the tree and never changes or goes to another node
once given, even after a withdrawal: no number is ever issued twice."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys.audit.writer import record
from examsys.auth.models import Role
from examsys.auth.permissions import Actor, can, visible_org
from examsys.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed
from examsys.orgs.models import Organisation, OrgKind

DESIGNATORS = Role.SYSADMIN
PREFIX_RE = re.compile(r"^\d{6}$")


def region_of(session: Session, org: Organisation) -> Organisation:
    """The root of the tree `org` stands in (its region)."""
    root = session.get(Organisation, org.ancestor_ids()[0])
    assert root is not None
    return root


def may_designate(session: Session, actor: Actor, org: Organisation) -> bool:
    """The region's system administrator (a grant on the region itself), or the command line (the SYSTEM actor)."""
    return can(actor, DESIGNATORS, region_of(session, org))


def _designatable(session: Session, actor: Actor, org_id: int) -> Organisation:
    org = visible_org(session, actor, DESIGNATORS, org_id)
    if not may_designate(session, actor, org):
        raise PermissionDenied(_("Only the region's system administrator designates issuing authorities."))
    return org


def prefix_problem(session: Session, org: Organisation, prefix: str) -> str | None:
    """What is wrong with `prefix` as `org`'s number prefix, or None."""
    if not PREFIX_RE.match(prefix):
        return _("A number prefix has six digits.")
    if org.number_prefix and org.number_prefix != prefix:
        return _("%(name)s numbers its credentials with %(prefix)s; a prefix once given never changes.",
                 name=org.name, prefix=org.number_prefix)
    holder = session.scalar(select(Organisation).where(Organisation.number_prefix == prefix))
    if holder is not None and holder.id != org.id:
        return _("The prefix %(prefix)s belongs to %(name)s; choose another.", prefix=prefix, name=holder.name)
    return None


def designation_problem(org: Organisation) -> str | None:
    if org.kind is OrgKind.DEPARTMENT:
        return _("An enforcement department cannot issue credentials: designate the government of its area.")
    if not org.active:
        return _("%(name)s is deactivated.", name=org.name)
    return None


def designate_issuer(session: Session, actor: Actor, org_id: int, prefix: str = "") -> Organisation:
    """Make `org_id` an issuing authority numbering with `prefix` (its kept prefix, else its division code,
    when empty). Designating an issuer again with its own prefix is refused as a no-op."""
    org = _designatable(session, actor, org_id)
    prefix = prefix.strip() or org.number_prefix or org.division_code
    errors: dict[str, list[str]] = {}
    problem = designation_problem(org)
    if problem:
        errors["org_id"] = [problem]
    problem = prefix_problem(session, org, prefix)
    if problem:
        errors["prefix"] = [problem]
    if errors:
        raise ValidationFailed(_("%(name)s was not designated.", name=org.name), errors)
    if org.is_issuer:
        raise InvalidState(_("%(name)s is already an issuing authority.", name=org.name))
    org.is_issuer, org.number_prefix = True, prefix
    session.flush()
    record(session, actor, "org.issuer_designate", "organisation", org.id, label=org.name, org=org,
           before={"is_issuer": False}, after={"is_issuer": True, "number_prefix": prefix})
    return org


def withdraw_issuer(session: Session, actor: Actor, org_id: int, reason: str) -> Organisation:
    """End a designation: the authority issues no more credentials (those it issued stay as they are, and
    their decisions stay with it). Its prefix stays reserved to it."""
    org = _designatable(session, actor, org_id)
    if not reason.strip():
        raise ValidationFailed(_("The designation was not withdrawn."), {"reason": [_("Give the reason (e.g. the decision number).")]})
    if not org.is_issuer:
        raise InvalidState(_("%(name)s is not an issuing authority.", name=org.name))
    org.is_issuer = False
    session.flush()
    record(session, actor, "org.issuer_withdraw", "organisation", org.id, label=org.name, org=org,
           before={"is_issuer": True}, after={"is_issuer": False, "number_prefix": org.number_prefix, "reason": reason.strip()})
    return org


def by_code(session: Session, code: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.code == code.strip().upper()))
    if org is None:
        raise NotFound(_("No organisation has the code %(code)s.", code=code))
    return org


def number_prefix(issuer: Organisation) -> str:
    """The prefix of `issuer`'s credential numbers (an issuer flagged before prefixes existed: its division code)."""
    return issuer.number_prefix or issuer.division_code
