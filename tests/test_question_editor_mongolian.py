"""The Mongolian text of a question written in the editor (issue 21): the fields beside the Chinese, checked by the
import's rule with the errors at the field (in English and Chinese, nothing saved), a change that clears the
Mongolian review, emptied fields that remove the text, and the second person's review on the question's page."""
import pytest

from examsys.auth.models import Role
from examsys.bank.models import Question, QuestionVersion, VersionStatus
from examsys.bank.schema import read_bank_file
from tests.factories import make_user
from tests.page_forms import read_form
from tests.test_question_editor_pages import QUESTION, _press

MN = {"mn_stem": "ᠬᠠᠤᠯᠢ ᠶᠢᠨ ᠠᠰᠠᠭᠤᠯᠲᠠ?", "mn_option_A": "ᠨᠢᠭᠡ ᠵᠢᠯ", "mn_option_B": "ᠬᠣᠶᠠᠷ ᠵᠢᠯ", "mn_explanation": "ᠲᠠᠶᠢᠯᠪᠤᠷᠢ"}
TEXT = {"stem": MN["mn_stem"], "options": {"A": MN["mn_option_A"], "B": MN["mn_option_B"]}, "explanation": MN["mn_explanation"]}
REVIEW_BUTTON = ">Mark the Mongolian text reviewed</button>"
AWAITING = "Not yet reviewed: a plan offering the Mongolian paper does not draw this version"


@pytest.fixture
def editors(db, tree):
    return make_user(db, "author", tree.region, Role.EXAM_ADMIN), make_user(db, "checker", tree.region, Role.EXAM_ADMIN)


def _question(db) -> Question:
    db.expire_all()
    return db.query(Question).one()


def _written_with_mongolian(client, auth, db) -> Question:
    auth.login("author")
    response = _press(client, "/bank/new", "save", **QUESTION, **MN)
    assert response.status_code == 302
    return _question(db)


def test_the_editor_offers_vertical_mongolian_fields_and_saves_the_text(db, tree, editors, client, auth):
    auth.login("author")
    page = client.get("/bank/new").get_data(as_text=True)
    assert "Mongolian text (optional)" in page and "mongolian-paper.css" in page
    for name in ("mn_stem", "mn_option_A", "mn_option_H", "mn_answer", "mn_explanation"):
        assert f'class="mn-input" id="{name}" lang="mn-Mong"' in page, name
    assert '<div data-mn-option="A" hidden>' in page  # no Chinese option written yet: no Mongolian one shown
    response = _press(client, "/bank/new", "save", **QUESTION, **MN)
    assert response.status_code == 302
    follow = client.get(response.headers["Location"])
    assert "Its Mongolian text awaits review by another exam administrator who reads Mongolian." in follow.get_data(as_text=True)
    version = _question(db).latest
    assert version.content_mn == TEXT and version.mn_reviewed_at is None
    detail = client.get(f"/bank/{version.question_id}").get_data(as_text=True)
    assert MN["mn_stem"] in detail and MN["mn_option_B"] in detail and AWAITING in detail
    # the editor shows the text again, each option under its letter, shown because its Chinese option is written
    values, _options = read_form(client.get(f"/bank/{version.question_id}/edit").get_data(as_text=True), action="")
    assert {name: values[name].strip() for name in MN} == MN and values["mn_option_C"] == ""  # (a textarea opens with a line break)
    assert '<div data-mn-option="B">' in client.get(f"/bank/{version.question_id}/edit").get_data(as_text=True)


def test_the_preview_shows_the_mongolian_paper_and_saves_nothing(db, tree, editors, client, auth):
    auth.login("author")
    page = _press(client, "/bank/new", "preview", **QUESTION, **MN).get_data(as_text=True)
    preview = page.split("data-preview-target", 1)[1]
    assert 'class="mn-paper mn-preview"' in preview and MN["mn_stem"] in preview and MN["mn_option_A"] in preview
    assert db.query(Question).count() == 0


