"""Question banks: versions, the four-eyes review, imports (all or nothing) and round trips, scope."""
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from examsys.auth.models import Role
from examsys.bank import files, services
from examsys.bank.models import Question, QuestionVersion, VersionStatus
from examsys.bank.schema import read_paths
from examsys.bank.types import kind_of
from examsys.errors import InvalidState
from tests.factories import make_law, make_user

ROOT = Path(__file__).resolve().parent.parent

BANK = """
part: common
law: 中华人民共和国行政处罚法
law_version: "2021"
questions:
  - ref: T-S-001
    type: single_choice
    stem: 违法行为在几年内未被发现的，一般不再给予行政处罚？
    options: {A: 一年, B: 二年, C: 三年, D: 五年}
    answer: B
    article: 第三十六条第一款
    difficulty: 1
    explanation: 二年。
  - ref: T-T-001
    type: true_false
    stem: 行政处罚的设定和实施应当公开。
    answer: true
    article: 第五条第一款
    difficulty: 1
    explanation: 公开原则。
"""


@pytest.fixture
def editors(db, tree):
    author = make_user(db, "author", tree.region, Role.EXAM_ADMIN)
    reviewer = make_user(db, "checker", tree.region, Role.EXAM_ADMIN)
    return author, reviewer


def _import(db, actor, text, org, name="bank.yaml"):
    result = files.read_upload(name, text.encode("utf-8"))
    assert result.problems == []
    plan = services.plan_import(db, actor, result.records, org)
    counts = services.apply_import(db, actor, plan, org, source=name)
    db.commit()
    return counts


def _raw(version: QuestionVersion, **changes):
    raw = {k: v for k, v in version.content().items() if k != "type"} | {"type": version.type.value}
    raw.update(changes)
    return raw


def test_import_then_reimport_is_a_no_op(db, tree, editors):
    author, _ = editors
    assert _import(db, author, BANK, tree.region) == {"created": 2, "versioned": 0, "unchanged": 0}
    assert _import(db, author, BANK, tree.region) == {"created": 0, "versioned": 0, "unchanged": 2}
    assert db.query(QuestionVersion).count() == 2


def test_an_import_that_changes_a_question_makes_a_new_version(db, tree, editors):
    author, reviewer = editors
    _import(db, author, BANK, tree.region)
    question = db.query(Question).filter_by(ref="T-S-001").one()
    services.change_status(db, reviewer, question.latest.id, "review")
    assert _import(db, author, BANK.replace("二年。", "二年内未被发现的不再处罚。"), tree.region)["versioned"] == 1
    db.refresh(question)
    assert [v.number for v in question.versions] == [1, 2]
    assert question.versions[0].explanation == "二年。" and question.versions[0].status is VersionStatus.REVIEWED


def test_an_import_with_one_bad_question_is_rejected_whole_naming_file_question_and_field(db, tree, editors):
    author, _ = editors
    bad = BANK.replace("answer: B", "answer: E")
    result = files.read_upload("bad.yaml", bad.encode("utf-8"))
    assert [(p.source, p.question, p.field) for p in result.problems] == [("bad.yaml", "T-S-001", "answer")]
    assert db.query(Question).count() == 0


def test_a_used_question_edited_makes_a_new_version_and_the_old_one_still_scores_the_old_key(db, tree, editors):
    author, reviewer = editors
    _import(db, author, BANK, tree.region)
    question = db.query(Question).filter_by(ref="T-S-001").one()
    old = question.latest
    old.used = True  # an exam paper pinned it
    db.flush()
    new = services.edit_question(db, author, question.id, _raw(old, answer="C", options={"A": "一年", "B": "二年", "C": "两年", "D": "五年"}), "key fix")
    assert new.number == 2 and new.status is VersionStatus.DRAFT and new.answer == "C"
    db.refresh(old)
    assert old.answer == "B"
    assert kind_of(old.type).score(old.content(), "B", Decimal(2)) == 2
    assert kind_of(new.type).score(new.content(), "B", Decimal(2)) == 0


