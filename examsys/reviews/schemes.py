"""Indicator schemes: weighted indicators summing to 100 with grade bands, defined per organisation and
inherited down the tree. A version a review has used is never changed; saving makes the next version."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from examsys.audit.services import record
from examsys.auth.models import Role
from examsys.auth.permissions import Actor, visible_org
from examsys.errors import ValidationFailed
from examsys.orgs.models import Organisation
from examsys.reviews.models import Indicator, Review, ReviewScheme

HR = Role.HR_ADMIN
READERS = (Role.HR_ADMIN, Role.REVIEWER, Role.AUDITOR)
CODE = re.compile(r"^[1-9][0-9]?(\.[1-9][0-9]?)?$")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    name: str
    points: str
    guidance: str = ""


# The default scheme (common standards 30, sector standards 50, external evaluation 20).
DEFAULT_ROWS = (
    IndicatorRow("1", "通用标准", "30", "政治素质、依法履职、纪律作风等通用要求。"),
    IndicatorRow("1.1", "依法履职", "10", "执法主体、程序、文书是否合法规范。"),
    IndicatorRow("1.2", "培训学时", "10", "年度执法培训不少于规定学时；按完成比例计分。"),
    IndicatorRow("1.3", "纪律作风", "10", "廉洁执法、文明执法，无违纪违法情形。"),
    IndicatorRow("2", "行业标准", "50", "本系统、本领域执法工作要求。"),
    IndicatorRow("2.1", "办案数量", "15", "本期承办行政执法案件数量，对照岗位任务计分。"),
    IndicatorRow("2.2", "案卷质量", "20", "案卷评查结果：优秀满分，合格酌减，不合格不得分。"),
    IndicatorRow("2.3", "检查任务", "15", "“双随机、一公开”等检查任务完成情况。"),
    IndicatorRow("3", "外部评价", "20", "社会评价和监督情况。"),
    IndicatorRow("3.1", "投诉举报", "10", "经查实的投诉每件扣 5 分，扣完为止。"),
    IndicatorRow("3.2", "满意度", "10", "行政相对人及群众满意度评价。"),
)
DEFAULT_BANDS = ("90", "75", "60")


def number(value: Decimal) -> str:
    """A score or weight as people write it: 10, 7.5 (never 10.0 or 1E+1)."""
    return format(value.normalize(), "f")


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() and value == value.quantize(Decimal("0.1")) else None


def check_definition(rows: list[IndicatorRow], bands: tuple[str, str, str]) -> tuple[list[tuple[IndicatorRow, Decimal]], tuple[Decimal, ...]]:
    """Check a scheme as entered; every problem is named at its row or band. Returns the rows with
    their points as numbers, and the bands."""
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    rows = [r for r in rows if r.code.strip() or r.name.strip() or r.points.strip()]
    if not rows:
        add("indicators", _("Add at least one indicator."))
    checked: list[tuple[IndicatorRow, Decimal]] = []
    codes: set[str] = set()
    for n, row in enumerate(rows, start=1):
        code = row.code.strip()
        if not CODE.match(code):
            add(f"row-{n}", _("Row %(n)d: the code must look like 1 or 1.2.", n=n))
        elif code in codes:
            add(f"row-{n}", _("Row %(n)d: code %(code)s appears twice.", n=n, code=code))
        codes.add(code)
        if not row.name.strip():
            add(f"row-{n}", _("Row %(n)d: name the indicator.", n=n))
        points = _decimal(row.points)
        if points is None or points <= 0:
            add(f"row-{n}", _("Row %(n)d: points must be a positive number with at most one decimal.", n=n))
            points = Decimal(0)
        checked.append((IndicatorRow(code, row.name.strip(), row.points.strip(), row.guidance.strip()), points))
    top = [(r, p) for r, p in checked if "." not in r.code]
    if checked and sum((p for _r, p in top), Decimal(0)) != HUNDRED:
        add("indicators", _("The weights of the top-level indicators must sum to 100; they sum to %(sum)s.",
                            sum=f"{number(sum((p for _r, p in top), Decimal(0)))}"))
    for parent, points in top:
        children = [(r, p) for r, p in checked if r.code.startswith(parent.code + ".")]
        if children and sum((p for _r, p in children), Decimal(0)) != points:
            add("indicators", _("The sub-indicators of %(code)s must sum to its weight %(points)s; they sum to %(sum)s.",
                                code=parent.code, points=f"{number(points)}", sum=f"{number(sum((p for _r, p in children), Decimal(0)))}"))
    for row, _p in checked:
        if "." in row.code and row.code.split(".")[0] not in codes:
            add("indicators", _("Sub-indicator %(code)s has no indicator %(parent)s above it.", code=row.code, parent=row.code.split(".")[0]))
    values = [_decimal(b) for b in bands]
    for key, value in zip(("good_from", "fairly_good_from", "average_from"), values, strict=True):
        if value is None or not (0 < value <= HUNDRED):
            add(key, _("Give a total between 0 and 100."))
    if all(v is not None for v in values) and not (values[0] > values[1] > values[2]):  # type: ignore[operator]
        add("good_from", _("The bands must fall: 好 above 较好 above 一般."))
    if errors:
        raise ValidationFailed(_("The scheme was not saved."), errors)
    return checked, tuple(v for v in values if v is not None)


def effective_scheme(session: Session, org: Organisation) -> ReviewScheme | None:
    """The latest version defined on `org` or the nearest node above it."""
    ids = org.ancestor_ids()
    if not ids:
        return None
    rows = session.scalars(select(ReviewScheme).join(Organisation, ReviewScheme.org_id == Organisation.id)
                           .where(ReviewScheme.org_id.in_(ids))
                           .order_by(func.length(Organisation.path).desc(), ReviewScheme.version.desc())
                           .options(selectinload(ReviewScheme.indicators)).limit(1))
    return rows.first()


def own_scheme(session: Session, org_id: int) -> ReviewScheme | None:
    return session.scalars(select(ReviewScheme).where(ReviewScheme.org_id == org_id).order_by(ReviewScheme.version.desc()).limit(1)).first()


def in_use(session: Session, scheme: ReviewScheme) -> bool:
    return session.scalar(select(func.count()).select_from(Review).where(Review.scheme_id == scheme.id)) > 0


def save_scheme(session: Session, actor: Actor, org_id: int, name: str, rows: list[IndicatorRow],
                bands: tuple[str, str, str]) -> ReviewScheme:
    """Define the scheme of `org_id` (HR of that node). Edits the latest version in place only while no
    review has used it; otherwise writes the next version."""
    org = visible_org(session, actor, HR, org_id)
    checked, (good, fairly, average) = check_definition(rows, bands)
    if not name.strip():
        raise ValidationFailed(_("The scheme was not saved."), {"name": [_("Name the scheme.")]})
    latest = own_scheme(session, org.id)
    if latest is not None and not in_use(session, latest):
        scheme = latest
        scheme.indicators.clear()
        session.flush()
    else:
        scheme = ReviewScheme(org=org, version=(latest.version + 1) if latest else 1, created_by_id=actor.id if actor else None)
        session.add(scheme)
    scheme.name, scheme.good_from, scheme.fairly_good_from, scheme.average_from = name.strip(), good, fairly, average
    scheme.indicators = [Indicator(position=n, code=row.code, name=row.name, points=points, guidance=row.guidance)
                         for n, (row, points) in enumerate(checked)]
    session.flush()
    record(session, actor, "review.scheme_save", "review_scheme", scheme.id, label=f"{org.name} v{scheme.version}", org=org,
           after={"name": scheme.name, "version": scheme.version, "bands": [str(good), str(fairly), str(average)],
                  "indicators": [[r.code, r.name, str(p)] for r, p in checked]})
    return scheme


def rows_of(scheme: ReviewScheme | None) -> list[IndicatorRow]:
    if scheme is None:
        return list(DEFAULT_ROWS)
    return [IndicatorRow(i.code, i.name, f"{number(i.points)}", i.guidance) for i in scheme.indicators]
