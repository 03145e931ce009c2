"""Tags: national and chapter tags in the admin, on the member page, by bulk action and by roster import.

Every change is in the member's history; a coordinator never sees or uses another chapter's tags.
"""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from members.models import Member
from tags.models import MemberTag, Tag
from tests.factories import SC_ZIP, WY_ZIP, edit_version, make_member

IMPORT_URL = "/admin/members/member/import/"


@pytest.fixture
def tags(chapter_a, chapter_b):
    return {
        "national": Tag.objects.create(name="volunteer"),
        "a": Tag.objects.create(name="donor", chapter=chapter_a),
        "b": Tag.objects.create(name="wyoming-secret", chapter=chapter_b),
    }


@pytest.fixture
def sc(chapter_a) -> Member:
    return make_member("ann@example.net", SC_ZIP, first_name="Ann", last_name="Avery")


@pytest.fixture
def wy(chapter_b) -> Member:
    return make_member("bob@example.net", WY_ZIP, first_name="Bob", last_name="Byrne")


def history(member: Member) -> list[str]:
    content_type = ContentType.objects.get_for_model(Member)
    entries = LogEntry.objects.filter(content_type=content_type, object_id=str(member.pk)).order_by("pk")
    return [e.get_change_message() for e in entries]


def member_form(member: Member, **rows) -> dict:
    """The member page's form as a browser posts it, with the tag rows given."""
    data = {
        "first_name": member.user.first_name, "last_name": member.user.last_name, "zip_code": member.zip_code_id,
        "phone": "", "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0", "consents-TOTAL_FORMS": "0",
        "consents-INITIAL_FORMS": "0", "tag_links-TOTAL_FORMS": "0", "tag_links-INITIAL_FORMS": "0",
        "edit_version": edit_version(member),
    }  # fmt: skip
    return data | rows


