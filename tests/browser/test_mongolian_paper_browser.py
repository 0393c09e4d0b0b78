"""The demo candidate takes the demo's Mongolian paper end to end in a real browser: chooses ᠮᠣᠩᠭᠣᠯ on the start
page, answers every question (stem and options run vertically), reloads mid-way (answers kept), hands in, sees the
result (the score once the exam administrator has published it); the attempt records the script and is graded as
a Chinese one would be. A screenshot of every step is written under the test's temporary folder (or EXAMSYS_SHOTS)."""
from __future__ import annotations

import os
import re
from pathlib import Path

from examsys.auth.models import User
from examsys.demo import DEMO_MN_EXAM, DEMO_PASSWORD
from examsys.exams.models import Attempt, AttemptStatus, ExamPlan
from examsys.exams.results import publish_results
from tests.browser.room_steps import login

MONGOLIAN = re.compile("[\u1800-\u18af]")


def test_the_officer_takes_the_mongolian_paper_start_to_end(app, db, runner, live_server, zh_page, tmp_path):
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    seeded = runner.invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    shots = Path(os.environ.get("EXAMSYS_SHOTS") or tmp_path / "mn")
    shots.mkdir(parents=True, exist_ok=True)
    page, count = zh_page, [0]
    page.on("dialog", lambda dialog: dialog.accept())

    def shot(name: str) -> None:
        count[0] += 1
        page.screenshot(path=str(shots / f"{count[0]:02d}-{name}.png"), full_page=True)

    login(page, live_server, "officer", DEMO_PASSWORD)
    page.goto(live_server + "/exams/")
    page.locator("section.card", has_text=DEMO_MN_EXAM).locator("a:text-is('进入考试')").click()
    assert page.locator("input[name=language][value=mn]").count() == 1
    assert page.locator("label", has_text="ᠮᠣᠩᠭᠣᠯ").count() == 1
    page.check("input[name=language][value=mn]")
    shot("start-mongolian-chosen")
    page.click("button:text-is('开始考试')")
    page.wait_for_url("**/q/1")

    user = db.query(User).filter_by(username="officer").one()
    plan = db.query(ExamPlan).filter_by(name=DEMO_MN_EXAM).one()
    attempt = db.query(Attempt).filter_by(plan_id=plan.id, person_id=user.person_id).one()
    assert attempt.language == "mn"
    total = len(attempt.items)
    assert total == 16

    for n in range(1, total + 1):
        body = page.locator("#question .question-body")
        assert body.evaluate("e => getComputedStyle(e).writingMode") == "vertical-lr"
        assert MONGOLIAN.search(page.locator("#question legend.stem").inner_text())
        assert page.locator("#question .option").first.is_visible()
        if page.locator("input[name=answer][type=checkbox]").count():
            page.check("input[name=answer] >> nth=0")
            page.check("input[name=answer] >> nth=1")
        else:
            page.check("input[name=answer] >> nth=0")
        page.wait_for_selector("[data-save-state]:text-matches('^已保存 ')")
        if n in (1, 9, 14):
            shot(f"question-{n}")
        if n == 8:  # reload mid-way: the answers are kept, the paper still in Mongolian
            page.reload()
            assert page.locator("input[name=answer]:checked").count() >= 1
            assert page.locator(".navigator a.answered").count() == n
            assert MONGOLIAN.search(page.locator("#question legend.stem").inner_text())
            shot(f"question-{n}-reloaded")
        page.click("button:has-text('保存并进入下一题')" if n < total else "button:has-text('保存并检查')")
        page.wait_for_url(f"**/q/{n + 1}" if n < total else "**/submit")
    assert page.locator(".navigator a.answered").count() == total
    shot("hand-in")
    page.click("button:text-is('立即交卷')")
    page.wait_for_url("**/result")
    assert "您的答卷已提交" in page.locator("main").inner_text()
    shot("result")

    db.expire_all()
    attempt = db.get(Attempt, attempt.id)
    assert attempt.status is AttemptStatus.GRADED and attempt.language == "mn" and attempt.score is not None
    assert len([a for a in attempt.answers if a.response not in (None, "", [])]) == total

    # The exam administrator publishes the results: the candidate reads the score on the same page.
    publish_results(db, db.query(User).filter_by(username="examadmin").one(), plan.id)
    db.commit()
    page.reload()
    assert f"{float(attempt.score)}" in page.locator("main").inner_text()
    assert page.locator("main .status.big").count() == 1  # passed or failed, said once
    shot("result-published")
