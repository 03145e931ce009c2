"""Search by fragment ("smith12", "@post.exam") that an index can serve.

Each searched field has a pg_trgm index on `UPPER(field)` (`gin_trgm_ops`, e.g.
members/migrations/0013), which is what Django's `icontains` compares on PostgreSQL:
`UPPER(field) LIKE UPPER('%fragment%')`. PostgreSQL reads the index for fragments of three
letters or more and combines the fields' indexes (BitmapOr); shorter ones are read whole.
"""

from django.db import models
from django.db.models import Q


def fragment_filter(queryset: models.QuerySet, fields: list[str], word: str) -> models.QuerySet:
    """Rows where any of `fields` contains `word`, case-insensitively."""
    match = Q()
    for field in fields:
        match |= Q(**{f"{field}__icontains": word})
    return queryset.filter(match)
