"""Cell helpers shared by every CSV and XLSX export."""

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
