"""The question: one answer per person, results nationally and by state."""

from question.models import Answer
from question.views import VISITOR_COOKIE


def answer(client, choice: str, state: str = "SC"):
    return client.post("/question/answer/", {"choice": choice, "state": state})


def test_visitor_answers_once_and_can_change_it(client, db):
    response = answer(client, "yes")
    assert response.status_code == 302
    assert VISITOR_COOKIE in response.cookies
    answer(client, "no")
    assert Answer.objects.count() == 1
    assert Answer.objects.get().choice == "no"


def test_two_visitors_are_two_answers(client, db):
    answer(client, "yes")
    client.cookies.clear()
    answer(client, "yes", "WY")
    assert Answer.objects.count() == 2


def test_a_tampered_cookie_is_not_another_persons_answer(client, db):
    answer(client, "yes")
    first = Answer.objects.get()
    client.cookies[VISITOR_COOKIE] = first.visitor  # unsigned: forged
    answer(client, "no")
    first.refresh_from_db()
    assert first.choice == "yes"


def test_member_answers_by_account(client, member):
    client.force_login(member)
    answer(client, "unsure")
    answer(client, "yes")
    assert Answer.objects.get(user=member).choice == "yes"
    assert Answer.objects.count() == 1


def test_results_show_bars_nationally_and_by_state(client, db):
    for choice, state in [("yes", "SC"), ("yes", "SC"), ("no", "SC"), ("yes", "WY")]:
        client.cookies.clear()
        answer(client, choice, state)
    html = client.get("/question/").content.decode()
    assert "Nationally</strong> · 4 answers" in html
    assert "South Carolina</strong> · 3 answers" in html
    assert "67% (2)" in html  # SC: 2 of 3 yes
    assert "75% (3)" in html  # nationally: 3 of 4 yes


def test_bad_answers_change_nothing_and_say_why(client, db):
    for data in [{}, {"choice": "maybe"}, {"choice": "yes", "state": "ZZ"}, {"choice": "<script>x</script>" * 100}]:
        response = client.post("/question/answer/", data)
        assert response.status_code == 400
        html = response.content.decode()
        assert "Please choose yes, no or not sure." in html or "Please pick a state from the list." in html
        assert "<script>x" not in html
    assert not Answer.objects.exists()


def test_answers_are_rate_limited_per_network(client, db):
    for _ in range(30):
        client.cookies.clear()
        assert answer(client, "yes").status_code == 302
    client.cookies.clear()
    response = answer(client, "yes")
    assert response.status_code == 429
    assert "Too many answers" in response.content.decode()
    assert Answer.objects.count() == 30


def test_question_page_queries_are_bounded(client, db, django_assert_max_num_queries):
    for i in range(40):
        Answer.objects.create(
            choice="yes" if i % 2 else "no", state_id=["SC", "WY", "NY", "OR"][i % 4], visitor=f"v{i}"
        )
    with django_assert_max_num_queries(12):  # cold: results computed and cached
        assert client.get("/question/").status_code == 200
    with django_assert_max_num_queries(5):  # warm: the results come from the cache; the footer reads the call
        assert client.get("/question/").status_code == 200
