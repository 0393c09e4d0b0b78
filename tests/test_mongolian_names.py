"""Mongolian-script names beside the Chinese (issue 21): what a Mongolian form may hold, the forms that take
it (organisation, person, law), the imports and exports (蒙古文名称 / 蒙古文姓名), a domain's from the command
line, and the pages that show it in an element of its own marked lang="mn-Mong"."""
import io

import pytest

from examsys import mongolian
from examsys.auth.models import Role
from examsys.domains.models import EnforcementDomain
from examsys.imports.tabular import write_csv
from examsys.orgs.models import Organisation
from examsys.personnel import importer
from examsys.personnel.models import Person
from tests.factories import make_person, make_user

REGION_MN = "ᠥᠪᠥᠷ ᠮᠣᠩᠭᠣᠯ\u202fᠤᠨ ᠥᠪᠡᠷᠲᠡᠭᠡᠨ ᠵᠠᠰᠠᠬᠤ ᠣᠷᠤᠨ"
NAME_MN = "ᠪᠠᠭᠠᠲᠤᠷ"


@pytest.mark.parametrize("text", [REGION_MN, NAME_MN, "ᠰᠢᠨ\u180eᠡ ᠬᠣᠲᠠ ᠲᠣᠭᠣᠷᠢᠭ", "ᠠ\u180bᠮᠠ", "ᠬᠣᠲᠠ (ᠰᠢᠨ\u180eᠡ)", ""])
def test_traditional_mongolian_with_its_spaces_and_selectors_passes(text):
    assert mongolian.problem(text) is None


@pytest.mark.parametrize(("text", "says"), [
    ("Баатар", "U+0411"),  # Cyrillic (the script of Mongolia), not the region's
    ("内蒙古", "U+5185"),  # Chinese has its own field
    ("ᠪᠠᠭᠠᠲᠤᠷ abc", "U+0061"),
    ("\u180e\u202f", "no Mongolian letter"),
    ("ᠠ" * 241, "longer than 240"),
])
def test_other_scripts_are_refused_with_the_characters_named(text, says):
    assert says in mongolian.problem(text)


def test_spaces_are_trimmed_and_runs_of_them_made_one():
    assert mongolian.normalise("  ᠪᠠᠭᠠᠲᠤᠷ   ᠰᠦᠬᠡ ") == "ᠪᠠᠭᠠᠲᠤᠷ ᠰᠦᠬᠡ"


@pytest.fixture
def admin(db, tree, auth):
    user = make_user(db, "admin", tree.region, Role.SYSADMIN)
    auth.login("admin")
    return user


def test_an_organisation_takes_its_mongolian_name_on_its_form_and_shows_it(db, tree, admin, client):
    response = client.post(f"/orgs/{tree.region.id}/edit", data={"code": tree.region.code, "name": tree.region.name,
                                                                  "name_mn": f" {REGION_MN} ", "division_code": tree.region.division_code})
    assert response.status_code == 302
    db.refresh(tree.region)
    assert tree.region.name_mn == REGION_MN
    page = client.get(f"/orgs/{tree.region.id}").get_data(as_text=True)
    assert f'lang="mn-Mong">{REGION_MN}</span>' in page
    assert f'lang="mn-Mong">{REGION_MN}</span>' in client.get("/orgs/").get_data(as_text=True)
    # a Cyrillic or Latin name is refused at the field, nothing saved
    page = client.post(f"/orgs/{tree.region.id}/edit", data={"code": tree.region.code, "name": tree.region.name, "name_mn": "Өвөр Монгол",
                                                             "division_code": tree.region.division_code}).get_data(as_text=True)
    assert "traditional Mongolian script" in page and "М (U+041C)" in page
    db.refresh(tree.region)
    assert tree.region.name_mn == REGION_MN


