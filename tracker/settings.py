"""The settings services need, as one typed value read from the configuration.

Entry points (views, commands, scheduler jobs) call ``current()`` and pass the settings, or
the few values a service needs, as parameters: no service reads the configuration itself,
so a test hands a service exactly the settings it means.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

from tracker.domain.official import Letterhead


@dataclass(frozen=True)
class Settings:
    """This deployment's settings that change what services do (see ``config.DEFAULTS``)."""

    zone: ZoneInfo
    due_soon_days: int
    before_is_exclusive: bool
    day_off_rolls: bool
    languages: tuple[str, ...]
    default_language: str
    per_page: int
    password_method: str
    password_reset_hours: float
    invitation_hours: float
    upload_folder: str
    evidence_types: tuple[str, ...]
    evidence_max_bytes: int
    import_max_bytes: int
    import_max_rows: int
    import_background_rows: int
    reminder_retry_minutes: int
    reminder_max_attempts: int
    sweep_time: time
    sweep_stale_hours: float
    mail_sender: str
    base_url: str
    site_name: str
    mail_connections: int
    outbox_batch: int
    outbox_stale_seconds: int
    outbox_poll_seconds: float
    outbox_stuck_minutes: int
    notification_window_minutes: int
    notification_keep_days: int
    demo_password: str
    letterheads: Mapping[str, Letterhead]  # language -> the official documents' header

    @classmethod
    def from_config(cls, config: Mapping, instance_path: str) -> Settings:
        """Return the settings of a loaded configuration (``app.config``)."""
        hour, minute = (int(part) for part in str(config["REMINDER_SWEEP_TIME"]).split(":"))
        return cls(
            zone=ZoneInfo(config["TIMEZONE"]),
            due_soon_days=int(config["DUE_SOON_WORKING_DAYS"]),
            before_is_exclusive=bool(config["DEADLINE_BEFORE_IS_EXCLUSIVE"]),
            day_off_rolls=bool(config["DEADLINE_DAY_OFF_ROLLS"]),
            languages=tuple(config["LANGUAGES"]),
            default_language=str(config["BABEL_DEFAULT_LOCALE"]),
            per_page=int(config["PER_PAGE"]),
            password_method=str(config["PASSWORD_HASH_METHOD"]),
            password_reset_hours=config["PASSWORD_RESET_HOURS"],
            invitation_hours=config["INVITATION_HOURS"],
            upload_folder=os.path.join(instance_path, config.get("UPLOAD_FOLDER") or "uploads"),
            evidence_types=tuple(config["EVIDENCE_TYPES"]),
            evidence_max_bytes=int(config["EVIDENCE_MAX_BYTES"]),
            import_max_bytes=int(config["IMPORT_MAX_BYTES"]),
            import_max_rows=int(config["IMPORT_MAX_ROWS"]),
            import_background_rows=int(config["IMPORT_BACKGROUND_ROWS"]),
            reminder_retry_minutes=int(config["REMINDER_RETRY_MINUTES"]),
            reminder_max_attempts=int(config["REMINDER_MAX_ATTEMPTS"]),
            sweep_time=time(hour, minute),
            sweep_stale_hours=config["SWEEP_STALE_HOURS"],
            mail_sender=str(config["MAIL_DEFAULT_SENDER"]),
            base_url=str(config["BASE_URL"]),
            site_name=str(config["SITE_NAME"]),
            mail_connections=max(1, int(config["MAIL_CONNECTIONS"])),
            outbox_batch=max(1, int(config["OUTBOX_BATCH"])),
            outbox_stale_seconds=int(config["OUTBOX_STALE_SECONDS"]),
            outbox_poll_seconds=float(config["OUTBOX_POLL_SECONDS"]),
            outbox_stuck_minutes=int(config["OUTBOX_STUCK_MINUTES"]),
            notification_window_minutes=int(config["NOTIFICATION_WINDOW_MINUTES"]),
            notification_keep_days=int(config["NOTIFICATION_KEEP_DAYS"]),
            demo_password=str(config["DEMO_PASSWORD"]),
            letterheads=_letterheads(config),
        )

    def letterhead(self, language: str) -> Letterhead:
        """Return the official documents' header in ``language`` (Vietnamese when unknown)."""
        return self.letterheads.get(language) or self.letterheads["vi"]


def _letterheads(config: Mapping) -> dict[str, Letterhead]:
    """Return the header of official documents per language: the REPORT_* keys, and their
    English versions (REPORT_*_EN) for documents written in English."""

    def text(key: str) -> str:
        return str(config.get(key) or "").strip()

    recipients = tuple(str(r).strip() for r in config.get("REPORT_RECIPIENTS") or () if r)
    shared = {"issuer_code": text("REPORT_ISSUER_CODE"), "recipients": recipients}
    return {
        language: Letterhead(
            parent_body=text(f"REPORT_PARENT_BODY{suffix}"),
            issuer=text(f"REPORT_ISSUER{suffix}"),
            place=text(f"REPORT_PLACE{suffix}"),
            signer_title=text(f"REPORT_SIGNER_TITLE{suffix}"),
            signer_name=text("REPORT_SIGNER_NAME"),
            **shared,
        )
        for language, suffix in (("vi", ""), ("en", "_EN"))
    }


def current() -> Settings:
    """Return the running app's settings (entry points only: services take them), read once
    a request (a page asks for them dozens of times)."""
    from flask import current_app

    from tracker.per_request import once

    return once(
        "tracker.settings",
        lambda: Settings.from_config(current_app.config, current_app.instance_path),
    )
