"""The scale data set: its shape, not its speed (timings live in `make bench`)."""

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import Lower

from chapters.models import Chapter, County, SocialPage
from dashboards import growth
from dashboards.models import ReachSnapshot
from devtools.scale import SEED_PASSWORD, SEED_PREFIX, SEED_REACH_NOTE
from endorsements.models import Endorsement
from members.models import ConsentRecord, Member, MemberAccess, MemberExport, MembershipEvent, User
from question.models import Answer
from tests.factories import series_from_events

MEMBERS = 2000


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seeded once for the module, in a transaction rolled back at the end (each test nests in it)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        call_command("seed_scale", members=MEMBERS, endorsements=500, answers=3000, no_progress=True)
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def test_seed_builds_the_chapters_and_members(seeded, db):
    assert 55 <= Chapter.objects.count() <= 65
    assert set(Chapter.objects.values_list("status", flat=True)) == {"active", "forming", "dormant"}
    # Two chapters share a state when it is split by county.
    assert Chapter.objects.values("state").annotate(n=Count("id")).filter(n=2).count() >= 5
    assert Chapter.objects.filter(slug="south-carolina").exists()
    assert User.objects.filter(password=SEED_PASSWORD).count() == MEMBERS
    assert Member.objects.filter(user__password=SEED_PASSWORD).count() == MEMBERS
    # Spread over the states by their number of ZIP codes: most states have members.
    assert Member.objects.values("state").distinct().count() >= 40
    assert set(Member.objects.values_list("status", flat=True)) == {"active", "imported", "pending", "left"}


def test_every_member_is_in_a_real_county_of_their_state_and_its_chapter(seeded, db):
    assert not Member.objects.exclude(county__state=F("state")).exists()
    assert not Member.objects.exclude(county__zip_codes=F("zip_code")).exists()
    assert not Member.objects.filter(chapter__isnull=False).exclude(chapter=F("county__chapter")).exists()
    assert not Member.objects.filter(chapter__isnull=True, county__chapter__isnull=False).exists()
    # Chapter territories agree with the counties.
    assert not County.objects.filter(chapter__isnull=False).exclude(chapter__state=F("state")).exists()


def test_history_adds_up_to_the_current_counted_members(seeded, db):
    counted = dict(
        Member.objects.counted().filter(chapter__isnull=False).values_list("chapter").annotate(n=Count("id"))
    )
    for chapter in Chapter.objects.all():
        assert MembershipEvent.objects.net_for(chapter=chapter) == counted.get(chapter.pk, 0), chapter.name
    by_state = dict(Member.objects.counted().values_list("state").annotate(n=Count("id")))
    for state, n in by_state.items():
        assert MembershipEvent.objects.net_for(state=state) == n
    kinds = set(MembershipEvent.objects.values_list("kind", flat=True))
    assert kinds == {"joined", "moved", "left"}
    assert not MembershipEvent.objects.filter(kind="left", member__status__in=Member.COUNTED).exists()


def test_emails_are_unique_and_verified_unless_pending(seeded, db):
    assert User.objects.values(lower=Lower("email")).annotate(n=Count("id")).filter(n__gt=1).count() == 0
    seeded_emails = EmailAddress.objects.filter(user__password=SEED_PASSWORD)
    assert seeded_emails.count() == MEMBERS
    assert not seeded_emails.filter(verified=True, user__member__status="pending").exists()
    assert not seeded_emails.filter(verified=False).exclude(user__member__status="pending").exists()


def test_seed_adds_consents_endorsements_answers_and_reach(seeded, db):
    assert (
        ConsentRecord.objects.filter(topic="email_updates").count() == Member.objects.filter(email_updates=True).count()
    )
    assert Member.objects.exclude(utm_source="").exists()
    assert Endorsement.objects.filter(slug__startswith=SEED_PREFIX).count() == 500
    assert Endorsement.objects.published().count() > 300
    assert {k for k, _ in Endorsement.Kind.choices} == set(Endorsement.objects.values_list("kind", flat=True))
    assert Answer.objects.filter(visitor__startswith=SEED_PREFIX).count() == 3000
    assert SocialPage.objects.count() >= 3 * Chapter.objects.count()
    assert (
        ReachSnapshot.objects.filter(note=SEED_REACH_NOTE).count()
        == SocialPage.objects.filter(url__contains=SEED_PREFIX).count() * 105
    )


def test_seed_refuses_to_run_twice_and_reset_rebuilds(seeded, db):
    with pytest.raises(CommandError, match="already loaded"):
        call_command("seed_scale", members=10, no_progress=True)
    # A CSV export (as `make bench` runs one) logs an access on each exported member.
    national = User.objects.create_user("exporter@example.org")
    export = MemberExport.objects.record(members=Member.objects.filter(user__password=SEED_PASSWORD), actor=national)
    assert export.rows == MEMBERS
    # A coordinator opened a seeded member in the admin (as `make bench` does): the access is logged.
    MemberAccess.objects.create(member=Member.objects.filter(user__password=SEED_PASSWORD).first(), action="viewed")
    call_command("seed_scale", members=300, endorsements=20, answers=30, reset=True, no_progress=True)
    assert Member.objects.filter(user__password=SEED_PASSWORD).count() == 300
    assert Endorsement.objects.filter(slug__startswith=SEED_PREFIX).count() == 20
    assert 55 <= Chapter.objects.count() <= 65
    assert MembershipEvent.objects.filter(member__isnull=True).count() == 0
    assert not MemberAccess.objects.exists()
    assert MemberExport.objects.values_list("member_ids", flat=True).get(pk=export.pk) == []
    everyone = growth.Scope(chapters=None)
    assert growth.members_over_time(everyone) == series_from_events(everyone)


def test_seed_fills_the_daily_sums_of_the_history(seeded, db):
    scopes = [growth.Scope(chapters=None), growth.Scope(chapters=list(Chapter.objects.order_by("pk")[:5]))]
    for scope in scopes:
        series = growth.members_over_time(scope)
        assert len(series) > 100  # days over two years of history
        assert series == series_from_events(scope)
