"""Bank lint: cues a candidate who never read the law could score on, and format slips, found over parsed
questions (schema.Record). Pure: no database, no clock; the same records give the same findings.

Errors are what a bank must not ship with, because they are measurable and fixable without new content:
answer positions out of balance, one multiple-choice key size dominating, absolute words marking false
statements, identical stems, citations written another way, a law outside the list. Warnings need a
writer's judgement: the key being the longest option, near-identical stems (same point twice: separate
them or put them in one enemy group), and the lint of an import (imports warn, they never refuse)."""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from examsys.bank.schema import Record

# What each check is called where people read the findings (the codes stay in the command line's output).
CHECK_LABELS = {
    "key-position": _l("Key positions"), "key-size": _l("Key sizes"), "key-longest": _l("Key is the longest option"),
    "absolute-words": _l("Absolute words"), "duplicate": _l("Identical questions"), "near-duplicate": _l("Near-identical questions"),
    "citation": _l("Citation format"), "law": _l("Law not on the list"), "law-superseded": _l("Law version superseded"),
}

ERROR, WARNING = "error", "warning"
ABSOLUTE_WORDS = ("一律", "任何", "必须", "所有", "均", "一切", "全部", "绝对", "从不", "总是", "只要", "无论")
NUMERAL = "零一二三四五六七八九十百千"
_ONE_CITATION = f"第[{NUMERAL}]+条(?:之[{NUMERAL}]+)?(?:第[{NUMERAL}]+款)?(?:第[{NUMERAL}]+项)?(?:第[{NUMERAL}]+目)?"
CITATION_RE = re.compile(f"^{_ONE_CITATION}(?:(?:、|至){_ONE_CITATION})*$")
POSTING_CAP = 64
_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class LintSettings:
    tolerance: float = 0.15  # how far a position's share may stray from chance before the test is asked
    alpha: float = 0.05  # a deviation counts only when chance would produce it less often than this
    min_group: int = 8  # key sizes are judged in groups of at least this many multiple-choice questions
    size_max_share: float = 0.6  # no multiple-choice key size in more than this share of a group
    near_duplicate: float = 0.55  # character-bigram Jaccard of stem and options from which two questions are "near-identical"
    near_duplicate_stem: float = 0.65  # ... or of the stems alone (stems of 20 characters or more)


@dataclass(frozen=True)
class Finding:
    severity: str
    check: str
    source: str
    ref: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.ref}" if self.ref else self.source
        return f"{self.severity}: {where}: [{self.check}] {self.message}"


# ---- statistics ----------------------------------------------------------------------------------

def binomial_two_sided(k: int, n: int, p: float) -> float:
    """P(a count at least as unlikely as k) for Binomial(n, p): the exact two-sided test."""
    if n == 0 or p <= 0 or p >= 1:
        return 1.0 if (p <= 0 and k == 0) or (p >= 1 and k == n) or n == 0 else 0.0
    log_p, log_q, log_n = math.log(p), math.log1p(-p), math.lgamma(n + 1)
    logs = [log_n - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q for i in range(n + 1)]
    limit = logs[k] + 1e-9
    return min(1.0, sum(math.exp(x) for x in logs if x <= limit))


def fisher_greater(a: int, b: int, c: int, d: int) -> float:
    """One-sided Fisher exact test: P(at least a in the first row's first cell) for the table [[a, b], [c, d]]."""
    row1, col1, n = a + b, a + c, a + b + c + d
    total = math.comb(n, col1)
    return sum(math.comb(row1, i) * math.comb(n - row1, col1 - i) for i in range(a, min(row1, col1) + 1)) / total


def _deviates(count: int, n: int, p: float, settings: LintSettings) -> bool:
    return n > 0 and abs(count / n - p) > settings.tolerance and binomial_two_sided(count, n, p) < settings.alpha


# ---- the checks ----------------------------------------------------------------------------------

def _groups(records: list[Record], qtype: str) -> dict[str, list[Record]]:
    groups: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        if record.content["type"] == qtype:
            groups[record.content["law"]].append(record)
    return groups


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def check_positions(records: list[Record], settings: LintSettings) -> list[Finding]:
    """Each option letter keyed about as often as chance would have it, per law and choice type."""
    findings = []
    for qtype in ("single_choice", "multiple_choice"):
        for law, group in sorted(_groups(records, qtype).items()):
            for letter in "ABCDEFGH":
                eligible = [r for r in group if letter in r.content["options"]]
                if not eligible:
                    continue
                keyed = [r for r in eligible if letter in _key(r)]
                expected = sum(len(_key(r)) / len(r.content["options"]) for r in eligible) / len(eligible)
                if _deviates(len(keyed), len(eligible), expected, settings):
                    findings.append(Finding(ERROR, "key-position", group[0].source, "", _(
                        "%(law)s, %(type)s: %(letter)s is keyed in %(count)d of %(n)d questions (%(share)s; chance %(expected)s).",
                        law=law, type=qtype, letter=letter, count=len(keyed), n=len(eligible), share=_pct(len(keyed) / len(eligible)),
                        expected=_pct(expected))))
    return findings


