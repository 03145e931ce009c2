"""Members in the admin, scoped: five roles over every members admin page, filters, export."""

import csv
import io

import pytest
from django.contrib.admin.models import LogEntry

from chapters.models import Chapter
from members.models import Member, MemberExport, User
from tests.factories import CA_ZIP, ROLES, SC_ZIP, WY_ZIP, edit_version, make_member, make_staff_mfa


@pytest.fixture
def roster(sc_member, wy_member):
    """A few more members per chapter so that an N+1 would show in the query counts."""
    for i in range(6):
        make_member(f"sc{i}@example.net", SC_ZIP, utm_source="facebook" if i % 2 else "")
        make_member(f"wy{i}@example.net", WY_ZIP, utm_source="wyoming-radio")
    make_member("ca@example.net", CA_ZIP)
    return sc_member, wy_member


def body(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


# role -> (sees Ann of chapter A, sees Bob of chapter B)
SCOPE = {
    "national": (True, True),
    "coordinator_a": (True, False),
    "coordinator_b": (False, True),
    "member": (False, False),
    "anonymous": (False, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_changelist_shows_only_members_in_scope(as_role, roster, role, django_assert_max_num_queries):
    client = as_role(role)
    with django_assert_max_num_queries(25):
        response = client.get("/admin/members/member/")
    sees_a, sees_b = SCOPE[role]
    if role in ("member", "anonymous"):
        assert response.status_code == 302
        return
    assert response.status_code == 200
    html = body(response)
    assert ("ann.a@example.net" in html) == sees_a
    assert ("bob.b@example.net" in html) == sees_b
    assert ("ca@example.net" in html) == (role == "national")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["change", "history", "delete"])
def test_member_pages_open_only_in_scope(as_role, roster, role, page, django_assert_max_num_queries):
    sc_member, wy_member = roster
    client = as_role(role)
    for member, allowed in zip((sc_member, wy_member), SCOPE[role], strict=True):
        with django_assert_max_num_queries(30):
            response = client.get(f"/admin/members/member/{member.pk}/{page}/")
        html = body(response)
        if allowed and (page != "delete" or role == "national"):
            assert response.status_code == 200, (role, page)
            assert member.user.last_name in html
        else:
            assert response.status_code in (302, 403, 404), (role, page)
            assert member.user.email not in html
            assert member.user.last_name not in html


def test_member_page_shows_history_and_consents(as_role, roster):
    sc_member, _ = roster
    sc_member.consents.create(topic="email_updates", given=True, source="signup")
    html = body(as_role("coordinator_a").get(f"/admin/members/member/{sc_member.pk}/change/"))
    assert "membership history" in html.lower()
    assert "Joined" in html
    assert "Email updates" in html


def test_coordinator_cannot_post_changes_to_other_chapters_member(as_role, roster):
    _, wy_member = roster
    client = as_role("coordinator_a")
    response = client.post(
        f"/admin/members/member/{wy_member.pk}/change/",
        {"first_name": "Hacked", "last_name": "X", "zip_code": SC_ZIP, "phone": ""},
    )
    assert response.status_code in (302, 403, 404)
    wy_member.refresh_from_db()
    assert wy_member.user.first_name == "Bob"
    assert wy_member.chapter.slug == "wyoming"


def test_coordinator_edits_own_member_in_admin_with_history(as_role, roster):
    sc_member, _ = roster
    client = as_role("coordinator_a")
    response = client.post(
        f"/admin/members/member/{sc_member.pk}/change/",
        {"first_name": "Ann", "last_name": "Avery-Smith", "zip_code": "29401", "phone": "803-555-0123",
         "email_updates": "on",
         "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
         "consents-TOTAL_FORMS": "0", "consents-INITIAL_FORMS": "0",
         "tag_links-TOTAL_FORMS": "0", "tag_links-INITIAL_FORMS": "0", "edit_version": edit_version(sc_member)},
    )  # fmt: skip
    assert response.status_code == 302, body(response)
    sc_member.refresh_from_db()
    assert sc_member.user.last_name == "Avery-Smith"
    assert str(sc_member.phone) == "+18035550123"
    assert sc_member.county.name == "Charleston County"
    assert sc_member.consents.filter(source="admin", topic="email_updates", given=True).exists()


def test_chapter_filter_lists_only_visible_chapters(as_role, roster):
    html = body(as_role("coordinator_a").get("/admin/members/member/"))
    assert "South Carolina Consents" in html
    assert "Wyoming Consents" not in html
    assert "wyoming-radio" not in html  # source filter values come from the visible rows only
    assert "facebook" in html


def test_coordinator_cannot_filter_into_other_chapter(as_role, roster, chapter_b):
    html = body(as_role("coordinator_a").get(f"/admin/members/member/?chapter={chapter_b.pk}"))
    assert "bob.b@example.net" not in html
    assert "wy0@example.net" not in html


def test_search_by_name_email_zip_and_phone(as_role, roster):
    client = as_role("coordinator_a")
    for term in ["Avery", "ann.a@example", SC_ZIP, "(803) 555-0100"]:
        html = body(client.get("/admin/members/member/", {"q": term}))
        assert "ann.a@example.net" in html, term
    html = body(client.get("/admin/members/member/", {"q": "Brook"}))
    assert "bob.b@example.net" not in html


def test_filters_by_status_consent_and_source(as_role, roster):
    client = as_role("national")
    html = body(client.get("/admin/members/member/", {"utm_source": "facebook"}))
    assert "sc1@example.net" in html
    assert "sc0@example.net" not in html
    assert body(client.get("/admin/members/member/", {"status__exact": "left"})).count("@example.net</td>") == 0


@pytest.mark.parametrize("role", ROLES)
def test_export_is_scoped_streamed_and_recorded(as_role, roster, role, django_assert_max_num_queries):
    client = as_role(role)
    with django_assert_max_num_queries(20):
        response = client.get("/admin/members/member/export/")
        text = body(response)
    if role in ("member", "anonymous"):
        assert response.status_code == 302
        assert not MemberExport.objects.exists()
        return
    assert response.status_code == 200
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(text)))
    emails = {row["email"] for row in rows}
    sees_a, sees_b = SCOPE[role]
    assert ("ann.a@example.net" in emails) == sees_a
    assert ("bob.b@example.net" in emails) == sees_b
    export = MemberExport.objects.get()
    assert export.rows == len(rows)
    assert LogEntry.objects.filter(object_id=str(export.pk), change_message__startswith="Exported").exists()


