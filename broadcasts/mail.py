"""A broadcast as mail: Markdown to safe HTML and text, merge fields, the inbox headers, the footer.

The body is rendered once per broadcast (`Compiled`); each recipient's copy only fills in the merge
fields and their unsubscribe link, so sending 100,000 copies renders Markdown once.
"""

import html
import re
import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfoNotFoundError

import markdown
import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from broadcasts.models import Broadcast
from events.calls import call_for
from events.templatetags.call_times import in_zone
from lib import tokens
from members.models import Member
from members.views import share_path

MERGE_FIELD = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
MERGE_FIELDS = ("first_name", "chapter", "next_call", "share_link")
# What the message carries besides the merge fields: filled per recipient, never typed by the author.
UNSUBSCRIBE_MARK = "\x00unsubscribe\x00"
UNSUBSCRIBE_PURPOSE = "broadcast-unsubscribe"
CALLS_KEPT_SECONDS = 60


def check_merge_fields(text: str) -> None:
    unknown = sorted({name for name in MERGE_FIELD.findall(text) if name not in MERGE_FIELDS})
    if unknown:
        known = ", ".join(f"{{{{ {name} }}}}" for name in MERGE_FIELDS)
        raise ValidationError(f"Unknown merge field: {', '.join(unknown)}. Use one of {known}.")


def safe_html(source: str) -> str:
    """Markdown to HTML that may be shown anywhere: nh3 keeps only harmless tags and http(s)/mailto links."""
    rendered = markdown.markdown(source, extensions=["sane_lists"], output_format="html")
    return nh3.clean(rendered, url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


class NextCalls:
    """The next call each member is asked to, with its time in their own zone.

    Kept while sending: each chapter's call is looked up once and worded once per time zone, and
    all of it is forgotten once CALLS_KEPT_SECONDS old (`refresh`), as a long send outlives a call.
    """

    def __init__(self) -> None:
        self.calls: dict[int | None, tuple] = {}
        self.lines: dict[tuple[int | None, str], str] = {}
        self.since = time.monotonic()

    def refresh(self) -> None:
        if time.monotonic() - self.since > CALLS_KEPT_SECONDS:
            self.calls.clear()
            self.lines.clear()
            self.since = time.monotonic()

    def line(self, member: Member) -> str:
        zone = getattr(member.zip_code, "timezone", "")
        if (member.chapter_id, zone) not in self.lines:
            if member.chapter_id not in self.calls:
                call = call_for(member.chapter)
                self.calls[member.chapter_id] = call, call.next_occurrence()
            call, start = self.calls[member.chapter_id]
            try:
                when = in_zone(start, zone or call.timezone)
            except ZoneInfoNotFoundError:
                when = in_zone(start, call.timezone)
            self.lines[member.chapter_id, zone] = f"{call.title}, {when}"
        return self.lines[member.chapter_id, zone]


def share_link(member: Member, base_url: str) -> str:
    return base_url + share_path(member)


def merge_values(member: Member, base_url: str, calls: NextCalls | None = None) -> dict[str, str]:
    return {
        "first_name": member.user.first_name or "friend",
        "chapter": member.chapter.name if member.chapter_id else settings.COALITION_NAME,
        "next_call": (calls or NextCalls()).line(member),
        "share_link": share_link(member, base_url),
    }


def unsubscribe_url(base_url: str, broadcast_id: int, member_id: int) -> str:
    """The one-click link of one member's copy: a signed token naming the broadcast and the member."""
    token = tokens.make_token(UNSUBSCRIBE_PURPOSE, f"{broadcast_id}-{member_id}")
    return base_url + reverse("broadcasts:unsubscribe", args=[token])


@dataclass
class Compiled:
    """The broadcast rendered once: HTML and text with merge fields still to fill."""

    broadcast: Broadcast
    html: str
    text: str
    list_id: str
    calls: NextCalls = field(default_factory=NextCalls)  # kept while sending; send_batch refreshes it

    @classmethod
    def of(cls, broadcast: Broadcast) -> "Compiled":
        footer = {
            "sender": settings.BROADCAST_FOOTER_SENDER,
            "postal_address": settings.BROADCAST_POSTAL_ADDRESS,
            "chapter": broadcast.chapter,
            "unsubscribe_url": UNSUBSCRIBE_MARK,
        }
        context = {
            "coalition_name": settings.COALITION_NAME,
            "broadcast": broadcast,
            "body_html": safe_html(broadcast.body),
            **footer,
        }
        page = render_to_string("broadcasts/email.html", context)
        text = render_to_string("broadcasts/email.txt", {**context, "body_text": broadcast.body.strip()})
        slug = broadcast.chapter.slug if broadcast.chapter_id else "national"
        name = str(broadcast.chapter) if broadcast.chapter_id else settings.COALITION_NAME
        list_id = f"{name} <{slug}.{settings.BROADCAST_LIST_DOMAIN}>"
        return cls(broadcast=broadcast, html=page, text=text, list_id=list_id)

    def fill(self, template: str, values: dict[str, str], unsubscribe: str, escape: bool) -> str:
        quote = html.escape if escape else str
        filled = MERGE_FIELD.sub(lambda m: quote(values.get(m.group(1), m.group(0))), template)
        return filled.replace(UNSUBSCRIBE_MARK, quote(unsubscribe))

    def message(self, member: Member, email: str, *, recipient: bool) -> EmailMultiAlternatives:
        """One member's copy; a test send (`recipient` false: no row) carries no working unsubscribe link."""
        base = self.broadcast.base_url
        values = merge_values(member, base, self.calls)
        link = unsubscribe_url(base, self.broadcast.pk, member.pk) if recipient else base + "/"
        headers = {"List-Id": self.list_id}
        if recipient:
            headers |= {
                "List-Unsubscribe": f"<{link}>",
                # RFC 8058: the receiver may POST "List-Unsubscribe=One-Click" to that URL.
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            }
        subject = self.fill(self.broadcast.subject, values, link, escape=False)
        message = EmailMultiAlternatives(
            " ".join(subject.split()), self.fill(self.text, values, link, escape=False),
            settings.BROADCAST_FROM_EMAIL, [email], headers=headers,
        )  # fmt: skip
        message.attach_alternative(self.fill(self.html, values, link, escape=True), "text/html")
        return message

    def preview(self, member: Member) -> tuple[str, str]:
        """Subject and body merged for `member`, for the admin's preview (its page has its own layout)."""
        values = merge_values(member, self.broadcast.base_url)
        body = self.fill(safe_html(self.broadcast.body), values, "#", escape=True)
        return self.fill(self.broadcast.subject, values, "#", escape=False), body


def members_for(ids: list[int]) -> dict[int, Member]:
    """The members of one batch, with what their merge fields read, in one query."""
    return Member.objects.select_related("user", "chapter", "zip_code").in_bulk(ids)
