"""The programme report and the narrative download as DOCX in the layout of Nghị định
30/2020/NĐ-CP, read back with python-docx (LibreOffice reads them in
tests/integration/test_official_documents_pdf.py)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from support import documents as docs

_PAGE = ("page_width", "page_height", "top_margin", "bottom_margin", "left_margin", "right_margin")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def demo(app, settings):
    docs.load(app, settings)


def test_the_programme_report_downloads_in_the_decrees_layout(client, demo):
    docs.sign_in(client)
    response = client.get(docs.PROGRAMME_DOCX)
    assert response.status_code == 200
    assert response.mimetype == DOCX
    disposition = unquote(response.headers["Content-Disposition"])
    assert "attachment" in disposition and "2024-06-30.docx" in disposition
    assert response.headers["Cache-Control"] == "private, no-store"
    document = docs.open_docx(response.data)

    section = document.sections[0]
    mm = {name: round(getattr(section, name).mm) for name in _PAGE}
    assert (mm["page_width"], mm["page_height"]) == (210, 297)  # A4
    assert 20 <= mm["top_margin"] <= 25 and 20 <= mm["bottom_margin"] <= 25
    assert 30 <= mm["left_margin"] <= 35 and 15 <= mm["right_margin"] <= 20
    normal = document.styles["Normal"].font
    assert normal.name == "Times New Roman" and Pt(13) <= normal.size <= Pt(14)

    header, by_group, by_task, signature = document.tables
    issuer, nation = header.rows[0].cells
    assert docs.cell_text(issuer).split("\n")[:2] == [
        "BỘ THÔNG TIN VÀ TRUYỀN THÔNG",
        "CỤC CHUYỂN ĐỔI SỐ QUỐC GIA",
    ]
    assert issuer.paragraphs[1].runs[0].bold
    assert any(p.text.startswith("Số:") and p.text.endswith("/BC-CĐSQG") for p in issuer.paragraphs)
    motto = [p for p in nation.paragraphs if p.text]
    assert [p.text for p in motto] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Hà Nội, ngày 30 tháng 6 năm 2024",
    ]
    assert motto[0].runs[0].bold and Pt(12) <= motto[0].runs[0].font.size <= Pt(13)
    assert motto[1].runs[0].bold and Pt(13) <= motto[1].runs[0].font.size <= Pt(14)
    assert motto[2].runs[0].italic
    assert _has_rule(nation) and _has_rule(issuer)

    body = docs.body_paragraphs(document)
    title = next(p for p in document.paragraphs if p.text == "BÁO CÁO")
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER and title.runs[0].bold
    assert body[1].startswith("Kết quả thực hiện 12 nhiệm vụ") and "đến ngày 30/06/2024" in body[1]
    headings = [p for p in body if p[:3] in ("I. ", "II.")]
    assert headings == ["I. Kết quả chung", "II. Kết quả theo từng nhiệm vụ"]
    text = next(p for p in document.paragraphs if p.text.startswith("Tổng số lượt giao"))
    assert text.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert text.paragraph_format.first_line_indent > 0

    assert [c.text for c in by_group.rows[0].cells][:2] == ["Nhóm", "Số lượt giao"]
    assert [r.cells[0].text for r in by_group.rows[1:]] == ["Bộ, ngành", "Địa phương", "Tổng cộng"]
    catalogue = next(r for r in by_task.rows if "dữ liệu dùng chung" in r.cells[1].text)
    assert catalogue.cells[3].text.startswith("17 bộ, ngành và 54/63 địa phương")
    # Every task's rate carries its basis: never a bare "100,00%" beside 54 of 63.
    rates = [r.cells[7].text for r in by_task.rows[1:]]
    assert rates and all("trên" in rate or rate == "chưa đến hạn" for rate in rates)
    assert by_group.rows[0].cells[-1].text == "Tỷ lệ hoàn thành (trên số đã đến hạn)"

    recipients, signer = signature.rows[0].cells
    lines = [p for p in recipients.paragraphs if p.text]
    assert lines[0].text == "Nơi nhận:" and lines[0].runs[0].bold and lines[0].runs[0].italic
    assert lines[0].runs[0].font.size == Pt(12)
    assert lines[1].text == "- Như trên;" and lines[-1].text == "- Lưu: VT, CĐSQG."
    assert all(line.runs[0].font.size == Pt(11) for line in lines[1:])
    signed = [p for p in signer.paragraphs if p.text]
    assert signed[0].text == "CỤC TRƯỞNG" and signed[0].runs[0].bold


def _has_rule(cell) -> bool:
    """Return whether the cell draws a line (a paragraph border: the decree's short rules)."""
    return any(
        p._p.pPr is not None and p._p.pPr.find(qn("w:pBdr")) is not None for p in cell.paragraphs
    )


def test_the_settings_name_the_issuer_and_the_signer(app, client, demo):
    app.config.update(
        REPORT_ISSUER="Sở Khoa học và Công nghệ",
        REPORT_ISSUER_CODE="SKHCN",
        REPORT_PLACE="Đà Nẵng",
        REPORT_SIGNER_TITLE="KT. Giám đốc\nPhó Giám đốc",
        REPORT_SIGNER_NAME="Nguyễn Văn An",
        REPORT_RECIPIENTS=("UBND thành phố",),
    )
    docs.sign_in(client)
    document = docs.open_docx(client.get("/reports/?as_of=05/01/2024&format=docx").data)
    header, *_tables, signature = document.tables
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in docs.cell_text(header.rows[0].cells[0])
    assert "Đà Nẵng, ngày 05 tháng 01 năm 2024" in docs.cell_text(header.rows[0].cells[1])
    recipients, signer = (docs.cell_text(c) for c in signature.rows[0].cells)
    assert "- UBND thành phố;" in recipients and "- Lưu: VT, SKHCN." in recipients
    assert [line for line in signer.split("\n") if line] == [
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Nguyễn Văn An",
    ]


def test_an_english_reader_gets_the_document_in_english(app, settings, client):
    docs.load(app, settings, english=docs.COORDINATOR)
    docs.sign_in(client)
    document = docs.open_docx(client.get(docs.PROGRAMME_DOCX).data)
    nation = docs.cell_text(document.tables[0].rows[0].cells[1])
    assert "SOCIALIST REPUBLIC OF VIET NAM" in nation
    assert "Independence - Freedom - Happiness" in nation
    assert "Ha Noi, 30 June 2024" in nation
    assert "No.:" in docs.cell_text(document.tables[0].rows[0].cells[0])
    body = docs.body_paragraphs(document)
    assert "REPORT" in body and "I. Overall results" in body
    assert "Recipients:" in docs.cell_text(document.tables[-1].rows[0].cells[0])


def test_the_edited_narrative_downloads_as_numbered_parts(client, demo):
    docs.sign_in(client)
    text = docs.narrative_text(client)
    assert "17 bộ, ngành và 54/63 địa phương" in text
    edited = text.replace("Tổng số lượt giao", "Đã sửa: tổng số lượt giao", 1)
    response = docs.narrative_docx(client, edited)
    assert response.status_code == 200 and response.mimetype == DOCX
    assert "2024-06-30.docx" in unquote(response.headers["Content-Disposition"])
    document = docs.open_docx(response.data)
    body = docs.body_paragraphs(document)
    assert body[0] == "BÁO CÁO" and body[1] == text.split("\n\n")[0]
    assert body[2] == "I. Kết quả chung" and body[3].startswith("Đã sửa: tổng số lượt giao")
    assert body[4] == "II. Kết quả theo từng nhiệm vụ"
    assert body[5].startswith("1. ") and body[6].startswith("2. ")
    assert any("17 bộ, ngành và 54/63 địa phương" in p for p in body)
    assert "ngày 30 tháng 6 năm 2024" in docs.cell_text(document.tables[0].rows[0].cells[1])


def test_an_english_narrative_is_laid_out_in_english(client, demo):
    docs.sign_in(client)
    document = docs.open_docx(docs.narrative_docx(client, "Heading\n\nAll done.", lang="en").data)
    assert docs.body_paragraphs(document)[:4] == [
        "REPORT",
        "Heading",
        "I. Overall results",
        "All done.",
    ]
    assert "SOCIALIST REPUBLIC OF VIET NAM" in docs.cell_text(document.tables[0].rows[0].cells[1])


def test_an_empty_narrative_is_refused_and_nothing_is_downloaded(client, demo):
    docs.sign_in(client)
    response = docs.narrative_docx(client, "")
    assert response.status_code == 400
    assert response.mimetype == "text/html" and "Văn bản đang để trống." in response.get_data(
        as_text=True
    )


def test_focal_points_get_no_report_document(client, demo):
    docs.sign_in(client, "dm.ha-noi@example.org")
    assert client.get(docs.PROGRAMME_DOCX).status_code == 403
    assert docs.narrative_docx(client, "Heading\n\nText").status_code == 403


def test_the_report_pages_offer_the_document(client, demo):
    docs.sign_in(client)
    page = client.get("/reports/?as_of=30/06/2024").get_data(as_text=True)
    assert "format=docx" in page and "Tải DOCX" in page
    assert "Tải DOCX" in client.get("/reports/narrative?as_of=30/06/2024").get_data(as_text=True)
