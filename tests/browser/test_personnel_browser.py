"""In a real browser: HR imports a small XLSX through the page, sees the preview, confirms, sees the people."""
from examsys.auth.models import Role
from examsys.imports.tabular import write_xlsx
from examsys.personnel.importer import COLUMNS
from tests.factories import PASSWORD, make_user


def test_hr_imports_an_xlsx_through_the_page(app, db, tree, live_server, page, tmp_path):
    make_user(db, "county-hr", tree.county, Role.HR_ADMIN)
    rows = [{"id_number": "150102198506150012", "name": "王伟", "org_code": "150102-SJJ", "kind": "执法人员", "staffing_kind": "公务员"},
            {"id_number": "150102197703030031", "name": "李娜", "org_code": "150102-SJJ", "kind": "执法辅助人员", "staffing_kind": "劳务派遣",
             "duties": "协助巡查", "directed_by": "稽查科"}]
    upload = tmp_path / "people.xlsx"
    upload.write_bytes(write_xlsx(COLUMNS, rows))

    page.goto(live_server + "/login")
    page.fill("#identifier", "county-hr")
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.goto(live_server + "/personnel/import")
    page.set_input_files("#file", str(upload))
    page.click("text=Check the file")
    assert "2 to add, 0 to update, 0 unchanged." in page.locator("#import-preview").inner_text()
    page.click("#confirm-import")
    page.wait_for_url("**/personnel/")
    assert "Import finished: 2 created, 0 updated, 0 unchanged." in page.locator(".flashes").inner_text()
    table = page.locator("table").inner_text()
    assert "王伟" in table and "李娜" in table and "Auxiliary staff" in table


def test_a_bad_file_shows_every_error_and_imports_nothing(app, db, tree, live_server, page, tmp_path):
    make_user(db, "county-hr", tree.county, Role.HR_ADMIN)
    upload = tmp_path / "bad.xlsx"
    upload.write_bytes(write_xlsx(COLUMNS, [{"id_number": "123", "name": "", "org_code": "150102-SJJ", "kind": "执法人员", "staffing_kind": "公务员"}]))
    page.goto(live_server + "/login")
    page.fill("#identifier", "county-hr")
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.goto(live_server + "/personnel/import")
    page.set_input_files("#file", str(upload))
    page.click("text=Check the file")
    errors = page.locator("#import-errors").inner_text()
    assert "nothing was imported" in errors and "身份证号码" in errors and "姓名" in errors