def test_export_applies_changelist_filters(as_role, roster):
    response = as_role("coordinator_a").get("/admin/members/member/export/", {"utm_source": "facebook"})
    rows = list(csv.DictReader(io.StringIO(body(response))))
    assert {r["email"] for r in rows} == {"sc1@example.net", "sc3@example.net", "sc5@example.net"}
    assert MemberExport.objects.get().filters == "utm_source=facebook"


def test_export_neutralises_spreadsheet_formulas(as_role, roster):
    sc_member, _ = roster
    sc_member.user.first_name = "=HYPERLINK(1)"
    sc_member.user.save()
    text = body(as_role("coordinator_a").get("/admin/members/member/export/"))
    assert "'=HYPERLINK(1)" in text


@pytest.mark.parametrize("role", ROLES)
def test_export_log_is_national_only(as_role, roster, role):
    response = as_role(role).get("/admin/members/memberexport/")
    assert response.status_code == (200 if role == "national" else 403 if role.startswith("coord") else 302)


def test_admin_delete_by_national_records_departure(as_role, roster, chapter_a):
    sc_member, _ = roster
    client = as_role("national")
    response = client.post(f"/admin/members/member/{sc_member.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Member.objects.filter(pk=sc_member.pk).exists()
    from members.models import MembershipEvent

    assert MembershipEvent.objects.filter(kind="left", from_chapter=chapter_a).count() == 1


def test_coordinators_do_not_see_user_admin(as_role, roster):
    client = as_role("coordinator_a")
    assert client.get("/admin/members/user/").status_code == 403
    assert "/admin/members/user/" not in body(client.get("/admin/"))


def test_superuser_deleting_a_user_keeps_history_true(client, sc_member, chapter_a):
    from members.models import MembershipEvent, User

    root = User.objects.create_superuser("root@example.org", "x")
    make_staff_mfa(root)
    client.force_login(root)
    response = client.post(f"/admin/members/user/{sc_member.user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Member.objects.filter(pk=sc_member.pk).exists()
    assert MembershipEvent.objects.filter(member__isnull=True).count() == 2
    assert MembershipEvent.objects.net_for(chapter=chapter_a) == 0


def test_export_row_holds_every_column_in_plain_form(as_role, chapter_a):
    member = make_member("row@example.net", SC_ZIP, phone="+18035550123", ref="viral-post", email_updates=True)
    rows = list(csv.DictReader(io.StringIO(body(as_role("coordinator_a").get("/admin/members/member/export/")))))
    row = next(r for r in rows if r["email"] == "row@example.net")
    assert row["phone"] == "+18035550123"
    assert row["zip_code"] == SC_ZIP
    assert row["county"] == member.county.name
    assert row["state"] == "SC"
    assert row["chapter"] == chapter_a.name
    assert (row["status"], row["email_updates"], row["text_messages"], row["ref"]) == (
        "active",
        "True",
        "False",
        "viral-post",
    )
    assert row["joined_at"] == member.joined_at.isoformat()


def test_export_quotes_and_neutralises_like_a_spreadsheet_expects(as_role, chapter_a):
    """PostgreSQL writes the CSV: quoting, formula prefixes, blanks and times must read back exactly."""
    tricky = make_member(
        "tricky@example.net", SC_ZIP, first_name='Jo, "the boss"', last_name="-5 line\nbreak",
        ref="@mention", utm_source="\tindent", utm_medium="+1", utm_campaign="plain=fine", utm_term="é ünïcode",
    )  # fmt: skip
    tricky.joined_at = tricky.joined_at.replace(microsecond=0)
    tricky.save(update_fields=["joined_at"])
    pending = make_member("=cmd@example.net", SC_ZIP, status=Member.Status.PENDING)
    response = as_role("coordinator_a").get("/admin/members/member/export/")
    text = body(response)
    rows = {r["email"]: r for r in csv.DictReader(io.StringIO(text))}
    row = rows["tricky@example.net"]
    assert row["first_name"] == 'Jo, "the boss"'
    assert row["last_name"] == "'-5 line\nbreak"
    assert (row["ref"], row["utm_source"], row["utm_medium"]) == ("'@mention", "'\tindent", "'+1")
    assert (row["utm_campaign"], row["utm_term"], row["utm_content"]) == ("plain=fine", "é ünïcode", "")
    assert row["phone"] == ""
    assert row["joined_at"] == tricky.joined_at.isoformat()
    assert "." not in row["joined_at"]
    assert rows["'=cmd@example.net"]["joined_at"] == ""
    assert rows["'=cmd@example.net"]["status"] == "pending"
    assert list(rows) == sorted(rows, key=lambda email: email != "tricky@example.net")  # oldest first
    assert pending.pk > tricky.pk


def test_export_applies_search_and_date_filters(as_role, roster):
    client = as_role("coordinator_a")
    rows = list(csv.DictReader(io.StringIO(body(client.get("/admin/members/member/export/", {"q": "Avery"})))))
    assert [r["email"] for r in rows] == ["ann.a@example.net"]
    filters = {"q": "sc", "joined_at__gte": "2000-01-01 00:00:00+00:00", "utm_source": "facebook"}
    rows = list(csv.DictReader(io.StringIO(body(client.get("/admin/members/member/export/", filters)))))
    assert {r["email"] for r in rows} == {"sc1@example.net", "sc3@example.net", "sc5@example.net"}
    assert [e.rows for e in MemberExport.objects.order_by("pk")] == [1, 3]


def test_export_keeps_stored_line_breaks_inside_their_cells(as_role, chapter_a):
    """Rows written before the validators existed: a line break or formula in them starts no row of its own."""
    member = make_member("lines@example.net", SC_ZIP)
    Chapter.objects.filter(pk=chapter_a.pk).update(name="=Evil\r\nforged@example.net,x")
    User.objects.filter(pk=member.user_id).update(first_name="Ann\nforged", last_name="\rLee")
    text = body(as_role("coordinator_a").get("/admin/members/member/export/"))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [len(row) for row in rows] == [len(rows[0])] * 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["email"], row["first_name"], row["last_name"]) == ("lines@example.net", "Ann\nforged", "'\rLee")
    assert row["chapter"] == "'=Evil\r\nforged@example.net,x"
