"""A broadcast as a member receives it: safe HTML, merge fields, the inbox headers and the footer."""

import pytest
from django.core.exceptions import ValidationError

from broadcasts.mail import Compiled, check_merge_fields, safe_html
from members.models import User


def test_markdown_is_rendered_and_anything_unsafe_is_gone():
    html = safe_html(
        "# Title\n\n**bold** [site](https://example.org) [bad](javascript:alert(1))\n\n"
        '<script>alert(\'x\')</script>\n\n<img src=x onerror=alert(1)>\n\n<a href="#" onclick="steal()">x</a>'
    )
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.org"' in html
    for unsafe in ("<script", "javascript:", "onerror", "onclick"):
        assert unsafe not in html


def test_unknown_merge_fields_are_refused_with_the_known_ones_named():
    check_merge_fields("Hi {{ first_name }}, see {{ next_call }} and {{ share_link }} in {{ chapter }}")
    with pytest.raises(ValidationError, match="last_name.*first_name"):
        check_merge_fields("Hi {{ last_name }}")


def test_each_copy_is_merged_for_its_member_and_escaped(people, broadcast_a, settings):
    settings.BROADCAST_FROM_EMAIL = "Chapter news <news@example.org>"
    settings.BROADCAST_POSTAL_ADDRESS = "PO Box 1, Columbia SC 29201"
    ann = people["ann"]
    User.objects.filter(pk=ann.user_id).update(first_name="<b>Ann</b>")
    ann.user.refresh_from_db()
    message = Compiled.of(broadcast_a).message(ann, "ann@example.net", recipient=True)

    assert message.subject == "Hello <b>Ann</b>"  # a subject is text
    assert message.from_email == "Chapter news <news@example.org>"
    html = message.alternatives[0][0]
    assert "&lt;b&gt;Ann&lt;/b&gt;" in html
    assert "<b>Ann</b>" not in html
    assert "South Carolina Consents" in html
    assert "?ref=friend-" in html, "the member's own share link"
    assert "Eastern time" in html, "the next call in the member's zone (Columbia, SC)"
    assert "PO Box 1, Columbia SC 29201" in html
    assert "PO Box 1" in message.body
    assert "News from the chapter" in html, "the preview text"
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://testserver/u/")
    assert unsubscribe.endswith("/>")
    assert unsubscribe[1:-1] in html, "a visible unsubscribe link"
    assert unsubscribe[1:-1] in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Id"] == "South Carolina Consents <south-carolina.lists.localhost>"
