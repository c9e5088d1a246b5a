"""Long lists on store pages: which page of them to show, and their CSV downloads."""

from __future__ import annotations

import csv
import io

from starlette.responses import Response


def page_number(raw: object, pages: int) -> int:
    """The page asked for (``?page=``), within 1..``pages``; anything unreadable is page 1."""
    text = str(raw or "1")
    number = int(text) if text.isdigit() else 1
    return min(max(number, 1), max(pages, 1))


def csv_download(rows: list[list[object]], filename: str) -> Response:
    """A CSV download, UTF-8 with a byte-order mark so that Excel reads Arabic names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(rows)
    return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def cell(value: object) -> object:
    """A CSV cell: empty for a missing value."""
    return "" if value is None else value


__all__ = ["cell", "csv_download", "page_number"]
