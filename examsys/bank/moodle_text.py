"""Texts between examsys and Moodle XML: plain text in examsys, HTML in Moodle. Written escaped (newlines as <br>),
read back with the tags dropped and the entities decoded, so markup in a foreign file never gets through as markup;
the graderinfo reader finds a case analysis's rubric and reference answer (examsys.bank.moodle says the format)."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

RUBRIC_CLASS, REFERENCE_CLASS = "examsys-rubric", "examsys-reference-answer"  # graderinfo's two blocks
XML_INVALID_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
RAW_NEWLINES_RE = re.compile(r"(?:[ \t]*(?:\r\n|\r|\n))+[ \t]*")
MARK = "\x00"  # stands for raw line breaks while HTML is read; XML text can never hold a NUL itself


class TextExtractor(HTMLParser):
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
        self.feed(RAW_NEWLINES_RE.sub(MARK, source))
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
            text = text.replace(MARK, "\n")
        elif MARK in text and not text.replace(MARK, "").strip(" \t"):
            return  # layout between tags
        else:
            text = text.replace(MARK, " ")
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


class GraderInfoReader(TextExtractor):
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


def to_plain(text: str, fmt: str | None = "html") -> str:
    """A Moodle text in the given format as plain text."""
    if fmt == "plain_text":
        return text.strip()
    return TextExtractor(keep_newlines=fmt in ("moodle_auto_format", "markdown")).text(text)


def xml_safe(text: str) -> str:
    return XML_INVALID_RE.sub("", text)


def to_html(text: str | None) -> str:
    """Plain text as HTML: escaped, line breaks as <br>, a carriage return as a character reference."""
    escaped = html.escape(xml_safe(text or ""), quote=False)
    return escaped.replace("\r", "&#13;").replace("\n", "<br>")


def xml_text(text: str) -> str:
    """Character data of an XML element (carriage returns kept as references, so they survive parsing)."""
    return html.escape(xml_safe(text), quote=False).replace("\r", "&#13;")


def cdata(html_text: str) -> str:
    # The HTML comes from to_html, which escapes every ">" of the text, so "]]>" cannot occur in it.
    return f"<![CDATA[{html_text}]]>" if html_text else ""


def text_element(tag: str, html_text: str, fmt: str = "html", indent: str = "    ") -> str:
    return f'{indent}<{tag} format="{fmt}">\n{indent}  <text>{cdata(html_text)}</text>\n{indent}</{tag}>'
