"""The API's request and response shapes (marshmallow): flask-smorest validates requests and writes the
OpenAPI document from these."""
from __future__ import annotations

from datetime import UTC

import marshmallow as ma
from marshmallow import validate

from examsys.api.lookups import MAX_BATCH, MAX_FEED_PAGE

VERDICTS = ("VALID", "SUSPENDED", "NOT VALID", "CODE EXPIRED", "CANNOT VERIFY")
NUMBER = validate.Regexp(r"^[0-9A-Za-z]{1,20}$", error="A credential number is 1 to 20 letters and digits.")


class Problem(ma.Schema):
    """RFC 9457 problem details (extension members allowed)."""

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    field_errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw(), metadata={"description": "Bad input: the messages by field."})
    error = ma.fields.String(metadata={"description": "The title again (the name older clients of /api/verify read)."})
    message = ma.fields.String(metadata={"description": "The detail again (the name older clients of /api/verify read)."})


class PublicCredential(ma.Schema):
    """What the public verify page shows of a credential: never an ID number, a reason or a history."""

    number = ma.fields.String(required=True)
    verdict = ma.fields.String(required=True, validate=validate.OneOf(VERDICTS))
    name = ma.fields.String(required=True)
    organisation = ma.fields.String(required=True)
    domains = ma.fields.List(ma.fields.String(), required=True)
    region = ma.fields.String(required=True)
    valid_to = ma.fields.Date(required=True)
    expired = ma.fields.Boolean(required=True)


class CredentialAnswer(PublicCredential):
    as_of = ma.fields.AwareDateTime(required=True)


class Step(ma.Schema):
    step = ma.fields.String(required=True)
    passed = ma.fields.Boolean(required=True)


class TokenAnswer(ma.Schema):
    """The verify page's answer for a QR code's token; the credential's facts only when the signature held."""

    verdict = ma.fields.String(required=True, validate=validate.OneOf(VERDICTS))
    as_of = ma.fields.AwareDateTime(required=True)
    steps = ma.fields.List(ma.fields.Nested(Step), required=True)
    number = ma.fields.String()
    name = ma.fields.String()
    organisation = ma.fields.String(allow_none=True)
    domains = ma.fields.List(ma.fields.String())
    region = ma.fields.String(allow_none=True)
    valid_to = ma.fields.Date()
    expired = ma.fields.Boolean()


class BatchRequest(ma.Schema):
    numbers = ma.fields.List(ma.fields.String(validate=NUMBER), required=True, validate=validate.Length(min=1, max=MAX_BATCH))


class _Holder(ma.Schema):
    """What a found credential says of its holder: a batch answer's and a feed's rows."""

    name = ma.fields.String()
    organisation = ma.fields.String()
    domains = ma.fields.List(ma.fields.String())
    region = ma.fields.String()
    valid_to = ma.fields.Date()
    expired = ma.fields.Boolean()


class BatchItem(_Holder):
    number = ma.fields.String(required=True)
    found = ma.fields.Boolean(required=True)
    verdict = ma.fields.String(validate=validate.OneOf(VERDICTS))


class BatchAnswer(ma.Schema):
    results = ma.fields.List(ma.fields.Nested(BatchItem), required=True)
    as_of = ma.fields.AwareDateTime(required=True)


class FeedQuery(ma.Schema):
    changed_since = ma.fields.AwareDateTime(default_timezone=UTC, metadata={"description": "Only changes at or after this moment (ISO 8601)."})
    after_id = ma.fields.Integer(validate=validate.Range(min=0, max=2**31 - 1),
                                 metadata={"description": "With changed_since: start after this credential of that instant (the `next` of the previous page)."})
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_FEED_PAGE))


class FeedItem(_Holder):
    number = ma.fields.String(required=True)
    verdict = ma.fields.String(required=True, validate=validate.OneOf(VERDICTS))
    listed = ma.fields.Boolean(required=True, metadata={"description": "On the public register now; if false, drop it from a copy."})
    changed_at = ma.fields.AwareDateTime(required=True)


class FeedNext(ma.Schema):
    changed_since = ma.fields.AwareDateTime(required=True)
    after_id = ma.fields.Integer(required=True)


class FeedPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(FeedItem), required=True)
    next = ma.fields.Nested(FeedNext, required=True, allow_none=True,
                            metadata={"description": "The query of the next page; null on the last page."})
    as_of = ma.fields.AwareDateTime(required=True)


