"""Closing the clean-up campaign (严格清理) ends the old credentials of its area: every credential of the
old series (issued before the campaign opened) that is still in force when the campaign closes — its
holder was not confirmed and re-issued, and no decision has ended it — is cancelled, with a card-recovery
task each. HR first sees the list (a dry run: nothing changes), then confirms it with the legal ground
and decision number; the campaign closes in the same transaction. Afterwards no credential of the old
series verifies VALID.

It lives with the credentials because it changes them; the clean-up itself (personnel.campaigns) never
imports this domain."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from examsys.audit.services import record
from examsys.auth.models import User
from examsys.auth.permissions import can
from examsys.credentials import services
from examsys.credentials.models import Credential, CredentialStatus, ReissueCampaign, ReissueItem, ReissueState
from examsys.errors import InvalidState, NotFound, ValidationFailed
from examsys.orgs.models import Organisation
from examsys.personnel import campaigns as cleanup
from examsys.personnel.models import CampaignItem, CampaignStatus, CleanupCampaign, ItemState, Person

HR = services.HR


@dataclass(frozen=True)
class ToCancel:
    credential: Credential
    why: str


@dataclass
class ClosingPlan:
    campaign: CleanupCampaign
    to_cancel: list[ToCancel] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)  # why the campaign cannot close yet


def _campaign(session: Session, actor: User, campaign_id: int) -> CleanupCampaign:
    campaign = cleanup.get_campaign(session, actor, campaign_id)
    if not can(actor, HR, campaign.org):
        raise NotFound(_("No such campaign."))
    if campaign.status is CampaignStatus.CLOSED:
        raise InvalidState(_("The campaign is already closed."))
    return campaign


def closing_plan(session: Session, actor: User, campaign_id: int) -> ClosingPlan:
    """What closing the campaign would do now, changing nothing: the credentials to cancel, each with
    why, and what must happen first (a re-issuance of this clean-up still running)."""
    campaign = _campaign(session, actor, campaign_id)
    plan = ClosingPlan(campaign)
    pending = session.execute(
        select(ReissueCampaign.name, func.count(ReissueItem.id)).join(ReissueItem, ReissueItem.campaign_id == ReissueCampaign.id)
        .where(ReissueCampaign.cleanup_id == campaign.id, ReissueItem.state == ReissueState.PENDING).group_by(ReissueCampaign.name))
    plan.blockers = [_("The re-issuance campaign %(name)s still has %(n)d officers to process: run it first, so that their new "
                       "credentials exist before the old ones end.", name=name, n=n) for name, n in pending]
    states = dict(session.execute(select(CampaignItem.person_id, CampaignItem.state).where(CampaignItem.campaign_id == campaign.id)).all())
    old = session.scalars(
        select(Credential).join(Organisation, Credential.org_id == Organisation.id)
        .where(Organisation.path.startswith(campaign.org.path), Credential.issued_at <= campaign.created_at,
               Credential.status.in_((CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED)))
        .options(joinedload(Credential.person).joinedload(Person.org)).order_by(Organisation.path, Credential.number))
    why = {ItemState.PENDING: _("never confirmed in the clean-up"), ItemState.REMOVAL: _("marked for removal in the clean-up"),
           ItemState.CONFIRMED: _("confirmed, but not re-issued"), None: _("not an officer in post when the clean-up opened")}
    plan.to_cancel = [ToCancel(c, why[states.get(c.person_id)]) for c in old]
    return plan


def close_and_cancel(session: Session, actor: User, campaign_id: int, ground: str, decision_number: str) -> tuple[CleanupCampaign, int]:
    """Close the campaign and cancel every credential its closing plan lists (each audited, each with a
    card-recovery task). Returns the campaign and how many were cancelled."""
    plan = closing_plan(session, actor, campaign_id)
    if plan.blockers:
        raise InvalidState(plan.blockers[0])
    errors: dict[str, list[str]] = {}
    if plan.to_cancel and not ground.strip():
        errors["ground"] = [_("Give the legal ground.")]
    if plan.to_cancel and not decision_number.strip():
        errors["decision_number"] = [_("Give the decision number.")]
    if errors:
        raise ValidationFailed(_("The campaign was not closed."), errors)
    campaign = plan.campaign
    for item in plan.to_cancel:
        services.change(session, actor, item.credential.id, "cancel", ground=ground, decision_number=decision_number,
                        reason=_("Clean-up campaign %(name)s closed: %(why)s", name=campaign.name, why=item.why))
    cleanup.close_campaign(session, actor, campaign.id)
    record(session, actor, "campaign.cancel_old", "campaign", campaign.id, label=campaign.name, org=campaign.org,
           after={"cancelled": [i.credential.number for i in plan.to_cancel], "decision_number": decision_number.strip()})
    return campaign, len(plan.to_cancel)
