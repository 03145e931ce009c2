"""The welcome mail: sent once, when a membership begins (address confirmed, or invitation claimed).

Imported members are not welcomed at import: their membership begins for this purpose when they
claim the account (members.models.activate_member sends `membership_started` then).
"""

from django.db import IntegrityError, transaction
from django.urls import reverse

from digests.models import WelcomeMail
from events.calls import WeeklyCall, call_for
from lib.mail import render_mail_template
from lib.urls import absolute_url
from members.models import Member
from members.views import share_path


def next_call_for(member: Member) -> WeeklyCall:
    return call_for(member.chapter)


def share_url(member: Member) -> str:
    return absolute_url(share_path(member))


def send_welcome(*, member: Member) -> bool:
    """Mail the member their welcome, unless they had it already. True if mailed."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                WelcomeMail.objects.create(member=member)
        except IntegrityError:
            return False
        call = next_call_for(member)
        context = {
            "member": member,
            "chapter": member.chapter,
            "call": call,
            "call_start": call.next_occurrence(),
            "call_ics_url": absolute_url(reverse("calls:call-ics", args=[call.key])),
            "share_url": share_url(member),
            "profile_url": absolute_url(reverse("members:profile")),
        }
        message = render_mail_template("emails/welcome", [member.user.email], context)
        message.attach("call.ics", call.to_ical(recurring=False), "text/calendar")
        message.send()
    return True


def welcome_on_start(sender, *, member: Member, **kwargs) -> None:
    send_welcome(member=member)
