"""A local SMTP server for the embedded mode: it keeps every message in a Maildir that
administrators read in the app (/mailbox) instead of delivering anything."""

from __future__ import annotations

import mailbox
import threading
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller


class _Keeper:
    def __init__(self, directory: Path) -> None:
        # Maildir(create=True) makes tmp/new/cur only when the folder itself is missing; an
        # existing empty folder (made by hand, or by a deployment tool) would fail at the
        # first message.
        for part in ("tmp", "new", "cur"):
            (directory / part).mkdir(parents=True, exist_ok=True)
        self.box = mailbox.Maildir(directory, create=False)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.box.add(message)
        return "250 Message kept"


def serve(directory: Path, host: str, port: int) -> None:
    """Accept mail on host:port until interrupted, keeping it in ``directory``."""
    controller = Controller(_Keeper(directory), hostname=host, port=port, server_hostname=host)
    controller.start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


def read(directory: Path, limit: int = 200) -> list[tuple[str, object]]:
    """Return (key, parsed message) for the newest kept messages first, at most ``limit``."""
    if not (directory / "cur").is_dir() or not (directory / "new").is_dir():
        return []
    box = mailbox.Maildir(directory, create=False)
    keys = sorted(box.keys())[-limit:]  # Maildir keys begin with the delivery time
    messages = []
    for key in reversed(keys):
        with box.get_file(key) as f:
            messages.append((key, message_from_bytes(f.read(), policy=policy.default)))
    return messages
