"""The cost sheet as a file: CSV in UTF-8 (with or without a BOM), separated by ``;``, ``,`` or tabs.

Spreadsheets saved on Arabic or European systems write ``;`` separators and a BOM; the
separator is read from the header line. Column names are matched without regard to case or
surrounding spaces. What the cells mean is the use case's business (``cost_import``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from pricing_core.usecases.cost_import import SheetError, SheetLine

_SEPARATORS = (";", ",", "\t")
MAX_BYTES = 20 * 1024 * 1024


def _separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in _SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def read_sheet(data: bytes) -> tuple[list[str], list[SheetLine]]:
    """Columns and data lines of a CSV file; ``SheetError`` when it is not readable text with a header."""
    if len(data) > MAX_BYTES:
        raise SheetError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SheetError(f"the file is not UTF-8 text (byte {exc.start}): save it as 'CSV UTF-8'") from exc
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise SheetError("the file is empty or its first line (the header) is blank")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(first))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise SheetError(f"line 1: {exc}") from exc
    columns = [h.strip().casefold().replace(" ", "_") for h in header]
    duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicated:
        raise SheetError("columns appear twice: " + ", ".join(duplicated))
    lines: list[SheetLine] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            lines.append(SheetLine(reader.line_num, {}, f"unreadable: {exc}"))
            continue
        if not any(cell.strip() for cell in row):
            continue  # blank lines are no products
        problem = None
        if len(row) > len(columns) and any(cell.strip() for cell in row[len(columns):]):
            problem = f"{len(row)} cells for {len(columns)} columns (a separator inside a value? quote it)"
        cells = {c: (row[i] if i < len(row) else "") for i, c in enumerate(columns) if c}
        lines.append(SheetLine(reader.line_num, cells, problem))
    return [c for c in columns if c], lines


def write_sheet(rows: Sequence[Mapping[str, str]], columns: Sequence[str], *, separator: str = ";") -> bytes:
    """Rows as CSV in UTF-8 with a BOM (so spreadsheet programs read Arabic text right)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue().encode("utf-8-sig")


__all__ = ["MAX_BYTES", "read_sheet", "write_sheet"]
