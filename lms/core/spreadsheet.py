"""Cell helpers for every CSV and XLSX file the application writes (HR exports, the audit
log, rubrics, certificate batch manifests) and reads back (rubric import)."""

# A spreadsheet reads a cell starting with one of these as a formula (tab and carriage return
# too: some programs strip them and then see the "=" behind).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """`value` made safe against spreadsheet formula injection: text starting with = + - @,
    a tab or a carriage return gets a leading apostrophe (shown as text, never evaluated);
    anything else, numbers and dates included, is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_row(values) -> list:
    """Every cell of a row through `safe_cell`."""
    return [safe_cell(value) for value in values]


def read_cell(text: str) -> str:
    """A cell of a file this application wrote, as it was before `safe_cell`: the apostrophe
    in front of a formula trigger is dropped, so an export imports back unchanged."""
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text
