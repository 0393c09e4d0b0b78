"""The Chinese interface reads in words: no English code (issue, suspend, market, qualification …) and no
JSON in the histories and the audit trail, translated choices in every form, the exam's kind not called
人员类别."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from examsys.audit.models import AuditEntry
from examsys.credentials.models import Credential, CredentialRequest, CredentialStatus
from tests.demo_fixtures import DEMO_PASSWORD

ZH = {"Accept-Language": "zh-CN"}


def _login(client, username):
    assert client.post("/login", data={"identifier": username, "password": DEMO_PASSWORD}, headers=ZH).status_code == 302


def test_the_audit_entry_of_a_suspension_reads_in_words(client, demo):
    seq = demo.scalar(select(AuditEntry.seq).where(AuditEntry.action == "credential.suspend"))
    _login(client, "auditor")
    page = client.get(f"/audit/{seq}", headers=ZH).get_data(as_text=True)
    assert "暂扣执法证" in page and "执法证 · " in page
    assert "状态：有效 → 暂扣" in page
    assert "决定文号：呼执暂〔2026〕1号" in page
    for code in ("credential.suspend", '"status"', "suspended", "\\u", "decision_number"):
        assert code not in page, code


def test_the_audit_entry_names_what_the_ids_and_codes_stand_for(client, demo):
    seq = demo.scalar(select(AuditEntry.seq).where(AuditEntry.action == "account.create").order_by(AuditEntry.seq))
    grant = demo.scalar(select(AuditEntry.seq).where(AuditEntry.action == "account.grant").order_by(AuditEntry.seq))
    _login(client, "auditor")
    page = client.get(f"/audit/{seq}", headers=ZH).get_data(as_text=True)
    assert "机构：内蒙古自治区" in page and "org_id" not in page  # the organisation's name, not its id
    page = client.get(f"/audit/{grant}", headers=ZH).get_data(as_text=True)
    assert "系统管理员" in page and "sysadmin" not in page
    listing = client.get("/audit/?action=account.create", headers=ZH).get_data(as_text=True)
    assert "<td>系统</td>" in listing and ">system<" not in listing  # entries written by `flask seed-demo`
    assert '<option value="credential.suspend"' in listing and "暂扣执法证</option>" in listing


def test_credential_history_and_request_history_are_in_chinese(client, demo):
    suspended = demo.scalar(select(Credential).where(Credential.status == CredentialStatus.SUSPENDED))
    request = demo.scalar(select(CredentialRequest))
    _login(client, "hr")
    page = client.get(f"/credentials/{suspended.id}", headers=ZH).get_data(as_text=True)
    assert "暂扣执法证" in page and ">suspend<" not in page and ">issue<" not in page
    page = client.get(f"/credentials/requests/{request.id}", headers=ZH).get_data(as_text=True)
    assert "执法类别：市场监管" in page and "发证机关：呼和浩特市" in page
    for raw in ("domains:", "issuer:", "market", "legal_source"):
        assert raw not in page, raw


@pytest.mark.parametrize(("form_path", "field", "label", "option"), [
    ("examsys.exams.forms:PlanForm", "kind", "考试类别", "资格考试"),
    ("examsys.exams.forms:PlanForm", "part", "题库部分", "通用法律知识"),
    ("examsys.bank.forms:QuestionForm", "part", None, "专门法律知识"),
    ("examsys.personnel.forms:PersonForm", "kind", "人员类别", "执法辅助人员"),
    ("examsys.reviews.forms:ActionForm", "kind", None, "交流轮岗"),
    ("examsys.reviews.forms:PeriodForm", "kind", None, "季度"),
    ("examsys.reviews.forms:AnnualForm", "grade", None, "基本称职"),
])
def test_choices_read_in_the_page_language(app, form_path, field, label, option):
    """Choices built when the module was imported stayed English whatever the page's language."""
    import importlib

    module, name = form_path.split(":")
    form_class = getattr(importlib.import_module(module), name)
    with app.app_context(), app.test_request_context(headers=ZH):  # each request has its own context and locale
        html = str(getattr(form_class(), field))
        assert f">{option}</option>" in html
        if label:
            assert str(getattr(form_class(), field).label.text) == label
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        assert f">{option}</option>" not in str(getattr(form_class(), field))


def test_details_of_any_shape_read_in_words_and_never_fail(app, db, tree):
    from examsys.audit.details import describe

    after = {"status": "open", "org_id": tree.region.id, "locked_until": "2026-06-01T23:30:00+00:00", "active": False,
             "sections": [["odd"]], "scores": {"x": 1}, "mystery": {"kind": ["a", 2]}, "reason": "open"}
    with app.app_context(), app.test_request_context(headers=ZH):
        changes = {c.field: (c.before, c.after) for c in describe(db, "exam_plan", {"status": "draft"}, after)}
    assert changes["状态"] == ("草稿", "进行中")  # the plan's own status column says which "open" this is
    assert changes["组织机构"] == ("", tree.region.name)  # a name, not the id
    assert changes["锁定至"] == ("", "2026-06-02 07:30")  # a moment on the region's wall clock
    assert changes["启用"] == ("", "否")
    assert changes["原因"] == ("", "open")  # free text stays as written
    assert changes["mystery"] == ("", "类型：a、2")  # an unknown field keeps its key, its parts still read
    assert changes["题目组成"] == ("", "odd") and changes["评分"] == ("", "x：1")  # shapes not expected: shown, not a 500


def test_issued_reads_as_an_action_in_the_history_and_as_an_event_in_webhooks(app, client, demo):
    from examsys.api.webhook_views import EVENT_LABELS
    from examsys.audit.labels import action_label

    suspended = demo.scalar(select(Credential).where(Credential.status == CredentialStatus.SUSPENDED))
    _login(client, "hr")
    page = client.get(f"/credentials/{suspended.id}", headers=ZH).get_data(as_text=True)
    assert "核发执法证" in page and "核发的执法证" not in page
    with app.test_request_context(headers=ZH):
        assert action_label("credential.issue") == "核发执法证"
        assert [str(EVENT_LABELS[e]) for e in ("credential.issued", "credential.suspended", "credential.expired")] == [
            "执法证已核发", "执法证已暂扣", "执法证已到期"]
