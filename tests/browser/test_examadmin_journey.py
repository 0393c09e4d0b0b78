"""In a real browser, the exam administrator's journey from `flask seed-demo` data, through the pages only:
examadmin writes a question (previews it first), examadmin2 reviews and activates it (four eyes), examadmin
creates a qualification plan from the form and opens it. Once in Chinese, as the officers' offices work,
and once in English. A screenshot of every step is written under the test's temporary folder."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from examsys import clock
from examsys.demo import DEMO_PASSWORD, seed_demo

REF = "JOURNEY-CF-001"
STEM = "行政机关在作出行政处罚决定之前，应当告知当事人哪些事项？"
LAW = "中华人民共和国行政处罚法"

# What the user reads at each step, in each language.
TEXT = {
    "zh": {
        "preview": "预览：考生所见样式", "saved": f"试题 {REF} 已保存为草稿，须由其他考务管理员审核。",
        "author_note": "须由另一名考务管理员审核", "draft": "草稿", "review": "审核通过", "reviewed": "已审核通过。",
        "reviewed_status": "已审核", "activated": "该版本已启用，考试可抽取该版本。", "active": "已启用",
        "plan_saved": "考试计划已保存为草稿", "qualification": "资格考试", "quota_ok": "所有抽题数量均可满足",
        "opened": re.compile(r"考试已开放，已生成 (\d+) 份试卷。"), "open": "进行中", "plan_name": "2027年度行政执法人员资格考试（第一批）",
    },
    "en": {
        "preview": "Preview: as the candidate sees it", "saved": f"Question {REF} saved as a draft. Another exam administrator must review it.",
        "author_note": "a second exam administrator reviews it", "draft": "Draft", "review": "Mark reviewed",
        "reviewed": "Marked as reviewed.", "reviewed_status": "Reviewed", "activated": "The version is active: exams can draw it.",
        "active": "Active", "plan_saved": "The plan is saved as a draft", "qualification": "Qualification exam",
        "quota_ok": "Every quota can be filled", "opened": re.compile(r"The exam is open: (\d+) papers were generated\."),
        "open": "Open", "plan_name": "2027 qualification exam, first sitting",
    },
}

# Latin words a Chinese page may show.
ALLOWED_LATIN = {"JOURNEY", "CF", "English", "ACD",  # the typed ref, the language switch, the example multiple-choice key
                 "YAML", "XLSX", "XML", "ZIP", "CSV", "Moodle"}  # names of file formats


class Journey:
    def __init__(self, tab, base: str, lang: str, shots: Path) -> None:
        self.tab, self.base, self.lang, self.shots, self.step = tab, base, lang, shots, 0
        self.t = TEXT[lang]

    def shot(self, name: str) -> None:
        """A screenshot of the step; on a Chinese page, every word the user reads is Chinese."""
        self.step += 1
        self.tab.screenshot(path=str(self.shots / f"{self.step:02d}-{name}.png"), full_page=True)
        if self.lang == "zh":
            text = self.tab.locator("body").inner_text()
            latin = {w for w in re.findall(r"[A-Za-z]{2,}", text)} - ALLOWED_LATIN
            assert not latin, f"untranslated on {self.tab.url}: {sorted(latin)}"

    def main(self) -> str:
        return self.tab.locator("main").inner_text()

    def login(self, username: str) -> None:
        self.tab.goto(self.base + "/login")
        self.tab.fill("#identifier", username)
        self.tab.fill("#password", DEMO_PASSWORD)
        self.tab.click("main button.primary")
        self.tab.wait_for_url(self.base + "/")

    def logout(self) -> None:
        self.tab.click("form[action='/logout'] button")
        self.tab.wait_for_url("**/login**")

    def flash(self) -> str:
        return self.tab.locator(".flashes").inner_text()


def _journey(app, db, base: str, tab, lang: str, shots: Path) -> None:
    seed_demo(db)
    db.commit()
    j = Journey(tab, base, lang, shots)
    t = j.t
    tab.on("dialog", lambda dialog: dialog.accept())  # "Open the exam? …"

    # examadmin writes a question, looks at the preview, then saves it.
    j.login("examadmin")
    tab.click("nav a[href='/bank/']")
    tab.click("main a[href='/bank/new']")
    tab.fill("#ref", REF)
    tab.select_option("#type", "single_choice")
    tab.fill("#stem", STEM)
    tab.fill("#option_A", "拟作出的行政处罚内容及事实、理由、依据")
    tab.fill("#option_B", "行政机关负责人的个人信息")
    tab.fill("#option_C", "案件承办人员的考核结果")
    tab.fill("#answer", "A")
    assert LAW in tab.locator("#law option").all_inner_texts()  # a choice of the bank's laws, not free text
    tab.select_option("#law", LAW)
    tab.fill("#law_version", "2021")
    tab.fill("#article", "第四十四条")
    tab.fill("#explanation", "行政处罚法第四十四条规定了作出行政处罚决定之前的告知义务。")
    tab.click("button[name=intent][value=preview]")
    tab.wait_for_load_state()
    preview = tab.locator("[data-preview-target]")
    assert STEM in preview.inner_text() and preview.locator("input[type=radio]").count() == 3
    assert tab.url.endswith("/bank/new") and not tab.locator(".flashes").count()  # previewed, not saved
    assert tab.input_value("#stem") == STEM and tab.input_value("#law") == LAW  # the form keeps what was typed
    j.shot("question-preview")
    tab.click("button[name=intent][value=save]")
    tab.wait_for_url(re.compile(r".*/bank/\d+$"))
    question_url = tab.url
    assert t["saved"] in j.flash()
    head = tab.locator(".page-head").inner_text()
    assert REF in head and t["draft"] in head and t["review"] not in head  # no review button for the author
    assert t["author_note"] in j.main()
    j.shot("question-saved-author-view")
    j.logout()

    # examadmin2 finds it, reviews it and activates it.
    j.login("examadmin2")
    tab.click("nav a[href='/bank/']")
    tab.fill("input[name=q]", REF)
    tab.press("input[name=q]", "Enter")
    tab.wait_for_url("**/bank/?q=*")
    j.shot("bank-search")
    tab.click(f"main a:has-text('{REF}')")
    tab.wait_for_url(question_url)
    assert STEM in j.main()
    j.shot("question-reviewer-view")
    tab.click("form[action$='/review'] button")
    tab.wait_for_url(question_url)
    assert t["reviewed"] in j.flash() and t["reviewed_status"] in tab.locator(".page-head h1").inner_text()
    j.shot("question-reviewed")
    tab.click("form[action$='/activate'] button")
    tab.wait_for_url(question_url)
    assert t["activated"] in j.flash() and t["active"] in tab.locator(".page-head h1").inner_text()
    j.shot("question-active")
    j.logout()

    # examadmin creates a qualification plan from the form and opens it.
    j.login("examadmin")
    tab.click("nav a[href='/exams/plans']")
    tab.click("main a[href='/exams/plans/new']")
    opens = clock.now() + timedelta(days=7)
    tab.fill("#name", t["plan_name"])
    assert tab.locator("#kind option:checked").inner_text() == t["qualification"]
    tab.fill("#opens_at", opens.strftime("%Y-%m-%dT09:00"))
    tab.fill("#closes_at", opens.strftime("%Y-%m-%dT11:00"))
    tab.fill("#duration_minutes", "90")
    j.shot("plan-form")
    tab.click("main button[type=submit].primary")
    tab.wait_for_url(re.compile(r".*/exams/plans/\d+$"))
    assert t["plan_saved"] in j.flash()
    assert t["plan_name"] in tab.locator("h1").inner_text() and t["draft"] in tab.locator("h1").inner_text()
    assert t["qualification"] in j.main() and t["quota_ok"] in j.main()
    j.shot("plan-draft")
    tab.click("form[action$='/open'] button")
    tab.wait_for_load_state()
    opened = t["opened"].search(j.flash())
    assert opened and int(opened[1]) > 0  # a paper for every eligible officer of the region
    assert t["open"] in tab.locator("h1").inner_text()
    j.shot("plan-open")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_exam_administrators_journey(app, db, live_server, request, tmp_path, lang):
    tab = request.getfixturevalue("zh_page" if lang == "zh" else "page")
    shots = tmp_path / "shots"
    shots.mkdir()
    _journey(app, db, live_server, tab, lang, shots)
    assert len(list(shots.glob("*.png"))) == 9
