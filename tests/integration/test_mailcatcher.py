"""The embedded mode's mail catcher keeps what it receives where administrators read it."""

from __future__ import annotations

from aiosmtpd.controller import Controller
from support.mailserver import free_port

from tracker.mail import Outgoing, SmtpSettings, Transport
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
        message = Outgoing(
            "tracker@example.org",
            ("dm@example.org",),
            b"From: tracker@example.org\r\nTo: dm@example.org\r\n"
            b"Subject: =?utf-8?b?Tmjhuq9jIHZp4buHYzogVOG7iW5oIEzDoG8gQ2Fp?=\r\n"
            b"\r\nXin chao\r\n",
        )
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
