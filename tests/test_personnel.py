"""The personnel register: ID numbers, records, scope, photos, imports, employment changes, the officer's own page."""
import io

import pytest
from PIL import Image

from examsys.auth.models import Role
from examsys.errors import ValidationFailed
from examsys.imports.tabular import write_csv, write_xlsx
from examsys.personnel import importer, services
from examsys.personnel.models import (
    CorrectionRequest,
    EmploymentStatus,
    EnforcementDomain,
    Person,
    PersonnelKind,
    PersonnelTask,
    StaffingKind,
    TaskStatus,
)
from tests.factories import make_person, make_user

VALID_IDS = ["11010519491231002X", "150102198506150012", "150105199001010018", "150102197703030031"]


@pytest.fixture
def hr(db, tree, auth):
    db.add(EnforcementDomain(code="market", name="市场监管"))
    db.commit()
    user = make_user(db, "county-hr", tree.county, Role.HR_ADMIN)
    make_user(db, "neighbour-hr", tree.other_county, Role.HR_ADMIN)
    auth.login("county-hr")
    return user


def _values(org, **over):
    values = {"id_number": VALID_IDS[1], "name": "王伟", "org_id": org.id, "kind": PersonnelKind.OFFICER,
              "staffing_kind": StaffingKind.CIVIL_SERVANT, "post": "执法科员", "training_hours": 40}
    values.update(over)
    return values


@pytest.mark.parametrize(("number", "message"), [
    ("150102198506150013", "check character"),
    ("150102198502300013", "does not exist"),
    ("15010219850615001", "18 characters"),
])
def test_bad_id_numbers_are_refused_with_the_reason(db, tree, hr, number, message):
    with pytest.raises(ValidationFailed) as caught:
        services.create_person(db, hr, _values(tree.county_dept, id_number=number))
    assert message in caught.value.field_errors["id_number"][0]


def test_a_duplicate_id_number_is_refused(db, tree, hr):
    services.create_person(db, hr, _values(tree.county_dept))
    with pytest.raises(ValidationFailed) as caught:
        services.create_person(db, hr, _values(tree.county_dept, name="另一人"))
    assert "already on the register" in caught.value.field_errors["id_number"][0]


def test_auxiliary_staff_are_stored_with_their_kind_and_listed_apart(db, tree, hr, client):
    services.create_person(db, hr, _values(tree.county_dept))
    services.create_person(db, hr, _values(tree.county_dept, id_number=VALID_IDS[3], name="协管员甲", kind=PersonnelKind.AUXILIARY,
                                           staffing_kind=StaffingKind.DISPATCHED, duties="协助巡查", directed_by="稽查科"))
    db.commit()
    page = client.get("/personnel/?kind=auxiliary").get_data(as_text=True)
    assert "协管员甲" in page and "王伟" not in page
    assert db.query(Person).filter_by(name="协管员甲").one().kind is PersonnelKind.AUXILIARY


def test_auxiliary_staff_need_duties_and_who_directs_them(db, tree, hr):
    with pytest.raises(ValidationFailed) as caught:
        services.create_person(db, hr, _values(tree.county_dept, kind=PersonnelKind.AUXILIARY))
    assert {"duties", "directed_by"} <= set(caught.value.field_errors)


def test_id_numbers_are_masked_outside_hr(db, tree, hr, client, auth):
    person = make_person(db, tree.county_dept)
    assert person.id_number in client.get(f"/personnel/{person.id}").get_data(as_text=True)
    make_user(db, "auditor", tree.region, Role.AUDITOR)
    auth.logout()
    auth.login("auditor")
    page = client.get(f"/personnel/{person.id}").get_data(as_text=True)
    assert person.id_number not in page and person.id_number[:4] + "**********" in page


def test_county_hr_cannot_read_or_change_another_county(db, tree, hr, client):
    foreign = make_person(db, tree.other_dept, name="邻县人员")
    assert "邻县人员" not in client.get("/personnel/").get_data(as_text=True)
    assert client.get(f"/personnel/{foreign.id}").status_code == 404
    assert client.post(f"/personnel/{foreign.id}/edit", data={"name": "改名"}).status_code == 404
    assert client.post(f"/personnel/{foreign.id}/employment", data={"status": "retired", "reason": "x"}).status_code == 404
    db.expire_all()
    assert db.get(Person, foreign.id).name == "邻县人员"


def test_a_transfer_hands_the_record_to_the_receiving_hr(db, tree, hr, client, auth):
    person = make_person(db, tree.county_dept, name="调动人员")
    response = client.post(f"/personnel/{person.id}/transfer", data={"org_id": tree.other_dept.id, "reason": "调令〔2026〕1号"})
    assert response.status_code == 302
    assert client.get(f"/personnel/{person.id}").status_code == 404
    auth.logout()
    auth.login("neighbour-hr")
    page = client.get(f"/personnel/{person.id}").get_data(as_text=True)
    assert "调动人员" in page and "Person transferred in" in page and "调令〔2026〕1号" in page


