def test_robots_txt_keeps_crawlers_out_of_private_areas(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    rules = response.content.decode().splitlines()
    assert rules[0] == "User-agent: *"
    for path in ("/admin/", "/accounts/", "/profile/", "/dashboard/"):
        assert f"Disallow: {path}" in rules
    assert "Disallow: /" not in rules  # the public site stays indexable
