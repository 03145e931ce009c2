"""The endorsements admin: the five-role matrix on every page and action, and the queue actions."""

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from endorsements.models import Endorsement
from tests.factories import ROLES, make_endorsement, png

S = Endorsement.Status
CHANGELIST = reverse("admin:endorsements_endorsement_changelist")
ADD = reverse("admin:endorsements_endorsement_add")
AUTOCOMPLETE = reverse("admin:autocomplete")
# Which of the three endorsements (SC, WY, national) each role may reach in the admin.
REACH = {
    "national": {"sc", "wy", "national"},
    "coordinator_a": {"sc"},
    "coordinator_b": {"wy"},
    "member": set(),
    "anonymous": set(),
}
STAFF = {"national", "coordinator_a", "coordinator_b"}


@pytest.fixture
def objects(sc_endorsement, wy_endorsement, national_endorsement) -> dict[str, Endorsement]:
    return {"sc": sc_endorsement, "wy": wy_endorsement, "national": national_endorsement}


def url(name: str, endorsement: Endorsement) -> str:
    return reverse(f"admin:endorsements_endorsement_{name}", args=[endorsement.pk])


def assert_no_admin_access(response) -> None:
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_changelist_shows_only_the_roles_endorsements(as_role, objects, role):
    response = as_role(role).get(CHANGELIST)
    if role not in STAFF:
        assert_no_admin_access(response)
        return
    assert response.status_code == 200
    shown = {key for key, e in objects.items() if e.name in response.content.decode()}
    assert shown == REACH[role]


@pytest.mark.parametrize("role", ROLES)
def test_add_page(as_role, objects, role):
    response = as_role(role).get(ADD)
    if role not in STAFF:
        assert_no_admin_access(response)
        return
    assert response.status_code == 200
    choices = [str(pk) for pk, _ in response.context["adminform"].form.fields["state"].choices]
    if role == "national":
        assert "" in choices
        assert {"SC", "WY", "CA"} <= set(choices)
    else:
        assert choices == [{"coordinator_a": "SC", "coordinator_b": "WY"}[role]]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["change", "history", "delete"])
def test_object_pages_reach_only_the_roles_endorsements(as_role, objects, role, page):
    client = as_role(role)
    for key, endorsement in objects.items():
        response = client.get(url(page, endorsement))
        body = response.content.decode()
        if role not in STAFF:
            assert_no_admin_access(response)
        elif key not in REACH[role]:
            # Outside the user's scope and missing look the same (chapters/scoping.py).
            assert response.status_code == 404
            assert endorsement.name not in body
        elif page == "delete" and role != "national":
            assert response.status_code == 403  # coordinators may not delete at all
            assert endorsement.name not in body
        else:
            assert response.status_code == 200
            assert endorsement.name in body


@pytest.mark.parametrize("role", ROLES)
def test_user_autocomplete_is_for_national_coordinators_only(as_role, objects, member, role):
    response = as_role(role).get(
        AUTOCOMPLETE, {"app_label": "endorsements", "model_name": "endorsement", "field_name": "user", "term": "mem"}
    )
    if role not in STAFF:
        assert_no_admin_access(response)
    elif role == "national":
        assert response.status_code == 200
        assert str(member.pk) in [r["id"] for r in response.json()["results"]]
    else:
        assert response.status_code == 403
        assert "Mem Ber" not in response.content.decode()


def test_coordinators_do_not_see_the_member_link_field(as_role, objects):
    response = as_role("coordinator_a").get(url("change", objects["sc"]))
    assert "user" not in response.context["adminform"].form.fields
    response = as_role("national").get(url("change", objects["sc"]))
    assert "user" in response.context["adminform"].form.fields


