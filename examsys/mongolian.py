"""The Mongolian-script form of a name (traditional Mongolian, the Unicode block U+1800–U+18AF) kept beside
the Chinese one: organisations, enforcement domains, laws and people may carry one (issue 21). What such a
form may hold, and the check every form, import and service runs on it."""
from __future__ import annotations

import unicodedata

from flask_babel import gettext as _
from flask_babel import pgettext
from wtforms.validators import ValidationError

# The block: letters, the Mongolian punctuation (U+1800–U+180A), the free variation selectors (FVS1–3
# U+180B–U+180D, FVS4 U+180F) and the vowel separator (MVS U+180E), the digits U+1810–U+1819.
BLOCK = range(0x1800, 0x18B0)
LETTERS = range(0x1820, 0x18AB)
# Beside the block: the space between words, the narrow no-break space that joins a suffix to its word
# (U+202F), the joiners that pick a letter form (U+200C, U+200D), and the punctuation a name may carry.
ALSO = set(" \u202f\u200c\u200d()（）-‐–—·.,，、《》0123456789")
MAX_LENGTH = 240  # the columns hold 240 characters: a Mongolian name runs about twice the Chinese one
# A running text (a question's Mongolian stem, options, answers, explanation) may also break lines and carry the
# punctuation a question needs: the blank ____ of a fill-in, question and exclamation marks (⁈ ⁉ too), colons, quotes.
TEXT_ALSO = ALSO | set("\n\r\t_?!:;\"'“”‘’«»…%/⁈⁉")


def normalise(value: str | None) -> str:
    """The form as stored: NFC, trimmed, runs of spaces as one (an empty string: no Mongolian form)."""
    text = unicodedata.normalize("NFC", value or "").strip()
    return " ".join(part for part in text.split(" ") if part)


def _foreign(text: str, allowed: set[str]) -> str:
    """The characters of `text` outside the block and `allowed` (the first five), named for the person who typed
    them, e.g. "a (U+0061), 处 (U+5904)"; empty when there are none."""
    foreign = sorted({char for char in text if ord(char) not in BLOCK and char not in allowed})
    return pgettext("list separator", ", ").join(f"{char} (U+{ord(char):04X})" for char in foreign[:5])


def problem(value: str | None) -> str | None:
    """Why `value` cannot be a Mongolian-script name, in words for the person who typed it; None when it
    can (an empty value can: the form is optional)."""
    text = normalise(value)
    if not text:
        return None
    if len(text) > MAX_LENGTH:
        return _("The Mongolian form is longer than %(n)d characters.", n=MAX_LENGTH)
    if shown := _foreign(text, ALSO):
        return _("Write the Mongolian form in traditional Mongolian script (U+1800–U+18AF) only; these characters are not: %(chars)s",
                 chars=shown)
    if not any(ord(char) in LETTERS for char in text):
        return _("The Mongolian form has no Mongolian letter.")
    return None


def text_problem(value: str | None) -> str | None:
    """Why `value` cannot be a Mongolian text of a question (the bank's rule, said once for the editor and every
    import): only the Mongolian block and TEXT_ALSO, with at least one Mongolian letter; None when it can (an empty
    value can: the caller says which texts are required)."""
    text = (value or "").strip()
    if not text:
        return None
    if shown := _foreign(text, TEXT_ALSO):
        return _("Write the text in traditional Mongolian script (U+1800–U+18AF) only; these characters are not: %(chars)s",
                 chars=shown)
    if not any(ord(char) in LETTERS for char in text):
        return _("The text is not written in the Mongolian script.")
    return None


def check(_form, field) -> None:
    """A WTForms validator: the field's data, normalised, or a clear field error."""
    message = problem(field.data)
    if message:
        raise ValidationError(message)
    field.data = normalise(field.data)
