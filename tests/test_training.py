"""Training records (培训): HR's entry on the person's page, the all-or-nothing import with errors by row
and column, the officer's own view, scope, and the hours a renewal needs (rule 13)."""
import io
from datetime import UTC, date, datetime

import pytest

from examsys import clock
from examsys.audit.models import AuditEntry
from examsys.auth.models import Role
from examsys.errors import ValidationFailed
from examsys.imports.tabular import write_csv, write_xlsx
from examsys.personnel import training
from examsys.personnel.models import TrainingRecord
from tests.credential_fixtures import draft, issue_request, pass_exam
from tests.factories import make_person, make_user


@pytest.fixture
def hr(db, tree, auth, frozen_clock):
    user = make_user(db, "county-hr", tree.county, Role.HR_ADMIN)
    make_user(db, "neighbour-hr", tree.other_county, Role.HR_ADMIN)
    auth.login("county-hr")
    return user


def _add(client, person, **over):
    data = {"course": "行政处罚法专题培训", "provider": "新城区司法局", "completed_on": "2026-03-20", "hours": "16"}
    data.update(over)
    return client.post(f"/personnel/{person.id}/training", data=data, follow_redirects=True)


def test_hr_records_training_on_the_persons_page_and_the_officer_reads_it_on_their_own(db, tree, hr, client, auth):
    person = make_person(db, tree.county_dept, name="赵敏")
    page = _add(client, person).get_data(as_text=True)
    assert "Training recorded." in page and "行政处罚法专题培训" in page and "2026: 16 hours" in page
    assert "A renewal needs 60 hours of training in each full year" in page
    entry = db.query(AuditEntry).filter_by(action="training.add").one()
    assert entry.target_id == str(person.id) and entry.after["hours"] == 16 and entry.actor_id == hr.id
    make_user(db, "zhaomin", tree.county_dept, person=person)
    auth.logout()
    auth.login("zhaomin")
    own = client.get("/me/").get_data(as_text=True)
    assert "行政处罚法专题培训" in own and "2026: 16 hours" in own and "Record training" not in own
    assert client.post(f"/personnel/{person.id}/training", data={"course": "自己加的", "completed_on": "2026-03-21", "hours": "40"}).status_code == 404
    assert db.query(TrainingRecord).count() == 1


@pytest.mark.parametrize("over, message", [
    ({"hours": "0"}, "Hours must be a whole number from 1 to 500."),
    ({"completed_on": "2026-07-01"}, "The course cannot end in the future."),
    ({"course": ""}, "Name the course."),
])
def test_a_wrong_training_entry_is_refused_at_its_field_and_nothing_is_saved(db, tree, hr, client, over, message):
    person = make_person(db, tree.county_dept)
    page = _add(client, person, **over).get_data(as_text=True)
    assert message in page and db.query(TrainingRecord).count() == 0


def test_the_same_course_twice_is_refused_and_another_countys_hr_cannot_add(db, tree, hr, client, auth):
    person = make_person(db, tree.county_dept)
    _add(client, person)
    assert "This course on this day is already on record." in _add(client, person).get_data(as_text=True)
    auth.logout()
    auth.login("neighbour-hr")
    assert client.post(f"/personnel/{person.id}/training", data={"course": "x", "completed_on": "2026-03-20", "hours": "8"}).status_code == 404
    assert db.query(TrainingRecord).count() == 1


