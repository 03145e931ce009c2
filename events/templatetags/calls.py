"""The calls for templates of apps below events (members' join and welcome pages, mails).

Those apps may not import events; their templates `{% load calls %}` and
`{% national_call as call %}` (or `{% member_call chapter as call %}`), so every page and
mail shows the time the call is held at, read from the call's event.
"""

from django import template

from events.calls import WeeklyCall, call_for
from events.calls import national_call as build_national_call

register = template.Library()


@register.simple_tag(name="national_call", takes_context=True)
def national_call(context: template.Context) -> WeeklyCall:
    """Read once per page: the view's own (public pages pass it), else once per request."""
    given = context.get("national_call")
    if isinstance(given, WeeklyCall):
        return given
    request = context.get("request")
    if request is None:
        return build_national_call()
    if getattr(request, "national_call", None) is None:
        request.national_call = build_national_call()
    return request.national_call


@register.simple_tag(name="member_call")
def member_call(chapter=None) -> WeeklyCall:
    """The call a member is asked to: their chapter's own weekly call, else the national one."""
    return call_for(chapter)