@pytest.mark.parametrize(("typed", "field", "message"), [
    ({"mn_stem": "行政处罚 ᠬᠠᠤᠯᠢ"}, "mn_stem", "only; these characters are not: 处 (U+5904)"),
    ({"mn_option_A": "ᠨᠢᠭᠡ year"}, "mn_option_A", "these characters are not: a (U+0061)"),
    ({"mn_option_B": ""}, "mn_option_B", "The Mongolian options have the same letters, in the same order, as the Chinese: A, B."),
    ({"mn_option_C": "ᠭᠤᠷᠪᠠ"}, "mn_option_C", "The Mongolian options have the same letters, in the same order, as the Chinese: A, B."),
    ({"mn_stem": ""}, "mn_stem", "The Mongolian question text is missing."),
    ({"mn_explanation": "2021"}, "mn_explanation", "The text is not written in the Mongolian script."),
])
def test_a_wrong_mongolian_text_is_refused_at_its_field_and_nothing_is_saved(db, tree, editors, client, auth, typed, field, message):
    auth.login("author")
    response = _press(client, "/bank/new", "save", **QUESTION, **dict(MN, **typed))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and f'<p class="error" id="{field}-error">' in page, page
    assert message in page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert f'data-mn-option="{field[-1]}">' in page if field.startswith("mn_option") else True  # the field at fault is shown
    assert db.query(Question).count() == 0


def test_a_fill_in_needs_its_accepted_answers_in_mongolian_and_the_errors_read_in_chinese(db, tree, editors, client, auth):
    auth.login("author")
    fill_in = dict(QUESTION, type="fill_in", stem="违法行为在____年内未被发现的，不再给予行政处罚。", answer="二|2", option_A="", option_B="")
    headers = {"Accept-Language": "zh-CN"}
    page = client.post("/bank/new", data=dict(read_form(client.get("/bank/new").get_data(as_text=True), action="")[0],
                                              **fill_in, mn_stem="ᠬᠠᠤᠯᠢ ____", intent="save"), headers=headers).get_data(as_text=True)
    assert 'id="mn_answer-error">请列出蒙古文的可接受答案。' in page, page
    assert db.query(Question).count() == 0
    page = client.post("/bank/new", data=dict(read_form(client.get("/bank/new").get_data(as_text=True), action="")[0],
                                              **fill_in, mn_stem="ᠬᠠᠤᠯᠢ", mn_answer="二", intent="save"), headers=headers).get_data(as_text=True)
    assert 'id="mn_answer-error">蒙古文文本只能使用传统蒙古文（U+1800–U+18AF）书写' in page, page
    response = _press(client, "/bank/new", "save", **fill_in, mn_stem="ᠬᠠᠤᠯᠢ ____", mn_answer="ᠬᠣᠶᠠᠷ | ᠬᠣᠶᠠᠷ ᠵᠢᠯ")
    assert response.status_code == 302
    assert _question(db).latest.content_mn == {"stem": "ᠬᠠᠤᠯᠢ ____", "answer": ["ᠬᠣᠶᠠᠷ", "ᠬᠣᠶᠠᠷ ᠵᠢᠯ"]}


def test_a_case_analysis_takes_its_rubric_criteria_and_reference_answer_in_mongolian(db, tree, editors, client, auth):
    auth.login("author")
    case = dict(QUESTION, type="case_analysis", stem="某局对甲作出罚款决定，请分析。", option_A="", option_B="", answer="",
                rubric="3：指出管辖错误\n2：指出程序错误", reference_answer="管辖和程序均有错误。", points="5")
    mn = {"mn_stem": "ᠬᠠᠤᠯᠢ", "mn_reference_answer": "ᠬᠠᠷᠢᠭᠤ", "mn_explanation": ""}
    response = _press(client, "/bank/new", "save", **case, **mn, mn_rubric="ᠨᠢᠭᠡ")  # one criterion of two
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="mn_rubric-error">The Mongolian rubric lists one criterion for each criterion' in page
    assert db.query(Question).count() == 0
    assert _press(client, "/bank/new", "save", **case, **mn, mn_rubric="ᠨᠢᠭᠡ\nᠬᠣᠶᠠᠷ").status_code == 302
    question = _question(db)
    assert question.latest.content_mn == {"stem": "ᠬᠠᠤᠯᠢ", "rubric": ["ᠨᠢᠭᠡ", "ᠬᠣᠶᠠᠷ"], "reference_answer": "ᠬᠠᠷᠢᠭᠤ"}
    values, _options = read_form(client.get(f"/bank/{question.id}/edit").get_data(as_text=True), action="")
    assert values["mn_rubric"].split() == ["ᠨᠢᠭᠡ", "ᠬᠣᠶᠠᠷ"] and values["mn_reference_answer"].strip() == "ᠬᠠᠷᠢᠭᠤ"


