"""Use cases of the organisation tree. Every change is scoped to the actor's subtree and audited."""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from examsys import mongolian
from examsys.audit.writer import record
from examsys.auth.models import Role, User
from examsys.auth.permissions import Actor, can, grant_roots, is_system, require_actor, require_any_scope, visible_org
from examsys.errors import InvalidState, ValidationFailed
from examsys.imports.tabular import Column, RowError, Table
from examsys.orgs.models import ALLOWED_PARENTS, Organisation, OrgKind

CODE_RE = re.compile(r"^[0-9A-Z][0-9A-Z-]{1,31}$")
DIVISION_RE = re.compile(r"^\d{6}$")

# Roles that may read the tree of their subtree; only system administrators change it.
READERS = (Role.SYSADMIN, Role.EXAM_ADMIN, Role.HR_ADMIN, Role.REVIEWER, Role.AUDITOR)
EDITORS = Role.SYSADMIN


def snapshot(org: Organisation) -> dict[str, object]:
    return {"code": org.code, "name": org.name, "name_mn": org.name_mn, "kind": org.kind.value, "division_code": org.division_code,
            "parent_id": org.parent_id, "active": org.active}


def division_problem(kind: OrgKind, code: str, parent: Organisation | None) -> str | None:
    """What is wrong with `code` as the division code of a `kind` node under `parent`, or None."""
    if not DIVISION_RE.match(code):
        return _("A division code has six digits.")
    if kind is OrgKind.REGION and not code.endswith("0000"):
        return _("A region's division code ends in 0000.")
    if kind is OrgKind.LEAGUE:
        if not code.endswith("00") or code.endswith("0000"):
            return _("A league or city's division code ends in 00, not 0000.")
        if parent is not None and code[:2] != parent.division_code[:2]:
            return _("The code must begin with %(prefix)s, as its region's does.", prefix=parent.division_code[:2])
    if kind is OrgKind.COUNTY:
        if code.endswith("00"):
            return _("A banner or county's division code does not end in 00.")
        if parent is not None and code[:4] != parent.division_code[:4]:
            return _("The code must begin with %(prefix)s, as its league or city's does.", prefix=parent.division_code[:4])
    if kind is OrgKind.DEPARTMENT and parent is not None and code != parent.division_code:
        return _("A department carries the division code of the area it belongs to (%(code)s).", code=parent.division_code)
    return None


def parent_problem(kind: OrgKind, parent: Organisation | None) -> str | None:
    parent_kind = parent.kind if parent is not None else None
    if parent_kind not in ALLOWED_PARENTS[kind]:
        if parent is None:
            return _("A %(kind)s needs a parent node.", kind=kind.label)
        return _("A %(kind)s cannot stand under a %(parent)s.", kind=kind.label, parent=parent_kind.label)
    if parent is not None and not parent.active:
        return _("The parent node is deactivated.")
    return None


def _check_fields(session: Session, kind: OrgKind, code: str, name: str, division: str,
                  parent: Organisation | None, existing: Organisation | None = None, name_mn: str = "") -> dict[str, list[str]]:
    errors: dict[str, list[str]] = defaultdict(list)
    if not CODE_RE.match(code):
        errors["code"].append(_("Use 2 to 32 upper-case letters, digits or '-'."))
    else:
        clash = session.scalar(select(Organisation).where(Organisation.code == code))
        if clash is not None and clash is not existing:
            errors["code"].append(_("The code %(code)s is already used by %(name)s.", code=code, name=clash.name))
    if not name.strip():
        errors["name"].append(_("A name is required."))
    elif len(name) > 120:
        errors["name"].append(_("At most 120 characters."))
    problem = mongolian.problem(name_mn)
    if problem:
        errors["name_mn"].append(problem)
    problem = parent_problem(kind, parent)
    if problem:
        errors["parent_id"].append(problem)
    problem = division_problem(kind, division, parent)
    if problem:
        errors["division_code"].append(problem)
    return dict(errors)


def _division_for(kind: OrgKind, division: str, parent: Organisation | None) -> str:
    return parent.division_code if kind is OrgKind.DEPARTMENT and parent is not None and not division else division


def _set_path(org: Organisation) -> None:
    org.path = (org.parent.path if org.parent is not None else "/") + f"{org.id}/"


