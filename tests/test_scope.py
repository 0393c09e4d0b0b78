"""A county administrator sees and changes nothing outside the county: lists, pages by id, foreign ids in forms."""
import pytest

from examsys.auth.models import Role, RoleGrant, User
from examsys.orgs.models import Organisation
from tests.factories import make_user


@pytest.fixture
def county_admin(db, tree, auth):
    make_user(db, "county-admin", tree.county, Role.SYSADMIN)
    make_user(db, "county-hr", tree.county, Role.HR_ADMIN)
    make_user(db, "neighbour", tree.other_county, Role.HR_ADMIN)
    auth.login("county-admin")
    return tree


def test_the_tree_shows_only_the_county(client, county_admin):
    page = client.get("/orgs/").get_data(as_text=True)
    assert "新城区" in page and "新城区市场监督管理局" in page
    assert "赛罕区" not in page and "包头市" not in page and "内蒙古自治区" not in page


def test_foreign_organisation_pages_are_not_found(client, county_admin):
    for org in (county_admin.other_county, county_admin.other_dept, county_admin.region):
        assert client.get(f"/orgs/{org.id}").status_code == 404
        assert client.get(f"/orgs/{org.id}/edit").status_code == 404
        assert client.get(f"/orgs/{org.id}/move").status_code == 404


def test_foreign_organisation_changes_are_refused_and_change_nothing(db, client, county_admin):
    other = county_admin.other_dept
    assert client.post(f"/orgs/{other.id}/edit", data={"code": "HACK", "name": "改名", "division_code": ""}).status_code == 404
    assert client.post(f"/orgs/{other.id}/deactivate").status_code == 404
    refused = client.post(f"/orgs/{county_admin.county_dept.id}/move", data={"parent_id": county_admin.other_county.id})
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    response = client.post("/orgs/new", data={"parent_id": county_admin.other_county.id, "kind": "department", "code": "X-1", "name": "外来部门"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Organisation, other.id).name == "赛罕区市场监督管理局" and db.get(Organisation, other.id).active
    assert db.get(Organisation, county_admin.county_dept.id).parent_id == county_admin.county.id
    assert db.query(Organisation).filter_by(code="X-1").first() is None


def test_accounts_list_and_pages_stay_in_the_county(db, client, county_admin):
    page = client.get("/accounts").get_data(as_text=True)
    assert "county-hr" in page and "neighbour" not in page
    neighbour = db.query(User).filter_by(username="neighbour").one()
    assert client.get(f"/accounts/{neighbour.id}").status_code == 404
    for action in ("disable", "unlock"):
        assert client.post(f"/accounts/{neighbour.id}/{action}").status_code == 404
    assert client.post(f"/accounts/{neighbour.id}/reset-password").status_code == 404
    grant = db.query(RoleGrant).filter_by(user_id=neighbour.id).one()
    assert client.post(f"/grants/{grant.id}/withdraw").status_code == 404
    db.expire_all()
    assert db.get(User, neighbour.id).active and db.get(RoleGrant, grant.id) is not None


def test_roles_cannot_be_granted_outside_the_county(db, client, county_admin):
    colleague = db.query(User).filter_by(username="county-hr").one()
    response = client.post(f"/accounts/{colleague.id}/grants", data={"role": "sysadmin", "org_id": county_admin.region.id})
    assert response.status_code == 422
    db.expire_all()
    assert {g.org_id for g in db.get(User, colleague.id).grants} == {county_admin.county.id}


def test_accounts_cannot_be_created_in_a_foreign_organisation(db, client, county_admin):
    response = client.post("/accounts/new", data={"username": "planted", "display_name": "Planted", "org_id": county_admin.other_county.id})
    assert response.status_code == 200  # the form says the choice is not valid
    assert db.query(User).filter_by(username="planted").first() is None


def test_hr_admin_reads_the_tree_but_cannot_change_it(db, client, auth, county_admin):
    auth.logout()
    auth.login("county-hr")
    assert client.get("/orgs/").status_code == 200
    assert client.get("/orgs/new").status_code == 403
    assert client.post(f"/orgs/{county_admin.county_dept.id}/deactivate").status_code == 404
    assert client.get("/accounts").status_code == 403
