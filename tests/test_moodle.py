"""Moodle XML import and export (examsys.bank.moodle): plain functions, no app or database needed."""
from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from examsys.bank.moodle import MoodleProblem, read_moodle_xml, write_moodle_xml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "moodle-xml"  # files in Moodle's export layout, kept with the tests

KEYS = {"part", "domain", "domain_name", "law", "law_version", "ref", "type", "stem", "options", "answer", "rubric",
        "reference_answer", "article", "difficulty", "points", "explanation", "tags", "enemies", "category_path"}
LAW = "中华人民共和国行政处罚法"
COMMON = {"part": "common", "domain": None, "domain_name": None, "law": LAW, "law_version": "2021", "enemies": None,
          "category_path": ["examsys", "common", "通用", LAW]}
SECTOR = {"part": "sector", "domain": "market", "domain_name": "市场监管", "law": "食品安全法/实施条例", "law_version": "2019", "enemies": None,
          "category_path": ["examsys", "sector", "market", "食品安全法/实施条例"]}
NOT_CHOICE = {"options": None, "rubric": None, "reference_answer": None}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def quiz(*questions: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n' + "\n".join(questions) + "\n</quiz>\n").encode("utf-8")


def foreign(qtype: str, name: str, body: str = "", text: str = "<p>Text</p>") -> str:
    return (f'<question type="{qtype}"><name><text>{name}</text></name>'
            f'<questiontext format="html"><text><![CDATA[{text}]]></text></questiontext>{body}</question>')


def sample_questions() -> list[dict[str, Any]]:
    """One question of each type, as examsys keeps them (points as strings with two decimals)."""
    return [
        {**COMMON, **NOT_CHOICE, "ref": "CF-S-001", "type": "single_choice",
         "stem": "违法行为在几年内未被发现的，一般不再给予行政处罚？<script>alert('x & y')</script> A&B &amp; <b>粗体</b>",
         "options": {"A": "一年", "B": "二年 <i>&</i>", "C": "三年", "D": "五年"}, "answer": "B",
         "article": "第三十六条第一款", "difficulty": 1, "points": "2.00",
         "explanation": "第三十六条第一款规定，违法行为在二年内未被发现的，不再给予行政处罚。\n法律另有规定的除外。",
         "tags": ["时效", "examsys-like but not reserved"]},
        {**COMMON, **NOT_CHOICE, "ref": "CF-M-001", "type": "multiple_choice", "stem": "下列哪些属于行政处罚的种类？",
         "options": {"A": "警告、通报批评", "B": "罚款", "C": "责令改正", "D": "行政拘留"}, "answer": ["A", "B", "D"],
         "article": "第九条", "difficulty": 2, "points": "3.50", "explanation": "第九条。", "tags": []},
        {**COMMON, **NOT_CHOICE, "ref": "CF-J-001", "type": "true_false", "stem": "限制人身自由的行政处罚只能由法律设定。",
         "answer": False, "article": "", "difficulty": 5, "points": "1.00", "explanation": "", "tags": ["处罚设定"]},
        {**SECTOR, **NOT_CHOICE, "ref": "SP-F-001", "type": "fill_in", "stem": "食品生产经营者应当依法取得____许可。\r\n（填两字）",
         "answer": ["食品生产", "食品*经营 & <许可>", "a\\*b"], "article": "第三十五条", "difficulty": 3, "points": "2.00",
         "explanation": "第三十五条：从事食品生产、食品销售、餐饮服务，应当依法取得许可。", "tags": ["许可", "填空"]},
        {**SECTOR, "options": None, "ref": "SP-C-001", "type": "case_analysis",
         "stem": "某公司生产不符合食品安全标准的食品。\n请分析：（1）应如何处罚？（2）<违法所得>如何计算？",
         "answer": None, "rubric": [{"points": "3.00", "criterion": "指出应没收违法所得 & 罚款"},
                                    {"points": "4.50", "criterion": "第一行\n第二行 <li>不是标签</li> [2.00 分] 不是分值"},
                                    {"points": "0.50", "criterion": "[1 分] 以方括号开头"}],
         "reference_answer": "（1）依第一百二十四条……\n（2）违法所得按……计算。\n\n另起一段 <div class=\"examsys-reference-answer\">x</div>",
         "article": "第一百二十四条", "difficulty": 4, "points": "8.00", "explanation": "考查\t罚则。", "tags": ["案例"]},
    ]


# ---------------------------------------------------------------------------------------------- Moodle's own files

def test_nested_categories_keep_their_paths_and_both_types():
    questions, problems = read_moodle_xml(fixture("nested_categories.xml"))
    assert problems == []
    assert [(q["category_path"], q["type"], q["stem"]) for q in questions] == [
        (["通用法律"], "true_false", "行政处罚遵循公正、公开的原则。"),
        (["通用法律", "行政处罚法"], "case_analysis", "某县市场监督管理局拟对一家超市处以罚款。请分析作出决定前应当履行的程序。"),
        (["通用法律", "行政处罚法"], "true_false", "行政机关在作出行政处罚决定之前，应当告知当事人拟作出的行政处罚内容及事实、理由、依据。"),
        (["通用法律", "行政处罚法", "当事人权利"], "true_false", "当事人有权进行陈述和申辩。"),
        (["通用法律", "行政许可法"], "true_false", "设定和实施行政许可，应当依照法定的权限、范围、条件和程序。"),
    ]
    for question in questions:
        assert set(question) == KEYS
        assert question["part"] == "common" and question["domain"] is None and question["law"] == question["category_path"][-1]
        assert question["ref"] is None and question["article"] is None and question["difficulty"] == 3
        assert question["points"] == "1.00" and question["tags"] == []
    assert all(q["answer"] is True and q["options"] is None for q in questions if q["type"] == "true_false")
    essay = questions[1]
    assert essay["rubric"] is None and essay["reference_answer"] is None and essay["answer"] is None


OTHER_SYSTEMS = ROOT.parent / "shared" / "fixtures" / "moodle-xml"  # files Moodle itself wrote, where the workspace has them


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.xml")) + sorted(OTHER_SYSTEMS.glob("*.xml")), ids=lambda p: p.name)
def test_every_moodle_file_reads_as_questions_or_as_problems_that_name_them(path):
    questions, problems = read_moodle_xml(path.read_bytes())
    assert questions or problems
    assert all(set(q) == KEYS for q in questions)
    assert all(p.question and p.field and p.message for p in problems)


def test_invalid_grades_are_refused_naming_the_question_and_the_field():
    questions, problems = read_moodle_xml(fixture("invalid_grades.xml"))
    assert questions == []
    assert len(problems) == 1
    problem = problems[0]
    assert "分值无效的题目 : x > 1 & x < 2" in problem.question
    assert "<strong>" not in problem.question
    assert problem.field == "answer fractions"
    assert "99.66666" in problem.message


# ---------------------------------------------------------------------------------------------- round trip

def test_written_questions_read_back_exactly():
    questions = sample_questions()
    original = copy.deepcopy(questions)
    data = write_moodle_xml(questions)
    assert questions == original  # the writer leaves its input alone
    read, problems = read_moodle_xml(data)
    assert problems == []
    assert read == original
    assert all(set(q) == KEYS for q in read)


def test_the_written_file_is_moodle_xml_with_escaped_text_and_categories():
    data = write_moodle_xml(sample_questions())
    assert b"<script>" not in data and b"<b>" not in data  # plain text is never written as markup
    root = ET.fromstring(data)
    assert root.tag == "quiz"
    elements = root.findall("question")
    assert [e.get("type") for e in elements] == ["category", "multichoice", "multichoice", "truefalse", "category", "shortanswer", "essay"]
    paths = [e.findtext("category/text") for e in elements if e.get("type") == "category"]
    assert paths == [f"$course$/examsys/common/通用/{LAW}", "$course$/examsys/sector/market/食品安全法//实施条例"]
    info = elements[4].findtext("info/text")
    assert '"law_version": "2019"' in info and '"domain_name": "市场监管"' in info
    single, multiple = elements[1], elements[2]
    assert single.findtext("single") == "true" and multiple.findtext("single") == "false"
    assert single.findtext("shuffleanswers") == multiple.findtext("shuffleanswers") == "true"  # Moodle shows the options shuffled
    assert [a.get("fraction") for a in single.findall("answer")] == ["0", "100", "0", "0"]
    assert [a.get("fraction") for a in multiple.findall("answer")] == ["33.33333", "33.33333", "0", "33.33333"]
    assert single.findtext("idnumber") == "CF-S-001"
    assert single.findtext("name/text").startswith("CF-S-001 违法行为在几年内")
    assert multiple.findtext("defaultgrade") == "3.5000000"
    tags = [t.findtext("text") for t in single.findall("tags/tag")]
    assert tags == ["examsys:article=第三十六条第一款", "examsys:difficulty=1", "时效", "examsys-like but not reserved"]
    shortanswer = elements[5]
    assert shortanswer.findtext("usecase") == "0"
    assert [a.findtext("text") for a in shortanswer.findall("answer")] == ["食品生产", "食品\\*经营 & <许可>", "a\\\\*b"]
    assert all(a.get("fraction") == "100" for a in shortanswer.findall("answer"))
    graderinfo = elements[6].findtext("graderinfo/text")
    assert '<ol class="examsys-rubric"><li>[3.00 分] 指出应没收违法所得 &amp; 罚款</li>' in graderinfo
    assert '<div class="examsys-reference-answer">（1）依第一百二十四条……<br>' in graderinfo
    assert elements[6].findtext("defaultgrade") == "8.0000000"


@pytest.mark.parametrize("correct", [2, 3, 6, 7])
def test_right_answers_of_a_multiple_choice_share_100(correct):
    letters = "ABCDEFGH"[: correct + 1]
    question = {**COMMON, **NOT_CHOICE, "ref": "M-1", "type": "multiple_choice", "stem": "选出正确的", "article": "第一条", "difficulty": 3,
                "options": {letter: f"选项{letter}" for letter in letters}, "answer": list(letters[:correct]),
                "points": "2.00", "explanation": "略", "tags": []}
    read, problems = read_moodle_xml(write_moodle_xml([question]))
    assert problems == [] and read == [question]


def test_the_starter_banks_survive_a_round_trip():
    """Every question of question_bank/, in the form examsys keeps it, comes back unchanged."""
    questions = []
    for path in sorted((ROOT / "question_bank").rglob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for raw in document["questions"]:
            questions.append(canonical(document, raw))
    assert len(questions) > 100
    read, problems = read_moodle_xml(write_moodle_xml(questions))
    assert problems == []
    assert read == questions


def canonical(document: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    def cents(value: Any) -> str:
        return str(Decimal(str(value)).quantize(Decimal("0.01")))

    case = raw["type"] == "case_analysis"
    points = raw.get("points", sum(Decimal(str(r["points"])) for r in raw["rubric"]) if case else 2)
    part, domain = document["part"], document.get("domain")
    return {
        "part": part, "domain": domain, "domain_name": document.get("domain_name"), "law": document["law"],
        "law_version": str(document["law_version"]), "category_path": ["examsys", part, domain or "通用", document["law"]],
        "ref": raw["ref"], "type": raw["type"], "stem": raw["stem"].strip(),
        "options": {k: str(v).strip() for k, v in raw["options"].items()} if raw.get("options") else None,
        "answer": sorted(raw["answer"]) if raw["type"] == "multiple_choice" else raw.get("answer"),
        "rubric": [{"points": cents(r["points"]), "criterion": r["criterion"].strip()} for r in raw["rubric"]] if case else None,
        "reference_answer": raw["reference_answer"].strip() if case else None,
        "article": raw["article"], "difficulty": raw["difficulty"], "points": cents(points),
        "explanation": raw["explanation"].strip(), "tags": [str(t) for t in raw.get("tags", [])], "enemies": raw.get("enemies"),
    }


# ---------------------------------------------------------------------------------------------- foreign files

def test_html_in_a_foreign_question_comes_out_as_plain_text():
    text = ('<p dir="ltr">Is <strong>this</strong> &amp; <a href="javascript:x()">that</a>'
            '<script>alert(1)</script><img src="@@PLUGINFILE@@/x.png" onerror="alert(2)"> &lt;b&gt; right?</p>\n'
            '<p>Second&nbsp;line<br/>third line</p>')
    data = quiz(foreign("truefalse", "Plain <em>name</em>",
                        '<generalfeedback format="html"><text><![CDATA[<p>Because <b>so</b>.</p>]]></text></generalfeedback>'
                        '<answer fraction="0"><text>true</text></answer><answer fraction="100"><text>false</text></answer>', text),
                foreign("multichoice", "MC", '<single>true</single>'
                        '<answer fraction="100" format="html"><text><![CDATA[<p><span style="color:red">Red</span></p>]]></text></answer>'
                        '<answer fraction="0" format="html"><text><![CDATA[<ul><li>one</li><li>two</li></ul>]]></text></answer>'))
    questions, problems = read_moodle_xml(data)
    assert problems == []
    first, second = questions
    assert first["stem"] == "Is this & that <b> right?\nSecond\xa0line\nthird line"
    assert first["explanation"] == "Because so."
    assert first["answer"] is False and first["type"] == "true_false"
    assert second["options"] == {"A": "Red", "B": "one\ntwo"} and second["answer"] == "A" and second["type"] == "single_choice"
    assert first["category_path"] == [] and first["law"] is None and first["part"] == "common"


def test_foreign_tags_categories_and_idnumbers_are_read():
    data = quiz('<question type="category"><category><text>$course$/top/Default for C1/法律//法规</text></category></question>',
                foreign("shortanswer", "SA", '<idnumber> X-1 </idnumber><usecase>1</usecase>'
                        '<answer fraction="100"><text>Beijing</text></answer><answer fraction="50"><text>Peking</text></answer>'
                        '<answer fraction="0"><text>*</text></answer>'
                        '<tags><tag><text>capital</text></tag><tag><text>examsys:unknown=1</text></tag>'
                        '<tag><text>examsys:difficulty=4</text></tag></tags>', "The capital of China is ____."))
    questions, problems = read_moodle_xml(data)
    assert problems == []
    (question,) = questions
    assert question["category_path"] == ["Default for C1", "法律/法规"] and question["law"] == "法律/法规"
    assert question["ref"] == "X-1" and question["answer"] == ["Beijing"] and question["type"] == "fill_in"
    assert question["tags"] == ["capital"] and question["difficulty"] == 4 and question["article"] is None


def test_unsupported_question_types_are_reported_with_their_type():
    data = quiz(foreign("matching", "Match them"), foreign("description", "Intro"), foreign("multianswer", "Cloze"),
                foreign("truefalse", "Fine", '<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>'))
    questions, problems = read_moodle_xml(data)
    assert len(questions) == 1
    assert [(p.question, p.field) for p in problems] == [
        ("question 1 (Match them)", "type"), ("question 2 (Intro)", "type"), ("question 3 (Cloze)", "type")]
    assert "matching" in problems[0].message and "description" in problems[1].message and "multianswer" in problems[2].message


def test_grading_and_text_problems_are_all_collected():
    data = quiz(
        foreign("multichoice", "No key", '<single>true</single><answer fraction="50"><text>a</text></answer>'
                '<answer fraction="0"><text>b</text></answer>'),
        foreign("multichoice", "Good multi", '<single>false</single><answer fraction="50"><text>a</text></answer>'
                '<answer fraction="50"><text>b</text></answer><answer fraction="-100"><text>c</text></answer>'),
        foreign("multichoice", "Bad number", '<single>false</single><answer fraction="abc"><text>a</text></answer>'
                '<answer fraction="100"><text>b</text></answer>'),
        foreign("truefalse", "", '<idnumber>TF-9</idnumber><answer fraction="0"><text>true</text></answer>'
                '<answer fraction="0"><text>false</text></answer>', text="<p> </p>"),
        foreign("shortanswer", "Wild", '<answer fraction="100"><text>Bei*</text></answer>'),
    )
    questions, problems = read_moodle_xml(data)
    assert [q["answer"] for q in questions] == [["A", "B"]]
    assert [(p.question, p.field) for p in problems] == [
        ("question 1 (No key)", "answer fractions"),
        ("question 3 (Bad number)", "answer fractions"),
        ("question 4 (TF-9)", "questiontext"),
        ("question 4 (TF-9)", "answer fractions"),
        ("question 5 (Wild)", "answer"),
    ]
    assert all(isinstance(p, MoodleProblem) and p.message for p in problems)


@pytest.mark.parametrize("data", [
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n<quiz>&lol2;</quiz>',
    b'<?xml version="1.0"?>\n<!doctype quiz SYSTEM "file:///etc/passwd">\n<quiz></quiz>',
    '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE quiz [<!ENTITY a "b">]>\n<quiz>&a;</quiz>'.encode("utf-16"),
])
def test_doctype_and_entity_declarations_are_refused(data):
    questions, problems = read_moodle_xml(data)
    assert questions == []
    assert [(p.question, p.field) for p in problems] == [("file", "xml")]
    assert "DOCTYPE" in problems[0].message


@pytest.mark.parametrize("data", [b"<quiz><question type='truefalse'>", b"not xml at all", b"<html><body/></html>", b"<quiz></quiz>"])
def test_files_that_are_not_moodle_xml_are_refused(data):
    questions, problems = read_moodle_xml(data)
    assert questions == [] and len(problems) == 1
    assert problems[0].question == "file" and problems[0].field == "xml"
