"""Editing "My profile" with hostile input: no 500, a reason on the page, and a refused edit changes nothing."""

from django.contrib.admin.models import LogEntry
from hypothesis import event, example, given
from hypothesis import strategies as st

from members.models import ConsentRecord, Member, MembershipEvent
from tests.factories import SC_OTHER_ZIP, SC_ZIP, WY_ZIP, edit_version
from tests.fuzz import as_received, assert_errors_shown, hostile_text, post_form, rolled_back

VALID = {
    "first_name": "Ann", "last_name": "Avery", "phone": "+18035550100", "zip_code": SC_ZIP, "county": "",
    "email_updates": "on", "text_messages": "", "show_name_publicly": "", "confirm_move": "",
}  # fmt: skip


@st.composite
def profile_data(draw) -> dict[str, str]:
    """The member's own details with one or two fields replaced by hostile text."""
    data = dict(VALID)
    data["zip_code"] = draw(st.sampled_from([SC_ZIP, SC_OTHER_ZIP, WY_ZIP]))
    data["confirm_move"] = draw(st.sampled_from(["", "on"]))
    for name in draw(st.permutations(sorted(VALID)))[: draw(st.integers(1, 2))]:
        data[name] = draw(hostile_text())
    return data


def snapshot(member: Member) -> tuple:
    member = Member.objects.select_related("user").get(pk=member.pk)
    fields = ("phone", "zip_code_id", "county_id", "chapter_id", "state_id", "email_updates", "text_messages",
              "show_name_publicly", "status")  # fmt: skip
    return (
        member.user.first_name, member.user.last_name, *(str(getattr(member, f)) for f in fields),
        ConsentRecord.objects.count(), MembershipEvent.objects.count(), LogEntry.objects.count(),
    )  # fmt: skip


@given(data=profile_data())
@example(data=VALID | {"zip_code": "2920\x00"})
@example(data=VALID | {"county": "\x00"})
def test_profile_edit_with_hostile_input_refuses_clearly_or_stores_exactly(client, sc_member, chapter_b, data):
    with rolled_back():
        client.force_login(sc_member.user)
        before = snapshot(sc_member)
        # The form's edit marker, as the page gives it (never fuzzed: without it every save is refused).
        response = post_form(client, "/profile/", data | {"edit_version": edit_version(sc_member)})
        event(f"status {response.status_code}")

        if response.status_code != 302:
            assert response.status_code == 200
            form = response.context["form"]
            if form.is_valid() and form.asks_to_move:  # a question, not an error: nothing saved until yes
                assert "Move to " in response.content.decode()
                assert snapshot(sc_member) == before
                return
            assert_errors_shown(response, form)
            assert snapshot(sc_member) == before
            return
        member = Member.objects.select_related("user").get(pk=sc_member.pk)
        assert member.user.first_name == as_received(data["first_name"]).strip()
        assert member.user.last_name == as_received(data["last_name"]).strip()
        assert member.zip_code_id == as_received(data["zip_code"]).strip()
        assert member.email_updates == bool(data["email_updates"])
        # A phone is stored in E.164 whatever way it was typed; none typed, none stored.
        assert str(member.phone).startswith("+1") if as_received(data["phone"]).strip() else not member.phone
