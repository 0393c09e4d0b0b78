"""The question editor and the question page as exam administrators use them: the form posted as the page
renders it (with the button pressed), the four-eyes review from the author's side, the laws on offer."""
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
