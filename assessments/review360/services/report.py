"""A subject's report as pages and print: the charts of a `SubjectReport` and its PDF.

Both the page and the PDF render from the same `SubjectReport` (so both obey the anonymity
rules of `results`); the PDF embeds the SVG charts as data: URLs for `lms.core.pdf.html_to_pdf`.
"""

from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup

from assessments.review360.services.results import SubjectReport
from lms.core import charts
from lms.core.charts import PALETTE, Series
from lms.core.numbers import display_score
from lms.core.pdf import PDF_FONT_STACK, html_to_pdf


@dataclass(frozen=True)
class Charts:
    radar: Markup | None
    bars: Markup | None


def build_charts(report: SubjectReport, title_radar: str, title_bars: str,
                 labels: dict[str, str]) -> Charts:
    """The radar (weighted, self and others: the gaps) and the bars (each shown group and
    the weighted score, per competency). `labels`: "weighted", "self", "others" names."""
    if not report.competencies or report.overall is None:
        return Charts(None, None)
    names = [c.competency.tr("name") for c in report.competencies]
    radar_series = [
        Series(labels["weighted"], tuple(c.weighted for c in report.competencies), PALETTE[0]),
        Series(labels["self"], tuple(c.self_score for c in report.competencies), PALETTE[1]),
        Series(labels["others"], tuple(c.others for c in report.competencies), PALETTE[2]),
    ]
    bar_series = [Series(labels["weighted"], radar_series[0].values, PALETTE[0])]
    for index, group in enumerate(report.shown_groups, start=1):
        bar_series.append(Series(group.label, tuple(c.group_scores.get(group.group)
                                                    for c in report.competencies),
                                 PALETTE[index % len(PALETTE)]))
    return Charts(
        charts.radar(title_radar, names, radar_series, label_id=f"radar-{report.subject_id}"),
        charts.bars(title_bars, names, bar_series, label_id=f"bars-{report.subject_id}"))


def report_pdf(report: SubjectReport, chart_set: Charts, language: str) -> bytes:
    """The PDF of a subject's report (names in any script print: see lms.core.pdf)."""
    html = render_template(
        "assessments/review360/report_pdf.html", report=report, font_stack=PDF_FONT_STACK,
        radar_url=charts.data_url(chart_set.radar) if chart_set.radar else None,
        bars_url=charts.data_url(chart_set.bars) if chart_set.bars else None,
        language=language, display=display_score)
    return html_to_pdf(html)
