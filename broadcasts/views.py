"""The unsubscribe link of every broadcast: one click, no login (RFC 8058).

A mail program POSTs `List-Unsubscribe=One-Click` to the link in the List-Unsubscribe header,
with no cookies: that POST unsubscribes at once, with no confirmation. A GET never does (link
scanners fetch every link): it shows one button, which POSTs to the same URL. The token in the
URL is signed (lib.tokens) and names the recipient row, so the link needs no login and works for
nobody else's address; a second POST finds the member already unsubscribed and says so.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from broadcasts.mail import UNSUBSCRIBE_PURPOSE
from broadcasts.models import Recipient, unsubscribe
from lib import tokens


def recipient_for(token: str) -> Recipient | None:
    try:
        link = tokens.read_token(UNSUBSCRIBE_PURPOSE, token)
    except tokens.InvalidToken:
        return None
    broadcast_id, _, member_id = str(link.pk).partition("-")
    if not (broadcast_id.isdigit() and member_id.isdigit()):
        return None
    copies = Recipient.objects.select_related("member", "broadcast__chapter")
    return copies.filter(broadcast_id=int(broadcast_id), member_id=int(member_id)).first()


@csrf_exempt  # a mail program's POST carries no cookie and no CSRF token; the signed URL is the proof
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    recipient = recipient_for(token)
    if recipient is None:
        return render(request, "broadcasts/unsubscribe.html", {"invalid": True}, status=400)
    context = {"recipient": recipient, "address": masked(recipient.email)}
    if request.method == "POST":
        unsubscribe(recipient)
        return render(request, "broadcasts/unsubscribe.html", {**context, "done": True})
    return render(request, "broadcasts/unsubscribe.html", context)


def masked(email: str) -> str:
    """ "a…@example.net": enough for its owner to recognise, nothing for whoever the mail was forwarded to."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"
