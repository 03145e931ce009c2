"""The onboarding step "First 10 members": asked of the index (is there a tenth?), not counted."""

from chapters.models import Chapter
from members.models import Member
from tests.factories import SC_ZIP, make_member


def goal_reached(chapter: Chapter) -> tuple[bool, bool]:
    annotated = Chapter.objects.with_onboarding().get(pk=chapter.pk)
    plain = Chapter.objects.get(pk=chapter.pk)
    return dict(annotated.onboarding_checklist())["First 10 members"], plain.reached_members_goal()


def test_the_tenth_counted_member_completes_the_step(chapter_a, django_assert_max_num_queries):
    for i in range(9):
        make_member(f"m{i}@example.org", SC_ZIP)
    make_member("pending@example.org", SC_ZIP, status=Member.Status.PENDING)
    make_member("left@example.org", SC_ZIP, status=Member.Status.LEFT)
    assert goal_reached(chapter_a) == (False, False)
    make_member("tenth@example.org", SC_ZIP)
    chapter_a.refresh_from_db()
    assert goal_reached(chapter_a) == (True, True)
    with django_assert_max_num_queries(1):
        list(Chapter.objects.with_onboarding())