def test_the_organisation_import_reads_and_the_export_writes_the_mongolian_column(db, tree, admin, client):
    csv = (f"代码,名称,类型,上级代码,区划代码,蒙古文名称\n150105-STJ,赛罕区生态环境分局,部门,150105,,ᠰᠠᠶᠢᠬᠠᠨ ᠲᠣᠭᠣᠷᠢᠭ\n"
           f"{tree.region.code},{tree.region.name},自治区,,150000,{REGION_MN}\n")
    page = client.post("/orgs/import", data={"file": (io.BytesIO(csv.encode()), "tree.csv")}, content_type="multipart/form-data").get_data(as_text=True)
    assert "1 to create, 1 to update, 0 unchanged" in page
    staged_id = page.split('name="staged_id" type="hidden" value="')[1].split('"')[0]
    assert client.post("/orgs/import/confirm", data={"staged_id": staged_id}).status_code == 302
    assert db.query(Organisation).filter_by(code="150105-STJ").one().name_mn == "ᠰᠠᠶᠢᠬᠠᠨ ᠲᠣᠭᠣᠷᠢᠭ"
    db.refresh(tree.region)
    assert tree.region.name_mn == REGION_MN
    exported = client.get("/orgs/export.csv").data.decode("utf-8-sig")
    assert exported.splitlines()[0].endswith(",蒙古文名称") and REGION_MN in exported
    # a file without the column leaves the Mongolian names as they are; a bad one is refused at its row and column
    without = f"代码,名称,类型,上级代码,区划代码\n{tree.region.code},{tree.region.name},自治区,,150000\n".encode()
    page = client.post("/orgs/import", data={"file": (io.BytesIO(without), "tree.csv")}, content_type="multipart/form-data").get_data(as_text=True)
    assert "0 to create, 0 to update, 1 unchanged" in page
    bad = f"代码,名称,类型,上级代码,区划代码,蒙古文名称\n{tree.region.code},{tree.region.name},自治区,,150000,Inner Mongolia\n"
    response = client.post("/orgs/import", data={"file": (io.BytesIO(bad.encode()), "tree.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "<td>2</td><td>蒙古文名称</td>" in response.get_data(as_text=True)


@pytest.fixture
def hr(db, tree, auth):
    db.add(EnforcementDomain(code="market", name="市场监管"))
    db.commit()
    user = make_user(db, "county-hr", tree.county, Role.HR_ADMIN)
    auth.login("county-hr")
    return user


def test_a_person_takes_a_mongolian_name_shown_on_the_register(db, tree, hr, client):
    from werkzeug.datastructures import MultiDict

    from tests.page_forms import form_pairs

    person = make_person(db, tree.county_dept, name="巴特尔")
    url = f"/personnel/{person.id}/edit"
    pairs = [(k, v) for k, v in form_pairs(client.get(url).get_data(as_text=True), action="") if k not in ("name_mn", "reason")]
    response = client.post(url, data=MultiDict(pairs + [("name_mn", NAME_MN), ("reason", "蒙古文姓名")]))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.refresh(person)
    assert person.name_mn == NAME_MN
    page = client.get(f"/personnel/{person.id}").get_data(as_text=True)  # Mongolian first, in its own vertical span
    assert f'<span class="mn-pair"><span class="mn mn-name" lang="mn-Mong">{NAME_MN}</span> <span class="person-name">' in page
    assert f'lang="mn-Mong">{NAME_MN}</span>' in client.get("/personnel/").get_data(as_text=True)
    response = client.post(url, data=MultiDict(pairs + [("name_mn", "Baatar"), ("reason", "x")]))
    page = response.get_data(as_text=True)
    assert "traditional Mongolian script" in page


def test_the_register_import_and_export_carry_the_mongolian_name(db, tree, hr, client):
    from tests.test_personnel import VALID_IDS

    rows = [{"id_number": VALID_IDS[1], "name": "巴特尔", "name_mn": NAME_MN, "org_code": "150102-SJJ", "kind": "执法人员",
             "staffing_kind": "公务员", "domains": "market", "training_hours": "40"}]
    page = client.post("/personnel/import", data={"org_id": tree.county.id, "file": (io.BytesIO(write_csv(importer.COLUMNS, rows)), "p.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    staged = page.split('name="staged_id" type="hidden" value="')[1].split('"')[0]
    assert client.post("/personnel/import/confirm", data={"staged_id": staged, "org_id": tree.county.id}).status_code == 302
    assert db.query(Person).filter_by(name="巴特尔").one().name_mn == NAME_MN
    exported = client.get("/personnel/export.csv").data.decode("utf-8-sig")
    assert "蒙古文姓名" in exported.splitlines()[0] and NAME_MN in exported
    rows[0]["name_mn"] = "Батаар"
    response = client.post("/personnel/import", data={"org_id": tree.county.id, "file": (io.BytesIO(write_csv(importer.COLUMNS, rows)), "p.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "<td>2</td><td>蒙古文姓名</td>" in response.get_data(as_text=True)


def test_a_law_on_the_list_takes_a_mongolian_title(db, tree, client, auth):
    from examsys.bank.models import Law

    make_user(db, "author", tree.region, Role.EXAM_ADMIN)
    auth.login("author")
    title_mn = "ᠵᠠᠰᠠᠭ ᠵᠠᠬᠢᠷᠭ\u180eᠠ\u202fᠶᠢᠨ ᠱᠢᠳᠬᠦᠪᠦᠷᠢ\u202fᠶᠢᠨ ᠬᠠᠤᠯᠢ"
    law = "中华人民共和国行政法规制定程序条例"
    assert client.post("/bank/laws", data={"title": law, "title_mn": title_mn, "version": "2017", "supersedes_id": "0"}).status_code == 302
    saved = db.query(Law).filter_by(title=law).one()
    assert saved.title_mn == title_mn
    assert f'lang="mn-Mong">{title_mn}</span>' in client.get("/bank/laws").get_data(as_text=True)
    page = client.post(f"/bank/laws/{saved.id}", data={"title_mn": "Закон", "superseded_by_id": "0"}).get_data(as_text=True)
    assert "traditional Mongolian script" in page


def test_a_domains_mongolian_name_is_set_from_the_command_line(db, tree, runner):
    db.add(EnforcementDomain(code="market", name="市场监管"))
    db.commit()
    result = runner.invoke(args=["bank", "domain-name-mn", "market", "ᠵᠠᠬ ᠵᠡᠭᠡᠯᠢ"])
    assert result.exit_code == 0, result.output
    db.expire_all()
    assert db.query(EnforcementDomain).filter_by(code="market").one().name_mn == "ᠵᠠᠬ ᠵᠡᠭᠡᠯᠢ"
    result = runner.invoke(args=["bank", "domain-name-mn", "market", "market"])
    assert result.exit_code == 1 and "traditional Mongolian script" in result.output


def test_an_import_with_one_error_says_so_in_the_pages_language(db, tree, hr, client):
    from tests.test_personnel import VALID_IDS

    rows = [{"id_number": VALID_IDS[1], "name": "巴特尔", "name_mn": "Baatar", "org_code": "150102-SJJ", "kind": "执法人员",
             "staffing_kind": "公务员", "domains": "market", "training_hours": "40"}]
    answers = {}
    for language in ("en", "zh-CN"):
        response = client.post("/personnel/import", data={"org_id": tree.county.id, "file": (io.BytesIO(write_csv(importer.COLUMNS, rows)), "p.csv")},
                               content_type="multipart/form-data", headers={"Accept-Language": language})
        assert response.status_code == 422
        answers[language] = response.get_data(as_text=True)
    assert "p.csv: 1 error — nothing was imported" in answers["en"] and "1 errors" not in answers["en"]
    assert "B (U+0042), a (U+0061), r (U+0072), t (U+0074)" in answers["en"] and "(U+0042)、" not in answers["en"]
    assert "p.csv：1处错误" in answers["zh-CN"] and "B (U+0042)、a (U+0061)" in answers["zh-CN"]
