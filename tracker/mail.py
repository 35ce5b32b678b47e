"""Email as the outbox stores it and as SMTP carries it.

- ``compose`` renders a template pair (text and HTML) in the recipient's language into a
  ``Letter``, the value services queue in the outbox;
- ``build`` turns a stored outbox row into the bytes SMTP carries (``Outgoing``): RFC 2047
  headers that decode to exactly what was composed, text and HTML alternatives in
  quoted-printable, no line over 998 characters, CRLF line ends;
- ``Transport`` is one SMTP connection (timeout, verified TLS) that sends built messages and
  returns the server's reply, telling a refusal of the message (``Refused``) from a broken
  connection (``MailError``).

Each language has its own overlay of the application's Jinja environment whose ``_`` and
``ngettext`` look in that language's catalog directly: a letter of a hundred lines makes
hundreds of such calls, and Flask-Babel's own callables look up the request, the locale and
the catalog on each. Jinja compiles each template once per process and language; composing a
letter only renders.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from base64 import b64encode
from binascii import b2a_qp
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime, make_msgid, parseaddr
from functools import lru_cache
from hashlib import sha1
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import force_locale, get_translations
from jinja2 import Environment, pass_eval_context
from markupsafe import Markup
from werkzeug.routing import MapAdapter


class MailError(Exception):
    """The mail server could not be reached or dropped the session: try again later."""


class Refused(Exception):
    """The server refused this message (``code`` 5xx: for good; 4xx: try again later)."""

    def __init__(self, code: int, reply: str) -> None:
        super().__init__(f"{code} {reply}")
        self.code, self.reply = code, reply

    @property
    def permanent(self) -> bool:
        """Return True when retrying cannot help (a 5xx reply)."""
        return 500 <= self.code < 600


@dataclass(frozen=True)
class Recipient:
    """Someone to write to, in their language (users qualify as they are)."""

    email: str
    name: str = ""
    language: str = "vi"

    @classmethod
    def of(cls, user) -> Recipient:
        """Return the recipient a user is (a plain value, safe beyond the session)."""
        return cls(email=user.email, name=user.name, language=user.language)


@dataclass(frozen=True)
class Letter:
    """One composed email, ready to be queued: of which kind, to whom, saying what.

    ``kind`` names it in the email log (reminder, escalation, digest, weekly, nudge,
    invitation, password_reset, notification...); ``unit_id`` and ``user_id`` say whom it
    concerns, for the log's filters.
    """

    kind: str
    to: Recipient
    subject: str
    text: str
    html: str
    cc: tuple[str, ...] = ()
    unit_id: int | None = None
    user_id: int | None = None


def compose(
    template: str,
    recipient: Recipient,
    subject,
    *,
    kind: str,
    cc: Sequence[str] = (),
    unit_id: int | None = None,
    user_id: int | None = None,
    **context,
) -> Letter:
    """Return a letter rendered from ``email/<template>.txt`` and ``.html`` in the
    recipient's language; ``subject`` (a lazy string, or anything whose ``str`` translates)
    is rendered the same way and prefixed with the site name. Templates see ``recipient``."""
    app = current_app._get_current_object()
    config = app.config
    language = recipient.language or config["BABEL_DEFAULT_LOCALE"]
    env = _environment(app, language)
    values = {"config": config, "recipient": recipient, **context}
    with force_locale(language):
        title = f"[{config['SITE_NAME']}] {subject}"
        text = env.get_template(f"email/{template}.txt").render(values)
        html = env.get_template(f"email/{template}.html").render(values)
    return Letter(
        kind=kind,
        to=recipient,
        subject=" ".join(title.split()),  # a header is one line, whatever a name holds
        text=text,
        html=html,
        cc=tuple(cc),
        unit_id=unit_id,
        user_id=user_id,
    )


T = TypeVar("T")


def _once(app: Flask, kind: str, key: str, make: Callable[[], T]) -> T:
    """Return what ``make()`` made for ``key`` among this application's ``kind`` of things,
    making it the first time."""
    made = app.extensions.setdefault(f"tracker.mail.{kind}", {})
    found = made.get(key)
    if found is None:
        found = made[key] = make()
    return found


def _catalog(language: str):
    with force_locale(language):
        return get_translations()


def _environment(app: Flask, language: str) -> Environment:
    """Return the application's Jinja environment for emails in ``language`` (made once):
    the same loader, filters and globals, with ``gettext`` and ``ngettext`` bound to the
    language's catalog (new-style, as Flask-Babel installs them: the translation is trusted
    markup and its variables are escaped in HTML)."""

    def make() -> Environment:
        catalog = _catalog(language)
        env = app.jinja_env.overlay(cache_size=100)
        env.globals = {
            **app.jinja_env.globals,
            "gettext": _gettext(catalog.gettext),
            "ngettext": _ngettext(catalog.ngettext),
        }
        # The globals are fixed from here on: each template gets a plain dict of them, not
        # Jinja's chain of dicts, which every macro import walks key by key.
        fixed = env.globals
        env.make_globals = lambda own: {**fixed, **own} if own else fixed
        return env

    return _once(app, "environments", language, make)


class Words:
    """A language's catalog for words composed in Python rather than in a template (the lines
    of a long reminder), remembering each translation it made: the same few numbers and
    dates recur in every letter of a sweep. Like the templates' ``_``, a translation is
    always a format string."""

    _MOST = 10_000  # remembered translations, then it starts over

    def __init__(self, catalog) -> None:
        self._catalog = catalog
        self._memo: dict[tuple, str] = {}

    def gettext(self, string: str, **variables) -> str:
        """Return ``string`` translated, with ``variables`` put in."""
        key = (string, *variables.items())
        found = self._memo.get(key)
        if found is None:
            found = self._remember(key, self._catalog.gettext(string) % variables)
        return found

    def ngettext(self, singular: str, plural: str, num: int, **variables) -> str:
        """Return the form for ``num`` translated, with ``num`` and ``variables`` put in."""
        key = (singular, num, *variables.items())
        found = self._memo.get(key)
        if found is None:
            variables.setdefault("num", num)
            found = self._catalog.ngettext(singular, plural, num) % variables
            self._remember(key, found)
        return found

    def _remember(self, key: tuple, value: str) -> str:
        if len(self._memo) >= self._MOST:
            self._memo.clear()
        self._memo[key] = value
        return value


def words(language: str) -> Words:
    """Return the catalog of ``language`` (``""``: the default) for words composed in
    Python, made once per application."""
    app = current_app._get_current_object()
    language = language or app.config["BABEL_DEFAULT_LOCALE"]
    return _once(app, "words", language, lambda: Words(_catalog(language)))


def _gettext(translate):
    @pass_eval_context
    def gettext(eval_ctx, string: str, **variables) -> str:
        found = translate(string)
        return (Markup(found) if eval_ctx.autoescape else found) % variables

    return gettext


def _ngettext(translate):
    @pass_eval_context
    def ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        found = translate(singular, plural, num)
        return (Markup(found) if eval_ctx.autoescape else found) % variables

    return ngettext


def link(endpoint: str, **values) -> str:
    """Return the absolute URL of ``endpoint`` under the configured BASE_URL (never the
    request's host, which a client can forge)."""
    return _adapter().build(endpoint, values, force_external=True)


def links(endpoint: str, name: str) -> Callable[[int], str]:
    """Return a function that makes ``link(endpoint, **{name: number})`` for any whole
    number, from one URL built here (building each of a sweep's thousands of links costs
    more than the rest of its line)."""
    marker = 987_654_321_987
    head, found, tail = link(endpoint, **{name: marker}).partition(str(marker))
    if not found or str(marker) in tail:
        raise ValueError(f"{endpoint} does not take {name} as a plain number")
    return lambda number: f"{head}{int(number)}{tail}"


def _adapter() -> MapAdapter:
    """Return the URL adapter bound to BASE_URL (made once per application and BASE_URL)."""
    app = current_app._get_current_object()
    base_url = app.config["BASE_URL"]

    def make() -> MapAdapter:
        base = urlsplit(base_url)
        return app.url_map.bind(
            base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme
        )

    return _once(app, "links", base_url, make)


def message_id(sender: str) -> str:
    """Return a new, globally unique ``Message-ID`` in the sender's domain."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return make_msgid(domain=domain)


def list_headers(site_name: str, sender: str, preferences_url: str) -> dict[str, str]:
    """Return the headers every email carries: automatic (RFC 3834, so auto-replies do not
    loop), the list it belongs to (RFC 2919), and where to change what one receives."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return {
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
        "List-Id": f"{site_name} <tracker.{domain}>",
        "List-Unsubscribe": f"<{preferences_url}>",
    }


