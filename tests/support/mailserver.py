"""A real SMTP server (aiosmtpd) in a thread of the test process, recording what arrives:
the receiving side of the outbox tests.

Addresses starting with ``reject`` are refused for good (550), those starting with
``later`` for now (451). ``data_reply`` makes the server refuse every message after its
data (e.g. ``"451 4.3.0 Busy"``). ``delay`` seconds pass between receiving a message's data
and answering it: the message counts as arrived as soon as its data is in (as a relay that
queued it and is slow to say so), which is the worst case for a sender killed meanwhile.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]*>)", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Arrival:
    """One message as the server received it."""

    message_id: str
    rcpt_tos: tuple[str, ...]
    peer: tuple  # the client's address: one per SMTP session
    at: float  # time.monotonic() when its data was in


def free_port() -> int:
    """Return a TCP port nothing listens on (the controller's readiness probe cannot use 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class MailServer:
    delay: float = 0.0
    data_reply: str | None = None
    on_arrival: Callable[[int], None] | None = None  # called with the count of arrivals
    port: int = field(default_factory=free_port)
    arrivals: list[Arrival] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 Mailbox unavailable"
        if address.lower().startswith("later"):
            return "451 4.2.0 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply is not None:
            return self.data_reply
        head = envelope.content.partition(b"\r\n\r\n")[0]
        found = _MESSAGE_ID.search(head)
        arrival = Arrival(
            message_id=found.group(1).decode() if found else "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            peer=tuple(session.peer),
            at=time.monotonic(),
        )
        with self._lock:
            self.arrivals.append(arrival)
            count = len(self.arrivals)
        if self.on_arrival is not None:
            self.on_arrival(count)
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 2.0.0 Queued"

    def start(self) -> MailServer:
        self._controller = Controller(
            self, hostname="127.0.0.1", port=self.port, server_hostname="127.0.0.1"
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> MailServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def received(self) -> list[Arrival]:
        """Return a copy of what arrived so far."""
        with self._lock:
            return list(self.arrivals)

    def by_recipient(self) -> dict[str, list[Arrival]]:
        """Return the arrivals for each envelope recipient."""
        found: dict[str, list[Arrival]] = {}
        for arrival in self.received():
            for address in arrival.rcpt_tos:
                found.setdefault(address, []).append(arrival)
        return found
