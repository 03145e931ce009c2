"""The API: OSDI 1.1 resources in HAL+JSON, as Action Network serves them, built with django-ninja.

Public and read-only, without a key: the entry point, chapters, the map's figures, the
published endorsements and public events (any origin may read them). With a key
(`OSDI-API-Token` or `Authorization: Bearer`): people, the person signup helper, tags and
taggings, and events' attendances. See docs/api.md. The schema is at
/api/openapi.json, the documentation at /api/docs/.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import NinjaAPI, Query, Swagger
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError, Throttled, ValidationError
from ninja.renderers import JSONRenderer

from api import event_resources, representations, tag_resources
from api.access import KEY_AUTH, ApiError, PerKeyRate, logged, public, write_log
from api.paging import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, apply_filter, paginate
from api.schemas import (
    KEY_ERRORS,
    ChapterCollection,
    ChapterOut,
    EndorsementCollection,
    EndorsementOut,
    EntryPoint,
    Error,
    MapFigures,
    PeopleCollection,
    PersonOut,
    SignupIn,
)
from api.signup import clean_signup, sign_up_through_api
from api.tag_resources import apply_tags
from chapters.models import Chapter, CoalitionGoal, County, State
from endorsements.models import Endorsement
from members.models import Member


class HalRenderer(JSONRenderer):
    media_type = "application/hal+json"


api = NinjaAPI(
    title="Coalition API",
    version="1.0",
    description=__doc__,
    urls_namespace="api",
    renderer=HalRenderer(),
    docs=Swagger(settings={"defaultModelsExpandDepth": 0}),
    docs_url="/docs/",
    openapi_url="/openapi.json",
)

api.add_router("/tags/", tag_resources.router)
api.add_router("/events/", event_resources.router)

KEYED = {"auth": KEY_AUTH, "throttle": [PerKeyRate()], "by_alias": True, "tags": ["people (with a key)"]}

PUBLIC = {"by_alias": True, "tags": ["public (no key)"]}


def error(request: HttpRequest, status: int, message: str, **extra):
    return api.create_response(request, {"error": message, **extra}, status=status)


api.add_exception_handler(ApiError, lambda request, exc: error(request, exc.status, exc.message))
api.add_exception_handler(Http404, lambda request, exc: error(request, 404, "Not found."))
api.add_exception_handler(
    AuthenticationError,
    lambda request, exc: error(
        request, 401, "Send an API key in the OSDI-API-Token header (or Authorization: Bearer)."
    ),
)
api.add_exception_handler(
    Throttled,
    lambda request, exc: error(request, 429, f"Too many requests with this key; try again in {exc.wait:.0f} s."),
)


def invalid(request: HttpRequest, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path"))
    return error(request, 400, f"{where}: {first.get('msg', 'invalid')}" if where else "Invalid request.",
                 detail=exc.errors)  # fmt: skip


api.add_exception_handler(ValidationError, invalid)

# The entry point ---------------------------------------------------------------


@api.get("/", response=EntryPoint, url_name="entry-point", summary="The API entry point (OSDI AEP)", **PUBLIC)
@decorate_view(public)
def entry_point(request: HttpRequest):
    def link(name: str) -> dict:
        return {"href": request.build_absolute_uri(reverse(name))}

    return {
        "motd": "The coalition's API: OSDI 1.1 people, the person signup helper, tags and attendances (with a "
        "key); chapters, map figures, endorsements and events (public).",
        "vendor_name": "Coalition",
        "product_name": "coalition",
        "osdi_version": "1.1",
        "max_pagesize": MAX_PER_PAGE,
        "namespace": representations.IDENTIFIER_PREFIX,
        "_links": {
            "self": link("api:entry-point"),
            "osdi:people": link("api:person-list"),
            "osdi:person_signup_helper": link("api:person-signup"),
            "osdi:tags": link("api:tag-list"),
            "osdi:events": link("api:event-list"),
            "chapters": link("api:chapter-list"),
            "map": link("api:map"),
            "endorsements": link("api:endorsement-list"),
            "docs": link("api:openapi-view"),
        },
    }


# People (with a key) -------------------------------------------------------------


def people_of(request: HttpRequest):
    """The people the key reaches, with what their representation shows loaded in the same query."""
    return representations.in_one_query(request.auth.people())


@api.get("/people/", response={200: PeopleCollection, **KEY_ERRORS}, url_name="person-list",
         summary="People the key reaches, page by page", **KEYED)  # fmt: skip
@decorate_view(logged)
def person_list(
    request: HttpRequest,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    per_page: int = Query(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE),
    filter_: str | None = Query(None, alias="filter", description="e.g. modified_date gt '2026-01-01T00:00:00Z'"),
    after: int | None = Query(None, description="Set by the next link: the last person of the previous page."),
    before: int | None = Query(None, description="Set by the previous link: the first person of the next page."),
):
    people = apply_filter(people_of(request), filter_)
    result = paginate(request, people, scope=f"key-{request.auth.key.pk}", page=page, per_page=per_page,
                      after=after, before=before)  # fmt: skip
    request.api_read = result.items
    embedded = [representations.person(m, request) for m in result.items]
    # Rendered as built: validating 100 people against PeopleCollection cost a tenth of the page.
    # tests/api/test_people.py checks that the answer is exactly what the schema makes of it.
    return api.create_response(request, result.collection("osdi:people", embedded), status=200)


@api.post("/people/", response={200: PersonOut, 409: Error, **KEY_ERRORS}, url_name="person-signup",
          summary="Person signup helper: create or update a person by email", **KEYED)  # fmt: skip
@decorate_view(logged)
def person_signup(request: HttpRequest, body: SignupIn):
    """Action Network's helper. `add_tags` and `remove_tags` name tags the key sees (any case); as there, a
    name that matches no tag is ignored."""
    request.auth.require_write()
    signup = clean_signup(body.person.model_dump())
    with transaction.atomic():  # the person, their tags and the request's log in one commit
        member, _created = sign_up_through_api(access=request.auth, signup=signup)
        if body.add_tags or body.remove_tags:
            apply_tags(access=request.auth, member=member, add=body.add_tags, remove=body.remove_tags,
                       actor=request.auth.key.created_by)  # fmt: skip
        request.api_people = 1
        write_log(request, request.auth.key, 200)
    return representations.person(member, request)


@api.get("/people/{int:person_id}/", response={200: PersonOut, 404: Error, **KEY_ERRORS},
         url_name="person-detail", summary="One person", **KEYED)  # fmt: skip
@decorate_view(logged)
def person_detail(request: HttpRequest, person_id: int):
    member = get_object_or_404(people_of(request), pk=person_id)
    request.api_read = [member]
    return representations.person(member, request)


# Public: chapters, the map, endorsements ----------------------------------------------


def chapters():
    return Chapter.objects.select_related("state").prefetch_related(
        Prefetch("territory_counties", queryset=County.objects.order_by("name"))
    )


@api.get("/chapters/", response=ChapterCollection, url_name="chapter-list", summary="Every chapter", **PUBLIC)
@decorate_view(public)
def chapter_list(request: HttpRequest):
    items = [representations.chapter(c, request) for c in chapters().order_by("state__name", "name")]
    return {
        "total_pages": 1,
        "per_page": len(items),
        "page": 1,
        "total_records": len(items),
        "_links": {"self": {"href": request.build_absolute_uri()}, "chapters": [i["_links"]["self"] for i in items]},
        "_embedded": {"chapters": items},
    }


@api.get("/chapters/{slug:slug}/", response={200: ChapterOut, 404: Error}, url_name="chapter-detail",
         summary="One chapter", **PUBLIC)  # fmt: skip
@decorate_view(public)
def chapter_detail(request: HttpRequest, slug: str):
    return representations.chapter(get_object_or_404(chapters(), slug=slug), request)


def map_figures() -> dict:
    """Per state: the coalition's status there and its chapters; the same words as the home page's map."""

    states = {s.code: {"code": s.code, "name": s.name, "status": "none", "chapters": []} for s in State.objects.all()}
    for item in Chapter.objects.order_by("name"):
        entry = states[item.state_id]
        entry["chapters"].append({"name": item.name, "slug": item.slug, "status": item.status,
                                  "whole_state": item.territory_mode == Chapter.TerritoryMode.WHOLE_STATE})  # fmt: skip
    without_chapter = (
        Member.objects.counted().filter(chapter__isnull=True).values("state").annotate(n=Count("id")).order_by()
    )
    members_states = {row["state"] for row in without_chapter if row["n"]}
    for code, entry in states.items():
        statuses = {c["status"] for c in entry["chapters"]}
        if Chapter.Status.ACTIVE in statuses:
            entry["status"] = "active"
        elif Chapter.Status.FORMING in statuses:
            entry["status"] = "forming"
        elif code in members_states:
            entry["status"] = "members"
    listed = sorted(states.values(), key=lambda s: s["name"])
    return {
        "progress": {
            "active_states": sum(1 for s in listed if s["status"] == "active"),
            "forming_states": sum(1 for s in listed if s["status"] == "forming"),
            "goal_states": CoalitionGoal.current().target_states,
        },
        "states": listed,
    }


@api.get("/map/", response=MapFigures, url_name="map", summary="The map's figures", **PUBLIC)
@decorate_view(public)
def map_view(request: HttpRequest):
    # A scan of members without a chapter: computed once a minute for everyone, as the home page does.
    figures = cache.get_or_set("api-map-figures", map_figures, 60)
    return {**figures, "_links": {"self": {"href": request.build_absolute_uri()}}}


@api.get("/endorsements/", response={200: EndorsementCollection, 400: Error}, url_name="endorsement-list",
         summary="Published endorsements, page by page", **PUBLIC)  # fmt: skip
@decorate_view(public)
def endorsement_list(
    request: HttpRequest,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    per_page: int = Query(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE),
    after: int | None = None,
    before: int | None = None,
):
    published = Endorsement.objects.published().select_related("state")
    result = paginate(request, published, scope="endorsements", page=page, per_page=per_page, after=after,
                      before=before)  # fmt: skip
    return result.collection("endorsements", [representations.endorsement(e, request) for e in result.items])


@api.get("/endorsements/{slug:slug}/", response={200: EndorsementOut, 404: Error}, url_name="endorsement-detail",
         summary="One published endorsement", **PUBLIC)  # fmt: skip
@decorate_view(public)
def endorsement_detail(request: HttpRequest, slug: str):
    item = get_object_or_404(Endorsement.objects.published().select_related("state"), slug=slug)
    return representations.endorsement(item, request)
