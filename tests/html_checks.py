"""What a crawl checks on every HTML page: it parses (tags balanced), no markup inside <title>, no tag
inside an attribute value, and which words of its visible text are English (untranslated message ids,
internal enum codes) on a page that should be all Chinese."""
from __future__ import annotations

import enum
import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Elements whose end tag HTML lets a page leave out (closed by their parent's end tag).
OPTIONAL_END = {"p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup", "colgroup"}
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")  # attribute text a user reads or hears
TAG_IN_TEXT = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9-]*(\s|>|/)")
TOKEN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-*]*")
OPTION_KEYS = re.compile(r"[A-H]+")  # a question's options and keys: A, B, … ACD


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.stack: list[str] = []
        self.texts: list[str] = []
        self.title = ""
        self._skip = 0  # inside script/style/template
        self._foreign: list[int] = []  # stack depths of elements marked translate="no" or lang="en": shown as they are

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if "title" in self.stack:
            self.problems.append(f"<{tag}> inside <title>")
        for name, value in attrs:
            if value and TAG_IN_TEXT.search(value):
                self.problems.append(f"a tag inside the attribute {name}={value[:80]!r} of <{tag}>")
            if value and name in READ_ATTRIBUTES and not self._skip:
                self.texts.append(value)
        if tag in ("input",) and dict(attrs).get("type") in ("submit", "button") and dict(attrs).get("value"):
            self.texts.append(dict(attrs)["value"] or "")
        if tag in VOID:
            return
        if tag in ("script", "style", "template"):
            self._skip += 1
        marks = dict(attrs)
        if marks.get("translate") == "no" or (marks.get("lang") or "zh").split("-")[0].lower() != "zh":
            self._foreign.append(len(self.stack))
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1] == tag:
            self.stack.pop()
            if tag in ("script", "style", "template"):
                self._skip -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if tag not in self.stack:
            self.problems.append(f"</{tag}> closes nothing (open: {' > '.join(self.stack[-4:])})")
            return
        while self.stack:
            top = self.stack.pop()
            if self._foreign and self._foreign[-1] == len(self.stack):
                self._foreign.pop()
            if top in ("script", "style", "template"):
                self._skip -= 1
            if top == tag:
                return
            if top not in OPTIONAL_END:
                self.problems.append(f"<{top}> is not closed before </{tag}>")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self.stack and self.stack[-1] == "title":
            self.title += data
        if data.strip():
            if not self._foreign:
                self.texts.append(data)
            if '">' in data or TAG_IN_TEXT.search(data):
                self.problems.append(f"markup shown as text: {data.strip()[:80]!r}")

    def close(self) -> None:
        super().close()
        left = [t for t in self.stack if t not in OPTIONAL_END | {"html", "head", "body"}]
        if left:
            self.problems.append(f"never closed: {' > '.join(left)}")


def check_page(html: str) -> tuple[list[str], str]:
    """The page's markup problems, and its visible text (text nodes and the attributes a user reads)."""
    parser = PageParser()
    parser.feed(html)
    parser.close()
    if "<title" in html and not parser.title.strip():
        parser.problems.append("an empty <title>")
    return parser.problems, "\n".join(parser.texts)


def english_words(text: str, allowed: set[str]) -> set[str]:
    """The English words in `text` that `allowed` (lower case) does not list. A token with a digit in it
    is an identifier (a number, a question's reference, an organisation's code) and never a word; so are
    option letters."""
    words = set()
    for token in TOKEN.findall(text):
        token = token.strip(".-_*")
        if not token or any(c.isdigit() for c in token) or OPTION_KEYS.fullmatch(token) or not any(c.isalpha() for c in token):
            continue
        if token.lower() not in allowed:
            words.add(token)
    return words


def enum_codes() -> set[str]:
    """Every value of every enum of the models: what must never reach a Chinese page raw."""
    import examsys.models  # noqa: F401  (loads every domain's models)

    codes: set[str] = set()
    seen: set[type] = set()
    todo = list(enum.Enum.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("examsys."):
            codes.update(str(m.value) for m in cls if isinstance(m.value, str))
    return codes
