"""The organisation tree: creation rules, moves, deactivation and the all-or-nothing import."""
import io

import pytest

from examsys.auth.models import Role
from examsys.errors import InvalidState, ValidationFailed
from examsys.orgs import services
from examsys.orgs.models import Organisation, OrgKind
from tests.factories import make_user


@pytest.fixture
def admin(db, tree, auth):
    user = make_user(db, "admin", tree.region, Role.SYSADMIN)
    auth.login("admin")
    return user


def test_create_a_department_under_a_county_takes_its_division_code(db, tree, admin, client):
    response = client.post("/orgs/new", data={"parent_id": tree.county.id, "kind": "department", "code": "150102-stj", "name": "新城区生态环境分局"})
    assert response.status_code == 302
    org = db.query(Organisation).filter_by(code="150102-STJ").one()
    assert org.division_code == "150102" and org.path == tree.county.path + f"{org.id}/"


@pytest.mark.parametrize(("kind", "code", "message"), [
    ("county", "150299", "must begin with 1501"),
    ("county", "150100", "does not end in 00"),
    ("league", "150300", "cannot stand under"),
])
def test_division_codes_and_kinds_must_fit_the_parent(db, tree, admin, client, kind, code, message):
    parent = tree.league if kind == "county" else tree.county
    form = {"parent_id": parent.id, "kind": kind, "code": code, "name": "新单位", "division_code": code}
    response = client.post("/orgs/new", data=form)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.query(Organisation).filter_by(name="新单位").first() is None


def test_duplicate_code_is_refused_at_the_field(db, tree, admin, client):
    page = client.post("/orgs/new", data={"parent_id": tree.county.id, "kind": "department", "code": "150105-SJJ", "name": "重复"}).get_data(as_text=True)
    assert "already used by 赛罕区市场监督管理局" in page


def test_move_a_department_with_its_path_and_division_code(db, tree, admin):
    moved = services.move_org(db, admin, tree.county_dept.id, tree.other_county.id)
    assert moved.division_code == "150105" and moved.path.startswith(tree.other_county.path)


def test_move_a_county_moves_its_subtree(db, tree, admin):
    services.move_org(db, admin, tree.other_county.id, tree.other_league.id, "150206")
    db.flush()
    assert tree.other_dept.path.startswith(tree.other_league.path)
    assert tree.other_dept.division_code == "150206"


def test_a_node_cannot_move_into_its_own_subtree(db, tree, admin):
    with pytest.raises(ValidationFailed, match="own subtree"):
        services.move_org(db, admin, tree.league.id, tree.county.id)


def test_deactivation_needs_the_sub_units_deactivated_first(db, tree, admin, client):
    with pytest.raises(InvalidState):
        services.set_org_active(db, admin, tree.county.id, False)
    assert client.post(f"/orgs/{tree.county_dept.id}/deactivate").status_code == 302
    assert client.post(f"/orgs/{tree.county.id}/deactivate").status_code == 302
    db.expire_all()
    assert not db.get(Organisation, tree.county.id).active
    page = client.get("/orgs/new").get_data(as_text=True)
    assert f'value="{tree.county.id}"' not in page  # no new units under a deactivated node


CSV_OK = "代码,名称,类型,上级代码,区划代码\n150105-STJ,赛罕区生态环境分局,部门,150105,\n150207,九原区,旗县区,150200,150207\n150207-SJJ,九原区市场监督管理局,部门,150207,\n"  # noqa: E501


def _upload(client, content: str, name: str = "tree.csv"):
    return client.post("/orgs/import", data={"file": (io.BytesIO(content.encode("utf-8")), name)}, content_type="multipart/form-data")


def test_import_previews_then_creates_and_a_reimport_changes_nothing(db, tree, admin, client):
    response = _upload(client, CSV_OK)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "3 to create, 0 to update, 0 unchanged" in page
    assert db.query(Organisation).filter_by(code="150207").first() is None  # the preview writes nothing
    staged_id = page.split('name="staged_id" type="hidden" value="')[1].split('"')[0]
    assert client.post("/orgs/import/confirm", data={"staged_id": staged_id}).status_code == 302
    assert db.query(Organisation).filter_by(code="150207-SJJ").one().path.startswith(tree.other_league.path)
    page = _upload(client, CSV_OK).get_data(as_text=True)
    assert "0 to create, 0 to update, 3 unchanged" in page and "Nothing to change" in page


def test_import_with_one_bad_row_reports_row_and_column_and_imports_nothing(db, tree, admin, client):
    bad = CSV_OK + "150208,石拐区,旗县区,150100,150208\n150209,,区县,150200,150209\n"
    response = _upload(client, bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "nothing was imported" in page
    assert "<td>5</td><td>区划代码</td>" in page  # 150208 does not begin with 1501
    assert "<td>6</td><td>类型</td>" in page
    assert db.query(Organisation).filter(Organisation.code.in_(["150105-STJ", "150207"])).count() == 0


def test_import_outside_the_scope_is_refused(db, tree, client, auth):
    make_user(db, "county-admin", tree.county, Role.SYSADMIN)
    auth.login("county-admin")
    page = _upload(client, CSV_OK).get_data(as_text=True)
    assert "You may only add nodes under your own organisations." in page
    assert db.query(Organisation).filter_by(code="150105-STJ").first() is None


def test_import_reads_xlsx_and_reports_unknown_columns(db, tree, admin, client):
    from examsys.imports.tabular import Column, write_xlsx

    columns = services.IMPORT_COLUMNS + (Column("extra", "备注"),)
    data = write_xlsx(columns, [{"code": "150105-STJ", "name": "赛罕区生态环境分局", "kind": "部门", "parent_code": "150105"}])
    page = client.post("/orgs/import", data={"file": (io.BytesIO(data), "tree.xlsx")}, content_type="multipart/form-data").get_data(as_text=True)
    assert "备注" in page and "Unknown column." in page


def test_export_round_trips_through_import(db, tree, admin, client):
    exported = client.get("/orgs/export.csv")
    assert exported.status_code == 200
    page = client.post("/orgs/import", data={"file": (io.BytesIO(exported.data), "export.csv")}, content_type="multipart/form-data").get_data(as_text=True)
    assert "0 to create, 0 to update, 7 unchanged" in page


def test_the_service_refuses_a_region_from_a_user(db, tree, admin):
    with pytest.raises(ValidationFailed):
        services.create_org(db, admin, parent_id=None, kind=OrgKind.REGION, code="160000", name="别的自治区", division_code="160000")
