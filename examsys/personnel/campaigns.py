"""The clean-up campaign (严格清理): every regular officer in a subtree is confirmed or marked for
removal before the cutoff; those still pending after it are flagged. Its confirmed officers are who
the credential re-issuance campaign later issues to."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from examsys import clock
from examsys.audit.services import record
from examsys.auth.models import User
from examsys.auth.permissions import get_in_scope, grant_roots, in_scope, require_any_scope, scope_clause, visible_org
from examsys.errors import InvalidState, ValidationFailed
from examsys.orgs.models import Organisation
from examsys.orgs.services import orgs_of_paths
from examsys.personnel.models import (
    CampaignItem,
    CampaignStatus,
    CleanupCampaign,
    EmploymentStatus,
    ItemState,
    Person,
    PersonnelKind,
)
from examsys.personnel.services import HR, READERS
from examsys.personnel.standing import StandingChange, standing_changed


def open_campaign(session: Session, actor: User, org_id: int, name: str, cutoff: date) -> CleanupCampaign:
    org = visible_org(session, actor, HR, org_id)
    errors = {}
    if not name.strip():
        errors["name"] = [_("Name the campaign.")]
    if cutoff <= clock.today():
        errors["cutoff"] = [_("The cutoff must lie in the future.")]
    open_ones = session.scalars(select(CleanupCampaign).where(CleanupCampaign.status == CampaignStatus.OPEN))
    overlapping = next((c for c in open_ones if c.org.contains(org) or org.contains(c.org)), None)
    if overlapping is not None:
        errors["org_id"] = [_("The open campaign %(name)s already covers this subtree.", name=overlapping.name)]
    if errors:
        raise ValidationFailed(_("The campaign was not opened."), errors)
    campaign = CleanupCampaign(name=name.strip(), org=org, cutoff=cutoff, opened_by_id=actor.id)
    session.add(campaign)
    officers = session.execute(select(Person.id, Organisation.path).join(Organisation, Person.org_id == Organisation.id).where(
        Organisation.path.startswith(org.path), Person.kind == PersonnelKind.OFFICER, Person.employment_status == EmploymentStatus.EMPLOYED))
    campaign.items = [CampaignItem(person_id=pid, org_path=path) for pid, path in officers]
    session.flush()
    record(session, actor, "campaign.open", "campaign", campaign.id, label=campaign.name, org=org,
           after={"cutoff": cutoff.isoformat(), "officers": len(campaign.items)})
    return campaign


def _concerns(actor: User, campaign: CleanupCampaign) -> bool:
    """A campaign concerns whoever reads its subtree, or a part of it (a county inside a league's campaign)."""
    return any(campaign.org.contains(root) or root.contains(campaign.org) for root in grant_roots(actor, READERS))


def campaigns(session: Session, actor: User) -> list[CleanupCampaign]:
    require_any_scope(session, actor, READERS)
    query = select(CleanupCampaign).order_by(CleanupCampaign.created_at.desc())
    return [c for c in session.scalars(query) if _concerns(actor, c)]


def get_campaign(session: Session, actor: User, campaign_id: int) -> CleanupCampaign:
    return get_in_scope(session, actor, CleanupCampaign, campaign_id, allow=lambda c: _concerns(actor, c), missing=_("No such campaign."))


def is_flagged(campaign: CleanupCampaign, item: CampaignItem, today: date | None = None) -> bool:
    """Still pending after the cutoff: computed when read, so no job has to run at the cutoff."""
    return item.state is ItemState.PENDING and (today or clock.today()) > campaign.cutoff


@dataclass
class Progress:
    org: Organisation
    confirmed: int = 0
    pending: int = 0
    removal: int = 0

    @property
    def total(self) -> int:
        return self.confirmed + self.pending + self.removal


def progress(session: Session, actor: User, campaign: CleanupCampaign) -> list[Progress]:
    """Counts per organisation the actor may see, in tree order."""
    query = (select(CampaignItem.org_path, CampaignItem.state, func.count()).where(
        CampaignItem.campaign_id == campaign.id, scope_clause(session, actor, READERS, CampaignItem.org_path))
        .group_by(CampaignItem.org_path, CampaignItem.state))
    counts: dict[str, dict[ItemState, int]] = defaultdict(dict)
    for path, state, n in session.execute(query):
        counts[path][state] = n
    orgs = orgs_of_paths(session, counts)
    rows = []
    for path, by_state in sorted(counts.items()):
        org = orgs.get(path)
        if org is not None:
            rows.append(Progress(org, by_state.get(ItemState.CONFIRMED, 0), by_state.get(ItemState.PENDING, 0), by_state.get(ItemState.REMOVAL, 0)))
    return rows


def item_query(session: Session, actor: User, campaign: CleanupCampaign, state: ItemState | None = None) -> Select[tuple[CampaignItem]]:
    query = (select(CampaignItem).where(CampaignItem.campaign_id == campaign.id, scope_clause(session, actor, READERS, CampaignItem.org_path))
             .options(selectinload(CampaignItem.person).selectinload(Person.org), selectinload(CampaignItem.person).selectinload(Person.domains))
             .order_by(CampaignItem.org_path, CampaignItem.id))
    if state is not None:
        query = query.where(CampaignItem.state == state)
    return query


def decide(session: Session, actor: User, item_id: int, state: ItemState | str | None, note: str = "") -> CampaignItem:
    """Confirm an officer (still employed, still enforcing, domains right) or mark them for removal.
    `state` may come straight from a form: anything but a decision is refused with a message."""
    item = get_in_scope(session, actor, CampaignItem, item_id, roles=HR, org_of=lambda i: i.person.org,
                        missing=_("No such officer in the campaign."))
    if item.campaign.status is CampaignStatus.CLOSED:
        raise InvalidState(_("The campaign is closed."))
    try:
        state = ItemState(state)
    except ValueError:
        state = ItemState.PENDING
    if state is ItemState.PENDING:
        raise ValidationFailed(_("Confirm the officer or mark them for removal."))
    if state is ItemState.REMOVAL and not note.strip():
        raise ValidationFailed(_("Say why the officer is to be removed."), {"note": [_("Say why the officer is to be removed.")]})
    before = item.state
    item.state, item.note, item.decided_by_id, item.decided_at = state, note.strip()[:200], actor.id, clock.now()
    session.flush()
    record(session, actor, f"campaign.{state.value}", "person", item.person_id, label=item.person.name, org=item.person.org,
           before={"state": before.value}, after={"state": state.value, "campaign": item.campaign.name, "note": item.note})
    if state is ItemState.REMOVAL and before is not ItemState.REMOVAL:
        standing_changed(session, actor, item.person, StandingChange.CLEANUP_REMOVAL, f"{item.campaign.name}: {item.note}")
    return item


def close_campaign(session: Session, actor: User, campaign_id: int) -> CleanupCampaign:
    campaign = in_scope(actor, get_campaign(session, actor, campaign_id), roles=HR, missing=_("No such campaign."))
    if campaign.status is CampaignStatus.CLOSED:
        raise InvalidState(_("The campaign is already closed."))
    campaign.status = CampaignStatus.CLOSED
    session.flush()
    pending = session.scalar(select(func.count()).select_from(CampaignItem).where(
        CampaignItem.campaign_id == campaign.id, CampaignItem.state == ItemState.PENDING)) or 0
    record(session, actor, "campaign.close", "campaign", campaign.id, label=campaign.name, org=campaign.org, after={"pending": pending})
    return campaign


def confirmed_people(session: Session, campaign_id: int) -> list[Person]:
    """The officers a campaign confirmed, for the re-issuance campaign."""
    query = select(Person).join(CampaignItem, CampaignItem.person_id == Person.id).where(
        CampaignItem.campaign_id == campaign_id, CampaignItem.state == ItemState.CONFIRMED)
    return list(session.scalars(query))
