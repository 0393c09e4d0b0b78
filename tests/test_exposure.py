"""Exposure: how often each version was drawn and seen; the bank page flags the over-exposed; a plan may prefer
less-exposed questions, and enemy groups still hold."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from examsys import clock
from examsys.bank.models import BankPart, QuestionType, QuestionVersion
from examsys.exams import papers
from examsys.exams import plans as services
from examsys.exams.exposure import Exposure, exposure
from examsys.exams.models import Attempt, ExamKind

TF = "true_false"


def _plan(*sections: tuple[str, int], prefer: bool = True):
    return SimpleNamespace(sections=[SimpleNamespace(type=QuestionType(t), count=n, points_each=Decimal(1)) for t, n in sections],
                           shuffle_questions=True, shuffle_options=True, prefer_less_exposed=prefer)


def _shapes(drawn: dict[int, int], groups: dict[int, str] | None = None) -> papers.Shapes:
    return {v: (TF, None, (groups or {}).get(v), n) for v, n in drawn.items()}


def test_a_plan_preferring_less_exposed_items_draws_them_over_many_seeds_and_keeps_enemy_groups():
    # 40 questions: 1–20 drawn onto 50 papers each, 21–40 onto none; the unexposed ones pair up in enemy groups.
    drawn = {v: 50 if v <= 20 else 0 for v in range(1, 41)}
    groups = {v: f"g{(v - 21) // 2}" for v in range(21, 41)}
    shapes = _shapes(drawn, groups)
    pool = [list(range(1, 41))]
    seen: Counter[int] = Counter()
    for n in range(1000):
        versions = [item["v"] for item in papers.assemble(_plan((TF, 6)), pool, shapes, f"seed{n}")]
        assert len(set(versions)) == 6 and all(v > 20 for v in versions), (n, versions)
        assert max(Counter(groups[v] for v in versions).values()) == 1, (n, versions)
        seen.update(versions)
    assert set(seen) == set(range(21, 41))  # every unexposed question gets its turn
    # without the preference, the same figures change nothing: the exposed half is drawn as often as before
    plain = Counter(item["v"] for n in range(300) for item in papers.assemble(_plan((TF, 6), prefer=False), pool, shapes, f"seed{n}"))
    assert sum(plain[v] for v in range(1, 21)) > 600


def test_the_preference_is_reproducible_and_falls_back_to_the_whole_pool_when_groups_leave_too_few():
    drawn = {v: 9 if v <= 10 else 0 for v in range(1, 21)}
    shapes = _shapes(drawn)
    plan = _plan((TF, 5))
    assert papers.assemble(plan, [list(range(1, 21))], shapes, "s") == papers.assemble(plan, [list(range(1, 21))], shapes, "s")
    # the ten unexposed questions are one enemy group: they give one question, the rest comes from the exposed ones
    grouped = _shapes(drawn, {v: "same" for v in range(11, 21)})
    for n in range(200):
        versions = [item["v"] for item in papers.assemble(plan, [list(range(1, 21))], grouped, f"seed{n}")]
        assert len(set(versions)) == 5 and sum(v > 10 for v in versions) <= 1


def test_ties_at_the_edge_of_the_window_are_all_drawable():
    # 4 exposed, 16 tied at 1: the window is at least half the pool and takes in every question tied at its edge
    shapes = _shapes({v: 5 if v <= 4 else 1 for v in range(1, 21)})
    assert papers.least_exposed(list(range(1, 21)), 3, shapes) == list(range(5, 21))
    assert papers.least_exposed(list(range(1, 7)), 3, shapes) == list(range(1, 7))  # a pool of twice the quota: all of it


def test_exposure_counts_papers_drawn_and_started_and_the_pages_show_it(db, tree, exam, client, auth, app):
    plan = exam["plan"]
    attempts = db.query(Attempt).filter_by(plan_id=plan.id).order_by(Attempt.id).all()
    # the second candidate holds the first one's paper, as a shared-paper plan gives it: every version of it is
    # drawn twice whatever the random draw (which differs between databases)
    attempts[1].items = list(attempts[0].items)
    attempts[0].start("device")
    db.commit()
    expected_drawn: Counter[int] = Counter(item["v"] for a in attempts for item in a.items)
    expected_seen: Counter[int] = Counter(item["v"] for item in attempts[0].items)
    figures = exposure(db)
    assert {v: e.drawn for v, e in figures.items()} == dict(expected_drawn)
    assert {v: e.seen for v, e in figures.items() if e.seen} == dict(expected_seen)
    version_id = max(attempts[0].items, key=lambda item: expected_drawn[item["v"]])["v"]
    assert expected_drawn[version_id] >= 2
    auth.login("examiner")
    page = client.get(f"/exams/items/{version_id}").get_data(as_text=True)
    drawn, seen = figures[version_id].drawn, figures[version_id].seen
    assert f"drawn onto {drawn} papers, seen on {seen}" in page
    app.config["BANK_EXPOSURE_LIMIT"] = drawn - 1
    bank = client.get("/bank/?q=" + db.get(QuestionVersion, version_id).question.ref).get_data(as_text=True)
    assert "Over-exposed" in bank
    app.config["BANK_EXPOSURE_LIMIT"] = drawn
    assert "Over-exposed" not in client.get("/bank/?q=" + db.get(QuestionVersion, version_id).question.ref).get_data(as_text=True)
    assert exposure(db, [version_id]) == {version_id: Exposure(drawn, seen)}


def test_opening_a_plan_that_prefers_less_exposed_items_draws_the_less_drawn(db, tree, exam):
    admin = exam["admin"]
    first = exam["plan"]
    drawn_before = {v for a in db.query(Attempt).filter_by(plan_id=first.id) for v in (item["v"] for item in a.items)}
    from tests.exam_fixtures import SMALL_BLUEPRINT

    now = clock.now()
    sections = SMALL_BLUEPRINT
    second = services.create_plan(db, admin, name="再考", kind=ExamKind.QUALIFICATION, org_id=tree.region.id, part=BankPart.COMMON,
                                  domain_id=None, opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(hours=2),
                                  sections=sections, prefer_less_exposed=True)
    assert second.prefer_less_exposed
    _pools, shapes = papers.pools_for(db, second)
    assert any(shape[3] > 0 for shape in shapes.values()) and all(shape[3] == 0 for v, shape in shapes.items() if v not in drawn_before)
