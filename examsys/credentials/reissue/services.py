"""The re-issuance campaign (换发): HR of a subtree replaces the credentials of the officers a clean-up
campaign confirmed. Each officer is checked (credentials.services.eligibility, through issue()), the
eligible get a new credential that supersedes the old, the others are listed with every reason.

Opening the campaign is the decision: its opener's authority issues every credential (their scope
decides the issuing authorities allowed) and its decision number goes on each issue event. The work
runs in steps (`run`), each stopping after a few seconds so its caller can commit and report
progress: a page that calls it again and again, or `flask credentials reissue-run`. No job queue is
needed: the items' states in the database are the queue, and on PostgreSQL two runners at once skip
each other's locked items. An item is issued once; running again only picks up what is pending.

The print batch is rendered on request from the issued credentials still in force, in parts of at
most REISSUE_PRINT_PART_SIZE officers so that no request runs long (the command line writes it whole)."""
from __future__ import annotations

import io
import json
import os
import re
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, insert, select
from sqlalchemy.orm import Session, joinedload, selectinload

from examsys import clock
from examsys.audit.services import record
from examsys.auth.models import Role, User
from examsys.auth.permissions import SYSTEM, Actor, can, get_in_scope, grant_roots, in_scope, require_actor, require_any_scope, scope_clause, visible_org
from examsys.credentials import services
from examsys.credentials.models import (
    Credential,
    CredentialEvent,
    CredentialStatus,
    DomainSource,
    ReissueCampaign,
    ReissueItem,
    ReissueState,
)
from examsys.domains.models import EnforcementDomain
from examsys.errors import InvalidState, NotFound, ValidationFailed
from examsys.jobs import records as job_records
from examsys.orgs.models import Organisation
from examsys.personnel import campaigns as cleanup
from examsys.personnel.models import CampaignItem, ItemState, Person

HR = Role.HR_ADMIN
READERS = (Role.HR_ADMIN, Role.AUDITOR)
BATCH = 50  # items locked and loaded at a time inside one step


@dataclass(frozen=True)
class ReissuePlan:
    """What HR decides when opening a campaign. Empty issuer, region or legal source: each officer's
    previous credential's."""

    org_id: int
    cleanup_id: int
    name: str
    decision_number: str
    issuer_id: int | None = None
    region: str = ""
    legal_source: str = ""
    domain_source: DomainSource = DomainSource.PREVIOUS
    domain_ids: list[int] = field(default_factory=list)


def open_campaign(session: Session, actor: User, plan: ReissuePlan) -> ReissueCampaign:
    """Open a campaign for a subtree and list its officers the clean-up confirmed."""
    org = visible_org(session, actor, HR, plan.org_id)
    errors: dict[str, list[str]] = {}
    try:
        source = cleanup.get_campaign(session, actor, plan.cleanup_id)
    except NotFound:
        source = None
        errors["cleanup_id"] = [_("Choose a clean-up campaign.")]
    if source is not None and not (source.org.contains(org) or org.contains(source.org)):
        errors["cleanup_id"] = [_("The clean-up campaign %(name)s does not cover %(org)s.", name=source.name, org=org.name)]
    if source is not None and "cleanup_id" not in errors:
        for other in session.scalars(select(ReissueCampaign).where(ReissueCampaign.cleanup_id == source.id)):
            if other.org.contains(org) or org.contains(other.org):
                errors["cleanup_id"] = [_("The re-issuance campaign %(name)s already re-issues this clean-up's officers in this subtree.",
                                          name=other.name)]
                break
    if not plan.name.strip():
        errors["name"] = [_("Name the campaign.")]
    if not plan.decision_number.strip():
        errors["decision_number"] = [_("Give the number of the decision to re-issue.")]
    issuer = None
    if plan.issuer_id is not None:
        issuer = session.get(Organisation, plan.issuer_id)
        if issuer is None or not can(actor, HR, issuer) or not issuer.is_issuer:
            errors["issuer_id"] = [_("Choose an issuing authority.")]
    domains = list(session.scalars(select(EnforcementDomain).where(EnforcementDomain.id.in_(plan.domain_ids)))) if plan.domain_ids else []
    if plan.domain_source is DomainSource.CHOSEN and not domains:
        errors["domain_ids"] = [_("Choose the enforcement domains, or take them from each officer.")]
    if errors:
        raise ValidationFailed(_("The campaign was not opened."), errors)
    campaign = ReissueCampaign(name=plan.name.strip(), org=org, cleanup_id=plan.cleanup_id, decision_number=plan.decision_number.strip(),
                               issuer=issuer, region=plan.region.strip(), legal_source=plan.legal_source.strip(),
                               domain_source=plan.domain_source, domains=domains if plan.domain_source is DomainSource.CHOSEN else [],
                               opened_by_id=actor.id)
    session.add(campaign)
    session.flush()
    added = add_confirmed(session, campaign)
    record(session, actor, "reissue.open", "reissue_campaign", campaign.id, label=campaign.name, org=org,
           after={"cleanup": source.name if source else None, "decision_number": campaign.decision_number, "officers": added,
                  "issuer": issuer.name if issuer else None, "region": campaign.region or None, "legal_source": campaign.legal_source or None,
                  "domains": campaign.domain_source.value if not domains else [d.code for d in domains]})
    return campaign


