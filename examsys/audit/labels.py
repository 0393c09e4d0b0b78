"""What each audit action means, in words, for the auditor's pages. Unknown actions show their code."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

ACTION_LABELS = {
    "auth.login": _l("Logged in"),
    "auth.logout": _l("Logged out (all sessions ended)"),
    "auth.totp_enrol": _l("Two-factor sign-in switched on"),
    "auth.recovery_code": _l("Logged in with a recovery code"),
    "account.totp_reset": _l("Two-factor sign-in reset"),
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
    "org.issuer_designate": _l("Issuing authority designated"),
    "org.issuer_withdraw": _l("Issuing authority withdrawn"),
    "exemption.record": _l("Legal-qualification exemption recorded"),
    "exemption.approve": _l("Legal-qualification exemption approved"),
    "domain.sector_exam": _l("Enforcement domain's sector exam setting changed"),
    "task.close": _l("Task closed"),
    "person.create": _l("Person added to the register"),
    "person.update": _l("Person's record changed"),
    "person.transfer_out": _l("Person transferred out"),
    "person.transfer_in": _l("Person transferred in"),
    "person.employment": _l("Employment status changed"),
    "person.photo": _l("Photo changed"),
    "person.export": _l("Register exported"),
    "results.export": _l("Exam results exported"),
    "item_stats.export": _l("Item statistics exported"),
    "bank.export": _l("Question bank exported with its keys"),
    "review_report.export": _l("Review report exported"),
    "review_sheet.export": _l("Review entry sheet exported"),
    "exam.auto_submit": _l("Exam handed in by the system"),
    "training.add": _l("Training recorded"),
    "training.delete": _l("Training record removed"),
    "person.correction_request": _l("Correction requested by the officer"),
    "person.correction_answered": _l("Correction request answered"),
    "task.open": _l("Credential cancellation proposed"),
    "campaign.open": _l("Clean-up campaign opened"),
    "campaign.confirmed": _l("Officer confirmed in the clean-up"),
    "campaign.removal": _l("Officer marked for removal"),
    "campaign.close": _l("Clean-up campaign closed"),
    "campaign.cancel_old": _l("Old credentials cancelled at the close of the clean-up"),
    "question.create": _l("Question created"),
    "question.edit": _l("Question edited"),
    "question.review": _l("Question reviewed"),
    "question.review_mn": _l("Mongolian text of a question reviewed"),
    "question.activate": _l("Question activated"),
    "question.retire": _l("Question retired"),
    "bank.import": _l("Questions imported"),
    "exam.plan_create": _l("Exam plan created"),
    "exam.plan_open": _l("Exam opened and papers generated"),
    "exam.start": _l("Exam started"),
    "exam.takeover": _l("Exam continued in another window"),
    "exam.retake": _l("Exam attempted again"),
    "exam.submit": _l("Exam handed in"),
    "exam.extension": _l("Extra time granted"),
    "exam.grade_case": _l("Case answer graded"),
    "exam.regrade": _l("Exam regraded after a key fix"),
    "exam.publish": _l("Results published"),
    "review.scheme_save": _l("Indicator scheme saved"),
    "review.period_open": _l("Review period opened"),
    "review.period_close": _l("Review period closed"),
    "review.draft": _l("Review draft saved"),
    "review.submit": _l("Review submitted"),
    "review.acknowledge": _l("Review acknowledged by the officer"),
    "review.dispute": _l("Review disputed by the officer"),
    "review.send_back": _l("Disputed review sent back for re-review"),
    "review.uphold": _l("Disputed review upheld"),
    "review.annual": _l("Annual grade set"),
    "action.open": _l("Follow-up action opened"),
    "action.done": _l("Follow-up action done"),
    "action.withdraw": _l("Follow-up action withdrawn"),
    "credential_request.create": _l("Credential requested"),
    "credential_request.return": _l("Credential request returned"),
    "credential_request.amend": _l("Credential request amended and resubmitted"),
    "credential_request.approve": _l("Credential request approved"),
    "credential_request.withdraw": _l("Credential request withdrawn"),
    "credential.issue": _lp("audit action", "Credential issued"),  # an action, not the request page's noun
    "credential.suspend": _l("Credential suspended"),
    "credential.reinstate": _l("Credential reinstated"),
    "credential.revoke": _l("Credential revoked"),
    "credential.cancel": _l("Credential cancelled"),
    "credential.supersede": _l("Credential replaced by a new one"),
    "credential.card_recovered": _l("Card taken back"),
    "reissue.open": _l("Re-issuance campaign opened"),
    "reissue.run": _l("Re-issuance run"),
    "reissue.recheck": _l("Re-issuance rechecked"),
    "reissue.print": _l("Re-issued cards printed"),
    "report.file": _l("Problem with an officer reported by the public"),
    "report.handle": _l("Report from the public handled"),
}


# What an entry is about, by its target type.
TARGET_LABELS = {
    "organisation": _l("Organisation"), "user": _l("Account"), "person": _l("Person"), "campaign": _l("Clean-up campaign"),
    "question": _l("Question"), "bank": _l("Question bank"), "exam_plan": _l("Exam plan"), "attempt": _l("Exam attempt"),
    "review_scheme": _l("Indicator scheme"), "review_period": _l("Review period"), "review": _l("Review"),
    "annual_assessment": _l("Annual assessment"), "followup_action": _l("Follow-up action"), "credential": _l("Credential"),
    "credential_request": _l("Credential request"), "reissue_campaign": _l("Re-issuance campaign"),
    "officer_report": _l("Report from the public"), "register": _l("Personnel register"), "personnel_task": _l("Task"),
    "correction_request": _l("Correction request"), "enforcement_domain": _l("Enforcement domain"),
    # what an export (rule 11) took: `<what>.export` on `<what>`
    "results": _l("Exam results"), "item_stats": _l("Item statistics"), "review_sheet": _l("Review entry sheet"),
    "review_report": _l("Review report"),
}
# Who acted, when no account did, and where from, when not over the network.
ACTOR_LABELS = {"system": _l("the system"), "public": _l("a member of the public")}
ADDRESS_LABELS = {"cli": _l("command line"), "": "—"}
# The REST API (examsys/api/): its clients, and the calls that hand out many records at once.
ACTION_LABELS.update({
    "api_client.create": _l("API client registered"), "api_client.rotate": _l("API secret added"),
    "api_client.revoke_secret": _l("API secret revoked"), "api_client.enable": _l("API client enabled"),
    "api_client.disable": _l("API client disabled"), "api.credential_batch": _l("API: batch credential look-up"),
    "api.register_changes": _l("API: register changes read"), "api.exam_results": _l("API: exam results read"),
})
TARGET_LABELS["api_client"] = _l("API client")
ACTION_LABELS.update({  # the API's webhooks (api.webhooks)
    "webhook.subscribe": _l("Webhook subscription set"), "webhook.unsubscribe": _l("Webhook subscription ended"),
    "webhook.send_again": _l("Webhook push sent again"),
})
TARGET_LABELS["webhook_delivery"] = _l("Webhook push")


def _label(labels: dict, code: str) -> str:
    """The code in words where the table has it, else the code as recorded (an action added later)."""
    label = labels.get(code)
    return str(label) if label is not None else code


def action_label(action: str) -> str:
    return _label(ACTION_LABELS, action)


def target_label(target_type: str) -> str:
    return _label(TARGET_LABELS, target_type)


def actor_label(name: str) -> str:
    return _label(ACTOR_LABELS, name)


def address_label(address: str) -> str:
    return _label(ADDRESS_LABELS, address)