def create_org(session: Session, actor: Actor, *, parent_id: int | None, kind: OrgKind, code: str,
               name: str, division_code: str = "", name_mn: str = "") -> Organisation:
    """Add a node under `parent_id`. Only the command line (the SYSTEM actor) adds a region,
    since a region is where every administrator's scope starts."""
    parent = visible_org(session, actor, EDITORS, parent_id) if parent_id is not None else None
    if parent is None and not is_system(actor):
        raise ValidationFailed(_("Choose the parent node."), {"parent_id": [_("Choose the parent node.")]})
    code, name = code.strip().upper(), name.strip()
    division = _division_for(kind, division_code.strip(), parent)
    errors = _check_fields(session, kind, code, name, division, parent, name_mn=name_mn)
    if errors:
        raise ValidationFailed(_("The node was not saved; correct the marked fields."), errors)
    org = Organisation(kind=kind, code=code, name=name, name_mn=mongolian.normalise(name_mn), division_code=division, parent=parent, path="")
    session.add(org)
    session.flush()
    _set_path(org)
    record(session, actor, "org.create", "organisation", org.id, label=org.name, org=org, after=snapshot(org))
    return org


def update_org(session: Session, actor: Actor, org_id: int, *, code: str, name: str, division_code: str,
               name_mn: str | None = None) -> Organisation:
    """Rename a node or correct its codes; `name_mn` None leaves the Mongolian form as it is."""
    org = visible_org(session, actor, EDITORS, org_id)
    before = snapshot(org)
    code, name = code.strip().upper(), name.strip()
    division = _division_for(org.kind, division_code.strip(), org.parent)
    errors = _check_fields(session, org.kind, code, name, division, org.parent, existing=org, name_mn=name_mn or "")
    errors.pop("parent_id", None)  # the parent does not change here
    if errors:
        raise ValidationFailed(_("The node was not saved; correct the marked fields."), errors)
    if org.kind is not OrgKind.DEPARTMENT and division != org.division_code:
        clashes = [c.name for c in org.children if c.kind is not OrgKind.DEPARTMENT and division_problem(c.kind, c.division_code, _with_code(org, division))]
        if clashes:
            raise ValidationFailed(_("Sub-units' codes would no longer fit: %(names)s.", names="、".join(clashes)),
                                   {"division_code": [_("Change the sub-units' codes first.")]})
        session.execute(update(Organisation).where(Organisation.path.startswith(org.path), Organisation.kind == OrgKind.DEPARTMENT,
                                                   Organisation.parent_id == org.id).values(division_code=division))
    org.code, org.name, org.division_code = code, name, division
    if name_mn is not None:
        org.name_mn = mongolian.normalise(name_mn)
    session.flush()
    record(session, actor, "org.update", "organisation", org.id, label=org.name, org=org, before=before, after=snapshot(org))
    return org


def _with_code(org: Organisation, division: str) -> Organisation:
    return Organisation(kind=org.kind, code=org.code, name=org.name, division_code=division, path=org.path)


def move_org(session: Session, actor: User, org_id: int, new_parent_id: int | None, division_code: str = "") -> Organisation:
    """Put a node and its whole subtree under another parent; the actor must administer both places."""
    org = visible_org(session, actor, EDITORS, org_id)
    new_parent = visible_org(session, actor, EDITORS, new_parent_id)
    if org.parent_id is None:
        raise InvalidState(_("The region itself cannot be moved."))
    if org.contains(new_parent):
        raise ValidationFailed(_("A node cannot move into its own subtree."), {"parent_id": [_("A node cannot move into its own subtree.")]})
    if new_parent.id == org.parent_id:
        raise ValidationFailed(_("The node already stands there."), {"parent_id": [_("The node already stands there.")]})
    problem = parent_problem(org.kind, new_parent)
    division = _division_for(org.kind, division_code.strip(), new_parent) or org.division_code
    if org.kind is OrgKind.DEPARTMENT:
        division = new_parent.division_code
    problem_division = division_problem(org.kind, division, new_parent)
    errors = {k: [v] for k, v in (("parent_id", problem), ("division_code", problem_division)) if v}
    if not errors and org.kind is not OrgKind.DEPARTMENT and any(c.kind is not OrgKind.DEPARTMENT for c in org.children) and division != org.division_code:
        errors["division_code"] = [_("Nodes with sub-areas keep their division code when they move.")]
    if errors:
        raise ValidationFailed(_("The node was not moved."), errors)
    before = snapshot(org)
    old_path = org.path
    org.parent = new_parent
    org.division_code = division
    session.flush()
    _set_path(org)
    new_path = org.path
    for descendant in session.scalars(select(Organisation).where(Organisation.path.startswith(old_path), Organisation.id != org.id)):
        descendant.path = new_path + descendant.path[len(old_path):]
        if descendant.kind is OrgKind.DEPARTMENT and descendant.parent_id == org.id:
            descendant.division_code = division
    session.flush()
    record(session, actor, "org.move", "organisation", org.id, label=org.name, org=org, before=before | {"path": old_path},
           after=snapshot(org) | {"path": new_path})
    return org