def add_confirmed(session: Session, campaign: ReissueCampaign) -> int:
    """Put on the campaign the officers of its subtree that its clean-up confirmed and it does not list
    yet (an open clean-up may confirm more after the re-issuance began)."""
    already = exists().where(ReissueItem.campaign_id == campaign.id, ReissueItem.person_id == Person.id)
    rows = session.execute(
        select(Person.id, Organisation.path).join(CampaignItem, CampaignItem.person_id == Person.id)
        .join(Organisation, Person.org_id == Organisation.id)
        .where(CampaignItem.campaign_id == campaign.cleanup_id, CampaignItem.state == ItemState.CONFIRMED,
               Organisation.path.startswith(campaign.org.path), ~already)).all()
    if rows:
        session.execute(insert(ReissueItem), [{"campaign_id": campaign.id, "person_id": pid, "org_path": path,
                                               "state": ReissueState.PENDING, "reasons": ""} for pid, path in rows])
    return len(rows)


# ---- reading ---------------------------------------------------------------------------------------

def _concerns(actor: User, campaign: ReissueCampaign) -> bool:
    return any(campaign.org.contains(root) or root.contains(campaign.org) for root in grant_roots(actor, READERS))


def campaigns(session: Session, actor: User) -> list[ReissueCampaign]:
    """The campaigns over, or inside, the actor's subtree, newest first."""
    require_any_scope(session, actor, READERS)
    query = select(ReissueCampaign).options(joinedload(ReissueCampaign.org)).order_by(ReissueCampaign.id.desc())
    return [c for c in session.scalars(query) if _concerns(actor, c)]


def get_campaign(session: Session, actor: Actor, campaign_id: int) -> ReissueCampaign:
    return get_in_scope(session, actor, ReissueCampaign, campaign_id, allow=lambda c: _concerns(actor, c), missing=_("No such campaign."))


def _runnable(session: Session, actor: Actor, campaign_id: int) -> ReissueCampaign:
    """Running, re-checking: HR of the campaign's whole subtree (or the command line)."""
    return in_scope(actor, get_campaign(session, actor, campaign_id), roles=HR, missing=_("No such campaign."))


@dataclass(frozen=True)
class Counts:
    pending: int = 0
    issued: int = 0
    ineligible: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.issued + self.ineligible

    @property
    def done(self) -> int:
        return self.issued + self.ineligible


def counts(session: Session, actor: Actor, campaign: ReissueCampaign) -> Counts:
    """How many officers are pending, issued and not eligible: those the actor may see."""
    query = select(ReissueItem.state, func.count()).where(ReissueItem.campaign_id == campaign.id).group_by(ReissueItem.state)
    query = query.where(scope_clause(session, require_actor(actor), READERS, ReissueItem.org_path))
    by_state = {state: n for state, n in session.execute(query)}
    return Counts(by_state.get(ReissueState.PENDING, 0), by_state.get(ReissueState.ISSUED, 0), by_state.get(ReissueState.INELIGIBLE, 0))


