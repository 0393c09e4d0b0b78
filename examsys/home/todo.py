"""What waits for the user, on their home page: one count per kind of work their roles give them,
each counted by the same query (and so in the same scope) as the list it links to."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from examsys.auth.models import Role, User
from examsys.bank.models import VersionStatus
from examsys.bank.services import QuestionFilter, version_query
from examsys.credentials.models import ReportStatus, RequestStatus
from examsys.credentials.reports import services as reports
from examsys.credentials.requests import services as credential_requests
from examsys.credentials.services import issuers
from examsys.pagination import count_rows
from examsys.reviews import services as reviews


@dataclass(frozen=True)
class Todo:
    label: object  # a lazy string: "Credential requests awaiting my approval"
    count: int
    url: str


def todos(session: Session, user: User) -> list[Todo]:
    """Each kind of work the user's roles and record give them, with how many items wait (zero
    included, so that the home page says "nothing waits" rather than hiding the kind)."""
    found: list[Todo] = []
    roles = user.roles()
    if Role.HR_ADMIN in roles:
        if issuers(session, user):
            four_eyes = credential_requests.four_eyes()  # then one's own requests wait for someone else
            pending = credential_requests.RequestFilter(status=RequestStatus.PENDING, others=four_eyes)
            found.append(Todo(_l("Credential requests awaiting my approval"),
                              count_rows(session, credential_requests.queue_query(session, user, pending)),
                              url_for("credential_requests.queue", status="pending", who="others" if four_eyes else "all")))
        returned = credential_requests.RequestFilter(status=RequestStatus.RETURNED, mine=True)
        found.append(Todo(_l("Credential requests returned to me"),
                          count_rows(session, credential_requests.requests_query(session, user, returned)),
                          url_for("credential_requests.mine", status="returned", who="me")))
        found.append(Todo(_l("Disputed reviews to decide"), count_rows(session, reviews.disputes_query(session, user)),
                          url_for("reviews.home", _anchor="disputes")))
    if Role.REVIEWER in roles:
        found.append(Todo(_l("Reviews to enter"), count_rows(session, reviews.to_enter_query(session, user)),
                          url_for("reviews.home", _anchor="to-enter")))
    if Role.EXAM_ADMIN in roles:
        drafts = QuestionFilter(status=VersionStatus.DRAFT, by_others=True)
        found.append(Todo(_l("Questions awaiting my review"), count_rows(session, version_query(session, user, drafts)),
                          url_for("bank.index", status="draft", by="others")))
    if Role.AUDITOR in roles:
        found.append(Todo(_l("Reports from the public awaiting an answer"),
                          count_rows(session, reports.report_query(session, user, ReportStatus.OPEN)),
                          url_for("reports.index", status="open")))
    if user.person_id is not None:
        found.append(Todo(_l("Reviews to acknowledge"), count_rows(session, reviews.awaiting_response_query(session, user.person_id)),
                          url_for("reviews.mine")))
    return found
