"""Bulk import of the register from XLSX or CSV (Chinese headers), all or nothing: the whole file is
checked first, any error means nothing is written, a clean file is previewed, then confirmed."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from examsys import mongolian
from examsys.audit.services import AuditItem, record_many
from examsys.auth.permissions import Actor, can, require_actor
from examsys.domains.models import EnforcementDomain
from examsys.errors import ValidationFailed
from examsys.imports.tabular import Column, RowError, Table
from examsys.orgs.models import Organisation
from examsys.personnel import idnumber
from examsys.personnel.models import EmploymentStatus, Person, PersonnelKind, StaffingKind
from examsys.personnel.services import HR, _apply, changed, check_values, snapshot
from examsys.personnel.standing import StandingChange, standing_changed

COLUMNS = (
    Column("id_number", "身份证号码", ("身份证号", "公民身份号码")),
    Column("name", "姓名"),
    Column("org_code", "单位代码", (), required=False),
    Column("kind", "人员类别"),
    Column("staffing_kind", "编制类型", ("编制",)),
    Column("employment_status", "在岗状态", ("状态",), required=False),
    Column("post", "岗位", (), required=False),
    Column("rank", "职级", ("职务职级",), required=False),
    Column("domains", "执法类别", (), required=False),
    Column("legal_qualification", "法律职业资格证书编号", ("法律职业资格",), required=False),
    Column("training_hours", "年度培训学时", ("培训学时",), required=False),
    Column("phone", "联系电话", ("电话",), required=False),
    Column("duties", "工作职责", ("职责",), required=False),
    Column("hiring_conditions", "聘用条件", (), required=False),
    Column("directed_by", "管理指导", ("指导单位", "指导人员"), required=False),
    Column("name_mn", "蒙古文姓名", ("蒙文姓名", "mongolian name"), required=False),  # absent: the Mongolian names stay as they are
)
HEADER = {c.key: c.header for c in COLUMNS}
KINDS = {"执法人员": PersonnelKind.OFFICER, "行政执法人员": PersonnelKind.OFFICER, "officer": PersonnelKind.OFFICER,
         "执法辅助人员": PersonnelKind.AUXILIARY, "辅助人员": PersonnelKind.AUXILIARY, "auxiliary": PersonnelKind.AUXILIARY}
KIND_WORDS = {PersonnelKind.OFFICER: "执法人员", PersonnelKind.AUXILIARY: "执法辅助人员"}
STAFFING = {"公务员": StaffingKind.CIVIL_SERVANT, "参公": StaffingKind.CIVIL_SERVANT_LIKE, "参照公务员法管理": StaffingKind.CIVIL_SERVANT_LIKE,
            "事业编": StaffingKind.PUBLIC_INSTITUTION, "事业编制": StaffingKind.PUBLIC_INSTITUTION, "合同": StaffingKind.CONTRACT,
            "合同制": StaffingKind.CONTRACT, "劳务派遣": StaffingKind.DISPATCHED, **{s.value: s for s in StaffingKind}}
STAFFING_WORDS = {StaffingKind.CIVIL_SERVANT: "公务员", StaffingKind.CIVIL_SERVANT_LIKE: "参公", StaffingKind.PUBLIC_INSTITUTION: "事业编",
                  StaffingKind.CONTRACT: "合同", StaffingKind.DISPATCHED: "劳务派遣"}
STATUSES = {"在岗": EmploymentStatus.EMPLOYED, "调离": EmploymentStatus.TRANSFERRED, "退休": EmploymentStatus.RETIRED,
            "辞职": EmploymentStatus.RESIGNED, "辞退": EmploymentStatus.DISMISSED, "开除": EmploymentStatus.DISMISSED,
            "辞退·开除": EmploymentStatus.DISMISSED, "死亡": EmploymentStatus.DECEASED, **{s.value: s for s in EmploymentStatus}}
STATUS_WORDS = {EmploymentStatus.EMPLOYED: "在岗", EmploymentStatus.TRANSFERRED: "调离", EmploymentStatus.RETIRED: "退休",
                EmploymentStatus.RESIGNED: "辞职", EmploymentStatus.DISMISSED: "辞退·开除", EmploymentStatus.DECEASED: "死亡"}
FIELD_TO_COLUMN = {"org_id": "org_code", "domain_ids": "domains"}


@dataclass
class Planned:
    row: int
    values: dict[str, Any]
    person: Person | None = None  # None: to create
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


@dataclass
class PersonImportPlan:
    create: list[Planned] = field(default_factory=list)
    update: list[Planned] = field(default_factory=list)
    unchanged: list[Planned] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"created": len(self.create), "updated": len(self.update), "unchanged": len(self.unchanged)}


def _existing(session: Session, numbers: list[str], chunk: int = 2000) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for start in range(0, len(numbers), chunk):
        query = (select(Person).where(Person.id_number.in_(numbers[start:start + chunk]))
                 .options(selectinload(Person.domains), selectinload(Person.org)))
        found.update((p.id_number, p) for p in session.scalars(query))
    return found


def plan_import(session: Session, actor: Actor, table: Table, root: Organisation) -> PersonImportPlan:
    """Check every row against the rules, the database and the scope (`root`'s subtree, and the
    actor's). Nothing is written."""
    require_actor(actor)
    plan = PersonImportPlan(errors=list(table.errors))
    if plan.errors:
        return plan
    orgs = {o.code: o for o in session.scalars(select(Organisation).where(Organisation.path.startswith(root.path)))}
    domains_by_key: dict[str, EnforcementDomain] = {}
    domain_codes: dict[int, str] = {}
    for domain in session.scalars(select(EnforcementDomain)):
        domain_codes[domain.id] = domain.code
        domains_by_key[domain.code.lower()] = domain
        domains_by_key[domain.name] = domain
    numbers = [idnumber.normalise(row["id_number"]) for _number, row in table.rows]
    existing = _existing(session, numbers)
    seen: dict[str, int] = {}

    def err(row: int, key: str, message: str) -> None:
        plan.errors.append(RowError(row, HEADER.get(key, key), message))

    for number, row in table.rows:
        id_no = idnumber.normalise(row["id_number"])
        if id_no in seen:
            err(number, "id_number", _("The same ID number is in row %(row)d.", row=seen[id_no]))
            continue
        seen[id_no] = number
        row_ok = True
        org_code = row.get("org_code", "").strip().upper()
        org = orgs.get(org_code) if org_code else root
        if org is None:
            err(number, "org_code", _("No organisation %(code)s under %(root)s.", code=org_code, root=root.name))
            row_ok = False
        elif not can(actor, HR, org):
            err(number, "org_code", _("%(name)s lies outside your organisations.", name=org.name))
            row_ok = False
        elif not org.active:
            err(number, "org_code", _("%(name)s is deactivated.", name=org.name))
            row_ok = False
        kind = KINDS.get(row["kind"].strip())
        if kind is None:
            err(number, "kind", _("Write 执法人员 or 执法辅助人员."))
            row_ok = False
        staffing = STAFFING.get(row["staffing_kind"].strip())
        if staffing is None:
            err(number, "staffing_kind", _("Write 公务员, 参公, 事业编, 合同 or 劳务派遣."))
            row_ok = False
        status_text = row.get("employment_status", "").strip()
        status = STATUSES.get(status_text) if status_text else EmploymentStatus.EMPLOYED
        if status is None:
            err(number, "employment_status", _("Write 在岗, 调离, 退休, 辞职, 辞退, 开除 or 死亡."))
            row_ok = False
        domain_ids = []
        for word in (w.strip() for w in row.get("domains", "").replace("，", "、").replace(",", "、").split("、") if w.strip()):
            domain = domains_by_key.get(word) or domains_by_key.get(word.lower())
            if domain is None:
                err(number, "domains", _("Unknown enforcement domain %(value)s.", value=word))
                row_ok = False
            else:
                domain_ids.append(domain.id)
        hours_text = row.get("training_hours", "").strip()
        try:
            hours: Any = int(float(hours_text)) if hours_text else 0
        except ValueError:
            hours = hours_text
        values: dict[str, Any] = {
            "id_number": id_no, "name": row["name"].strip(), "org_id": org.id if org else None, "kind": kind,
            "staffing_kind": staffing, "employment_status": status, "post": row.get("post", ""), "rank": row.get("rank", ""),
            "legal_qualification": row.get("legal_qualification", ""), "training_hours": hours, "phone": row.get("phone", ""),
            "duties": row.get("duties", ""), "hiring_conditions": row.get("hiring_conditions", ""),
            "directed_by": row.get("directed_by", ""), "domain_ids": sorted(set(domain_ids)),
        }
        if "name_mn" in row:
            values["name_mn"] = row["name_mn"]
        person = existing.get(id_no)
        if person is not None and not can(actor, HR, person.org):
            err(number, "id_number", _("This person is on the register of %(name)s, outside your organisations.", name=person.org.name))
            continue
        for key, messages in check_values(session, values, existing=person, check_duplicate=False).items():
            for message in messages:
                err(number, FIELD_TO_COLUMN.get(key, key), message)
                row_ok = False
        if not row_ok:
            continue
        planned = Planned(number, values, person)
        if person is None:
            plan.create.append(planned)
            continue
        current = snapshot(person)
        wanted = dict(current)
        wanted.update({k: (values[k].strip() if isinstance(values[k], str) else values[k]) for k in
                       ("name", "post", "rank", "phone", "legal_qualification", "training_hours", "duties", "hiring_conditions", "directed_by")})
        if "name_mn" in values:
            wanted["name_mn"] = mongolian.normalise(values["name_mn"])
        wanted.update(kind=kind.value, staffing_kind=staffing.value, employment_status=status.value, org=org.code,
                      domains=sorted(domain_codes[i] for i in set(domain_ids)))
        current["domains"] = sorted(current["domains"])
        planned.before, planned.after = changed(current, wanted)
        (plan.update if planned.after else plan.unchanged).append(planned)
    plan.errors.sort(key=lambda e: (e.row, e.column))
    return plan


def apply_import(session: Session, actor: Actor, plan: PersonImportPlan, source: str = "") -> dict[str, int]:
    require_actor(actor)
    if plan.errors:
        raise ValidationFailed(_("The file has errors; nothing was imported."))
    orgs = {o.id: o for o in session.scalars(select(Organisation))}
    created: list[Person] = []
    for planned in plan.create:
        values = planned.values
        person = Person(id_number=values["id_number"], sex=idnumber.sex_of(values["id_number"]), org=orgs[values["org_id"]],
                        name=values["name"], kind=values["kind"], staffing_kind=values["staffing_kind"],
                        employment_status=values["employment_status"])
        _apply(person, values, session)
        created.append(person)
    session.add_all(created)
    standing: list[tuple[Person, StandingChange, str]] = []  # acted on once the updates are on the record
    by_import = _("by the import of the register")
    for planned in plan.update:
        person = planned.person
        assert person is not None
        values = planned.values
        if person.kind is PersonnelKind.OFFICER and values["kind"] is PersonnelKind.AUXILIARY:
            standing.append((person, StandingChange.AUXILIARY, by_import))
        _apply(person, values, session)
        person.kind, person.staffing_kind = values["kind"], values["staffing_kind"]
        if person.org_id != values["org_id"]:
            standing.append((person, StandingChange.TRANSFERRED, _("from %(old)s to %(new)s: %(reason)s", old=person.org.name,
                                                                   new=orgs[values["org_id"]].name, reason=by_import)))
            person.org = orgs[values["org_id"]]
        if person.employment_status is not values["employment_status"]:
            person.employment_status = values["employment_status"]
            if values["employment_status"] is not EmploymentStatus.EMPLOYED:
                standing.append((person, StandingChange.LEFT_POST, f"{values['employment_status'].label}: {by_import}"))
    session.flush()
    note = {"source": source} if source else {}
    items = [AuditItem("person.create", "person", p.id, p.name, p.org, None, snapshot(p) | note) for p in created]
    items += [AuditItem("person.update", "person", pl.person.id, pl.person.name, pl.person.org, pl.before, pl.after | note)
              for pl in plan.update if pl.person is not None]
    if items:
        record_many(session, actor, items)
    for person, change, reason in standing:
        standing_changed(session, actor, person, change, reason)
    return plan.counts


def export_rows(people: list[Person]) -> list[dict[str, str]]:
    return [{"id_number": p.id_number, "name": p.name, "name_mn": p.name_mn, "org_code": p.org.code, "kind": KIND_WORDS[p.kind],
             "staffing_kind": STAFFING_WORDS[p.staffing_kind], "employment_status": STATUS_WORDS[p.employment_status],
             "post": p.post, "rank": p.rank, "domains": "、".join(d.code for d in p.domains), "legal_qualification": p.legal_qualification,
             "training_hours": str(p.training_hours), "phone": p.phone, "duties": p.duties, "hiring_conditions": p.hiring_conditions,
             "directed_by": p.directed_by} for p in people]
