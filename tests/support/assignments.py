"""Two units sharing a task, with evidence, for the assignment and evidence HTTP tests."""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import date

from sqlalchemy import func, select

from support.people import office
from support.units import hanoi_city, hue_province
from tracker.extensions import db
from tracker.models import Assignment, Event, Evidence, EvidenceFile

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def assignment_world(make):
    hanoi, hue = hanoi_city(make), hue_province(make)
    task = make.task(
        title="Ban hành kế hoạch CĐS", deadline=date(2024, 7, 5), source_document="KH 2024"
    )
    ours = make.assignment(task, hanoi)
    theirs = make.assignment(task, hue, state="submitted", submitted_on=date(2024, 6, 20))
    evidence = Evidence(assignment_id=theirs.id, doc_number="9/BC-UBND", summary="Báo cáo Huế")
    evidence.files.append(
        EvidenceFile(filename="hue.pdf", stored_name="f" * 40, content_type="x", size=1, sha256="0")
    )
    db.session.add(evidence)
    db.session.flush()
    office(make, "coordinator", language="en", name="Điều phối")
    office(make, "viewer", language="en")
    make.user("focal_point", email="hn@example.org", unit_id=hanoi.id, language="en", name="Lan")
    make.user("focal_point", email="hue@example.org", unit_id=hue.id, language="en")
    return {"ours": ours.id, "theirs": theirs.id, "theirs_file": evidence.files[0].id}


def state(app, assignment_id):
    with app.app_context():
        return db.session.get(Assignment, assignment_id).state


def counts(app):
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Event, Evidence, EvidenceFile)
        )


def version(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def upload_folder_files(app) -> list[str]:
    folder = app.config["UPLOAD_FOLDER"]
    return [f for _, _, files in os.walk(folder) for f in files]
