from django.contrib.auth.models import Group

from lib.roles import CHAPTER_COORDINATORS, NATIONAL_COORDINATORS


def test_home_shows_progress_and_a_way_to_join(client, chapter_a, chapter_b, django_assert_max_num_queries):
    with django_assert_max_num_queries(18):  # a cold cache: figures, then the visitors' page, computed and stored
        response = client.get("/")
    with django_assert_max_num_queries(0):  # warm: the whole page for a visitor without cookies, from memory
        client.get("/")
    client.cookies["sessionid"] = "none"
    with django_assert_max_num_queries(2):  # with a cookie: the figures from the cache, the page rendered
        assert client.get("/").status_code == 200
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>2</strong> of <strong>20</strong> states" in html
    assert 'href="/join/"' in html
    assert "South Carolina Consents" in html


def test_home_navigation_for_a_logged_in_member(client, member):
    client.force_login(member)
    html = client.get("/").content.decode()
    assert "My profile" in html
    assert "Log out" in html
    assert 'href="/admin/"' not in html


def test_role_groups_exist_with_permissions(db):
    national = Group.objects.get(name=NATIONAL_COORDINATORS)
    coordinators = Group.objects.get(name=CHAPTER_COORDINATORS)
    assert national.permissions.filter(codename="add_chapter").exists()
    assert coordinators.permissions.filter(codename="change_chapter").exists()
    assert not coordinators.permissions.filter(codename="add_chapter").exists()
