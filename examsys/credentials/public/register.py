"""The public register (行政执法人员公示): every credential in force, searchable by name, number or
organisation, showing what the verify page shows and nothing more.

Which credentials appear: active and suspended ones that have not expired. A suspended officer is
listed with the word SUSPENDED, because the register exists so that the public can tell whether the
person in front of them may enforce now; leaving them out would make a suspended officer look the
same as a name that was never on the register. Revoked, cancelled, superseded and expired ones are
not listed (the verify page still answers NOT VALID for their codes). Never an ID number, a reason
or a history."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from examsys import clock
from examsys.credentials.models import Credential, CredentialStatus, credential_domain
from examsys.domains.models import EnforcementDomain
from examsys.orgs.models import Organisation
from examsys.pagination import Page, paginate
from examsys.personnel import pinyin
from examsys.personnel.models import Person

LISTED = (CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED)


MAX_QUERY = 60


@dataclass(frozen=True)
class PublicEntry:
    """One line of the register: only what a credential's QR code already tells anyone who scans it."""

    name: str
    number: str
    organisation: str
    domains: tuple[str, ...]
    region: str
    valid_to: date
    suspended: bool
    name_mn: str = ""  # the Mongolian-script forms, where there are any (issue 21)
    organisation_mn: str = ""

    @property
    def verdict(self) -> str:
        return "SUSPENDED" if self.suspended else "VALID"


def register_query(text: str = "", today: date | None = None) -> Select:
    """Credential id, holder's name, number, organisation name, region, valid-to and status of the
    credentials in force, filtered by a name (part of it), a number (its beginning) or an
    organisation (part of its name), or a name by its pinyin (full, from its start, or the initials);
    in tree order, then by name."""
    today = today or clock.today()
    query = (select(Credential.id, Person.name, Credential.number, Organisation.name.label("org_name"), Credential.region,
                    Credential.valid_to, Credential.status, Person.name_mn, Organisation.name_mn.label("org_name_mn"))
             .join(Person, Credential.person_id == Person.id).join(Organisation, Credential.org_id == Organisation.id)
             .where(Credential.status.in_(LISTED), Credential.valid_to >= today))
    term = text.strip()[:MAX_QUERY]
    if term:
        matches = [Person.name.icontains(term, autoescape=True), Credential.number.istartswith(term, autoescape=True),
                   Organisation.name.icontains(term, autoescape=True)]
        letters = pinyin.as_pinyin_query(term)
        if letters:  # a name by its pinyin, whole or initials: "zhangsan", "zhang san", "zs"
            matches += [Person.name_pinyin.startswith(letters, autoescape=True), Person.name_pinyin.contains(" " + letters, autoescape=True)]
        query = query.where(or_(*matches))
    return query.order_by(Organisation.path, Person.name_key, Credential.id)


def search(session: Session, text: str, per_page: int, page: int | None = None) -> Page[PublicEntry]:
    """One page of the register: COUNT and LIMIT/OFFSET in the database, then the page's domains in
    one more query."""
    rows = paginate(session, register_query(text), per_page, page, rows=True)
    ids = [row[0] for row in rows.items]
    domains: dict[int, list[str]] = defaultdict(list)
    if ids:
        for credential_id, name in session.execute(
                select(credential_domain.c.credential_id, EnforcementDomain.name).join(EnforcementDomain)
                .where(credential_domain.c.credential_id.in_(ids)).order_by(EnforcementDomain.code)):
            domains[credential_id].append(name)
    entries = [PublicEntry(name, number, org, tuple(domains[cid]), region, valid_to, status is CredentialStatus.SUSPENDED, name_mn, org_mn)
               for cid, name, number, org, region, valid_to, status, name_mn, org_mn in rows.items]
    return Page(entries, rows.page, rows.per_page, rows.total)

