"""Search by fragment ("smith12", "@post.exam") that an index can serve, on any PostgreSQL.

`coalition_trigrams(text, ...)` (members/migrations/0004) returns the three-letter pieces
of its arguments joined and upper-cased; a GIN index over it (built into PostgreSQL, no
pg_trgm needed) finds the rows whose trigrams include all of the fragment's, and LIKE
then confirms the match on each field.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Func, Q, Value


class Trigrams(Func):
    function = "coalition_trigrams"
    output_field = ArrayField(models.TextField())


def fragment_filter(queryset: models.QuerySet, fields: list[str], word: str) -> models.QuerySet:
    """Rows where any of `fields` contains `word`, case-insensitively.

    Served by an index on `Trigrams(*fields)` (same fields, same order) when `word` has
    three letters or more; shorter words are plain LIKE.
    """
    match = Q()
    for field in fields:
        match |= Q(**{f"{field}__icontains": word})
    if len(word) < 3:
        return queryset.filter(match)
    return queryset.alias(_trigrams=Trigrams(*fields)).filter(match, _trigrams__contains=Trigrams(Value(word)))
