import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from chapters.models import Chapter, CoalitionGoal, State, StatusChange


def test_status_change_is_recorded_with_date_and_who(chapter_a, national):
    before = timezone.now()
    chapter_a.change_status(Chapter.Status.DORMANT, by=national)
    change = StatusChange.objects.get(chapter=chapter_a)
    assert (change.from_status, change.to_status, change.changed_by) == ("active", "dormant", national)
    assert before <= change.changed_at <= timezone.now()
    assert Chapter.objects.get(pk=chapter_a.pk).status == "dormant"
    assert chapter_a.change_status(Chapter.Status.DORMANT, by=national) is None


def test_unknown_status_is_refused(chapter_a):
    with pytest.raises(ValidationError):
        chapter_a.change_status("bankrupt")


def test_weekly_call_needs_a_real_time_zone_and_all_three_parts(chapter_a):
    chapter_a.call_weekday = Chapter.Weekday.TUESDAY
    chapter_a.call_time = datetime.time(19, 30)
    chapter_a.call_timezone = "America/Chigaco"
    with pytest.raises(ValidationError) as error:
        chapter_a.full_clean()
    assert "call_timezone" in error.value.message_dict
    chapter_a.call_timezone = "America/Chicago"
    chapter_a.full_clean()
    chapter_a.call_time = None
    with pytest.raises(ValidationError, match="day, local time and time zone"):
        chapter_a.full_clean()


def test_reserved_slug_is_refused(db):
    chapter = Chapter(name="Find", slug="find", state=State.objects.get(code="OH"))
    with pytest.raises(ValidationError, match="reserved"):
        chapter.full_clean()


def test_goal_progress_counts_states_with_an_active_chapter(chapter_a, chapter_b):
    Chapter.objects.create(name="Second SC", slug="second-sc", state=chapter_a.state, status="active")
    Chapter.objects.create(name="Ohio", slug="ohio", state=State.objects.get(code="OH"), status="forming")
    assert CoalitionGoal.current().progress() == (2, 20)
    chapter_b.change_status(Chapter.Status.DORMANT)
    assert CoalitionGoal.current().progress() == (1, 20)
