"""The SVG charts of the KPI reports: a KPI's team trend against its target (the core line
chart, on an axis fitted to the KPI's values) and a path's before/after comparison (one row
per KPI, each on its own scale, since minutes, percent and NPS points share no axis).

Like `lms.core.charts`: plain values in, escaped SVG out, a <title> and <desc>, shapes as
well as colours, and a table beside every chart on the page.
"""

import math
from decimal import Decimal
from html import escape

from flask_babel import gettext as _
from markupsafe import Markup

from lms.core import charts
from lms.core.numbers import half_up
from reports.services.kpi_trends import KpiTrend
from reports.services.training_impact import PathImpact

NICE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)


def _axis(values: list[Decimal]) -> tuple[int, int, int]:
    """(low, high, step): whole numbers around `values` with at most about six grid lines."""
    low, high = float(min(values)), float(max(values))
    if high - low < 1:
        low, high = low - 1, high + 1
    step = next((s for s in NICE_STEPS if (high - low) / s <= 6), NICE_STEPS[-1])
    return (int(math.floor(low / step) * step), int(math.ceil(high / step) * step), step)


def _within(kpi, low: int, high: int, step: int) -> tuple[int, int, int]:
    """The axis kept inside the values the KPI may take (no -1 % complaints)."""
    return (max(low, int(math.floor(kpi.min_value))), min(high, int(math.ceil(kpi.max_value))),
            step)


def trend_chart(trend: KpiTrend, label_id: str) -> Markup:
    """The KPI's average per period and its target as two lines."""
    seen = [v for v in trend.averages if v is not None] + [trend.kpi.target]
    low, high, step = _within(trend.kpi, *_axis(seen))
    name = trend.kpi.tr("name")
    return charts.line_chart(
        _("%(kpi)s: average against target", kpi=name),
        _("The average of the people with a value in each period, and the target (%(unit)s).",
          unit=trend.kpi.unit),
        trend.labels,
        [charts.Line(_("Average"), tuple(trend.averages)),
         charts.Line(_("Target"), tuple([trend.kpi.target] * len(trend.starts)))],
        y_min=low, y_max=high, y_step=step, y_label=trend.kpi.unit, label_id=label_id,
        width=640, plot_height=180)


def impact_chart(impact: PathImpact, label_id: str) -> Markup:
    """Per KPI with people to compare: a circle before, a square after, a bar at the target,
    on a scale of the KPI's own."""
    rows = [line for line in impact.kpis if line.people]
    width, left, right, row_height, top = 680, 250, 70, 34, 12
    height = top + row_height * len(rows) + 36
    before_colour, after_colour = charts.PALETTE[0], charts.PALETTE[1]
    body = []
    for index, line in enumerate(rows):
        y = top + index * row_height + row_height / 2
        low, high, _step = _within(line.kpi, *_axis([line.before, line.after,
                                                     line.kpi.target]))
        span = max(high - low, 1)

        def x_at(value, low=low, span=span) -> float:
            return left + (float(value) - low) * (width - left - right) / span

        name = line.kpi.tr("name")
        body.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" fill="#222222">'
                    f'{escape(charts._fit(name, left - 12))}</text>')
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                    f'stroke="#d0d4da"/>')
        body.append(f'<text x="{left}" y="{y + 15:.1f}" font-size="10" fill="#3d4555">'
                    f'{low}</text>')
        body.append(f'<text x="{width - right}" y="{y + 15:.1f}" font-size="10" '
                    f'text-anchor="end" fill="#3d4555">{high} {escape(line.kpi.unit)}</text>')
        target_x = x_at(line.kpi.target)
        body.append(f'<line x1="{target_x:.1f}" y1="{y - 9:.1f}" x2="{target_x:.1f}" '
                    f'y2="{y + 9:.1f}" stroke="#222222" stroke-width="2">'
                    f'<title>{escape(_("Target"))}: {half_up(line.kpi.target)}</title></line>')
        bx, ax = x_at(line.before), x_at(line.after)
        body.append(f'<line x1="{bx:.1f}" y1="{y:.1f}" x2="{ax:.1f}" y2="{y:.1f}" '
                    f'stroke="#3d4555" stroke-width="2"/>')
        body.append(charts._marker("circle", bx, y, before_colour,
                                   f"{name}, {_('Before')}: {half_up(line.before)}"))
        body.append(charts._marker("square", ax, y, after_colour,
                                   f"{name}, {_('After')}: {half_up(line.after)}"))
        body.append(f'<text x="{width - right + 6}" y="{y + 4:.1f}" font-size="11" '
                    f'fill="#222222">n={line.people}</text>')
    legend_y = top + row_height * len(rows) + 18
    for number, (kind, colour, label) in enumerate(
            (("circle", before_colour, _("Before")), ("square", after_colour, _("After")))):
        x = left + number * 120
        body.append(charts._marker(kind, x, legend_y, colour, label))
        body.append(f'<text x="{x + 10}" y="{legend_y + 4}" fill="#222222">'
                    f'{escape(label)}</text>')
    body.append(f'<line x1="{left + 240}" y1="{legend_y - 7}" x2="{left + 240}" '
                f'y2="{legend_y + 7}" stroke="#222222" stroke-width="2"/>')
    body.append(f'<text x="{left + 248}" y="{legend_y + 4}" fill="#222222">'
                f'{escape(_("Target"))}</text>')
    return charts._svg(
        width, int(height),
        _("%(path)s: KPIs before and after certification", path=impact.path.tr("name")),
        _("For each KPI, the average before certification (circle) and after it (square), "
          "the target (bar) and the number of people compared."),
        body, label_id)