ACTIONS = {
    "verify_selected": ({"apply": "yes", "method": "call", "note": "Called the campaign."}, S.SUBMITTED, S.VERIFIED),
    "publish_selected": ({}, S.VERIFIED, S.PUBLISHED),
    "reject_selected": ({"apply": "yes", "reason": "Could not confirm."}, S.SUBMITTED, S.REJECTED),
    "feature_selected": ({}, S.PUBLISHED, S.PUBLISHED),
    "withdraw_selected": ({}, S.PUBLISHED, S.WITHDRAWN),
    "delete_selected": ({"post": "yes"}, S.SUBMITTED, None),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_actions_change_only_the_roles_endorsements(as_role, chapter_a, chapter_b, role, action):
    extra, before, after = ACTIONS[action]
    targets = {state or "national": make_endorsement(state, before) for state in ("SC", "WY", None)}
    targets = {k.lower(): v for k, v in targets.items()}
    client = as_role(role)
    # A crafted POST that selects every endorsement, in scope or not.
    response = client.post(
        CHANGELIST, {"action": action, "_selected_action": [e.pk for e in targets.values()], **extra}
    )
    allowed = REACH[role] if action != "delete_selected" or role == "national" else set()
    if role not in STAFF:
        assert_no_admin_access(response)
    else:
        assert response.status_code == 302 if allowed else response.status_code in (200, 302)
    for key, endorsement in targets.items():
        fresh = Endorsement.objects.filter(pk=endorsement.pk).first()
        if key in allowed:
            if after is None:
                assert fresh is None
            else:
                assert fresh.status == after
                if action == "feature_selected":
                    assert fresh.featured
        else:
            assert fresh is not None
            assert (fresh.status, fresh.featured) == (before, False)
            assert not LogEntry.objects.filter(object_id=str(endorsement.pk)).exists()


def test_verify_asks_for_the_note_on_an_intermediate_page(as_role, objects):
    client = as_role("coordinator_a")
    sc = objects["sc"]
    response = client.post(CHANGELIST, {"action": "verify_selected", "_selected_action": [sc.pk]})
    assert response.status_code == 200
    assert "Verification note" in response.content.decode()
    assert sc.name in response.content.decode()
    sc.refresh_from_db()
    assert sc.status == S.SUBMITTED

    response = client.post(
        CHANGELIST, {"action": "verify_selected", "_selected_action": [sc.pk], "apply": "yes", "method": "call"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"note": ["This field is required."]}
    sc.refresh_from_db()
    assert sc.status == S.SUBMITTED

    response = client.post(
        CHANGELIST,
        {"action": "verify_selected", "_selected_action": [sc.pk], "apply": "yes", "method": "official_email",
         "note": "Mail from sam@senate.example.gov"},
        follow=True,
    )  # fmt: skip
    assert "Verified: Sam Carolina." in response.content.decode()
    sc.refresh_from_db()
    assert (sc.status, sc.verification_method) == (S.VERIFIED, "official_email")
    assert sc.verified_by.email == "coord-a@example.org"
    entry = LogEntry.objects.get(object_id=str(sc.pk))
    assert entry.user.email == "coord-a@example.org"
    assert "Mail from sam@senate.example.gov" in entry.change_message
    history = client.get(url("history", sc)).content.decode()
    assert "Mail from sam@senate.example.gov" in history


def test_reject_asks_for_the_reason(as_role, objects):
    client = as_role("national")
    wy = objects["wy"]
    response = client.post(CHANGELIST, {"action": "reject_selected", "_selected_action": [wy.pk]})
    assert "Rejection reason" in response.content.decode()
    client.post(CHANGELIST, {"action": "reject_selected", "_selected_action": [wy.pk], "apply": "yes", "reason": " "})
    wy.refresh_from_db()
    assert wy.status == S.SUBMITTED


def test_invalid_transition_in_bulk_gets_a_message_and_changes_that_one_not(as_role, objects):
    client = as_role("national")
    published = make_endorsement("SC", S.PUBLISHED, name="Already Out")
    response = client.post(
        CHANGELIST, {"action": "publish_selected", "_selected_action": [published.pk, objects["sc"].pk]}, follow=True
    )
    body = response.content.decode()
    assert "Cannot publish “Already Out”: it is published." in body
    assert "Cannot publish “Sam Carolina”: it is submitted." in body


def test_coordinator_enters_an_endorsement_for_their_state_only(as_role):
    client = as_role("coordinator_a")
    data = {
        "kind": "official", "name": "Mayor Mabel", "office": "Mayor of Aiken", "party": "", "statement": "Yes.",
        "source_url": "https://aiken.example.gov/news", "made_on": "2026-05-01", "contact_email": "",
    }  # fmt: skip
    response = client.post(ADD, {**data, "state": "WY"})
    assert response.status_code == 200
    assert "state" in response.context["adminform"].form.errors
    response = client.post(ADD, {**data, "state": ""})
    assert "state" in response.context["adminform"].form.errors
    response = client.post(ADD, {**data, "source_url": "javascript:alert(1)", "state": "SC"})
    assert "source_url" in response.context["adminform"].form.errors
    assert not Endorsement.objects.exists()

    response = client.post(ADD, {**data, "state": "SC"})
    assert response.status_code == 302
    endorsement = Endorsement.objects.get()
    assert (endorsement.state_id, endorsement.status) == ("SC", S.SUBMITTED)
    assert endorsement in Endorsement.objects.queue()
    assert LogEntry.objects.get(object_id=str(endorsement.pk)).user.email == "coord-a@example.org"


def test_national_coordinator_enters_a_national_endorsement(as_role):
    response = as_role("national").post(
        ADD,
        {"kind": "candidate", "name": "Vera Third", "office": "Candidate for President", "statement": "Let them go.",
         "made_on": "2026-05-01", "state": ""},
    )  # fmt: skip
    assert response.status_code == 302
    assert Endorsement.objects.get().state is None


def test_coordinator_cannot_move_an_endorsement_to_another_state(as_role, objects):
    client = as_role("coordinator_a")
    sc = objects["sc"]
    response = client.post(
        url("change", sc),
        {"kind": sc.kind, "name": sc.name, "statement": sc.statement, "made_on": "2026-03-01", "state": "WY"},
    )
    assert response.status_code == 200
    sc.refresh_from_db()
    assert sc.state_id == "SC"


def test_changelist_queries_are_bounded(as_role, chapter_a, django_assert_max_num_queries):
    for i in range(60):
        make_endorsement(["SC", "WY", None][i % 3], [S.SUBMITTED, S.PUBLISHED][i % 2])
    client = as_role("national")
    with django_assert_max_num_queries(15):
        response = client.get(CHANGELIST, {"status__exact": "submitted"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 30
    names = [e.created_at for e in response.context["cl"].result_list]
    assert names == sorted(names, reverse=True)


@pytest.mark.parametrize("role", ["national", "coordinator_a"])
def test_unconfirmed_submissions_stay_out_of_the_admin(as_role, role):
    unconfirmed = make_endorsement("SC", S.UNCONFIRMED, name="Not Confirmed Yet")
    client = as_role(role)
    assert "Not Confirmed Yet" not in client.get(CHANGELIST).content.decode()
    assert client.get(url("change", unconfirmed)).status_code == 404
    client.post(CHANGELIST, {"action": "withdraw_selected", "_selected_action": [unconfirmed.pk]})
    unconfirmed.refresh_from_db()
    assert unconfirmed.status == S.UNCONFIRMED


def test_admin_upload_is_checked_and_re_encoded_like_the_public_form(as_role):
    client = as_role("national")
    data = {"kind": "organisation", "name": "Logo Guild", "statement": "Yes.", "made_on": "2026-05-01", "state": ""}
    fake = SimpleUploadedFile("logo.png", b"<html>not an image</html>", "image/png")
    response = client.post(ADD, {**data, "image": fake})
    assert "image" in response.context["adminform"].form.errors
    assert not Endorsement.objects.exists()
    assert client.post(ADD, {**data, "image": png(50, 50, name="logo.gif")}).status_code == 302
    assert Endorsement.objects.get().image.name.endswith(".png")


@pytest.mark.parametrize(
    ("action", "data"),
    [("verify_selected", {"method": "call", "note": "Called\x1b[2J."}), ("reject_selected", {"reason": "Fake\x08."})],
)
def test_verification_note_and_rejection_reason_refuse_control_characters(as_role, objects, action, data):
    client = as_role("national")
    sc = objects["sc"]
    response = client.post(CHANGELIST, {"action": action, "_selected_action": [sc.pk], "apply": "yes", **data})
    assert response.status_code == 200
    assert "Remove the invisible control characters" in response.content.decode()
    sc.refresh_from_db()
    assert sc.status == S.SUBMITTED