def item_query(session: Session, actor: User, campaign: ReissueCampaign, state: ReissueState | None = None) -> Select[Any]:
    query = (select(ReissueItem).join(Person, ReissueItem.person_id == Person.id)
             .where(ReissueItem.campaign_id == campaign.id, scope_clause(session, actor, READERS, ReissueItem.org_path))
             .options(joinedload(ReissueItem.person).joinedload(Person.org), joinedload(ReissueItem.credential),
                      joinedload(ReissueItem.previous))
             .order_by(ReissueItem.org_path, Person.name_key, ReissueItem.id))
    if state is not None:
        query = query.where(ReissueItem.state == state)
    return query


# ---- running ---------------------------------------------------------------------------------------

@dataclass
class RunResult:
    issued: int = 0
    ineligible: int = 0
    added: int = 0
    counts: Counts = field(default_factory=Counts)


def run(session: Session, runner: Actor, campaign_id: int, seconds: float | None = None) -> RunResult:
    """One step: issue to pending officers until `seconds` have passed (REISSUE_CHUNK_SECONDS) or none
    is left. The caller commits; what was done stays done even if a later step fails."""
    campaign = _runnable(session, runner, campaign_id)
    budget = current_app.config.get("REISSUE_CHUNK_SECONDS", 5.0) if seconds is None else seconds
    started = time.monotonic()
    opener = session.get(User, campaign.opened_by_id)
    result = RunResult(added=add_confirmed(session, campaign))
    issued_numbers: list[str] = []
    out_of_time = False
    while not out_of_time:
        batch = list(session.scalars(
            select(ReissueItem).where(ReissueItem.campaign_id == campaign.id, ReissueItem.state == ReissueState.PENDING)
            .order_by(ReissueItem.id).limit(BATCH).with_for_update(skip_locked=True, of=ReissueItem)))
        if not batch:
            break
        _load(session, batch)
        confirmed = set(session.scalars(select(CampaignItem.person_id).where(
            CampaignItem.campaign_id == campaign.cleanup_id, CampaignItem.state == ItemState.CONFIRMED,
            CampaignItem.person_id.in_([i.person_id for i in batch]))))
        for item in batch:
            credential = _process(session, campaign, opener, item, item.person_id in confirmed)
            if credential is not None:
                result.issued += 1
                issued_numbers.append(credential.number)
            else:
                result.ineligible += 1
            if time.monotonic() - started > budget:
                out_of_time = True  # the rest of the batch stays pending; its locks end with the transaction
                break
    campaign.last_run_at = clock.now()
    session.flush()
    result.counts = counts(session, SYSTEM, campaign)
    if result.issued or result.ineligible or result.added:
        record(session, runner, "reissue.run", "reissue_campaign", campaign.id, label=campaign.name, org=campaign.org,
               after={"issued": result.issued, "ineligible": result.ineligible, "added": result.added, "pending": result.counts.pending,
                      "numbers": issued_numbers[:3] + (["…"] if len(issued_numbers) > 3 else [])})
    return result


RUN_JOB = "reissue.run"


def queue_run(session: Session, actor: User, campaign_id: int) -> job_records.JobRecord:
    """Queue the whole run as a job, in the caller's transaction: steps until nobody is pending, each committed
    with its progress (the page follows it). Put back after a worker died, it goes on with who is still pending."""
    campaign = _runnable(session, actor, campaign_id)
    if job_records.active_for(session, "reissue_campaign", campaign.id, RUN_JOB) is not None:
        raise InvalidState(_("A run of this campaign is under way already."))
    job = job_records.start(session, RUN_JOB, "reissue_campaign", campaign.id, actor.id)
    now = counts(session, SYSTEM, campaign)
    job.done, job.total = now.done, now.total
    return job


def run_job(session: Session, actor: Actor, job: job_records.JobRecord, seconds: float | None = None) -> None:
    """The job: `run` step after step, each committed with the progress, until nobody is pending."""
    while True:
        result = run(session, actor, job.target_id, seconds)
        n = result.counts
        job_records.advance(job, n.done, n.total, _("%(issued)d issued, %(ineligible)d not eligible", issued=n.issued, ineligible=n.ineligible))
        session.commit()
        if n.pending == 0 or not (result.issued or result.ineligible):
            break
    job_records.finish(job)
    session.commit()


