"""A call's start in the viewer's own time, shown once.

A logged-in member with a ZIP code sees it in that ZIP's zone, from the server; anyone
else gets an empty line that static/js/localtime.js fills in with the browser's zone.
Two lines (server and browser) could disagree when someone travels, so only one is shown.
"""

import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.utils import dateformat

from events.calls import ZONE_NAMES

register = template.Library()


def member_zone(user) -> str | None:
    """The member's own time zone, from their ZIP code, when we know it."""
    member = getattr(user, "member", None) if user is not None and user.is_authenticated else None
    zip_code = getattr(member, "zip_code", None)
    return getattr(zip_code, "timezone", None) or None


def in_zone(start: datetime.datetime, zone: str) -> str:
    """E.g. "Wednesday, December 2, 5:30 p.m. Pacific time (PST)", written as the call's own time is."""
    local = start.astimezone(ZoneInfo(zone))
    name = f"{ZONE_NAMES[zone]} time" if zone in ZONE_NAMES else zone
    return f"{dateformat.format(local, 'l, F j, g:i a')} {name} ({local.tzname()})"


@register.simple_tag(takes_context=True)
def your_time(context: template.Context, start: datetime.datetime) -> str:
    request = context.get("request")
    zone = member_zone(getattr(request, "user", None))
    try:
        return in_zone(start, zone) if zone else ""
    except ZoneInfoNotFoundError:
        return ""  # a ZIP row with a zone this system lacks: the browser's zone instead
