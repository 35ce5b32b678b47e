"""Workbooks that are small to upload and huge to read."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook


def xlsx_with_rows(rows: int, *, blank: bool = False) -> bytes:
    """Return an XLSX whose first sheet has a header and ``rows`` rows (each one text cell,
    or an empty styled cell when ``blank``), compressed to a few hundred kilobytes."""
    book = Workbook()
    book.active.append(["Mã", "Tên đơn vị"])
    template = io.BytesIO()
    book.save(template)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, source.read(info))
                continue
            with target.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(
                    b'<?xml version="1.0" encoding="UTF-8"?>'
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>M\xc3\xa3</t></is></c>'
                    b'<c r="B1" t="inlineStr"><is><t>T\xc3\xaan</t></is></c></row>'
                )
                # Rows and cells without their optional positions: identical, they compress
                # about a thousandfold.
                cell = b'<c s="0"/>' if blank else b'<c t="inlineStr"><is><t>x</t></is></c>'
                block = (b"<row>" + cell + b"</row>") * 10000
                for _ in range(rows // 10000):
                    sheet.write(block)
                sheet.write((b"<row>" + cell + b"</row>") * (rows % 10000))
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()
