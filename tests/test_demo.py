"""`flask seed-demo` leaves a working demo: idempotent, with an open exam and credentials in each state."""
from examsys.credentials.models import Credential, CredentialStatus
from examsys.exams.models import Attempt, ExamPlan


def test_seed_demo_twice_gives_one_demo_with_credentials_in_three_states(app, db, runner, tmp_path):
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "0 organisations, 0 accounts, 0 people created" in second.output
    assert {c.status for c in db.query(Credential)} == {CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED, CredentialStatus.REVOKED}
    # officer4 passed too, no credential yet; the third plan is the Mongolian paper
    assert db.query(ExamPlan).count() == 3 and db.query(Attempt).filter(Attempt.passed.is_(True)).count() == 4
    urls = [line.split(": ", 1)[1] for line in second.output.splitlines() if line.startswith("credential ")]
    verdicts = [runner.invoke(args=["credentials", "verify", url]).output.strip().splitlines()[-1] for url in urls]
    assert verdicts == ["VALID", "SUSPENDED", "NOT VALID"]


def test_the_demo_leaves_one_request_for_hr_to_approve(app, db, runner, tmp_path):
    from examsys.auth.models import User
    from examsys.credentials.models import CredentialRequest, RequestStatus
    from examsys.credentials.requests import services as requests

    app.config["KEY_DIR"] = str(tmp_path / "keys")
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    item = db.query(CredentialRequest).one()
    assert item.status is RequestStatus.PENDING and requests.current_reasons(db, item) == []
    hr, hr_xincheng = (db.query(User).filter_by(username=name).one() for name in ("hr", "hr_xincheng"))
    assert requests.may_decide(hr, item) and not requests.may_decide(hr_xincheng, item)
    assert requests.approve(db, hr, item.id).may_enforce()


def test_the_demo_officer_can_practise_in_mongolian(app, db, runner, client, auth, tmp_path):
    """The 22 Mongolian texts of 行政处罚法 are all on the open demo Mongolian plan's papers, which practice leaves out:
    the texts of 行政许可法 are not (fill-ins are on no demo paper at all), so the officer has Mongolian questions."""
    import re

    from examsys.demo import DEMO_PASSWORD

    app.config["KEY_DIR"] = str(tmp_path / "keys")
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    auth.login("officer", DEMO_PASSWORD)
    zh = {"Accept-Language": "zh-CN"}
    home = client.get("/practice/?language=mn", headers=zh).get_data(as_text=True)
    assert "您的练习题中还没有蒙古文文本已审核的题目。" not in home
    count = re.search(r"蒙古文题目 (\d+) 道", home)
    assert count and int(count[1]) >= 3, home  # at least the three fill-ins of 行政许可法
    page = client.get("/practice/question?language=mn", headers=zh).get_data(as_text=True)
    assert 'lang="mn-Mong"' in page and "mn-paper" in page and "中华人民共和国行政许可法" in page
