"""Resident ID numbers (GB 11643): 18 characters, the last a check character over the first 17."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def normalise(raw: str) -> str:
    """Strip spaces, fold full-width digits and a lower-case x."""
    folded = "".join(chr(ord(c) - 0xFEE0) if "０" <= c <= "９" or c in "ｘＸ" else c for c in raw.strip())
    return folded.replace(" ", "").upper()


def check_character(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def problem(number: str, today: date | None = None) -> str | None:
    """None if `number` is a well-formed ID number; otherwise what is wrong with it, translated."""
    if len(number) != 18:
        return _("An ID number has 18 characters.")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return _("An ID number is 17 digits followed by a digit or X.")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return _("The date of birth in the ID number does not exist.")
    if born.year < 1900 or (today is not None and born > today):
        return _("The date of birth in the ID number is not plausible.")
    if check_character(number[:17]) != number[17]:
        return _("The check character of the ID number is wrong.")
    return None


def birth_date(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def sex_of(number: str) -> str:
    """'M' or 'F', from the parity of the 17th digit."""
    return "M" if int(number[16]) % 2 else "F"


def mask(number: str) -> str:
    """What everyone but HR of the person's subtree sees: region and check character only."""
    return number[:4] + "*" * 10 + number[-4:] if len(number) == 18 else "*" * len(number)
