"""What each audit action means, in words, for the auditor's pages. Unknown actions show their code."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "auth.login": _l("Logged in"),
    "auth.locked": _l("Account locked after failed logins"),
    "auth.password_change": _l("Changed own password"),
    "account.create": _l("Account created"),
    "account.enable": _l("Account enabled"),
    "account.disable": _l("Account disabled"),
    "account.unlock": _l("Account unlocked"),
    "account.reset_password": _l("Password reset"),
    "account.grant": _l("Role granted"),
    "account.withdraw": _l("Role withdrawn"),
    "org.create": _l("Organisation created"),
    "org.update": _l("Organisation renamed or recoded"),
    "org.move": _l("Organisation moved"),
    "org.activate": _l("Organisation reactivated"),
    "org.deactivate": _l("Organisation deactivated"),
    "person.create": _l("Person added to the register"),
    "person.update": _l("Person's record changed"),
    "person.transfer_out": _l("Person transferred out"),
    "person.transfer_in": _l("Person transferred in"),
    "person.employment": _l("Employment status changed"),
    "person.photo": _l("Photo changed"),
    "person.export": _l("Register exported"),
    "person.correction_request": _l("Correction requested by the officer"),
    "person.correction_answered": _l("Correction request answered"),
    "task.open": _l("Credential cancellation proposed"),
    "campaign.open": _l("Clean-up campaign opened"),
    "campaign.confirmed": _l("Officer confirmed in the clean-up"),
    "campaign.removal": _l("Officer marked for removal"),
    "campaign.close": _l("Clean-up campaign closed"),
    "question.create": _l("Question created"),
    "question.edit": _l("Question edited"),
    "question.review": _l("Question reviewed"),
    "question.activate": _l("Question activated"),
    "question.retire": _l("Question retired"),
    "bank.import": _l("Questions imported"),
    "exam.plan_create": _l("Exam plan created"),
    "exam.plan_open": _l("Exam opened and papers generated"),
    "exam.start": _l("Exam started"),
    "exam.takeover": _l("Exam continued in another window"),
    "exam.submit": _l("Exam handed in"),
    "exam.extension": _l("Extra time granted"),
    "exam.grade_case": _l("Case answer graded"),
    "exam.regrade": _l("Exam regraded after a key fix"),
    "exam.publish": _l("Results published"),
    "report.file": _l("Problem with an officer reported by the public"),
    "report.handle": _l("Report from the public handled"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action
