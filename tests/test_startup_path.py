"""A region starts from nothing (issue 16.2): on an empty, migrated database and without `seed-demo`, the
path README's Production section walks an operator through, by the command line and the pages, until a
printed card verifies VALID. Runs on PostgreSQL too when EXAMSYS_TEST_DATABASE_URL is set."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest

from examsys import clock
from examsys.auth.models import User
from examsys.auth.permissions import SYSTEM
from examsys.personnel import idnumber
from tests.page_forms import form_pairs, read_form

EN = {"Accept-Language": "en"}
OWN = "Grass-Sky-Horse-2026"  # the password each holder sets at first login

TREE = ("代码,名称,类型,上级代码,区划代码,发证机关,证号前缀\n"
        "150100,呼和浩特市,盟市,150000,150100,是,150100\n"
        "150102,新城区,旗县区,150100,150102,,\n"
        "150102-SJJ,新城区市场监督管理局,部门,150102,,,\n")

SECTOR_BANK = """part: sector
domain: market
domain_name: 市场监管
law: 中华人民共和国产品质量法
law_version: "2018"
questions:
  - ref: CZ-T-001
    type: true_false
    stem: 产品质量应当检验合格，不得以不合格产品冒充合格产品。
    answer: true
    article: 第十二条
    difficulty: 1
    explanation: 第十二条规定产品质量应当检验合格，不得以不合格产品冒充合格产品。
