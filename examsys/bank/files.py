"""Bank files in and out, whatever their format: native YAML (files or folders), XLSX, Moodle XML."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from examsys.auth.permissions import Actor, require_any_scope, scope_clause
from examsys.bank.models import BankPart, Question, QuestionVersion, VersionStatus
from examsys.bank.schema import Problem, ReadResult, Record, add_duplicate_problems, check_question, read_bank_file, read_paths, to_yaml_files
from examsys.bank.xlsx import read_xlsx, write_bank_xlsx
from examsys.orgs.models import Organisation

FORMATS = ("yaml", "xlsx", "moodle")


def read_upload(filename: str, data: bytes) -> ReadResult:
    """One uploaded file: .yaml/.yml, .zip of YAML files, .xlsx, or Moodle .xml."""
    name = filename.lower()
    if name.endswith((".yaml", ".yml")):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return ReadResult(problems=[Problem(filename, "", "", _("The file is not UTF-8 text."))])
        result = read_bank_file(text, filename)
        add_duplicate_problems(result)
        return result
    if name.endswith(".zip"):
        return _read_zip(filename, data)
    if name.endswith(".xlsx"):
        return read_xlsx(data, filename)
    if name.endswith(".xml"):
        return read_moodle(data, filename)
    return ReadResult(problems=[Problem(filename, "", "", _("Upload a .yaml, .zip, .xlsx or Moodle .xml file."))])


def _read_zip(filename: str, data: bytes) -> ReadResult:
    result = ReadResult()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return ReadResult(problems=[Problem(filename, "", "", _("The file is not a readable ZIP archive."))])
    members = [m for m in archive.infolist() if m.filename.lower().endswith((".yaml", ".yml")) and not m.is_dir()]
    if sum(m.file_size for m in members) > 200 * 1024 * 1024:
        return ReadResult(problems=[Problem(filename, "", "", _("The archive unpacks to more than 200 MB."))])
    for member in members:
        part = read_bank_file(archive.read(member).decode("utf-8-sig", errors="replace"), f"{filename}/{member.filename}")
        result.records.extend(part.records)
        result.problems.extend(part.problems)
    if not members:
        result.problems.append(Problem(filename, "", "", _("The archive holds no .yaml files.")))
    add_duplicate_problems(result)
    return result


def read_moodle(data: bytes, source: str) -> ReadResult:
    """Moodle XML: questions become drafts of the common part unless the file was written by examsys;
    those lacking an article must get one before they can be activated."""
    from examsys.bank.moodle import read_moodle_xml

    result = ReadResult()
    questions, problems = read_moodle_xml(data)
    result.problems.extend(Problem(source, p.question, p.field, p.message) for p in problems)
    for position, item in enumerate(questions, start=1):
        raw = {k: item.get(k) for k in ("ref", "type", "stem", "options", "answer", "rubric", "reference_answer", "article",
                                        "difficulty", "points", "explanation", "tags", "enemies") if item.get(k) is not None}
        if not raw.get("ref"):
            raw["ref"] = f"MOODLE-{position:05d}"
        law = item.get("law") or "/".join(item.get("category_path") or []) or _("Imported from Moodle")
        record, found = check_question(raw, part=item.get("part") or BankPart.COMMON.value, domain=item.get("domain"),
                                       domain_name=item.get("domain_name"), law=law[:80], law_version=item.get("law_version") or "",
                                       source=source, position=position, strict=False)
        result.problems.extend(found)
        if record is not None:
            result.records.append(record)
    add_duplicate_problems(result)
    return result


def read_any(paths: list[Path]) -> ReadResult:
    """Command-line input: folders and .yaml files together, or single .xlsx / .xml files."""
    result = ReadResult()
    native = [p for p in paths if p.is_dir() or p.suffix.lower() in (".yaml", ".yml")]
    if native:
        part = read_paths(native)
        result.records.extend(part.records)
        result.problems.extend(part.problems)
    for path in paths:
        if path not in native:
            part = read_upload(path.name, path.read_bytes())
            result.records.extend(part.records)
            result.problems.extend(part.problems)
    if len(native) != len(paths):
        result.problems = [p for p in result.problems if p.field != "ref" or "used again" not in p.message]
        add_duplicate_problems(result)
    return result


def export_records(session: Session, actor: Actor, *, active_only: bool = True) -> list[Record]:
    """The bank as records: each question's active version (or its latest), in the actor's scope; refused to
    anyone who edits no bank."""
    from examsys.bank.services import EDITOR

    require_any_scope(session, actor, EDITOR)
    query = (select(QuestionVersion).join(Question, QuestionVersion.question_id == Question.id)
             .join(Organisation, Question.org_id == Organisation.id)
             .options(joinedload(QuestionVersion.question).joinedload(Question.domain)).order_by(Question.ref))
    query = query.where(QuestionVersion.status == VersionStatus.ACTIVE) if active_only else query.where(QuestionVersion.is_latest.is_(True))
    query = query.where(scope_clause(session, actor, EDITOR, Organisation.path))
    records = []
    for version in session.scalars(query):
        question = version.question
        records.append(Record(question.ref, question.part, question.domain.code if question.domain else None,
                              question.domain.name if question.domain else None, version.content(), "database",
                              question.enemy_group))
    return records


def to_moodle_dicts(records: list[Record]) -> list[dict[str, Any]]:
    out = []
    for record in records:
        item = dict(record.content)
        item.update(ref=record.ref, part=record.part.value, domain=record.domain_code, domain_name=record.domain_name,
                    category_path=None, enemies=record.enemies)
        out.append(item)
    return out


def render(records: list[Record], fmt: str) -> tuple[bytes, str, str]:
    """(content, mimetype, file name) of an export."""
    if fmt == "xlsx":
        return write_bank_xlsx(records), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "question-bank.xlsx"
    if fmt == "moodle":
        from examsys.bank.moodle import write_moodle_xml

        return write_moodle_xml(to_moodle_dicts(records)), "application/xml", "question-bank-moodle.xml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in to_yaml_files(records).items():
            archive.writestr(name, text)
    return buffer.getvalue(), "application/zip", "question-bank.zip"


def write_any(records: list[Record], target: Path) -> Path:
    if target.suffix.lower() in (".xlsx", ".xml"):
        content, _mime, _name = render(records, "xlsx" if target.suffix.lower() == ".xlsx" else "moodle")
        target.write_bytes(content)
        return target
    for name, text in to_yaml_files(records).items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target
