"""Composing and sending email: each message in its recipient's language, a batch per session.

Flask-Mail reads its settings once, in ``init_app``; here they are read from
``current_app.config`` at every send, so the running configuration (and a test's SMTP
server) is what is used. Flask-Mail also sets no socket timeout and checks no TLS
certificate: the connection below adds both.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email import charset
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import BadHeaderError, Connection, Message

# Flask-Mail registers UTF-8 bodies as unencoded 8-bit, so a long line (a digest's HTML, a
# long reason typed by a user) breaks SMTP's 998-character limit and the server refuses the
# message. Quoted-printable keeps every line short; headers stay as Flask-Mail set them.
charset.add_charset("utf-8", charset.SHORTEST, charset.QP, "utf-8")


class MailError(Exception):
    """The mail server could not be reached or refused the session: nothing was sent."""


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


@dataclass
class Outcome:
    """The fate of one message of a batch: ``ok`` when the server accepted it."""

    message: Message
    ok: bool
    error: str | None = None


@dataclass
class _Settings:
    """The attributes Flask-Mail's ``Connection`` reads, plus a timeout and a CA bundle."""

    server: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    use_ssl: bool
    timeout: float
    ca_file: str | None
    suppress: bool
    debug: int = 0
    max_emails: int | None = None
    default_sender: str | None = None
    ascii_attachments: bool = False


def _settings() -> _Settings:
    config = current_app.config
    return _Settings(
        server=config["MAIL_SERVER"],
        port=int(config["MAIL_PORT"]),
        username=config.get("MAIL_USERNAME"),
        password=config.get("MAIL_PASSWORD"),
        use_tls=bool(config.get("MAIL_USE_TLS")),
        use_ssl=bool(config.get("MAIL_USE_SSL")),
        timeout=float(config["MAIL_TIMEOUT"]),
        ca_file=config.get("MAIL_CA_FILE"),
        suppress=bool(config.get("MAIL_SUPPRESS_SEND")),
        max_emails=config.get("MAIL_MAX_EMAILS"),
        default_sender=config.get("MAIL_DEFAULT_SENDER"),
    )


class _Connection(Connection):
    """Flask-Mail's connection with a socket timeout and verified TLS certificates."""

    def __init__(self, settings: _Settings) -> None:
        super().__init__(settings)  # type: ignore[arg-type]

    def configure_host(self) -> smtplib.SMTP:
        settings: _Settings = self.mail  # type: ignore[assignment]
        context = ssl.create_default_context(cafile=settings.ca_file)
        host: smtplib.SMTP
        if settings.use_ssl:
            host = smtplib.SMTP_SSL(
                settings.server, settings.port, timeout=settings.timeout, context=context
            )
        else:
            host = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
        try:
            host.set_debuglevel(settings.debug)
            if settings.use_tls:
                host.starttls(context=context)
            if settings.username and settings.password:
                host.login(settings.username, settings.password)
        except BaseException:
            host.close()
            raise
        return host

    def __exit__(self, exc_type, exc_value, tb) -> None:
        if self.host is None:
            return
        try:
            self.host.quit()
        except (smtplib.SMTPException, OSError):
            # The messages are already accepted or already reported as failed.
            self.host.close()


def send(messages: Sequence[Message]) -> list[Outcome]:
    """Send ``messages`` over one SMTP session; return one outcome per message, in order.

    Raises ``MailError`` when no session can be opened (nothing was sent). A message the
    server refuses is reported as failed and the batch goes on; when the connection drops,
    that message and every later one are reported as failed.
    """
    if not messages:
        return []
    outcomes: list[Outcome] = []
    try:
        connection = _Connection(_settings()).__enter__()
    except (smtplib.SMTPException, OSError) as error:
        raise MailError(_describe(error)) from error
    try:
        for index, message in enumerate(messages):
            try:
                connection.send(message)
            except (
                smtplib.SMTPRecipientsRefused,
                smtplib.SMTPSenderRefused,
                smtplib.SMTPDataError,
                smtplib.SMTPNotSupportedError,
                BadHeaderError,
            ) as error:
                outcomes.append(Outcome(message, ok=False, error=_describe(error)))
            except (smtplib.SMTPException, OSError) as error:
                reason = _describe(error)
                outcomes.extend(Outcome(m, ok=False, error=reason) for m in messages[index:])
                break
            else:
                outcomes.append(Outcome(message, ok=True))
    finally:
        connection.__exit__(None, None, None)
    for outcome in outcomes:
        if not outcome.ok:
            current_app.logger.warning(
                "mail to %s failed: %s", ", ".join(map(str, outcome.message.send_to)), outcome.error
            )
    return outcomes


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {_text(reply)}"
            for address, (code, reply) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def compose(template: str, recipient, subject, *, cc: Sequence[str] = (), **context) -> Message:
    """Return a message rendered from ``email/<template>.txt`` and ``.html`` in the
    recipient's language; ``subject`` (a lazy string) is translated the same way and
    prefixed with the site name.

    ``recipient`` is a ``User`` or a ``Recipient``; templates see it as ``recipient``.
    """
    config = current_app.config
    with force_locale(recipient.language or config["BABEL_DEFAULT_LOCALE"]):
        title = f"[{config['SITE_NAME']}] {subject}"
        body = render_template(f"email/{template}.txt", recipient=recipient, **context)
        html = render_template(f"email/{template}.html", recipient=recipient, **context)
    return Message(
        subject=title,
        recipients=[(recipient.name or "", recipient.email)],
        body=body,
        html=html,
        sender=config["MAIL_DEFAULT_SENDER"],
        cc=list(cc),
    )


def link(endpoint: str, **values) -> str:
    """Return the absolute URL of ``endpoint`` under the configured BASE_URL (never the
    request's host, which a client can forge)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)