def test_an_unused_draft_is_edited_in_place(db, tree, editors):
    author, _ = editors
    _import(db, author, BANK, tree.region)
    question = db.query(Question).filter_by(ref="T-T-001").one()
    services.edit_question(db, author, question.id, _raw(question.latest, stem="行政处罚遵循公开原则。"))
    db.refresh(question)
    assert len(question.versions) == 1 and question.latest.stem == "行政处罚遵循公开原则。"
    with pytest.raises(InvalidState, match="Nothing was changed"):
        services.edit_question(db, author, question.id, _raw(question.latest))


def test_four_eyes_the_author_cannot_review_their_own_question(db, tree, editors):
    author, reviewer = editors
    question = services.create_question(db, author, org_id=tree.region.id, part=services.BankPart.COMMON, domain_id=None,
                                        raw={"type": "true_false", "stem": "行政许可应当公开。", "answer": True, "law": "中华人民共和国行政许可法",
                                             "article": "第五条", "difficulty": 1, "explanation": "公开原则。"})
    with pytest.raises(InvalidState, match="cannot review"):
        services.change_status(db, author, question.latest.id, "review")
    with pytest.raises(InvalidState, match="Only a reviewed"):
        services.change_status(db, author, question.latest.id, "activate")
    services.change_status(db, reviewer, question.latest.id, "review")
    services.change_status(db, author, question.latest.id, "activate")
    assert question.latest.status is VersionStatus.ACTIVE


def test_activating_a_new_version_retires_the_old_active_one(db, tree, editors):
    author, reviewer = editors
    _import(db, author, BANK, tree.region)
    question = db.query(Question).filter_by(ref="T-T-001").one()
    for action, actor in (("review", reviewer), ("activate", author)):
        services.change_status(db, actor, question.latest.id, action)
    new = services.edit_question(db, author, question.id, _raw(question.latest, explanation="第五条第一款。"))
    assert question.active_version.number == 1  # still drawn until the new version is approved
    services.change_status(db, reviewer, new.id, "review")
    services.change_status(db, author, new.id, "activate")
    assert [v.status for v in question.versions] == [VersionStatus.RETIRED, VersionStatus.ACTIVE]


def test_yaml_import_export_import_round_trips(db, tree, editors, tmp_path):
    author, _ = editors
    source = read_paths([ROOT / "question_bank/common/guojia-peichang.yaml"])
    plan = services.plan_import(db, author, source.records, tree.region)
    services.apply_import(db, author, plan, tree.region, activate=True)
    content, _mime, _name = files.render(files.export_records(db, author), "yaml")
    archive = zipfile.ZipFile(io.BytesIO(content))
    again = files.read_upload("export.zip", content)
    assert again.problems == [] and len(archive.namelist()) == 1
    assert sorted((r.ref, r.content["stem"], str(r.content["answer"])) for r in again.records) == \
        sorted((r.ref, r.content["stem"], str(r.content["answer"])) for r in source.records)
    assert services.plan_import(db, author, again.records, tree.region).counts == {"created": 0, "versioned": 0, "unchanged": len(source.records)}


def test_xlsx_round_trip_and_errors_name_row_and_column(db, tree, editors):
    author, _ = editors
    _import(db, author, BANK, tree.region)
    for v in db.query(QuestionVersion):
        v.status = VersionStatus.ACTIVE
    content, _mime, _name = files.render(files.export_records(db, author), "xlsx")
    result = files.read_upload("bank.xlsx", content)
    assert result.problems == [] and {r.ref for r in result.records} == {"T-S-001", "T-T-001"}
    assert services.plan_import(db, author, result.records, tree.region).counts["unchanged"] == 2
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    sheet = book.active
    from examsys.bank.xlsx import COLUMNS

    column = [c.key for c in COLUMNS].index("difficulty") + 1
    sheet.cell(row=3, column=column, value="7")  # the second question's difficulty
    buffer = io.BytesIO()
    book.save(buffer)
    problems = files.read_upload("bank.xlsx", buffer.getvalue()).problems
    assert [(p.question, p.field) for p in problems] == [("row 3", "难度")]


