"""Every public page in Chromium at 360 px and 1280 px: what Lighthouse checks offline, and axe.

A page passes when it has a description, a favicon, Open Graph and Twitter card tags and a canonical
URL; when axe finds nothing (with the experimental "label in name" rule Lighthouse also runs); when
every aria-describedby and label `for` points at an element on the page; and when the browser logs
no console error and no request fails. Screenshots at 360 px go to test-artifacts/.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client

from tests.browser.conftest import screenshot
from tests.factories import SC_ZIP, make_endorsement, make_member

SIZES = {"360": {"width": 360, "height": 740}, "1280": {"width": 1280, "height": 900}}
# Off by default in axe, on in Lighthouse: a link's accessible name must contain its visible text.
AXE_OPTIONS = {"rules": {"label-content-name-mismatch": {"enabled": True}}}


def public_pages(chapter, endorsement) -> dict[str, str]:
    return {
        "home": "/",
        "chapter": f"/chapters/{chapter.slug}/",
        "chapters": "/chapters/",
        "find": "/chapters/find/",
        "join": "/join/",
        "join-state": "/join/SC/",
        "endorsements": "/endorsements/",
        "endorsement": endorsement.get_absolute_url(),
        "endorse": "/endorsements/submit/",
        "calls": "/calls/",
        "question": "/question/",
    }


class Problems:
    """Console errors, script errors and failed requests, from the moment a page is opened."""

    def __init__(self, page) -> None:
        self.seen: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.seen.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.seen.append(f"script: {e}"))
        page.on("requestfailed", lambda r: self.seen.append(f"failed: {r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and self.seen.append(f"HTTP {r.status}: {r.url}"))

    def take(self) -> list[str]:
        seen, self.seen = self.seen, []
        return seen


def axe_violations(page) -> list[str]:
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
    ]


def dangling_references(page) -> list[str]:
    """aria-describedby / aria-labelledby ids and label `for` that name no element on the page."""
    return page.evaluate(
        """() => {
          const missing = [];
          for (const el of document.querySelectorAll("[aria-describedby], [aria-labelledby]")) {
            for (const attr of ["aria-describedby", "aria-labelledby"]) {
              for (const id of (el.getAttribute(attr) || "").split(/\\s+/).filter(Boolean)) {
                if (!document.getElementById(id)) missing.push(`${el.id || el.tagName} ${attr}=${id}`);
              }
            }
          }
          for (const label of document.querySelectorAll("label[for]")) {
            if (!document.getElementById(label.htmlFor)) missing.push(`label for=${label.htmlFor}`);
          }
          return missing;
        }"""
    )


def head_problems(page, live_server, path: str) -> list[str]:
    """What a shared link's preview and a search engine need from the page's <head>."""
    problems = []

    def meta(selector: str) -> str:
        element = page.locator(f"head {selector}")
        if element.count() != 1:
            problems.append(f"{selector}: found {element.count()}")
            return ""
        value = (element.get_attribute("content") or element.get_attribute("href") or "").strip()
        if not value:
            problems.append(f"{selector}: empty")
        return value

    meta('meta[name="description"]')
    meta('meta[property="og:title"]')
    meta('meta[property="og:description"]')
    meta('meta[property="og:type"]')
    meta('meta[name="twitter:card"]')
    if (canonical := meta('link[rel="canonical"]')) and canonical != live_server.url + path.split("?")[0]:
        problems.append(f"canonical {canonical} is not this page")
    if (og_url := meta('meta[property="og:url"]')) and og_url != canonical:
        problems.append(f"og:url {og_url} differs from the canonical URL")
    for selector in ('meta[property="og:image"]', 'link[rel="icon"]'):
        url = meta(selector)
        if url and selector.startswith("meta") and not url.startswith(live_server.url):
            problems.append(f"{selector}: {url} is not an absolute URL")
        if url and (response := page.request.get(url)).status != 200:
            problems.append(f"{selector}: {url} answers {response.status}")
    return problems


@pytest.fixture
def published(chapter_a):
    return make_endorsement("SC", name="Dana Whitfield")


@pytest.mark.parametrize("size", SIZES)
def test_public_pages_pass_lighthouse_checks_and_axe(browser, live_server, chapter_a, chapter_b, published, size):
    context = browser.new_context(base_url=live_server.url, viewport=SIZES[size])
    page = context.new_page()
    problems = Problems(page)
    found = {}
    for name, path in public_pages(chapter_a, published).items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        if size == "360":
            screenshot(page, f"public-{name}-360")
        found[name] = {
            "head": head_problems(page, live_server, path),
            "axe": axe_violations(page),
            "references": dangling_references(page),
            "console and network": problems.take(),
            "overflows sideways": page.evaluate("document.documentElement.scrollWidth > window.innerWidth"),
        }
    context.close()
    failures = {name: {k: v for k, v in checks.items() if v} for name, checks in found.items()}
    assert {name: checks for name, checks in failures.items() if checks} == {}


@pytest.fixture
def page_360(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=SIZES["360"])
    yield context.new_page()
    context.close()


def test_home_map_is_readable_on_a_phone(page_360, chapter_a):
    page = page_360
    page.goto("/")
    # The states with a chapter come first, as links anyone can read and tap.
    chapters_link = page.locator(".map-lists").get_by_role("link", name="South Carolina")
    assert chapters_link.bounding_box()["y"] < page.locator(".us-map svg").bounding_box()["y"]
    # The tiles' labels keep a readable size: the map scrolls sideways inside its frame, not the page.
    assert page.locator('a[data-state="SC"] text').bounding_box()["height"] >= 13
    assert page.evaluate("(f => f.scrollWidth > f.clientWidth)(document.querySelector('.map-frame'))")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.get_by_text("Scroll the map sideways").is_visible()
    # A keyboard scrolls it too (the frame takes focus).
    page.locator(".map-frame").focus()
    page.keyboard.press("ArrowRight")
    for _ in range(20):  # a smooth scroll takes a few frames; wait_for_function would need eval, which CSP refuses
        if page.locator(".map-frame").evaluate("f => f.scrollLeft") > 0:
            break
        page.wait_for_timeout(100)
    assert page.locator(".map-frame").evaluate("f => f.scrollLeft") > 0
    screenshot(page, "home-map-360")


def test_endorsement_form_on_a_phone_spaces_fields_and_marks_required_ones(page_360):
    page = page_360
    page.goto("/endorsements/submit/")
    # From the bottom of one field (its input, help or errors) to the next label: a visible gap.
    gaps = page.evaluate(
        """() => [...document.querySelectorAll("form label")].slice(1).map(label => {
             const field = label.closest("form > *");
             return field.getBoundingClientRect().top - field.previousElementSibling.getBoundingClientRect().bottom;
           })"""
    )
    assert min(gaps) >= 12, gaps
    assert "(required)" in page.locator('label[for="id_name"]').text_content()
    assert "(required)" in page.locator('label[for="id_contact_email"]').text_content()
    assert "(required)" not in page.locator('label[for="id_party"]').text_content()
    # One way to say "national": the State select's own first choice.
    assert page.locator('label[for="id_state"]').text_content().strip() == "State"
    assert page.locator("#id_state option").first.text_content() == "National"
    screenshot(page, "endorsement-form-360")


def test_favicon_ico_is_there_for_browsers_that_ask_without_a_link(page):
    response = page.request.get("/favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")


def log_in(context, user, live_server) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.mark.parametrize("size", SIZES)
def test_forms_with_errors_point_at_their_messages(browser, live_server, chapter_a, size):
    """Errors shown: each field's aria-describedby names its error list and help text, and they exist."""
    context = browser.new_context(base_url=live_server.url, viewport=SIZES[size])
    page = context.new_page()
    problems = Problems(page)
    found = {}

    page.goto("/join/")
    page.get_by_label("ZIP code").fill("00000")
    page.get_by_role("button", name="Join", exact=True).click()
    page.locator(".errorlist").first.wait_for()
    zip_input = page.get_by_label("ZIP code")
    assert "id_zip_code_error" in zip_input.get_attribute("aria-describedby").split()
    found["join"] = dangling_references(page), axe_violations(page)
    if size == "360":
        screenshot(page, "join-errors-360")

    page.goto("/endorsements/submit/")
    page.get_by_role("button", name="Submit endorsement").click()
    page.locator(".errorlist").first.wait_for()
    found["endorse"] = dangling_references(page), axe_violations(page)
    if size == "360":
        screenshot(page, "endorse-errors-360")

    log_in(context, make_member("pat@example.org", SC_ZIP).user, live_server)
    page.goto("/profile/")
    page.locator("#id_zip_code").fill("00000")
    page.locator("#id_zip_code").press("Enter")
    page.locator(".errorlist").first.wait_for()
    found["profile"] = dangling_references(page), axe_violations(page)
    # 4xx answers to a refused form are expected here; the script and console must stay clean.
    assert [p for p in problems.take() if not p.startswith(("HTTP 4", "console: Failed to load resource"))] == []
    context.close()
    assert {name: lists for name, lists in found.items() if any(lists)} == {}
