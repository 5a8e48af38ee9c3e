"""A subject's report as pages and print: the charts of a `SubjectReport` and its PDF.

Both the page and the PDF render from the same `SubjectReport` (so both obey the anonymity
rules of `results`); the PDF embeds the SVG charts as data: URLs for `lms.pdf.html_to_pdf`.
"""

from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup

from assessments.review360 import charts
from assessments.review360.charts import PALETTE, Series
from assessments.review360.results import SubjectReport, display
from lms.pdf import PDF_FONT_STACK, html_to_pdf


@dataclass(frozen=True)
class Charts:
    radar: Markup | None
    bars: Markup | None


def build_charts(report: SubjectReport, title_radar: str, title_bars: str,
                 weighted_label: str) -> Charts:
    """The radar (weighted, self, and each shown group) and the bars per competency."""
    if not report.competencies:
        return Charts(None, None)
    names = [c.competency.tr("name") for c in report.competencies]
    series = [Series(weighted_label, tuple(c.weighted for c in report.competencies),
                     PALETTE[0])]
    for index, group in enumerate(report.shown_groups, start=1):
        series.append(Series(group.label, tuple(c.group_scores.get(group.group)
                                                for c in report.competencies),
                             PALETTE[index % len(PALETTE)]))
    if all(all(v is None for v in s.values) for s in series):
        return Charts(None, None)
    return Charts(charts.radar(title_radar, names, series, label_id=f"radar-{report.subject_id}"),
                  charts.bars(title_bars, names, series, label_id=f"bars-{report.subject_id}"))


def report_pdf(report: SubjectReport, chart_set: Charts, language: str) -> bytes:
    """The PDF of a subject's report (names in any script print: see lms.pdf)."""
    html = render_template(
        "assessments/review360/report_pdf.html", report=report, font_stack=PDF_FONT_STACK,
        radar_url=charts.data_url(chart_set.radar) if chart_set.radar else None,
        bars_url=charts.data_url(chart_set.bars) if chart_set.bars else None,
        language=language, display=display)
    return html_to_pdf(html)
