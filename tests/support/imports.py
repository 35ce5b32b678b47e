"""Building import files (CSV and XLSX) and counting what the database holds."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from tracker.extensions import db


def csv_bytes(rows, *, delimiter: str = ",", bom: bool = False) -> bytes:
    """Return the rows (header first) as UTF-8 CSV text."""
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


def xlsx_bytes(rows) -> bytes:
    """Return the rows (header first) as the first sheet of an XLSX workbook; dates stay
    real dates."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_counts() -> dict[str, int]:
    """Return the number of rows of every table (an import run twice must not change it)."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }
