"""Moodle XML (question/format/xml) in and out: pure functions, no database and no app.

The mapping, both ways:

- single_choice ⇄ multichoice with single=true (the key has fraction 100, the others 0);
  multiple_choice ⇄ multichoice with single=false (the right answers share 100 equally, the wrong ones 0);
  true_false ⇄ truefalse; fill_in ⇄ shortanswer (every accepted answer 100, usecase 0, a literal "*" written
  as Moodle's "\\*"); case_analysis ⇄ essay (rubric and reference answer in graderinfo, see below).
- ref ⇄ idnumber; the name is ref + " " + the first 40 characters of the stem; explanation ⇄ generalfeedback;
  points ⇄ defaultgrade; tags ⇄ <tags>, with article and difficulty as the reserved tags
  "examsys:article=…" and "examsys:difficulty=…" (removed from `tags` on reading); the question's enemy group as
  the reserved tag "examsys:enemies=…" (absent when it has none).
- part, domain, domain_name, law, law_version ⇄ a category question written before each run of questions
  sharing them: path "$course$/examsys/<part>/<domain or 通用>/<law>", and the info (plain text) a JSON
  object {"examsys": {"law_version": …, "domain_name": …}}.
- graderinfo (HTML) of a case analysis:
  <p><strong>评分要点</strong></p><ol class="examsys-rubric"><li>[3.00 分] criterion</li>…</ol>
  <p><strong>参考答案</strong></p><div class="examsys-reference-answer">reference answer</div>

Texts are plain text in examsys and HTML in Moodle: written escaped (newlines as <br>), read back with the
tags dropped and the entities decoded, so markup in a foreign file never gets through as markup. Points
(of the question and of rubric lines) read back as strings with two decimals, as examsys keeps them.

Problems are collected, never raised; a caller rejects the whole file when there is any.
Messages are English with %(name)s placeholders, marked with `_` for extraction; the caller translates.
"""
from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
import xml.parsers.expat
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any


def _(message: str, **params: Any) -> str:
    """Marks a message for extraction and fills its named placeholders; translation happens in the caller."""
    return message % params if params else message


@dataclass(frozen=True)
class MoodleProblem:
    question: str  # where: "question 3 (name or idnumber)", or "file" for file-level problems
    field: str  # e.g. "answer fractions", "type", "questiontext", "xml"
    message: str


FILE = "file"
RESERVED = "examsys:"
ARTICLE_TAG, DIFFICULTY_TAG, ENEMIES_TAG = "examsys:article=", "examsys:difficulty=", "examsys:enemies="
ROOT_CATEGORY = "examsys"
NO_DOMAIN = "通用"
PARTS = ("common", "sector")
LETTERS = "ABCDEFGH"
DEFAULT_DIFFICULTY = 3
RUBRIC_CLASS, REFERENCE_CLASS = "examsys-rubric", "examsys-reference-answer"
RUBRIC_LABEL, REFERENCE_LABEL = "评分要点", "参考答案"
SUPPORTED = ("multichoice", "truefalse", "shortanswer", "essay")
QUESTION_KEYS = ("part", "domain", "domain_name", "law", "law_version", "ref", "type", "stem", "options", "answer", "rubric",
                 "reference_answer", "article", "difficulty", "points", "explanation", "tags", "enemies", "category_path")
GROUP_KEYS = ("part", "domain", "domain_name", "law", "law_version")

_FULL = Decimal(100)
_SINGLE_TOLERANCE = Decimal("0.0001")
_SUM_TOLERANCE = Decimal("0.1")
_CENTS = Decimal("0.01")
_DECLARATION_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_INVALID_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_RAW_NEWLINES_RE = re.compile(r"(?:[ \t]*(?:\r\n|\r|\n))+[ \t]*")
_MARK = "\x00"  # stands for raw line breaks while HTML is read; XML text can never hold a NUL itself
_RUBRIC_LINE_RE = re.compile(r"^\[\s*(-?\d+(?:\.\d+)?)\s*分\s*\]\s*(.*)$", re.DOTALL)
_WILDCARD_RE = re.compile(r"(?<!\\)\*")