def _load(session: Session, batch: list[ReissueItem]) -> None:
    """The batch's people with what issuing reads (organisation, domains), in a few queries."""
    ids = [i.person_id for i in batch]
    list(session.scalars(select(Person).where(Person.id.in_(ids)).options(joinedload(Person.org), selectinload(Person.domains))))


def _process(session: Session, campaign: ReissueCampaign, opener: User | None, item: ReissueItem, still_confirmed: bool) -> Credential | None:
    """Issue to one officer, or record every reason why not."""
    person = item.person
    previous = services.current_of(session, person.id)
    reasons: list[str] = []
    if not still_confirmed:
        reasons.append(_("The clean-up campaign no longer confirms this officer."))
    if not person.org.path.startswith(campaign.org.path):
        reasons.append(_("The officer has moved out of %(org)s.", org=campaign.org.name))
    elif opener is None or not can(opener, HR, person.org):
        reasons.append(_("The campaign's opener is no longer HR of %(org)s.", org=person.org.name))
    issuer = campaign.issuer or (previous.issuer if previous else None)
    region = campaign.region or (previous.region if previous else "")
    legal_source = campaign.legal_source or (previous.legal_source if previous else "")
    if previous is not None and previous.status is CredentialStatus.SUSPENDED:
        reasons.append(_("The present credential %(number)s is suspended: re-issue it once it is reinstated.", number=previous.number))
    if issuer is None or not region or not legal_source:
        reasons.append(_("The officer holds no credential to take the issuing authority, region and legal source from: "
                         "set them for the campaign."))
    elif opener is None or not can(opener, HR, issuer):
        reasons.append(_("%(name)s lies outside the authority of the campaign's opener; choose an issuing authority for the campaign.",
                         name=issuer.name))
    if campaign.domain_source is DomainSource.CHOSEN:
        domain_ids = [d.id for d in campaign.domains]
    elif campaign.domain_source is DomainSource.PREVIOUS and previous is not None:
        domain_ids = [d.id for d in previous.domains]
    else:
        domain_ids = [d.id for d in person.domains]
    item.processed_at = clock.now()
    if reasons:
        return _ineligible(item, reasons + services.eligibility(session, person, domain_ids))
    assert issuer is not None
    try:
        credential = services.issue(session, opener, services.IssueRequest(person.id, issuer.id, domain_ids, region, legal_source))
    except ValidationFailed as error:
        return _ineligible(item, [m for messages in error.field_errors.values() for m in messages] or [error.message])
    except NotFound as error:  # the opener has lost the scope since
        return _ineligible(item, [error.message])
    event = session.scalar(select(CredentialEvent).where(CredentialEvent.credential_id == credential.id, CredentialEvent.action == "issue"))
    if event is not None:
        event.decision_number = campaign.decision_number[:80]
        event.reason = _("Re-issuance campaign %(name)s", name=campaign.name)
    item.state, item.credential, item.previous_id, item.reasons = ReissueState.ISSUED, credential, previous.id if previous else None, ""
    return credential


def _ineligible(item: ReissueItem, reasons: list[str]) -> None:
    item.state, item.reasons = ReissueState.INELIGIBLE, "\n".join(dict.fromkeys(reasons))
    return None


def recheck(session: Session, actor: Actor, campaign_id: int) -> int:
    """Put the officers found not eligible back in the queue (after HR has put their records right);
    the next run checks them again. Those issued stay issued."""
    campaign = _runnable(session, actor, campaign_id)
    items = list(session.scalars(select(ReissueItem).where(ReissueItem.campaign_id == campaign.id,
                                                           ReissueItem.state == ReissueState.INELIGIBLE)))
    for item in items:
        item.state, item.reasons, item.processed_at = ReissueState.PENDING, "", None
    session.flush()
    if items:
        record(session, actor, "reissue.recheck", "reissue_campaign", campaign.id, label=campaign.name, org=campaign.org,
               after={"officers": len(items)})
    return len(items)


# ---- the print batch ---------------------------------------------------------------------------------

