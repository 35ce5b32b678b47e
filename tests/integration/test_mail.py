"""Email through the outbox to a real SMTP server: every template arrives exactly as composed
(Vietnamese and English, diacritics at every folding position), in the recipient's language;
refusals, unreachable and silent servers, TLS."""

from __future__ import annotations

import dataclasses
import shutil
import socket
import ssl
import subprocess
import time
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from support.outbox import deliver, point_at

from tracker import mail
from tracker.domain.reminders.coordinators import CoordinatorDigest, OverdueItem
from tracker.domain.reminders.planning import AssignmentSnapshot, Audience, Notice
from tracker.extensions import db
from tracker.mail import Letter, MailError, Recipient, SmtpSettings, Transport
from tracker.models import EmailMessage
from tracker.services.notifications.items import Update
from tracker.services.outbox.queue import queue
from tracker.services.reminders import compose
from tracker.settings import Settings

NOW = datetime(2024, 9, 20, 0, 30, tzinfo=UTC)
LONG_SITE = "Hệ thống theo dõi nhiệm vụ chuyển đổi số quốc gia của Bộ Thông tin và Truyền thông"
LONG_UNIT = "Ủy ban nhân dân tỉnh Bà Rịa - Vũng Tàu (Sở Thông tin và Truyền thông)"
LONG_NAME = "Nguyễn Thị Ánh Tuyết, Phó Giám đốc Sở Thông tin và Truyền thông tỉnh Bà Rịa - Vũng Tàu"
LONG_SENDER = "Hệ thống theo dõi nhiệm vụ chuyển đổi số quốc gia, Cục Chuyển đổi số quốc gia"
TASK_TITLE = "Xây dựng kế hoạch cung cấp dữ liệu mở của cơ quan nhà nước năm 2024 – “đợt 2”"


@pytest.fixture
def smtp(app, smtp_server):
    point_at(app, smtp_server)
    return smtp_server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _settings(app) -> Settings:
    return Settings.from_config(app.config, app.instance_path)


def _queue(app, letters: list[Letter]) -> list[int]:
    ids = queue(letters, now=NOW, settings=_settings(app))
    db.session.commit()
    return ids


def _reset_letter(recipient: Recipient, url: str = "http://example.org/x") -> Letter:
    return mail.compose(
        "password_reset",
        recipient,
        "Reset your password",
        kind="password_reset",
        url=url,
        hours=2,
        expires_at=datetime(2024, 7, 1, 3, 0, tzinfo=UTC),
    )


# --- Every template, exactly as composed ----------------------------------------------------

TASKS = {
    1: SimpleNamespace(
        id=1,
        title=TASK_TITLE,
        deadline=date(2024, 9, 10),
        deadline_wording="trước ngày 10 tháng 9",
        source_document="Quyết định số 06/QĐ-TTg ngày 06/01/2022 của Thủ tướng Chính phủ",
    )
}
UNITS = {7: SimpleNamespace(id=7, name=LONG_UNIT), 8: SimpleNamespace(id=8, name="Bộ Y tế")}
NAMES = compose.Names(TASKS, UNITS)


def _notice(aid, stage, audience=Audience.FOCAL, unit=7, late=None, left=None, returned=None):
    return Notice(aid, 1, unit, stage, audience, date(2024, 9, 10), late, left, returned)


def _snapshot(aid, state, unit=7, submitted_on=None):
    return AssignmentSnapshot(aid, 1, unit, state, date(2024, 9, 10), None, submitted_on)


def _reminder_digest(to: Recipient) -> Letter:
    notices = [
        _notice(1, "overdue-6", late=10),
        _notice(2, "due", left=0),
        _notice(3, "before-3", left=3),
        _notice(4, "returned-20240918", late=10, returned=date(2024, 9, 18)),
    ]
    return compose.reminder(to, notices, NAMES)


def _escalation(to: Recipient) -> Letter:
    notices = [_notice(1, "escalation", Audience.HEAD, late=10)]
    return compose.reminder(to, notices, NAMES)


def _coordinator_digest(to: Recipient) -> Letter:
    digest = CoordinatorDigest(
        overdue=(OverdueItem(_snapshot(1, "in_progress"), 10),),
        awaiting_confirmation=(_snapshot(5, "submitted", 8, date(2024, 9, 18)),),
        unreachable=(_notice(6, "before-3", unit=8, left=3),),
        escalated=(_notice(1, "escalation", Audience.HEAD, late=10),),
    )
    extensions = [compose.PendingExtension(1, date(2024, 10, 15), "Chờ ý kiến của Bộ Tài chính")]
    own = [_notice(7, "escalation", Audience.HEAD, unit=8, late=12)]
    return compose.daily_digest(to, digest, extensions, date(2024, 9, 20), NAMES, own=own)


