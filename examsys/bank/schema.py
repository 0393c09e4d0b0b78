"""The native bank format (question_bank/SCHEMA.md): reading YAML files into checked records, and
writing records back. Every problem names the file, the question and the field."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _

from examsys import mongolian as mongolian_script
from examsys.bank.models import BankPart, QuestionType
from examsys.bank.types import kind_of

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
REF_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,39}$")
DOMAIN_RE = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
QUESTION_KEYS = {"ref", "type", "stem", "options", "answer", "rubric", "reference_answer", "article", "difficulty", "points",
                 "explanation", "tags", "enemies", "mn"}
MN_QUESTION_KEYS = {"stem", "options", "answer", "rubric", "reference_answer", "explanation"}
ENEMY_RE = re.compile(r"^[\w-]{1,60}$")
FILE_KEYS = {"part", "domain", "domain_name", "law", "law_version", "questions"}


@dataclass(frozen=True)
class Problem:
    source: str  # file name (and sheet/row for tables)
    question: str  # ref, or "#n" for the n-th question, or "" for the file
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.question}" if self.question else self.source
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class Record:
    """One question as a file states it, checked and normalised."""

    ref: str
    part: BankPart
    domain_code: str | None
    domain_name: str | None
    content: dict[str, Any]
    source: str = ""
    enemies: str | None = None  # the enemy group: no paper holds two questions of one group


@dataclass
class ReadResult:
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def check_question(raw: dict[str, Any], *, part: str, domain: str | None, domain_name: str | None, law: str,
                   law_version: str, source: str, position: int, strict: bool = True) -> tuple[Record | None, list[Problem]]:
    """Check one question mapping. `strict` (the native format) also requires an article and an
    explanation; foreign formats (Moodle) may lack them and then import as drafts to be completed."""
    ref = _text(raw.get("ref")).upper()
    label = ref or f"#{position}"
    problems: list[Problem] = []

    def bad(field_name: str, message: str) -> None:
        problems.append(Problem(source, label, field_name, message))

    for key in sorted(set(raw) - QUESTION_KEYS):
        bad(key, _("Unknown key."))
    if not REF_RE.match(ref):
        bad("ref", _("A ref is 1 to 40 upper-case letters, digits or '-'."))
    try:
        qtype = QuestionType(_text(raw.get("type")))
    except ValueError:
        bad("type", _("Unknown type %(value)s; use single_choice, multiple_choice, true_false, fill_in or case_analysis.",
                      value=raw.get("type")))
        return None, problems
    if not _text(raw.get("stem")):
        bad("stem", _("The question text is missing."))
    difficulty = raw.get("difficulty", 3 if not strict else None)
    if not isinstance(difficulty, int) or isinstance(difficulty, bool) or not 1 <= difficulty <= 5:
        bad("difficulty", _("Difficulty is a whole number from 1 to 5."))
    article = _text(raw.get("article"))
    if strict and not article:
        bad("article", _("Name the article the question rests on."))
    if strict and not _text(raw.get("explanation")):
        bad("explanation", _("Explain why the key is right."))
    if not law:
        bad("law", _("The law (category) is missing."))
    rubric_lines = raw.get("rubric") if isinstance(raw.get("rubric"), list) else []  # a rubric that is no list is refused below
    default_points = sum(Decimal(str(r.get("points", 0))) for r in rubric_lines if isinstance(r, dict)) \
        if qtype is QuestionType.CASE_ANALYSIS and raw.get("points") is None else Decimal(2)
    try:
        points = Decimal(str(raw["points"])) if raw.get("points") is not None else default_points
        if points <= 0 or points > 1000:
            raise InvalidOperation
    except (InvalidOperation, ValueError, TypeError):
        bad("points", _("Points are a positive number."))
        points = Decimal(2)
    enemies = _text(raw.get("enemies")) or None
    if enemies is not None and not ENEMY_RE.match(enemies):
        bad("enemies", _("An enemy group is a name of up to 60 letters, digits, '-' or '_'."))
    tags = raw.get("tags") or []
    if not isinstance(tags, list) or any(not isinstance(t, str | int) for t in tags):
        bad("tags", _("Tags are a list of words."))
        tags = []
    options = raw.get("options")
    if isinstance(options, dict):
        options = {str(k).strip().upper(): _text(v) for k, v in options.items()}
    answer = raw.get("answer")
    if qtype is QuestionType.SINGLE_CHOICE and isinstance(answer, str):
        answer = answer.strip().upper()
    if qtype is QuestionType.MULTIPLE_CHOICE and isinstance(answer, list):
        answer = sorted(str(a).strip().upper() for a in answer)
    if qtype is QuestionType.FILL_IN and isinstance(answer, list):
        answer = [_text(a) for a in answer]
    rubric = raw.get("rubric")
    if isinstance(rubric, list):
        rubric = [{"points": _rubric_points(r.get("points")), "criterion": _text(r.get("criterion"))} if isinstance(r, dict) else r
                  for r in rubric]
    content = {
        "type": qtype.value, "stem": _text(raw.get("stem")), "options": options if options else None, "answer": answer,
        "rubric": rubric, "reference_answer": _text(raw.get("reference_answer")) or None, "law": law, "law_version": law_version,
        "article": article, "difficulty": difficulty, "points": str(points.quantize(Decimal("0.01"))),
        "explanation": _text(raw.get("explanation")), "tags": [str(t) for t in tags],
    }
    type_errors = kind_of(qtype).validate(content)
    if not strict and qtype is QuestionType.CASE_ANALYSIS and not rubric:
        # A foreign essay without a rubric comes in as a draft; it cannot be activated until one is written.
        type_errors.pop("rubric", None)
        type_errors.pop("reference_answer", None)
        content["rubric"] = None
    for field_name, messages in type_errors.items():
        for message in messages:
            bad(field_name, message)
    # the Mongolian text is checked beside the Chinese (every field error at once), once the Chinese options and
    # rubric it follows are sound
    if raw.get("mn") is not None and not any(p.field in ("options", "rubric") for p in problems):
        content_mn = check_mongolian(raw["mn"], content, bad)
        if content_mn is not None:
            content["content_mn"] = content_mn
    if problems:
        return None, problems
    return Record(ref, BankPart(part), domain, domain_name, content, source, enemies), []


def check_mongolian(raw: Any, content: dict[str, Any], bad: Any) -> dict[str, Any] | None:
    """The `mn:` mapping of a question: its Mongolian text beside the Chinese. The key stays the Chinese one (the
    same option letters in the same order), so the Mongolian text carries no key of its own except the accepted
    answers of a fill-in. Every text is written in the Mongolian script (U+1800–U+18AF): examsys.mongolian.text_problem,
    the one rule for the editor and every import."""
    if not isinstance(raw, dict):
        bad("mn", _("mn is a mapping of the Mongolian texts (stem, options, …)."))
        return None
    for key in sorted(set(raw) - MN_QUESTION_KEYS):
        bad(f"mn.{key}", _("Unknown key."))
    qtype = content["type"]

    def mongolian(value: Any, name: str) -> str:
        text = _text(value)
        message = mongolian_script.text_problem(text)
        if message:
            bad(name, message)
        return text

    result: dict[str, Any] = {"stem": mongolian(raw.get("stem"), "mn.stem")}
    if not result["stem"]:
        bad("mn.stem", _("The Mongolian question text is missing."))
    options = raw.get("options")
    if content.get("options"):
        if not isinstance(options, dict):
            bad("mn.options", _("Give the Mongolian text of every option, by the same letters."))
        else:
            options = {str(k).strip().upper(): mongolian(v, f"mn.options.{str(k).strip().upper()}") for k, v in options.items()}
            if list(options) != list(content["options"]) or not all(options.values()):
                bad("mn.options", _("The Mongolian options have the same letters, in the same order, as the Chinese: %(letters)s.",
                                    letters=", ".join(str(letter) for letter in content["options"])))
            result["options"] = options
    elif options:
        bad("mn.options", _("This question has no options."))
    if qtype == QuestionType.FILL_IN.value:
        answers = raw.get("answer")
        if not isinstance(answers, list) or not [a for a in answers if _text(a)]:
            bad("mn.answer", _("List the accepted answers in Mongolian."))
        else:
            result["answer"] = [mongolian(a, "mn.answer") for a in answers if _text(a)]
    elif raw.get("answer") is not None:
        bad("mn.answer", _("Only a fill-in question has Mongolian answers; the key of the others is the Chinese one."))
    if qtype == QuestionType.CASE_ANALYSIS.value:
        rubric = raw.get("rubric")
        if rubric is not None:
            if not isinstance(rubric, list) or len(rubric) != len(content.get("rubric") or []):
                bad("mn.rubric", _("The Mongolian rubric lists one criterion for each criterion of the Chinese one, in order."))
            else:
                result["rubric"] = [mongolian(r, "mn.rubric") for r in rubric]
        if raw.get("reference_answer") is not None:
            result["reference_answer"] = mongolian(raw.get("reference_answer"), "mn.reference_answer")
    elif raw.get("rubric") is not None or raw.get("reference_answer") is not None:
        bad("mn.rubric", _("Only a case analysis has a rubric and a reference answer."))
    if raw.get("explanation") is not None:
        result["explanation"] = mongolian(raw.get("explanation"), "mn.explanation")
    return result


def _rubric_points(value: Any) -> Any:
    try:
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    except (InvalidOperation, ValueError):
        return value


def read_bank_file(text: str, source: str) -> ReadResult:
    """Read one native YAML file."""
    result = ReadResult()
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader, the C one when present
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _("line %(n)d", n=mark.line + 1) if mark else ""
        result.problems.append(Problem(source, "", "yaml", _("The file is not valid YAML (%(where)s).", where=where)))
        return result
    if not isinstance(data, dict):
        result.problems.append(Problem(source, "", "", _("The file must be a mapping with part, law and questions.")))
        return result
    for key in sorted(set(data) - FILE_KEYS):
        result.problems.append(Problem(source, "", key, _("Unknown key.")))
    part = _text(data.get("part"))
    if part not in {p.value for p in BankPart}:
        result.problems.append(Problem(source, "", "part", _("part is common or sector.")))
        return result
    domain, domain_name = _text(data.get("domain")) or None, _text(data.get("domain_name")) or None
    if part == BankPart.SECTOR.value and (not domain or not DOMAIN_RE.match(domain) or not domain_name):
        result.problems.append(Problem(source, "", "domain", _("A sector bank names its domain (a lower-case code) and domain_name.")))
    if part == BankPart.COMMON.value and domain:
        result.problems.append(Problem(source, "", "domain", _("The common part has no domain.")))
    law, law_version = _text(data.get("law")), _text(data.get("law_version"))
    if not law:
        result.problems.append(Problem(source, "", "law", _("The law (category) is missing.")))
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        result.problems.append(Problem(source, "", "questions", _("The file has no questions.")))
        return result
    for position, raw in enumerate(questions, start=1):
        if not isinstance(raw, dict):
            result.problems.append(Problem(source, f"#{position}", "", _("A question must be a mapping.")))
            continue
        record, problems = check_question(raw, part=part, domain=domain, domain_name=domain_name, law=law,
                                          law_version=law_version, source=source, position=position)
        result.problems.extend(problems)
        if record is not None:
            result.records.append(record)
    return result


def read_paths(paths: Iterable[Path]) -> ReadResult:
    """Read files and folders (every *.yaml below a folder), checking refs are unique across all of them."""
    result = ReadResult()
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.rglob("*.yaml")) if path.is_dir() else [path])
    if not files:
        result.problems.append(Problem(", ".join(str(p) for p in paths), "", "", _("No .yaml files found.")))
    for file in files:
        part = read_bank_file(file.read_text(encoding="utf-8"), str(file))
        result.records.extend(part.records)
        result.problems.extend(part.problems)
    add_duplicate_problems(result)
    return result


def add_duplicate_problems(result: ReadResult) -> None:
    seen: dict[str, str] = {}
    for record in result.records:
        if record.ref in seen:
            result.problems.append(Problem(record.source, record.ref, "ref", _("The ref is used again (first in %(source)s).", source=seen[record.ref])))
        else:
            seen[record.ref] = record.source


def to_yaml_files(records: list[Record]) -> dict[str, str]:
    """Group records by part, domain and law into native files: {relative path: YAML text}."""
    groups: dict[tuple[str, str | None, str | None, str, str], list[Record]] = {}
    for record in records:
        key = (record.part.value, record.domain_code, record.domain_name, record.content["law"], record.content["law_version"])
        groups.setdefault(key, []).append(record)
    files: dict[str, str] = {}
    for (part, domain, domain_name, law, law_version), group in sorted(groups.items(), key=lambda item: item[0][:2] + (item[0][3],)):
        document: dict[str, Any] = {"part": part}
        if domain:
            document["domain"], document["domain_name"] = domain, domain_name
        document["law"], document["law_version"] = law, law_version
        document["questions"] = [_question_mapping(r) for r in sorted(group, key=lambda r: r.ref)]
        name = f"{part}/{domain + '/' if domain else ''}{_slug(law)}.yaml"
        files[name] = yaml.dump(document, Dumper=SAFE_DUMPER, allow_unicode=True, sort_keys=False, width=1000)
    return files


def _question_mapping(record: Record) -> dict[str, Any]:
    c = record.content
    mapping: dict[str, Any] = {"ref": record.ref, "type": c["type"], "stem": c["stem"]}
    if c.get("options"):
        mapping["options"] = dict(c["options"])
    if c["type"] == QuestionType.CASE_ANALYSIS.value:
        mapping["rubric"] = [{"points": _number(r["points"]), "criterion": r["criterion"]} for r in c["rubric"]]
        mapping["reference_answer"] = c["reference_answer"]
    else:
        mapping["answer"] = c["answer"]
    mapping["article"] = c["article"]
    mapping["difficulty"] = c["difficulty"]
    mapping["points"] = _number(c["points"])
    mapping["explanation"] = c["explanation"]
    if c.get("tags"):
        mapping["tags"] = list(c["tags"])
    if record.enemies:
        mapping["enemies"] = record.enemies
    if c.get("content_mn"):
        mapping["mn"] = dict(c["content_mn"])
    return mapping


def _number(value: Any) -> int | float:
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(number)


def _slug(text: str) -> str:
    return re.sub(r"[^\w-]+", "-", text).strip("-") or "bank"
