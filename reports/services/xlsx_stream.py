"""A small XLSX writer for large sheets: each sheet's XML is written straight into its zip
entry, a block of rows at a time, so neither memory nor time goes into a cell object.

At 100,000 people × 58 columns a general library spends most of an export on its per-cell
bookkeeping (XlsxWriter: ~3 µs a cell, 27 s CPU for the HR export); here a cell is one
formatted string. What it writes is the part of SpreadsheetML the exports need: inline
strings (no shared-string table to hold in memory), numbers, booleans, dates as serial
numbers with a date format, one header style, column widths, frozen panes, an autofilter
and the document properties. Text is XML-escaped here; characters XML cannot carry (control
characters) are written as Excel's `_xHHHH_` escapes. Guarding against formulas stays the
caller's (`lms.core.spreadsheet.safe_cell`): no cell is ever written as a formula.
"""

import re
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

TEXT, NUMBER, BOOL, DATE = "text", "number", "bool", "date"
# Styles (cellXfs) in styles.xml: 0 plain, 1 a date, 2 the header row.
DATE_STYLE, HEADER_STYLE = 1, 2
ROWS_PER_WRITE = 500
_EPOCH = date(1899, 12, 30)          # Excel's day 0 (its 1900 leap-year bug included)
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def column_letter(index: int) -> str:
    """The column's letters for a 0-based index: 0 → A, 27 → AB."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def xml_text(value: str) -> str:
    """`value` as XML character data: & < > escaped, a carriage return kept as a character
    reference, characters XML cannot carry as `_xHHHH_`."""
    if not _SPECIAL.search(value):
        return value
    value = _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    return escape(value).replace("\r", "&#13;")


def _number(value) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return repr(value) if isinstance(value, float) else str(int(value))


class Sheet:
    """One worksheet being written: `header` and `rows` append rows, `close` ends it."""

    def __init__(self, book: "Workbook", name: str, kinds: list[str], widths: list[float],
                 freeze: tuple[int, int] | None = None, autofilter: bool = False):
        self.name, self.kinds, self.autofilter = name, kinds, autofilter
        self.refs = [column_letter(i) for i in range(len(kinds))]
        self.rows = 0
        self._dates: dict[object, int] = {}
        self._out = book.zip.open(f"xl/worksheets/sheet{len(book.sheets) + 1}.xml", "w",
                                  force_zip64=True)
        book.sheets.append(self)
        pane = ""
        if freeze:
            rows, cols = freeze
            pane = (f'<pane xSplit="{cols}" ySplit="{rows}" topLeftCell='
                    f'"{column_letter(cols)}{rows + 1}" activePane="bottomRight" '
                    f'state="frozen"/><selection pane="bottomRight"/>')
        dated = f' style="{DATE_STYLE}"'
        cols = "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{width}" customWidth="1"'
            f'{dated if kind == DATE else ""}/>'
            for i, (kind, width) in enumerate(zip(kinds, widths, strict=True)))
        selected = ' tabSelected="1"' if len(book.sheets) == 1 else ""
        self._write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews>'
                    f'<sheetView workbookViewId="0"{selected}>'
                    f'{pane}</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
                    f'<cols>{cols}</cols><sheetData>')

    def _write(self, text: str) -> None:
        self._out.write(text.encode("utf-8"))

    def _serial(self, value) -> int:
        serial = self._dates.get(value)
        if serial is None:
            day = date.fromisoformat(value) if isinstance(value, str) else value
            if isinstance(day, datetime):
                day = day.astimezone(UTC).date() if day.tzinfo else day.date()
            serial = self._dates[value] = (day - _EPOCH).days
        return serial

    def header(self, names: list[str]) -> None:
        """The header row: the names as text in the header style."""
        self.rows += 1
        cells = "".join(f'<c r="{ref}1" s="{HEADER_STYLE}" t="inlineStr"><is><t>'
                        f'{xml_text(name)}</t></is></c>' for ref, name in zip(
                            self.refs, names, strict=False))
        self._write(f'<row r="1">{cells}</row>')

    def append(self, rows, kinds: list[str] | None = None) -> None:
        """Rows of values in column order (None: an empty cell), typed by `kinds` or the
        sheet's."""
        out = []
        kinds, refs = kinds or self.kinds, self.refs
        for values in rows:
            self.rows += 1
            r = str(self.rows)
            cells = []
            for ref, kind, value in zip(refs, kinds, values, strict=False):
                if value is None:
                    continue
                if kind == TEXT:
                    cells.append(f'<c r="{ref}{r}" t="inlineStr"><is><t xml:space="preserve">'
                                 f'{xml_text(str(value))}</t></is></c>')
                elif kind == NUMBER:
                    cells.append(f'<c r="{ref}{r}"><v>'
                                 f'{value if type(value) is int else _number(value)}</v></c>')
                elif kind == DATE:
                    cells.append(f'<c r="{ref}{r}" s="{DATE_STYLE}"><v>'
                                 f'{self._serial(value)}</v></c>')
                else:
                    cells.append(f'<c r="{ref}{r}" t="b"><v>{1 if value else 0}</v></c>')
            out.append(f'<row r="{r}">{"".join(cells)}</row>')
            if len(out) >= ROWS_PER_WRITE:
                self._write("".join(out))
                out = []
        if out:
            self._write("".join(out))

    def close(self) -> None:
        tail = "</sheetData>"
        if self.autofilter:
            last = f"{self.refs[-1]}{max(self.rows, 2)}"
            tail += f'<autoFilter ref="A1:{last}"/>'
        self._write(tail + "</worksheet>")
        self._out.close()


