"""Reorder the stored options of a bank file so that answer positions carry no cue, deterministically.

The option texts, the key (as option text) and everything else stay as they are: each choice question's
options are permuted, its `answer` follows its options, and letters an explanation names (A、B、C, D项 …)
are renamed with them. Single-choice keys are dealt over the positions in equal numbers (in a seeded
order); multiple-choice options are shuffled by a seeded generator, the next seed tried until the file's
positions pass the lint. The file is edited line by line, so its comments and layout survive.

    python -m examsys.bank.rebalance question_bank/       # rewrite the files in place
"""
from __future__ import annotations

import random
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from examsys.bank.schema import SAFE_LOADER

LETTERS = "ABCDEFGH"
REF_LINE = re.compile(r"^  - ref: (?P<ref>\S+)\s*$")
OPTION_LINE = re.compile(r"^      (?P<letter>[A-H]): (?P<text>.*)$")
MN_OPTION_LINE = re.compile(r"^        (?P<letter>[A-H]): (?P<text>.*)$")  # the options of the `mn:` text follow the same order
ANSWER_LINE = re.compile(r"^    answer: (?P<value>.*)$")
EXPLANATION_LINE = re.compile(r"^    explanation: (?P<text>.*)$")
LONE_LETTER = re.compile(r"(?<![A-Za-z0-9])[A-H](?:[、和及与][A-H])*(?![A-Za-z0-9])")


def _rename_letters(text: str, mapping: dict[str, str]) -> str:
    """A、C、D → the new letters, each run sorted again, unless the text pairs runs with lists (分别 …)."""
    in_order = "分别" in text
    def swap(match: re.Match[str]) -> str:
        run = match.group(0)
        letters = re.findall("[A-H]", run)
        separators = re.findall("[、和及与]", run)
        renamed = [mapping.get(letter, letter) for letter in letters]
        renamed = renamed if in_order else sorted(renamed)
        return "".join(letter + (separators[i] if i < len(separators) else "") for i, letter in enumerate(renamed))
    return LONE_LETTER.sub(swap, text)


def _permutations(questions: list[dict[str, Any]], seed: str) -> dict[str, list[str]]:
    """ref → the old letters in their new order (new letter i holds old letter order[i])."""
    rng = random.Random(seed)
    orders: dict[str, list[str]] = {}
    singles: dict[int, list[dict[str, Any]]] = {}
    for question in questions:
        if question["type"] == "single_choice":
            singles.setdefault(len(question["options"]), []).append(question)
    for size, group in sorted(singles.items()):
        targets = [LETTERS[i % size] for i in range(len(group))]
        rng.shuffle(targets)
        for question, target in zip(group, targets, strict=True):
            others = [letter for letter in question["options"] if letter != question["answer"]]
            rng.shuffle(others)
            position = LETTERS.index(target)
            orders[question["ref"]] = others[:position] + [question["answer"]] + others[position:]
    for question in questions:
        if question["type"] == "multiple_choice":
            order = list(question["options"])
            rng.shuffle(order)
            orders[question["ref"]] = order
    return orders


def rebalance_text(text: str, seed: str, accept: Any = None) -> str:
    """The file with its options reordered; `accept(new_text)` (e.g. "the lint finds no position error") picks
    the first seed of seed, seed+1, … that passes."""
    for attempt in range(1000):
        new_text = _apply(text, _permutations(yaml.load(text, Loader=SAFE_LOADER)["questions"], f"{seed}/{attempt}"))
        if accept is None or accept(new_text):
            return new_text
    raise RuntimeError(f"no order of {seed} passes")


def _apply(text: str, orders: dict[str, list[str]]) -> str:
    lines = text.split("\n")
    out: list[str] = []
    order: list[str] | None = None
    options: dict[str, str] = {}
    mn_options: dict[str, str] = {}
    for line in lines:
        if match := REF_LINE.match(line):
            order = orders.get(match["ref"])
            mapping = {old: LETTERS[i] for i, old in enumerate(order)} if order else {}
            options, mn_options = {}, {}
        elif order and (match := OPTION_LINE.match(line)):
            options[match["letter"]] = match["text"]
            if len(options) == len(order):  # the last option: write them all in the new order
                out.extend(f"      {LETTERS[i]}: {options[old]}" for i, old in enumerate(order))
            continue
        elif order and (match := MN_OPTION_LINE.match(line)):
            mn_options[match["letter"]] = match["text"]
            if len(mn_options) == len(order):
                out.extend(f"        {LETTERS[i]}: {mn_options[old]}" for i, old in enumerate(order))
            continue
        elif order and (match := ANSWER_LINE.match(line)):
            value = match["value"]
            if value.startswith("["):
                letters = sorted(mapping[a.strip()] for a in value.strip("[]").split(","))
                line = f"    answer: [{', '.join(letters)}]"
            else:
                line = f"    answer: {mapping[value.strip()]}"
        elif order and (match := EXPLANATION_LINE.match(line)):
            line = "    explanation: " + _rename_letters(match["text"], mapping)
        out.append(line)
    return "\n".join(out)


def key_texts(text: str) -> dict[str, tuple[str, frozenset[str], frozenset[str]]]:
    """ref → (type, option texts, key texts): what a reorder must leave as it was."""
    found = {}
    for q in yaml.load(text, Loader=SAFE_LOADER)["questions"]:
        options = q.get("options") or {}
        answer = q.get("answer")
        keys = [answer] if isinstance(answer, str) else answer if q["type"] == "multiple_choice" else []
        found[q["ref"]] = (q["type"], frozenset(options.values()), frozenset(options[k] for k in keys) if options else frozenset())
    return found


def main(paths: list[str]) -> None:
    from examsys import create_app
    from examsys.bank.lint import LintSettings, check_positions
    from examsys.bank.schema import read_bank_file

    with create_app().app_context():
        for folder in paths:
            for path in sorted(Path(folder).rglob("*.yaml")) if Path(folder).is_dir() else [Path(folder)]:
                text = path.read_text("utf-8")

                def balanced(candidate: str, name: str = str(path)) -> bool:
                    return not check_positions(read_bank_file(candidate, name).records, LintSettings())

                new_text = rebalance_text(text, path.stem, balanced)
                assert key_texts(new_text) == key_texts(text), path
                path.write_text(new_text, "utf-8")
                print(f"{path}: reordered")


if __name__ == "__main__":
    main(sys.argv[1:])
