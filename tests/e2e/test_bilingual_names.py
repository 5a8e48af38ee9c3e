"""The organisation's and the teams' names in the reader's language (issue #18): the demo's
header says 云禾电器 in Chinese and Yunhe Appliances in English; the admin's team list and the
HR dashboard's team totals show the six teams in the reader's language, with no word of the
other language beside people's names and codes."""

import pytest

from tests.e2e.pages import login_as, sign_out, switch_language
from tests.e2e.test_content_language import Walk

pytestmark = pytest.mark.e2e

BRAND = {"zh": "云禾电器", "en": "Yunhe Appliances"}
TEAMS = {"zh": ("上海热线", "在线客服", "售后与维修"),
         "en": ("Hotline — Shanghai", "Online Chat", "After-sales & Repairs")}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_header_and_teams_in_one_language(page, demo, language):
    walk = Walk(page, language)
    login_as(page, "admin")
    if language == "zh":
        switch_language(page, "简体中文")
    assert page.raw.locator("header .brand").inner_text() == BRAND[language]
    walk.visit("team list", "/admin/teams")
    text = page.raw.locator("main").inner_text()
    assert all(name in text for name in TEAMS[language])
    assert page.raw.locator("main [data-fallback]").count() == 0
    sign_out(page)
    login_as(page, "hr")
    if language == "zh":
        switch_language(page, "简体中文")
    page.goto("/reports/")
    totals = page.raw.locator("main table.dash-totals").inner_text()
    assert all(name in totals for name in TEAMS[language])
    assert not walk.problems, walk.problems