def _weekly_summary(to: Recipient) -> Letter:
    counts = SimpleNamespace(completed=3, applicable=63, open_overdue=12)
    by_task = {1: {"central": counts, "local": counts}}
    return compose.weekly_summary(to, 1, list(TASKS.values()), by_task, date(2024, 9, 16))


def _account(template: str):
    def letter(to: Recipient) -> Letter:
        return mail.compose(
            template,
            to,
            "Your account" if template == "invitation" else "Reset your password",
            kind=template,
            url="http://127.0.0.1:5000/password/reset/" + "x" * 43,
            hours=72,
            expires_at=datetime(2024, 9, 23, 0, 30, tzinfo=UTC),
            role="focal_point",
            unit_name=LONG_UNIT,
        )

    return letter


def _notifications(to: Recipient) -> Letter:
    def update(number: int, kind: str, **facts) -> Update:
        return Update(
            id=number,
            user_id=1,
            kind=kind,
            created_at=NOW,
            facts=facts,
            task_id=1,
            task_title=TASK_TITLE,
            assignment_id=number,
            unit_name=LONG_UNIT,
            actor_name=LONG_NAME,
            url=f"http://127.0.0.1:5000/assignments/{number}",
        )

    updates = [
        update(1, "assigned", role="lead", due=date(2024, 9, 30)),
        update(2, "returned", reason="Thiếu biểu mẫu 02; đề nghị bổ sung " + "số liệu " * 40),
        update(3, "extension_decided", approved=True, new=date(2024, 10, 15), note="Đồng ý"),
        update(4, "due_changed", old=date(2024, 9, 30), new=date(2024, 10, 31), note=""),
    ]
    return mail.compose(
        "notifications",
        to,
        "4 cập nhật: nhiệm vụ được giao, báo cáo bị trả lại",
        kind="notification",
        updates=updates,
        digest=False,
        preferences_url="http://127.0.0.1:5000/account/notifications",
    )


LETTERS = {
    "reminder_digest": _reminder_digest,
    "escalation": _escalation,
    "coordinator_digest": _coordinator_digest,
    "weekly_summary": _weekly_summary,
    "invitation": _account("invitation"),
    "password_reset": _account("password_reset"),
    "notifications": _notifications,
}
TEMPLATES = Path(__file__).parents[2] / "tracker" / "templates" / "email"
# A Vietnamese word one byte longer at each shift moves every later byte across every
# position of an encoded word (at most 47 bytes of text in 75 characters) and every word
# across the places where the header is folded.
SHIFTS = range(0, 48)


def test_every_email_template_has_a_round_trip_case():
    templates = {p.stem for p in TEMPLATES.glob("*.txt") if not p.name.startswith("_")}
    assert templates == set(LETTERS), "add a composing case to LETTERS for each template"


def _body(message, kind: str) -> str:
    return message.get_body((kind,)).get_content().replace("\r\n", "\n")


def _as_composed(text: str) -> str:
    """Return a body as MIME carries it: line ends as LF, ending with one."""
    text = text.replace("\r\n", "\n")
    return text if text.endswith("\n") else text + "\n"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_template_arrives_exactly_as_composed(app, smtp, language):
    app.config["MAIL_DEFAULT_SENDER"] = f'"{LONG_SENDER}" <tracker@example.org>'
    cases = []
    with app.app_context():
        for template, make in LETTERS.items():
            for shift in SHIFTS:
                app.config["SITE_NAME"] = "Đ" + "x" * shift + " " + LONG_SITE
                name = "Đ" + "x" * shift + " " + LONG_NAME
                to = Recipient(f"{template}.{shift}@example.org", name, language)
                # The log's links to a unit or user are beside the point here.
                cases.append(dataclasses.replace(make(to), unit_id=None, user_id=None))
        ids = _queue(app, cases)
        stored = {
            row.message_id: (letter, row.headers)
            for letter, row in zip(
                cases,
                db.session.scalars(
                    select(EmailMessage).where(EmailMessage.id.in_(ids)).order_by(EmailMessage.id)
                ),
                strict=True,
            )
        }
    report = deliver(app)
    assert (report.sent, report.retrying, report.failed) == (len(cases), 0, 0)
    assert len(smtp.envelopes) == len(cases)
    # The server parsed each message with email.policy.default; parallel connections deliver
    # in any order, so each is matched to its letter by its Message-ID.
    assert {got["Message-ID"] for got in smtp.messages} == set(stored)
    for envelope, got in zip(smtp.envelopes, smtp.messages, strict=True):
        assert max(len(line) for line in envelope.content.split(b"\r\n")) <= 998
        letter, headers = stored[got["Message-ID"]]
        assert envelope.rcpt_tos == [letter.to.email]
        assert str(got["Subject"]) == letter.subject
        assert LONG_SITE in letter.subject
        (sender,) = got["From"].addresses
        assert (sender.display_name, sender.addr_spec) == (LONG_SENDER, "tracker@example.org")
        (to,) = got["To"].addresses
        assert (to.display_name, to.addr_spec) == (letter.to.name, letter.to.email)
        assert got["Auto-Submitted"] == "auto-generated"
        assert str(got["List-Id"]) == headers["List-Id"]
        assert got["List-Unsubscribe"] == headers["List-Unsubscribe"]
        assert _body(got, "plain") == _as_composed(letter.text)
        assert _body(got, "html") == _as_composed(letter.html)


