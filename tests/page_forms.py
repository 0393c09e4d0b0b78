"""Read a form off a rendered page the way a browser would submit it, so page tests post the real form
(its field names, its defaults) rather than a dictionary written beside it."""
from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, action: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.done = False
        self.fields: dict[str, list[str]] = {}
        self.options: dict[str, list[str]] = {}
        self._select: str | None = None
        self._select_chosen: str | None = None
        self._first_option: str | None = None
        self._option_value: str | None = None
        self._option_text = ""
        self._textarea: str | None = None
        self._textarea_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.done and (self.action is None or a.get("action", "") == self.action):
            self.inside = True
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.setdefault(name, []).append(a.get("value", "on" if kind in ("checkbox", "radio") else ""))
        elif tag == "select" and name:
            self._select, self._select_chosen, self._first_option = name, None, None
            self.options[name] = []
        elif tag == "option" and self._select is not None:
            self._option_value, self._option_text = a.get("value"), ""
            if "selected" in a:
                self._select_chosen = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea, self._textarea_text = name, ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea_text += data
        if self._option_value is not None or (self._select is not None and self._option_text is not None):
            self._option_text += data

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "option" and self._select is not None:
            value = self._option_value if self._option_value is not None else self._option_text.strip()
            self.options[self._select].append(value)
            if self._first_option is None:
                self._first_option = value
            self._option_value = None
        elif tag == "select" and self._select is not None:
            chosen = self._select_chosen if self._select_chosen is not None else self._first_option
            if chosen is not None:
                self.fields.setdefault(self._select, []).append(chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.setdefault(self._textarea, []).append(self._textarea_text.removeprefix("\n"))
            self._textarea = None
        elif tag == "form":
            self.inside, self.done = False, True


def form_pairs(html: str, action: str | None = None) -> list[tuple[str, str]]:
    """Every (name, value) the form would send as it stands, repeated names included (a browser sends them
    all, and adds the pressed button's name and value after them)."""
    reader = _FormReader(action)
    reader.feed(html)
    assert reader.done, "no such form on the page"
    return [(name, value) for name, values in reader.fields.items() for value in values]


def read_form(html: str, action: str | None = None) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The values the first form (or the form posting to `action`) would send as it stands, one value per
    name, and the options each of its selects offers."""
    reader = _FormReader(action)
    reader.feed(html)
    assert reader.done, "no such form on the page"
    return {name: values[-1] for name, values in reader.fields.items()}, reader.options
