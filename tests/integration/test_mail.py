"""Email through a real SMTP server: languages, Vietnamese headers, batches, failures, TLS."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass

import pytest

from tracker import mail
from tracker.mail import MailError, Recipient


@pytest.fixture
def smtp(app, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    return smtp_server


@dataclass
class Invited:
    email: str
    name: str
    language: str
    role: str = "coordinator"
    unit: object = None


class _Collector:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _reset_message(recipient, url="http://example.org/x"):
    from datetime import UTC, datetime

    return mail.compose(
        "password_reset",
        recipient,
        "Reset your password",
        url=url,
        hours=2,
        expires_at=datetime(2024, 7, 1, 3, 0, tzinfo=UTC),
    )


def test_a_message_arrives_with_vietnamese_headers_intact(ctx, smtp):
    ctx.config["SITE_NAME"] = "Theo dõi nhiệm vụ chuyển đổi số"
    recipient = Recipient("huong@example.org", "Nguyễn Thị Hương", "en")
    outcomes = mail.send([_reset_message(recipient)])
    assert [o.ok for o in outcomes] == [True]
    (received,) = smtp.messages
    assert received["Subject"] == "[Theo dõi nhiệm vụ chuyển đổi số] Reset your password"
    assert received["To"].addresses[0].display_name == "Nguyễn Thị Hương"
    assert received["To"].addresses[0].addr_spec == "huong@example.org"
    # On the wire the headers are RFC 2047 encoded words, not raw 8-bit bytes.
    headers = smtp.envelopes[0].content.split(b"\r\n\r\n", 1)[0]
    assert headers.isascii() and b"=?utf-8?" in headers


def test_text_and_html_parts_are_rendered_in_the_recipients_language(ctx, smtp):
    from datetime import UTC, datetime

    people = [
        Invited("vi@example.org", "Người Việt", "vi"),
        Invited("en@example.org", "English reader", "en"),
    ]
    expires_at = datetime(2024, 7, 4, tzinfo=UTC)
    mail.send(
        [
            mail.compose("invitation", p, "Your account", url="x", hours=72, expires_at=expires_at)
            for p in people
        ]
    )
    vi, en = smtp.messages
    assert "Cán bộ điều phối" in vi.get_body(("plain",)).get_content()
    assert "Cán bộ điều phối" in vi.get_body(("html",)).get_content()
    assert "Coordinator" in en.get_body(("plain",)).get_content()
    assert "Cán bộ điều phối" not in en.get_body(("html",)).get_content()
    # 04/07/2024 07:00 in Vietnam time, whatever the language.
    assert "04/07/2024 07:00" in en.get_body(("plain",)).get_content()


def test_a_batch_uses_one_session_and_reports_each_refusal(ctx, smtp):
    messages = [
        _reset_message(Recipient("a@example.org", "A", "en")),
        _reset_message(Recipient("reject-me@example.org", "B", "en")),
        _reset_message(Recipient("c@example.org", "C", "en")),
    ]
    outcomes = mail.send(messages)
    assert [o.ok for o in outcomes] == [True, False, True]
    assert "550" in outcomes[1].error
    assert [m["To"].addresses[0].addr_spec for m in smtp.messages] == [
        "a@example.org",
        "c@example.org",
    ]
    assert len(set(smtp.peers)) == 1


def test_an_unreachable_server_raises_and_sends_nothing(ctx):
    ctx.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())
    with pytest.raises(MailError):
        mail.send([_reset_message(Recipient("a@example.org", "A", "en"))])


def test_a_silent_server_times_out_instead_of_hanging(ctx):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts connections but never greets
    try:
        ctx.config.update(
            MAIL_SERVER="127.0.0.1", MAIL_PORT=listener.getsockname()[1], MAIL_TIMEOUT=0.5
        )
        started = time.monotonic()
        with pytest.raises(MailError):
            mail.send([_reset_message(Recipient("a@example.org", "A", "en"))])
        assert time.monotonic() - started < 5
    finally:
        listener.close()


def test_suppressed_sending_delivers_nothing_and_reports_success(ctx, smtp):
    ctx.config["MAIL_SUPPRESS_SEND"] = True
    outcomes = mail.send([_reset_message(Recipient("a@example.org", "A", "en"))])
    assert [o.ok for o in outcomes] == [True]
    assert smtp.messages == []


def test_links_are_built_from_the_configured_base_url(app):
    app.config["BASE_URL"] = "https://cds.example.gov.vn/tracker"
    with app.test_request_context("/", base_url="http://attacker.example/"):
        url = mail.link("account.reset_password", token="abc")
    assert url == "https://cds.example.gov.vn/tracker/password/reset/abc"


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


def test_tls_certificates_are_verified(ctx, tls_server):
    inbox, port, cert = tls_server
    ctx.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_SSL=True)
    with pytest.raises(MailError, match=r"(?i)certificate verify failed"):
        mail.send([_reset_message(Recipient("a@example.org", "A", "en"))])
    assert inbox.messages == []
    ctx.config["MAIL_CA_FILE"] = str(cert)
    assert mail.send([_reset_message(Recipient("a@example.org", "A", "en"))])[0].ok
    assert len(inbox.messages) == 1


def test_a_message_with_a_very_long_line_is_accepted_and_arrives_whole(app, smtp_server):
    from flask_mail import Message

    from tracker import mail

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    long_line = "Lý do trả lại: " + "thiếu chữ ký số của lãnh đạo đơn vị; " * 100
    with app.app_context():
        message = Message(
            subject="Dòng dài", recipients=["dm@example.org"], body=long_line,
            html=f"<p>{long_line}</p>", sender="tracker@example.org",
        )  # fmt: skip
        assert mail.send([message])[0].ok
    received = smtp_server.messages[0]
    assert received.get_body(preferencelist=("plain",)).get_content().strip() == long_line.strip()
