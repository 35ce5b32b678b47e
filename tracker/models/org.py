"""Units and the people who act for them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ColumnElement, ForeignKey, Index, String, Text, UniqueConstraint, and_, false
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from tracker.domain.search import normalise
from tracker.domain.text import fold, unit_sort_key
from tracker.models.base import Base, utcnow


class UnitKind(StrEnum):
    MINISTRY = "ministry"
    MINISTRY_LEVEL = "ministry_level"
    GOVERNMENT_AGENCY = "government_agency"
    PROVINCE = "province"
    CITY = "city"
    OTHER = "other"


class UnitGroup(StrEnum):
    CENTRAL = "central"  # bộ, ngành
    LOCAL = "local"  # địa phương


GROUP_OF_KIND = {
    UnitKind.MINISTRY: UnitGroup.CENTRAL,
    UnitKind.MINISTRY_LEVEL: UnitGroup.CENTRAL,
    UnitKind.GOVERNMENT_AGENCY: UnitGroup.CENTRAL,
    UnitKind.PROVINCE: UnitGroup.LOCAL,
    UnitKind.CITY: UnitGroup.LOCAL,
    UnitKind.OTHER: UnitGroup.CENTRAL,
}


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    FOCAL_POINT = "focal_point"
    VIEWER = "viewer"


class Unit(Base):
    """A ministry, agency or province; a code is only unique within its validity period."""

    __tablename__ = "unit"
    __table_args__ = (
        UniqueConstraint("code", "valid_from"),
        Index("ix_unit_group_sort_name", "group", "sort_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(255))
    # Derived from name (see the validator): the list order, and diacritic-free search.
    sort_name: Mapped[str] = mapped_column(String(800), default="")
    search_name: Mapped[str] = mapped_column(String(255), default="")
    short_name: Mapped[str | None] = mapped_column(String(40))
    name_en: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))
    group: Mapped[str] = mapped_column(String(10))
    head_email: Mapped[str | None] = mapped_column(String(255))
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    successor: Mapped[Unit | None] = relationship(remote_side=[id])

    @validates("name")
    def _set_sort_name(self, _key: str, name: str) -> str:
        self.sort_name = unit_sort_key(name)
        self.search_name = fold(name)
        return name

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"


def _user_search_default(context) -> str:
    # Accounts written by a core insert() (bulk loads) get theirs from their name.
    return normalise(context.get_current_parameters().get("name"))


class User(UserMixin, Base):
    """A person who signs in; focal points belong to exactly one unit."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    language: Mapped[str] = mapped_column(String(5), default="vi")
    active: Mapped[bool] = mapped_column(default=True)
    # Changes with the password so that other sessions end (Flask-Login alternative id).
    session_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    # Another system's account: used through API tokens only, never signed in to the pages,
    # never written to (see ``reachable``).
    is_service: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Derived from name (see the validator), folded, for search.
    search_name: Mapped[str] = mapped_column(
        String(255), default=_user_search_default, server_default=""
    )

    unit: Mapped[Unit | None] = relationship()

    @validates("name")
    def _set_search_name(self, _key: str, name: str) -> str:
        self.search_name = normalise(name)
        return name

    # The signed-in session's token (``UserSession``), set when a session starts or is
    # loaded: what Flask-Login keeps in the session cookie and the "keep me signed in" one.
    sign_in_token = None  # not a column

    def get_id(self) -> str | None:
        return self.sign_in_token

    @hybrid_property
    def reachable(self) -> bool:
        """Whether email and notifications are for this account: an active person's (a
        service account reads the API and nobody reads its mail)."""
        return self.active and not self.is_service

    @reachable.inplace.expression
    @classmethod
    def _reachable_expression(cls) -> ColumnElement[bool]:
        return and_(cls.active.is_(True), cls.is_service.is_(False))

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_focal_point(self) -> bool:
        return self.role == Role.FOCAL_POINT

    @property
    def is_coordinator(self) -> bool:
        return self.role in (Role.COORDINATOR, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class UserSession(Base):
    """One signed-in browser: only its token's hash is stored. It ends at sign-out, when
    the user ends it from My account, after its idle or absolute time, or when the user's
    ``session_token`` changes (password changed or reset, account deactivated, role
    changed): ``generation`` holds the one it was started under."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    generation: Mapped[str] = mapped_column(String(64))
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class PasswordReset(Base):
    """A single-use, expiring password reset link; only the token's hash is stored."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class ApiToken(Base):
    """A personal access token for the integration API: only its hash is stored (the token
    is shown once, when made); ``prefix`` names it in lists. It acts as its user, within
    its scopes ("read", "write", "admin"), until it expires or is revoked."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(50))  # comma-separated
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    last_used_ip: Mapped[str] = mapped_column(String(45), default="")
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def scope_list(self) -> list[str]:
        return [scope for scope in self.scopes.split(",") if scope]


class IdempotencyKey(Base):
    """An ``Idempotency-Key`` an API client sent with a POST: its first answer is kept for a
    day and given again to a retry with the same key and body, so a retry after a lost
    answer makes nothing twice. ``status`` 0: still being answered."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))  # method, path and body
    status: Mapped[int] = mapped_column(default=0)
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(index=True)


class WebhookEndpoint(Base):
    """An address another system gave to be told, by a signed POST, when things of the
    chosen ``kinds`` happen. The ``secret`` signs each body (shown once, when made).
    ``failures`` counts deliveries failed in a row; the endpoint is disabled after too many."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    secret: Mapped[str] = mapped_column(String(100))
    kinds: Mapped[str] = mapped_column(String(500))  # comma-separated event types
    active: Mapped[bool] = mapped_column(default=True)
    failures: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    disabled_at: Mapped[datetime | None]

    @property
    def kind_list(self) -> list[str]:
        return [kind for kind in self.kinds.split(",") if kind]


class WebhookDelivery(Base):
    """One event to POST to one endpoint, written in the transaction of the change it tells
    of, then delivered by the outbox's sender: pending -> sending -> delivered | failed, with
    its attempts, the next one, and the receiver's answer."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_state_next", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(50))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    locked_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    response_status: Mapped[int | None]
    response_body: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")

    endpoint: Mapped[WebhookEndpoint] = relationship()