def _key(record: Record) -> list[str]:
    answer = record.content["answer"]
    return [answer] if isinstance(answer, str) else list(answer)


def check_key_sizes(records: list[Record], settings: LintSettings) -> list[Finding]:
    """Multiple-choice keys of several sizes, none dominating: otherwise "always tick three" scores."""
    findings = []
    for law, group in sorted(_groups(records, "multiple_choice").items()):
        if len(group) < settings.min_group:
            continue
        sizes = Counter(len(_key(r)) for r in group)
        size, count = sizes.most_common(1)[0]
        if len(sizes) < 2 or count / len(group) > settings.size_max_share:
            spread = ", ".join(f"{s}: {n}" for s, n in sorted(sizes.items()))
            findings.append(Finding(ERROR, "key-size", group[0].source, "", _(
                "%(law)s: %(share)s of the multiple-choice keys have %(size)d letters (sizes %(spread)s).",
                law=law, share=_pct(count / len(group)), size=size, spread=spread)))
    return findings


def check_longest(records: list[Record], settings: LintSettings) -> list[Finding]:
    """The single-choice key should not be the longest option more often than chance."""
    findings = []
    for law, group in sorted(_groups(records, "single_choice").items()):
        longest = [r for r in group if _key_is_longest(r)]
        expected = sum(1 / len(r.content["options"]) for r in group) / len(group)
        if len(longest) / len(group) > expected and _deviates(len(longest), len(group), expected, settings):
            findings.append(Finding(WARNING, "key-longest", group[0].source, "", _(
                "%(law)s: the key is the longest option in %(count)d of %(n)d questions (%(share)s; chance %(expected)s): %(refs)s.",
                law=law, count=len(longest), n=len(group), share=_pct(len(longest) / len(group)), expected=_pct(expected),
                refs=", ".join(r.ref for r in longest))))
    return findings


def _key_is_longest(record: Record) -> bool:
    options = record.content["options"]
    key_length = len(options[record.content["answer"]])
    return all(key_length > len(text) for letter, text in options.items() if letter != record.content["answer"])


def absolute_words(text: str) -> list[str]:
    return [word for word in ABSOLUTE_WORDS if word in text]


def check_absolute_words(records: list[Record], settings: LintSettings) -> list[Finding]:
    """Over all true/false statements linted together: absolute words no likelier in false ones than in true ones."""
    statements = [r for r in records if r.content["type"] == "true_false"]
    false_marked = [r for r in statements if r.content["answer"] is False and absolute_words(r.content["stem"])]
    true_marked = [r for r in statements if r.content["answer"] is True and absolute_words(r.content["stem"])]
    n_false = sum(1 for r in statements if r.content["answer"] is False)
    n_true = len(statements) - n_false
    if not n_false or not n_true:
        return []
    gap = len(false_marked) / n_false - len(true_marked) / n_true
    p = fisher_greater(len(false_marked), n_false - len(false_marked), len(true_marked), n_true - len(true_marked))
    if gap <= 0 or p >= settings.alpha:
        return []
    return [Finding(ERROR, "absolute-words", r.source, r.ref, _(
        "An absolute word (%(words)s) marks this false statement: %(false)d of %(n_false)d false statements carry one, %(true)d of %(n_true)d true ones.",
        words="、".join(absolute_words(r.content["stem"])), false=len(false_marked), n_false=n_false, true=len(true_marked), n_true=n_true))
        for r in false_marked]


def normalise(text: str) -> str:
    return _PUNCTUATION.sub("", unicodedata.normalize("NFKC", text)).casefold()


def bigrams(text: str) -> frozenset[str]:
    text = normalise(text)
    return frozenset(text[i:i + 2] for i in range(len(text) - 1)) or frozenset([text])


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def similar_pairs(stems: list[str], threshold: float) -> list[tuple[int, int, float]]:
    """Index pairs whose character-bigram Jaccard similarity reaches the threshold (prefix filtering: two sets
    that similar must share one of their rarest tokens, so each is compared only with those). Each token
    remembers at most POSTING_CAP stems, which bounds the work for a bank of thousands of look-alikes."""
    sets = [bigrams(s) for s in stems]
    frequency = Counter(token for s in sets for token in s)
    ordered = [sorted(s, key=lambda token: (frequency[token], token)) for s in sets]
    index: dict[str, list[int]] = defaultdict(list)
    pairs = []
    for i, tokens in enumerate(ordered):
        prefix = tokens[: len(tokens) - math.ceil(threshold * len(tokens)) + 1]
        candidates: list[int] = []
        for token in prefix:
            candidates.extend(j for j in index[token] if j not in candidates)
            if len(candidates) >= POSTING_CAP:
                break
        best = max(((jaccard(sets[i], sets[j]), j) for j in candidates[:POSTING_CAP]), default=(0.0, -1))
        if best[0] >= threshold:  # its closest earlier look-alike: one finding per question is enough to act on
            pairs.append((best[1], i, best[0]))
        for token in prefix:
            if len(index[token]) < POSTING_CAP:  # a token thousands of stems share finds nothing useful, only work
                index[token].append(i)
    return pairs


