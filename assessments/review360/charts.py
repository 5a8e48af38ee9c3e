"""Server-side SVG charts of a 360 report: a radar of the competencies and grouped bars.

Plain SVG with presentation attributes only (no scripts, no style attributes), so the page
keeps its strict Content-Security-Policy and the same markup prints in the PDF (embedded there
as a data: URL). Values are 0–100; None leaves a gap. Text is escaped.
"""

import base64
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from markupsafe import Markup

from lms.core.pdf import PDF_FONT_STACK

# Colour-blind-safe (Okabe–Ito), dark enough for text contrast on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
FONT = escape(PDF_FONT_STACK, quote=True)


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[Decimal | None, ...]
    colour: str


def _num(value: float) -> str:
    return f"{value:.1f}"


def _svg(width: int, height: int, title: str, body: list[str], label_id: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{label_id}" '
        f'font-family="{FONT}" font-size="12">'
        f'<title id="{label_id}">{escape(title)}</title>' + "".join(body) + "</svg>")


def _short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
    return _svg(width, height, title, body, label_id)


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
            shown = Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            body.append(f'<text x="{_num(left + w + 4)}" y="{_num(y + bar - 3)}" '
                        f'font-size="9" fill="#222222">{shown}</text>')
    body += _legend(series, left, top + block * len(labels) + 12)
    return _svg(width, int(height), title, body, label_id)


def data_url(svg: str) -> str:
    """The chart as a data: URL, for the PDF (whose fetcher loads nothing else)."""
    return "data:image/svg+xml;base64," + base64.b64encode(str(svg).encode()).decode()
