"""The webhooks' admin pages: coordinators manage their own chapters' subscriptions and URLs, and read the log."""

import pytest

from tests.factories import make_member
from tests.webhooks.helpers import subscribe
from webhooks.models import Attempt, Delivery, Receiver, Subscription

PUBLIC_URL = "https://8.8.8.8/coalition-hook"  # a public address: checking it needs no DNS


def form(chapter, **overrides) -> dict:
    data = {"name": "Sheet sync", "chapter": chapter.pk if chapter else "", "url": PUBLIC_URL,
            "on_person_created": "on"}  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def errors(response) -> str:
    return str(response.context["adminform"].form.errors) if response.status_code == 200 else ""


def test_a_coordinator_subscribes_their_chapter_and_sees_the_secret(client, coordinator_a, chapter_a):
    client.force_login(coordinator_a)
    response = client.post("/admin/webhooks/subscription/add/", form(chapter_a))
    assert response.status_code == 302, errors(response)
    subscription = Subscription.objects.get()
    assert (subscription.chapter, subscription.created_by) == (chapter_a, coordinator_a)
    assert subscription.secret.startswith("whsec_")
    page = client.get(f"/admin/webhooks/subscription/{subscription.pk}/change/").content.decode()
    assert subscription.secret in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"url": "https://10.0.0.5/hook"}, "private network"),
        ({"url": "https://169.254.169.254/"}, "private network"),
        ({"url": "http://8.8.8.8/hook"}, "https://"),
        ({"on_person_created": None}, "at least one event"),
    ],
)
def test_a_url_or_choice_we_cannot_use_is_refused_with_a_reason(client, coordinator_a, chapter_a, overrides, message):
    client.force_login(coordinator_a)
    response = client.post("/admin/webhooks/subscription/add/", form(chapter_a, **overrides))
    assert response.status_code == 200
    assert message in errors(response)
    assert not Subscription.objects.exists()


def test_only_national_coordinators_subscribe_to_every_chapter(client, coordinator_a, national, chapter_a, chapter_b):
    client.force_login(coordinator_a)
    assert client.post("/admin/webhooks/subscription/add/", form(None)).status_code == 200
    assert client.post("/admin/webhooks/subscription/add/", form(chapter_b)).status_code == 200, "not their chapter"
    assert not Subscription.objects.exists()
    client.force_login(national)
    assert client.post("/admin/webhooks/subscription/add/", form(None)).status_code == 302
    assert Subscription.objects.get().chapter is None


def test_the_lists_show_only_the_coordinators_chapters_in_bounded_queries(
    client, coordinator_a, coordinator_b, chapter_a, chapter_b, django_assert_max_num_queries
):
    for n in range(5):
        subscribe(coordinator_a, chapter_a, f"https://8.8.8.8/a{n}", name=f"Sync a{n}", person_updated=True)
        subscribe(coordinator_b, chapter_b, f"https://8.8.8.8/b{n}", name=f"Sync b{n}")
    for n in range(5):
        make_member(f"a{n}@example.net", "29201")
        make_member(f"b{n}@example.net", "82001")
    client.force_login(coordinator_a)
    with django_assert_max_num_queries(20):
        page = client.get("/admin/webhooks/subscription/").content.decode()
    assert "https://8.8.8.8/a0" in page
    assert "https://8.8.8.8/b0" not in page
    with django_assert_max_num_queries(20):
        deliveries = client.get("/admin/webhooks/delivery/").content.decode()
    assert "Sync a4" in deliveries
    assert "Sync b" not in deliveries
    b_delivery = Delivery.objects.filter(subscription__chapter=chapter_b).first()
    assert client.get(f"/admin/webhooks/delivery/{b_delivery.pk}/change/").status_code == 404


def test_a_delivery_page_shows_each_attempt_and_its_time(client, coordinator_a, chapter_a,
                                                         django_assert_max_num_queries):  # fmt: skip
    subscription = subscribe(coordinator_a, chapter_a, PUBLIC_URL)
    make_member("a@example.net", "29201")
    delivery = Delivery.objects.get()
    Attempt.objects.create(delivery=delivery, status_code=503, response_ms=41)
    Attempt.objects.create(delivery=delivery, error="TimeoutError: timed out")
    client.force_login(coordinator_a)
    with django_assert_max_num_queries(25):
        page = client.get(f"/admin/webhooks/delivery/{delivery.pk}/change/").content.decode()
    assert "503" in page
    assert "41" in page
    assert "timed out" in page
    sub_page = client.get(f"/admin/webhooks/subscription/{subscription.pk}/change/").content.decode()
    assert f"/admin/webhooks/delivery/{delivery.pk}/change/" in sub_page


def test_resuming_a_paused_subscription(client, coordinator_a, chapter_a):
    subscription = subscribe(coordinator_a, chapter_a, PUBLIC_URL)
    Subscription.objects.filter(pk=subscription.pk).update(paused_at="2026-01-01T00:00Z", consecutive_failures=20,
                                                           failing_since="2025-12-31T00:00Z")  # fmt: skip
    client.force_login(coordinator_a)
    response = client.post("/admin/webhooks/subscription/", {"action": "resume_selected",
                                                             "_selected_action": [subscription.pk]})  # fmt: skip
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.paused_at, subscription.consecutive_failures, subscription.failing_since) == (None, 0, None)
    make_member("a@example.net", "29201")
    assert subscription.deliveries.count() == 1


def test_a_coordinator_makes_their_chapters_receiving_url(client, coordinator_a, chapter_a, chapter_b):
    client.force_login(coordinator_a)
    assert client.post("/admin/webhooks/receiver/add/", {"chapter": chapter_b.pk}).status_code == 200
    response = client.post("/admin/webhooks/receiver/add/", {"chapter": chapter_a.pk})
    assert response.status_code == 302
    receiver = Receiver.objects.get()
    assert receiver.created_by == coordinator_a
    page = client.get(f"/admin/webhooks/receiver/{receiver.pk}/change/").content.decode()
    assert f"/webhooks/action-network/{receiver.token}/" in page
