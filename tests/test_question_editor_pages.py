"""The question editor and the question page as exam administrators use them: the form posted as the page
renders it (with the button pressed), the four-eyes review from the author's side, the laws on offer."""
import re

import pytest
from werkzeug.datastructures import MultiDict

from examsys.auth.models import Role
from examsys.bank.models import Question, VersionStatus
from tests.factories import make_user
from tests.page_forms import form_pairs

LAW = "中华人民共和国行政处罚法"  # a law of the starter banks (question_bank/common/xingzheng-chufa.yaml)


@pytest.fixture
def editors(db, tree):
    return make_user(db, "author", tree.region, Role.EXAM_ADMIN), make_user(db, "checker", tree.region, Role.EXAM_ADMIN)


def _press(client, url: str, button: str, **typed) -> object:
    """Fill the form at `url` as typed and press the button `intent=<button>`, as a browser sends it: the
    form's own fields in order, then the pressed button's name and value."""
    pairs = [(name, value) for name, value in form_pairs(client.get(url).get_data(as_text=True), action="") if name not in typed]
    return client.post(url, data=MultiDict(pairs + list(typed.items()) + [("intent", button)]))


QUESTION = {"type": "single_choice", "stem": "违法行为在几年内未被发现的，一般不再给予行政处罚？", "option_A": "一年", "option_B": "二年",
            "answer": "B", "law": LAW, "article": "第三十六条第一款", "difficulty": "2", "explanation": "第三十六条第一款。"}


def test_preview_on_a_new_question_shows_it_and_saves_nothing(db, tree, editors, client, auth):
    auth.login("author")
    response = _press(client, "/bank/new", "preview", **QUESTION)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "违法行为在几年内未被发现的" in page and 'type="radio"' in page
    assert db.query(Question).count() == 0
    response = _press(client, "/bank/new", "save", **QUESTION)
    assert response.status_code == 302 and db.query(Question).one().latest.status is VersionStatus.DRAFT


def test_preview_while_editing_changes_nothing(db, tree, editors, client, auth):
    auth.login("author")
    _press(client, "/bank/new", "save", **QUESTION)
    question = db.query(Question).one()
    url = f"/bank/{question.id}/edit"
    page = _press(client, url, "preview", stem="违法行为在几年内未被发现的，不再给予行政处罚？").get_data(as_text=True)
    assert "不再给予行政处罚？" in page
    db.expire_all()
    assert [v.stem for v in db.query(Question).one().versions] == [QUESTION["stem"]]


