"""OSDI paging (`page`, `per_page`, `total_pages`) on top of keyset seeks, so page 1,000 costs what page 1 does.

Rows are read in primary-key order. Each page's `next` link carries the last key it showed
(`after=`), its `previous` link the first (`before=`): following links, any page is one index
seek of `per_page + 1` rows, never an OFFSET. Clients that count pages themselves
(`?page=2`, `?page=3`, ... as Parsons' Action Network connector does) are served the same way:
each page served remembers, in the shared cache for an hour, where the next page starts, so the
sequential walk seeks too. Only a jump to a page nobody reached recently falls back to OFFSET.
Totals are counted once per minute per query, not per page.
"""

import datetime
import hashlib
import math
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from api.access import ApiError

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
MAX_PAGE = 10_000_000  # a billion people at 100 a page; past it, a clear 400 rather than a database error
BOUNDARY_SECONDS = 3600
COUNT_SECONDS = 60
FILTER = re.compile(r"^\s*(modified_date|created_date)\s+(gt|ge|lt|le|eq)\s+'([^']+)'\s*$")
FILTER_FIELDS = {"modified_date": "modified_at", "created_date": "created_at"}
FILTER_OPERATORS = {"gt": "gt", "ge": "gte", "lt": "lt", "le": "lte", "eq": ""}


def apply_filter(queryset: QuerySet, expression: str | None) -> QuerySet:
    """OSDI's OData subset: `modified_date gt '2026-01-01'` (or created_date; gt, ge, lt, le, eq)."""
    if not expression:
        return queryset
    match = FILTER.match(expression)
    if not match:
        raise ApiError(
            400, "The filter must read like modified_date gt '2026-01-01T00:00:00Z' (fields: modified_date, "
            "created_date; operators: gt, ge, lt, le, eq)."
        )  # fmt: skip
    field, operator, value = match.groups()
    try:
        when = parse_datetime(value) if "T" in value or " " in value else None
        day = parse_date(value) if when is None and len(value) == 10 else None
    except ValueError:  # well formed, but no such day (2026-02-30)
        when = day = None
    if when is None:
        if day is None:
            raise ApiError(400, f"{value!r} is not a date or date-time (use 2026-01-01 or 2026-01-01T12:00:00Z).")
        when = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    elif timezone.is_naive(when):
        when = timezone.make_aware(when)
    lookup = FILTER_FIELDS[field] + (f"__{FILTER_OPERATORS[operator]}" if FILTER_OPERATORS[operator] else "")
    return queryset.filter(**{lookup: when})


@dataclass
class Page:
    items: list
    number: int
    per_page: int
    total_records: int
    links: dict

    @property
    def total_pages(self) -> int:
        return max(1, math.ceil(self.total_records / self.per_page))

    def collection(self, name: str, embedded: list[dict]) -> dict:
        """The HAL collection OSDI clients expect: totals, links, and the items under `_embedded`."""
        return {
            "total_pages": self.total_pages,
            "per_page": self.per_page,
            "page": self.number,
            "total_records": self.total_records,
            "_links": {**self.links, name: [item["_links"]["self"] for item in embedded if "self" in item["_links"]]},
            "_embedded": {name: embedded},
        }


def paginate(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    scope: str,
    page: int,
    per_page: int,
    after: int | None = None,
    before: int | None = None,
) -> Page:
    """One page of `queryset` in primary-key order; `scope` names the query (the key and its filter) for the cache."""
    params = {k: v for k, v in request.GET.items() if k not in ("page", "per_page", "after", "before")}
    query_id = hashlib.sha256(f"{scope}|{sorted(params.items())}".encode()).hexdigest()[:32]
    by_number = after is None and before is None
    # What the cache knows of this query, in one round trip: its total, where this page starts (for
    # clients that count pages) and where the next one does (written only when it moved).
    count_key, next_key = f"api-count:{query_id}", f"api-page:{query_id}:{per_page}:{page + 1}"
    this_key = f"api-page:{query_id}:{per_page}:{page}"
    known = cache.get_many([count_key, next_key, this_key] if by_number else [count_key])
    if by_number and page > 1:
        after = known.get(this_key)
    if before is not None:
        rows = list(queryset.filter(pk__lt=before).order_by("-pk")[:per_page])[::-1]
        has_next = True
    else:
        ordered = queryset.order_by("pk")
        if after is not None:
            ordered = ordered.filter(pk__gt=after)
        elif page > 1:  # a jump to a page nobody reached lately: the one place OFFSET remains
            ordered = ordered[(page - 1) * per_page :]
        rows = list(ordered[: per_page + 1])
        has_next = len(rows) > per_page
        rows = rows[:per_page]
    total = known.get(count_key)
    if total is None:
        total = queryset.order_by().count()
        cache.set(count_key, total, COUNT_SECONDS)
    # Link followers never ask by number: no boundary to keep for them.
    if has_next and rows and by_number and known.get(next_key) != rows[-1].pk:
        cache.set(next_key, rows[-1].pk, BOUNDARY_SECONDS)

    def link(**extra) -> dict:
        return {"href": request.build_absolute_uri(request.path + "?" + urlencode({**params, **extra}))}

    links = {"self": {"href": request.build_absolute_uri()}}
    if has_next and rows:
        links["next"] = link(page=page + 1, per_page=per_page, after=rows[-1].pk)
    if page > 1 and rows:
        links["previous"] = link(page=page - 1, per_page=per_page, before=rows[0].pk)
    return Page(items=rows, number=page, per_page=per_page, total_records=total, links=links)
