"""An official report as a DOCX file in the layout of Nghị định 30/2020/NĐ-CP, Phụ lục I.

The fixed words (Quốc hiệu, Tiêu ngữ, "BÁO CÁO", "Nơi nhận") are in the active language:
callers wanting another one wrap the call in ``flask_babel.force_locale``.
"""

from __future__ import annotations

import io
from datetime import datetime, time

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from flask_babel import gettext as _
from flask_babel import pgettext

from tracker.domain.official import Letterhead, date_line, document_number, roman
from tracker.exports.official.document import DocTable, OfficialReport, Part
from tracker.i18n import language

MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FONT = "Times New Roman"
# A4 with the decree's margins (top and bottom 20-25 mm, left 30-35 mm, right 15-20 mm).
PAGE = {"width": 210, "height": 297, "top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_CM = (PAGE["width"] - PAGE["left"] - PAGE["right"]) / 10
HEADER_COLUMNS_CM = (6.8, TEXT_WIDTH_CM - 6.8)
SIGNATURE_COLUMNS_CM = (8.0, TEXT_WIDTH_CM - 8.0)
CENTER, JUSTIFY, LEFT, RIGHT = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
    WD_ALIGN_PARAGRAPH.LEFT,
    WD_ALIGN_PARAGRAPH.RIGHT,
)


def write_official_docx(report: OfficialReport, letterhead: Letterhead) -> bytes:
    """Return ``report`` as the bytes of a DOCX file headed and signed per ``letterhead``."""
    doc = Document()
    _page_and_fonts(doc)
    _header(doc, report, letterhead)
    _title(doc, report.summary)
    for number, part in enumerate(report.parts, start=1):
        _part(doc, part, f"{roman(number)}.", level=1)
    _signature(doc, letterhead)
    props = doc.core_properties
    props.title, props.author = report.summary, letterhead.issuer
    props.created = props.modified = datetime.combine(report.day, time(8))
    props.last_modified_by, props.revision = letterhead.issuer, 1
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _page_and_fonts(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE["width"]), Mm(PAGE["height"])
    section.top_margin, section.bottom_margin = Mm(PAGE["top"]), Mm(PAGE["bottom"])
    section.left_margin, section.right_margin = Mm(PAGE["left"]), Mm(PAGE["right"])
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), FONT)
    # Spelling checks in the document's language, not the template's English.
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "vi-VN" if language() == "vi" else "en-GB")
    normal.element.get_or_add_rPr().append(lang)
    spacing = normal.paragraph_format
    spacing.space_before, spacing.space_after, spacing.line_spacing = Pt(0), Pt(6), 1.15


def _paragraph(
    container, text: str = "", *, size=14, bold=False, italic=False, align=CENTER, after=0
):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(after)
    paragraph.paragraph_format.first_line_indent = Cm(0)
    if text:
        run = paragraph.add_run(text)
        run.font.size, run.bold, run.italic = Pt(size), bold, italic
    return paragraph


def _rule(container, length_cm: float, column_cm: float) -> None:
    """Add a centred solid line ``length_cm`` long (the short rules under the issuer, the
    Tiêu ngữ and the trích yếu): a tiny paragraph's top border between its indents."""
    paragraph = _paragraph(container, size=2)
    indent = max(0.0, (column_cm - length_cm) / 2)
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = Cm(indent)
    paragraph.paragraph_format.line_spacing = Pt(2)
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    paragraph._p.get_or_add_pPr().append(borders)


def _borderless(doc, widths_cm: tuple[float, ...]):
    """Return a one-row table without borders whose columns are ``widths_cm`` wide."""
    table = doc.add_table(rows=1, cols=len(widths_cm))
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _set_widths(table, widths_cm)
    for cell in table.rows[0].cells:
        cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    return table.rows[0].cells


def _set_widths(table, widths_cm) -> None:
    """Give the columns their widths in the grid (LibreOffice reads these) and every cell
    (Word reads those)."""
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)


def _header(doc, report: OfficialReport, head: Letterhead) -> None:
    left, right = _borderless(doc, HEADER_COLUMNS_CM)
    if head.parent_body:
        _paragraph(left, head.parent_body.upper(), size=12)
    _paragraph(left, head.issuer.upper(), size=12, bold=True)
    _rule(left, 2.0, HEADER_COLUMNS_CM[0])
    _paragraph(
        left, document_number(head.issuer_code, pgettext("document number", "No.")), size=13
    ).paragraph_format.space_before = Pt(4)
    _paragraph(right, _("SOCIALIST REPUBLIC OF VIET NAM"), size=12, bold=True)
    motto = _("Independence - Freedom - Happiness")
    _paragraph(right, motto, size=13, bold=True)
    _rule(right, len(motto) * 0.21, HEADER_COLUMNS_CM[1])
    place = _paragraph(right, date_line(head.place, report.day, language()), size=14, italic=True)
    place.paragraph_format.space_before = Pt(4)


def _title(doc, summary: str) -> None:
    _paragraph(doc, _("REPORT"), bold=True).paragraph_format.space_before = Pt(18)
    _paragraph(doc, summary, bold=True)
    _rule(doc, 5.0, TEXT_WIDTH_CM)
    doc.paragraphs[-1].paragraph_format.space_after = Pt(12)


def _part(doc, part: Part, number: str, *, level: int) -> None:
    _paragraph(doc, f"{number} {part.heading}", bold=True, align=JUSTIFY, after=6)
    doc.paragraphs[-1].paragraph_format.first_line_indent = Cm(1)
    sub = 0
    for block in part.blocks:
        if isinstance(block, Part):
            sub += 1
            _part(doc, block, f"{sub}.", level=level + 1)
        elif isinstance(block, DocTable):
            _table(doc, block)
        else:
            _paragraph(doc, block, align=JUSTIFY, after=6).paragraph_format.first_line_indent = Cm(
                1
            )


def _table(doc, data: DocTable) -> None:
    table = doc.add_table(rows=1 + len(data.rows), cols=len(data.columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _set_widths(table, data.widths)
    _repeat_as_header(table.rows[0])
    for row_index, values in enumerate((data.columns, *data.rows)):
        total = row_index == 0 or (row_index - 1) in data.total_rows
        for col, (cell, value) in enumerate(zip(table.rows[row_index].cells, values, strict=True)):
            align = CENTER if row_index == 0 else RIGHT if col in data.numeric else LEFT
            paragraph = cell.paragraphs[0]
            paragraph.alignment = align
            paragraph.paragraph_format.first_line_indent = Cm(0)
            paragraph.paragraph_format.space_after = Pt(0)
            run = paragraph.add_run(value)
            run.font.size, run.bold = Pt(10 if row_index == 0 else 11), total
    _paragraph(doc, after=6)


def _repeat_as_header(row) -> None:
    """Mark a table's first row to repeat at the top of each page the table runs onto."""
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)


def _signature(doc, head: Letterhead) -> None:
    left, right = _borderless(doc, SIGNATURE_COLUMNS_CM)
    _paragraph(left, _("Recipients:"), size=12, bold=True, italic=True, align=LEFT)
    lines = [_("As above;"), *(f"{name};" for name in head.recipients)]
    lines.append(_("Archived: VT, %(code)s.", code=head.issuer_code or "…"))
    for line in lines:
        _paragraph(left, f"- {line}", size=11, align=LEFT)
    for line in head.signer_title.splitlines() or [""]:
        _paragraph(right, line.strip().upper(), size=14, bold=True)
    for _blank in range(4):  # room for the signature and the seal
        _paragraph(right, size=14)
    _paragraph(right, head.signer_name or "…………………………", size=14, bold=True)