class Plan(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.Function(lambda plan: plan.kind.value, required=True)
    results_published_at = ma.fields.AwareDateTime(required=True)


class PlanList(ma.Schema):
    plans = ma.fields.List(ma.fields.Nested(Plan), required=True)


class ResultsQuery(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class Result(ma.Schema):
    id_number = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    organisation = ma.fields.String(required=True)
    attempt = ma.fields.Integer(required=True)
    score = ma.fields.String(required=True, allow_none=True, metadata={"description": "The score as a decimal string, e.g. \"87.50\"."})
    passed = ma.fields.Boolean(required=True, allow_none=True)
    submitted_at = ma.fields.AwareDateTime(required=True, allow_none=True)


class PlanResults(ma.Schema):
    plan = ma.fields.Nested(Plan, required=True)
    results = ma.fields.List(ma.fields.Nested(Result), required=True)
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)


def _text(limit: int, description: str, **kwargs) -> ma.fields.String:
    return ma.fields.String(validate=validate.Length(max=limit), metadata={"description": description}, **kwargs)


class PersonRecord(ma.Schema):
    """One person as the HR system holds them; the register's import columns (README: the register's spreadsheet)."""

    id_number = ma.fields.String(required=True, validate=validate.Regexp(r"^[0-9]{17}[0-9Xx]$", error="An ID number is 17 digits and a check character."),
                                 metadata={"description": "The 18-character resident ID number: the key (a person sent again is updated, not added)."})
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=50), metadata={"description": "姓名."})
    org_code = _text(40, "The organisation's code; empty: the client's own organisation. A new code for a person on the "
                         "register is a transfer (a standing change: their credential awaits a decision).", load_default="")
    kind = ma.fields.String(required=True, validate=validate.OneOf(("officer", "auxiliary")),
                            metadata={"description": "officer (执法人员) or auxiliary (执法辅助人员; never holds a credential)."})
    staffing_kind = ma.fields.String(required=True, validate=validate.OneOf(
        ("civil_servant", "civil_servant_like", "public_institution", "contract", "dispatched")),
        metadata={"description": "公务员, 参公, 事业编, 合同 or 劳务派遣."})
    employment_status = ma.fields.String(load_default="employed", validate=validate.OneOf(
        ("employed", "transferred", "retired", "resigned", "dismissed", "deceased")),
        metadata={"description": "employed (在岗, the default); anything else leaves the post (a standing change)."})
    post = _text(100, "岗位.", load_default="")
    rank = _text(50, "职级.", load_default="")
    domains = ma.fields.List(ma.fields.String(validate=validate.Length(max=60)), validate=validate.Length(max=20), load_default=list,
                             metadata={"description": "Enforcement domains by code or name (执法类别)."})
    legal_qualification = _text(50, "法律职业资格证书编号.", load_default="")
    training_hours = ma.fields.Integer(validate=validate.Range(min=0, max=1000), allow_none=True, load_default=None,
                                       metadata={"description": "年度培训学时."})
    phone = _text(30, "联系电话.", load_default="")
    duties = _text(500, "工作职责.", load_default="")
    hiring_conditions = _text(500, "聘用条件 (auxiliary staff).", load_default="")
    directed_by = _text(100, "管理指导 (auxiliary staff: the officer or unit directing them).", load_default="")


class PersonBatch(ma.Schema):
    people = ma.fields.List(ma.fields.Nested(PersonRecord), required=True, validate=validate.Length(min=1, max=1000))
    dry_run = ma.fields.Boolean(load_default=False, metadata={"description": "Check only: answer what would change, write nothing."})


class PersonBatchAnswer(ma.Schema):
    created = ma.fields.Integer(required=True)
    updated = ma.fields.Integer(required=True)
    unchanged = ma.fields.Integer(required=True)
    dry_run = ma.fields.Boolean(required=True)


class GradesQuery(ma.Schema):
    year = ma.fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class RoutineGradeRow(ma.Schema):
    id_number = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    organisation = ma.fields.String(required=True)
    period = ma.fields.String(required=True, metadata={"description": "month-N, quarter-N or half-N of the year."})
    grade = ma.fields.String(required=True, metadata={"description": "good (好), fairly_good (较好), average (一般) or poor (较差)."})
    total = ma.fields.String(required=True, allow_none=True, metadata={"description": "The score, a decimal string."})
    status = ma.fields.String(required=True, metadata={"description": "acknowledged, or upheld (kept after a dispute): final grades only."})


class AnnualGradeRow(ma.Schema):
    id_number = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    organisation = ma.fields.String(required=True)
    grade = ma.fields.String(required=True, metadata={"description": "excellent (优秀), competent (称职), basic (基本称职) or incompetent (不称职)."})


class GradesAnswer(ma.Schema):
    year = ma.fields.Integer(required=True)
    routine = ma.fields.List(ma.fields.Nested(RoutineGradeRow), required=True)
    annual = ma.fields.List(ma.fields.Nested(AnnualGradeRow), required=True)
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True, metadata={"description": "Routine grades in all (the pages page through these; "
                                                                      "the annual grades come whole on page 1)."})
