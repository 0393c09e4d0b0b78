"""Issuing authorities: designated by the region's system administrator (page, tree import, command line),
audited, each with the number prefix its credential numbers begin with."""
import io

import pytest

from examsys.audit.models import AuditEntry
from examsys.auth.models import Role
from examsys.credentials import services as credentials
from examsys.errors import ValidationFailed
from examsys.orgs import issuers
from examsys.orgs.models import Organisation
from tests.credential_fixtures import issue_request
from tests.factories import make_user


@pytest.fixture
def admin(db, tree, auth):
    user = make_user(db, "admin", tree.region, Role.SYSADMIN)
    auth.login("admin")
    return user


def _entries(db, action):
    return db.query(AuditEntry).filter_by(action=action).order_by(AuditEntry.seq).all()


def test_the_region_administrator_designates_an_issuer_on_its_page(db, tree, admin, client):
    page = client.get(f"/orgs/{tree.county.id}").get_data(as_text=True)
    assert "Designate as issuing authority" in page
    response = client.post(f"/orgs/{tree.county.id}/issuer", data={"prefix": ""})
    assert response.status_code == 302
    page = client.get(f"/orgs/{tree.county.id}").get_data(as_text=True)
    assert "Yes: credential numbers begin with 150102" in page and "Withdraw the designation" in page
    entry = _entries(db, "org.issuer_designate")[-1]
    assert entry.actor_name == "admin" and entry.after == {"is_issuer": True, "number_prefix": "150102"}
    assert "Issuing authority 150102" in client.get("/orgs/").get_data(as_text=True)  # marked in the tree


