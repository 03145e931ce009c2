"""A paginator for admin changelists over tables with millions of rows."""

import json

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# Below this many rows an exact count is cheap, and small tables (tests) deserve exact figures.
ESTIMATE_ABOVE = 100_000
# A filtered or searched list is counted exactly up to this many rows; past it, estimated.
COUNT_UP_TO = 1000


class EstimatedCountPaginator(Paginator):
    """Counts what is cheap to count, and estimates the rest instead of a full `COUNT(*)`.

    On a million rows `COUNT(*)` reads the whole table on every changelist load; the
    planner's estimate (`pg_class.reltuples`, kept fresh by autovacuum and ANALYZE) is
    close enough for "about 1,000,000 members" and the page links. A filtered or searched
    list ("chapter = the largest", "smith") is counted exactly only up to COUNT_UP_TO rows,
    through `LIMIT COUNT_UP_TO + 1`: past that, the planner's estimate of its rows gives the
    page links (at least COUNT_UP_TO + 1 of them), shown as "about N" or "more than 1,000".
    """

    estimated = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is None or query.distinct or query.combinator:
            return super().count
        if query.where:
            counted = queryset.order_by()[: COUNT_UP_TO + 1].count()
            if counted <= COUNT_UP_TO:
                return counted
            self.estimated = True
            return max(COUNT_UP_TO + 1, self._planner_rows(queryset))
        table = queryset.model._meta.db_table
        with connections[queryset.db].cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", [table])
            row = cursor.fetchone()
        estimate = row[0] if row else -1
        if estimate < ESTIMATE_ABOVE:
            return super().count
        self.estimated = True
        return estimate

    @staticmethod
    def _planner_rows(queryset) -> int:
        plan = json.loads(queryset.order_by().explain(format="json"))
        return int(plan[0]["Plan"]["Plan Rows"])

    @property
    def count_label(self) -> str:
        """The count as the changelist shows it: exact, "about N" or "more than 1,000"."""
        count = self.count
        if not self.estimated:
            return f"{count:,}"
        if count == COUNT_UP_TO + 1:
            return f"more than {COUNT_UP_TO:,}"
        return f"about {count:,}"