class Workbook:
    """An XLSX file written to `target` (a path or a binary file): add sheets one after the
    other (each closed before the next), then `close`."""

    def __init__(self, target, *, title: str = "", subject: str = "", description: str = ""):
        self.zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.sheets: list[Sheet] = []
        self.properties = (title, subject, description)

    def sheet(self, name: str, kinds: list[str], widths: list[float], **options) -> Sheet:
        return Sheet(self, name, kinds, widths, **options)

    def close(self) -> None:
        sheets = "".join(f'<sheet name={quoteattr(s.name)} sheetId="{n}" r:id="rId{n}"/>'
                         for n, s in enumerate(self.sheets, start=1))
        filters = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
            f"{xml_text(_quoted(s.name))}!$A$1:${s.refs[-1]}${max(s.rows, 2)}</definedName>"
            for n, s in enumerate(self.sheets) if s.autofilter)
        names = f"<definedNames>{filters}</definedNames>" if filters else ""
        self._put("xl/workbook.xml",
                  f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/>'
                  f"</bookViews><sheets>{sheets}</sheets>{names}</workbook>")
        rels = "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" '
            f'Target="worksheets/sheet{n}.xml"/>' for n in range(1, len(self.sheets) + 1))
        self._put("xl/_rels/workbook.xml.rels",
                  f'<Relationships xmlns="{_PKG_REL}">{rels}<Relationship '
                  f'Id="rId{len(self.sheets) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
                  f"</Relationships>")
        self._put("xl/styles.xml", _STYLES)
        title, subject, description = (xml_text(p) for p in self.properties)
        self._put("docProps/core.xml",
                  '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/'
                  '2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
                  'xmlns:dcterms="http://purl.org/dc/terms/" '
                  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                  f"<dc:title>{title}</dc:title><dc:subject>{subject}</dc:subject>"
                  f"<dc:description>{description}</dc:description></cp:coreProperties>")
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for n in range(1, len(self.sheets) + 1))
        self._put("[Content_Types].xml", _CONTENT_TYPES.format(sheets=overrides))
        self._put("_rels/.rels",
                  f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
                  f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                  f'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/'
                  f'2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
                  f"</Relationships>")
        self.zip.close()

    def _put(self, name: str, xml: str) -> None:
        self.zip.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                          + xml)


def _quoted(sheet_name: str) -> str:
    return "'" + sheet_name.replace("'", "''") + "'"


_CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>{sheets}'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
    'package.core-properties+xml"/></Types>')

_STYLES = (
    f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFE9EDF3"/><bgColor indexed="64"/>'
    '</patternFill></fill></fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom><diagonal/>'
    '</border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" '
    'applyFill="1" applyBorder="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')