class Stored:
    """What ``build`` reads of an outbox row (``tracker.models.EmailMessage`` has it all)."""

    sender: str
    to: str
    to_name: str
    cc: str
    subject: str
    message_id: str
    created_at: datetime
    headers: Mapping[str, str]
    body_text: str
    body_html: str


# Headers are encoded here, not by the standard library: its folder (Python 3.11) drops the
# space between encoded words it splits, which glues words together ("đổisố") in every
# mail reader.
_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")
_LONGEST_WORD = 75  # RFC 2047: an encoded word is at most 75 characters
_LINE = 78  # RFC 5322: lines should stay within 78 characters


def _encoded(text: str) -> str:
    return f"=?utf-8?b?{b64encode(text.encode()).decode('ascii')}?="


def _split_run(words: list[str]) -> list[str]:
    """Encode a run of words as encoded words of at most 75 characters, cut between words;
    the space between two encoded words is carried inside the first (whitespace between
    encoded words is ignored by readers, RFC 2047 section 6.2). A single word too long for
    one encoded word stays whole."""
    pieces: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and len(_encoded(candidate)) > _LONGEST_WORD:
            pieces.append(_encoded(current + " "))
            current = word
        else:
            current = candidate
    pieces.append(_encoded(current))
    return pieces


def encode_header(text: str, *, phrase: bool = False) -> str:
    """Return ``text`` as an RFC 2047 header value that every reader decodes back to it.

    Plain ASCII words stay as they are; each run of other words becomes encoded words. In a
    display name (``phrase``) a run is never cut: Python's own address parser keeps the
    space between adjacent encoded words, which RFC 2047 tells readers to drop, so the run
    is one encoded word (longer than 75 characters only for an unusually long name).
    Whitespace is collapsed: a header is one line of single-spaced words.
    """
    words = text.split()
    plain = (
        (lambda w: bool(_ATEXT.fullmatch(w)) and "=?" not in w)
        if phrase
        else (lambda w: w.isascii() and "=?" not in w)
    )
    tokens: list[str] = []
    run: list[str] = []
    for word in [*words, None]:
        if word is not None and not plain(word):
            run.append(word)
            continue
        if run:
            tokens.extend([_encoded(" ".join(run))] if phrase else _split_run(run))
            run = []
        if word is not None:
            tokens.append(word)
    return _fold(tokens)


