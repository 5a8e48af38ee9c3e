"""An admin brings a Moodle XML bank into the question bank through the browser: the format is
recognised, the images come along, a second file with a broken question is imported with the
broken one left out and listed by line, and the questions read as in Moodle."""

import re

import pytest
from playwright.sync_api import expect

from tests.assessments.quiz.test_moodle_xml import EVERY_TYPE
from tests.e2e.pages import flash_messages, login_as, shoot, switch_language

pytestmark = pytest.mark.e2e

def test_import_a_moodle_xml_bank(page, tmp_path):
    login_as(page, "admin")
    page.goto("/author/bank/import")
    shoot(page, "import-en")
    xml = tmp_path / "moodle-bank.xml"
    xml.write_text(EVERY_TYPE, encoding="utf-8")
    page.raw.set_input_files("input[name=file]", str(xml))
    page.click(page.raw.get_by_role("button", name="Import"))
    flashes = flash_messages(page)
    assert "8 questions imported." in flashes
    # Moodle's questions carry no competencies: the author is sent to tag them by category.
    assert any("evidence no competency" in f for f in flashes), flashes
    page.goto("/author/bank?q=Refund%20window")
    page.click(page.raw.get_by_role("link", name="Refund window"))
    expect(page.raw.locator("#question-text img")).to_have_attribute(
        "src", re.compile(r"^/quiz/files/[0-9a-f]{64}/card%20front\.png$"))
    loaded = page.raw.evaluate(
        "document.querySelector('#question-text img').naturalWidth")
    assert loaded == 1
    expect(page.raw.locator("label[for=answer-a]")).to_have_text("7 days & receipt")
    shoot(page, "question-en")

    broken = tmp_path / "broken.gift.txt"
    broken.write_text("::Fine:: Right?{T}\n\n::Broken:: Sum {=a ~b\n", encoding="utf-8")
    page.goto("/author/bank/import")
    page.raw.set_input_files("input[name=file]", str(broken))
    page.raw.get_by_label("Skip it", exact=False).check()
    page.raw.get_by_label("Category for questions").select_option(label="Refunds")
    page.click(page.raw.get_by_role("button", name="Import"))
    expect(page.raw.locator("#skipped")).to_contain_text("line 3")
    shoot(page, "import-skipped-en")

    # The same pages in Chinese.
    switch_language(page, "简体中文")
    page.goto("/author/bank/import")
    expect(page.raw.get_by_label("根据文件内容识别")).to_be_checked()
    shoot(page, "import-zh")
    page.raw.set_input_files("input[name=file]", str(broken))
    page.raw.get_by_label("跳过", exact=False).check()
    page.raw.locator("select[name=category_id]").select_option(label="Refunds")
    page.click(page.raw.get_by_role("button", name="导入"))
    expect(page.raw.locator("#skipped")).to_contain_text("3")
    shoot(page, "import-skipped-zh")
