"""The embedded mode's mail catcher keeps what it receives where administrators read it."""

from __future__ import annotations

from email.message import EmailMessage

from aiosmtpd.controller import Controller
from support.mailserver import free_port

from tracker.mail import SmtpSettings, Transport
from tracker.mailcatcher import _Keeper, read


def test_the_catcher_keeps_mail_in_a_folder_that_exists_empty(tmp_path):
    box = tmp_path / "mailbox"
    box.mkdir()
    assert read(box) == []
    port = free_port()
    controller = Controller(_Keeper(box), hostname="127.0.0.1", port=port,
                            server_hostname="127.0.0.1")  # fmt: skip
    controller.start()
    try:
        message = EmailMessage()
        message["From"], message["To"] = "tracker@example.org", "dm@example.org"
        message["Subject"] = "Nhắc việc: Tỉnh Lào Cai"
        message.set_content("Xin chào")
        transport = Transport(SmtpSettings("127.0.0.1", port)).open()
        try:
            assert transport.send(message).startswith("250")
        finally:
            transport.close()
    finally:
        controller.stop()
    ((_key, kept),) = read(box)
    assert kept["Subject"] == "Nhắc việc: Tỉnh Lào Cai"
    assert kept["X-Envelope-To"] == "dm@example.org"
