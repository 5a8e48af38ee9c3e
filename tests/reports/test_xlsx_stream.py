"""The streamed XLSX writer: what it writes opens in openpyxl with the values, types,
styles and sheet settings asked for, whatever the text holds."""

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl

from reports.services import xlsx_stream as xlsx


def _book(rows, kinds, **options):
    target = io.BytesIO()
    book = xlsx.Workbook(target, title="T", subject="S", description="as_of: now")
    sheet = book.sheet("Status & <more>", kinds, [12] * len(kinds), **options)
    sheet.header([f"c{n}" for n in range(len(kinds))])
    sheet.append(rows)
    sheet.close()
    about = book.sheet("About", [xlsx.TEXT, xlsx.TEXT], [10, 40])
    about.append([["people", 2]], kinds=[xlsx.TEXT, xlsx.NUMBER])
    about.close()
    book.close()
    return target.getvalue()


def test_cells_keep_their_text_types_and_sheet_settings():
    kinds = [xlsx.TEXT, xlsx.NUMBER, xlsx.NUMBER, xlsx.DATE, xlsx.DATE, xlsx.BOOL, xlsx.TEXT]
    data = _book([
        ["a & b <c> 王芳 Nguyễn", Decimal("84.5000"), 3, "2026-01-02", date(2025, 5, 6), True,
         "  spaced  "],
        ["bell\x07 and\r\nlines", Decimal("-4.9"), None, None, None, False, "'=SUM(A1)"],
    ], kinds, freeze=(1, 2), autofilter=True)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Status & <more>", "About"]
    sheet = book["Status & <more>"]
    assert sheet.freeze_panes == "C2" and sheet.auto_filter.ref == "A1:G3"
    assert book.properties.title == "T" and book.properties.description == "as_of: now"
    header, first, second = sheet.iter_rows(values_only=True)
    assert header == ("c0", "c1", "c2", "c3", "c4", "c5", "c6")
    assert sheet["A1"].font.b
    assert first == ("a & b <c> 王芳 Nguyễn", 84.5, 3, datetime(2026, 1, 2), datetime(2025, 5, 6),
                     True, "  spaced  ")
    assert sheet["D2"].number_format == "yyyy-mm-dd"
    # A control character XML cannot carry is written as Excel writes it; a carriage return
    # survives; a neutralised formula stays text.
    assert second == ("bell_x0007_ and\r\nlines", -4.9, None, None, None, False, "'=SUM(A1)")
    assert sheet["G3"].data_type == "s"
    assert list(book["About"].iter_rows(values_only=True)) == [("people", 2)]


def test_no_cell_is_a_formula_and_the_zip_is_a_workbook():
    data = _book([["=1+1", 1]], [xlsx.TEXT, xlsx.NUMBER])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = set(archive.namelist())
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/styles.xml",
            "xl/_rels/workbook.xml.rels", "docProps/core.xml"} <= names
    assert "<f>" not in sheet
    assert openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]["A2"].data_type == "s"


def test_column_letters():
    assert [xlsx.column_letter(n) for n in (0, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]
