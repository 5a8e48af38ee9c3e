"""Server-side SVG charts: the reports' trend line chart and level-against-required bars, and
the 360 report's radar and grouped bars.

Pure functions: plain data in, an SVG string (Markup) out, so the same markup shows on a page
(inline, under the strict Content-Security-Policy: presentation attributes only, no scripts,
no style attributes) and prints in a PDF (as a data: URL, see `data_url`). Every chart has a
<title> and a <desc>, text labels for its axes and a legend in words, so it reads without
colour; series differ by dash pattern and marker too. Every label is escaped. The font stack
is the PDF's (Noto CJK first), so Chinese names render in both places.
"""

import base64
import math
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from markupsafe import Markup

from lms.core.numbers import half_up
from lms.core.pdf import PDF_FONT_STACK

# Colour-blind-safe (Okabe–Ito), dark enough for text contrast on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
FONT = escape(PDF_FONT_STACK, quote=True)
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2")
MARKERS = ("circle", "square", "diamond")


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[Decimal | None, ...]
    colour: str


@dataclass(frozen=True)
class Line:
    """One series of a line chart: a name (legend) and one value per x label (None: a gap)."""

    name: str
    values: tuple[Decimal | float | None, ...]


def _num(value: float) -> str:
    return f"{value:.1f}"


def _short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fit(text: str, pixels: float, size: int = 12) -> str:
    """`text` cut with an ellipsis to about `pixels` wide (wide CJK glyphs count double)."""
    used = 0.0
    for index, char in enumerate(text):
        used += size if ord(char) >= 0x2E80 else size * 0.58
        if used > pixels:
            return text[: max(index - 1, 1)] + "…"
    return text


def _svg(width: int, height: int, title: str, desc: str | None, body: list[str],
         label_id: str) -> Markup:
    label_id = escape(label_id, quote=True)
    if desc is None:  # the 360 charts: a title only
        return Markup(
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-labelledby="{label_id}" '
            f'font-family="{FONT}" font-size="12">'
            f'<title id="{label_id}">{escape(title)}</title>' + "".join(body) + "</svg>")
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{label_id}-title {label_id}-desc" '
        f'font-family="{FONT}" font-size="12">'
        f'<title id="{label_id}-title">{escape(title)}</title>'
        f'<desc id="{label_id}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>")


def _marker(kind: str, x: float, y: float, colour: str, tip: str) -> str:
    tip = f"<title>{escape(tip)}</title>"
    if kind == "square":
        return (f'<rect x="{_num(x - 3.5)}" y="{_num(y - 3.5)}" width="7" height="7" '
                f'fill="{colour}">{tip}</rect>')
    if kind == "diamond":
        return (f'<polygon points="{_num(x)},{_num(y - 4.5)} {_num(x + 4.5)},{_num(y)} '
                f'{_num(x)},{_num(y + 4.5)} {_num(x - 4.5)},{_num(y)}" fill="{colour}">'
                f'{tip}</polygon>')
    return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="{colour}">{tip}</circle>'


