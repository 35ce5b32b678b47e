"""The demo's official documents as the browser downloads them, and their text."""

from __future__ import annotations

import io

from docx import Document
from sqlalchemy import select, update

from tracker.extensions import db
from tracker.models import User
from tracker.services.demo.load import load_demo

PASSWORD = "demo-2024"
COORDINATOR = "dieuphoi1@example.org"
PROGRAMME_DOCX = "/reports/?as_of=30/06/2024&format=docx"


def load(app, settings, *, english: str | None = None) -> None:
    """Load the demo; ``english``: that account reads the app in English."""
    with app.app_context():
        load_demo(password=PASSWORD, settings=settings)
        if english:
            db.session.execute(update(User).where(User.email == english).values(language="en"))
        db.session.commit()


def sign_in(client, email: str = COORDINATOR):
    return client.post("/login", data={"email": email, "password": PASSWORD})


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def narrative_docx(client, text: str, day: str = "2024-06-30", lang: str = "vi"):
    """Post the narrative form's DOCX button with ``text`` as the coordinator edited it."""
    data = {"text": text, "day": day, "lang": lang, "download_docx": "1"}
    return client.post("/reports/narrative/export", data=data)


def narrative_text(client) -> str:
    """Return the narrative the page writes for every task as of 30/06/2024."""
    import html
    import re

    page = client.get("/reports/narrative?as_of=30/06/2024").get_data(as_text=True)
    found = re.search(r'<textarea[^>]*id="text"[^>]*>(.*?)</textarea>', page, re.S)
    return html.unescape(found.group(1)).replace("\r\n", "\n").strip()


def open_docx(content: bytes):
    return Document(io.BytesIO(content))


def cell_text(cell) -> str:
    return "\n".join(p.text for p in cell.paragraphs)


def body_paragraphs(document) -> list[str]:
    """Return the text of the paragraphs outside tables, empty ones left out."""
    return [p.text for p in document.paragraphs if p.text.strip()]
