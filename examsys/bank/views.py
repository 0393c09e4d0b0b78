"""Pages of the question banks."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from examsys.audit.services import record_export
from examsys.bank import files, mongolian_text, services
from examsys.bank import laws as law_list
from examsys.bank.exposure import exposure, over_exposed
from examsys.bank.forms import BankImportForm, LawForm, QuestionForm
from examsys.bank.models import BankPart, QuestionType, VersionStatus
from examsys.bank.types import kind_of
from examsys.bank.xlsx import OPTION_LETTERS, parse_answer, parse_rubric
from examsys.db import get_session
from examsys.errors import submit_form
from examsys.imports.flow import ImportFlow
from examsys.imports.pages import ImportPage, org_scope
from examsys.orgs.models import Organisation
from examsys.orgs.services import choices
from examsys.pagination import paginate
from examsys.web import enum_or_none

bp = Blueprint("bank", __name__, url_prefix="/bank")


@bp.get("/")
@login_required
def index():
    db = get_session()
    args = request.args
    filters = services.QuestionFilter(
        part=enum_or_none(BankPart, args.get("part")), domain_id=args.get("domain", type=int), law=args.get("law", ""),
        type=enum_or_none(QuestionType, args.get("type")), difficulty=args.get("difficulty", type=int),
        status=enum_or_none(VersionStatus, args.get("status")), text=args.get("q", ""), by_others=args.get("by") == "others",
    )
    page = paginate(db, services.version_query(db, current_user, filters), current_app.config["PAGE_SIZE"])
    figures = exposure(db, [v.id for v in page.items])
    return render_template("bank/index.html", page=page, args=args, laws=services.laws(db, current_user),
                           domains=services.domains(db), types=list(QuestionType), statuses=list(VersionStatus),
                           superseded=law_list.superseded_versions(db), exposure=figures,
                           over_exposed=over_exposed(figures, int(current_app.config["BANK_EXPOSURE_LIMIT"])))


@bp.post("/bulk")
@login_required
def bulk():
    db = get_session()
    action = request.form.get("action", "")
    ids = [int(v) for v in request.form.getlist("version_id") if v.isdigit()]
    if action not in ("review", "activate", "retire") or not ids:
        flash(_("Choose questions and an action."), "error")
        return redirect(request.referrer or url_for("bank.index"))
    result = services.bulk_change_status(db, current_user, ids, action)
    flash(_("%(n)d questions changed.", n=result.changed), "success" if result.changed else "info")
    for ref, reason in result.refused[:20]:
        flash(f"{ref}: {reason}", "error")
    return redirect(request.referrer or url_for("bank.index"))


def _render_detail(question, version):
    previous = next((v for v in question.versions if v.number == version.number - 1), None)
    changes = services.version_changes(previous, version) if previous else []
    return render_template("bank/detail.html", question=question, version=version, kind_of=kind_of, changes=changes, previous=previous)


@bp.get("/<int:question_id>")
@login_required
def detail(question_id: int):
    db = get_session()
    question = services.get_question(db, current_user, question_id)
    return _render_detail(question, question.latest)


@bp.get("/<int:question_id>/v/<int:number>")
@login_required
def version(question_id: int, number: int):
    db = get_session()
    question = services.get_question(db, current_user, question_id)
    chosen = next((v for v in question.versions if v.number == number), None)
    if chosen is None:
        return redirect(url_for("bank.detail", question_id=question.id))
    return _render_detail(question, chosen)


@bp.post("/versions/<int:version_id>/<any(review, activate, retire):action>")
@login_required
def change_status(version_id: int, action: str):
    db = get_session()
    changed = services.change_status(db, current_user, version_id, action)
    flash({"review": _("Marked as reviewed."), "activate": _("The version is active: exams can draw it."),
           "retire": _("The version is retired: exams no longer draw it.")}[action], "success")
    return redirect(url_for("bank.detail", question_id=changed.question_id))


@bp.post("/versions/<int:version_id>/review-mn")
@login_required
def review_mongolian(version_id: int):
    db = get_session()
    changed = services.review_mongolian(db, current_user, version_id)
    flash(_("The Mongolian text is marked as reviewed: a plan offering the Mongolian paper may draw this version."), "success")
    return redirect(url_for("bank.version", question_id=changed.question_id, number=changed.number))


def _raw_from_form(form: QuestionForm) -> dict[str, Any]:
    qtype = form.type.data or ""
    raw: dict[str, Any] = {"ref": form.ref.data, "type": qtype, "stem": form.stem.data, "law": form.law.data,
                           "law_version": form.law_version.data, "article": form.article.data, "difficulty": form.difficulty.data,
                           "explanation": form.explanation.data}
    options = {letter: (getattr(form, f"option_{letter}").data or "").strip() for letter in OPTION_LETTERS}
    options = {k: v for k, v in options.items() if v}
    if options and qtype in ("single_choice", "multiple_choice"):
        raw["options"] = options
    if qtype == "case_analysis":
        raw["rubric"] = parse_rubric(form.rubric.data or "")
        raw["reference_answer"] = form.reference_answer.data
    else:
        raw["answer"] = parse_answer(qtype, form.answer.data or "")
    try:
        raw["points"] = Decimal((form.points.data or "").strip()) if (form.points.data or "").strip() else None
    except InvalidOperation:
        raw["points"] = form.points.data
    raw["tags"] = [t for t in re.split(r"[,，、\s]+", form.tags.data or "") if t]
    raw["mn"] = mongolian_text.from_form(form, qtype)  # None: no Mongolian text (removed, when it had one)
    return raw


def _fill_form(form: QuestionForm, version) -> None:
    c = version.content()
    form.type.data, form.stem.data, form.law.data, form.law_version.data = c["type"], c["stem"], c["law"], c["law_version"]
    form.article.data, form.difficulty.data, form.explanation.data = c["article"], c["difficulty"], c["explanation"]
    form.points.data = str(Decimal(c["points"]).normalize())
    form.tags.data = "、".join(c["tags"] or [])
    for letter, text in (c["options"] or {}).items():
        getattr(form, f"option_{letter}").data = text
    answer = c["answer"]
    form.answer.data = ("".join(answer) if c["type"] == "multiple_choice" else "|".join(answer) if c["type"] == "fill_in"
                        else ("对" if answer else "错") if c["type"] == "true_false" else answer or "")
    form.rubric.data = "\n".join(f"{Decimal(r['points']).normalize()}：{r['criterion']}" for r in c["rubric"] or [])
    form.reference_answer.data = c["reference_answer"] or ""
    mongolian_text.fill(form, version.content_mn)


def _preview(form: QuestionForm) -> dict[str, Any] | None:
    raw = _raw_from_form(form)
    if raw.get("type") not in {t.value for t in QuestionType}:
        return None
    return {"type": raw["type"], "stem": raw.get("stem") or "", "options": raw.get("options"), "template": kind_of(raw["type"]).template,
            "mn": mongolian_text.preview(form, raw["type"], raw.get("options"))}


def _choices(db, form: QuestionForm) -> None:
    form.org_id.choices = [(o.id, o.name) for o in choices(db, current_user, services.EDITOR)]
    form.domain_id.choices = [(0, "—")] + [(d.id, d.name) for d in services.domains(db)]
    form.law.choices = [("", "—")] + [(law, law) for law in services.law_choices(db, current_user)]


def _flash_mongolian(version, had_text: bool) -> None:
    if version.content_mn:
        flash(_("Its Mongolian text awaits review by another exam administrator who reads Mongolian."), "info")
    elif had_text:
        flash(_("The Mongolian text was removed: this version has none."), "info")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    db = get_session()
    form = QuestionForm()
    _choices(db, form)
    if not form.org_id.choices:
        services.version_query(db, current_user, services.QuestionFilter())  # refuses non-editors
    preview = _preview(form) if form.is_submitted() else None
    question = submit_form(form, lambda: mongolian_text.on_fields(form, lambda: services.create_question(
        db, current_user, org_id=form.org_id.data, part=BankPart(form.part.data), domain_id=form.domain_id.data or None,
        raw=_raw_from_form(form))) if form.intent.data == "save" else None)  # a preview: the fields checked, nothing saved
    if question is not None:
        flash(_("Question %(ref)s saved as a draft. Another exam administrator must review it.", ref=question.ref), "success")
        _flash_mongolian(question.latest, had_text=False)
        return redirect(url_for("bank.detail", question_id=question.id))
    return render_template("bank/edit.html", form=form, preview=preview, question=None)


@bp.route("/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def edit(question_id: int):
    db = get_session()
    question = services.get_question(db, current_user, question_id)
    form = QuestionForm()
    _choices(db, form)
    form.org_id.choices = [(question.org_id, question.org.name)]
    form.org_id.data, form.part.data = question.org_id, question.part.value
    form.domain_id.data = question.domain_id or 0
    if request.method == "GET":
        _fill_form(form, question.latest)
    preview = _preview(form)
    had_text = bool(question.latest.content_mn)
    saved = submit_form(form, lambda: mongolian_text.on_fields(form, lambda: services.edit_question(
        db, current_user, question.id, _raw_from_form(form), form.change_note.data or ""))
                        if form.intent.data == "save" else None)  # a preview: the fields checked, nothing saved
    if saved is not None:
        flash(_("Saved as version %(n)d (draft).", n=saved.number), "success")
        _flash_mongolian(saved, had_text)
        return redirect(url_for("bank.detail", question_id=question.id))
    return render_template("bank/edit.html", form=form, preview=preview, question=question)


@bp.post("/preview")
@login_required
def live_preview():
    """The candidate's view of the question being edited, as an HTML fragment for the editor's live
    preview (the editor's Preview button gives the same without JavaScript)."""
    services.version_query(get_session(), current_user, services.QuestionFilter())  # exam administrators only
    form = QuestionForm(meta={"csrf": False})
    preview = _preview(form)
    return render_template("bank/_preview.html", preview=preview)


@bp.get("/counts")
@login_required
def counts():
    db = get_session()
    part = enum_or_none(BankPart, request.args.get("part"))
    table = services.active_counts(db, current_user, part, request.args.get("domain", type=int))
    return render_template("bank/counts.html", table=table, part=part, domains=services.domains(db), args=request.args)


@bp.get("/lint")
@login_required
def lint():
    from examsys.bank.quality import bank_findings

    db = get_session()
    checked, findings = bank_findings(db, current_user, enum_or_none(BankPart, request.args.get("part")), request.args.get("domain", type=int))
    from examsys.bank.lint import CHECK_LABELS

    return render_template("bank/lint.html", checked=checked, findings=findings, domains=services.domains(db), args=request.args,
                           check_labels=CHECK_LABELS)


def _plan(db, actor, result, org: Organisation) -> services.ImportPlan:
    """The file's own problems, or else the plan against the bank (whose problems are the errors)."""
    return services.ImportPlan(problems=list(result.problems)) if result.problems else services.plan_import(db, actor, result.records, org)


IMPORT = ImportPage(
    ImportFlow("bank", files.read_upload, _plan,
               lambda db, actor, plan, org, source: services.apply_import(db, actor, plan, org, source=source),
               errors=lambda plan: plan.problems),
    "bank/import.html", BankImportForm, "bank.import_upload", "bank.index",
    lambda counts, _plan: _("Import finished: %(c)d created, %(v)d new versions, %(u)d unchanged. New versions are drafts until reviewed.",
                            c=counts["created"], v=counts["versioned"], u=counts["unchanged"]),
    lambda plan: bool(plan.create or plan.new_version or plan.update_draft),
    accept=".yaml,.yml,.zip,.xlsx,.xml", error_limit=500,
)


def _import_scope() -> tuple[Organisation, dict[str, Any]]:
    """The banks the actor edits (refusing accounts that edit none) and the one chosen to import into."""
    db = get_session()
    return org_scope(choices(db, current_user, services.EDITOR), lambda: services.version_query(db, current_user, services.QuestionFilter()))


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_upload():
    from examsys.bank.quality import import_warnings

    org, context = _import_scope()
    return IMPORT.upload(org, extra=lambda preview: {"warnings": import_warnings(get_session(), current_user, preview.rows.records)}, **context)


@bp.post("/import/confirm")
@login_required
def import_confirm():
    return IMPORT.confirm(_import_scope)


@bp.get("/export.<any(yaml, xlsx, moodle):fmt>")
@login_required
def export(fmt: str):
    db = get_session()
    records = files.export_records(db, current_user, active_only=request.args.get("status") != "latest")
    content, mimetype, name = files.render(records, fmt)
    record_export(db, current_user, "bank", fmt, fmt=fmt, rows=len(records), filters={"status": request.args.get("status")},
                  org=current_user.org)
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.get("/template.xlsx")
@login_required
def template():
    from examsys.bank.schema import Record

    example = Record("XZCF-S-001", BankPart.COMMON, None, None, {
        "type": "single_choice", "stem": "违法行为在几年内未被发现的，一般不再给予行政处罚？", "options": {"A": "一年", "B": "二年", "C": "三年", "D": "五年"},
        "answer": "B", "rubric": None, "reference_answer": None, "law": "中华人民共和国行政处罚法", "law_version": "2021",
        "article": "第三十六条第一款", "difficulty": 1, "points": "2", "tags": ["时效"],
        "explanation": "第三十六条第一款规定二年内未被发现的，不再给予行政处罚。"})
    content, mimetype, _name = files.render([example], "xlsx")
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": "attachment; filename=question-bank-template.xlsx"})


# ---- the list of laws ----------------------------------------------------------------------------------

def _law_choices(form: LawForm, laws: list, law=None) -> None:
    others = [(lw.id, lw.label) for lw in laws if lw is not law]
    form.supersedes_id.choices = form.superseded_by_id.choices = [(0, "—")] + others


@bp.route("/laws", methods=["GET", "POST"])
@login_required
def laws():
    db = get_session()
    listed = law_list.list_laws(db, current_user)
    form = LawForm()
    _law_choices(form, listed)
    if form.is_submitted():
        law_list.require_editor(db, current_user)
    law = submit_form(form, lambda: law_list.add_law(db, current_user, title=form.title.data or "", short_name=form.short_name.data or "",
                                                     version=form.version.data or "", version_date=form.version_date.data,
                                                     effective_date=form.effective_date.data, supersedes_id=form.supersedes_id.data or None,
                                                     title_mn=form.title_mn.data or ""),
                      conflict_page=True)
    if law is not None:
        flash(_("%(law)s is on the list of laws.", law=law.label), "success")
        return redirect(url_for("bank.laws"))
    return render_template("bank/laws.html", laws=listed, form=form, may_edit=law_list.may_edit(current_user),
                           flagged=law_list.flagged_counts(db))


@bp.route("/laws/<int:law_id>", methods=["GET", "POST"])
@login_required
def law_edit(law_id: int):
    db = get_session()
    law = law_list.get_law(db, current_user, law_id)
    form = LawForm(obj=law) if request.method == "GET" else LawForm()
    _law_choices(form, law_list.list_laws(db, current_user), law)
    if request.method == "GET":
        form.superseded_by_id.data = law.superseded_by_id or 0
    else:
        law_list.require_editor(db, current_user)
    if submit_form(form, lambda: law_list.update_law(db, current_user, law.id, short_name=form.short_name.data or "",
                                                     version_date=form.version_date.data, effective_date=form.effective_date.data,
                                                     superseded_by_id=form.superseded_by_id.data or None,
                                                     title_mn=form.title_mn.data or ""), conflict_page=True):
        flash(_("%(law)s saved.", law=law.label), "success")
        return redirect(url_for("bank.laws"))
    return render_template("bank/law_edit.html", law=law, form=form, may_edit=law_list.may_edit(current_user))
