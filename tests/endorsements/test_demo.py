from django.core.management import call_command

from endorsements.models import Endorsement


def test_demo_endorsements_load_idempotently_with_every_kind(db, client):
    call_command("load_demo")
    call_command("load_demo")
    published = Endorsement.objects.published()
    assert published.count() == Endorsement.objects.count() >= 12
    assert set(published.values_list("kind", flat=True)) == set(Endorsement.Kind.values)
    assert published.filter(state__isnull=True).count() == 2
    assert published.filter(state__isnull=False).values("state").distinct().count() >= 10
    assert published.filter(featured=True).exists()
    response = client.get("/endorsements/")
    assert "Vera Holloway" in response.content.decode()
    assert client.get(published.get(name="Dana Whitfield").get_absolute_url()).status_code == 200
