"""The demo of `flask seed-demo`, seeded in Chinese as the command writes it, with the rows it leaves out
but pages show (a pytest plugin): for the crawl and the journeys that start from the demo."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from examsys import clock
from examsys.demo import DEMO_PASSWORD

# The demo accounts of the README, one per role and scope.
ROLES = ["admin", "admin_xincheng", "examadmin", "examadmin2", "hr", "hr_xincheng", "reviewer", "auditor",
         "officer", "officer2", "officer3"]
__all__ = ["DEMO_PASSWORD", "ROLES", "demo"]


def extra_demo_rows(session) -> None:
    """What `seed-demo` leaves out but pages show: a clean-up with its re-issuance, a report from the public."""
    from examsys.auth.models import User
    from examsys.credentials.models import Credential, CredentialStatus
    from examsys.credentials.reissue import services as reissue
    from examsys.credentials.reports.services import file_report
    from examsys.orgs.models import Organisation
    from examsys.personnel import campaigns

    hr = session.scalar(select(User).where(User.username == "hr"))
    county = session.scalar(select(Organisation).where(Organisation.code == "150102"))
    cleanup = campaigns.open_campaign(session, hr, county.id, "2026年新城区执法人员清理（演示）", clock.today() + timedelta(days=30))
    reissue.open_campaign(session, hr, reissue.ReissuePlan(org_id=county.id, cleanup_id=cleanup.id, name="2026年换发（演示）",
                                                           decision_number="呼执换〔2026〕3号"))
    active = session.scalar(select(Credential).where(Credential.status == CredentialStatus.ACTIVE))
    file_report(session, active.id, "conduct", "执法时态度粗暴（演示数据）")


@pytest.fixture
def demo(app, db, tmp_path):
    """The demo data, committed. Its stored words (follow-up descriptions, labels) are Chinese, as `flask
    seed-demo` writes them with the default locale (the test config's default is English)."""
    from examsys.db import get_session
    from examsys.demo import seed_demo

    app.config["KEY_DIR"] = str(tmp_path / "keys")
    # Its own app context, as the command has: the locale chosen here stays here.
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        session = get_session()
        seed_demo(session)
        extra_demo_rows(session)
        session.commit()
    return db
