"""The report charts: well-formed SVG with a title, a description, labels and escaped text."""

import base64
import xml.etree.ElementTree as ET
from decimal import Decimal

from lms.core import charts

NS = {"svg": "http://www.w3.org/2000/svg"}


def _parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def _texts(root) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_line_chart_has_title_desc_labels_and_one_marker_per_value():
    svg = charts.line_chart(
        "Trend <of> Team & Co", "Monthly points", ["Jan", "Feb", "Mar", "Apr"],
        [charts.Line("沟通 Communication", (Decimal("2.5"), Decimal(3), None, Decimal(4))),
         charts.Line('Etiquette "<script>"', (1, 2, 3, 4))],
        y_min=0, y_max=5, y_label="Level")
    root = _parse(svg)
    assert root.find("svg:title", NS).text == "Trend <of> Team & Co"
    assert root.find("svg:desc", NS).text == "Monthly points"
    assert root.get("role") == "img" and "Noto Sans CJK SC" in root.get("font-family")
    texts = _texts(root)
    assert {"Jan", "Feb", "Mar", "Apr", "Level", "0", "5"} <= set(texts)
    assert "沟通 Communication" in texts and 'Etiquette "<script>"' in texts
    assert "<script>" not in str(svg)
    lines = root.findall("svg:polyline", NS)
    # The first series is broken by its gap: a run of two points, then a lone point.
    assert [len(pl.get("points").split()) for pl in lines] == [2, 4]
    tips = ["".join(t.itertext()) for el in root.iter() for t in el.findall("svg:title", NS)
            if el is not root]
    assert "沟通 Communication, Apr: 4.0" in tips and "沟通 Communication, Mar: 3.0" not in tips
    assert "沟通 Communication, Feb: 3.0" in tips


def test_line_chart_y_scale_and_clipping():
    root = _parse(charts.line_chart("t", "d", ["a", "b"], [charts.Line("s", (0, 9))],
                                    y_min=0, y_max=5, plot_height=100))
    points = root.find("svg:polyline", NS).get("points").split()
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[0] - ys[1] == 100  # 0 at the bottom, 9 clipped to the top (5)


def test_level_bars_write_level_and_required_in_words():
    svg = charts.level_bars("Profile of 王小明", "levels", ["Empathy", "产品知识 <x>"],
                            [3, None], [4, 2], scale_max=5, level_label="Evidenced",
                            required_label="Required")
    root = _parse(svg)
    texts = _texts(root)
    assert "3 / 4" in texts and "– / 2" in texts and "产品知识 <x>" in texts
    assert root.find("svg:title", NS).text == "Profile of 王小明"
    assert len(root.findall("svg:rect", NS)) == 2   # one bar (the missing level has none) + key


def test_data_url_round_trips():
    svg = charts.level_bars("t", "d", ["a"], [1], [1], scale_max=5)
    url = charts.data_url(svg)
    assert url.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(url.split(",", 1)[1]).decode() == str(svg)


def test_long_legend_names_are_cut_but_kept_whole_in_the_tooltip():
    name = "Problem solving and complaint handling, first-contact resolution"
    root = _parse(charts.line_chart("t", "d", ["a"], [charts.Line(name, (3,))],
                                    y_min=0, y_max=5))
    legend = [t for t in _texts(root) if t.startswith("Problem")]
    assert legend and legend[0].endswith("…") and len(legend[0]) < len(name)
    assert any(name in "".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}title"))


def test_two_line_x_labels():
    root = _parse(charts.line_chart("t", "d", ["Dec\n2025", "Jan\n2026"],
                                    [charts.Line("s", (1, 2))], y_min=0, y_max=5))
    spans = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}tspan")]
    assert spans == ["Dec", "2025", "Jan", "2026"]
