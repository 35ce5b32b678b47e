"""One batch of a sweep (or a nudge) in one transaction: re-check what still applies,
compose the letters, queue them in the outbox, and write the ledger rows pointing at their
emails (what no longer applies written cancelled); when another process holds one of the
claims, the batch is redone claim first. The caller commits: a claim never exists without
its queued email, and an email never without its claims."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from tracker.domain.reminders.coordinators import CoordinatorDigest
from tracker.domain.reminders.planning import Notice
from tracker.extensions import db
from tracker.mail import Letter, Recipient
from tracker.services.notifications import emails as notification_emails
from tracker.services.notifications.items import Update
from tracker.services.notifications.kinds import COORDINATOR_KINDS
from tracker.services.outbox.queue import queue
from tracker.services.reminders import claim, compose
from tracker.services.reminders.claim import Claim
from tracker.services.reminders.compose import PendingExtension
from tracker.settings import Settings


@dataclass(frozen=True)
class Digest:
    """A coordinator's daily digest and its ledger claim."""

    claim: Claim
    digest: CoordinatorDigest
    extensions: Sequence[PendingExtension]
    today: date


@dataclass(frozen=True)
class Parcel:
    """Everything one address receives from a run, which becomes at most one email: its
    notices (each with its ledger claim) and, for a coordinator, the daily digest, which
    then carries the notices too. ``kind`` overrides the letter's kind ("nudge")."""

    to: Recipient
    items: tuple[tuple[Notice, Claim], ...] = ()
    digest: Digest | None = None
    user_id: int | None = None
    kind: str = ""

    @property
    def claims(self) -> list[Claim]:
        """Return every claim the parcel's email would settle."""
        found = [c for _, c in self.items]
        return [*found, self.digest.claim] if self.digest else found


@dataclass
class Queued:
    """What a batch did: emails queued, claims written cancelled, claims someone else held,
    and the users written to."""

    emails: int = 0
    cancelled: int = 0
    taken: int = 0
    users: set[int] = field(default_factory=set)

    def __iadd__(self, other: Queued) -> Queued:
        self.emails += other.emails
        self.cancelled += other.cancelled
        self.taken += other.taken
        self.users |= other.users
        return self


def queue_parcels(
    parcels: Sequence[Parcel], now: datetime, settings: Settings, *, updates: bool = False
) -> Queued:
    """Claim, re-check, compose and queue ``parcels`` (not committed; see the module).

    With ``updates`` (the daily sweep), each email also lists the notifications its
    recipient takes in a daily email, which are then marked emailed with it. A coordinator's
    digest leaves out reports awaiting confirmation and extension requests: its own sections
    list those that still wait.

    The emails are composed and queued first, and the ledger rows written with them: one
    insert each. Should another process hold one of the claims by then (a nudge, or a
    sweep started elsewhere), that work is rolled back and the batch done the careful way:
    claim first, then compose for what this run won, queue, and link.
    """
    claims = [c for p in parcels for c in p.claims]
    if not claims:
        return Queued()
    dead = _dead(parcels)
    keys = {c.key for c in claims}
    waiting = (
        notification_emails.digest_items({p.user_id for p in parcels if p.user_id})
        if updates
        else {}
    )
    attempt = db.session.begin_nested()
    done = _queue(parcels, keys - dead.keys(), waiting, now, settings)
    if claim.claim_all(claims, now, dead, done.email_of):
        attempt.commit()
        won = keys
    else:
        attempt.rollback()
        won = claim.claim(claims, now, dead)
        done = _queue(parcels, won - dead.keys(), waiting, now, settings)
        claim.link(done.email_of)
    notification_emails.mark_emailed(done.told, done.ids)
    return Queued(
        emails=len(done.ids),
        cancelled=len(won & dead.keys()),
        taken=len(keys) - len(won),
        users=done.users,
    )


@dataclass
class _Done:
    """The emails a batch queued: their ids, the ledger key -> email each settles, the
    notifications each lists, the users written to."""

    ids: list[int]
    email_of: dict[str, int]
    told: list[list[int]]
    users: set[int]


def _queue(
    parcels: Sequence[Parcel],
    live: set[str],
    waiting: Mapping[int, Sequence[Update]],
    now: datetime,
    settings: Settings,
) -> _Done:
    """Compose the email of each parcel with a claim in ``live`` and queue them."""
    own = [n for p in parcels for n, c in p.items if c.key in live]
    named = compose.digest_names((p.digest.digest for p in parcels if p.digest), own)
    letters: list[Letter] = []
    settles: list[list[str]] = []
    told: list[list[int]] = []
    users: set[int] = set()
    for parcel in parcels:
        notices = [n for n, c in parcel.items if c.key in live]
        keys = [c.key for _, c in parcel.items if c.key in live]
        extra = waiting.get(parcel.user_id, []) if parcel.user_id else []
        digest = parcel.digest
        if digest is not None and digest.claim.key in live:
            letter = compose.daily_digest(
                parcel.to,
                digest.digest,
                digest.extensions,
                digest.today,
                named,
                own=notices,
                user_id=parcel.user_id,
                updates=[u for u in extra if u.kind not in COORDINATOR_KINDS],
            )
            keys.append(digest.claim.key)
        elif notices:
            letter = compose.reminder(
                parcel.to,
                notices,
                named,
                kind=parcel.kind,
                user_id=parcel.user_id,
                updates=extra,
            )
        else:
            continue
        letters.append(letter)
        settles.append(keys)
        told.append([u.id for u in extra])
        if parcel.user_id:
            users.add(parcel.user_id)
    ids = queue(letters, now=now, settings=settings)
    email_of = {key: email_id for keys, email_id in zip(settles, ids, strict=True) for key in keys}
    return _Done(ids, email_of, told, users)


def _dead(parcels: Sequence[Parcel]) -> dict[str, str]:
    """Return the claims (key -> reason) that no longer apply now: the assignment closed,
    moved to another unit or given another due date, or the recipient deactivated."""
    current = claim.current_assignments(n.assignment_id for p in parcels for n, _ in p.items)
    gone = claim.inactive(p.to.email for p in parcels)
    dead: dict[str, str] = {}
    for parcel in parcels:
        if parcel.to.email.lower() in gone:
            dead.update((c.key, claim.RECIPIENT_INACTIVE) for c in parcel.claims)
            continue
        for notice, c in parcel.items:
            if not claim.still_applies(notice, current.get(notice.assignment_id)):
                dead[c.key] = claim.NO_LONGER_APPLIES
    return dead