def test_the_list_headers_point_at_the_site_and_the_preferences(app, smtp):
    app.config["BASE_URL"] = "https://cds.example.gov.vn/tracker"
    with app.app_context():
        _queue(app, [_reset_letter(Recipient("a@example.org", "Ánh", "vi"))])
    deliver(app)
    (got,) = smtp.messages
    assert str(got["List-Id"]) == "Theo dõi nhiệm vụ chuyển đổi số <tracker.example.org>"
    assert got["List-Unsubscribe"] == "<https://cds.example.gov.vn/tracker/account/notifications>"
    headers = smtp.envelopes[0].content.split(b"\r\n\r\n", 1)[0]
    assert headers.isascii() and b"=?utf-8?" in headers


def test_text_and_html_parts_are_rendered_in_the_recipients_language(app, smtp):
    make = _account("invitation")
    with app.app_context():
        _queue(
            app,
            [
                make(Recipient("vi@example.org", "Người Việt", "vi")),
                make(Recipient("en@example.org", "English reader", "en")),
            ],
        )
    deliver(app)
    by_address = {m["To"].addresses[0].addr_spec: m for m in smtp.messages}
    vi, en = by_address["vi@example.org"], by_address["en@example.org"]
    assert "Đầu mối" in _body(vi, "plain") and "Đầu mối" in _body(vi, "html")
    assert "Focal point" in _body(en, "plain")
    assert "Đầu mối" not in _body(en, "html")
    # 23/09/2024 07:30 in Vietnam time, whatever the language.
    assert "23/09/2024 07:30" in _body(en, "plain")


def test_reminders_name_units_in_english_for_english_readers(app, smtp):
    health = SimpleNamespace(id=8, name="Bộ Y tế", name_en="Ministry of Health")
    named = compose.Names(TASKS, {8: health})
    notices = [_notice(1, "overdue-6", unit=8, late=10)]
    with app.app_context():
        letters = [
            compose.reminder(Recipient("en@example.org", "Reader", "en"), notices, named),
            compose.reminder(Recipient("vi@example.org", "Người đọc", "vi"), notices, named),
        ]
        # No unit 8 in this database for the log to link to.
        _queue(app, [dataclasses.replace(letter, unit_id=None) for letter in letters])
    deliver(app)
    by_address = {m["To"].addresses[0].addr_spec: m for m in smtp.messages}
    en, vi = by_address["en@example.org"], by_address["vi@example.org"]
    assert "Ministry of Health" in str(en["Subject"]) and "Bộ Y tế" not in str(en["Subject"])
    assert "Ministry of Health" in _body(en, "plain") and "Bộ Y tế" not in _body(en, "html")
    assert "Bộ Y tế" in str(vi["Subject"]) and "Ministry of Health" not in _body(vi, "plain")


def test_the_date_header_arrives_in_the_programmes_time_zone(app, smtp):
    with app.app_context():
        _queue(app, [_reset_letter(Recipient("en@example.org", "English reader", "en"))])
    deliver(app)
    (got,) = smtp.messages
    sent = got["Date"].datetime
    # Queued at 00:30 UTC on 20/09/2024: 07:30 in Hà Nội, and the header says so (+0700),
    # so a mail client shows the programme's time rather than "+0000".
    assert sent.utcoffset().total_seconds() == 7 * 3600
    assert (sent.day, sent.month, sent.hour, sent.minute) == (20, 9, 7, 30)
    assert "+0700" in str(got["Date"]) and "+0000" not in str(got["Date"])


