"""Days in law are Beijing days: between 00:00 and 08:00 Beijing time the UTC day is still yesterday, and
an issue date, a validity date, lateness or the set-up output must not follow it."""
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest

from examsys import clock
from examsys.credentials import services
from examsys.credentials.keys import KeyStore
from tests.credential_fixtures import issue_request

EARLY_MORNING = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)  # 2026-06-02 07:30 in Beijing


@pytest.fixture
def issued_early(app, db, issuing, tmp_path):
    """A credential issued at 07:30 Beijing time on 2 June 2026 (still 1 June in UTC)."""
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    KeyStore(tmp_path / "keys").init(clock.now() - timedelta(minutes=5))
    clock.freeze(EARLY_MORNING)
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    db.commit()
    return credential, issuing


def _pdf_text(data: bytes, tmp_path, name: str) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("needs pdftotext (Debian poppler-utils; CI installs it)")
    pdf = tmp_path / name
    pdf.write_bytes(data)
    return "".join(subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout.split())


def test_today_is_the_beijing_day(app):
    clock.freeze(EARLY_MORNING)
    assert clock.now().date() == date(2026, 6, 1)  # what the code used to read
    assert clock.today() == date(2026, 6, 2)
    assert clock.local_date(datetime(2026, 6, 1, 15, 59, tzinfo=UTC)) == date(2026, 6, 1)
    assert clock.local_date(datetime(2026, 6, 1, 16, 0, tzinfo=UTC)) == date(2026, 6, 2)


def test_the_zone_is_a_setting_and_a_wrong_one_refuses_to_start(app):
    from examsys import create_app

    clock.freeze(EARLY_MORNING)
    app.config["TIMEZONE"] = "Europe/Berlin"
    assert clock.today() == date(2026, 6, 2)
    app.config["TIMEZONE"] = "America/New_York"
    assert clock.today() == date(2026, 6, 1)
    with pytest.raises(RuntimeError, match="EXAMSYS_TIMEZONE"):
        create_app({"TIMEZONE": "Mars/Olympus", "DATABASE_URL": "sqlite://"})


def test_a_credential_issued_at_dawn_carries_the_beijing_day_on_its_page(db, client, auth, issued_early):
    credential, issuing = issued_early
    assert credential.valid_from == date(2026, 6, 2)
    assert credential.valid_to >= date(2031, 6, 1)
    auth.login("issuer-hr")
    page = client.get(f"/credentials/{credential.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "2026-06-02 –" in page and "2026-06-01 –" not in page
    assert "2026-06-02 07:30" in page  # the issue event's time, on the wall clock of the region


def test_the_card_and_the_certificate_print_the_beijing_issue_date(db, client, auth, issued_early, tmp_path):
    credential, issuing = issued_early
    auth.login("candidate")  # the holder
    card = _pdf_text(client.get(f"/credentials/{credential.id}/card.pdf").data, tmp_path, "card.pdf")
    assert "2026.06.02—" in card and "2026.06.01" not in card
    certificate = _pdf_text(client.get(f"/credentials/{credential.id}/certificate.pdf").data, tmp_path, "certificate.pdf")
    assert "2026年6月2日至" in certificate and "2026年6月1日" not in certificate


def test_a_credential_is_expired_from_the_beijing_day_after_its_last(db, issued_early):
    credential, _ = issued_early
    last_day = credential.valid_to
    clock.freeze(datetime.combine(last_day, datetime.min.time(), UTC) + timedelta(hours=15, minutes=59))  # 23:59 Beijing
    assert credential.may_enforce()
    clock.advance(timedelta(minutes=2))  # 00:01 Beijing, the day after; still the last day in UTC
    assert not credential.may_enforce()


def test_a_follow_up_action_is_late_from_the_beijing_day_after_it_was_due(db, tree):
    from examsys.reviews.models import ActionStatus, FollowUpAction

    action = FollowUpAction(status=ActionStatus.OPEN, due_on=date(2026, 6, 1))
    clock.freeze(datetime(2026, 6, 1, 15, 0, tzinfo=UTC))  # 23:00 on the due day in Beijing
    assert not action.late()
    clock.freeze(EARLY_MORNING)  # 07:30 on 2 June in Beijing, 1 June in UTC
    assert action.late()


def test_seed_demo_prints_local_times(app, db, runner, tmp_path):
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    clock.freeze(EARLY_MORNING)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "demo exam: open until 2026-07-02 07:30 (Asia/Shanghai)" in result.output


def test_the_results_sheet_gives_hand_in_times_on_the_region_s_clock(db, exam, client, auth):
    from examsys.exams import room
    from examsys.exams.models import Attempt

    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    clock.freeze(datetime(2026, 6, 1, 11, 30, tzinfo=UTC))  # inside the exam's window; 19:30 in Beijing
    room.submit(db, exam["candidate"], attempt.id, room.start(db, exam["candidate"], attempt.id))
    db.commit()
    auth.login("examiner")
    assert client.post(f"/exams/plans/{exam['plan'].id}/publish").status_code == 302
    sheet = client.get(f"/exams/plans/{exam['plan'].id}/results.csv").data.decode("utf-8-sig")
    assert "2026-06-01 19:30:00" in sheet and "11:30" not in sheet