def test_a_refused_edit_keeps_the_version_as_it_was(db, tree, editors, client, auth):
    question = _written_with_mongolian(client, auth, db)
    url = f"/bank/{question.id}/edit"
    response = _press(client, url, "save", stem="改过的题干", mn_option_B="two")  # a sound Chinese change, a wrong Mongolian one
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="mn_option_B-error"' in page
    question = _question(db)
    assert [(v.stem, v.content_mn) for v in question.versions] == [(QUESTION["stem"], TEXT)]


def test_any_change_clears_the_mongolian_review_and_emptied_fields_remove_the_text(db, tree, editors, client, auth):
    question = _written_with_mongolian(client, auth, db)
    auth.logout()
    auth.login("checker")
    assert client.post(f"/bank/versions/{question.latest.id}/review-mn").status_code == 302
    assert _question(db).latest.mn_reviewed_at is not None
    auth.logout()
    # the Chinese changed on an unused draft: changed in place, the Mongolian kept and to be read again
    auth.login("author")
    assert _press(client, f"/bank/{question.id}/edit", "save", stem="违法行为在几年内未被发现的，不再给予行政处罚？").status_code == 302
    question = _question(db)
    assert len(question.versions) == 1 and question.latest.content_mn == TEXT and question.latest.mn_reviewed_at is None
    # reviewed (Chinese and Mongolian) by the checker: a change of the Mongolian alone makes version 2, its review cleared
    auth.logout()
    auth.login("checker")
    assert client.post(f"/bank/versions/{question.latest.id}/review").status_code == 302
    assert client.post(f"/bank/versions/{question.latest.id}/review-mn").status_code == 302
    auth.logout()
    auth.login("author")
    changed = "ᠬᠣᠶᠠᠷ ᠣᠨ"
    assert _press(client, f"/bank/{question.id}/edit", "save", mn_option_B=changed).status_code == 302
    question = _question(db)
    first, second = question.versions
    assert first.mn_reviewed_at is not None and first.status is VersionStatus.REVIEWED
    assert second.number == 2 and second.content_mn["options"]["B"] == changed and second.mn_reviewed_at is None
    assert second.status is VersionStatus.DRAFT and second.stem == first.stem
    page = client.get(f"/bank/{question.id}").get_data(as_text=True)
    assert AWAITING in page and "<code>content_mn</code>" in page  # what changed from version 1
    # the edit page says what emptying the fields does; emptied, the text is gone from version 3
    auth.logout()
    auth.login("checker")
    assert client.post(f"/bank/versions/{second.id}/review").status_code == 302
    auth.logout()
    auth.login("author")
    url = f"/bank/{question.id}/edit"
    assert "Emptying every Mongolian field removes the Mongolian text from the question." in client.get(url).get_data(as_text=True)
    emptied = {name: "" for name in MN}
    response = _press(client, url, "save", **emptied)
    assert response.status_code == 302
    assert "The Mongolian text was removed: this version has none." in client.get(response.headers["Location"]).get_data(as_text=True)
    question = _question(db)
    assert [v.content_mn is None for v in question.versions] == [False, False, True]
    page = client.get(f"/bank/{question.id}").get_data(as_text=True)
    assert "This version has no Mongolian text." in page and "<code>content_mn</code>" in page
    assert "Emptying every Mongolian field" not in client.get(url).get_data(as_text=True)


