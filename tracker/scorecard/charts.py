"""The scorecard's two charts as plain geometry for server-rendered SVG (no script, no
style attribute: the app's CSP allows neither). Pure functions of the figures."""
from __future__ import annotations

from dataclasses import dataclass

from tracker.scoring import format_rate

BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 220
PLOT_WIDTH = 400
LINE_WIDTH = 640
LINE_HEIGHT = 220
MARGIN = 30


@dataclass(frozen=True)
class Bar:
    label: str
    rate_text: str
    y: int
    width: float        # 0 for no rate


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    height: int
    label_width: int = LABEL_WIDTH
    plot_width: int = PLOT_WIDTH

    @property
    def width(self) -> int:
        return self.label_width + self.plot_width + 60


def bar_chart(rows: list[tuple[str, float | None]]) -> BarChart:
    """One horizontal bar per agency: its on-time rate over 0–100 %."""
    bars = []
    for index, (label, rate) in enumerate(rows):
        width = 0.0 if rate is None else round(PLOT_WIDTH * rate / 100, 1)
        bars.append(Bar(label if len(label) <= 32 else label[:31] + "…", format_rate(rate),
                        MARGIN + index * (BAR_HEIGHT + BAR_GAP), width))
    return BarChart(bars, MARGIN + len(bars) * (BAR_HEIGHT + BAR_GAP) + 10)


@dataclass(frozen=True)
class Point:
    label: str
    rate_text: str
    x: float
    y: float | None     # None: nothing was due that month


@dataclass(frozen=True)
class LineChart:
    points: list[Point]
    path: str            # the polyline's "x,y x,y …" over the months with a rate
    width: int = LINE_WIDTH
    height: int = LINE_HEIGHT
    top: int = MARGIN
    bottom: int = LINE_HEIGHT - MARGIN
    left: int = 50

    @property
    def gridlines(self) -> list[tuple[float, str]]:
        span = self.bottom - self.top
        return [(self.bottom - span * pct / 100, f"{pct} %") for pct in (0, 50, 100)]


def line_chart(months: list[tuple[str, float | None]]) -> LineChart:
    """The province's on-time rate month by month (months with nothing due left out of the
    line, their label kept)."""
    left, right = 50, LINE_WIDTH - 20
    step = (right - left) / max(len(months) - 1, 1)
    span = LINE_HEIGHT - 2 * MARGIN
    points = []
    for index, (label, rate) in enumerate(months):
        y = None if rate is None else round(LINE_HEIGHT - MARGIN - span * rate / 100, 1)
        points.append(Point(label, format_rate(rate), round(left + index * step, 1), y))
    path = " ".join(f"{p.x},{p.y}" for p in points if p.y is not None)
    return LineChart(points, path)
