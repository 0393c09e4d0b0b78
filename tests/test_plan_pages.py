"""The new-plan page, as an exam administrator uses it: the form posted as the page renders it, for every
kind of exam, and read in Chinese."""
import re
from datetime import timedelta
from html import unescape

import pytest

from examsys import clock
from examsys.exams.models import ExamKind, ExamPlan
from tests.page_forms import read_form

ZH = {"Accept-Language": "zh-CN"}


def _window() -> tuple[str, str]:
    opens = clock.now() + timedelta(days=1)
    return opens.strftime("%Y-%m-%dT%H:%M"), (opens + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")


def _filled_form(client, exam, kind: str, name: str) -> dict[str, str]:
    values, options = read_form(client.get("/exams/plans/new").get_data(as_text=True), action="")
    assert kind in options["kind"]
    opens, closes = _window()
    values.update(name=name, kind=kind, opens_at=opens, closes_at=closes)
    if kind == "makeup":
        assert str(exam["plan"].id) in options["makeup_of_id"]  # the open qualification exam is offered
        values["makeup_of_id"] = str(exam["plan"].id)
    return values


@pytest.mark.parametrize(("kind", "label"), [("qualification", "Qualification exam"), ("makeup", "Make-up exam"),
                                             ("renewal", "Renewal exam"), ("practice", "Practice exam")])
def test_every_kind_of_plan_saves_from_the_form_and_opens_its_page(db, exam, client, auth, kind, label):
    auth.login("examiner")
    name = f"2026 {kind} plan"
    response = client.post("/exams/plans/new", data=_filled_form(client, exam, kind, name))
    assert response.status_code == 302, re.findall(r'class="error"[^>]*>([^<]*)', response.get_data(as_text=True))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The plan is saved as a draft" in page and f"<h1>{name}" in page and f"<dd>{label}</dd>" in page
    plan = db.query(ExamPlan).filter_by(name=name).one()
    assert plan.kind is ExamKind(kind) and plan.status.value == "draft" and len(plan.sections) == 3
    if kind == "makeup":
        assert plan.makeup_of_id == exam["plan"].id and exam["plan"].name in page


def test_a_make_up_without_its_qualification_exam_is_a_field_error_not_a_500(db, exam, client, auth):
    auth.login("examiner")
    values = _filled_form(client, exam, "makeup", "补考")
    values["makeup_of_id"] = "0"
    response = client.post("/exams/plans/new", data=values)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="makeup_of_id-error"' in page
    assert "A make-up exam names the qualification exam it makes up for." in page
    assert db.query(ExamPlan).filter_by(name="补考").count() == 0


def test_only_practice_lets_auxiliary_staff_in_whatever_the_form_says(db, exam, client, auth):
    auth.login("examiner")
    for kind in ("renewal", "practice"):
        values = _filled_form(client, exam, kind, f"含辅助人员 {kind}")
        values["include_auxiliary"] = "y"
        assert client.post("/exams/plans/new", data=values).status_code == 302
    saved = {p.kind: p.include_auxiliary for p in db.query(ExamPlan).filter(ExamPlan.name.like("含辅助人员%"))}
    assert saved == {ExamKind.RENEWAL: False, ExamKind.PRACTICE: True}


def _visible_text(html: str) -> str:
    start = html.index("<h1>")
    form = html[start:html.index("</form>", start)]
    form = re.sub(r"<(script|style)\b.*?</\1>", " ", form, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", form))


def test_the_plan_form_reads_in_chinese_every_label_and_choice(db, exam, client, auth):
    auth.login("examiner")
    page = client.get("/exams/plans/new", headers=ZH).get_data(as_text=True)
    text = _visible_text(page)
    assert re.findall(r"[A-Za-z]{2,}", text) == []
    assert "考试类别" in text and "人员类别" not in text  # the exam's kind, not the personnel kind
    for kind in ("资格考试", "补考", "换证考试", "练习"):
        assert kind in text
    assert "通用" in text and "专门" in text


def test_a_make_up_plan_page_reads_in_chinese(db, exam, client, auth):
    auth.login("examiner")
    response = client.post("/exams/plans/new", data=_filled_form(client, exam, "makeup", "补考一"), headers=ZH)
    page = client.get(response.headers["Location"], headers=ZH).get_data(as_text=True)
    assert "考试计划已保存为草稿" in page
    assert "<dd>补考</dd>" in page and f"<dd>{exam['plan'].name}</dd>" in page


def test_a_blueprint_row_chooses_its_law_from_the_banks_laws(db, exam, client, auth):
    auth.login("examiner")
    values = _filled_form(client, exam, "qualification", "分法律组卷")
    _values, options = read_form(client.get("/exams/plans/new").get_data(as_text=True), action="")
    law_options = options["sections-2-law"]  # "" (any law) first, then the laws of the fixture's bank
    assert law_options[0] == "" and set(law_options[1:]) == {"中华人民共和国行政强制法", "中华人民共和国行政处罚法", "中华人民共和国行政许可法"}
    values["sections-2-law"] = "中华人民共和国行政强制法"  # the true/false row: the fixture's true/false questions cite it
    response = client.post("/exams/plans/new", data=values)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<td>中华人民共和国行政强制法</td>" in page
    assert [s.law for s in db.query(ExamPlan).filter_by(name="分法律组卷").one().sections] == [None, None, "中华人民共和国行政强制法"]


def test_the_plan_form_sets_the_preference_for_less_exposed_questions_off_unless_ticked(db, exam, client, auth):
    auth.login("examiner")
    values = _filled_form(client, exam, "qualification", "曝光默认")
    assert "prefer_less_exposed" not in values  # an unticked box: off by default
    assert client.post("/exams/plans/new", data=values).status_code == 302
    values = _filled_form(client, exam, "qualification", "曝光优先") | {"prefer_less_exposed": "y"}
    assert client.post("/exams/plans/new", data=values).status_code == 302
    assert {p.name: p.prefer_less_exposed for p in db.query(ExamPlan).filter(ExamPlan.name.like("曝光%"))} == {"曝光默认": False, "曝光优先": True}
    zh = client.get("/exams/plans/new", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "优先抽取曝光较少的试题" in zh
