"""The member-filter engine: every filter, the scope no definition can widen, and the form."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from events.models import RSVP, Occurrence
from members.models import Member
from question.models import Answer
from segments.definition import DefinitionForm, clean_definition, describe, members_matching
from tags.models import MemberTag, Tag
from tests.factories import make_event, make_member


@pytest.fixture
def people(chapter_a, chapter_b):
    """Members in A (Charleston and Columbia), in B, and one without a chapter (California)."""
    return {
        "charleston": make_member("ch@example.org", "29401", email_updates=True, ref="fair", utm_source="fb"),
        "columbia": make_member("co@example.org", "29201", utm_source="tw"),
        "left": make_member("gone@example.org", "29201", status=Member.Status.LEFT),
        "wyoming": make_member("wy@example.org", "82001", email_updates=True),
        "nowhere": make_member("ca@example.org", "90210", email_updates=True),
    }


def emails(queryset: QuerySet) -> set[str]:
    return set(queryset.values_list("user__email", flat=True))


def test_empty_definition_is_everyone_the_user_may_see(people, national, coordinator_a):
    assert len(emails(members_matching({}, national))) == 5
    assert emails(members_matching({}, coordinator_a)) == {"ch@example.org", "co@example.org", "gone@example.org"}


def test_places_are_alternatives(people, national, chapter_b):
    definition = {"states": ["sc"], "no_chapter": True}
    assert emails(members_matching(definition, national)) == {
        "ch@example.org", "co@example.org", "gone@example.org", "ca@example.org"
    }  # fmt: skip
    assert emails(members_matching({"chapters": [chapter_b.pk]}, national)) == {"wy@example.org"}


def test_filters_all_hold(people, national):
    definition = {"states": ["SC"], "statuses": ["active"], "consents": ["email_updates"], "utm_source": "fb"}
    assert emails(members_matching(definition, national)) == {"ch@example.org"}
    assert emails(members_matching({"counties": ["45079"], "statuses": ["active"]}, national)) == {"co@example.org"}
    assert emails(members_matching({"ref": "fair"}, national)) == {"ch@example.org"}


def test_joined_between_includes_both_days(people, national):
    Member.objects.filter(pk=people["columbia"].pk).update(
        joined_at=datetime.datetime(2026, 5, 1, 23, 30, tzinfo=datetime.UTC)
    )
    Member.objects.exclude(pk=people["columbia"].pk).update(
        joined_at=datetime.datetime(2026, 6, 2, 12, tzinfo=datetime.UTC)
    )
    may = {"joined_after": "2026-05-01", "joined_before": "2026-05-31"}
    assert emails(members_matching(may, national)) == {"co@example.org"}


def test_tags_any_all_none(people, national, chapter_a):
    volunteer = Tag.objects.create(name="volunteer")
    donor = Tag.objects.create(name="donor", chapter=chapter_a)
    for member, tags in ((people["charleston"], [volunteer, donor]), (people["columbia"], [volunteer])):
        MemberTag.objects.bulk_create([MemberTag(member=member, tag=t) for t in tags])
    assert emails(members_matching({"tags_any": [volunteer.pk, donor.pk]}, national)) == {
        "ch@example.org", "co@example.org"
    }  # fmt: skip
    assert emails(members_matching({"tags_all": [volunteer.pk, donor.pk]}, national)) == {"ch@example.org"}
    assert emails(members_matching({"tags_none": [donor.pk], "states": ["SC"]}, national)) == {
        "co@example.org", "gone@example.org"
    }  # fmt: skip


def test_question(people, national):
    Answer.objects.create(user=people["charleston"].user, choice=Answer.Choice.YES)
    Answer.objects.create(user=people["wyoming"].user, choice=Answer.Choice.NO)
    assert emails(members_matching({"answers": ["yes"]}, national)) == {"ch@example.org"}
    assert emails(members_matching({"question": "answered"}, national)) == {"ch@example.org", "wy@example.org"}
    assert len(emails(members_matching({"question": "not_answered"}, national))) == 3


def rsvp(member: Member, event, *, days: int = 0, **fields) -> RSVP:
    occurrence = event.occurrences.first()
    if days:
        Occurrence.objects.filter(pk=occurrence.pk).update(date=occurrence.date + datetime.timedelta(days=days))
    return RSVP.objects.create(occurrence=occurrence, user=member.user, email=member.user.email, **fields)


def test_rsvps_and_attendance(people, national, chapter_a, chapter_b):
    tabling, rally = make_event(chapter_a), make_event(None, title="National rally")
    rsvp(people["columbia"], tabling)
    rsvp(people["charleston"], tabling, status=RSVP.Status.CANCELLED)
    rsvp(people["nowhere"], rally, attended=True)
    rsvp(people["wyoming"], make_event(chapter_b, title="Cheyenne meeting"), status=RSVP.Status.WAITLISTED)
    assert emails(members_matching({"event_rsvp": "rsvped"}, national)) == {
        "co@example.org", "ca@example.org", "wy@example.org"
    }  # fmt: skip
    assert emails(members_matching({"events": [tabling.pk]}, national)) == {"co@example.org"}
    assert emails(members_matching({"event_rsvp": "attended"}, national)) == {"ca@example.org"}
    later = tabling.occurrences.first().date + datetime.timedelta(days=1)
    assert not members_matching({"events": [tabling.pk], "events_since": later.isoformat()}, national).exists()


def test_another_chapters_event_selects_nobody(people, coordinator_a, chapter_b):
    cheyenne = make_event(chapter_b, title="Cheyenne meeting")
    rsvp(people["columbia"], cheyenne)  # a member of A who went to B's event
    assert not members_matching({"events": [cheyenne.pk]}, coordinator_a).exists()
    assert not members_matching({"event_rsvp": "rsvped"}, coordinator_a).exists()


def test_hostile_definition_never_leaves_the_coordinators_chapters(people, coordinator_a, chapter_a, chapter_b):
    b_tag = Tag.objects.create(name="b-secret", chapter=chapter_b)
    MemberTag.objects.create(member=people["charleston"], tag=b_tag)
    hostile = [
        {"everyone": True},
        {"chapters": [chapter_b.pk]},
        {"states": ["WY", "CA"]},
        {"no_chapter": True},
        {"chapters": [chapter_b.pk, 999999], "states": ["WY"], "no_chapter": True},
        {"tags_any": [b_tag.pk]},
        {"tags_all": [b_tag.pk]},
    ]
    for definition in hostile:
        found = members_matching(definition, coordinator_a)
        assert set(found.values_list("chapter_id", flat=True)) <= {chapter_a.pk}
    assert not members_matching({"tags_any": [b_tag.pk]}, coordinator_a).exists()
    assert emails(members_matching({"everyone": True}, coordinator_a)) == {
        "ch@example.org", "co@example.org", "gone@example.org"
    }  # fmt: skip


def test_nobody_for_anonymous_or_a_plain_member(people, member):
    assert not members_matching({"everyone": True}, AnonymousUser()).exists()
    assert not members_matching({"everyone": True}, member).exists()


def test_counting_is_one_query(people, coordinator_a, chapter_a, django_assert_num_queries):
    tag = Tag.objects.create(name="volunteer")
    definition = {"chapters": [chapter_a.pk], "tags_all": [tag.pk], "answers": ["yes"], "event_rsvp": "attended"}
    coordinator_a.is_national_coordinator  # noqa: B018 -- the role is looked up once per request
    with django_assert_num_queries(1):
        assert members_matching(definition, coordinator_a).count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("chapter a", "must be an object"),
        ({"colour": "red"}, "Unknown filter: colour"),
        ({"chapters": "3"}, "chapters must be a list"),
        ({"chapters": [True]}, "list of ids"),
        ({"chapters": [999999]}, "No such chapter: 999999"),
        ({"states": ["Carolina"]}, "not a valid code"),
        ({"statuses": ["vip"]}, "unknown value 'vip'"),
        ({"joined_after": "May"}, "YYYY-MM-DD"),
        ({"joined_after": "2026-06-01", "joined_before": "2026-05-01"}, "later than"),
        ({"answers": ["yes"], "question": "not_answered"}, "cannot have answered"),
        ({"utm_source": "a\nb"}, "one line"),
        ({"tags_any": [424242]}, "No such tag"),
        ({"events": [424242]}, "No such event"),
        ({"event_rsvp": "maybe"}, "event_rsvp must be one of"),
    ],
)
def test_bad_definitions_say_what_is_wrong(db, data, message):
    with pytest.raises(ValidationError, match=message):
        clean_definition(data)


def test_clean_definition_normalises(chapter_a):
    assert clean_definition({"states": ["sc", "SC"], "chapters": [str(chapter_a.pk)], "ref": " x "}) == {
        "chapters": [chapter_a.pk], "ref": "x", "states": ["SC"]
    }  # fmt: skip
    assert clean_definition({"everyone": True, "states": ["SC"], "no_chapter": False}) == {"everyone": True}


def test_describe(people, chapter_a):
    tag = Tag.objects.create(name="volunteer")
    line = describe({"chapters": [chapter_a.pk], "joined_after": "2026-05-01", "tags_any": [tag.pk]})
    assert line == "Members of South Carolina Consents, joined on or after 1 May 2026, tagged volunteer"
    assert describe({}) == "All members"


def test_form_offers_only_the_users_chapters(people, coordinator_a, chapter_a, chapter_b):
    form = DefinitionForm(user=coordinator_a, data={"chapters": [chapter_b.pk]})
    assert not form.is_valid()
    assert "chapters" in form.errors
    assert "everyone" not in form.fields
    form = DefinitionForm(user=coordinator_a, data={"chapters": [chapter_a.pk], "counties": "45079, 45019",
                                                     "statuses": ["active"]})  # fmt: skip
    assert form.is_valid(), form.errors
    assert form.cleaned_definition == {"chapters": [chapter_a.pk], "counties": ["45019", "45079"],
                                       "statuses": ["active"]}  # fmt: skip


def test_form_reports_unknown_county(people, national):
    form = DefinitionForm(user=national, data={"counties": "99999"})
    assert not form.is_valid()
    assert "No such county: 99999" in str(form.errors)


def test_form_offers_national_and_own_chapters_events_only(people, coordinator_a, chapter_a, chapter_b):
    own, national_event = make_event(chapter_a, title="Columbia canvass"), make_event(None, title="National rally")
    other = make_event(chapter_b, title="Cheyenne meeting")
    form = DefinitionForm(user=coordinator_a, data={"events": [other.pk]})
    assert not form.is_valid()
    assert "events" in form.errors
    offered = {event.title for event in form.fields["events"].queryset}
    assert {"Columbia canvass", "National rally"} <= offered
    assert "Cheyenne meeting" not in offered
    form = DefinitionForm(user=coordinator_a, data={"events": [own.pk, national_event.pk], "event_rsvp": "attended"})
    assert form.is_valid(), form.errors
    assert form.cleaned_definition == {"event_rsvp": "attended", "events": sorted([own.pk, national_event.pk])}
