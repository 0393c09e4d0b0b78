"""The exam room in the Mongolian interface: the start page, the question page (bar, counter, navigator, buttons, the
room script's messages), the hand-in page and the result read in Mongolian set vertically (the `mong` filter), with
plain text in every attribute, and the Chinese room as it was. The paper here is the Chinese one: the interface's
language and the paper's are separate choices (docs/mongolian.md)."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.html_checks import english_words
from tests.test_mongolian import ALLOWED_WORDS, MONGOLIAN, _catalog, _read
from tests.test_mongolian_paper import sitting

MN = {"Accept-Language": "mn"}
ZH = {"Accept-Language": "zh-CN"}


def _vertical(text: str) -> str:
    return f'<span class="mong" lang="mn-Mong">{text}</span>'


class _Attributes(HTMLParser):
    """Every attribute value of a page, by name."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.values.extend((name, value) for name, value in attrs if value)


def _assert_plain_attributes(html: str, where: str) -> None:
    """No data-msg-*, data-confirm, data-state-*, aria-label or title holds markup (`mong` inside an attribute
    would put a span's tags in a screen reader's words or a dialog)."""
    parser = _Attributes()
    parser.feed(html)
    read = [(name, value) for name, value in parser.values
            if name.startswith(("data-msg-", "data-confirm", "data-state-")) or name in ("aria-label", "title")]
    assert read, where
    marked = [(name, value) for name, value in read if "<" in value or "mong" in value]
    assert not marked, f"{where}: markup in an attribute: {marked[:3]}"


def _assert_mongolian_page(response, where: str) -> None:
    """As tests/test_mongolian.py's check of the officer's pages: Mongolian, no English word (the test candidate's
    name, "Candidate", is data), and no Mongolian outside an element marked lang="mn-Mong"."""
    html = response.get_data(as_text=True)
    text = _read(html)
    joined = "\n".join(text.texts)
    assert 'lang="mn-Mong-CN">' in html.split("<head>")[0], where
    assert len(MONGOLIAN.findall(joined)) > 40, where
    assert not english_words(joined, ALLOWED_WORDS | {"candidate"}), where
    assert not text.unmarked, f"{where}: Mongolian text outside lang=mn-Mong: {text.unmarked[:3]}"