def _upload(client, data: bytes, name: str):
    return client.post("/personnel/training/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_an_import_previews_then_adds_and_a_reimport_adds_nothing(db, tree, hr, client):
    a = make_person(db, tree.county_dept, name="钱一")
    b = make_person(db, tree.county, name="孙二")
    rows = [{"id_number": a.id_number, "name": "钱一", "course": "行政许可法", "provider": "市司法局", "completed_on": "2025-05-06", "hours": "24"},
            {"id_number": a.id_number, "name": "钱一", "course": "行政强制法", "completed_on": "2025/11/02", "hours": "40"},
            {"id_number": b.id_number, "name": "孙二", "course": "行政许可法", "completed_on": "2026-01-15", "hours": "12"}]
    data = write_xlsx(training.COLUMNS, rows)
    page = _upload(client, data, "training.xlsx").get_data(as_text=True)
    assert "3 training records to add, 0 already on record." in page and db.query(TrainingRecord).count() == 0
    staged = page.split('name="staged_id" type="hidden" value="')[1].split('"')[0]
    done = client.post("/personnel/training/import/confirm", data={"staged_id": staged}, follow_redirects=True).get_data(as_text=True)
    assert "Import finished: 3 training records added, 0 already on record." in done
    assert training.hours_by_year(db, a.id) == {2025: 64} and training.hours_by_year(db, b.id) == {2026: 12}
    assert db.query(AuditEntry).filter_by(action="training.add").count() == 3
    again = _upload(client, data, "training.xlsx").get_data(as_text=True)
    assert "0 training records to add, 3 already on record." in again and "Nothing to add" in again


def test_an_import_with_bad_rows_is_refused_whole_with_each_row_and_column(db, tree, hr, client):
    mine = make_person(db, tree.county_dept, name="周三")
    theirs = make_person(db, tree.other_dept, name="吴四")
    rows = [{"id_number": mine.id_number, "name": "周三", "course": "行政处罚法", "completed_on": "2026-02-01", "hours": "16"},
            {"id_number": mine.id_number, "name": "周叁", "course": "行政复议法", "completed_on": "2026-13-01", "hours": "八"},
            {"id_number": theirs.id_number, "name": "吴四", "course": "行政处罚法", "completed_on": "2026-02-01", "hours": "16"},
            {"id_number": mine.id_number, "name": "周三", "course": "行政处罚法", "completed_on": "2026-02-01", "hours": "16"}]
    response = _upload(client, write_csv(training.COLUMNS, rows), "training.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "5 errors — nothing was imported" in page
    assert "<td>3</td><td>姓名</td><td>The register names this person 周三.</td>" in page
    assert "<td>3</td><td>培训日期</td><td>Give the date of the course, as YYYY-MM-DD.</td>" in page
    assert "<td>3</td><td>学时</td><td>Hours must be a whole number from 1 to 500.</td>" in page
    assert "<td>4</td><td>身份证号码</td><td>No one with this ID number on the register of your organisations.</td>" in page
    assert "<td>5</td><td>培训名称</td><td>The same course on the same day is in row 2.</td>" in page
    assert db.query(TrainingRecord).count() == 0


def test_the_full_years_of_a_credential_are_the_years_checked():
    assert list(training.full_years(date(2026, 6, 1), date(2030, 12, 1))) == [2027, 2028, 2029]
    assert list(training.full_years(date(2026, 1, 1), date(2028, 3, 1))) == [2026, 2027]


def test_a_renewal_short_of_training_hours_says_which_years_until_they_are_on_record(db, tree, requesting):
    from examsys.credentials import requests, services
    from examsys.exams import results as exam_results
    from tests.test_credential_requests import _renewal_exam

    old = services.issue(db, requesting["hr"], issue_request(requesting, requesting["officer"]))  # valid from 2026-06-01
    clock.freeze(datetime(2030, 12, 1, 9, 0, tzinfo=UTC))
    renewal = _renewal_exam(db, tree, requesting)
    pass_exam(db, requesting["candidate"], renewal)
    exam_results.publish_results(db, requesting["admin"], renewal.plan_id)  # only published results count
    officer = requesting["officer"]
    training.add_training(db, requesting["hr"], officer.id, training.TrainingEntry("行政处罚法", "", date(2026, 9, 1), 10))  # not a full year
    training.add_training(db, requesting["hr"], officer.id, training.TrainingEntry("行政处罚法", "", date(2027, 9, 1), 60))
    training.add_training(db, requesting["hr"], officer.id, training.TrainingEntry("行政许可法", "", date(2028, 4, 1), 32))
    with pytest.raises(ValidationFailed) as caught:
        requests.request_renewal(db, requesting["requester"], old.id, draft(requesting))
    assert caught.value.field_errors["person_id"] == ["Training in 2028: 32 of the 60 hours a year a renewal needs.",
                                                      "Training in 2029: 0 of the 60 hours a year a renewal needs."]
    training.add_training(db, requesting["hr"], officer.id, training.TrainingEntry("行政强制法", "", date(2028, 10, 1), 28))
    training.add_training(db, requesting["hr"], officer.id, training.TrainingEntry("行政复议法", "", date(2029, 3, 1), 60))
    item = requests.request_renewal(db, requesting["requester"], old.id, draft(requesting))
    assert requests.approve(db, requesting["hr"], item.id).may_enforce()


def test_the_hours_a_year_are_a_setting(app, db, tree, requesting):
    from examsys.credentials import services

    services.issue(db, requesting["hr"], issue_request(requesting, requesting["officer"]))
    clock.freeze(datetime(2030, 12, 1, 9, 0, tzinfo=UTC))
    assert "Training in 2027: 0 of the 60 hours a year a renewal needs." in services.eligibility(
        db, requesting["officer"], [requesting["market"].id], exam_rule="renewal")
    app.config["TRAINING_HOURS_PER_YEAR"] = 0
    assert not [r for r in services.eligibility(db, requesting["officer"], [requesting["market"].id], exam_rule="renewal")
                if r.startswith("Training")]