def check_duplicates(records: list[Record], settings: LintSettings) -> list[Finding]:
    """Identical stems are errors (one gives the other away, or the two contradict); near-identical ones are warnings
    unless the two questions stand in the same enemy group, which keeps them off one paper."""
    findings = []
    full = [r.content["stem"] + "|" + "|".join((r.content.get("options") or {}).values()) for r in records]
    pairs = {(i, j): similarity for i, j, similarity in similar_pairs(full, settings.near_duplicate)}
    long_stems = [i for i, r in enumerate(records) if len(normalise(r.content["stem"])) >= 20]
    for i, j, similarity in similar_pairs([records[i].content["stem"] for i in long_stems], settings.near_duplicate_stem):
        key = (long_stems[i], long_stems[j])
        pairs[key] = max(similarity, pairs.get(key, 0.0))
    for (i, j), similarity in sorted(pairs.items()):
        a, b = records[i], records[j]
        if normalise(a.content["stem"]) == normalise(b.content["stem"]):
            continue  # an identical stem, reported below
        if not (a.enemies and a.enemies == b.enemies):
            findings.append(Finding(WARNING, "near-duplicate", b.source, b.ref, _(
                "%(similarity)s like %(other)s: separate them or put both in one enemy group.", similarity=_pct(similarity), other=a.ref)))
    by_stem: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_stem[normalise(record.content["stem"])].append(record)
    for group in by_stem.values():
        findings.extend(Finding(ERROR, "duplicate", record.source, record.ref, _(
            "The same stem as %(other)s (%(source)s).", other=group[0].ref, source=group[0].source)) for record in group[1:])
    return findings


def check_citations(records: list[Record], settings: LintSettings) -> list[Finding]:
    """One way to cite: 第X条第X款第X项 in Chinese numerals, several joined by 、."""
    return [Finding(ERROR, "citation", r.source, r.ref, _(
        "Cite as 第X条第X款第X项 (Chinese numerals, no brackets), several joined by 、: %(article)s", article=r.content["article"]))
        for r in records if r.content.get("article") and not CITATION_RE.match(r.content["article"])]


def check_laws(records: list[Record], laws: Iterable[str] | None) -> list[Finding]:
    if laws is None:
        return []
    known = set(laws)
    unknown: dict[str, Record] = {}
    for record in records:
        if record.content["law"] not in known:
            unknown.setdefault(record.content["law"], record)
    return [Finding(ERROR, "law", r.source, r.ref, _("%(law)s is not on the list of laws.", law=law)) for law, r in unknown.items()]


def check_superseded(records: list[Record], superseded: Mapping[tuple[str, str], object] | None) -> list[Finding]:
    """A warning for each question resting on a version of its law that a newer one supersedes: to be reviewed."""
    if not superseded:
        return []
    return [Finding(WARNING, "law-superseded", r.source, r.ref, _(
        "Checked against %(law)s (%(version)s), which %(newer)s supersedes: review the question against the new text.",
        law=r.content["law"], version=r.content["law_version"] or "—", newer=getattr(newer, "label", newer)))
        for r in records if (newer := superseded.get((r.content["law"], r.content["law_version"]))) is not None]


def lint(records: list[Record], settings: LintSettings | None = None, laws: Iterable[str] | None = None,
         superseded: Mapping[tuple[str, str], object] | None = None) -> list[Finding]:
    """All findings, errors first, then by file and question. `laws`: the titles on the list of laws (None: not
    checked); `superseded`: (law, version) of superseded versions → what supersedes them."""
    settings = settings or LintSettings()
    findings = (check_positions(records, settings) + check_key_sizes(records, settings) + check_longest(records, settings)
                + check_absolute_words(records, settings) + check_duplicates(records, settings) + check_citations(records, settings)
                + check_laws(records, laws) + check_superseded(records, superseded))
    return sorted(findings, key=lambda f: (f.severity != ERROR, f.source, f.check, f.ref))


def as_warnings(findings: list[Finding]) -> list[Finding]:
    """An import's lint: every finding reported, none refusing the import."""
    return [Finding(WARNING, f.check, f.source, f.ref, f.message) for f in findings]