def set_org_active(session: Session, actor: User, org_id: int, active: bool) -> Organisation:
    """Deactivate (or reactivate) a node. Nodes are never deleted: people and history refer to them."""
    org = visible_org(session, actor, EDITORS, org_id)
    if org.active == active:
        raise InvalidState(_("The node is already active.") if active else _("The node is already deactivated."))
    if not active:
        if any(child.active for child in org.children):
            raise InvalidState(_("Deactivate its active sub-units first."))
        if org.parent_id is None:
            raise InvalidState(_("The region itself cannot be deactivated."))
    elif org.parent is not None and not org.parent.active:
        raise InvalidState(_("Reactivate the parent node first."))
    before = snapshot(org)
    org.active = active
    session.flush()
    record(session, actor, "org.activate" if active else "org.deactivate", "organisation", org.id, label=org.name, org=org,
           before=before, after=snapshot(org))
    return org


@dataclass
class TreeNode:
    org: Organisation
    children: list[TreeNode] = field(default_factory=list)


def subtree(session: Session, actor: User, include_inactive: bool = True) -> list[TreeNode]:
    """The nodes the actor may read, as trees under each of the actor's roots."""
    roots = require_any_scope(session, actor, READERS)
    nodes_by_parent: dict[int | None, list[Organisation]] = defaultdict(list)
    for root in roots:
        query = select(Organisation).where(Organisation.path.startswith(root.path))
        if not include_inactive:
            query = query.where(Organisation.active.is_(True))
        for org in session.scalars(query):
            nodes_by_parent[org.parent_id].append(org)

    def build(org: Organisation) -> TreeNode:
        kids = sorted(nodes_by_parent.get(org.id, []), key=lambda o: (o.kind is OrgKind.DEPARTMENT, o.code))
        return TreeNode(org, [build(k) for k in kids])

    return [build(root) for root in roots]


def flatten(trees: list[TreeNode]) -> list[Organisation]:
    out: list[Organisation] = []
    stack = list(reversed(trees))
    while stack:
        node = stack.pop()
        out.append(node.org)
        stack.extend(reversed(node.children))
    return out


def choices(session: Session, actor: User, roles: Role | tuple[Role, ...], *, kinds: tuple[OrgKind, ...] | None = None) -> list[Organisation]:
    """Active nodes the actor holds `roles` on, in tree order, for drop-down lists."""
    result = []
    for root in grant_roots(actor, roles):
        query = select(Organisation).where(Organisation.path.startswith(root.path), Organisation.active.is_(True))
        nodes = list(session.scalars(query))
        by_parent: dict[int | None, list[Organisation]] = defaultdict(list)
        for n in nodes:
            by_parent[n.parent_id].append(n)
        stack = [root]
        while stack:
            node = stack.pop()
            if node.active and (kinds is None or node.kind in kinds):
                result.append(node)
            stack.extend(sorted(by_parent.get(node.id, []), key=lambda o: (o.kind is OrgKind.DEPARTMENT, o.code), reverse=True))
    return result


def require_editor(session: Session, actor: User) -> list[Organisation]:
    """Refuse anyone who may not change the tree anywhere."""
    return require_any_scope(session, actor, EDITORS)


def get_org(session: Session, actor: User, org_id: int) -> Organisation:
    return visible_org(session, actor, READERS, org_id)


def may_edit(actor: User, org: Organisation) -> bool:
    return can(actor, EDITORS, org)


def count_in_subtree(session: Session, org: Organisation) -> int:
    return session.scalar(select(func.count()).select_from(Organisation).where(Organisation.path.startswith(org.path))) or 0


# ---- import -------------------------------------------------------------------------------------

IMPORT_COLUMNS = (
    Column("code", "代码", ("编码", "单位代码")),
    Column("name", "名称", ("单位名称",)),
    Column("kind", "类型", ("层级",)),
    Column("parent_code", "上级代码", ("parent", "上级"), required=False),
    Column("division_code", "区划代码", ("division",), required=False),
    Column("issuer", "发证机关", ("issuing authority", "is_issuer"), required=False),  # 是 / 否; empty leaves it as it is
    Column("number_prefix", "证号前缀", ("number prefix",), required=False),
    Column("name_mn", "蒙古文名称", ("蒙文名称", "mongolian name"), required=False),  # absent: the Mongolian forms stay as they are
)
YES_NO = {"是": True, "yes": True, "y": True, "true": True, "1": True, "否": False, "no": False, "n": False, "false": False, "0": False}

