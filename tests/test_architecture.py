"""The allowed dependencies between examsys's packages, as docs/development.md's layer table writes them once,
hold for every import in the tree: module level and inside functions (ast, so an import no test runs is
checked too)."""
from __future__ import annotations

import ast
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "examsys"
DOC = ROOT / "docs" / "development.md"
HEADER = "| Unit | Modules (under `examsys.`) | May import |"


@dataclass(frozen=True)
class Unit:
    name: str
    modules: tuple[str, ...]
    may_import: tuple[str, ...]  # unit names; ("*",) for anything
    line: int  # in the document


def read_table(text: str) -> dict[str, Unit]:
    """The table under HEADER: one row per unit, its modules in backquotes, the units it may import."""
    lines = text.splitlines()
    start = lines.index(HEADER)
    units: dict[str, Unit] = {}
    for number, line in enumerate(lines[start + 2:], start=start + 3):
        if not line.startswith("|"):
            break
        name, modules, allowed = (cell.strip() for cell in line.strip().strip("|").split("|"))
        names = () if allowed in ("", "—", "-") else tuple(part.strip() for part in allowed.split(","))
        units[name] = Unit(name, tuple(re.findall(r"`([^`]+)`", modules)), names, number)
    return units


def reach(units: dict[str, Unit]) -> dict[str, set[str]]:
    """What each unit may import: the units it names and, through them, what those may import."""
    found: dict[str, set[str]] = {}

    def visit(name: str, path: tuple[str, ...]) -> set[str]:
        if name in path:
            raise AssertionError(f"the layer table has a cycle: {' -> '.join((*path, name))}")
        if name not in found:
            allowed: set[str] = set()
            for other in units[name].may_import:
                if other == "*":
                    allowed |= set(units)
                    continue
                if other not in units:
                    raise AssertionError(f"docs/development.md line {units[name].line}: {name} may import {other!r}, which is no unit")
                allowed |= {other} | visit(other, (*path, name))
            found[name] = allowed
        return found[name]

    for name in units:
        visit(name, ())
    return found


def module_name(path: Path, package: Path) -> str:
    """`auth.permissions` for examsys/auth/permissions.py, `auth` for its __init__.py, `__init__` for the root's."""
    parts = list(path.relative_to(package).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def unit_of(module: str, units: dict[str, Unit]) -> str | None:
    """The unit that lists the longest prefix of `module`."""
    best, best_length = None, -1
    for unit in units.values():
        for prefix in unit.modules:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = unit.name, len(prefix)
    return best


def _exists(dotted: str, package: Path) -> bool:
    path = package.joinpath(*dotted.split("."))
    return path.is_dir() or path.with_suffix(".py").exists()


def imported(tree: ast.AST, module: str, is_package: bool, package: Path) -> list[tuple[int, str]]:
    """(line, examsys module imported) for every import anywhere in the file."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = ["examsys", *([] if module == "__init__" else module.split("."))]
                if not is_package:
                    parts = parts[:-1]
                parts = parts[:len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                inner = candidate.removeprefix("examsys.")
                found.append((node.lineno, candidate if candidate.startswith("examsys.") and _exists(inner, package) else base))
    return sorted({(line, name.removeprefix("examsys.") or "__init__") for line, name in found
                   if name == "examsys" or name.startswith("examsys.")})


def violations(package: Path, units: dict[str, Unit]) -> list[str]:
    """One line per import against the table, and per module the table places nowhere."""
    allowed = reach(units)
    problems = []
    for path in sorted(package.rglob("*.py")):
        module = module_name(path, package)
        source = unit_of(module, units)
        where = path.relative_to(package.parent)
        if source is None:
            problems.append(f"{where}: module {module} is in no unit of the layer table (docs/development.md): add it to a row")
            continue
        for line, target_module in imported(ast.parse(path.read_text(encoding="utf-8")), module, path.name == "__init__.py", package):
            target = unit_of(target_module, units)
            if target is None or target == source or target in allowed[source]:
                continue
            rule = ", ".join(units[source].may_import) or "nothing of examsys"
            problems.append(f"{where}:{line}: {module} ({source}) imports {target_module} ({target}); "
                            f"the rule (docs/development.md line {units[source].line}): {source} may import {rule}")
    return problems


def test_every_import_keeps_to_the_layer_table():
    problems = violations(PACKAGE, read_table(DOC.read_text(encoding="utf-8")))
    assert not problems, "imports against the layer table:\n" + "\n".join(problems)


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """The package's Python files, copied, to add a forbidden import to."""
    copy = tmp_path / "examsys"
    shutil.copytree(PACKAGE, copy, ignore=lambda folder, names: [n for n in names
                                                                 if not n.endswith(".py") and not (Path(folder) / n).is_dir()])
    return copy


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_a_function_level_import_against_the_table_is_named_with_its_file_line_and_rule(tree_copy: Path):
    units = read_table(DOC.read_text(encoding="utf-8"))
    permissions = tree_copy / "auth" / "permissions.py"
    line = _line_count(permissions) + 3
    with permissions.open("a", encoding="utf-8") as out:
        out.write("\n\ndef _sneaky():\n    from examsys.credentials import services  # noqa: F401\n")
    problems = violations(tree_copy, units)
    assert problems == [f"examsys/auth/permissions.py:{line + 1}: auth.permissions (permissions) imports credentials.services "
                        f"(credentials); the rule (docs/development.md line {units['permissions'].line}): "
                        f"permissions may import {', '.join(units['permissions'].may_import)}"]


def test_a_module_level_import_reaching_up_fails_too(tree_copy: Path):
    units = read_table(DOC.read_text(encoding="utf-8"))
    writer = tree_copy / "audit" / "writer.py"
    writer.write_text("from examsys.auth.models import User  # noqa: F401\n" + writer.read_text(encoding="utf-8"), encoding="utf-8")
    problems = violations(tree_copy, units)
    assert len(problems) == 1 and problems[0].startswith("examsys/audit/writer.py:1: audit.writer (audit writer) imports auth.models (permissions)")


def test_a_new_package_must_find_its_row(tree_copy: Path):
    (tree_copy / "newthing").mkdir()
    (tree_copy / "newthing" / "__init__.py").write_text('"""A package no row names."""\n', encoding="utf-8")
    problems = violations(tree_copy, read_table(DOC.read_text(encoding="utf-8")))
    assert problems == ["examsys/newthing/__init__.py: module newthing is in no unit of the layer table (docs/development.md): add it to a row"]


def test_a_cycle_in_the_table_is_refused():
    units = {"a": Unit("a", ("a",), ("b",), 1), "b": Unit("b", ("b",), ("a",), 2)}
    with pytest.raises(AssertionError, match="cycle: a -> b -> a"):
        reach(units)