def test_scope_an_exam_admin_of_a_county_sees_only_its_bank(db, tree, editors, client, auth):
    author, _ = editors
    _import(db, author, BANK, tree.region)
    make_user(db, "county-exam", tree.county, Role.EXAM_ADMIN)
    auth.login("county-exam")
    page = client.get("/bank/").get_data(as_text=True)
    assert "T-S-001" not in page and "No question matches." in page
    question = db.query(Question).filter_by(ref="T-S-001").one()
    assert client.get(f"/bank/{question.id}").status_code == 404
    assert client.post(f"/bank/versions/{question.latest.id}/retire").status_code == 404
    assert db.get(QuestionVersion, question.latest.id).status is VersionStatus.DRAFT


def test_officers_without_the_role_are_refused(db, tree, client, auth):
    make_user(db, "plain", tree.county)
    auth.login("plain")
    assert client.get("/bank/").status_code == 403
    assert client.get("/bank/new").status_code == 403


def test_the_import_page_previews_and_confirms(db, tree, editors, client, auth):
    auth.login("author")
    response = client.post("/bank/import", data={"org_id": tree.region.id, "file": (io.BytesIO(BANK.encode()), "bank.yaml")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert "2 new questions, 0 changed (new versions), 0 unchanged." in page
    assert db.query(Question).count() == 0
    staged = page.split('name="staged_id" type="hidden" value="')[1].split('"')[0]
    response = client.post("/bank/import/confirm", data={"staged_id": staged, "org_id": tree.region.id})
    assert response.status_code == 302
    assert db.query(Question).count() == 2


def test_the_import_page_lists_every_error(db, tree, editors, client, auth):
    auth.login("author")
    bad = BANK.replace("answer: B", "answer: E").replace("difficulty: 1\n    explanation: 公开原则。", "difficulty: 9\n    explanation: 公开原则。")
    response = client.post("/bank/import", data={"org_id": tree.region.id, "file": (io.BytesIO(bad.encode()), "bad.yaml")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "2 errors — nothing was imported" in page
    assert "<td>T-S-001</td><td>answer</td>" in page and "<td>T-T-001</td><td>difficulty</td>" in page


def test_editor_preview_shows_the_candidate_view_without_the_key(db, tree, editors, client, auth):
    auth.login("author")
    form = {"org_id": tree.region.id, "part": "common", "domain_id": 0, "type": "single_choice", "stem": "哪一项正确？",
            "option_A": "甲", "option_B": "乙", "answer": "B", "law": "中华人民共和国行政处罚法", "article": "第四条",
            "difficulty": 2, "points": "2", "explanation": "因为乙。", "intent": "preview"}
    page = client.post("/bank/new", data=form).get_data(as_text=True)
    assert 'type="radio"' in page and "哪一项正确？" in page
    assert db.query(Question).count() == 0
    response = client.post("/bank/new", data=dict(form, intent="save"))
    assert response.status_code == 302
    assert db.query(Question).one().latest.status is VersionStatus.DRAFT


def test_bulk_review_reports_what_the_workflow_refuses(db, tree, editors, client, auth):
    author, _ = editors
    _import(db, author, BANK, tree.region)
    auth.login("author")
    ids = [v.id for v in db.query(QuestionVersion)]
    client.post("/bank/bulk", data={"action": "review", "version_id": ids})
    page = client.get("/bank/").get_data(as_text=True)
    assert "cannot review" in page
    auth.logout()
    auth.login("checker")
    client.post("/bank/bulk", data={"action": "review", "version_id": ids})
    assert {v.status for v in db.query(QuestionVersion)} == {VersionStatus.REVIEWED}


# ---- the starter banks ----------------------------------------------------------------------------

def test_starter_banks_pass_the_schema_and_hold_the_promised_counts():
    result = read_paths([ROOT / "question_bank"])
    assert result.problems == [], [str(p) for p in result.problems[:10]]
    common = [r for r in result.records if r.part.value == "common"]
    by_type = {t: sum(1 for r in common if r.content["type"] == t) for t in
               ("single_choice", "multiple_choice", "true_false", "case_analysis")}
    assert len(common) >= 1200  # a region-wide sitting: papers that do not repeat for neighbours and re-sitters
    assert by_type["single_choice"] >= 500 and by_type["multiple_choice"] >= 200
    assert by_type["true_false"] >= 250 and by_type["case_analysis"] >= 40
    for domain in ("market", "environment", "transport", "natural_resources", "agriculture"):
        assert sum(1 for r in result.records if r.domain_code == domain) >= 150, domain
    assert all(r.content["article"].startswith("第") and r.content["law"] for r in result.records)
    laws = {r.content["law"] for r in common}
    assert {"中华人民共和国行政处罚法", "中华人民共和国行政许可法", "中华人民共和国行政强制法", "中华人民共和国行政复议法",
            "中华人民共和国行政诉讼法", "中华人民共和国国家赔偿法", "中华人民共和国政府信息公开条例"} <= laws


def _articles(text):
    """{"第十四条": [[paragraph, [item, ...]], ...]}: the articles of a law text, paragraph by paragraph (款), with
    the numbered items (项) under the paragraph that introduces them."""

    articles, current = {}, None
    for line in text.splitlines():
        head = re.match(r"(第[一二三四五六七八九十百零]+条)[\s　](.*)", line)
        if head:
            current = articles[head.group(1)] = [[head.group(2), []]]
        elif line.startswith("#") or not line.strip() or current is None:
            continue
        elif re.match(r"[（(][一二三四五六七八九十]+[)）]", line):  # items: （一） in most texts, (一) in some
            current[-1][1].append(line)
        else:
            current.append([line, []])
    return articles


def _number(numeral):
    digits = {digit: value for value, digit in enumerate("零一二三四五六七八九")}
    value, numeral = 0, numeral.replace("零", "")
    for part, scale in (("百", 100), ("十", 10)):
        if part in numeral:
            before, numeral = numeral.split(part, 1)
            value += digits.get(before, 1) * scale
    return value + (digits[numeral] if numeral else 0)


@pytest.mark.parametrize("part, floor", [("common", 1200), ("sector", 800)])
def test_citations_and_quotes_are_in_the_law_texts(part, floor):
    """Every question whose law has an official text kept with the tests (all of them: the seven common-part laws
    and the sector laws) cites articles (and paragraphs, items) that text numbers, and its explanation quotes the
    decisive phrase in 「」 word for word from it."""

    texts = {}
    for path in (ROOT / "tests/fixtures/laws").glob("**/*.md"):
        text = path.read_text(encoding="utf-8")
        texts[text.splitlines()[0].strip()] = text
    numeral = "[一二三四五六七八九十百零]+"
    checked = 0
    for path in sorted((ROOT / "question_bank" / part).glob("**/*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        text = texts.get(data["law"])
        if text is None:
            continue
        articles = _articles(text)
        for q in data["questions"]:
            where = f"{path.name} {q['ref']}"
            cited = re.findall(rf"(第{numeral}条)(?:第({numeral})款)?(?:第({numeral})项)?", q["article"])
            assert cited, f"{where}: no article in {q['article']!r}"
            for article, paragraph, item in cited:
                assert article in articles, f"{where}: {article} not in {data['law']}"
                paragraphs = articles[article]
                if paragraph:
                    assert _number(paragraph) <= len(paragraphs), f"{where}: {article}第{paragraph}款 not in {data['law']}"
                if item:
                    items = paragraphs[_number(paragraph) - 1][1] if paragraph else [i for p in paragraphs for i in p[1]]
                    assert _number(item) <= len(items), f"{where}: {article}…第{item}项 not in {data['law']}"
            quotes = re.findall(r"「([^」]+)」", q["explanation"])
            assert quotes, f"{where}: the explanation quotes nothing"
            missing = [quote for quote in quotes if quote not in text]
            assert missing == [], f"{where}: not word for word in {data['law']}"
            checked += 1
    assert checked >= floor, f"the {part} questions' law texts are missing under tests/fixtures/laws"


# ---- Moodle XML ------------------------------------------------------------------------------------

MOODLE_FIXTURES = ROOT / "tests/fixtures/moodle-xml"  # files in Moodle's export layout, kept with the tests


def test_a_moodle_file_written_by_moodle_imports_with_its_categories_and_types(db, tree, editors):
    author, _ = editors
    result = files.read_upload("nested.xml", (MOODLE_FIXTURES / "nested_categories.xml").read_bytes())
    assert result.problems == []
    assert {r.content["type"] for r in result.records} == {"true_false", "case_analysis"}
    assert any("行政处罚法" in r.content["law"] for r in result.records)
    plan = services.plan_import(db, author, result.records, tree.region)  # its categories are no laws on the list
    assert {p.field for p in plan.problems} == {"law"} and {p.question for p in plan.problems} == {r.ref for r in result.records}
    assert "is not on the list of laws" in plan.problems[0].message
    for law in {r.content["law"] for r in result.records}:
        make_law(db, law)
    plan = services.plan_import(db, author, result.records, tree.region)
    services.apply_import(db, author, plan, tree.region)
    essay = next(v for v in db.query(QuestionVersion) if v.type.value == "case_analysis")
    with pytest.raises(InvalidState):  # no rubric and no article yet: it stays a draft until completed
        essay.status = VersionStatus.REVIEWED
        essay.activate()


def test_a_moodle_question_with_invalid_grades_is_refused_by_name(db, tree, editors):
    result = files.read_upload("bad.xml", (MOODLE_FIXTURES / "invalid_grades.xml").read_bytes())
    assert result.records == []
    assert any("分值无效的题目" in p.question and "fraction" in p.field for p in result.problems)


def test_a_moodle_file_written_by_examsys_imports_back_identically(db, tree, editors):
    author, _ = editors
    source = read_paths([ROOT / "question_bank/common/xingzheng-chufa.yaml", ROOT / "question_bank/sector/market"])
    services.apply_import(db, author, services.plan_import(db, author, source.records, tree.region), tree.region, activate=True)
    content, _mime, _name = files.render(files.export_records(db, author), "moodle")
    again = files.read_upload("export.xml", content)
    assert again.problems == []
    assert len(again.records) == len(source.records)
    assert services.plan_import(db, author, again.records, tree.region).counts == {"created": 0, "versioned": 0, "unchanged": len(source.records)}


def test_html_in_a_moodle_file_is_shown_escaped(db, tree, editors, client, auth):
    author, _ = editors
    from examsys.bank.moodle import write_moodle_xml

    item = {"part": "common", "domain": None, "domain_name": None, "law": "测试法", "law_version": "", "ref": "H-1", "type": "true_false",
            "stem": "<script>alert(1)</script> & <b>粗体</b>", "options": None, "answer": True, "rubric": None, "reference_answer": None,
            "article": "第一条", "difficulty": 2, "points": "2.00", "explanation": "x", "tags": [], "category_path": None}
    result = files.read_upload("h.xml", write_moodle_xml([item]))
    make_law(db, "测试法")
    services.apply_import(db, author, services.plan_import(db, author, result.records, tree.region), tree.region)
    db.commit()
    auth.login("author")
    question = db.query(Question).filter_by(ref="H-1").one()
    page = client.get(f"/bank/{question.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" in page


def test_the_question_page_shows_what_changed_between_versions(db, tree, editors, client, auth):
    author, reviewer = editors
    _import(db, author, BANK, tree.region)
    question = db.query(Question).filter_by(ref="T-T-001").one()
    services.change_status(db, reviewer, question.latest.id, "review")
    services.edit_question(db, author, question.id, _raw(question.latest, article="第五条第二款"), "条款更正")
    db.commit()
    auth.login("author")
    page = client.get(f"/bank/{question.id}").get_data(as_text=True)
    assert "What changed from version 1" in page and "第五条第一款" in page and "第五条第二款" in page and "条款更正" in page


def test_the_live_preview_renders_the_candidates_view_without_the_key(db, tree, editors, client, auth):
    auth.login("author")
    form = {"type": "multiple_choice", "stem": "以下哪些正确？", "option_A": "甲", "option_B": "乙", "option_C": "丙", "answer": "AB",
            "explanation": "因为甲乙。", "law": "测试法"}
    page = client.post("/bank/preview", data=form).get_data(as_text=True)
    assert "以下哪些正确？" in page and 'type="checkbox"' in page and "disabled" in page
    assert "因为甲乙" not in page and "AB" not in page
    auth.logout()
    make_user(db, "plain", tree.county)
    auth.login("plain")
    assert client.post("/bank/preview", data=form).status_code == 403
