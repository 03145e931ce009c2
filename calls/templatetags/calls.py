"""The calls for templates of apps below calls (members' join and welcome pages, mails).

Those apps may not import calls; their templates `{% load calls %}` and
`{% national_call as call %}` (or `{% member_call chapter as call %}`), so every page and
mail shows the time the call is held at.
"""

from django import template

from calls.models import WeeklyCall, chapter_call
from calls.models import national_call as build_national_call
from chapters.models import Chapter

register = template.Library()


@register.simple_tag(name="national_call")
def national_call() -> WeeklyCall:
    return build_national_call()


@register.simple_tag(name="member_call")
def member_call(chapter=None) -> WeeklyCall:
    """The call a member is asked to: their chapter's own weekly call, else the national one."""
    # A dormant chapter's call is not held (and calls/ serves no calendar for it).
    if chapter is not None and chapter.status != Chapter.Status.DORMANT:
        return chapter_call(chapter) or build_national_call()
    return build_national_call()
