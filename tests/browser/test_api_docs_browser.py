"""The API's documentation page renders under the site's Content Security Policy, from files the package ships."""

from tests.browser.conftest import ARTIFACTS


def test_api_docs_render_under_the_sites_csp_with_every_operation(page, live_server):
    violations, errors, outside = [], [], []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((live_server.url, "data:")) else None)
    page.set_viewport_size({"width": 360, "height": 800})
    response = page.goto("/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-summary", timeout=15000)
    page.locator(".opblock-summary").first.wait_for()
    operations = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/people/" in [o.replace("\u200b", "") for o in operations]
    assert len(operations) >= 9
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "api-docs-360.png"), full_page=False)
    assert violations == []
    assert errors == []
    assert outside == []