def test_the_room_reads_in_mongolian_set_vertically_with_plain_attributes(db, tree, app, frozen_clock):
    client, attempt = sitting(db, tree, app)
    mn = _catalog()
    start = client.get(f"/exams/attempt/{attempt.id}", headers=MN).get_data(as_text=True)
    assert f"<h2>{_vertical(mn['Rules'])}</h2>" in start
    assert f'>{_vertical(mn["Start the exam"])}</button>' in start
    assert f'data-confirm="{mn["Start now? The clock starts at once."]}"' in start
    assert re.search(r'<li><span class="mong" lang="mn-Mong">[^<]*\d{4}\u2011\d\d\u2011\d\d\u00a0\d\d:\d\d', start)  # the date unbroken
    _assert_plain_attributes(start, "start")
    assert not _read(start).unmarked

    # the Chinese paper in the Mongolian interface: the room's own words are Mongolian
    assert client.post(f"/exams/attempt/{attempt.id}/start", data={"language": "zh"}).status_code == 302
    total = len(attempt.items)
    page = client.get(f"/exams/attempt/{attempt.id}/q/1", headers=MN)
    html = page.get_data(as_text=True)
    assert "mn-paper" not in html
    _assert_mongolian_page(page, "question 1")
    assert f'<span class="timer" role="timer" aria-live="off">{_vertical(mn["Time left:"])} <span data-timer>' in html
    assert f' {_vertical(mn["min"])}</span></span>' in html
    assert f'<p class="muted">{_vertical(mn["Question %(n)d of %(total)d"] % {"n": 1, "total": total})} · ' in html
    assert _vertical(mn["%(p)s points"] % {"p": "4.0"}) in html
    assert f'value="next" class="button primary">{_vertical(mn["Save and next"])} ›</button>' in html
    assert f'>{_vertical(mn["Hand in…"])}</a>' in html
    assert f'> {_vertical(mn["Flag this question to come back to it"])}</label>' in html
    assert f'<span class="nav-legend" aria-hidden="true">{_vertical(mn["✓ answered · ⚑ flagged"])}</span>' in html
    # the room script's words: plain in their attributes, written into vertical spans on the page
    for name, msgid in (("saving", "Saving…"), ("saved", "Saved"), ("failed", "Not saved — retrying"),
                        ("ten", "10 minutes left."), ("five", "5 minutes left.")):
        assert f'data-msg-{name}="{mn[msgid]}"' in html, name
    assert ('<span class="save-state" data-save-state aria-live="polite"><span class="mong" lang="mn-Mong" data-say></span>'
            '<span data-say-time></span></span>') in html
    assert '<p class="exam-warning" data-warning role="alert" hidden><span class="mong" lang="mn-Mong" data-say></span></p>' in html
    assert f'aria-label="{mn["Question %(n)d, not answered"] % {"n": 1}}"' in html
    assert f'aria-label="{mn["Question navigator"]}"' in html and f'aria-label="{mn["Question %(n)d"] % {"n": 1}}"' in html
    _assert_plain_attributes(html, "question 1")

    # answered: the next page says so; the last question offers the review
    assert client.post(f"/exams/attempt/{attempt.id}/q/1", data={"answer": "A", "go": "next"}).status_code == 302
    html = client.get(f"/exams/attempt/{attempt.id}/q/2", headers=MN).get_data(as_text=True)
    assert f'>‹ {_vertical(mn["Previous"])}</button>' in html
    assert f'aria-label="{mn["Question %(n)d, answered"] % {"n": 1}}"' in html
    html = client.get(f"/exams/attempt/{attempt.id}/q/1", headers=MN).get_data(as_text=True)
    assert f'<span class="mong" lang="mn-Mong" data-say>{mn["Saved"]}</span>' in html
    last = client.get(f"/exams/attempt/{attempt.id}/q/{total}", headers=MN)
    _assert_mongolian_page(last, "the last question")
    assert f'value="submit" class="button primary">{_vertical(mn["Save and review"])}</button>' in last.get_data(as_text=True)

    hand_in = client.get(f"/exams/attempt/{attempt.id}/submit", headers=MN)
    html = hand_in.get_data(as_text=True)
    _assert_mongolian_page(hand_in, "hand-in")
    assert f'<h1 class="hand-in-title">{_vertical(mn["Hand in"])} <span>蒙汉双语考试</span></h1>' in html
    assert _vertical(mn["%(n)d questions are not answered."] % {"n": total - 1}) in html
    assert f'<p>{_vertical(mn["After handing in you cannot change any answer."])}</p>' in html
    assert f'data-confirm="{mn["Hand in now?"]}">{_vertical(mn["Hand in now"])}</button>' in html
    assert f'>{_vertical(mn["Back to the questions"])}</a>' in html
    _assert_plain_attributes(html, "hand-in")

    assert client.post(f"/exams/attempt/{attempt.id}/submit").status_code == 302
    result = client.get(f"/exams/attempt/{attempt.id}/result", headers=MN)
    html = result.get_data(as_text=True)
    assert _read(html).unmarked == [] and f'<a href="/exams/">{_vertical(mn["My exams"])}</a>' in html
    assert f"<strong>{_vertical(mn['Submitted'])}</strong>" in html or f"<strong>{_vertical(mn['Graded'])}</strong>" in html


def test_the_chinese_room_is_as_it_was(db, tree, app, frozen_clock):
    client, attempt = sitting(db, tree, app)
    start = client.get(f"/exams/attempt/{attempt.id}", headers=ZH).get_data(as_text=True)
    assert "<h2>考试须知</h2>" in start and ">开始考试</button>" in start and 'class="mong"' not in start.split("</header>")[1]
    assert client.post(f"/exams/attempt/{attempt.id}/start", data={"language": "zh"}).status_code == 302
    html = client.get(f"/exams/attempt/{attempt.id}/q/1", headers=ZH).get_data(as_text=True)
    assert '<span class="timer" role="timer" aria-live="off">剩余时间： <span data-timer>' in html
    assert '<span class="save-state" data-save-state aria-live="polite"></span>' in html
    assert '<p class="exam-warning" data-warning role="alert" hidden></p>' in html
    assert f'<p class="muted">第 1 题，共 {len(attempt.items)} 题 · ' in html
    assert '<button type="submit" name="go" value="next" class="button primary">保存并进入下一题 ›</button>' in html
    assert '<span class="nav-legend" aria-hidden="true">✓ 已作答 · ⚑ 已标记</span>' in html
    assert 'class="mong"' not in html.split("</header>")[1]
    html = client.get(f"/exams/attempt/{attempt.id}/submit", headers=ZH).get_data(as_text=True)
    assert "<h1>交卷：蒙汉双语考试</h1>" in html and ">立即交卷</button>" in html
