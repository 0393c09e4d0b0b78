"""The officer's exam, start to end, driven only through the pages on the demo data (`flask seed-demo`):
log in, My exams, start, every question with "next" and again with the navigator, a reload mid-way,
hand in; then the exam administrator's proctor view shows no departure. In Chinese, then the key steps in
English. Screenshots of each step are written under the test's temporary folder."""
from __future__ import annotations

from pathlib import Path

from examsys.auth.models import User
from examsys.demo import DEMO_EXAM, DEMO_PASSWORD
from examsys.exams.models import Attempt, AttemptStatus, ExamPlan
from tests.browser.room_steps import login, proctor_row

ZH = {"my_exams": "我的考试", "go": "进入考试", "start": "开始考试", "next": "保存并进入下一题", "review": "保存并检查",
      "hand_in": "交卷…", "hand_in_now": "立即交卷", "all_answered": "所有试题均已作答。", "handed_in": "您的答卷已提交",
      "left": "离开考试页面", "proctor": "监考视图", "saved": "已保存"}
EN = {"my_exams": "My exams", "go": "Go to the exam", "start": "Start the exam", "next": "Save and next", "review": "Save and review",
      "hand_in": "Hand in…", "hand_in_now": "Hand in now", "all_answered": "All questions are answered.", "handed_in": "Your answers are in",
      "left": "Left the exam page", "proctor": "Proctor view", "saved": "Saved"}


def _seed(app, runner, tmp_path: Path) -> None:
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    seeded = runner.invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output


class Steps:
    """One officer's sitting in one language, a screenshot per step."""

    def __init__(self, page, base: str, words: dict[str, str], shots: Path) -> None:
        self.page, self.base, self.words, self.shots = page, base, words, shots
        self.count = 0
        shots.mkdir(parents=True, exist_ok=True)
        page.on("dialog", lambda dialog: dialog.accept())  # the confirmations: start now? hand in now?

    def shot(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(path=str(self.shots / f"{self.count:02d}-{name}.png"), full_page=True)

    def open_exam(self, username: str) -> None:
        page, w = self.page, self.words
        page.goto(self.base + "/login")
        self.shot("login")
        login(page, self.base, username, DEMO_PASSWORD)
        self.shot("home")
        page.click(f"#site-nav a:text-is('{w['my_exams']}')")
        page.wait_for_url("**/exams/")
        self.shot("my-exams")
        page.locator("section.card", has_text=DEMO_EXAM).locator(f"a:text-is('{w['go']}')").click()
        self.shot("rules")
        page.click(f"button:text-is('{w['start']}')")
        page.wait_for_url("**/q/1")
        self.shot("question-1")

    def answer(self, expect_saved: bool = True) -> None:
        """The first option (the first two of a multiple choice), saved by the page's script."""
        page = self.page
        if page.locator("input[name=answer][type=checkbox]").count():
            page.check("input[name=answer] >> nth=0")
            page.check("input[name=answer] >> nth=1")
        else:
            page.check("input[name=answer] >> nth=0")
        if expect_saved:
            page.wait_for_selector(f"[data-save-state]:text-matches('^{self.words['saved']} ')")

    def next(self, n: int, total: int) -> None:
        self.page.click(f"button:has-text('{self.words['next'] if n < total else self.words['review']}')")
        self.page.wait_for_url(f"**/q/{n + 1}" if n < total else "**/submit")

    def navigator(self, n: int) -> None:
        self.page.click(f".navigator a:text-is('{n}')")  # the link's text: the number and, after it, its marks
        self.page.wait_for_url(f"**/q/{n}")

    def hand_in(self, summary: str) -> None:
        page, w = self.page, self.words
        page.click(f"a:text-is('{w['hand_in']}')")
        page.wait_for_url("**/submit")
        assert summary in page.locator("main").inner_text()
        self.shot("hand-in")
        page.click(f"button:text-is('{w['hand_in_now']}')")
        page.wait_for_url("**/result")
        assert w["handed_in"] in page.locator("main").inner_text()
        self.shot("result")


def _attempt(db, username: str) -> Attempt:
    db.expire_all()
    user = db.query(User).filter_by(username=username).one()
    plan = db.query(ExamPlan).filter_by(name=DEMO_EXAM).one()
    return db.query(Attempt).filter_by(plan_id=plan.id, person_id=user.person_id).one()


def _proctor(browser, base, attempt, shots, locale) -> str:
    """The candidate's row (demo names repeat: the row of their organisation)."""
    return proctor_row(browser, base, "examadmin", DEMO_PASSWORD, attempt.plan_id, attempt.person.name, shots, locale=locale,
                       org=attempt.person.org.name)


def test_the_officer_takes_the_demo_exam_start_to_end_in_chinese(app, db, runner, live_server, zh_page, browser, tmp_path):
    _seed(app, runner, tmp_path)
    steps = Steps(zh_page, live_server, ZH, tmp_path / "zh")
    steps.open_exam("officer")
    attempt = _attempt(db, "officer")
    total = len(attempt.items)
    assert total == 50
    for n in range(1, total + 1):  # every question with "next"
        steps.answer()
        if n == total // 2:  # reload mid-way: the answers are kept
            zh_page.reload()
            assert zh_page.locator("input[name=answer]:checked").count() >= 1
            assert zh_page.locator(".navigator a.answered").count() == n
            steps.shot(f"question-{n}-reloaded")
        steps.next(n, total)
    steps.shot("review")
    assert zh_page.locator(".navigator a.answered").count() == total
    for n in range(1, total + 1):  # every question again, through the navigator: each shows its answer
        steps.navigator(n)
        assert zh_page.locator("input[name=answer]:checked").count() >= 1, n
        assert zh_page.get_by_role("link", name=f"第 {n} 题，已作答", exact=True).count() == 1
    steps.shot("navigator-last")
    steps.hand_in(ZH["all_answered"])

    attempt = _attempt(db, "officer")
    assert attempt.status is AttemptStatus.GRADED and attempt.departures == 0
    assert all(a.response not in (None, "", []) for a in attempt.answers) and len(attempt.answers) == total
    row = _proctor(browser, live_server, attempt, tmp_path / "zh" / "99-proctor.png", "zh-CN")
    assert "已评分" in row and ZH["left"] not in row, row


def test_the_key_steps_in_english(app, db, runner, live_server, page, browser, tmp_path):
    _seed(app, runner, tmp_path)
    steps = Steps(page, live_server, EN, tmp_path / "en")
    steps.open_exam("officer2")
    total = len(_attempt(db, "officer2").items)
    for n in range(1, 4):
        steps.answer()
        steps.next(n, total)
    page.reload()
    steps.shot("question-4-reloaded")
    steps.navigator(2)
    assert page.locator("input[name=answer]:checked").count() >= 1
    assert page.get_by_role("link", name="Question 3, answered", exact=True).count() == 1
    steps.navigator(total)
    steps.answer()
    steps.shot("last-question")
    steps.hand_in(f"{total - 4} questions are not answered.")

    attempt = _attempt(db, "officer2")
    assert attempt.finished and attempt.departures == 0
    assert sum(1 for a in attempt.answers if a.response not in (None, "", [])) == 4
    row = _proctor(browser, live_server, attempt, tmp_path / "en" / "99-proctor.png", "en-US")
    assert "Graded" in row and EN["left"] not in row, row
