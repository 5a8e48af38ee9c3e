"""Every import — onboarding, rubrics, GIFT, Aiken, courses — through its page and its
command, with the same hostile files: a 200 KB field on one line, a 200 KB quoted CSV field
running over many short lines, and bytes that are not UTF-8 on line 3. Each is refused with
a message naming the line; none answers 500 or raises (`lms.core.uploads`)."""

import io
import re

import pytest

from lms.core import uploads
from lms.core.errors import DomainError
from tests.courses.test_content_files import LESSONS, MANIFEST, write_folder

BIG = 200_000
NOT_UTF8 = "名字".encode("gb18030")

ONBOARDING = b"employee_id,name,email\nN1,Ana,n1@example.com\n"
RUBRIC = b"criterion,level,points,descriptor\nClose,Low,0,x\n"
GIFT = b"::Q1:: Refunds take seven days. {T}\n\n"
AIKEN = b"Within how many days?\nA. Seven\n"

# (import, the first two lines, the third line with a 200 KB field)
LONG_FIELD = {
    "onboarding": ONBOARDING + b"N2," + b"B" * BIG + b",n2@example.com\n",
    "rubric": RUBRIC + b",High,2," + b"D" * BIG + b"\n",
    "gift": GIFT + b"::Q2:: " + b"x" * BIG + b" {T}\n",
    "aiken": AIKEN + b"B. " + b"y" * BIG + b"\nANSWER: A\n",
}
QUOTED = b'"' + (b"z" * 99 + b"\n") * 2100 + b'"'
LONG_QUOTED_FIELD = {
    "onboarding": ONBOARDING + b"N2," + QUOTED + b",n2@example.com\n",
    "rubric": RUBRIC + b",High,2," + QUOTED + b"\n",
}
BAD_BYTES = {
    "onboarding": ONBOARDING + b"N2," + NOT_UTF8 + b",n2@example.com\n",
    "rubric": RUBRIC + b",High,2," + NOT_UTF8 + b"\n",
    "gift": GIFT + b"::Q2:: " + NOT_UTF8 + b" {T}\n",
    "aiken": AIKEN + b"B. " + NOT_UTF8 + b"\nANSWER: A\n",
}


def _says_line(text: str, line: int) -> bool:
    """"Line 3: …" in a message, or 3 in the line column of the onboarding preview."""
    return re.search(rf"\b[Ll]ine {line}\b|<td>{line}</td>", text) is not None


@pytest.fixture
def author(make_person, db, defaults):
    from assessments.quiz.services import bank

    person = make_person(("admin", "hr"), name="Author")
    category = bank.create_category(db.session, None, "Imported")
    db.session.commit()
    return {"person": person, "category": category.id}


def _post(client, kind: str, raw: bytes, category: int):
    """The import's page with the file; returns (status, the page shown after it)."""
    if kind == "onboarding":
        response = client.post("/admin/people/import", data={
            "file": (io.BytesIO(raw), "people.csv")}, content_type="multipart/form-data")
    elif kind == "rubric":
        response = client.post("/roleplays/author/rubrics/import", data={
            "file": (io.BytesIO(raw), "rubric.csv"), "title": "Imported"},
            content_type="multipart/form-data", follow_redirects=True)
    else:
        response = client.post("/author/bank/import", data={
            "file": (io.BytesIO(raw), "bank.txt"), "file_format": kind,
            "category_id": str(category)}, content_type="multipart/form-data")
    return response.status_code, response.get_data(as_text=True)


def _command(runner, tmp_path, kind: str, raw: bytes) -> str:
    path = tmp_path / f"upload-{kind}.txt"
    path.write_bytes(raw)
    args = {"rubric": ["import-rubric", str(path), "--title", "Imported"],
            "gift": ["import-gift", str(path), "--category", "Imported"],
            "aiken": ["import-aiken", str(path), "--category", "Imported"]}[kind]
    result = runner.invoke(args=args)
    assert result.exit_code == 1 and result.exception is None or isinstance(
        result.exception, SystemExit), result.output
    return result.output