def test_a_text_added_to_a_reviewed_question_makes_a_new_version_that_lists_it_as_changed(db, tree, editors, client, auth):
    auth.login("author")
    assert _press(client, "/bank/new", "save", **QUESTION).status_code == 302
    question = _question(db)
    page = client.get(f"/bank/{question.id}").get_data(as_text=True)
    assert "This version has no Mongolian text." in page and f"/bank/{question.id}/edit#mongolian-text" in page
    auth.logout()
    auth.login("checker")
    assert client.post(f"/bank/versions/{question.latest.id}/review").status_code == 302
    assert _press(client, f"/bank/{question.id}/edit", "save", **MN).status_code == 302
    first, second = _question(db).versions
    assert first.content_mn is None and second.content_mn == TEXT and second.mn_reviewed_at is None
    page = client.get(f"/bank/{question.id}").get_data(as_text=True)
    assert "What changed from version 1" in page and "<code>content_mn</code>" in page and "This version has no Mongolian text." not in page


def test_the_writer_is_refused_the_mongolian_review_and_a_second_person_gives_it(db, tree, editors, client, auth):
    question = _written_with_mongolian(client, auth, db)
    page = client.get(f"/bank/{question.id}").get_data(as_text=True)
    assert REVIEW_BUTTON not in page and "another exam administrator who reads Mongolian reviews its Mongolian text" in page
    response = client.post(f"/bank/versions/{question.latest.id}/review-mn", headers={"Referer": f"http://localhost/bank/{question.id}"},
                           follow_redirects=True)
    assert "The author of a version cannot review its Mongolian text; another exam administrator must." in response.get_data(as_text=True)
    assert _question(db).latest.mn_reviewed_at is None
    auth.logout()
    auth.login("checker")
    page = client.get(f"/bank/{question.id}").get_data(as_text=True)
    assert REVIEW_BUTTON in page and AWAITING in page
    assert client.post(f"/bank/versions/{question.latest.id}/review-mn").status_code == 302
    page = client.get(f"/bank/{question.id}").get_data(as_text=True)
    assert REVIEW_BUTTON not in page and "Reviewed by Checker on" in page
    version = db.get(QuestionVersion, question.latest.id)
    assert version.mn_reviewed_by.username == "checker"


def test_the_import_keeps_to_the_same_rule_no_latin_in_the_mongolian_text():
    text = """
part: common
law: 中华人民共和国行政处罚法
questions:
  - ref: MN-S-009
    type: single_choice
    stem: 单选题
    options: {A: 一, B: 二}
    answer: B
    article: 第一条
    difficulty: 1
    explanation: 解析
    mn: {stem: ᠬᠠᠤᠯᠢ, options: {A: ᠨᠢᠭᠡ, B: ᠬᠣᠶᠠᠷ two}}
"""
    result = read_bank_file(text, "mn.yaml")
    assert result.records == [] and [(p.field, "these characters are not: o (U+006F), t (U+0074), w (U+0077)" in p.message)
                                     for p in result.problems] == [("mn.options.B", True)]


def test_the_mongolian_problems_are_said_with_the_chinese_ones_and_a_rubric_that_is_no_list_is_refused():
    head = "part: common\nlaw: 中华人民共和国行政处罚法\nquestions:\n  - ref: MN-S-010\n    article: 第一条\n    explanation: 解析\n"
    result = read_bank_file(head + "    type: single_choice\n    stem: 单选题\n    options: {A: 一, B: 二}\n    answer: Z\n"
                                   "    difficulty: 9\n    mn: {stem: 中文, options: {A: ᠨᠢᠭᠡ}}\n", "mn.yaml")
    assert [p.field for p in result.problems] == ["difficulty", "answer", "mn.stem", "mn.options"]
    result = read_bank_file(head + "    type: case_analysis\n    stem: 案例\n    rubric: 5\n    reference_answer: 参考\n    difficulty: 1\n"
                                   "    mn: {stem: ᠬᠠᠤᠯᠢ, rubric: [ᠨᠢᠭᠡ]}\n", "mn.yaml")  # was a TypeError (a 500 on upload)
    assert result.records == [] and "rubric" in [p.field for p in result.problems]
