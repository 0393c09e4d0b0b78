"""Each role's home page says what waits for them, each count linked to its list and counted in the
same scope as that list; the counts follow the work as it is done. On the demo data (`flask seed-demo`)."""
import html
import re

import pytest

from examsys.auth.models import User
from examsys.demo import DEMO_PASSWORD


@pytest.fixture
def demo(app, db, runner, tmp_path):
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return {u.username: u for u in db.query(User)}


def todos(client, username: str) -> dict[str, tuple[int, str]]:
    """The home page's "Waiting for you" as {label: (count, link)}, for `username`."""
    client.post("/logout")
    assert client.post("/login", data={"identifier": username, "password": DEMO_PASSWORD}).status_code == 302
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    items = re.findall(r'<li data-todo="[^"]*"><a href="([^"]*)">([^<]*)</a>\s*<span class="count[^"]*" data-count="(\d+)">', page)
    return {html.unescape(label): (int(count), html.unescape(url)) for url, label, count in items}


def rows_of(client, url: str) -> str:
    response = client.get(url, headers={"Accept-Language": "en"})
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_hr_of_the_issuing_authority_sees_the_request_to_approve_and_the_requester_sees_it_returned(db, client, demo):
    from examsys.credentials.models import CredentialRequest
    from examsys.credentials.requests import services as requests

    item = db.query(CredentialRequest).one()  # hr_xincheng asked 呼和浩特市 for a credential
    count, url = todos(client, "hr")["Credential requests awaiting my approval"]
    assert count == 1 and url.startswith("/credentials/requests/")
    assert item.person.name in rows_of(client, url)
    assert todos(client, "hr")["Credential requests returned to me"][0] == 0
    assert "Credential requests awaiting my approval" not in todos(client, "hr_xincheng")  # no issuing authority in reach
    assert todos(client, "hr_xincheng")["Credential requests returned to me"][0] == 0

    requests.send_back(db, demo["hr"], item.id, "请补充法律职业资格证书编号")
    db.commit()
    assert todos(client, "hr")["Credential requests awaiting my approval"][0] == 0
    count, url = todos(client, "hr_xincheng")["Credential requests returned to me"]
    assert count == 1 and item.person.name in rows_of(client, url)


def test_the_approver_does_not_count_a_request_they_made_themselves(app, db, client, demo):
    from examsys.credentials.models import CredentialRequest

    item = db.query(CredentialRequest).one()
    item.requested_by_id = item.submitted_by_id = demo["hr"].id  # four eyes: hr may not decide it now
    db.commit()
    count, url = todos(client, "hr")["Credential requests awaiting my approval"]
    assert count == 0 and item.person.name not in rows_of(client, url)
    app.config["CREDENTIAL_FOUR_EYES"] = False  # one step: then hr may decide their own request
    count, url = todos(client, "hr")["Credential requests awaiting my approval"]
    assert count == 1 and item.person.name in rows_of(client, url)


def test_the_reviewer_sees_the_reviews_to_enter_and_the_count_falls_as_they_are_entered(db, client, demo):
    from examsys.reviews import services
    from examsys.reviews.services import ScoreEntry

    waiting = services.to_enter(db, demo["reviewer"])
    count, url = todos(client, "reviewer")["Reviews to enter"]
    assert count == len(waiting) > 0
    assert all(review.person.name in rows_of(client, url) for review in waiting)
    review = waiting[0]
    services.enter(db, demo["reviewer"], review.id, [ScoreEntry(i.id, "1") for i in review.scheme.leaves], "按时完成", submit=True)
    db.commit()
    assert todos(client, "reviewer")["Reviews to enter"][0] == count - 1
    assert "Reviews to enter" not in todos(client, "hr")  # not a reviewer


def test_the_officer_acknowledges_and_a_dispute_waits_for_hr(db, client, demo):
    from examsys.reviews import services

    count, url = todos(client, "officer")["Reviews to acknowledge"]
    assert count == 1 and url == "/reviews/mine"
    review = db.scalars(services.awaiting_response_query(db, demo["officer"].person_id)).one()
    assert todos(client, "hr_xincheng")["Disputed reviews to decide"][0] == 0
    services.respond(db, demo["officer"], review.id, False, "第二项评分依据不实")
    db.commit()
    assert todos(client, "officer")["Reviews to acknowledge"][0] == 0
    count, url = todos(client, "hr_xincheng")["Disputed reviews to decide"]
    assert count == 1 and "第二项评分依据不实" in rows_of(client, url)
    assert todos(client, "hr")["Disputed reviews to decide"][0] == 1  # the region's HR reaches 新城区 too


def test_the_auditor_sees_reports_from_the_public_awaiting_an_answer(db, client, demo):
    from examsys.credentials.models import Credential, CredentialStatus
    from examsys.credentials.reports import services as reports

    assert todos(client, "auditor")["Reports from the public awaiting an answer"][0] == 0
    credential = db.query(Credential).filter_by(status=CredentialStatus.ACTIVE).first()
    report = reports.file_report(db, credential.id, "conduct", "执法时态度粗暴")
    db.commit()
    count, url = todos(client, "auditor")["Reports from the public awaiting an answer"]
    assert count == 1 and credential.number in rows_of(client, url)
    reports.handle_report(db, demo["auditor"], report.id, "已约谈")
    db.commit()
    assert todos(client, "auditor")["Reports from the public awaiting an answer"][0] == 0
    assert "Reports from the public awaiting an answer" not in todos(client, "hr")


def test_an_exam_admin_sees_the_drafts_of_others_to_review(db, client, demo):
    from examsys.bank import services

    assert todos(client, "examadmin")["Questions awaiting my review"][0] == 0  # the starter banks are active
    question = services.create_question(db, demo["examadmin2"], org_id=demo["examadmin2"].org_id, part=services.BankPart.COMMON, domain_id=None,
                                        raw={"type": "true_false", "stem": "行政许可应当公开。", "answer": True,
                                             "law": "中华人民共和国行政许可法", "article": "第五条", "difficulty": 1, "explanation": "公开原则。"})
    db.commit()
    count, url = todos(client, "examadmin")["Questions awaiting my review"]
    assert count == 1 and question.ref in rows_of(client, url)
    count, url = todos(client, "examadmin2")["Questions awaiting my review"]  # the author: four eyes
    assert count == 0 and question.ref not in rows_of(client, url)


def test_the_list_of_what_waits_reads_in_chinese(client, demo):
    assert client.post("/login", data={"identifier": "hr", "password": DEMO_PASSWORD}).status_code == 302
    page = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    for text in ("待办事项", "待我审批的执法证申请", "退回给我的执法证申请", "待处理的考核异议"):
        assert text in page, text
