"""Charts drawn as SVG on the server: no JavaScript, readable, and cheap to cache.

Each function returns plain data for `templates/_line_chart.html` / `_bar_chart.html`:
coordinates already scaled, axis ticks labelled, and the numbers for the table beside it.
"""

import datetime
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 36
PALETTE = ["#0b5cab", "#a4161a", "#1b6e3a", "#b45f06", "#6a3d9a", "#007c89", "#5a6472", "#c2185b"]


@dataclass
class Series:
    label: str
    points: list[tuple[datetime.date, float]]
    color: str = ""
    polyline: str = ""


@dataclass
class LineChart:
    title: str
    series: list[Series]
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom_y: int = HEIGHT - BOTTOM
    right_x: int = WIDTH - RIGHT

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)

    @property
    def table(self) -> tuple[list[str], list[list]]:
        """Dates down, one column per series: the chart's numbers."""
        dates = sorted({d for s in self.series for d, _ in s.points})
        lookup = [dict(s.points) for s in self.series]
        rows = [[d.isoformat(), *(values.get(d, "") for values in lookup)] for d in dates]
        return ["date", *(s.label for s in self.series)], rows


def nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def line_chart(title: str, series: list[Series]) -> LineChart:
    chart = LineChart(title=title, series=series)
    all_points = [p for s in series for p in s.points]
    if not all_points:
        return chart
    first = min(d for d, _ in all_points)
    last = max(d for d, _ in all_points)
    span = max((last - first).days, 1)
    top = nice_max(max(v for _, v in all_points))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def x(d: datetime.date) -> float:
        return round(LEFT + plot_w * (d - first).days / span, 1)

    def y(v: float) -> float:
        return round(TOP + plot_h * (1 - v / top), 1)

    for i, s in enumerate(series):
        s.color = s.color or PALETTE[i % len(PALETTE)]
        s.polyline = " ".join(f"{x(d)},{y(v)}" for d, v in sorted(s.points))
    chart.y_ticks = [(y(top * k / 4), f"{round(top * k / 4):,}") for k in range(5)]
    chart.x_ticks = [(x(d), d.strftime("%b %-d, %Y")) for d in (first, first + (last - first) / 2, last)]
    return chart


def bar_chart(title: str, rows: list[tuple[str, float]]) -> dict:
    """Horizontal bars, longest first as given; for sources, weekly counts and the like."""
    top = nice_max(max((v for _, v in rows), default=0))
    return {
        "title": title,
        "height": 22 * len(rows) + 8,
        "bars": [
            {"label": label, "value": value, "width": int(round(380 * value / top)), "y": 4 + 22 * i}
            for i, (label, value) in enumerate(rows)
        ],
    }