"""


def _id_number(serial: int) -> str:
    first17 = f"1501021985{serial:02d}15{serial:03d}"
    return first17 + idnumber.check_character(first17)


def _text(response) -> str:
    return _text_of(response.get_data(as_text=True))


def _staged(page: str) -> str:
    return page.split('name="staged_id" type="hidden" value="')[1].split('"')[0]


def _login(client, username: str, password: str) -> None:
    response = client.post("/login", data={"identifier": username, "password": password})
    assert response.status_code == 302, _text(response)


def _logout(client) -> None:
    client.post("/logout")


def _account(client, username: str, name: str, org_id: int, role: str) -> str:
    """The administrator creates an account on the page and grants it a role there; returns the one-time
    password the page shows."""
    values, options = read_form(client.get("/accounts/new", headers=EN).get_data(as_text=True), action="")
    assert str(org_id) in options["org_id"]
    values.update(username=username, display_name=name, org_id=str(org_id))
    page = client.post("/accounts/new", data=values, headers=EN)
    assert f"Account {username} created" in _text(page)
    password = re.search(r'<p class="secret"[^>]*>([^<]+)</p>', page.get_data(as_text=True)).group(1).strip()
    user_id = re.search(r"/accounts/(\d+)", page.get_data(as_text=True)).group(1)
    response = client.post(f"/accounts/{user_id}/grants", data={"role": role, "org_id": org_id})
    assert response.status_code == 302
    assert "Role granted." in _text(client.get(response.headers["Location"], headers=EN))
    return password


def _first_login(client, username: str, password: str) -> None:
    """The holder logs in with the one-time password and sets their own."""
    _login(client, username, password)
    response = client.post("/account/password", data={"current_password": password, "new_password": OWN,
                                                      "confirm": OWN})
    assert response.status_code == 302, _text(response)


def test_a_region_starts_on_an_empty_database_and_its_first_card_verifies_valid(app, db, client, runner, tmp_path: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch):
    from examsys.auth.models import Role
    from examsys.credentials.models import Credential
    from examsys.exams.models import Attempt
    from examsys.orgs.models import Organisation
    from examsys.personnel.models import Person, PersonnelKind
    from tests.credential_fixtures import pass_exam

    clock.freeze(clock.now().replace(microsecond=0))
    assert db.query(Organisation).count() == 0 and db.query(User).count() == 0  # nothing: no seed-demo

    # 1. keys and the first administrator, on the command line
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    result = runner.invoke(args=["keys", "init"])
    assert result.exit_code == 0, result.output
    passwords = iter(["Steppe-Wind-2026-x", "Steppe-Wind-2026-x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(passwords))
    result = runner.invoke(args=["create-admin", "--username", "admin", "--name", "系统管理员", "--org", "150000",
                                 "--region-name", "内蒙古自治区", "--division-code", "150000"])
    assert result.exit_code == 0, result.output
    assert "system administrator admin created on 内蒙古自治区 (150000)" in result.output
    _login(client, "admin", "Steppe-Wind-2026-x")

    # 2. the organisation tree, with its issuing authority, through the import page
    page = client.post("/orgs/import", data={"file": (io.BytesIO(TREE.encode("utf-8")), "tree.csv")},
                       content_type="multipart/form-data", headers=EN).get_data(as_text=True)
    assert "3 to create, 0 to update, 0 unchanged" in page
    assert client.post("/orgs/import/confirm", data={"staged_id": _staged(page)}).status_code == 302
    orgs = {o.code: o for o in db.query(Organisation)}
    city, county, dept = orgs["150100"], orgs["150102"], orgs["150102-SJJ"]
    assert (city.is_issuer, city.number_prefix, county.is_issuer) == (True, "150100", False)
    assert "150100" in _text(client.get(f"/orgs/{city.id}", headers=EN))

    # 3. accounts on the pages: HR of the department (requests), HR of the issuer (approves: a second person), two exam
    #    administrators (four eyes on the bank), a reviewer
    staff = {"hr_dept": (dept.id, Role.HR_ADMIN), "hr_city": (city.id, Role.HR_ADMIN),
             "exam_city": (city.id, Role.EXAM_ADMIN), "exam_city2": (city.id, Role.EXAM_ADMIN), "reviewer_city": (city.id, Role.REVIEWER)}
    issued_passwords = {name: _account(client, name, name, org_id, role.value) for name, (org_id, role) in staff.items()}
    _logout(client)
    for name, password in issued_passwords.items():
        _first_login(client, name, password)
        _logout(client)

    # 4. the banks: the common starter bank and one sector bank (it names the domain), as drafts
    sector = tmp_path / "sector.yaml"
    sector.write_text(SECTOR_BANK, encoding="utf-8")
    common = Path(app.root_path).parent / "question_bank" / "common"
    result = runner.invoke(args=["bank", "import", str(common), str(sector), "--org", "150100"])
    assert result.exit_code == 0, result.output

    # 5. the register of the department, through the import page (HR of the department)
    people = ("身份证号码,姓名,单位代码,人员类别,编制类型,在岗状态,执法类别,工作职责,管理指导\n"
              f"{_id_number(1)},王伟,150102-SJJ,执法人员,公务员,在岗,market,,\n"
              f"{_id_number(2)},李娜,150102-SJJ,执法人员,参公,在岗,market,,\n"
              f"{_id_number(3)},张强,150102-SJJ,执法辅助人员,劳务派遣,在岗,,协助巡查,稽查科\n")
    _login(client, "hr_dept", OWN)
    page = client.post("/personnel/import", data={"org_id": dept.id, "file": (io.BytesIO(people.encode("utf-8")), "people.csv")},
                       content_type="multipart/form-data", headers=EN).get_data(as_text=True)
    assert "3 to add, 0 to update, 0 unchanged." in unescape(page), _text_of(page)
    assert client.post("/personnel/import/confirm", data={"staged_id": _staged(page)}).status_code == 302
    assert "王伟" in _text(client.get("/personnel/", headers=EN))
    _logout(client)

    # 6. the bank goes live with four eyes: one exam administrator reviews, the other activates
    from examsys.bank.models import QuestionVersion, VersionStatus
    ids = [str(v.id) for v in db.query(QuestionVersion)]
    _login(client, "exam_city", OWN)
    client.post("/bank/bulk", data={"action": "review", "version_id": ids})
    _logout(client)
    _login(client, "exam_city2", OWN)
    client.post("/bank/bulk", data={"action": "activate", "version_id": ids})
    assert {v.status for v in db.query(QuestionVersion)} == {VersionStatus.ACTIVE}

    # 7. the qualification exam on the page form, in its two parts (the common part, and the sector part of
    #    市场监管, which its sector bank makes required), each checked and opened
    from examsys.domains.models import EnforcementDomain
    market = db.query(EnforcementDomain).filter_by(code="market").one()
    assert market.needs_sector_exam
    plans = [_open_plan(client, db, "2026年度行政执法资格考试（公共法律知识）", city.id, part="common"),
             _open_plan(client, db, "2026年度行政执法资格考试（市场监管专业法律知识）", city.id, part="sector", domain_id=market.id,
                        sections=[("true_false", "1", "100")])]
    _logout(client)

    # 8. the officers sit both (the auxiliary staff member has no paper); the answering through the exam services
    clock.advance(timedelta(hours=2))
    from examsys.auth.services import create_account
    for person in db.query(Person).filter(Person.kind == PersonnelKind.OFFICER).order_by(Person.id):
        officer, _password = create_account(db, SYSTEM, username=f"officer{person.id}", display_name=person.name, org_id=dept.id,
                                             person_id=person.id, must_change=False)
        for plan in plans:
            pass_exam(db, officer, db.query(Attempt).filter_by(plan_id=plan.id, person_id=person.id).one())
    db.commit()

    # 9. results published on the page
    _login(client, "exam_city", OWN)
    for plan in plans:
        response = client.post(f"/exams/plans/{plan.id}/publish", headers=EN)
        assert "Results are published" in _text(client.get(response.headers["Location"], headers=EN))
    _logout(client)

    # 10. HR of the department requests a credential; two HR people of the issuer: one approves, ...
    wang = db.query(Person).filter_by(name="王伟").one()
    _login(client, "hr_dept", OWN)
    form_page = client.get(f"/credentials/requests/new/{wang.id}", headers=EN).get_data(as_text=True)
    values = form_pairs(form_page, action="")
    values = [(k, v) for k, v in values if k not in ("region", "legal_source")] + [
        ("region", "新城区"), ("legal_source", "《中华人民共和国行政处罚法》第十八条")]
    from werkzeug.datastructures import MultiDict
    response = client.post(f"/credentials/requests/new/{wang.id}", data=MultiDict(values), headers=EN)
    assert response.status_code == 302, _text(response)
    request_path = response.headers["Location"]
    _logout(client)
    _login(client, "hr_city", OWN)
    response = client.post(f"{request_path}/approve", headers=EN)
    assert response.status_code == 302, _text(response)
    credential = db.query(Credential).one()
    assert credential.number.startswith("150100")
    assert f"credential {credential.number} is issued" in _text(client.get(response.headers["Location"], headers=EN))

    # 11. the card, printed, carries a QR code that opens the public page: VALID
    response = client.get(f"/credentials/{credential.id}/card.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    if not shutil.which("pdftoppm"):
        pytest.skip("needs pdftoppm (Debian poppler-utils; CI installs it)")
    from PIL import Image

    from tests.qr_reading import qr_codes
    (tmp_path / "card.pdf").write_bytes(response.data)
    subprocess.run(["pdftoppm", "-r", "300", "-png", str(tmp_path / "card.pdf"), str(tmp_path / "card")], check=True)
    codes = [c.text for png in sorted(tmp_path.glob("card*.png")) for c in qr_codes(Image.open(png))]
    assert len(codes) == 1
    _logout(client)
    page = client.get(codes[0][codes[0].index("/V/"):], headers=EN).get_data(as_text=True)
    assert 'data-verdict="VALID"' in page and credential.number in page and "王伟" in page


def _open_plan(client, db, name: str, org_id: int, *, part: str, domain_id: int | None = None,
               sections: list[tuple[str, str, str]] | None = None):
    """An exam administrator fills in the new-plan form as the page renders it, then opens the plan."""
    from examsys.exams.models import ExamPlan

    values = dict(form_pairs(client.get("/exams/plans/new").get_data(as_text=True), action=""))
    opens = clock.local(clock.now() + timedelta(hours=1))  # the form reads local time
    values.update(name=name, kind="qualification", org_id=str(org_id), part=part, domain_id=str(domain_id or 0),
                  opens_at=opens.strftime("%Y-%m-%dT%H:%M"), closes_at=(opens + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))
    if sections is not None:
        for n in range(6):
            qtype, count, points = sections[n] if n < len(sections) else ("", "", "")
            values.update({f"sections-{n}-type": qtype, f"sections-{n}-count": count, f"sections-{n}-points_each": points})
    response = client.post("/exams/plans/new", data=values, headers=EN)
    assert response.status_code == 302, _text(response)
    assert "The plan is saved as a draft" in _text(client.get(response.headers["Location"], headers=EN))
    plan = db.query(ExamPlan).filter_by(name=name).one()
    response = client.post(f"/exams/plans/{plan.id}/open", headers=EN)
    assert "The exam is open: 2 papers were generated." in _text(client.get(response.headers["Location"], headers=EN))
    return plan


def _text_of(page: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))