@pytest.mark.parametrize("kind", LONG_FIELD)
def test_a_200_kb_field_is_refused_with_its_line(client, auth, author, kind):
    auth.login(author["person"])
    status, page = _post(client, kind, LONG_FIELD[kind], author["category"])
    assert status in (200, 422) and _says_line(page, 3), page[:2000]
    assert "64,000" in page


@pytest.mark.parametrize("kind", LONG_QUOTED_FIELD)
def test_a_200_kb_quoted_field_over_many_lines_is_refused(client, auth, author, kind):
    auth.login(author["person"])
    status, page = _post(client, kind, LONG_QUOTED_FIELD[kind], author["category"])
    assert status in (200, 422) and "A field is longer than 20,000 characters" in page
    found = re.search(r"(?:[Ll]ine |<td>)(\d+)", page)
    assert found and int(found.group(1)) >= 3


@pytest.mark.parametrize("kind", BAD_BYTES)
def test_bytes_that_are_not_utf8_are_refused_with_their_line(client, auth, author, kind):
    auth.login(author["person"])
    status, page = _post(client, kind, BAD_BYTES[kind], author["category"])
    assert status in (200, 422) and _says_line(page, 3), page[:2000]
    assert "not UTF-8" in page


@pytest.mark.parametrize("kind", ["rubric", "gift", "aiken"])
def test_the_commands_refuse_the_same_files(runner, tmp_path, author, kind):
    output = _command(runner, tmp_path, kind, LONG_FIELD[kind])
    assert _says_line(output, 3) and "64,000" in output
    output = _command(runner, tmp_path, kind, BAD_BYTES[kind])
    assert _says_line(output, 3) and "not UTF-8" in output


def test_a_3_mb_confirm_is_refused_not_echoed(client, auth, author):
    auth.login(author["person"])
    text = ONBOARDING.decode() + "N2," + "B" * 3_000_000 + ",n2@example.com\n"
    response = client.post("/admin/people/import", data={"confirm": "1", "csv_text": text})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "larger than 2048 KB" in page
    assert len(page) < 100_000
    text = ONBOARDING.decode() + "N2," + "B" * BIG + ",n2@example.com\n"
    response = client.post("/admin/people/import", data={"confirm": "1", "csv_text": text})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and _says_line(page, 3)


def test_course_files_are_refused_with_file_and_line(runner, db, defaults, tmp_path):
    title_line = MANIFEST.splitlines().index("title: Handling refunds") + 1
    folder = write_folder(tmp_path / "long",
                          MANIFEST.replace("Handling refunds", "H" * BIG))
    result = runner.invoke(args=["import-course", str(folder)])
    assert result.exit_code == 1 and f"course.yaml:{title_line}:" in result.output
    assert "64,000" in result.output
    files = {**LESSONS, "lessons/one.md": b"# One\n\n" + NOT_UTF8 + b"\n"}
    folder = write_folder(tmp_path / "bytes", files=files)
    result = runner.invoke(args=["import-course", str(folder)])
    assert result.exit_code == 1 and "lessons/one.md:3:" in result.output
    assert "not UTF-8" in result.output


def test_the_shared_reader():
    assert uploads.read_text("\ufeff退款".encode(), 100) == "退款"
    assert uploads.read_text("退款".encode("utf-16"), 100, utf16=True) == "退款"
    with pytest.raises(DomainError, match="Line 2: This is not UTF-8"):
        uploads.read_text(b"a\n\xff", 100)
    with pytest.raises(DomainError, match="larger than 1 KB"):
        uploads.read_text(b"x" * 2000, 1024)
    with pytest.raises(DomainError, match="Line 2: The file contains a NUL"):
        uploads.read_text(b"a\nb\x00", 100)
    header, records = uploads.csv_records('A , b\n1,"two\nlines"\n3,4,extra\n')
    assert header == ["a", "b"]
    rows = [(r.line, r.values) for r in records]
    assert rows == [(3, {"a": "1", "b": "two\nlines"}),
                    (4, {"a": "3", "b": "4", None: ["extra"]})]
    _header, records = uploads.csv_records("a\n" + "x" * 30 + "\n", max_field=20)
    with pytest.raises(DomainError, match="Line 2: A field is longer than 20 characters"):
        list(records)