KIND_WORDS = {
    "自治区": OrgKind.REGION, "region": OrgKind.REGION, "省": OrgKind.REGION,
    "盟市": OrgKind.LEAGUE, "盟": OrgKind.LEAGUE, "市": OrgKind.LEAGUE, "league": OrgKind.LEAGUE,
    "旗县区": OrgKind.COUNTY, "旗县": OrgKind.COUNTY, "旗": OrgKind.COUNTY, "县": OrgKind.COUNTY, "区": OrgKind.COUNTY, "county": OrgKind.COUNTY,
    "部门": OrgKind.DEPARTMENT, "执法部门": OrgKind.DEPARTMENT, "department": OrgKind.DEPARTMENT,
}


@dataclass(frozen=True)
class _Draft:
    """A node the file creates, standing in for its parent while later rows are checked."""

    kind: OrgKind
    division_code: str
    anchor: Organisation | None  # the nearest node already in the database above it
    active: bool = True


@dataclass
class ImportPlan:
    create: list[dict[str, str]] = field(default_factory=list)
    update: list[tuple[Organisation, dict[str, str]]] = field(default_factory=list)
    unchanged: list[Organisation] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def plan_import(session: Session, actor: Actor, table: Table) -> ImportPlan:
    """Check every row of an organisation table against the database and the actor's scope.

    Rows may name parents that appear later in the file. Nothing is written."""
    require_actor(actor)
    plan = ImportPlan(errors=list(table.errors))
    if plan.errors:
        return plan
    headers = {c.key: c.header for c in IMPORT_COLUMNS}
    existing = {o.code: o for o in session.scalars(select(Organisation))}
    in_file: dict[str, tuple[int, dict[str, str]]] = {}
    for number, row in table.rows:
        code = row["code"].strip().upper()
        if code in in_file:
            plan.errors.append(RowError(number, headers["code"], _("The code %(code)s also appears in row %(row)d.", code=code, row=in_file[code][0])))
        in_file[code] = (number, row)

    def err(number: int, key: str, message: str) -> None:
        plan.errors.append(RowError(number, headers[key], message))

    # A row whose parent is created by the file is checked after that parent.
    resolved: dict[str, Organisation | _Draft] = {}
    prefixes: dict[str, int] = {}  # prefixes the file gives, to the row giving them
    pending = dict(in_file)
    progress = True
    while pending and progress:
        progress = False
        for code, (number, row) in list(pending.items()):
            parent_code = row.get("parent_code", "").strip().upper()
            if parent_code and parent_code in pending and parent_code != code:
                continue
            progress = True
            del pending[code]
            kind = KIND_WORDS.get(row["kind"].strip().lower())
            if kind is None:
                err(number, "kind", _("Unknown type %(value)s; use 自治区, 盟市, 旗县区 or 部门.", value=row["kind"]))
                continue
            parent = (resolved.get(parent_code) or existing.get(parent_code)) if parent_code else None
            if parent_code and parent is None:
                err(number, "parent_code", _("No node has the code %(code)s.", code=parent_code))
                continue
            name = row["name"].strip()
            division = _division_for(kind, row.get("division_code", "").strip(), parent)  # type: ignore[arg-type]
            current = existing.get(code)
            anchor = parent.anchor if isinstance(parent, _Draft) else parent
            if current is not None:
                if not can(actor, EDITORS, current):
                    err(number, "code", _("%(name)s lies outside your organisations.", name=current.name))
                    continue
                if current.kind is not kind:
                    err(number, "kind", _("%(code)s is a %(kind)s; the type of a node cannot change.", code=code, kind=current.kind.label))
                    continue
                if (current.parent.code if current.parent else "") != parent_code:
                    err(number, "parent_code", _("%(code)s stands under another node; move it on its page, not by import.", code=code))
                    continue
            elif not (is_system(actor) or (anchor is not None and can(actor, EDITORS, anchor))):
                err(number, "parent_code", _("You may only add nodes under your own organisations."))
                continue
            name_mn = mongolian.normalise(row["name_mn"]) if "name_mn" in row else None
            field_errors = _check_fields(session, kind, code, name, division, parent, existing=current,  # type: ignore[arg-type]
                                         name_mn=name_mn or "")
            for key, messages in field_errors.items():
                for message in messages:
                    err(number, {"parent_id": "parent_code"}.get(key, key), message)
            if field_errors:
                continue
            clean = {"code": code, "name": name, "kind": kind.value, "parent_code": parent_code, "division_code": division, "row": str(number)}
            if name_mn is not None:
                clean["name_mn"] = name_mn
            designation = _plan_designation(session, actor, row, kind, division, current, anchor, prefixes, number, err)
            if designation is None:
                continue
            clean.update(designation)
            if current is None:
                plan.create.append(clean)
                resolved[code] = _Draft(kind, division, anchor)
            elif (current.name != name or current.division_code != division or designation["issuer"]
                  or (name_mn is not None and current.name_mn != name_mn)):
                plan.update.append((current, clean))
                resolved[code] = current
            else:
                plan.unchanged.append(current)
                resolved[code] = current
    for code, (number, _row) in pending.items():
        err(number, "parent_code", _("The parents of %(code)s form a loop.", code=code))
    plan.errors.sort(key=lambda e: (e.row, e.column))
    return plan


