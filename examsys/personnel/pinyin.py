"""Chinese names in pinyin: the sort key every list of people orders by, and the letters the public
register's search matches ("zhangsan" or "zs" finds 张三). Pure functions over pypinyin's dictionary,
the same on SQLite and PostgreSQL because both only compare the stored bytes."""
from __future__ import annotations

# Surnames whose reading differs from the character's everyday one (单 is dān in a word, Shàn as a
# surname): the first character(s) of a name read as these. Compound ones are tried first.
SURNAMES = {
    "尉迟": ("yu4", "chi2"), "万俟": ("mo4", "qi2"), "单于": ("chan2", "yu2"), "长孙": ("zhang3", "sun1"),
    "单": ("shan4",), "曾": ("zeng1",), "解": ("xie4",), "仇": ("qiu2",), "朴": ("piao2",), "区": ("ou1",),
    "查": ("zha1",), "盖": ("ge3",), "乐": ("yue4",), "召": ("shao4",), "缪": ("miao4",), "覃": ("qin2",),
    "翟": ("zhai2",), "柏": ("bai3",), "冼": ("xian3",), "种": ("chong2",), "员": ("yun4",), "谌": ("chen2",),
    "宿": ("su4",), "纪": ("ji3",), "任": ("ren2",), "华": ("hua4",), "都": ("du1",), "阚": ("kan4",),
    "燕": ("yan1",), "过": ("guo1",), "占": ("zhan1",), "隗": ("wei3",), "相": ("xiang1",), "藏": ("zang4",),
}
# Sort classes, so that a list reads: marks, digits, Latin letters, Han characters in pinyin order,
# then Han characters the dictionary has no reading for.
MARK, DIGIT, LATIN, HAN, HAN_UNREAD = b"\x01", b"\x02", b"\x03", b"\x04", b"\x05"


def readings(name: str) -> list[tuple[str, str | None]]:
    """Each character of `name` with its reading in TONE3 form (``zhang1``; ``lv4`` for lǜ; tone 5
    for the neutral tone), the surname's reading for its first character(s); None for anything that
    is not a Han character with a known reading."""
    # Imported here, not at the top: pypinyin's dictionaries (its phrases read 长江 cháng, 重阳 chóng)
    # take about 60 MB and 0.5 s to load, which only processes that set a name should pay, not every
    # exam-room or verify worker.
    from pypinyin import Style, pinyin

    name = name or ""
    head: tuple[str, ...] = ()
    for length in (2, 1):  # a compound surname first
        if len(name) > length and name[:length] in SURNAMES:
            head = SURNAMES[name[:length]]
            break
    rest = name[len(head):]
    found = pinyin(rest, style=Style.TONE3, neutral_tone_with_five=True, errors=lambda text: [[None]] * len(text)) if rest else []
    result = list(zip(name[:len(head)], head, strict=True))
    for char, (syllable,) in zip(rest, found, strict=True):
        readable = syllable is not None and syllable[:1].isascii() and syllable[:1].isalpha()
        result.append((char, syllable if readable else None))
    return result


def keys(name: str | None) -> tuple[bytes, str]:
    """The sort key and the search text of `name` (what Person stores), reading the name once."""
    found = readings(name or "")
    return _sort_key(name or "", found), _search_text(found)


def sort_key(name: str | None) -> bytes:
    """Bytes that order names as a pinyin dictionary does (see _sort_key)."""
    return _sort_key(name or "", readings(name or ""))


def search_text(name: str | None) -> str:
    """The name's pinyin and initials, what the register's search matches (see _search_text)."""
    return _search_text(readings(name or ""))


def _sort_key(name: str, found: list[tuple[str, str | None]]) -> bytes:
    """Bytes that order names as a pinyin dictionary does, character by character: the syllable, then
    the tone, then the code point among homophones (张 before 章, as each Han character has its own
    place); Latin letters regardless of case; a shorter name before a longer one that starts with it;
    the name itself last, so that only equal names tie. Compared as plain bytes (memcmp) by SQLite and
    PostgreSQL alike."""
    key = bytearray()
    for char, syllable in found:
        if syllable is not None:
            key += HAN + syllable[:-1].encode("ascii") + bytes([int(syllable[-1])]) + ord(char).to_bytes(3, "big")
        elif char.isascii() and char.isalpha():
            key += LATIN + char.lower().encode("ascii")
        elif char.isascii() and char.isdigit():
            key += DIGIT + char.encode("ascii")
        elif "\u3400" <= char <= "\u9fff" or "\U00020000" <= char <= "\U0003ffff":
            key += HAN_UNREAD + ord(char).to_bytes(3, "big")
        else:
            key += MARK
    return bytes(key + b"\x00" + name.encode("utf-8"))


def _search_text(found: list[tuple[str, str | None]]) -> str:
    """What the register's pinyin search matches: the full pinyin, then the initials, lower case
    with no tones ("zhangsan zs"); Latin letters stand for themselves, anything else is left out."""
    full, initials = [], []
    for char, syllable in found:
        letters = syllable[:-1] if syllable is not None else (char.lower() if char.isascii() and char.isalpha() else "")
        full.append(letters)
        initials.append(letters[:1])
    return f"{''.join(full)} {''.join(initials)}".strip()


def as_pinyin_query(text: str) -> str | None:
    """The query as pinyin letters ("Zhang San" → "zhangsan"), or None when it is not pinyin (it
    holds anything but Latin letters, spaces and apostrophes)."""
    letters = "".join(c for c in text.lower() if c not in " '’")
    return letters if letters and letters.isascii() and letters.isalpha() else None
