"""CSV files that people open in a spreadsheet.

A cell that starts with = + - @ (or a tab or carriage return before one) is run as a
formula by Excel, LibreOffice and Google Sheets: text people typed (a name, a ?ref= tag,
an address in a roster) could fetch a URL or compute with other cells. Such a cell gets
a leading ', which spreadsheets show as text. Line breaks need nothing: the csv module
quotes any value holding one.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """Text that would start a formula, with a leading '; any other value unchanged."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def spreadsheet_safe_row(row) -> list:
    return [spreadsheet_safe(value) for value in row]