# ---------------------------------------------------------------------------------------------- text

class _TextExtractor(HTMLParser):
    """HTML to plain text: tags dropped (script and style with their content), <br> and the end of a block
    to line breaks, entities decoded. Raw line breaks of the source are layout in HTML (a space, or nothing
    between tags) and line breaks in Moodle's auto format and Markdown."""

    BLOCKS = frozenset({"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dt", "dd"})
    SKIPPED = frozenset({"script", "style"})

    def __init__(self, keep_newlines: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.keep_newlines = keep_newlines
        self.parts: list[str] = []
        self.pending: list[str] = []
        self.skipping = 0

    def text(self, source: str) -> str:
        self.feed(_RAW_NEWLINES_RE.sub(_MARK, source))
        self.close()
        self._flush()
        return "".join(self.parts).strip()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.pending.append(data)

    def _flush(self) -> None:
        if not self.pending:
            return
        text, self.pending = "".join(self.pending), []
        if self.keep_newlines:
            text = text.replace(_MARK, "\n")
        elif _MARK in text and not text.replace(_MARK, "").strip(" \t"):
            return  # layout between tags
        else:
            text = text.replace(_MARK, " ")
        self.parts.append(text)

    def _line_start(self) -> None:
        last = next((part for part in reversed(self.parts) if part), "")
        if last and not last.endswith("\n"):
            self.parts.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        if tag in self.SKIPPED:
            self.skipping += 1
        elif self.skipping:
            return
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self._line_start()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.SKIPPED:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self._flush()
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif not self.skipping and tag in self.BLOCKS:
            self.parts.append("\n")


class _GraderInfoReader(_TextExtractor):
    """Finds the rubric list and the reference-answer block that write_moodle_xml puts into graderinfo."""

    def __init__(self) -> None:
        super().__init__(keep_newlines=False)
        self.outside: list[str] = []
        self.parts = self.outside
        self.rubric: list[list[str]] | None = None
        self.reference: list[str] | None = None
        self.list_depth = 0  # <ol>/<ul> nesting inside the rubric list
        self.item_depth = 0  # <li> nesting inside a rubric line
        self.block_depth = 0  # <div> nesting inside the reference answer

    @staticmethod
    def _classes(attrs: list[tuple[str, str | None]]) -> set[str]:
        return set(" ".join(value or "" for name, value in attrs if name == "class").split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        if self.list_depth and tag in ("ol", "ul"):
            self.list_depth += 1
        elif self.list_depth == 1 and tag == "li" and not self.item_depth and self.rubric is not None:
            self.rubric.append([])
            self.parts, self.item_depth = self.rubric[-1], 1
            return
        elif self.item_depth and tag == "li":
            self.item_depth += 1
        elif tag == "ol" and RUBRIC_CLASS in self._classes(attrs) and not self.block_depth and self.rubric is None:
            self.rubric, self.list_depth = [], 1
            return
        elif self.block_depth and tag == "div":
            self.block_depth += 1
        elif tag == "div" and REFERENCE_CLASS in self._classes(attrs) and not self.list_depth and self.reference is None:
            self.reference, self.block_depth = [], 1
            self.parts = self.reference
            return
        super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self._flush()
        if self.item_depth and tag == "li":
            self.item_depth -= 1
            if not self.item_depth:
                self.parts = self.outside
                return
        elif self.list_depth and tag in ("ol", "ul"):
            self.list_depth -= 1
            if not self.list_depth:
                self.parts, self.item_depth = self.outside, 0
                return
        elif self.block_depth and tag == "div":
            self.block_depth -= 1
            if not self.block_depth:
                self.parts = self.outside
                return
        super().handle_endtag(tag)


def _to_plain(text: str, fmt: str | None = "html") -> str:
    """A Moodle text in the given format as plain text."""
    if fmt == "plain_text":
        return text.strip()
    return _TextExtractor(keep_newlines=fmt in ("moodle_auto_format", "markdown")).text(text)


def _xml_safe(text: str) -> str:
    return _XML_INVALID_RE.sub("", text)


def _to_html(text: str | None) -> str:
    """Plain text as HTML: escaped, line breaks as <br>, a carriage return as a character reference."""
    escaped = html.escape(_xml_safe(text or ""), quote=False)
    return escaped.replace("\r", "&#13;").replace("\n", "<br>")


def _xml_text(text: str) -> str:
    """Character data of an XML element (carriage returns kept as references, so they survive parsing)."""
    return html.escape(_xml_safe(text), quote=False).replace("\r", "&#13;")


def _cdata(html_text: str) -> str:
    # The HTML comes from _to_html, which escapes every ">" of the text, so "]]>" cannot occur in it.
    return f"<![CDATA[{html_text}]]>" if html_text else ""


def _text_element(tag: str, html_text: str, fmt: str = "html", indent: str = "    ") -> str:
    return f'{indent}<{tag} format="{fmt}">\n{indent}  <text>{_cdata(html_text)}</text>\n{indent}</{tag}>'


# ---------------------------------------------------------------------------------------------- writing

def _points(value: Any, default: Decimal) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else default
    except (InvalidOperation, ValueError):
        return default


def _points_text(value: Any) -> str:
    try:
        return str(Decimal(str(value)).quantize(_CENTS))
    except (InvalidOperation, ValueError):
        return str(value)


def _fraction(share: Decimal) -> str:
    text = f"{share:.5f}".rstrip("0").rstrip(".")
    return text or "0"


def _category_name(name: str) -> str:
    """One name of a category path: HTML-escaped (Moodle shows names as HTML) and "/" doubled, as Moodle does."""
    escaped = html.escape(name, quote=False).replace("/", "//")
    if escaped.startswith("/"):
        escaped = " " + escaped
    if escaped.endswith("/"):
        escaped += " "
    return escaped


def _category_xml(question: dict[str, Any]) -> str:
    names = [ROOT_CATEGORY, question.get("part") or PARTS[0], question.get("domain") or NO_DOMAIN]
    if question.get("law"):
        names.append(str(question["law"]))
    path = "$course$/" + "/".join(_category_name(name) for name in names)
    info = json.dumps({"examsys": {"law_version": question.get("law_version"), "domain_name": question.get("domain_name")}},
                      ensure_ascii=False)
    return "\n".join((
        '  <question type="category">',
        f"    <category>\n      <text>{_xml_text(path)}</text>\n    </category>",
        f'    <info format="plain_text">\n      <text>{_xml_text(info)}</text>\n    </info>',
        "    <idnumber></idnumber>",
        "  </question>",
    ))


def _answer_xml(fraction: str, text: str, fmt: str) -> str:
    return (f'    <answer fraction="{fraction}" format="{fmt}">\n      <text>{text}</text>\n'
            '      <feedback format="html">\n        <text></text>\n      </feedback>\n    </answer>')


def _grader_info(rubric: list[dict[str, Any]] | None, reference_answer: str | None) -> str:
    parts = []
    if rubric:
        lines = "".join(f"<li>[{_to_html(_points_text(item.get('points')))} 分] {_to_html(str(item.get('criterion') or ''))}</li>"
                        for item in rubric)
        parts.append(f'<p><strong>{RUBRIC_LABEL}</strong></p><ol class="{RUBRIC_CLASS}">{lines}</ol>')
    if reference_answer is not None:
        parts.append(f'<p><strong>{REFERENCE_LABEL}</strong></p><div class="{REFERENCE_CLASS}">{_to_html(reference_answer)}</div>')
    return "".join(parts)


def _question_xml(question: dict[str, Any]) -> str:
    qtype = question.get("type")
    stem = str(question.get("stem") or "")
    ref = str(question.get("ref") or "")
    name = " ".join(filter(None, (ref, re.sub(r"\s+", " ", stem).strip()[:40])))
    options: dict[str, Any] = question.get("options") or {}
    rubric = question.get("rubric")
    default = sum((_points(item.get("points"), Decimal(0)) for item in rubric or [] if isinstance(item, dict)), Decimal(0)) \
        if qtype == "case_analysis" and rubric else Decimal(2)
    points = _points(question.get("points"), default)
    moodle_type = {"single_choice": "multichoice", "multiple_choice": "multichoice", "true_false": "truefalse",
                   "fill_in": "shortanswer", "case_analysis": "essay"}.get(str(qtype))
    if moodle_type is None:
        raise ValueError(f"unknown question type {qtype!r}")
    penalty = {"multichoice": "0.3333333", "truefalse": "1.0000000", "shortanswer": "0.3333333", "essay": "0.0000000"}[moodle_type]
    lines = [
        f'  <question type="{moodle_type}">',
        f"    <name>\n      <text>{_xml_text(html.escape(name, quote=False))}</text>\n    </name>",
        _text_element("questiontext", _to_html(stem)),
        _text_element("generalfeedback", _to_html(question.get("explanation"))),
        f"    <defaultgrade>{points:.7f}</defaultgrade>",
        f"    <penalty>{penalty}</penalty>",
        "    <hidden>0</hidden>",
        f"    <idnumber>{_xml_text(ref)}</idnumber>",
    ]
    if moodle_type == "multichoice":
        single = qtype == "single_choice"
        answer = question.get("answer")
        key = {answer} if single else set(answer or [])
        right = [letter for letter in options if letter in key]
        share = _fraction(_FULL / len(right)) if right else "0"
        lines += [f"    <single>{'true' if single else 'false'}</single>", "    <shuffleanswers>true</shuffleanswers>",
                  "    <answernumbering>ABCD</answernumbering>", "    <showstandardinstruction>0</showstandardinstruction>"]
        lines += [_answer_xml(share if letter in key else "0", _cdata(_to_html(str(text))), "html") for letter, text in options.items()]
    elif moodle_type == "truefalse":
        correct = question.get("answer") is True
        lines += [_answer_xml("100" if correct else "0", "true", "moodle_auto_format"),
                  _answer_xml("0" if correct else "100", "false", "moodle_auto_format")]
    elif moodle_type == "shortanswer":
        lines.append("    <usecase>0</usecase>")
        lines += [_answer_xml("100", _xml_text(str(text).replace("*", "\\*")), "moodle_auto_format") for text in question.get("answer") or []]
    else:
        lines += ["    <responseformat>editor</responseformat>", "    <responserequired>1</responserequired>",
                  "    <responsefieldlines>15</responsefieldlines>", "    <attachments>0</attachments>",
                  "    <attachmentsrequired>0</attachmentsrequired>",
                  _text_element("graderinfo", _grader_info(rubric, question.get("reference_answer"))),
                  _text_element("responsetemplate", "")]
    tags = []
    if question.get("article") is not None:
        tags.append(ARTICLE_TAG + str(question["article"]))
    if question.get("difficulty") is not None:
        tags.append(DIFFICULTY_TAG + str(question["difficulty"]))
    if question.get("enemies"):
        tags.append(ENEMIES_TAG + str(question["enemies"]))
    tags += [str(tag) for tag in question.get("tags") or []]
    if tags:
        lines.append("    <tags>\n" + "\n".join(f"      <tag><text>{_xml_text(tag)}</text></tag>" for tag in tags) + "\n    </tags>")
    lines.append("  </question>")
    return "\n".join(lines)


def write_moodle_xml(questions: list[dict]) -> bytes:
    """The questions as a Moodle XML file (UTF-8), a category question before every run of questions
    that share their part, domain and law."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    group: tuple[Any, ...] | None = None
    for number, question in enumerate(questions, start=1):
        key = tuple(question.get(k) for k in GROUP_KEYS)
        if key != group:
            out.append(f"<!-- category of question {number} -->")
            out.append(_category_xml(question))
            group = key
        out.append(f"<!-- question {number} -->")
        out.append(_question_xml(question))
    out.append("</quiz>")
    return ("\n".join(out) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------- reading

class _Refused(Exception):
    pass


def _refuse(*_args: Any) -> None:
    raise _Refused


def _parse(data: bytes, problems: list[MoodleProblem]) -> ET.Element | None:
    """The <quiz> element, or None with a problem. DOCTYPE and entity declarations are refused before any
    parsing that could expand them (Moodle XML never uses them)."""
    def bad(message: str) -> None:
        problems.append(MoodleProblem(FILE, "xml", message))

    declared = _("The file declares a DOCTYPE or entities; Moodle XML has none, and such files are refused.")
    if _DECLARATION_RE.search(data):
        bad(declared)
        return None
    try:
        # A first pass that only looks for declarations, whatever the file's encoding.
        checker = xml.parsers.expat.ParserCreate()
        checker.StartDoctypeDeclHandler = _refuse
        checker.EntityDeclHandler = _refuse
        checker.Parse(data, True)
        root = ET.fromstring(data)
    except _Refused:
        bad(declared)
        return None
    except (xml.parsers.expat.ExpatError, ET.ParseError, ValueError) as exc:
        bad(_("The file is not well-formed XML (%(error)s).", error=str(exc)))
        return None
    if root.tag != "quiz":
        bad(_("The file is not Moodle XML: its root element is <%(tag)s>, not <quiz>.", tag=root.tag))
        return None
    return root


def _split_category(path: str) -> list[str]:
    """Category names of a Moodle path, without the context ("$course$", …) and "top"."""
    names = [name.strip().replace("//", "/") for name in re.split(r"(?<!/)/(?!/)", path.strip())]
    names = [_to_plain(name) for name in names]
    if names and re.fullmatch(r"\$\w+\$", names[0]):
        names = names[1:]
    if names and names[0] == "top":
        names = names[1:]
    return [name for name in names if name]


def _read_category(element: ET.Element) -> dict[str, Any]:
    names = _split_category(element.findtext("category/text") or "")
    category: dict[str, Any] = {"category_path": names, "part": PARTS[0], "domain": None, "domain_name": None,
                                "law": names[-1] if names else None, "law_version": None}
    if len(names) in (3, 4) and names[0] == ROOT_CATEGORY and names[1] in PARTS:
        info_element = element.find("info")
        info: Any = None
        if info_element is not None:
            try:
                info = json.loads(_to_plain(info_element.findtext("text") or "", info_element.get("format")))
            except ValueError:
                info = None
        info = info.get("examsys") if isinstance(info, dict) else None
        info = info if isinstance(info, dict) else {}
        category.update(part=names[1], domain=None if names[2] == NO_DOMAIN else names[2], law=names[3] if len(names) == 4 else None,
                        law_version=_optional_text(info.get("law_version")), domain_name=_optional_text(info.get("domain_name")))
    return category


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _text_of(element: ET.Element, tag: str) -> str:
    child = element.find(tag)
    if child is None:
        return ""
    return _to_plain(child.findtext("text") or "", child.get("format", "html"))


def _fraction_of(answer: ET.Element) -> Decimal | None:
    try:
        value = Decimal((answer.get("fraction") or "0").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and -_FULL <= value <= _FULL else None


class _Question:
    """Reads one question element; problems go to the shared list under the question's label."""

    def __init__(self, element: ET.Element, number: int, problems: list[MoodleProblem]) -> None:
        self.element = element
        self.problems = problems
        self.found = 0
        self.idnumber = (element.findtext("idnumber") or "").strip()
        name = _text_of(element, "name") or self.idnumber
        self.where = _("question %(n)d (%(name)s)", n=number, name=name) if name else _("question %(n)d", n=number)

    def bad(self, field: str, message: str) -> None:
        self.found += 1
        self.problems.append(MoodleProblem(self.where, field, message))

    def answers(self) -> list[tuple[ET.Element, Decimal | None]]:
        return [(answer, _fraction_of(answer)) for answer in self.element.findall("answer")]

    def read(self, category: dict[str, Any]) -> dict[str, Any] | None:
        qtype = (self.element.get("type") or "").strip()
        if qtype not in SUPPORTED:
            self.bad("type", _("The question type %(type)s is not supported; examsys imports multichoice, truefalse, shortanswer "
                               "and essay questions.", type=qtype or "(none)"))
            return None
        item: dict[str, Any] = dict.fromkeys(QUESTION_KEYS)
        item.update(category, category_path=list(category["category_path"]), ref=self.idnumber or None)
        item["stem"] = _text_of(self.element, "questiontext")
        if not item["stem"]:
            self.bad("questiontext", _("The question has no text."))
        item["explanation"] = _text_of(self.element, "generalfeedback")
        item["points"] = self.points()
        item.update(self.tags())
        getattr(self, f"read_{qtype}")(item)
        return item if not self.found else None

    def points(self) -> str | None:
        text = (self.element.findtext("defaultgrade") or "1").strip()
        try:
            value = Decimal(text)
            if not value.is_finite() or value < 0:
                raise InvalidOperation
        except InvalidOperation:
            self.bad("defaultgrade", _("The default grade %(value)s is not a number.", value=text))
            return None
        return str(value.quantize(_CENTS))

    def tags(self) -> dict[str, Any]:
        found: dict[str, Any] = {"tags": [], "article": None, "difficulty": DEFAULT_DIFFICULTY, "enemies": None}
        for tag in self.element.findall("tags/tag"):
            text = (tag.findtext("text") or "").strip()
            if text.startswith(ARTICLE_TAG):
                found["article"] = text[len(ARTICLE_TAG):]
            elif text.startswith(DIFFICULTY_TAG):
                value = text[len(DIFFICULTY_TAG):]
                if re.fullmatch(r"[1-5]", value):
                    found["difficulty"] = int(value)
                else:
                    self.bad("tags", _("The tag %(tag)s gives no difficulty from 1 to 5.", tag=text))
            elif text.startswith(ENEMIES_TAG):
                found["enemies"] = text[len(ENEMIES_TAG):].strip() or None
            elif text and not text.startswith(RESERVED):
                found["tags"].append(text)
        return found

    def read_multichoice(self, item: dict[str, Any]) -> None:
        single = (self.element.findtext("single") or "true").strip().lower() in ("true", "1")
        answers = []
        for position, (answer, fraction) in enumerate(self.answers(), start=1):
            text = _text_of(answer, ".")
            if not text and (fraction is None or fraction <= 0):
                continue  # Moodle leaves blank wrong answers out too
            if fraction is None:
                self.bad("answer fractions", _("Answer %(n)d has the fraction %(value)s, not a number from -100 to 100.",
                                               n=position, value=answer.get("fraction")))
                continue
            answers.append((text, fraction))
        if len(answers) > len(LETTERS):
            self.bad("answer", _("The question has %(n)d answers; examsys allows 2 to 8 options.", n=len(answers)))
            return
        item["options"] = {LETTERS[i]: text for i, (text, _unused) in enumerate(answers)}
        if single:
            full = [LETTERS[i] for i, (_unused, fraction) in enumerate(answers) if abs(fraction - _FULL) < _SINGLE_TOLERANCE]
            if not full:
                self.bad("answer fractions", _("No answer has the fraction 100, so the question has no right answer."))
            elif len(full) > 1:
                self.bad("answer fractions", _("%(n)d answers have the fraction 100; a single-choice question has one key.", n=len(full)))
            else:
                item["type"], item["answer"] = "single_choice", full[0]
        else:
            total = sum((fraction for _unused, fraction in answers if fraction > 0), Decimal(0))
            if abs(total - _FULL) > _SUM_TOLERANCE:
                self.bad("answer fractions", _("The positive answer fractions add up to %(total)s, not 100.", total=format(total.normalize(), "f")))
            else:
                item["type"] = "multiple_choice"
                item["answer"] = [LETTERS[i] for i, (_unused, fraction) in enumerate(answers) if fraction > 0]

    def read_truefalse(self, item: dict[str, Any]) -> None:
        fractions: dict[bool, Decimal | None] = {}
        for position, (answer, fraction) in enumerate(self.answers()):
            text = (answer.findtext("text") or "").strip().lower()
            value = text == "true" if text in ("true", "false") else position == 0  # old files: true first
            fractions[value] = fraction
        full = [value for value, fraction in fractions.items() if fraction is not None and abs(fraction - _FULL) < _SINGLE_TOLERANCE]
        if len(full) != 1:
            self.bad("answer fractions", _("Exactly one of the answers true and false must have the fraction 100."))
            return
        item["type"], item["answer"] = "true_false", full[0]

    def read_shortanswer(self, item: dict[str, Any]) -> None:
        accepted = []
        for answer, fraction in self.answers():
            text = (answer.findtext("text") or "").strip()
            if not text or fraction is None or abs(fraction - _FULL) >= _SINGLE_TOLERANCE:
                continue  # partly right and wrong answers: examsys accepts or refuses, nothing between
            if _WILDCARD_RE.search(text):
                self.bad("answer", _("The answer %(answer)s uses the wildcard *, which examsys does not support.", answer=text))
                continue
            accepted.append(text.replace("\\*", "*"))
        if not accepted and not self.found:
            self.bad("answer fractions", _("No answer has the fraction 100, so the question has no right answer."))
        item["type"], item["answer"] = "fill_in", accepted

    def read_essay(self, item: dict[str, Any]) -> None:
        item["type"] = "case_analysis"
        element = self.element.find("graderinfo")
        source = "" if element is None else element.findtext("text") or ""
        fmt = "html" if element is None else element.get("format", "html")
        reader = _GraderInfoReader()
        if fmt != "plain_text":
            reader.text(source)
        if reader.rubric is None and reader.reference is None:
            item["reference_answer"] = _to_plain(source, fmt) or None  # a foreign essay: no rubric
            return
        rubric = []
        for position, parts in enumerate(reader.rubric or [], start=1):
            line = "".join(parts).strip()
            match = _RUBRIC_LINE_RE.match(line)
            if not match:
                self.bad("graderinfo", _("Rubric line %(n)d does not start with its points, e.g. [3.00 分].", n=position))
                continue
            rubric.append({"points": str(Decimal(match.group(1)).quantize(_CENTS)), "criterion": match.group(2)})
        item["rubric"] = rubric or None
        item["reference_answer"] = "".join(reader.reference or []).strip() or None


def read_moodle_xml(data: bytes) -> tuple[list[dict], list[MoodleProblem]]:
    """The questions of a Moodle XML file, and every problem found. A question with a problem is left out
    of the list; a caller rejects the whole file when the problem list is not empty."""
    problems: list[MoodleProblem] = []
    root = _parse(data, problems)
    if root is None:
        return [], problems
    questions: list[dict] = []
    category = {"category_path": [], "part": PARTS[0], "domain": None, "domain_name": None, "law": None, "law_version": None}
    number = 0
    for element in root.findall("question"):
        if (element.get("type") or "").strip() == "category":
            category = _read_category(element)
            continue
        number += 1
        item = _Question(element, number, problems).read(category)
        if item is not None:
            questions.append(item)
    if not number and not problems:
        problems.append(MoodleProblem(FILE, "xml", _("The file holds no questions.")))
    return questions, problems