def test_leaving_post_without_a_credential_records_the_task_and_closes_it(db, tree, hr, client):
    """The decision task is on the record, closed at once: there is no credential to decide on (the case
    with a credential: tests/test_standing.py)."""
    person = make_person(db, tree.county_dept)
    client.post(f"/personnel/{person.id}/employment", data={"status": "retired", "reason": "退休审批〔2026〕8号"})
    task = db.query(PersonnelTask).filter_by(person_id=person.id).one()
    assert task.status is TaskStatus.DONE and "退休审批" in task.reason
    assert "退休审批" not in client.get("/personnel/tasks").get_data(as_text=True)


def test_history_shows_who_changed_what_and_why(db, tree, hr, client):
    person = make_person(db, tree.county_dept, post="科员")
    form = {"name": person.name, "kind": "officer", "staffing_kind": "civil_servant", "post": "副科长", "training_hours": 0, "reason": "任职通知"}
    assert client.post(f"/personnel/{person.id}/edit", data=form).status_code == 302
    page = client.get(f"/personnel/{person.id}").get_data(as_text=True)
    assert "county-hr" in page and "Post: 科员 → 副科长" in page and "任职通知" in page


# ---- photos -----------------------------------------------------------------------------------------

def _image(fmt: str, size=(600, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def test_a_photo_is_re_encoded_and_cropped_to_the_id_ratio(db, tree, hr, client):
    person = make_person(db, tree.county_dept)
    client.post(f"/personnel/{person.id}/photo", data={"photo": (io.BytesIO(_image("PNG", (1000, 800))), "me.png")},
                content_type="multipart/form-data")
    response = client.get(f"/personnel/{person.id}/photo.jpg")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(response.data)).size == (390, 480)


@pytest.mark.parametrize(("data", "message"), [
    (b"<script>alert(1)</script>", "Only JPEG and PNG"),
    (b"\x89PNG\r\n\x1a\n<script>alert(1)</script>", "not a readable image"),
    (_image("GIF"), "Only JPEG and PNG"),
    (_image("PNG", (8000, 6000)), "too many pixels"),
    (_image("JPEG", (60, 80)), "too small"),
])
def test_a_photo_that_is_not_a_sane_image_is_refused(db, tree, hr, client, data, message):
    person = make_person(db, tree.county_dept)
    response = client.post(f"/personnel/{person.id}/photo", data={"photo": (io.BytesIO(data), "x.jpg")}, content_type="multipart/form-data",
                           follow_redirects=True)
    assert message in response.get_data(as_text=True)
    assert db.get(Person, person.id).photo is None


# ---- import -----------------------------------------------------------------------------------------

def _rows():
    return [
        {"id_number": VALID_IDS[1], "name": "王伟", "org_code": "150102-SJJ", "kind": "执法人员", "staffing_kind": "公务员",
         "employment_status": "在岗", "post": "执法科员", "domains": "market", "training_hours": "40"},
        {"id_number": VALID_IDS[3], "name": "李娜", "org_code": "150102-SJJ", "kind": "执法辅助人员", "staffing_kind": "劳务派遣",
         "post": "协管员", "duties": "协助巡查", "directed_by": "稽查科"},
    ]


def _post(client, data: bytes, name: str, org_id: int):
    return client.post("/personnel/import", data={"org_id": org_id, "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_a_clean_import_previews_then_creates_and_a_reimport_changes_nothing(db, tree, hr, client):
    data = write_xlsx(importer.COLUMNS, _rows())
    page = _post(client, data, "people.xlsx", tree.county.id).get_data(as_text=True)
    assert "2 to add, 0 to update, 0 unchanged." in page and db.query(Person).count() == 0
    staged = page.split('name="staged_id" type="hidden" value="')[1].split('"')[0]
    assert client.post("/personnel/import/confirm", data={"staged_id": staged, "org_id": tree.county.id}).status_code == 302
    assert db.query(Person).count() == 2
    assert db.query(Person).filter_by(name="王伟").one().domains[0].code == "market"
    page = _post(client, data, "people.xlsx", tree.county.id).get_data(as_text=True)
    assert "0 to add, 0 to update, 2 unchanged." in page and "Nothing to change" in page


def test_an_import_with_good_and_bad_rows_is_rejected_whole_with_each_row_and_column(db, tree, hr, client):
    rows = _rows() + [
        {"id_number": "150102198506150013", "name": "错号", "org_code": "150102-SJJ", "kind": "执法人员", "staffing_kind": "公务员"},
        {"id_number": VALID_IDS[0], "name": "", "org_code": "150102-SJJ", "kind": "协警", "staffing_kind": "公务员"},
        {"id_number": VALID_IDS[1], "name": "重复", "org_code": "150102-SJJ", "kind": "执法人员", "staffing_kind": "公务员"},
    ]
    response = _post(client, write_csv(importer.COLUMNS, rows), "people.csv", tree.county.id)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "nothing was imported" in page
    assert "<td>4</td><td>身份证号码</td><td>The check character" in page
    assert "<td>5</td><td>人员类别</td>" in page and "<td>5</td><td>姓名</td>" in page
    assert "<td>6</td><td>身份证号码</td><td>The same ID number is in row 2.</td>" in page
    assert db.query(Person).count() == 0


def test_import_into_another_county_is_refused(db, tree, hr, client):
    rows = [dict(_rows()[0], org_code="150105-SJJ")]
    page = _post(client, write_csv(importer.COLUMNS, rows), "people.csv", tree.county.id).get_data(as_text=True)
    assert "No organisation 150105-SJJ under 新城区" in page
    assert db.query(Person).count() == 0


def test_the_command_line_import_prints_counts_or_every_error(db, tree, runner, tmp_path):
    db.add(EnforcementDomain(code="market", name="市场监管"))
    db.commit()
    good = tmp_path / "good.csv"
    good.write_bytes(write_csv(importer.COLUMNS, _rows()))
    result = runner.invoke(args=["personnel", "import", str(good), "--org", "150102"])
    assert result.exit_code == 0 and "2 created, 0 updated, 0 unchanged" in result.output
    result = runner.invoke(args=["personnel", "import", str(good), "--org", "150102"])
    assert "0 created, 0 updated, 2 unchanged" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(write_csv(importer.COLUMNS, [dict(_rows()[0], id_number="123")]))
    result = runner.invoke(args=["personnel", "import", str(bad), "--org", "150102"])
    assert result.exit_code == 1 and "row 2, column 身份证号码" in result.output


def test_export_has_the_import_shape(db, tree, hr, client):
    make_person(db, tree.county_dept, name="导出人员")
    response = client.get("/personnel/export.csv")
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("身份证号码,姓名,单位代码,人员类别") and "导出人员" in text


# ---- the officer's own page -------------------------------------------------------------------------

def test_an_officer_sees_their_record_and_asks_hr_for_a_correction(db, tree, hr, client, auth):
    person = make_person(db, tree.county_dept, name="本人")
    make_user(db, "me", tree.county_dept, person=person)
    auth.logout()
    auth.login("me")
    page = client.get("/me/").get_data(as_text=True)
    assert "本人" in page and person.id_number in page
    client.post("/me/", data={"text": "我的职级应为二级主任科员"})
    assert client.get(f"/personnel/{person.id}").status_code == 404  # the register itself stays closed to officers
    auth.logout()
    auth.login("county-hr")
    assert "我的职级应为二级主任科员" in client.get("/personnel/tasks").get_data(as_text=True)
    item = db.query(CorrectionRequest).one()
    client.post(f"/personnel/corrections/{item.id}", data={"response": "已更正"})
    db.expire_all()
    assert db.get(CorrectionRequest, item.id).status is TaskStatus.DONE


def test_employment_status_is_kept(db, tree, hr):
    person = make_person(db, tree.county_dept)
    services.change_employment(db, hr, person.id, EmploymentStatus.RESIGNED, "辞职批复")
    assert person.employment_status is EmploymentStatus.RESIGNED


def test_the_register_lists_names_in_pinyin_order(db, tree, hr):
    for name in ["赵六", "张三", "王五", "陈七", "李四"]:  # in code-point order 张 李 王 赵 陈
        make_person(db, tree.county_dept, name=name)
    def listed() -> list[str]:
        return [p.name for p in db.scalars(services.person_query(db, hr, services.PersonFilter(org_id=tree.county_dept.id)))]

    assert listed() == ["陈七", "李四", "王五", "张三", "赵六"]
    db.query(Person).filter_by(name="赵六").one().name = "艾六"  # a corrected name sorts where it now belongs
    db.commit()
    assert listed() == ["艾六", "陈七", "李四", "王五", "张三"]


def test_rare_characters_and_polyphonic_surnames_sort_by_their_pinyin(db, tree, hr):
    # 䶮 (yǎn) is outside GB2312 and sorted after every common character by GB18030 bytes; 单 reads
    # Shàn and 曾 Zēng as surnames (dān and céng elsewhere); 张 and 章 are both zhāng.
    for name in ["章一", "䶮军", "曾国藩", "单雄信", "邓二", "张三丰", "蔡五", "张三", "岑六", "Alice"]:
        make_person(db, tree.county_dept, name=name)
    db.commit()
    listed = [p.name for p in db.scalars(services.person_query(db, hr, services.PersonFilter(org_id=tree.county_dept.id)))]
    assert listed == ["Alice", "蔡五", "岑六", "邓二", "单雄信", "䶮军", "曾国藩", "张三", "张三丰", "章一"]
