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
