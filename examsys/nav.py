"""The navigation bar: what each role reaches from every page."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from examsys.auth.models import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple[Role, ...]  # empty: every logged-in user


ITEMS = (
    NavItem("home.index", _l("Home"), ()),
    NavItem("orgs.index", _l("Organisations"), (Role.SYSADMIN, Role.EXAM_ADMIN, Role.HR_ADMIN, Role.REVIEWER, Role.AUDITOR)),
    NavItem("personnel.index", _l("Personnel"), (Role.HR_ADMIN, Role.AUDITOR, Role.REVIEWER)),
    NavItem("credentials.index", _l("Credentials"), (Role.HR_ADMIN,)),
    NavItem("credential_requests.queue", _l("Credential requests"), (Role.HR_ADMIN,)),
    NavItem("personnel.campaign_list", _l("Clean-up"), (Role.HR_ADMIN,)),
    NavItem("personnel.tasks", _l("HR tasks"), (Role.HR_ADMIN,)),
    NavItem("reviews.home", _l("Reviews"), (Role.HR_ADMIN, Role.REVIEWER, Role.AUDITOR)),
    NavItem("bank.index", _l("Question banks"), (Role.EXAM_ADMIN,)),
    NavItem("exams.plans", _l("Exams"), (Role.EXAM_ADMIN,)),
    NavItem("auth.accounts", _l("Accounts"), (Role.SYSADMIN,)),
    NavItem("supervision.dashboard", _l("Supervision"), (Role.AUDITOR, Role.SYSADMIN)),
    NavItem("api_clients.index", _l("API clients"), (Role.SYSADMIN,)),
    NavItem("audit.index", _l("Audit trail"), (Role.AUDITOR, Role.SYSADMIN)),
    NavItem("reports.index", _l("Reports from the public"), (Role.AUDITOR,)),
    NavItem("credentials.cases", _l("Revocation cases"), (Role.AUDITOR,)),
)


def current(items: list[NavItem]) -> NavItem | None:
    """The item whose address is the longest prefix of the page's address."""
    from flask import request, url_for

    best, best_length = None, 0
    for item in items:
        path = url_for(item.endpoint)
        if (request.path == path or (path != "/" and request.path.startswith(path.rstrip("/") + "/"))) and len(path) > best_length:
            best, best_length = item, len(path)
    return best


MY_RECORD = NavItem("me.my_record", _l("My record"), ())
MY_EXAMS = NavItem("exams.mine", _l("My exams"), ())
PRACTICE = NavItem("practice.practice_home", _l("Practice"), ())
MY_CREDENTIAL = NavItem("credentials_public.my_credential", _l("My credential"), ())
MY_REVIEWS = NavItem("reviews.mine", _l("My reviews"), ())


def navigation() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    roles = current_user.roles()
    items = [item for item in ITEMS if not item.roles or roles.intersection(item.roles)]
    if current_user.person_id is not None:
        items[1:1] = [MY_EXAMS, PRACTICE, MY_CREDENTIAL, MY_REVIEWS, MY_RECORD]
    return items