def test_coordinator_tags_a_member_on_the_member_page_and_history_says_so(as_role, tags, sc, coordinator_a):
    client = as_role("coordinator_a")
    page = client.get(f"/admin/members/member/{sc.pk}/change/").content.decode()
    assert "volunteer" in page
    assert "donor" in page
    assert "wyoming-secret" not in page
    response = client.post(
        f"/admin/members/member/{sc.pk}/change/",
        member_form(sc, **{"tag_links-TOTAL_FORMS": "1", "tag_links-0-tag": tags["a"].pk}),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    link = MemberTag.objects.get(member=sc)
    assert (link.tag, link.added_by) == (tags["a"], coordinator_a)
    assert any("donor" in message for message in history(sc))


def test_removing_a_tag_on_the_member_page_is_in_the_history(as_role, tags, sc):
    link = MemberTag.objects.create(member=sc, tag=tags["national"])
    client = as_role("coordinator_a")
    rows = {"tag_links-TOTAL_FORMS": "1", "tag_links-INITIAL_FORMS": "1", "tag_links-0-id": link.pk,
            "tag_links-0-member": sc.pk, "tag_links-0-tag": tags["national"].pk,
            "tag_links-0-DELETE": "on"}  # fmt: skip
    response = client.post(f"/admin/members/member/{sc.pk}/change/", member_form(sc, **rows))
    assert response.status_code == 302
    assert not MemberTag.objects.exists()
    assert any("Deleted" in message and "volunteer" in message for message in history(sc))


def test_coordinator_cannot_put_another_chapters_tag_on_a_member(as_role, tags, sc):
    client = as_role("coordinator_a")
    response = client.post(
        f"/admin/members/member/{sc.pk}/change/",
        member_form(sc, **{"tag_links-TOTAL_FORMS": "1", "tag_links-0-tag": tags["b"].pk}),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not MemberTag.objects.exists()


def test_another_chapters_tag_on_a_member_stays_hidden(as_role, tags, sc):
    MemberTag.objects.create(member=sc, tag=tags["b"])  # e.g. tagged in Wyoming before moving
    page = as_role("coordinator_a").get(f"/admin/members/member/{sc.pk}/change/").content.decode()
    assert "wyoming-secret" not in page


def test_bulk_action_asks_for_the_tag_then_tags_only_members_in_scope(as_role, tags, sc, wy, coordinator_a):
    other = make_member("cy@example.net", SC_ZIP)
    client = as_role("coordinator_a")
    selection = {"action": "tag_selected", "_selected_action": [sc.pk, other.pk, wy.pk]}
    ask = client.post("/admin/members/member/", selection)
    assert ask.status_code == 200
    html = ask.content.decode()
    assert "2 members selected" in html
    assert "wyoming-secret" not in html
    done = client.post("/admin/members/member/", selection | {"apply": "yes", "tag": tags["national"].pk,
                                                               "operation": "add"})  # fmt: skip
    assert done.status_code == 302
    assert set(MemberTag.objects.values_list("member_id", flat=True)) == {sc.pk, other.pk}
    assert any("volunteer" in m for m in history(other))
    # Removing it again, the same way.
    client.post("/admin/members/member/", selection | {"apply": "yes", "tag": tags["national"].pk,
                                                        "operation": "remove"})  # fmt: skip
    assert not MemberTag.objects.exists()
    assert any("removed" in m for m in history(sc))


def test_bulk_action_refuses_another_chapters_tag(as_role, tags, sc):
    client = as_role("coordinator_a")
    response = client.post(
        "/admin/members/member/",
        {
            "action": "tag_selected",
            "_selected_action": [sc.pk],
            "apply": "yes",
            "tag": tags["b"].pk,
            "operation": "add",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not MemberTag.objects.exists()


def test_coordinator_makes_chapter_tags_and_only_sees_national_ones(as_role, tags, chapter_a, chapter_b):
    client = as_role("coordinator_a")
    listing = client.get("/admin/tags/tag/").content.decode()
    assert "volunteer" in listing
    assert "donor" in listing
    assert "wyoming-secret" not in listing
    assert client.post("/admin/tags/tag/add/", {"name": "canvasser", "chapter": chapter_a.pk}).status_code == 302
    assert Tag.objects.get(name="canvasser").chapter == chapter_a
    for chapter in ("", chapter_b.pk):  # a national tag, or another chapter's: refused with a message
        response = client.post("/admin/tags/tag/add/", {"name": "sneaky", "chapter": chapter})
        assert response.status_code == 200
        assert "errorlist" in response.content.decode()
    assert not Tag.objects.filter(name="sneaky").exists()
    # National tags: seen, not changed nor deleted.
    national = tags["national"]
    assert client.get(f"/admin/tags/tag/{national.pk}/change/").status_code == 200
    assert client.post(f"/admin/tags/tag/{national.pk}/change/", {"name": "renamed"}).status_code == 403
    assert client.post(f"/admin/tags/tag/{national.pk}/delete/", {"post": "yes"}).status_code == 403
    national.refresh_from_db()
    assert national.name == "volunteer"


def test_tag_names_are_unique_per_chapter_ignoring_case(as_role, tags, chapter_a):
    response = as_role("coordinator_a").post("/admin/tags/tag/add/", {"name": "DONOR", "chapter": chapter_a.pk})
    assert response.status_code == 200
    assert Tag.objects.filter(name__iexact="donor").count() == 1


def upload(client, chapter, text: str, mode: str = "all"):
    return client.post(
        IMPORT_URL, {"chapter": chapter.pk, "mode": mode, "file": SimpleUploadedFile("roster.csv", text.encode())}
    )


def test_roster_import_reads_a_tags_column(as_role, tags, chapter_a, coordinator_a):
    existing = make_member("ann@example.net", SC_ZIP, status=Member.Status.IMPORTED)
    client = as_role("coordinator_a")
    roster = (
        "Email,First Name,ZIP Code,Tags\n"
        "ann@example.net,Ann,29201,Volunteer\n"
        'new.one@example.net,New,29201,"volunteer, donor"\n'
        "new.two@example.net,Two,29201,\n"
    )
    preview = upload(client, chapter_a, roster)
    assert "Tags" in preview.content.decode()
    assert not MemberTag.objects.exists()
    assert client.post(IMPORT_URL, {"token": preview.context["token"]}).status_code == 302
    new_one = Member.objects.get(user__email="new.one@example.net")
    assert set(MemberTag.objects.filter(member=new_one).values_list("tag__name", flat=True)) == {"volunteer", "donor"}
    assert list(MemberTag.objects.filter(member=existing).values_list("tag__name", flat=True)) == ["volunteer"]
    assert not MemberTag.objects.filter(member__user__email="new.two@example.net").exists()
    assert MemberTag.objects.filter(added_by=coordinator_a).count() == 3
    assert any("volunteer" in m and "roster import" in m for m in history(new_one))


def test_roster_import_refuses_unknown_and_other_chapters_tags(as_role, tags, chapter_a):
    client = as_role("coordinator_a")
    roster = "Email,ZIP Code,Tags\nok@example.net,29201,volunteer\nx@example.net,29201,wyoming-secret; voluntere\n"
    refused = upload(client, chapter_a, roster)
    html = refused.content.decode()
    assert "Unknown tag: voluntere, wyoming-secret" in html
    assert 'name="token"' not in html
    good_rows = upload(client, chapter_a, roster, mode="good")
    assert client.post(IMPORT_URL, {"token": good_rows.context["token"]}).status_code == 302
    assert list(Member.objects.values_list("user__email", flat=True)) == ["ok@example.net"]
    assert list(MemberTag.objects.values_list("tag__name", flat=True)) == ["volunteer"]


def test_members_never_see_their_tags(client, tags, chapter_a, mailoutbox):
    member = make_member("ann@example.net", SC_ZIP, first_name="Ann", status=Member.Status.IMPORTED)
    MemberTag.objects.bulk_create([MemberTag(member=member, tag=t) for t in (tags["national"], tags["a"])])
    Member.objects.filter(pk=member.pk).update(status=Member.Status.ACTIVE)
    member.user.set_password("a-long-password-1")
    member.user.save()
    client.force_login(member.user)
    pages = ["/profile/", "/profile/data/", "/", f"/chapters/{chapter_a.slug}/", "/calls/", "/question/",
             "/calls/national/calendar.ics", "/profile/leave/", "/profile/delete/"]  # fmt: skip
    for path in pages:
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for name in ("volunteer", "donor"):
            assert name.encode() not in body.lower(), f"{path} shows the tag {name}"
    client.post("/accounts/password/reset/", {"email": "ann@example.net"})
    assert mailoutbox
    for mail in mailoutbox:
        assert "volunteer" not in mail.body
        assert "donor" not in mail.body


def test_deleting_a_tag_leaves_a_line_in_each_members_history(as_role, tags, sc):
    MemberTag.objects.create(member=sc, tag=tags["a"])
    response = as_role("coordinator_a").post(f"/admin/tags/tag/{tags['a'].pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not MemberTag.objects.exists()
    assert any("donor" in m and "tag deleted" in m for m in history(sc))


@pytest.mark.parametrize("role", ["national", "coordinator_a"])
def test_tag_pages_queries_are_bounded(as_role, tags, sc, role, chapter_a, django_assert_max_num_queries):
    for i in range(8):
        tag = Tag.objects.create(name=f"t{i}", chapter=chapter_a)
        MemberTag.objects.create(member=sc, tag=tag)
    client = as_role(role)
    with django_assert_max_num_queries(12):
        assert client.get("/admin/tags/tag/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"/admin/tags/tag/{tags['a'].pk}/change/").status_code == 200
    # National: 13, as tests/members/test_scale_admin.py however many tags; a coordinator's scope check adds one.
    with django_assert_max_num_queries(14):
        assert client.get(f"/admin/members/member/{sc.pk}/change/").status_code == 200
