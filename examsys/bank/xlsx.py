"""The bank as a spreadsheet, for exam administrators who write questions in Excel: one row a question,
Chinese headers, the same checks as the native format with the row and column named."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from examsys.bank.models import QuestionType
from examsys.bank.schema import Problem, ReadResult, Record, add_duplicate_problems, check_question
from examsys.imports.tabular import Column, UnreadableFile, read_table, write_xlsx

OPTION_LETTERS = "ABCDEFGH"
COLUMNS = (
    Column("ref", "编号", ("ref",)),
    Column("part", "题库", ("part",)),
    Column("domain", "执法类别代码", ("domain",), required=False),
    Column("domain_name", "执法类别", ("domain_name",), required=False),
    Column("law", "法律", ("law", "法律法规")),
    Column("law_version", "法律版本", ("law_version",), required=False),
    Column("type", "题型", ("type",)),
    Column("stem", "题干", ("stem",)),
    *(Column(f"option_{letter}", f"选项{letter}", (f"option {letter}",), required=False) for letter in OPTION_LETTERS),
    Column("answer", "答案", ("answer",), required=False),
    Column("rubric", "评分要点", ("rubric",), required=False),
    Column("reference_answer", "参考答案", ("reference_answer",), required=False),
    Column("article", "法律依据条款", ("article", "条款")),
    Column("difficulty", "难度", ("difficulty",)),
    Column("points", "分值", ("points",), required=False),
    Column("explanation", "解析", ("explanation",)),
    Column("tags", "标签", ("tags",), required=False),
    Column("enemies", "互斥组", ("enemies", "enemy group"), required=False),
)
HEADER = {c.key: c.header for c in COLUMNS}
PARTS = {"通用": "common", "common": "common", "专门": "sector", "sector": "sector"}
TYPES = {"单选": "single_choice", "单选题": "single_choice", "多选": "multiple_choice", "多选题": "multiple_choice",
         "判断": "true_false", "判断题": "true_false", "填空": "fill_in", "填空题": "fill_in", "案例分析": "case_analysis",
         "案例分析题": "case_analysis", **{t.value: t.value for t in QuestionType}}
TYPE_WORDS = {"single_choice": "单选", "multiple_choice": "多选", "true_false": "判断", "fill_in": "填空", "case_analysis": "案例分析"}
TRUE_WORDS, FALSE_WORDS = {"对", "正确", "是", "√", "true", "t", "yes"}, {"错", "错误", "否", "×", "false", "f", "no"}
SEPARATORS = re.compile(r"[|｜;；\n]")


def parse_answer(qtype: str, text: str) -> Any:
    text = text.strip()
    if qtype == "single_choice":
        return text.upper()
    if qtype == "multiple_choice":
        return sorted({c for c in text.upper() if c.isalpha()})
    if qtype == "true_false":
        folded = text.lower()
        return True if folded in TRUE_WORDS else False if folded in FALSE_WORDS else text
    if qtype == "fill_in":
        return [part.strip() for part in SEPARATORS.split(text) if part.strip()]
    return text or None


def parse_rubric(text: str) -> list[dict[str, Any]] | str:
    """Lines of "points：criterion", e.g. "3：指出管辖错误"."""
    items = []
    for line in (line.strip() for line in text.splitlines() if line.strip()):
        match = re.match(r"^(\d+(?:\.\d+)?)\s*[分]?\s*[:：、]\s*(.+)$", line)
        if not match:
            return line
        items.append({"points": match.group(1), "criterion": match.group(2).strip()})
    return items


def read_xlsx(data: bytes, source: str) -> ReadResult:
    result = ReadResult()
    try:
        table = read_table(source, data, COLUMNS, max_rows=50_000)
    except UnreadableFile as exc:
        result.problems.append(Problem(source, "", "", str(exc)))
        return result
    for error in table.errors:
        result.problems.append(Problem(source, _("row %(n)d", n=error.row), error.column, error.message))
    for number, row in table.rows:
        where = _("row %(n)d", n=number)
        part = PARTS.get(row["part"].strip().lower())
        qtype = TYPES.get(row["type"].strip().lower()) or TYPES.get(row["type"].strip())
        if part is None:
            result.problems.append(Problem(source, where, HEADER["part"], _("Write 通用 or 专门.")))
            continue
        if qtype is None:
            result.problems.append(Problem(source, where, HEADER["type"], _("Write 单选, 多选, 判断, 填空 or 案例分析.")))
            continue
        raw: dict[str, Any] = {"ref": row["ref"], "type": qtype, "stem": row["stem"], "article": row["article"],
                               "explanation": row["explanation"]}
        options = {letter: row.get(f"option_{letter}", "").strip() for letter in OPTION_LETTERS}
        options = {k: v for k, v in options.items() if v}
        if options:
            raw["options"] = options
        if qtype == "case_analysis":
            raw["rubric"] = parse_rubric(row.get("rubric", ""))
            raw["reference_answer"] = row.get("reference_answer", "")
        else:
            raw["answer"] = parse_answer(qtype, row.get("answer", ""))
        try:
            raw["difficulty"] = int(row["difficulty"])
        except ValueError:
            raw["difficulty"] = row["difficulty"]
        if row.get("points", "").strip():
            try:
                raw["points"] = Decimal(row["points"].strip())
            except InvalidOperation:
                raw["points"] = row["points"]
        if row.get("tags", "").strip():
            raw["tags"] = [t.strip() for t in re.split(r"[,，、\s]+", row["tags"]) if t.strip()]
        if row.get("enemies", "").strip():
            raw["enemies"] = row["enemies"].strip()
        domain = row.get("domain", "").strip() or None
        if part == "sector" and not (domain and row.get("domain_name", "").strip()):
            result.problems.append(Problem(source, where, HEADER["domain"], _("A sector question names its domain code and domain.")))
            continue
        record, problems = check_question(raw, part=part, domain=domain if part == "sector" else None,
                                          domain_name=row.get("domain_name", "").strip() or None, law=row["law"].strip(),
                                          law_version=row.get("law_version", "").strip(), source=source, position=number)
        # Name the spreadsheet row and column, as the person fixing the file sees them.
        result.problems.extend(Problem(source, where, _column_for(p.field), p.message) for p in problems)
        if record is not None:
            result.records.append(record)
    add_duplicate_problems(result)
    return result


def _column_for(field_name: str) -> str:
    if field_name == "options":
        return "选项A–H"
    return HEADER.get(field_name, field_name)


def write_bank_xlsx(records: list[Record]) -> bytes:
    rows = []
    for record in records:
        c = record.content
        row = {"ref": record.ref, "part": "通用" if record.part.value == "common" else "专门", "domain": record.domain_code or "",
               "domain_name": record.domain_name or "", "law": c["law"], "law_version": c["law_version"], "type": TYPE_WORDS[c["type"]],
               "stem": c["stem"], "article": c["article"], "difficulty": str(c["difficulty"]), "points": _plain(c["points"]),
               "explanation": c["explanation"], "tags": "、".join(c.get("tags") or []), "reference_answer": c.get("reference_answer") or "",
               "enemies": record.enemies or ""}
        for letter, text in (c.get("options") or {}).items():
            row[f"option_{letter}"] = text
        if c["type"] == "multiple_choice":
            row["answer"] = "".join(c["answer"])
        elif c["type"] == "true_false":
            row["answer"] = "对" if c["answer"] else "错"
        elif c["type"] == "fill_in":
            row["answer"] = "|".join(c["answer"])
        elif c["type"] == "single_choice":
            row["answer"] = c["answer"]
        if c.get("rubric"):
            row["rubric"] = "\n".join(f"{_plain(r['points'])}：{r['criterion']}" for r in c["rubric"])
        rows.append(row)
    return write_xlsx(COLUMNS, rows, "题库")


def _plain(value: Any) -> str:
    number = Decimal(str(value))
    return str(int(number)) if number == number.to_integral_value() else str(number.normalize())
