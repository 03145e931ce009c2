"""Answering the question with hostile input: a 400 page that says why and counts nothing, or one answer counted."""

from hypothesis import event, given
from hypothesis import strategies as st

from question.models import Answer
from question.views import VISITOR_COOKIE
from tests.fuzz import as_received, assert_errors_shown, hostile_text, post_form, rolled_back

answer_data = st.fixed_dictionaries(
    {
        "choice": st.one_of(st.sampled_from(Answer.Choice.values), hostile_text(50)),
        "state": st.one_of(st.sampled_from(["SC", "WY", "", "sc"]), hostile_text(10)),
    }
)
# What a visitor's browser may send back instead of the signed token we set.
cookie = st.one_of(st.none(), st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=";,")))


@given(data=answer_data, visitor=cookie)
def test_answer_with_hostile_input_is_refused_with_reason_or_counted_once(client, db, data, visitor):
    with rolled_back():
        client.cookies.clear()
        if visitor is not None:
            client.cookies[VISITOR_COOKIE] = visitor
        before = list(Answer.objects.values_list("pk", "choice", "state"))
        response = post_form(client, "/question/answer/", data)
        event(f"status {response.status_code}")

        if response.status_code == 400:
            assert_errors_shown(response, response.context["form"])
            assert list(Answer.objects.values_list("pk", "choice", "state")) == before
            return
        assert response.status_code == 302
        answer = Answer.objects.get()
        assert answer.choice == as_received(data["choice"])
        assert (answer.state_id or "") == as_received(data["state"])
        assert client.get("/question/").status_code == 200
