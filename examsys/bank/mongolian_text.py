"""The Mongolian text of a question in the editor (issue 21): the form's Mongolian fields read into the `mn` mapping
that the bank's rule checks (schema.check_mongolian, the same rule as for an import), written back into the fields,
shown in the preview, and the rule's field names (mn.stem, mn.options.B …) put on the form's fields."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from examsys.bank.models import QuestionType
from examsys.bank.xlsx import OPTION_LETTERS, parse_answer
from examsys.errors import ValidationFailed

T = TypeVar("T")
CHOICE = (QuestionType.SINGLE_CHOICE.value, QuestionType.MULTIPLE_CHOICE.value)


def _value(form: Any, name: str) -> str:
    return (getattr(form, name).data or "").strip()


def from_form(form: Any, qtype: str) -> dict[str, Any] | None:
    """The `mn` mapping of the question as the form states it, with the parts its type has (as the Chinese fields: a
    true/false drops options typed for it); None when those are all empty: no Mongolian text (an edit removes it)."""
    mn: dict[str, Any] = {}
    if _value(form, "mn_stem"):
        mn["stem"] = _value(form, "mn_stem")
    options = {letter: _value(form, f"mn_option_{letter}") for letter in OPTION_LETTERS}
    if qtype in CHOICE and any(options.values()):
        mn["options"] = {letter: text for letter, text in options.items() if text}
    if qtype == QuestionType.FILL_IN.value and _value(form, "mn_answer"):
        mn["answer"] = parse_answer(qtype, _value(form, "mn_answer"))  # as the Chinese accepted answers: separated by |
    if qtype == QuestionType.CASE_ANALYSIS.value:
        if _value(form, "mn_rubric"):
            mn["rubric"] = [line.strip() for line in _value(form, "mn_rubric").splitlines() if line.strip()]
        if _value(form, "mn_reference_answer"):
            mn["reference_answer"] = _value(form, "mn_reference_answer")
    if _value(form, "mn_explanation"):
        mn["explanation"] = _value(form, "mn_explanation")
    return mn or None


def fill(form: Any, content_mn: dict[str, Any] | None) -> None:
    """The version's Mongolian text into the form's fields."""
    mn = content_mn or {}
    form.mn_stem.data = mn.get("stem") or ""
    for letter, text in (mn.get("options") or {}).items():
        if letter in OPTION_LETTERS:
            getattr(form, f"mn_option_{letter}").data = text
    form.mn_answer.data = "|".join(mn.get("answer") or [])
    form.mn_rubric.data = "\n".join(mn.get("rubric") or [])
    form.mn_reference_answer.data = mn.get("reference_answer") or ""
    form.mn_explanation.data = mn.get("explanation") or ""


def preview(form: Any, qtype: str, chinese_options: dict[str, str] | None) -> dict[str, Any] | None:
    """The Mongolian paper's view of the question being written: stem and options by the Chinese letters."""
    mn = from_form(form, qtype)
    if not mn or not mn.get("stem"):
        return None
    options = mn.get("options") or {}
    return {"type": qtype, "stem": mn["stem"], "options": {letter: options.get(letter, "") for letter in (chinese_options or options)}}


def field_name(rule_field: str, form: Any) -> str:
    """The form field a problem of the rule belongs on: mn.stem → mn_stem, mn.options.B → mn_option_B, and mn.options
    (the letters do not follow the Chinese) → the first letter where they part: a Chinese option without its Mongolian
    one, or a Mongolian one without its Chinese."""
    if rule_field.startswith("mn.options."):
        return f"mn_option_{rule_field.rsplit('.', 1)[1]}"
    if rule_field == "mn.options":
        parting = next((letter for letter in OPTION_LETTERS
                        if bool(_value(form, f"option_{letter}")) != bool(_value(form, f"mn_option_{letter}"))), OPTION_LETTERS[0])
        return f"mn_option_{parting}"
    if rule_field.startswith("mn.") and hasattr(form, rule_field.replace(".", "_")):
        return rule_field.replace(".", "_")
    return rule_field


def on_fields(form: Any, save: Callable[[], T]) -> T:
    """Run the save; a refusal's problems of the Mongolian text go on the form's Mongolian fields."""
    try:
        return save()
    except ValidationFailed as error:
        errors: dict[str, list[str]] = {}
        for name, messages in error.field_errors.items():
            errors.setdefault(field_name(name, form), []).extend(messages)
        raise ValidationFailed(error.message, errors) from None
