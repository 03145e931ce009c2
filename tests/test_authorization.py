"""One authorization test over every URL the project defines, for the seven roles.

Every named URL must have an entry in PAGES (or, for admin pages, its model a policy in
ADMIN_POLICIES), both in tests/pages.py: a new URL without one fails `test_every_url_has_an_authorization_entry`.
Each entry is requested by anonymous, a member, the coordinators of chapters A and B,
a national coordinator, a coordinator of A without a second factor, and a coordinator of A
who is treasurer of B, against objects of chapter A; the answer must be one the table
allows, a staff-only page sends staff without a second factor to set one up, and chapter
B's private markers must never appear in what chapter A's coordinators (or anyone but
national and B's own coordinator) are shown. Every page a logged-in person is shown must
not be stored by caches on the way.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from broadcasts.mail import unsubscribe_url
from broadcasts.models import Broadcast, Recipient, Suppression
from chapters.models import Officer, SocialPage
from dashboards.models import ReachSnapshot
from duplicates.models import DismissedPair
from endorsements.models import Endorsement
from members.models import MemberExport
from segments.models import Segment
from tags.models import MemberTag, Tag
from tests.factories import make_event, make_member
from tests.pages import ADMIN_EXTRA, ADMIN_POLICIES, DENIED, FORBIDDEN, NOT_FOUND, OK, PAGES, REDIRECT, ROLES


@pytest.fixture
def world(chapter_a, chapter_b, national, coordinator_a, coordinator_b, member, staff_no_mfa, treasurer_b):
    from django.contrib.auth.models import Group

    from chapters.models import CoalitionGoal

    w = SimpleNamespace(chapter_a=chapter_a, chapter_b=chapter_b, national=national, member=member,
                        coordinator_a=coordinator_a, coordinator_b=coordinator_b, staff_no_mfa=staff_no_mfa,
                        treasurer_b=treasurer_b)  # fmt: skip
    w.groups = list(Group.objects.order_by("name"))
    w.goal = CoalitionGoal.current()
    for side, chapter, zip_code, coordinator in (("a", chapter_a, "29201", coordinator_a),
                                                  ("b", chapter_b, "82001", coordinator_b)):  # fmt: skip
        marker = f"private-{side}"
        phone = "+13075550100" if side == "b" else ""
        setattr(w, f"member_{side}", make_member(f"{marker}@example.org", zip_code, first_name=f"Member{side.upper()}",
                                                 last_name=marker, phone=phone))  # fmt: skip
        setattr(w, f"officer_{side}", Officer.objects.get(chapter=chapter, user=coordinator))
        page = SocialPage.objects.create(chapter=chapter, platform="facebook", url=f"https://fb.example/{marker}")
        setattr(w, f"page_{side}", page)
        setattr(w, f"reach_{side}", ReachSnapshot.objects.create(
            social_page=page, date=datetime.date(2026, 1, 1), followers=10, note=marker))  # fmt: skip
        setattr(w, f"endorsement_{side}", Endorsement.objects.create(
            kind="individual", name=f"Endorser {marker}", state_id=chapter.state_id, statement="Yes.",
            source_url="https://example.org/", made_on=datetime.date(2026, 1, 1), contact_email=f"{marker}@example.net",
            status="published", verification_method="call", verification_note="Called.", slug=f"endorser-{side}",
            verified_at=datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC),
            published_at=datetime.datetime(2026, 1, 3, tzinfo=datetime.UTC),
        ))  # fmt: skip
        setattr(w, f"export_{side}", MemberExport.objects.create(actor=coordinator, rows=1, filters=marker))
        # B's tag and segment are named with B's marker: chapter A's staff must never be shown them.
        tag = Tag.objects.create(name=f"tag of {marker}@example.org", chapter=chapter)
        MemberTag.objects.create(member=getattr(w, f"member_{side}"), tag=tag)
        setattr(w, f"tag_{side}", tag)
        setattr(w, f"segment_{side}", Segment.objects.create(
            name=f"segment of {marker}@example.org", chapter=chapter, definition={"tags_any": [tag.pk]}))  # fmt: skip
        setattr(w, f"event_{side}", make_event(chapter, title=f"Event {marker}"))
        # A second person of the chapter, alike enough to be a possible duplicate of the first.
        twin = make_member(f"twin-{side}@example.org", zip_code, first_name=f"Member{side.upper()}",
                           last_name=marker, phone=phone)  # fmt: skip
        setattr(w, f"twin_{side}", twin)
        setattr(w, f"dismissed_{side}", DismissedPair.dismiss(getattr(w, f"member_{side}"), twin, coordinator))
        setattr(w, f"broadcast_{side}", Broadcast.objects.create(
            subject=f"broadcast of {marker}@example.org", body="Hello {{ first_name }}", chapter=chapter,
            created_by=coordinator))  # fmt: skip
    w.suppression = Suppression.objects.create(email="private-b@example.org", reason=Suppression.Reason.BOUNCED)
    copy = Recipient.objects.create(broadcast=w.broadcast_a, member=w.member_a, email=w.member_a.user.email)
    w.unsubscribe_path = unsubscribe_url("", copy.broadcast_id, copy.member_id)
    return w


def log_in(client, world, role: str) -> None:
    if role != "anonymous":
        client.force_login(getattr(world, role))  # staff roles but staff_no_mfa are MFA-enrolled by their fixtures


def walk(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = ":".join(filter(None, [namespace, pattern.namespace])) if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = ":".join(filter(None, [namespace, pattern.name])) if pattern.name else None
            yield name, prefix + str(pattern.pattern)


def admin_model_urls() -> set[str]:
    names = set()
    for model in admin.site._registry:
        opts = model._meta
        names |= {f"admin:{opts.app_label}_{opts.model_name}_{view}" for view in
                  ("changelist", "add", "change", "delete", "history")}  # fmt: skip
    return names


def test_every_url_has_an_authorization_entry():
    names = {name for name, route in walk(get_resolver().url_patterns)}
    unnamed = [route for name, route in walk(get_resolver().url_patterns)
               if name is None and not route.startswith(("admin/", "^media/", "^static/"))]  # fmt: skip
    assert unnamed == [], "give these URLs a name and an entry in PAGES"
    covered = set(PAGES) | set(ADMIN_EXTRA) | admin_model_urls()
    missing = sorted(names - covered - {None})
    assert missing == [], f"add an authorization entry for: {missing}"
    models = {m._meta.label_lower for m in admin.site._registry}
    assert sorted(models - set(ADMIN_POLICIES)) == [], "add an ADMIN_POLICIES entry for these admin models"


CHAPTER_A_STAFF = ("coordinator_a", "staff_no_mfa", "treasurer_b")


def check(response, allowed: set[int], role: str, label: str) -> None:
    assert response.status_code in allowed, f"{label} as {role}: {response.status_code}, allowed {sorted(allowed)}"


def body_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content  # the CSV export
    return content.decode(errors="replace")


def private_markers_absent(response, role: str, label: str) -> None:
    body = body_of(response)
    forbidden = []
    if role in ("anonymous", "member"):
        forbidden = ["private-a@example.org", "private-b@example.org", "3075550100"]
    elif role in CHAPTER_A_STAFF:
        forbidden = ["private-b@example.org", "3075550100"]
    for marker in forbidden:
        assert marker not in body, f"{label} as {role} shows {marker}"


def sent_to_second_factor_setup(response, role: str, label: str) -> None:
    check(response, {REDIRECT}, role, label)
    assert response["Location"] == reverse("mfa_index"), f"{label} as {role}: sent to {response['Location']}"


def not_stored_on_the_way(response, role: str, label: str) -> None:
    if role == "anonymous" or response.status_code != OK:
        return
    cache_control = response.get("Cache-Control", "")
    assert "no-store" in cache_control or "public" in cache_control, f"{label} as {role}: {cache_control!r}"


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role_as_its_table_says(client, world, role):
    log_in(client, world, role)
    for name, page in {**PAGES, **ADMIN_EXTRA}.items():
        path = page.path(world) if callable(page.path) else page.path
        response = client.get(path)
        check(response, page.expected[role], role, f"{name} ({path})")
        if role == "staff_no_mfa" and page.expected[role] == {REDIRECT} != page.expected["coordinator_a"]:
            sent_to_second_factor_setup(response, role, f"{name} ({path})")
        not_stored_on_the_way(response, role, name)
        private_markers_absent(response, role, name)


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_page_answers_each_role_as_its_policy_says(client, world, role):
    log_in(client, world, role)
    for model in admin.site._registry:
        label = model._meta.label_lower
        policy = ADMIN_POLICIES[label]
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        obj_a = policy.object_a(world)
        pages = {"changelist": base, "add": f"{base}add/", "change": f"{base}{obj_a.pk}/change/",
                 "history": f"{base}{obj_a.pk}/history/", "delete": f"{base}{obj_a.pk}/delete/"}  # fmt: skip
        for view, path in pages.items():
            response = client.get(path)
            label_view = f"{label} {view}"
            private_markers_absent(response, role, label_view)
            if role in ("anonymous", "member"):
                check(response, {REDIRECT}, role, label_view)
                assert "/login/" in response["Location"], label_view
            elif role == "staff_no_mfa":
                sent_to_second_factor_setup(response, role, label_view)
            elif policy.kind == "superuser_only":
                check(response, {FORBIDDEN}, role, label_view)
            elif role == "national":
                check(response, {OK, FORBIDDEN}, role, label_view)  # some models refuse add/delete to everyone
                if view in ("changelist", "change", "history"):
                    check(response, {OK}, role, label_view)
            elif policy.kind == "national_only":
                check(response, {FORBIDDEN, REDIRECT, NOT_FOUND}, role, label_view)
            else:  # scoped: chapter A's object is coordinator A's, and never coordinator B's
                if view == "changelist":
                    check(response, {OK}, role, label_view)
                elif view == "add":
                    check(response, {OK} if policy.coordinators_add else {FORBIDDEN}, role, label_view)
                elif role in ("coordinator_a", "treasurer_b"):
                    check(response, {OK, FORBIDDEN} if view == "delete" else {OK}, role, label_view)
                else:
                    check(response, DENIED, role, label_view)
        if policy.kind == "scoped" and role in ("coordinator_a", "treasurer_b"):
            obj_b = policy.object_b(world)
            for view in ("change", "history", "delete"):
                response = client.get(f"{base}{obj_b.pk}/{view}/")
                check(response, DENIED, role, f"{label} {view} of chapter B")


@pytest.mark.parametrize(
    ("model", "field"),
    [("members.member", "chapter"), ("chapters.officer", "chapter"), ("dashboards.reachsnapshot", "social_page")],
)
def test_autocomplete_never_leaks_another_chapter(client, world, model, field):
    app_label, model_name = model.split(".")
    log_in(client, world, "coordinator_a")
    response = client.get(reverse("admin:autocomplete"), {"app_label": app_label, "model_name": model_name,
                                                           "field_name": field, "term": ""})  # fmt: skip
    assert response.status_code in (OK, FORBIDDEN, NOT_FOUND)
    assert "Wyoming" not in response.content.decode()
    assert "private-b" not in response.content.decode()


def test_treasurer_of_b_sees_chapter_as_members_endorsements_and_export_and_nothing_of_bs(client, world):
    log_in(client, world, "treasurer_b")
    members = body_of(client.get("/admin/members/member/"))
    assert "private-a@example.org" in members
    assert "private-b@example.org" not in members
    endorsements = body_of(client.get("/admin/endorsements/endorsement/"))
    assert "Endorser private-a" in endorsements
    assert "Endorser private-b" not in endorsements
    export = client.get("/admin/members/member/export/")
    assert export.status_code == OK
    csv_text = body_of(export)
    assert "private-a@example.org" in csv_text
    assert "private-b@example.org" not in csv_text
    assert client.get(f"/admin/members/member/{world.member_b.pk}/change/").status_code in DENIED
