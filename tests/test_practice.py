"""Practice mode: immediate feedback with the explanation, and a wrong-answer book that empties as you learn."""
from examsys.bank.models import QuestionVersion
from examsys.exams import practice
from examsys.personnel.models import PersonnelKind
from tests.factories import make_person, make_user


def test_practice_gives_feedback_and_keeps_a_wrong_answer_book(db, tree, exam, client, auth):
    auxiliary = db.query(type(exam["auxiliary"])).filter_by(kind=PersonnelKind.AUXILIARY).first()
    make_user(db, "helper", tree.county_dept, person=auxiliary)
    auth.login("helper")  # auxiliary staff may practise
    assert "中华人民共和国行政处罚法" in client.get("/practice/").get_data(as_text=True)
    version = db.query(QuestionVersion).filter(QuestionVersion.type == "single_choice").first()
    page = client.post("/practice/question", data={"version_id": version.id, "answer": "A"}).get_data(as_text=True)
    assert "Not right." in page and "Key: B" in page and "解析" in page
    assert version.stem in client.get("/practice/wrong").get_data(as_text=True)
    page = client.post("/practice/question", data={"version_id": version.id, "answer": "B"}).get_data(as_text=True)
    assert "Right!" in page
    assert "The book is empty." in client.get("/practice/wrong").get_data(as_text=True)


def test_practice_prefers_questions_not_yet_seen(db, tree, exam):
    user = exam["candidate"]
    seen = set()
    for _ in range(5):
        version = practice.next_question(db, user, "中华人民共和国行政强制法")
        practice.answer(db, user, version.id, "true")
        seen.add(version.id)
    assert len(seen) == 5


def test_accounts_without_a_person_cannot_practise(db, tree, client, auth):
    make_user(db, "adminonly", tree.region)
    auth.login("adminonly")
    assert client.get("/practice/").status_code == 403
    make_person(db, tree.county_dept)


def test_practice_shows_the_options_shuffled_and_the_key_in_the_letters_shown(db, tree, exam, client, auth):
    import re

    auth.login("candidate")
    orders = set()
    for _ in range(12):
        page = client.get("/practice/question", query_string={"law": "中华人民共和国行政处罚法"}).get_data(as_text=True)
        order = re.search(r'name="order" value="([A-H,]+)"', page)[1]
        shown = re.findall(r'value="([A-H])"', page.split('name="order"')[1])
        assert shown == order.split(",")  # the options appear in the order the page sends back
        orders.add(order)
    assert len(orders) > 1 and orders != {"A,B,C,D"}
    version = db.query(QuestionVersion).filter(QuestionVersion.type == "single_choice").first()  # key B (stored)
    page = client.post("/practice/question", data={"version_id": version.id, "answer": "B", "order": "B,A,C,D"}).get_data(as_text=True)
    assert "Right!" in page and "Key: A" in page
    assert page.index(f"乙{version.stem[3:]}") < page.index(f"甲{version.stem[3:]}")  # shown as B first, as before
    page = client.post("/practice/question", data={"version_id": version.id, "answer": "C", "order": "x,y"}).get_data(as_text=True)
    assert "Not right." in page and "Key: B" in page  # a tampered order falls back to the stored one