def test_a_refused_recipient_fails_for_good_and_the_others_arrive(app, smtp):
    with app.app_context():
        _queue(
            app,
            [
                _reset_letter(Recipient("a@example.org", "A", "en")),
                _reset_letter(Recipient("reject-me@example.org", "B", "en")),
                _reset_letter(Recipient("c@example.org", "C", "en")),
            ],
        )
    report = deliver(app)
    assert (report.sent, report.failed) == (2, 1)
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.messages) == [
        "a@example.org",
        "c@example.org",
    ]
    with app.app_context():
        refused = db.session.scalar(select(EmailMessage).where(EmailMessage.state == "failed"))
        assert refused.to == "reject-me@example.org" and "550" in refused.error


def test_an_unreachable_server_leaves_the_email_queued_without_spending_an_attempt(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())
    with app.app_context():
        _queue(app, [_reset_letter(Recipient("a@example.org", "A", "en"))])
    report = deliver(app)
    assert (report.sent, report.retrying, report.failed, report.unreachable) == (0, 0, 0, 1)
    with app.app_context():
        row = db.session.scalar(select(EmailMessage))
        assert row.state == "pending" and row.attempts == 0 and row.error


def test_a_silent_server_times_out_instead_of_hanging(app):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts connections but never greets
    try:
        app.config.update(
            MAIL_SERVER="127.0.0.1", MAIL_PORT=listener.getsockname()[1], MAIL_TIMEOUT=0.5
        )
        started = time.monotonic()
        with pytest.raises(MailError):
            Transport(SmtpSettings.from_config(app.config)).open()
        assert time.monotonic() - started < 5
    finally:
        listener.close()


def test_links_are_built_from_the_configured_base_url(app):
    app.config["BASE_URL"] = "https://cds.example.gov.vn/tracker"
    with app.test_request_context("/", base_url="http://attacker.example/"):
        url = mail.link("account.reset_password", token="abc")
    assert url == "https://cds.example.gov.vn/tracker/password/reset/abc"


class _Collector:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def tls_server(tmp_path):
    """An SMTP server speaking implicit TLS with a self-signed certificate."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    from aiosmtpd.controller import Controller

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = _Collector()
    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        server_hostname="127.0.0.1",
        ssl_context=context,
    )
    controller.start()
    try:
        yield inbox, port, cert
    finally:
        controller.stop()


def test_tls_certificates_are_verified(app, tls_server):
    inbox, port, cert = tls_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_SSL=True)
    with app.app_context():
        _queue(app, [_reset_letter(Recipient("a@example.org", "A", "en"))])
    first = deliver(app)
    assert first.unreachable == 1 and inbox.messages == []
    with app.app_context():
        assert "certificate verify failed" in db.session.scalar(select(EmailMessage.error)).lower()
    app.config["MAIL_CA_FILE"] = str(cert)
    assert deliver(app, datetime(2100, 1, 1, tzinfo=UTC)).sent == 1
    assert len(inbox.messages) == 1


def test_a_message_with_a_very_long_line_arrives_whole(app, smtp):
    long_line = "Lý do trả lại: " + "thiếu chữ ký số của lãnh đạo đơn vị; " * 100
    letter = Letter(
        "notification",
        Recipient("dm@example.org", "Đầu mối", "vi"),
        "Dòng dài",
        long_line,
        f"<p>{long_line}</p>",
    )
    with app.app_context():
        _queue(app, [letter])
    deliver(app)
    (raw,) = [e.content for e in smtp.envelopes]
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    received = smtp.messages[0]
    assert _body(received, "plain") == long_line + "\n"
    assert _body(received, "html") == f"<p>{long_line}</p>\n"


def test_a_training_sandbox_sends_nothing_and_says_so_in_the_log(app, smtp):
    app.config["MAIL_SUPPRESS_SEND"] = True
    with app.app_context():
        (email_id,) = _queue(app, [_reset_letter(Recipient("a@example.org", "Ánh", "vi"))])
    assert deliver(app).sent == 1
    assert smtp.envelopes == []
    with app.app_context():
        row = db.session.get(EmailMessage, email_id)
        assert (row.state, row.reply) == ("sent", mail.SUPPRESSED_REPLY)
