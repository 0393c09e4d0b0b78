"""Read an uploaded CSV or XLSX table into rows keyed by column, with row/column errors."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header written in templates and exports
    aliases: tuple[str, ...] = ()
    required: bool = True

    def matches(self, text: str) -> bool:
        folded = text.strip().lower()
        return folded in {self.header.lower(), self.key.lower(), *(a.lower() for a in self.aliases)}


@dataclass(frozen=True)
class RowError:
    row: int  # the row number as a spreadsheet shows it (the header is row 1)
    column: str
    message: str


@dataclass
class Table:
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class UnreadableFile(Exception):
    pass


def _cells_from_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile(_("The CSV file is neither UTF-8 nor GB18030 text."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[_uncsv_safe(cell) for cell in r] for r in csv.reader(io.StringIO(text), dialect)]


# An XLSX is a ZIP of XML parts. Before openpyxl reads one, its members' unpacked sizes (as the archive
# states them: zipfile never unpacks a member past its stated size) and ratios are bounded, so that a
# "zip bomb" of a few hundred KB is refused before it is unpacked, and XML declarations (a DTD, entities)
# are refused with a message instead of failing deep in the parser.
XLSX_MAX_UNPACKED = 200 * 1024 * 1024
XLSX_MAX_RATIO = 200  # a real sheet of text compresses 5-20 times; hundreds only when built to explode
XLSX_MAX_MEMBERS = 10_000
XLSX_BYTES_PER_ROW = 2048  # a generous row of sheet XML: 15 cells of text, most of it in the shared strings
_XML_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def check_xlsx_archive(data: bytes, max_unpacked: int = XLSX_MAX_UNPACKED) -> None:
    """Raise UnreadableFile unless `data` is a ZIP whose members unpack to a bounded size, at a believable
    ratio, without DOCTYPE or ENTITY declarations in any XML part."""
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UnreadableFile(_("The file is not a readable XLSX workbook.")) from exc
    too_big = UnreadableFile(_("The workbook unpacks to more than %(n)d MB; split it into smaller files.", n=max_unpacked // (1024 * 1024)))
    if len(members) > XLSX_MAX_MEMBERS or sum(m.file_size for m in members) > max_unpacked:
        raise too_big
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > XLSX_MAX_RATIO * max(member.compress_size, 1):
            raise too_big
    try:
        for member in members:
            if member.filename.lower().endswith((".xml", ".rels", ".vml")):
                with archive.open(member) as part:
                    if _XML_DECLARATION.search(part.read(64 * 1024)):
                        raise UnreadableFile(_("The workbook declares a DOCTYPE or XML entities; such files are refused. "
                                               "Save it again from the spreadsheet program."))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise UnreadableFile(_("The file is not a readable XLSX workbook.")) from exc


def _cells_from_xlsx(data: bytes, max_rows: int) -> list[list[str]]:
    """The first sheet's cells as text; reading stops (and the file is refused) past the header and `max_rows` rows."""
    from openpyxl import load_workbook

    check_xlsx_archive(data, max(XLSX_MAX_UNPACKED, max_rows * XLSX_BYTES_PER_ROW))  # the CLI's bigger files get room
    rows = []
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            for values in sheet.iter_rows(values_only=True):
                rows.append(["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)) for v in values])
                if len(rows) > max_rows + 1:  # blank rows count too: reading stops here either way
                    raise UnreadableFile(_("The file has more than %(n)d rows.", n=max_rows))
        finally:
            book.close()
    except UnreadableFile:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook, or half of one
        raise UnreadableFile(_("The file is not a readable XLSX workbook.")) from exc
    return rows


def read_table(filename: str, data: bytes, columns: Sequence[Column], max_rows: int = 100_000) -> Table:
    """Parse `data` (CSV or XLSX, by name and content) and map its header row onto `columns`.

    Blank rows are skipped. Unknown columns are an error, so a misspelt header is not silently lost."""
    if data[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        cells = _cells_from_xlsx(data, max_rows)
    elif filename.lower().endswith((".csv", ".txt")):
        cells = _cells_from_csv(data)
    else:
        raise UnreadableFile(_("Upload a .xlsx or .csv file."))
    table = Table()
    cells = [row for row in cells if any(c.strip() for c in row)] if cells else []
    if not cells:
        raise UnreadableFile(_("The file has no rows."))
    header = [h.strip() for h in cells[0]]
    positions: dict[str, int] = {}
    for index, text in enumerate(header):
        if not text:
            continue
        column = next((c for c in columns if c.matches(text)), None)
        if column is None:
            table.errors.append(RowError(1, text, _("Unknown column.")))
        elif column.key in positions:
            table.errors.append(RowError(1, text, _("This column appears twice.")))
        else:
            positions[column.key] = index
    for column in columns:
        if column.required and column.key not in positions:
            table.errors.append(RowError(1, column.header, _("Required column is missing.")))
    if len(cells) - 1 > max_rows:
        table.errors.append(RowError(1, "", _("The file has more than %(n)d rows.", n=max_rows)))
    if table.errors:
        return table
    for number, row in enumerate(cells[1:], start=2):
        values = {key: (row[i].strip() if i < len(row) else "") for key, i in positions.items()}
        if any(values.values()):
            table.rows.append((number, values))
    return table


# Spreadsheet programs run a cell that starts with one of these as a formula (=HYPERLINK(...) that sends the
# sheet's data away, =cmd|... ): OWASP's "CSV injection". A number is never one, even with its sign.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")


def csv_safe(value: Any) -> str:
    """A cell for a CSV export: text that a spreadsheet could take for a formula is prefixed with an apostrophe
    (which Excel and LibreOffice show as text and `read_table` takes off again); numbers stay as they are."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def _uncsv_safe(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS) else text


def write_csv(columns: Sequence[Column], rows: Sequence[dict[str, str]]) -> bytes:
    """Every CSV export: user-entered text is written as text (see csv_safe)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_safe(c.header) for c in columns])
    for row in rows:
        writer.writerow([csv_safe(row.get(c.key, "")) for c in columns])
    return out.getvalue().encode("utf-8-sig", errors="replace")  # an unpaired surrogate cannot be written: "?"


def xlsx_text_cell(sheet: Any, value: Any) -> Any:
    """A cell that holds text `value` as a string, never as a formula (openpyxl makes one of any text beginning
    with "="), with the control characters XML cannot carry taken out (openpyxl would refuse the file)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return WriteOnlyCell(sheet, value=value)  # a number stays a number
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value)))
    cell.data_type = "s"
    return cell


def write_xlsx(columns: Sequence[Column], rows: Sequence[dict[str, str]], title: str = "Sheet1") -> bytes:
    """Every XLSX export: each cell is a string cell (see xlsx_text_cell)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append([xlsx_text_cell(sheet, c.header) for c in columns])
    for row in rows:
        sheet.append([xlsx_text_cell(sheet, row.get(c.key, "")) for c in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(fmt: str, name: str, columns: Sequence[Column], rows: Sequence[dict[str, str]], sheet: str = "Sheet1") -> Any:
    """A table as a file download: CSV (UTF-8 with BOM, so Excel reads the Chinese) or XLSX."""
    from flask import Response

    if fmt == "csv":
        return Response(write_csv(columns, rows), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename={name}.csv"})
    return Response(write_xlsx(columns, rows, sheet), mimetype=XLSX_MIMETYPE, headers={"Content-Disposition": f"attachment; filename={name}.xlsx"})