def test_a_prefix_of_another_issuer_is_refused_at_the_field(db, tree, admin, client):
    assert client.post(f"/orgs/{tree.county.id}/issuer", data={"prefix": "150102"}).status_code == 302
    response = client.post(f"/orgs/{tree.other_county.id}/issuer", data={"prefix": "150102"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "The prefix 150102 belongs to 新城区; choose another." in page
    response = client.post(f"/orgs/{tree.other_county.id}/issuer", data={"prefix": "15x"})
    assert response.status_code == 422 and "A number prefix has six digits." in response.get_data(as_text=True)
    db.expire_all()
    assert not db.get(Organisation, tree.other_county.id).is_issuer


def test_a_department_cannot_be_designated(db, tree, admin, client):
    response = client.post(f"/orgs/{tree.county_dept.id}/issuer", data={"prefix": "150199"})
    assert response.status_code == 422 and "An enforcement department cannot issue credentials" in response.get_data(as_text=True)


def test_only_the_region_administrator_designates(db, tree, client, auth):
    make_user(db, "league-admin", tree.league, Role.SYSADMIN)
    make_user(db, "league-hr", tree.league, Role.HR_ADMIN)
    auth.login("league-admin")
    assert "Designate as issuing authority" not in client.get(f"/orgs/{tree.county.id}").get_data(as_text=True)
    assert client.post(f"/orgs/{tree.county.id}/issuer", data={"prefix": ""}).status_code == 403
    auth.logout()
    auth.login("league-hr")
    assert client.post(f"/orgs/{tree.county.id}/issuer", data={"prefix": ""}).status_code == 404
    db.expire_all()
    assert not db.get(Organisation, tree.county.id).is_issuer and _entries(db, "org.issuer_designate") == []


def test_numbers_begin_with_the_prefix_and_a_withdrawn_issuer_issues_no_more(db, tree, issuing):
    admin = make_user(db, "admin", tree.region, Role.SYSADMIN)
    issuers.designate_issuer(db, admin, tree.league.id, "159901")
    credential = credentials.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"], issuer_id=tree.league.id))
    assert credential.number.startswith("159901") and len(credential.number) == 15
    issuers.withdraw_issuer(db, admin, tree.league.id, "内政发〔2026〕3号")
    with pytest.raises(ValidationFailed, match="is not an issuing authority"):
        credentials.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"], issuer_id=tree.league.id))
    league = db.get(Organisation, tree.league.id)
    assert not league.is_issuer and league.number_prefix == "159901"  # kept: never given to another node
    with pytest.raises(ValidationFailed) as refused:
        issuers.designate_issuer(db, admin, tree.other_league.id, "159901")
    assert "belongs to 呼和浩特市" in str(refused.value.field_errors)
    with pytest.raises(ValidationFailed) as refused:
        issuers.designate_issuer(db, admin, tree.league.id, "159902")
    assert "never changes" in str(refused.value.field_errors)
    assert issuers.designate_issuer(db, admin, tree.league.id).number_prefix == "159901"
    assert [e.action for e in db.query(AuditEntry).filter(AuditEntry.action.like("org.issuer%")).order_by(AuditEntry.seq)] == [
        "org.issuer_designate", "org.issuer_withdraw", "org.issuer_designate"]


def _upload(client, content: str):
    return client.post("/orgs/import", data={"file": (io.BytesIO(content.encode("utf-8")), "tree.csv")}, content_type="multipart/form-data")


def _confirm(client, page: str):
    staged_id = page.split('name="staged_id" type="hidden" value="')[1].split('"')[0]
    return client.post("/orgs/import/confirm", data={"staged_id": staged_id})


def test_the_tree_import_designates_with_its_prefix_and_the_export_shows_it(db, tree, admin, client):
    csv = ("代码,名称,类型,上级代码,区划代码,发证机关,证号前缀\n"
           "150100,呼和浩特市,盟市,150000,150100,是,\n"
           "150207,土默特右旗,旗县区,150200,150207,是,152907\n")
    page = _upload(client, csv).get_data(as_text=True)
    assert "1 to create, 1 to update, 0 unchanged" in page
    assert not db.get(Organisation, tree.league.id).is_issuer  # the preview writes nothing
    assert _confirm(client, page).status_code == 302
    db.expire_all()
    assert (db.get(Organisation, tree.league.id).number_prefix, db.query(Organisation).filter_by(code="150207").one().number_prefix) == (
        "150100", "152907")
    assert len(_entries(db, "org.issuer_designate")) == 2
    exported = client.get("/orgs/export.csv").data.decode("utf-8-sig")
    assert "发证机关,证号前缀" in exported.splitlines()[0] and "150100,呼和浩特市,盟市,150000,150100,是,150100" in exported
    page = client.post("/orgs/import", data={"file": (io.BytesIO(exported.encode("utf-8")), "export.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "0 to create, 0 to update, 8 unchanged" in page


def test_the_import_reports_a_bad_designation_by_row_and_column(db, tree, admin, client):
    csv = ("代码,名称,类型,上级代码,区划代码,发证机关,证号前缀\n"
           "150102,新城区,旗县区,150100,150102,是,150105\n"
           "150105,赛罕区,旗县区,150100,150105,是,150105\n"
           "150102-SJJ,新城区市场监督管理局,部门,150102,,是,\n"
           "150200,包头市,盟市,150000,150200,也许,\n")
    response = _upload(client, csv)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<td>3</td><td>证号前缀</td>" in page and "also given in row 2" in page
    assert "<td>4</td><td>发证机关</td>" in page and "<td>5</td><td>发证机关</td>" in page
    assert db.query(Organisation).filter(Organisation.is_issuer.is_(True)).count() == 0


def test_the_import_designates_only_for_the_region_administrator(db, tree, client, auth):
    make_user(db, "league-admin", tree.league, Role.SYSADMIN)
    auth.login("league-admin")
    page = _upload(client, "代码,名称,类型,上级代码,区划代码,发证机关\n150102,新城区,旗县区,150100,150102,是\n").get_data(as_text=True)
    assert "Only the region&#39;s system administrator designates issuing authorities." in page
    assert not db.get(Organisation, tree.county.id).is_issuer


def test_the_command_line_designates_and_withdraws_as_the_system(db, tree, runner):
    result = runner.invoke(args=["orgs", "designate-issuer", "150102", "--prefix", "152201"])
    assert result.exit_code == 0 and "begin with 152201" in result.output
    db.expire_all()
    assert db.get(Organisation, tree.county.id).is_issuer
    assert _entries(db, "org.issuer_designate")[-1].actor_name == "system"
    result = runner.invoke(args=["orgs", "designate-issuer", "150105", "--prefix", "152201"])
    assert result.exit_code == 1 and "belongs to 新城区" in result.output
    result = runner.invoke(args=["orgs", "designate-issuer", "NOPE"])
    assert result.exit_code == 1 and "No organisation has the code NOPE" in result.output
    result = runner.invoke(args=["orgs", "withdraw-issuer", "150102", "--reason", "撤销决定"])
    assert result.exit_code == 0
    db.expire_all()
    assert not db.get(Organisation, tree.county.id).is_issuer
