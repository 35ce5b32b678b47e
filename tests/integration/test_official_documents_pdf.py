"""LibreOffice opens the demo's report documents as of 30/06/2024 and prints the seed's
figures under the decree's header: one conversion of both files for the whole suite."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import unicodedata
import zipfile

import pytest
from support import documents as docs

SOFFICE = shutil.which("soffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui",
)

# Converted text by the documents' content: the second backend's documents say the same,
# so LibreOffice runs once whichever backends the suite covers.
_CONVERTED: dict[str, dict[str, str]] = {}


def _content_key(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name, content in sorted(files.items()):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            digest.update(name.encode() + archive.read("word/document.xml"))
    return digest.hexdigest()


def _pdf_text(files: dict[str, bytes], tmp_path_factory) -> dict[str, str]:
    """Return the text LibreOffice prints for each DOCX file, converting them in one run."""
    key = _content_key(files)
    if key not in _CONVERTED:
        from pypdf import PdfReader

        folder = tmp_path_factory.mktemp("soffice")
        paths = []
        for name, content in files.items():
            (folder / f"{name}.docx").write_bytes(content)
            paths.append(str(folder / f"{name}.docx"))
        profile = (folder / "profile").as_uri()  # parallel runs must not share a profile
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(folder / "pdf"),
                *paths,
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        _CONVERTED[key] = {
            name: unicodedata.normalize(
                "NFC",
                "\n".join(
                    p.extract_text() for p in PdfReader(folder / "pdf" / f"{name}.pdf").pages
                ),
            )
            for name in files
        }
    return _CONVERTED[key]


@pytest.fixture
def converted(app, settings, client, tmp_path_factory):
    docs.load(app, settings)
    docs.sign_in(client)
    programme = client.get(docs.PROGRAMME_DOCX)
    narrative = docs.narrative_docx(client, docs.narrative_text(client))
    assert programme.status_code == narrative.status_code == 200
    return _pdf_text({"programme": programme.data, "narrative": narrative.data}, tmp_path_factory)


def _words(text: str) -> str:
    """Return the text with line breaks as spaces: PDF text wraps where the page did."""
    return " ".join(text.split())


def test_libreoffice_prints_the_header_title_and_the_seeds_figures(converted):
    for name in ("programme", "narrative"):
        text = _words(converted[name])
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text, name
        assert "Độc lập - Tự do - Hạnh phúc" in text, name
        assert "Hà Nội, ngày 30 tháng 6 năm 2024" in text, name
        assert "BÁO CÁO" in text and "Nơi nhận:" in text and "CỤC TRƯỞNG" in text, name
        assert "Số: /BC-CĐSQG" in text, name
    narrative = _words(converted["narrative"])
    assert (
        "17 bộ, ngành và 54/63 địa phương đã ban hành danh mục cơ sở dữ liệu dùng chung"
        in narrative
    )
    assert "còn 15 bộ, ngành, địa phương chưa hoàn thành" in narrative
    programme = _words(converted["programme"])
    assert "I. Kết quả chung" in programme and "II. Kết quả theo từng nhiệm vụ" in programme
    assert "Tổng số lượt giao nhiệm vụ cho các đơn vị: 671" in programme