def _fold(tokens: list[str]) -> str:
    lines: list[str] = []
    line = ""
    for token in tokens:
        if line and len(line) + 1 + len(token) > _LINE - 10:
            lines.append(line)
            line = token
        else:
            line = f"{line} {token}" if line else token
    lines.append(line)
    return "\r\n ".join(lines)


def encode_address(name: str, address: str) -> str:
    """Return ``Name <address>`` with the name encoded as ``encode_header`` does."""
    return f"{encode_header(name, phrase=True)} <{address}>" if name.strip() else address


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message ready for the wire: its envelope and its bytes (CRLF line ends)."""

    sender: str  # the envelope's sender address
    recipients: tuple[str, ...]  # To and Cc addresses
    data: bytes
    message_id: str = ""


@lru_cache(maxsize=64)
def _from(sender: str) -> tuple[str, bytes]:
    """Return a stored sender's envelope address and its From header line (a handful of
    senders per process: computed once each)."""
    name, address = parseaddr(sender)
    return address, f"From: {encode_address(name, address)}\r\n".encode()


@lru_cache(maxsize=64)
def _list_id(value: str) -> str:
    label, _, rest = value.rpartition(" <")
    return f"{encode_header(label, phrase=True)} <{rest}"


def _header_line(header: str, value: str) -> str:
    """Return one extra header (``Auto-Submitted``, ``List-Unsubscribe``...) as a line:
    short single-spaced ASCII as it is, anything else encoded and folded."""
    if header == "List-Id":
        value = _list_id(value)
    else:
        plain = " ".join(value.split())
        if plain.isascii() and "=?" not in plain and len(header) + len(plain) < _LINE:
            value = plain
        else:
            value = encode_header(value)
    return f"{header}: {value}\r\n"


def _quoted_printable(text: str) -> bytes:
    """Return a body encoded as ``email``'s content manager does: every line end (CR, LF or
    CRLF) a CRLF, ending with one, quoted-printable lines of at most 76 characters."""
    lines = text.encode().splitlines()
    encoded = b2a_qp(b"\n".join(lines) + b"\n", istext=True)
    return encoded.replace(b"\n", b"\r\n")


_TEXT_PART = (
    b'Content-Type: text/plain; charset="utf-8"\r\n'
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
)
_HTML_PART = (
    b'Content-Type: text/html; charset="utf-8"\r\n'
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
)


def build(row: Stored, zone: ZoneInfo) -> Outgoing:
    """Return the message an outbox row stands for, dated in ``zone``; the same row always
    gives the same message (same ``Message-ID``, same MIME boundary), so a resend is
    recognisable.

    The bytes are written directly rather than through ``email.message.EmailMessage``
    (about ten times the work per message, and a sender's connections share one
    interpreter lock): the headers this module encodes itself, then a text part and an
    HTML alternative in quoted-printable, which any MIME reader decodes back to exactly
    what was composed. The boundary cannot occur in the parts: it starts with ``=_``,
    which quoted-printable never writes.
    """
    envelope, from_line = _from(row.sender)
    cc = [c.strip() for c in row.cc.split(",") if c.strip()]
    head = [
        "To: ",
        encode_address(row.to_name or "", row.to),
        "\r\n",
    ]
    if cc:
        head += ["Cc: ", ",\r\n ".join(cc), "\r\n"]
    head += [
        "Subject: ",
        encode_header(row.subject),
        "\r\nDate: ",
        format_datetime(row.created_at.astimezone(zone)),
        "\r\nMessage-ID: ",
        " ".join(row.message_id.split()),
        "\r\n",
    ]
    head += [_header_line(header, value) for header, value in (row.headers or {}).items()]
    head.append("MIME-Version: 1.0\r\n")
    text = _quoted_printable(row.body_text or "")
    if row.body_html:
        boundary = "=_" + sha1(row.message_id.encode(), usedforsecurity=False).hexdigest()
        head.append(f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n')
        # The line end before a delimiter belongs to the delimiter (RFC 2046), not the part.
        mark = f"\r\n--{boundary}\r\n".encode()
        body = b"".join(
            (mark[2:], _TEXT_PART, text, mark, _HTML_PART, _quoted_printable(row.body_html),
             f"\r\n--{boundary}--\r\n".encode())
        )  # fmt: skip
    else:
        body = _TEXT_PART + text
    recipients = (row.to, *(parseaddr(c)[1] or c for c in cc))
    data = from_line + "".join(head).encode() + body
    return Outgoing(envelope, recipients, data, row.message_id)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to reach the mail server."""

    server: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    use_ssl: bool = False
    timeout: float = 15.0
    ca_file: str | None = None
    suppress: bool = False  # training sandboxes: nothing leaves, every message counts as sent

    @classmethod
    def from_config(cls, config: Mapping) -> SmtpSettings:
        """Return the SMTP settings of a loaded configuration (``app.config``)."""
        return cls(
            server=config["MAIL_SERVER"],
            port=int(config["MAIL_PORT"]),
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            use_tls=bool(config.get("MAIL_USE_TLS")),
            use_ssl=bool(config.get("MAIL_USE_SSL")),
            timeout=float(config["MAIL_TIMEOUT"]),
            ca_file=config.get("MAIL_CA_FILE"),
            suppress=bool(config.get("MAIL_SUPPRESS_SEND")),
        )


