"""The Atom feed carries whatever text is stored, even rows written before the validators existed."""

from xml.etree import ElementTree

from django.urls import reverse

from endorsements.models import Endorsement
from tests.factories import make_endorsement

ATOM = "{http://www.w3.org/2005/Atom}"


def test_feed_answers_with_well_formed_xml_whatever_the_stored_text(client, db):
    endorsement = make_endorsement()
    # queryset.update skips validation: as a row stored before the validators existed.
    Endorsement.objects.filter(pk=endorsement.pk).update(
        name="Jane\x1b[2J Doe\r\n<entry>",
        office="Senator\x0b\x7f",
        statement="First line.\r\nSecond\x08 line.\x1f",
    )

    response = client.get(reverse("endorsements:endorsement-feed"))

    assert response.status_code == 200
    entry = ElementTree.fromstring(response.content).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "Jane[2J Doe <entry>, Senator"
    assert entry.find(f"{ATOM}summary").text == "First line.\nSecond line."
