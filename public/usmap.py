"""The home page's map: one equal tile per state, coloured by the coalition's status there."""

from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse

from chapters.models import Chapter, County, State

# (row, column) of each state's tile, in the newsroom tile-grid layout.
TILES = {
    "AK": (0, 0), "ME": (0, 11),
    "VT": (1, 10), "NH": (1, 11),
    "WA": (2, 1), "ID": (2, 2), "MT": (2, 3), "ND": (2, 4), "MN": (2, 5), "IL": (2, 6), "WI": (2, 7),
    "MI": (2, 8), "NY": (2, 9), "RI": (2, 10), "MA": (2, 11),
    "OR": (3, 1), "NV": (3, 2), "WY": (3, 3), "SD": (3, 4), "IA": (3, 5), "IN": (3, 6), "OH": (3, 7),
    "PA": (3, 8), "NJ": (3, 9), "CT": (3, 10),
    "CA": (4, 1), "UT": (4, 2), "CO": (4, 3), "NE": (4, 4), "MO": (4, 5), "KY": (4, 6), "WV": (4, 7),
    "VA": (4, 8), "MD": (4, 9), "DE": (4, 10),
    "AZ": (5, 2), "NM": (5, 3), "KS": (5, 4), "AR": (5, 5), "TN": (5, 6), "NC": (5, 7), "SC": (5, 8),
    "OK": (6, 4), "LA": (6, 5), "MS": (6, 6), "AL": (6, 7), "GA": (6, 8),
    "HI": (7, 0), "TX": (7, 4), "FL": (7, 9),
}  # fmt: skip
TILE = 44  # px, including the gap
STATUS_LABELS = {
    "active": "Active chapter",
    "forming": "Chapter forming",
    "members": "Members, no chapter yet",
    "none": "No chapter yet",
}


@dataclass
class Tile:
    code: str
    name: str
    status: str
    partial: bool  # a chapter covers only part of the state
    href: str
    x: int
    y: int
    chapters: list

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def label(self) -> str:
        text = f"{self.name}: {STATUS_LABELS[self.status]}"
        if self.chapters:
            text += " (" + ", ".join(self.chapters) + ")"
        if self.partial:
            text += ", part of the state"
        return text


def state_tiles(members_without_chapter: dict[str, int] | None = None) -> list[Tile]:
    """Every state's tile, in three queries whatever the data size."""
    members_without_chapter = members_without_chapter or {}
    chapters_by_state: dict[str, list[Chapter]] = {}
    for chapter in Chapter.objects.exclude(status=Chapter.Status.DORMANT).only("name", "slug", "state", "status"):
        chapters_by_state.setdefault(chapter.state_id, []).append(chapter)
    coverage = {
        row["state"]: row
        for row in County.objects.values("state").annotate(total=Count("fips"), covered=Count("chapter")).order_by()
    }
    tiles = []
    directory = reverse("chapters:chapter-list")
    for state in State.objects.all():
        row, column = TILES[state.code]
        chapters = chapters_by_state.get(state.code, [])
        if any(c.status == Chapter.Status.ACTIVE for c in chapters):
            status = "active"
        elif chapters:
            status = "forming"
        elif members_without_chapter.get(state.code):
            status = "members"
        else:
            status = "none"
        href = chapters[0].get_absolute_url() if len(chapters) == 1 else f"{directory}#state-{state.code.lower()}"
        tiles.append(
            Tile(
                code=state.code,
                name=state.name,
                status=status,
                partial=0
                < coverage.get(state.code, {}).get("covered", 0)
                < coverage.get(state.code, {}).get("total", 0),
                href=href,
                x=column * TILE,
                y=row * TILE,
                chapters=[c.name for c in chapters],
            )
        )
    return tiles
