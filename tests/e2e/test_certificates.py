"""Browser journey: a demo new hire who has met every rule has her certificate, downloads the
PDF (its text checked with pdftotext), opens the public verification page; HR revokes it and
the page says so at once. And HR's batch page with its progress script."""

import re
import subprocess

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import (
    certificate_rows,
    download,
    flash_messages,
    follow_nav_link,
    login_as,
    open_certificate,
    revoke_certificate,
    search_people,
    sign_in,
    sign_out,
    verification_path,
)

pytestmark = pytest.mark.e2e
# 陈静: the demo has her courses done, the exam and the practical role-play passed, and
# evaluates everyone, so she holds the new-hire certificate from the start.
NEW_HIRE = "agent02@demo.example"
def pdf_text(tmp_path, data: bytes) -> str:
    target = tmp_path / "certificate.pdf"
    target.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(target), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_new_hire_certificate_verified_then_revoked(page, demo, tmp_path):
    page.goto("/login")
    sign_in(page, NEW_HIRE)
    follow_nav_link(page, "/certificates")
    expect(page.heading()).to_have_text("My certification")
    newhire = page.raw.locator("section.path-standing").filter(
        has_text="New hire — basic certification")
    expect(newhire).to_contain_text("Certified")
    expect(newhire).to_contain_text("100 % of the rules met")
    row = certificate_rows(page).first
    serial = row.locator("td").first.inner_text().strip()
    assert re.fullmatch(r"NEWHIRE-\d{4}-\d{5}", serial), serial
    expect(row).to_contain_text("Valid")

    open_certificate(page, serial)
    expect(page.heading()).to_contain_text(serial)
    text = pdf_text(tmp_path, download(page, "Download PDF"))
    assert "陈静" in text and serial in text
    assert "Product lines" in text and "Greeting and closing" in text
    badge = download(page, "Download Open Badge")
    assert badge.count(b".") == 2
    verify = verification_path(page)
    sign_out(page)

    page.goto(verify)
    expect(page.heading()).to_have_text("Valid")
    expect(page.raw.locator("main")).to_contain_text("陈静")
    expect(page.raw.locator("main")).not_to_contain_text(NEW_HIRE)

    login_as(page, "hr")
    page.goto("/certificates/approvals")  # HR's queue opens (senior awards wait here)
    follow_nav_link(page, "/people")
    search_people(page, "陈静")
    page.click(page.raw.get_by_role("link", name="陈静", exact=True))
    page.click(page.raw.get_by_role("link", name="Certification and certificates"))
    open_certificate(page, serial)
    revoke_certificate(page, "Exam sat with notes in a closed-book exam")
    assert f"Certificate {serial} has been revoked." in flash_messages(page)
    expect(page.heading()).to_contain_text("Revoked")
    sign_out(page)

    page.goto(verify)
    expect(page.heading()).to_have_text("Revoked")
    expect(page.raw.locator("main")).to_contain_text("no longer valid")
    page.goto(verify[:-2] + "xx", status=404)
    expect(page.heading()).to_have_text("Not found")


def test_hr_batch_for_a_team(page, demo):
    login_as(page, "hr")
    page.goto("/certificates/batches")
    page.raw.get_by_label("Team").select_option(label="Hotline — Shanghai")
    page.click(page.raw.get_by_role("button", name="Start the batch"))
    expect(page.heading()).to_have_text("Certificate batch")
    expect(page.raw.locator("#batch-status")).to_have_text("Done")
    expect(page.raw.locator("#batch-bar")).to_have_attribute("value", "100")
    archive = download(page, "Download the zip")
    assert archive.startswith(b"PK")