def apply_import(session: Session, actor: Actor, plan: ImportPlan) -> tuple[int, int, int]:
    """Write a clean plan, parents before children: (created, updated, unchanged)."""
    require_actor(actor)
    if plan.errors:
        raise ValidationFailed(_("The file has errors; nothing was imported."))
    from examsys.orgs.issuers import designate_issuer, withdraw_issuer

    designations: list[tuple[Organisation, dict[str, str]]] = []
    for current, row in plan.update:
        if (current.name != row["name"] or current.division_code != row["division_code"]
                or ("name_mn" in row and current.name_mn != row["name_mn"])):
            update_org(session, actor, current.id, code=row["code"], name=row["name"], division_code=row["division_code"],
                       name_mn=row.get("name_mn"))
        designations.append((current, row))
    for row in plan.create:
        parent = session.scalar(select(Organisation).where(Organisation.code == row["parent_code"])) if row["parent_code"] else None
        org = create_org(session, actor, parent_id=parent.id if parent else None, kind=OrgKind(row["kind"]),
                         code=row["code"], name=row["name"], division_code=row["division_code"], name_mn=row.get("name_mn", ""))
        designations.append((org, row))
    for org, row in designations:
        if row["issuer"] == "designate":
            designate_issuer(session, actor, org.id, row["number_prefix"])
        elif row["issuer"] == "withdraw":
            withdraw_issuer(session, actor, org.id, _("Withdrawn by the import of the organisation tree."))
    return len(plan.create), len(plan.update), len(plan.unchanged)


def _plan_designation(session: Session, actor: Actor, row: dict[str, str], kind: OrgKind, division: str,
                      current: Organisation | None, anchor: Organisation | None, prefixes: dict[str, int], number: int,
                      err: Callable[[int, str, str], None]) -> dict[str, str] | None:
    """What the 发证机关 / 证号前缀 cells of a row change: {"issuer": "designate" | "withdraw" | "", "number_prefix": ...},
    or None after reporting an error. Checked as the page and the command line check a designation."""
    from examsys.orgs.issuers import designation_problem, may_designate, prefix_problem

    word = row.get("issuer", "").strip().lower()
    prefix = row.get("number_prefix", "").strip()
    if word and word not in YES_NO:
        err(number, "issuer", _("Write 是 or 否 (or leave it empty)."))
        return None
    wanted = YES_NO.get(word)
    is_issuer = current is not None and current.is_issuer
    if wanted is None or wanted == is_issuer:
        if prefix and current is not None and (current.number_prefix or "") != prefix:
            err(number, "number_prefix", _("The prefix changes only with a designation; a prefix once given never changes."))
            return None
        return {"issuer": "", "number_prefix": ""}
    where = current or anchor
    if where is None or not may_designate(session, actor, where):
        err(number, "issuer", _("Only the region's system administrator designates issuing authorities."))
        return None
    if not wanted:
        return {"issuer": "withdraw", "number_prefix": ""}
    probe = current or Organisation(kind=kind, code="", name=row["name"].strip(), division_code=division, path="", active=True)
    prefix = prefix or probe.number_prefix or division
    problem = designation_problem(probe)
    if problem:
        err(number, "issuer", problem)
        return None
    problem = prefix_problem(session, probe, prefix)
    if problem is None and prefix in prefixes:
        problem = _("The prefix %(prefix)s is also given in row %(row)d.", prefix=prefix, row=prefixes[prefix])
    if problem:
        err(number, "number_prefix", problem)
        return None
    prefixes[prefix] = number
    return {"issuer": "designate", "number_prefix": prefix}


def orgs_of_paths(session: Session, paths: Iterable[str]) -> dict[str, Organisation]:
    """The organisation each stored path ends in ("/1/4/9/" -> node 9), in one query: for counts grouped
    by a path column (campaign items, reviews), to name each group."""
    by_id = {int(path.strip("/").split("/")[-1]): path for path in paths}
    if not by_id:
        return {}
    return {by_id[o.id]: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(list(by_id))))}