def line_chart(title: str, desc: str, x_labels: list[str], series: list[Line], *,
               y_min: int, y_max: int, y_label: str = "", label_id: str = "trend",
               width: int = 760, plot_height: int = 240, y_step: int = 1) -> Markup:
    """A line chart: x labels evenly spaced (e.g. months; a "\n" starts a second line),
    a y axis from y_min to y_max with a grid line every `y_step`, one polyline per series
    (broken where a value is None), a marker with a tooltip per point and a legend below.
    Values outside the axis are clipped to it."""
    left, right, top = 48, 32, 16
    bottom_axis = top + plot_height
    legend_top = bottom_axis + 52
    columns = 3
    legend_rows = (len(series) + columns - 1) // columns
    height = legend_top + 18 * legend_rows + 8
    span = max(y_max - y_min, 1)
    count = max(len(x_labels), 1)
    step_x = (width - left - right) / max(count - 1, 1)

    def x_at(index: int) -> float:
        return left + (index * step_x if count > 1 else (width - left - right) / 2)

    def y_at(value) -> float:
        clipped = min(max(float(value), y_min), y_max)
        return bottom_axis - (clipped - y_min) * plot_height / span

    body = []
    for tick in range(y_min, y_max + 1, max(y_step, 1)):
        y = y_at(tick)
        body.append(f'<line x1="{left}" y1="{_num(y)}" x2="{width - right}" y2="{_num(y)}" '
                    f'stroke="#d0d4da" stroke-width="1"/>')
        body.append(f'<text x="{left - 8}" y="{_num(y + 4)}" text-anchor="end" '
                    f'fill="#3d4555">{tick}</text>')
    if y_label:
        body.append(f'<text x="12" y="{_num(top + plot_height / 2)}" text-anchor="middle" '
                    f'fill="#3d4555" transform="rotate(-90 12 {_num(top + plot_height / 2)})">'
                    f'{escape(y_label)}</text>')
    for index, label in enumerate(x_labels):
        x = x_at(index)
        # A label may hold two lines ("Jan" / "2026"), so months stay short and apart.
        lines = "".join(f'<tspan x="{_num(x)}" dy="{0 if n == 0 else 13}">{escape(part)}</tspan>'
                        for n, part in enumerate(label.split("\n")))
        body.append(f'<text x="{_num(x)}" y="{bottom_axis + 18}" text-anchor="middle" '
                    f'fill="#3d4555" font-size="11">{lines}</text>')
    for number, item in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        dash = DASHES[number % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        runs: list[list[tuple[float, float]]] = [[]]
        points = []
        for index, value in enumerate(item.values[:count]):
            if value is None:
                runs.append([])
                continue
            xy = (x_at(index), y_at(value))
            runs[-1].append(xy)
            points.append((index, value, xy))
        for run in runs:
            if len(run) > 1:
                joined = " ".join(f"{_num(x)},{_num(y)}" for x, y in run)
                body.append(f'<polyline points="{joined}" fill="none" stroke="{colour}" '
                            f'stroke-width="2"{dash_attr}/>')
        marker = MARKERS[number % len(MARKERS)]
        for index, value, (x, y) in points:
            body.append(_marker(marker, x, y, colour,
                                f"{item.name}, {x_labels[index]}: {half_up(value)}"))
        column, row = number % columns, number // columns
        lx = left + column * (width - left - right) / columns
        ly = legend_top + row * 18
        body.append(f'<line x1="{_num(lx)}" y1="{_num(ly)}" x2="{_num(lx + 22)}" '
                    f'y2="{_num(ly)}" stroke="{colour}" stroke-width="2"{dash_attr}/>')
        body.append(_marker(marker, lx + 11, ly, colour, item.name))
        room = (width - left - right) / columns - 36
        body.append(f'<text x="{_num(lx + 28)}" y="{_num(ly + 4)}" fill="#222222">'
                    f'{escape(_fit(item.name, room))}</text>')
    return _svg(width, int(height), title, desc, body, label_id)


def level_bars(title: str, desc: str, labels: list[str], levels: list[int | None],
               required: list[int | None], *, scale_max: int, label_id: str = "levels",
               width: int = 640, level_label: str = "", required_label: str = "") -> Markup:
    """Horizontal bars: one per label (competency), its length the evidenced level on
    0..scale_max, a black tick at the required level, and "level / required" in words at the
    end of the row (a missing level is written "–")."""
    left, right, bar, gap, top = 200, 70, 12, 8, 24
    rows = len(labels)
    height = top + rows * (bar + gap) + 34
    unit = (width - left - right) / max(scale_max, 1)
    body = []
    for tick in range(0, scale_max + 1):
        x = left + tick * unit
        body.append(f'<line x1="{_num(x)}" y1="{top - 6}" x2="{_num(x)}" '
                    f'y2="{top + rows * (bar + gap)}" stroke="#d0d4da"/>')
        body.append(f'<text x="{_num(x)}" y="{top - 10}" text-anchor="middle" '
                    f'fill="#3d4555" font-size="10">{tick}</text>')
    for row, label in enumerate(labels):
        y = top + row * (bar + gap)
        level, needs = levels[row], required[row]
        body.append(f'<text x="{left - 8}" y="{_num(y + bar - 2)}" text-anchor="end" '
                    f'fill="#222222">{escape(_short(label, 28))}</text>')
        if level:
            body.append(f'<rect x="{left}" y="{y}" width="{_num(level * unit)}" '
                        f'height="{bar}" fill="{PALETTE[0]}"/>')
        if needs:
            x = left + needs * unit
            body.append(f'<line x1="{_num(x)}" y1="{y - 3}" x2="{_num(x)}" '
                        f'y2="{y + bar + 3}" stroke="#000000" stroke-width="3"/>')
        words = f"{level if level is not None else '–'} / {needs if needs is not None else '–'}"
        body.append(f'<text x="{width - right + 8}" y="{_num(y + bar - 2)}" '
                    f'fill="#222222">{escape(words)}</text>')
    legend_y = top + rows * (bar + gap) + 16
    if level_label:
        body.append(f'<rect x="{left}" y="{legend_y - 9}" width="12" height="10" '
                    f'fill="{PALETTE[0]}"/>')
        body.append(f'<text x="{left + 18}" y="{legend_y}" fill="#222222">'
                    f'{escape(level_label)}</text>')
    if required_label:
        x = left + 180
        body.append(f'<line x1="{x + 6}" y1="{legend_y - 11}" x2="{x + 6}" y2="{legend_y + 2}" '
                    f'stroke="#000000" stroke-width="3"/>')
        body.append(f'<text x="{x + 16}" y="{legend_y}" fill="#222222">'
                    f'{escape(required_label)}</text>')
    return _svg(width, int(height), title, desc, body, label_id)



# The 360 report's charts: a radar of the competencies and grouped bars (values 0–100; None
# leaves a gap).

def radar(title: str, axes: list[str], series: list[Series], label_id: str = "radar",
          radius: int = 150) -> Markup:
    """A radar (spider) chart: one axis per competency, rings at 25/50/75/100, one polygon
    per series through the axes that have a value; the legend sits below."""
    width = 2 * radius + 380
    centre_x, centre_y = width / 2, radius + 40
    height = int(centre_y + radius + 40 + 16 * len(series))
    n = max(len(axes), 3)
    body = []

    def point(index: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / n
        r = radius * value / 100
        return centre_x + r * math.cos(angle), centre_y + r * math.sin(angle)

    for ring in (25, 50, 75, 100):
        pts = " ".join(f"{_num(x)},{_num(y)}" for x, y in (point(i, ring) for i in range(n)))
        body.append(f'<polygon points="{pts}" fill="none" stroke="#bbbbbb" stroke-width="1"/>')
        x, y = point(0, ring)
        body.append(f'<text x="{_num(x + 4)}" y="{_num(y + 4)}" fill="#555555" '
                    f'font-size="10">{ring}</text>')
    for index, name in enumerate(axes):
        x, y = point(index, 100)
        body.append(f'<line x1="{_num(centre_x)}" y1="{_num(centre_y)}" x2="{_num(x)}" '
                    f'y2="{_num(y)}" stroke="#dddddd" stroke-width="1"/>')
        lx, ly = point(index, 112)
        anchor = "middle" if abs(lx - centre_x) < 10 else (
            "start" if lx > centre_x else "end")
        body.append(f'<text x="{_num(lx)}" y="{_num(ly + 4)}" text-anchor="{anchor}" '
                    f'fill="#222222">{escape(_short(name, 24))}</text>')
    for item in series:
        pts = [point(i, float(v)) for i, v in enumerate(item.values) if v is not None]
        if not pts:
            continue
        joined = " ".join(f"{_num(x)},{_num(y)}" for x, y in pts)
        body.append(f'<polygon points="{joined}" fill="{item.colour}" fill-opacity="0.10" '
                    f'stroke="{item.colour}" stroke-width="2"/>')
        for x, y in pts:
            body.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3" fill="{item.colour}"/>')
    body += _legend(series, 20, centre_y + radius + 36)
    return _svg(width, height, title, None, body, label_id)


def _legend(series: list[Series], x: float, y: float) -> list[str]:
    parts = []
    for index, item in enumerate(series):
        top = y + index * 14
        parts.append(f'<rect x="{_num(x)}" y="{_num(top)}" width="10" height="10" '
                     f'fill="{item.colour}"/>')
        parts.append(f'<text x="{_num(x + 16)}" y="{_num(top + 9)}" fill="#222222">'
                     f'{escape(item.name)}</text>')
    return parts


def bars(title: str, labels: list[str], series: list[Series], label_id: str = "bars",
         width: int = 640) -> Markup:
    """Horizontal grouped bars: one block per label (competency), one bar per series, with a
    0–100 axis and the value written at the end of each bar."""
    left, right, bar, gap = 190, 50, 9, 8
    block = bar * max(len(series), 1) + gap
    top = 24
    height = top + block * len(labels) + 20 + 14 * len(series) + 10
    scale = (width - left - right) / 100
    body = []
    for tick in (0, 25, 50, 75, 100):
        x = left + tick * scale
        body.append(f'<line x1="{_num(x)}" y1="{top - 6}" x2="{_num(x)}" '
                    f'y2="{_num(top + block * len(labels))}" stroke="#dddddd"/>')
        body.append(f'<text x="{_num(x)}" y="{top - 10}" text-anchor="middle" fill="#555555" '
                    f'font-size="10">{tick}</text>')
    for row, label in enumerate(labels):
        y0 = top + row * block
        body.append(f'<text x="{left - 8}" y="{_num(y0 + block / 2)}" text-anchor="end" '
                    f'fill="#222222">{escape(_short(label, 26))}</text>')
        for index, item in enumerate(series):
            value = item.values[row] if row < len(item.values) else None
            y = y0 + index * bar
            if value is None:
                continue
            w = max(float(value) * scale, 1)
            body.append(f'<rect x="{left}" y="{_num(y)}" width="{_num(w)}" height="{bar - 2}" '
                        f'fill="{item.colour}"/>')
            shown = half_up(value)
            body.append(f'<text x="{_num(left + w + 4)}" y="{_num(y + bar - 3)}" '
                        f'font-size="9" fill="#222222">{shown}</text>')
    body += _legend(series, left, top + block * len(labels) + 12)
    return _svg(width, int(height), title, None, body, label_id)


def data_url(svg: str) -> str:
    """The chart as a data: URL, for the PDF (whose fetcher loads nothing else)."""
    return "data:image/svg+xml;base64," + base64.b64encode(str(svg).encode()).decode()
