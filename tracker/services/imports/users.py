"""Importing accounts: an email names one account; passwords are never set or changed.

The rules are the administration's (``admin_users``): only focal points belong to a unit,
and it must be active; nobody changes their own role. New accounts get a password nobody
knows; the import can queue them the email with a link to choose one
(``accounts.queue_reset_links``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from tracker.extensions import db
from tracker.models import Role, User
from tracker.services import events
from tracker.services.accounts import new_session_token
from tracker.services.imports.columns import Column, Row, choose, email, required, words
from tracker.services.imports.lookup import UnitDirectory
from tracker.services.imports.result import Plan
from tracker.settings import Settings

ROLE_WORDS = {
    Role.ADMIN: ("Quản trị", "quản trị viên", "administrator"),
    Role.COORDINATOR: ("Cán bộ điều phối", "điều phối", "coordinator"),
    Role.FOCAL_POINT: ("Đầu mối", "focal point"),
    Role.VIEWER: ("Lãnh đạo, theo dõi", "lãnh đạo", "theo dõi", "viewer"),
}
_ROLES = words(ROLE_WORDS)
_ROLE_CHOICES = tuple(names[0] for names in ROLE_WORDS.values())
_LANGUAGES = words({"vi": ("tiếng Việt", "Vietnamese"), "en": ("tiếng Anh", "English")})

COLUMNS = (
    Column(
        "email",
        "Email",
        ("địa chỉ email", "thư điện tử", "e-mail"),
        required=True,
        max_length=255,
        help=_l("Names the account: an existing one is updated, never its password."),
    ),
    Column("name", "Họ và tên", ("họ tên", "tên", "full name"), required=True, max_length=255),
    Column("role", "Vai trò", (), required=True, choices=_ROLE_CHOICES),
    Column(
        "unit_code",
        "Mã đơn vị",
        ("đơn vị", "unit", "unit code"),
        max_length=20,
        help=_l("Required for focal points; only focal points belong to a unit."),
    ),
    Column(
        "language",
        "Ngôn ngữ",
        (),
        help=_l("Empty keeps an account's language; new accounts get Vietnamese."),
        choices=("vi", "en"),
    ),
)

EXAMPLES = (
    ("nguyenvana@example.gov.vn", "Nguyễn Văn A", "Đầu mối", "01", "vi"),
    ("tranthib@example.gov.vn", "Trần Thị B", "Cán bộ điều phối", "", "vi"),
)

_FIELDS = ("name", "role", "unit_id", "language")


@dataclass
class _Account:
    line: int
    email: str
    values: dict  # name, role, unit_id, language as the file leaves them
    user: User | None = None  # existing
    changes: dict = field(default_factory=dict)


@dataclass
class UserPlan(Plan):
    password_method: str = "scrypt"
    accounts: list[_Account] = field(default_factory=list)
    new_users: list[User] = field(default_factory=list)

    def apply(self, actor: User | None, now: datetime) -> None:
        # Nobody knows this password (one hash for the whole import: hashing is slow on
        # purpose); the owners choose theirs through the emailed link or "forgot password".
        unknown = generate_password_hash(secrets.token_urlsafe(32), method=self.password_method)
        for account in self.accounts:
            if account.user is None:
                user = User(
                    email=account.email,
                    password_hash=unknown,
                    session_token=new_session_token(),
                    **account.values,
                )
                db.session.add(user)
                self.new_users.append(user)
        db.session.flush()
        for user in self.new_users:
            data = {"email": user.email, "role": user.role, "unit_id": user.unit_id}
            _record("user_created", user, data | {"language": user.language}, actor, now)
        for account in self.accounts:
            if account.user is not None and account.changes:
                for key, (_old, new) in account.changes.items():
                    setattr(account.user, key, new)
                _record("user_updated", account.user, account.changes, actor, now)
        db.session.flush()

    def invitees(self) -> list[User]:
        return self.new_users


def _record(kind: str, user: User, data: dict, actor: User | None, now: datetime) -> None:
    events.record(
        kind, actor=actor, now=now, unit_id=user.unit_id, target=f"user:{user.id}", data=data
    )


def plan(rows: list[Row], *, actor: User | None, today: date, settings: Settings) -> UserPlan:
    """Return what importing ``rows`` would create and change; errors are on the rows."""
    result = UserPlan(password_method=settings.password_method)
    directory = UnitDirectory(today)
    existing = {u.email.lower(): u for u in db.session.scalars(select(User))}
    seen: dict[str, int] = {}
    for row in rows:
        account = _plan_row(row, existing, directory, actor, settings)
        if account is None:
            continue
        if account.email in seen:
            row.error(
                "email", _("Duplicate: line %(line)s has the same email.", line=seen[account.email])
            )
            continue
        seen[account.email] = row.line
        if row.errors:
            continue
        result.accounts.append(account)
        label = f"{account.values['name']} <{account.email}>"
        if account.user is None:
            result.created.append(label)
        elif account.changes:
            result.updated.append(label)
        else:
            result.unchanged += 1
    for row in rows:
        result.errors.extend(row.errors)
    return result


def _plan_row(
    row: Row, existing: dict[str, User], directory: UnitDirectory, actor, settings: Settings
) -> _Account | None:
    address = email(row, "email") if required(row, "email") else None
    name = required(row, "name")
    role = choose(row, "role", _ROLES, _ROLE_CHOICES) if required(row, "role") else None
    user = existing.get(address or "")
    language = _language(row, user, settings)
    unit_id = _unit(row, role, user, directory)
    if user is not None and actor is not None and user.id == actor.id and role != user.role:
        row.error("role", _("You cannot change your own role: ask another administrator."))
    if address is None:
        return None
    values = {"name": name, "role": role, "unit_id": unit_id, "language": language}
    account = _Account(row.line, address, values, user)
    if user is not None:
        account.changes = {
            key: [getattr(user, key), values[key]]
            for key in _FIELDS
            if getattr(user, key) != values[key]
        }
    return account


def _language(row: Row, user: User | None, settings: Settings) -> str:
    """Return the row's language; blank keeps an account's own, else the default."""
    if not row.text("language"):
        return user.language if user is not None else settings.default_language
    choices = settings.languages
    language = choose(row, "language", _LANGUAGES, choices)
    if language is not None and language not in choices:
        row.error("language", _("This language is not available."))
    return language or ""


def _unit(row: Row, role: str | None, user: User | None, directory: UnitDirectory) -> int | None:
    """Return the unit of a focal point (a row without the column keeps an account's unit)."""
    code = row.text("unit_code")
    if role is None:
        return None
    if role != Role.FOCAL_POINT:
        if code:
            row.error("unit_code", _("Only focal points belong to a unit."))
        return None
    if not code:
        kept = user.unit_id if user is not None and not row.has("unit_code") else None
        if kept is None:
            row.error("unit_code", _("A focal point must belong to a unit."))
        return kept
    unit, problem = directory.find(code)
    # A unit deactivated since stays acceptable for the focal points it already has.
    if unit is not None and not unit.active and (user is None or user.unit_id != unit.id):
        problem = _("The unit “%(code)s” is no longer active.", code=code)
    if problem:
        row.error("unit_code", problem)
        return None
    return unit.id
