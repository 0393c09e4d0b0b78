"""The bank lint (examsys/bank/lint.py), `flask bank lint` and the reordering of stored options."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from examsys.auth.permissions import SYSTEM
from examsys.bank.laws import STARTER_BANKS
from examsys.bank.lint import ERROR, WARNING, LintSettings, binomial_two_sided, lint, similar_pairs
from examsys.bank.rebalance import key_texts, rebalance_text
from examsys.bank.schema import read_bank_file

LAW = "中华人民共和国行政处罚法"


def _single(ref: str, key: str, options: dict[str, str] | None = None, stem: str | None = None) -> dict:
    return {"ref": ref, "type": "single_choice", "stem": stem or f"第{ref}题：违法行为在几年内未被发现的，不再给予行政处罚？",
            "options": options or {"A": f"一年{ref}", "B": f"二年{ref}", "C": f"三年{ref}", "D": f"五年{ref}"},
            "answer": key, "article": "第三十六条第一款", "difficulty": 1, "explanation": "第三十六条第一款。"}


def _file(questions: list[dict], law: str = LAW) -> str:
    return yaml.safe_dump({"part": "common", "law": law, "law_version": "2021", "questions": questions}, allow_unicode=True)


def _lint(app, questions: list[dict], **settings) -> list:
    with app.test_request_context():
        result = read_bank_file(_file(questions), "bank.yaml")
        assert not result.problems, result.problems
        return lint(result.records, LintSettings(**settings), laws=[LAW])


def _stems(n: int) -> list[str]:
    topics = ["听证", "时效", "管辖", "委托", "回避", "证据", "送达", "执行", "罚款", "简易程序", "法制审核", "从轻", "减轻",
              "不予处罚", "没收", "警告", "通报批评", "吊销", "拘留", "责令关闭"]
    return [f"关于{topics[i]}的规定，{'甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉'[i] * 3}哪一项正确？" for i in range(n)]


def test_a_key_always_in_one_position_is_an_error_and_a_balanced_one_is_not(app):
    stems = _stems(16)
    skewed = [_single(f"Q-{i}", "A", stem=stems[i]) for i in range(16)]
    findings = [f for f in _lint(app, skewed) if f.check == "key-position"]
    assert findings and all(f.severity == ERROR for f in findings)
    assert any("A is keyed in 16 of 16 questions (100 %; chance 25 %)" in f.message for f in findings)
    balanced = [_single(f"Q-{i}", "ABCD"[i % 4], stem=stems[i]) for i in range(16)]
    assert not [f for f in _lint(app, balanced) if f.check == "key-position"]


def test_a_small_group_is_judged_by_the_binomial_test(app):
    """3 of 5 keys on A is 60 % against 25 % but quite possible by chance: no finding."""
    stems = _stems(5)
    small = [_single(f"Q-{i}", key, stem=stems[i]) for i, key in enumerate("AABAC")]
    assert not [f for f in _lint(app, small) if f.check == "key-position"]
    assert binomial_two_sided(3, 5, 0.25) > 0.05
    assert binomial_two_sided(16, 16, 0.25) < 1e-6


def _multiple(ref: str, key: list[str], stem: str) -> dict:
    return {"ref": ref, "type": "multiple_choice", "stem": stem, "options": {L: f"{L}{ref}选项" for L in "ABCDE"}, "answer": key,
            "article": "第九条", "difficulty": 2, "explanation": "第九条。"}


def test_one_multiple_choice_key_size_is_an_error(app):
    stems = _stems(10)
    keys = [["A", "B", "C"], ["B", "C", "D"], ["C", "D", "E"], ["A", "D", "E"], ["A", "B", "E"]] * 2
    same_size = [_multiple(f"M-{i}", key, stems[i]) for i, key in enumerate(keys)]
    findings = [f for f in _lint(app, same_size) if f.check == "key-size"]
    assert len(findings) == 1 and "100 % of the multiple-choice keys have 3 letters (sizes 3: 10)" in findings[0].message
    varied = [_multiple(f"M-{i}", key[: 2 + i % 3], stems[i]) for i, key in enumerate([["A", "B", "C", "D"], ["B", "C", "D", "E"]] * 5)]
    assert not [f for f in _lint(app, varied) if f.check == "key-size"]


def test_the_key_being_the_longest_option_is_a_warning(app):
    stems = _stems(12)
    cue = [_single(f"Q-{i}", "ABCD"[i % 4], stem=stems[i], options={
        L: (f"依照本法规定应当在法定期限内依法作出处理决定{i}" if L == "ABCD"[i % 4] else f"{L}{i}") for L in "ABCD"}) for i in range(12)]
    findings = [f for f in _lint(app, cue) if f.check == "key-longest"]
    assert len(findings) == 1 and findings[0].severity == WARNING and "12 of 12" in findings[0].message


def _statement(ref: str, stem: str, answer: bool) -> dict:
    return {"ref": ref, "type": "true_false", "stem": stem, "answer": answer, "article": "第三十六条", "difficulty": 1, "explanation": "第三十六条。"}


def test_absolute_words_marking_false_statements_are_errors_on_the_false_ones(app):
    stems = _stems(20)
    statements = [_statement(f"T-{i}", ("违法行为一律" if i < 8 else "") + stems[i], i >= 10) for i in range(20)]
    findings = [f for f in _lint(app, statements) if f.check == "absolute-words"]
    assert sorted(f.ref for f in findings) == [f"T-{i}" for i in range(8)]
    assert "8 of 10 false statements carry one, 0 of 10 true ones" in findings[0].message
    even = [_statement(f"T-{i}", ("违法行为一律" if i % 10 < 4 else "") + stems[i], i >= 10) for i in range(20)]
    assert not [f for f in _lint(app, even) if f.check == "absolute-words"]


def test_identical_stems_are_errors_and_near_identical_ones_warnings(app):
    first = _statement("T-1", "以非法手段取得的证据，不得作为认定案件事实的根据。", False)
    twin = _statement("T-2", "以非法手段取得的证据，不得作为认定案件事实的根据。", True)
    near = _statement("T-3", "以非法手段取得的证据，不得作为认定案件事实的依据。", True)
    findings = {(f.check, f.ref, f.severity) for f in _lint(app, [first, twin, near]) if "duplicate" in f.check}
    assert ("duplicate", "T-2", ERROR) in findings
    assert ("near-duplicate", "T-3", WARNING) in findings


def test_near_identical_stems_in_one_enemy_group_are_not_reported(app):
    first = dict(_statement("T-1", "以非法手段取得的证据，不得作为认定案件事实的根据。", False), enemies="illegal-evidence")
    near = dict(_statement("T-3", "以非法手段取得的证据，不得作为认定案件事实的依据。", True), enemies="illegal-evidence")
    assert not [f for f in _lint(app, [first, near]) if "duplicate" in f.check]


def test_similar_pairs_finds_chinese_paraphrases_and_not_strangers():
    stems = ["违法行为在二年内未被发现的，不再给予行政处罚", "违法行为在两年内未被发现的，不再给予行政处罚", "行政许可应当依照法定的权限、范围、条件和程序"]
    assert [(i, j) for i, j, _s in similar_pairs(stems, 0.6)] == [(0, 1)]


def test_citations_are_written_one_way(app):
    bracketed = dict(_single("Q-1", "A"), article="第三十二条第（三）项")
    arabic = dict(_single("Q-2", "B"), article="第32条")
    good = dict(_single("Q-3", "C"), article="第三十二条第一款第三项、第三十三条")
    findings = [(f.ref, f.severity) for f in _lint(app, [bracketed, arabic, good]) if f.check == "citation"]
    assert findings == [("Q-1", ERROR), ("Q-2", ERROR)]


def test_a_law_outside_the_list_is_an_error(app):
    with app.test_request_context():
        records = read_bank_file(_file([_single("Q-1", "A")], law="行政处罚条例"), "bank.yaml").records
        findings = [f for f in lint(records, laws=[LAW]) if f.check == "law"]
    assert [(f.ref, f.severity) for f in findings] == [("Q-1", ERROR)]
    assert "行政处罚条例 is not on the list of laws" in findings[0].message


def test_the_cli_prints_file_and_question_and_exits_1_on_errors(runner, tmp_path: Path):
    stems = _stems(16)
    (tmp_path / "bank.yaml").write_text(_file([dict(_single(f"Q-{i}", "A", stem=stems[i]), article="第（一）项" if i == 3 else "第一条")
                                               for i in range(16)]), "utf-8")
    result = runner.invoke(args=["bank", "lint", str(tmp_path)])
    assert result.exit_code == 1
    assert f"error: {tmp_path / 'bank.yaml'}: Q-3: [citation]" in result.output
    assert "A is keyed in 16 of 16 questions" in result.output
    assert "16 questions: " in result.output


def test_the_starter_banks_lint_without_errors(runner):
    result = runner.invoke(args=["bank", "lint", str(STARTER_BANKS)])
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [] and result.exit_code == 0, result.output


@pytest.mark.parametrize("path", sorted(STARTER_BANKS.rglob("*.yaml")), ids=lambda p: p.name)
def test_reordering_keeps_every_option_and_every_key_by_text(path: Path):
    text = path.read_text("utf-8")
    reordered = rebalance_text(text, "another seed")
    assert reordered != text
    assert key_texts(reordered) == key_texts(text)


def test_reordering_renames_the_letters_an_explanation_names():
    text = _file([dict(_multiple("M-1", ["A", "B"], "下列哪些属于行政处罚？"), explanation="A、B属于处罚；C依第二十八条不是，D、E亦然。")])
    reordered = yaml.safe_load(rebalance_text(text, "s"))["questions"][0]
    before = yaml.safe_load(text)["questions"][0]
    options = reordered["options"]
    assert {options[k] for k in reordered["answer"]} == {before["options"][k] for k in before["answer"]}
    letter_of = {v: k for k, v in options.items()}
    new = sorted(letter_of[before["options"][k]] for k in "AB")
    assert reordered["explanation"].startswith(f"{new[0]}、{new[1]}属于处罚；{letter_of[before['options']['C']]}依第二十八条")


def _skewed_bank() -> str:
    stems = _stems(16)
    return _file([dict(_single(f"SK-{i}", "A", stem=stems[i]), article="第（一）项" if i == 3 else "第一条") for i in range(16)])


def test_an_import_shows_the_lint_as_warnings_and_still_imports(db, tree, client, auth):
    import io

    from examsys.auth.models import Role
    from examsys.bank.models import Question
    from tests.factories import make_user

    make_user(db, "linter", tree.region, Role.EXAM_ADMIN)
    auth.login("linter")
    page = client.post("/bank/import", data={"org_id": tree.region.id, "file": (io.BytesIO(_skewed_bank().encode()), "skewed.yaml")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "16 new questions" in page and "the import may go ahead" in page
    assert "A is keyed in 16 of 16 questions" in page and "SK-3" in page
    staged = page.split('name="staged_id" type="hidden" value="')[1].split('"')[0]
    assert client.post("/bank/import/confirm", data={"staged_id": staged, "org_id": tree.region.id}).status_code == 302
    assert db.query(Question).count() == 16


def test_the_bank_check_page_lints_the_bank_in_scope(db, tree, client, auth, app):
    from examsys.auth.models import Role
    from examsys.bank.services import apply_import, plan_import
    from tests.factories import make_user

    with app.test_request_context():
        records = read_bank_file(_skewed_bank(), "skewed.yaml").records
    apply_import(db, SYSTEM, plan_import(db, SYSTEM, records, tree.region), tree.region)
    make_user(db, "linter", tree.region, Role.EXAM_ADMIN)
    make_user(db, "county-linter", tree.county, Role.EXAM_ADMIN)
    db.commit()
    auth.login("linter")
    page = client.get("/bank/lint", query_string={"part": "common"}).get_data(as_text=True)
    assert "16 questions checked: 5 errors," in page
    assert "A is keyed in 16 of 16 questions" in page and "SK-3" in page
    auth.logout()
    auth.login("county-linter")  # the region's bank lies outside a county's scope
    page = client.get("/bank/lint").get_data(as_text=True)
    assert "0 questions checked: 0 errors, 0 warnings." in page