@pytest.mark.parametrize("qtype", ["single_choice", "multiple_choice"])
def test_the_live_preview_of_a_choice_question_without_options_yet_says_so(db, tree, editors, client, auth, qtype):
    auth.login("author")
    response = client.post("/bank/preview", data={"type": qtype, "stem": "以下哪一项属于行政处罚？"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "以下哪一项属于行政处罚？" in page and "No options yet." in page


def test_the_preview_button_on_a_choice_question_without_options_shows_the_form_again(db, tree, editors, client, auth):
    auth.login("author")
    typed = {k: v for k, v in QUESTION.items() if not k.startswith("option_")}
    response = _press(client, "/bank/new", "preview", **typed)
    assert response.status_code == 200 and "No options yet." in response.get_data(as_text=True)
    assert db.query(Question).count() == 0


def _draft_by_author(client, auth) -> Question:
    auth.login("author")
    assert _press(client, "/bank/new", "save", **QUESTION).status_code == 302
    auth.logout()
    from examsys.db import get_session

    return get_session().query(Question).one()


REVIEW_BUTTON = ">Mark reviewed</button>"


def test_the_author_is_told_who_reviews_and_offered_no_review_button(db, tree, editors, client, auth):
    question = _draft_by_author(client, auth)
    auth.login("author")
    page = client.get(f"/bank/{question.id}").get_data(as_text=True)
    assert REVIEW_BUTTON not in page and "a second exam administrator reviews it" in page and ">Edit</a>" in page
    auth.logout()
    auth.login("checker")
    page = client.get(f"/bank/{question.id}").get_data(as_text=True)
    assert REVIEW_BUTTON in page and "a second exam administrator reviews it" not in page


def test_a_review_the_workflow_refuses_returns_to_the_page_saying_why(db, tree, editors, client, auth):
    question = _draft_by_author(client, auth)
    page_url = f"http://localhost/bank/{question.id}"
    review = f"/bank/versions/{question.latest.id}/review"
    auth.login("author")  # e.g. a page kept open from before, or a forged post
    response = client.post(review, headers={"Referer": page_url})
    assert response.status_code == 303 and response.headers["Location"] == f"/bank/{question.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The author of a version cannot review it; another exam administrator must." in page
    db.expire_all()
    assert db.get(Question, question.id).latest.status is VersionStatus.DRAFT
    auth.logout()
    auth.login("checker")
    assert client.post(review, headers={"Referer": page_url}).status_code == 302  # reviewed
    response = client.post(review, headers={"Referer": page_url}, follow_redirects=True)  # the second click
    assert response.status_code == 200 and "Only a draft can be reviewed." in response.get_data(as_text=True)


def test_a_refusal_without_a_page_to_return_to_is_a_readable_page(db, tree, editors, client, auth):
    question = _draft_by_author(client, auth)
    auth.login("author")
    response = client.post(f"/bank/versions/{question.latest.id}/review")
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "This cannot be done now" in page and "another exam administrator must" in page
    response = client.post(f"/bank/versions/{question.latest.id}/review", headers={"Referer": "https://elsewhere.example/x"})
    assert response.status_code == 409  # never sent back to another site
    zh = client.post(f"/bank/versions/{question.latest.id}/review", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "当前状态下无法办理" in zh


NEW_LAW_BANK = """
part: common
law: 中华人民共和国行政法规制定程序条例
law_version: "2017"
questions:
  - ref: ZD-T-001
    type: true_false
    stem: 行政法规的名称一般称“条例”。
    answer: true
    article: 第五条
    difficulty: 1
    explanation: 第五条。
"""


def test_the_editor_offers_the_banks_laws_and_refuses_another_at_the_field(db, tree, editors, client, auth):
    from tests.page_forms import read_form

    auth.login("author")
    _values, options = read_form(client.get("/bank/new").get_data(as_text=True), action="")
    assert LAW in options["law"] and "中华人民共和国食品安全法" in options["law"]  # the starter banks' laws
    response = _press(client, "/bank/new", "save", **dict(QUESTION, law="行政处罚法"))  # not as the list names it
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="law-error"' in page and "Choose one of the laws on the list" in page
    assert db.query(Question).count() == 0


def _upload(client, tree, text: str):
    import io

    return client.post("/bank/import", data={"org_id": tree.region.id, "file": (io.BytesIO(text.encode()), "new.yaml")},
                       content_type="multipart/form-data")


def test_an_import_of_a_law_off_the_list_is_refused_until_the_laws_page_adds_it(db, tree, editors, client, auth):
    from tests.page_forms import read_form

    new_law = "中华人民共和国行政法规制定程序条例"
    auth.login("author")
    response = _upload(client, tree, NEW_LAW_BANK)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "ZD-T-001" in page and f"{new_law} is not on the list of laws" in page
    assert db.query(Question).count() == 0
    assert new_law not in read_form(client.get("/bank/new").get_data(as_text=True), action="")[1]["law"]
    response = client.post("/bank/laws", data={"title": new_law, "short_name": "行政法规制定程序条例", "version": "2017",
                                               "version_date": "2017-12-22", "effective_date": "2018-05-01", "supersedes_id": "0"})
    assert response.status_code == 302
    response = _upload(client, tree, NEW_LAW_BANK)
    assert response.status_code == 200
    confirm, _options = read_form(response.get_data(as_text=True), action="/bank/import/confirm")
    assert client.post("/bank/import/confirm", data=confirm).status_code == 302
    assert db.query(Question).filter_by(ref="ZD-T-001").one().latest.law == new_law
    _values, options = read_form(client.get("/bank/new").get_data(as_text=True), action="")
    assert new_law in options["law"]
    response = _press(client, "/bank/new", "save", **dict(QUESTION, law=new_law))
    assert response.status_code == 302


def test_a_superseded_version_flags_its_questions_on_the_bank_page_and_in_the_check(db, tree, editors, client, auth):
    from examsys.bank.models import Law

    new_law = "中华人民共和国行政法规制定程序条例"
    auth.login("author")
    assert client.post("/bank/laws", data={"title": new_law, "version": "2017", "supersedes_id": "0"}).status_code == 302
    confirm_page = _upload(client, tree, NEW_LAW_BANK).get_data(as_text=True)
    from tests.page_forms import read_form

    assert client.post("/bank/import/confirm", data=read_form(confirm_page, action="/bank/import/confirm")[0]).status_code == 302
    assert "Law version superseded" not in client.get("/bank/").get_data(as_text=True)
    old = db.query(Law).filter_by(title=new_law, version="2017").one()
    response = client.post("/bank/laws", data={"title": new_law, "version": "2025", "effective_date": "2026-01-01",
                                               "supersedes_id": str(old.id)})
    assert response.status_code == 302
    db.expire_all()
    assert old.superseded_by.version == "2025"
    page = client.get("/bank/").get_data(as_text=True)
    assert "Law version superseded: review" in page
    laws_page = client.get("/bank/laws").get_data(as_text=True)
    assert f"{new_law}（2025）" in laws_page  # the old row names what supersedes it, with one question to review
    cells = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in laws_page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]]
    newest = next(c for c in cells if "2025" in c)  # no short name, no version date, superseded by none, nothing to review
    assert newest[1].strip() == "—" and newest[3].strip() == "—" and newest[5].strip() == "—" and newest[6].strip() == "—"
    lint_page = client.get("/bank/lint").get_data(as_text=True)
    assert "ZD-T-001" in lint_page and "supersedes: review the question against the new text" in lint_page
    zh = client.get("/bank/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "法律版本已被取代" in zh
    # a version never supersedes itself, nor one that supersedes it: refused at the field, nothing saved
    response = client.post(f"/bank/laws/{old.superseded_by_id}", data={"superseded_by_id": str(old.id)})
    assert response.status_code == 200 and 'id="superseded_by_id-error"' in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Law, old.superseded_by_id).superseded_by_id is None


def test_the_list_of_laws_is_kept_at_the_region(db, tree, editors, client, auth):
    from examsys.auth.models import Role
    from examsys.bank.models import Law
    from tests.factories import make_user

    make_user(db, "county-exam", tree.county, Role.EXAM_ADMIN)
    db.commit()
    auth.login("county-exam")
    page = client.get("/bank/laws").get_data(as_text=True)
    assert "Add a law or a new version" not in page
    assert client.post("/bank/laws", data={"title": "某某法", "version": "2026", "supersedes_id": "0"}).status_code == 403
    assert db.query(Law).count() == 0
    auth.logout()
    auth.login("author")
    response = client.post("/bank/laws", data={"title": "", "version": "2026", "supersedes_id": "0"})
    assert response.status_code == 200 and 'id="title-error"' in response.get_data(as_text=True)
    assert client.post("/bank/laws", data={"title": LAW, "version": "2021", "supersedes_id": "0"}).status_code == 302
    response = client.post("/bank/laws", data={"title": LAW, "version": "2021", "supersedes_id": "0"})
    assert response.status_code == 200 and 'id="version-error"' in response.get_data(as_text=True)
    assert db.query(Law).count() == 1


def test_editing_keeps_the_questions_law_chosen(db, tree, editors, client, auth):
    from tests.page_forms import read_form

    question = _draft_by_author(client, auth)
    auth.login("author")
    values, options = read_form(client.get(f"/bank/{question.id}/edit").get_data(as_text=True), action="")
    assert values["law"] == LAW and LAW in options["law"]  # chosen in the list, not typed