SUPPRESSED_REPLY = "250 not sent: MAIL_SUPPRESS_SEND is on"


@dataclass
class Transport:
    """One SMTP session: open it, ``send`` messages over it, ``close`` it."""

    settings: SmtpSettings
    _host: smtplib.SMTP | None = field(default=None, repr=False)

    def open(self) -> Transport:
        """Connect (TLS when configured, certificates verified) and sign in; raise
        ``MailError`` when no session can be opened. With ``suppress`` nothing connects."""
        s = self.settings
        if s.suppress:
            return self
        context = ssl.create_default_context(cafile=s.ca_file)
        try:
            if s.use_ssl:
                host = smtplib.SMTP_SSL(s.server, s.port, timeout=s.timeout, context=context)
            else:
                host = smtplib.SMTP(s.server, s.port, timeout=s.timeout)
        except (smtplib.SMTPException, OSError) as error:
            raise MailError(describe(error)) from error
        try:
            # The end of a message's data is a small write right after a large one: without
            # this, Nagle's algorithm holds it until the server's delayed ACK (tens of ms).
            host.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            host.ehlo()
            if s.use_tls:
                host.starttls(context=context)
                host.ehlo()
            if s.username and s.password:
                host.login(s.username, s.password)
        except (smtplib.SMTPException, OSError) as error:
            host.close()
            raise MailError(describe(error)) from error
        self._host = host
        return self

    @property
    def is_open(self) -> bool:
        """Return True while a session is open (always, when sending is suppressed)."""
        return self._host is not None or self.settings.suppress

    def send(self, message: Outgoing, *, before_end: Callable[[], None] | None = None) -> str:
        """Send a built ``message`` to its recipients (To and Cc); return the server's
        reply to it.

        ``before_end`` is called once the whole message is with the server but the line
        that ends it is not: until that line, the server cannot take the message, so a
        sender that dies before it duplicates nothing. A sender uses it to have at most one
        message at a time whose fate it could not know after a crash.

        Raises ``Refused`` when the server refuses the message (or every recipient), and
        ``MailError`` when the connection fails, after which the transport is closed. A
        recipient refused among others is named in the reply; the others get the message.
        With ``suppress`` nothing is sent and the reply says so.
        """
        if self.settings.suppress:
            return SUPPRESSED_REPLY
        if self._host is None:
            self.open()
        host = self._host
        assert host is not None
        sender, recipients, data = message.sender, message.recipients, message.data
        try:
            code, reply = host.mail(sender)
            if code != 250:
                self._reset()
                raise Refused(code, _text(reply))
            refused: dict[str, tuple[int, str]] = {}
            for address in recipients:
                code, reply = host.rcpt(address)
                if code not in (250, 251):
                    refused[address] = (code, _text(reply))
            if len(refused) == len(recipients):
                self._reset()
                code, reply = min(refused.values())
                raise Refused(code, "; ".join(f"{a}: {c} {r}" for a, (c, r) in refused.items()))
            code, reply = _data(host, data, before_end)
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
        except smtplib.SMTPResponseException as error:
            # data() raises on a refusal; an answer like 421 also means the session is over.
            if error.smtp_code == 421:
                self.close()
                raise MailError(describe(error)) from error
            self._reset()
            raise Refused(error.smtp_code, _text(error.smtp_error)) from error
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise MailError(describe(error)) from error
        answer = f"{code} {_text(reply)}"
        if refused:
            answer += "; refused: " + "; ".join(f"{a}: {c} {r}" for a, (c, r) in refused.items())
        return answer

    def _reset(self) -> None:
        try:
            if self._host is not None:
                self._host.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def abandon(self) -> None:
        """Drop the connection without a word (a message begun on it is not taken)."""
        host, self._host = self._host, None
        if host is not None:
            host.close()

    def close(self) -> None:
        """End the session (politely when the server still listens)."""
        host, self._host = self._host, None
        if host is None:
            return
        try:
            host.quit()
        except (smtplib.SMTPException, OSError):
            host.close()


_LEADING_DOT = re.compile(rb"(?m)^\.")  # doubled on the wire (RFC 5321, 4.5.2)
_END = b".\r\n"


def _data(
    host: smtplib.SMTP, data: bytes, before_end: Callable[[], None] | None
) -> tuple[int, bytes]:
    """``DATA``, as ``smtplib.SMTP.data`` does it, with ``before_end`` called before the
    final ``.`` line; return the server's answer to the message."""
    host.putcmd("data")
    code, reply = host.getreply()
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    body = _LEADING_DOT.sub(b"..", data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    host.send(body)
    if before_end is not None:
        before_end()
    host.send(_END)
    return host.getreply()


def describe(error: BaseException) -> str:
    """Return an SMTP or network error as the log shows it."""
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
