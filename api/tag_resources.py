"""OSDI tags and taggings (from the tags app): what a key's chapter may see of coordinators' labels.

A chapter's key sees the national tags and its chapter's own; a key for every chapter sees all.
Taggings list only the people the key reaches. Tags are coordinators' notes: never public.
"""

from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Query, Router
from ninja.decorators import decorate_view

from api.access import KEY_AUTH, Access, PerKeyRate, logged
from api.paging import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, paginate
from api.representations import IDENTIFIER_PREFIX
from api.schemas import KEY_ERRORS, Error, TagCollection, TaggingCollection, TagOut
from lib.urls import absolute_url
from members.models import Member, User
from tags.models import MemberTag, Tag, tag_members, untag_members

router = Router(auth=KEY_AUTH, throttle=[PerKeyRate()], tags=["tags (with a key)"])


def tags_for(access: Access):
    if access.chapter_id is None:
        return Tag.objects.all()
    return Tag.objects.filter(Q(chapter__isnull=True) | Q(chapter_id=access.chapter_id))


def tag(item: Tag, request: HttpRequest) -> dict:
    return {
        "identifiers": [f"{IDENTIFIER_PREFIX}:tag:{item.pk}"],
        "name": item.name,
        "chapter": item.chapter.name if item.chapter_id else "",
        "created_date": item.created_at.isoformat(),
        "_links": {
            "self": {"href": absolute_url(reverse("api:tag-detail", args=[item.pk]), request)},
            "osdi:taggings": {"href": absolute_url(reverse("api:tagging-list", args=[item.pk]), request)},
        },
    }


def tagging(link: MemberTag, request: HttpRequest) -> dict:
    return {
        "identifiers": [f"{IDENTIFIER_PREFIX}:tagging:{link.pk}"],
        "created_date": link.added_at.isoformat(),
        "_links": {
            "self": {"href": absolute_url(reverse("api:tagging-list", args=[link.tag_id]), request)},
            "osdi:tag": {"href": absolute_url(reverse("api:tag-detail", args=[link.tag_id]), request)},
            "osdi:person": {"href": absolute_url(reverse("api:person-detail", args=[link.member_id]), request)},
        },
    }


@router.get("/", response={200: TagCollection, **KEY_ERRORS}, url_name="tag-list", by_alias=True,
            summary="The tags the key may see")  # fmt: skip
@decorate_view(logged)
def tag_list(request: HttpRequest, page: int = Query(1, ge=1, le=MAX_PAGE),
             per_page: int = Query(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE), after: int | None = None,
             before: int | None = None):  # fmt: skip
    result = paginate(request, tags_for(request.auth).select_related("chapter"), scope=f"tags-{request.auth.key.pk}",
                      page=page, per_page=per_page, after=after, before=before)  # fmt: skip
    return result.collection("osdi:tags", [tag(t, request) for t in result.items])


@router.get("/{int:tag_id}/", response={200: TagOut, 404: Error, **KEY_ERRORS}, url_name="tag-detail",
            by_alias=True, summary="One tag")  # fmt: skip
@decorate_view(logged)
def tag_detail(request: HttpRequest, tag_id: int):
    return tag(get_object_or_404(tags_for(request.auth).select_related("chapter"), pk=tag_id), request)


@router.get("/{int:tag_id}/taggings/", response={200: TaggingCollection, 404: Error, **KEY_ERRORS},
            url_name="tagging-list", by_alias=True, summary="Who carries the tag (people the key reaches)")  # fmt: skip
@decorate_view(logged)
def tagging_list(request: HttpRequest, tag_id: int, page: int = Query(1, ge=1, le=MAX_PAGE),
                 per_page: int = Query(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE), after: int | None = None,
                 before: int | None = None):  # fmt: skip
    item = get_object_or_404(tags_for(request.auth), pk=tag_id)
    links = MemberTag.objects.filter(tag=item, member__in=request.auth.people())
    result = paginate(request, links, scope=f"taggings-{request.auth.key.pk}-{item.pk}", page=page,
                      per_page=per_page, after=after, before=before)  # fmt: skip
    return result.collection("osdi:taggings", [tagging(link, request) for link in result.items])


def apply_tags(*, access: Access, member: Member, add: list[str], remove: list[str], actor: User) -> None:
    """The signup helper's add_tags/remove_tags: names matched (any case) to the tags the key sees;
    as on Action Network, a name that matches no tag is ignored."""
    visible = tags_for(access)
    one = Member.objects.filter(pk=member.pk)
    for name in {n.strip().lower() for n in add if n and n.strip()}:
        for item in visible.filter(name__iexact=name):
            tag_members(tag=item, members=one, actor=actor, source="api")
    for name in {n.strip().lower() for n in remove if n and n.strip()}:
        for item in visible.filter(name__iexact=name):
            untag_members(tag=item, members=one, actor=actor, source="api")
