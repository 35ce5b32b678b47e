"""Downloadable templates: the Vietnamese headers and two example rows, as CSV or XLSX."""

from __future__ import annotations

import csv
import io

from tracker.services.imports import tasks, units, users

_KINDS = {"units": units, "users": users, "tasks": tasks}


def template_csv(kind: str) -> bytes:
    """Return the template of ``kind`` as UTF-8 CSV with a byte-order mark (without it,
    Excel shows Vietnamese letters garbled)."""
    module = _KINDS[kind]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(column.title for column in module.COLUMNS)
    writer.writerows(module.EXAMPLES)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def template_xlsx(kind: str) -> bytes:
    """Return the template of ``kind`` as an XLSX workbook; every cell is text, so codes
    such as "01" keep their leading zero."""
    import openpyxl
    from openpyxl.styles import Font

    module = _KINDS[kind]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = kind
    sheet.append([column.title for column in module.COLUMNS])
    for row in module.EXAMPLES:
        sheet.append(list(row))
    for index, column in enumerate(module.COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, len(column.title) + 4)
        sheet.column_dimensions[letter].number_format = "@"  # rows typed in later too
        for cell in sheet[letter]:
            cell.number_format = "@"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
