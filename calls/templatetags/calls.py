"""The national call for templates of apps below calls (members' join and welcome pages, mails).

Those apps may not import calls; their templates `{% load calls %}` and
`{% national_call as call %}`, so every page and mail shows the time the call is held at.
"""

from django import template

from calls.models import WeeklyCall
from calls.models import national_call as build_national_call

register = template.Library()


@register.simple_tag(name="national_call")
def national_call() -> WeeklyCall:
    return build_national_call()