def printable_query(session: Session, actor: Actor, campaign: ReissueCampaign) -> Select[Any]:
    """The campaign's credentials still in force (never a suspended, revoked or replaced one), of the
    organisations the actor is HR for, in tree order then by name."""
    query = (select(Credential).join(ReissueItem, ReissueItem.credential_id == Credential.id)
             .join(Person, Credential.person_id == Person.id).join(Organisation, Credential.org_id == Organisation.id)
             .where(ReissueItem.campaign_id == campaign.id, Credential.status == CredentialStatus.ACTIVE,
                    Credential.valid_to >= clock.today())
             .order_by(Organisation.path, Person.name_key, Credential.id))
    return query.where(scope_clause(session, require_actor(actor), HR, Organisation.path))


def print_parts(session: Session, actor: Actor, campaign: ReissueCampaign) -> tuple[int, int]:
    """(how many cards there are to print, in how many files)."""
    total = session.scalar(select(func.count()).select_from(printable_query(session, actor, campaign).order_by(None).subquery())) or 0
    size = current_app.config.get("REISSUE_PRINT_PART_SIZE", 500)
    return total, -(-total // size)


def print_batch(session: Session, actor: Actor, campaign_id: int, fmt: str, part: int | None = None) -> tuple[bytes, int]:
    """The cards of one part (1-based; None: all) as one PDF ("pdf") or a ZIP of one PDF per officer
    ("zip"), with the number of cards. HR only; an export, so audited."""
    campaign = get_campaign(session, actor, campaign_id)
    require_any_scope(session, actor, HR)
    query = printable_query(session, actor, campaign).options(*_CARD_LOADING)
    if part is not None:
        size = current_app.config.get("REISSUE_PRINT_PART_SIZE", 500)
        query = query.limit(size).offset((max(part, 1) - 1) * size)
    credentials = list(session.scalars(query))
    if not credentials:
        raise NotFound(_("Nothing to print."))
    data = _render(campaign, credentials, fmt)
    record(session, actor, "reissue.print", "reissue_campaign", campaign.id, label=campaign.name, org=campaign.org,
           after={"format": fmt, "part": part, "cards": len(credentials)})
    return data, len(credentials)


_CARD_LOADING = (joinedload(Credential.person).joinedload(Person.photo), joinedload(Credential.org), joinedload(Credential.issuer),
                 selectinload(Credential.domains))


def _render(campaign: ReissueCampaign, credentials: list[Credential], fmt: str) -> bytes:
    from examsys.credentials.documents.pdf import card_pdf, cards_pdf
    from examsys.credentials.public.verification import token_for, url_for_token

    cards = [(c, url_for_token(token_for(c))) for c in credentials]
    if fmt == "zip":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:  # the PDFs are compressed already
            for credential, url in cards:
                archive.writestr(f"{credential.number}-{_safe(credential.person.name)}.pdf", card_pdf(credential, url))
        return out.getvalue()
    return cards_pdf(cards, title=f"行政执法证 {campaign.name}")


# ---- the print batch as a job: every part rendered ahead, to download when ready ---------------------
#
# The job fixes the list of cards first (a manifest in the job's folder), then renders part after part into
# that folder, each file written whole or not at all (written aside, then renamed), its progress committed;
# run again after its worker died it keeps the parts already there and renders the rest. Rendering is no
# export: downloading a part is, and is audited as the part downloaded from the page is.

PRINT_JOB = "reissue.print"
PRINT_FORMATS = ("pdf", "zip")


def job_folder(job_id: int) -> Path:
    base = current_app.config.get("JOB_FILES_DIR") or Path(current_app.instance_path) / "job-files"
    return Path(base) / str(job_id)


def part_path(job_id: int, part: int, fmt: str) -> Path:
    return job_folder(job_id) / f"part-{part:04d}.{fmt}"


def queue_print(session: Session, actor: User, campaign_id: int, fmt: str) -> job_records.JobRecord:
    """Queue the rendering of the whole batch (the cards in force of the actor's organisations), in the caller's transaction."""
    campaign = get_campaign(session, actor, campaign_id)
    require_any_scope(session, actor, HR)
    if fmt not in PRINT_FORMATS:
        raise ValidationFailed(_("Choose one PDF or a ZIP of one PDF per officer."), {"fmt": [_("Choose one PDF or a ZIP of one PDF per officer.")]})
    if job_records.active_for(session, "reissue_campaign", campaign.id, PRINT_JOB) is not None:
        raise InvalidState(_("The print batch is being made already."))
    cards, _parts = print_parts(session, actor, campaign)
    if not cards:
        raise NotFound(_("Nothing to print."))
    job = job_records.start(session, PRINT_JOB, "reissue_campaign", campaign.id, actor.id, fmt=fmt)
    job.total = cards
    return job


def print_manifest(job: job_records.JobRecord) -> list[int]:
    """The ids of the job's cards, in print order ([] before the job fixed them)."""
    path = job_folder(job.id) / "cards.json"
    return list(json.loads(path.read_text())) if path.exists() else []


def _write_whole(path: Path, data: bytes) -> None:
    aside = path.with_name(path.name + ".part")
    with open(aside, "wb") as out:
        os.fchmod(out.fileno(), 0o600)  # personal data and photos: the app's account only
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(aside, path)


def print_job(session: Session, actor: Actor, job: job_records.JobRecord, fmt: str) -> None:
    """The job: fix the cards, then render the parts not rendered yet, each committed with the progress."""
    campaign = get_campaign(session, actor, job.target_id)
    require_any_scope(session, actor, HR)
    folder = job_folder(job.id)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    ids = print_manifest(job)
    if not ids:
        ids = list(session.scalars(printable_query(session, actor, campaign).with_only_columns(Credential.id)))
        _write_whole(folder / "cards.json", json.dumps(ids).encode())
    size = int(current_app.config.get("REISSUE_PRINT_PART_SIZE", 500))
    done = 0
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        path = part_path(job.id, start // size + 1, fmt)
        if not path.exists():
            found = {c.id: c for c in session.scalars(select(Credential).where(Credential.id.in_(chunk)).options(*_CARD_LOADING))}
            _write_whole(path, render_part(campaign, [found[i] for i in chunk if i in found], fmt))
        done += len(chunk)
        job_records.advance(job, done, len(ids))
        session.commit()
    job_records.finish(job)
    session.commit()


def render_part(campaign: ReissueCampaign, credentials: list[Credential], fmt: str) -> bytes:
    return _render(campaign, credentials, fmt)


def job_part(session: Session, actor: Actor, campaign_id: int, part: int) -> tuple[Path, str, int]:
    """A part of the campaign's latest finished print job, for its download (audited): (file, format, cards).
    Its requester, or HR of the campaign's whole subtree (the job printed its requester's organisations)."""
    campaign = get_campaign(session, actor, campaign_id)
    require_any_scope(session, actor, HR)
    job = session.scalars(select(job_records.JobRecord).where(
        job_records.JobRecord.target_type == "reissue_campaign", job_records.JobRecord.target_id == campaign.id,
        job_records.JobRecord.kind == PRINT_JOB, job_records.JobRecord.state == job_records.JobState.DONE)
        .order_by(job_records.JobRecord.id.desc()).limit(1)).first()
    actor_id = getattr(actor, "id", None)
    if job is None or not (job.requested_by_id == actor_id or can(actor, HR, campaign.org)):
        raise NotFound(_("Nothing to print."))
    size = int(current_app.config.get("REISSUE_PRINT_PART_SIZE", 500))
    cards = len(print_manifest(job)[(part - 1) * size:part * size]) if part >= 1 else 0
    for fmt in PRINT_FORMATS:
        path = part_path(job.id, part, fmt)
        if cards and path.exists():
            record(session, actor, "reissue.print", "reissue_campaign", campaign.id, label=campaign.name, org=campaign.org,
                   after={"format": fmt, "part": part, "cards": cards, "job": job.id})
            return path, fmt, cards
    raise NotFound(_("Nothing to print."))


def print_job_parts(job: job_records.JobRecord) -> list[tuple[int, int, int]]:
    """The parts of a print job: (part, first officer, last officer), 1-based."""
    total = len(print_manifest(job))
    size = int(current_app.config.get("REISSUE_PRINT_PART_SIZE", 500))
    return [(n // size + 1, n + 1, min(n + size, total)) for n in range(0, total, size)]


def _safe(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name)[:40]
