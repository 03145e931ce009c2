"""What a search engine and a shared link's preview read from a public page's <head>."""

import re

import pytest

from tests.factories import make_endorsement


def head_tags(html: str) -> dict[str, str]:
    head = html.split("</head>")[0]
    tags = {m[0]: m[1] for m in re.findall(r'<meta (?:name|property)="([^"]+)" content="([^"]*)"', head)}
    tags |= {f"link:{m[0]}": m[1] for m in re.findall(r'<link rel="([^"]+)" href="([^"]*)"', head)}
    return tags


@pytest.mark.parametrize("path", ["/", "/chapters/", "/chapters/find/", "/join/", "/endorsements/",
                                  "/endorsements/submit/", "/calls/", "/question/"])  # fmt: skip
def test_public_page_has_description_preview_and_canonical(client, chapter_a, path):
    tags = head_tags(client.get(path).content.decode())
    for name in ("description", "og:title", "og:description", "og:image", "twitter:card", "link:icon"):
        assert tags.get(name), f"{path}: no {name}"
    assert tags["link:canonical"] == tags["og:url"] == f"http://testserver{path}"
    assert tags["og:image"] == "http://testserver/static/img/share.png"


def test_chapter_and_endorsement_previews_name_them(client, chapter_a):
    tags = head_tags(client.get(f"/chapters/{chapter_a.slug}/?utm_source=x").content.decode())
    assert tags["og:title"] == "South Carolina Consents"
    assert "South Carolina Consents, the Coalition of the States in South Carolina" in tags["description"]
    assert tags["link:canonical"] == "http://testserver/chapters/south-carolina/"  # without the query

    endorsement = make_endorsement("SC", name="Dana Whitfield", statement="South Carolina should consent.")
    tags = head_tags(client.get(endorsement.get_absolute_url()).content.decode())
    assert tags["og:title"] == "Dana Whitfield endorses the Coalition of the States"
    assert tags["og:description"] == "South Carolina should consent."


def test_favicon_ico_leads_to_the_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.ico"


def test_bad_host_still_gets_its_400_page_without_absolute_links(client, db):
    response = client.get("/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert "evil.example.com" not in response.content.decode()
