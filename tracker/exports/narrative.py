"""The narrative summary: report prose in the style of the programme's own reports.

Plain text from the figures a report service computed (nothing is read here), in the active
language: callers wanting another one wrap the call in ``flask_babel.force_locale``. The text
is a draft the coordinator edits before exporting it, so it is plain text, never markup.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

from tracker import i18n
from tracker.domain.aggregate import Buckets
from tracker.domain.phrasing import action_phrase, join_names
from tracker.domain.reports import AGEING_BANDS, CENTRAL, LOCAL, ProgrammeFigures, TaskFigures
from tracker.i18n import format_day, format_rate
from tracker.labels import unit_name


@dataclass(frozen=True, slots=True)
class _Words:
    """The active language's catalog and number grouping, looked up once for a narrative
    of a few hundred paragraphs instead of at each of its thousands of words and figures."""

    gettext: object
    ngettext: object
    language: str
    separator: str

    @classmethod
    def active(cls) -> _Words:
        catalog, language = i18n.translations(), i18n.language()
        return cls(catalog.ugettext, catalog.ungettext, language, i18n.group_symbol(language))


_words: ContextVar[_Words | None] = ContextVar("narrative_words", default=None)


def _(string: str, **variables) -> str:
    words = _words.get()
    text = words.gettext(string) if words else i18n.gettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    words = _words.get()
    if words is None:
        return i18n.ngettext(singular, plural, num, **variables)
    variables.setdefault("num", num)
    return words.ngettext(singular, plural, num) % variables


def format_number(value: int) -> str:
    words = _words.get()
    if words is None or type(value) is not int:
        return i18n.format_number(value)
    return f"{value:,}".replace(",", words.separator)


def language() -> str:
    words = _words.get()
    return words.language if words else i18n.language()


def compose_narrative(
    figures: ProgrammeFigures, *, period_start: date | None = None, name_units: bool = False
) -> str:
    """Return the narrative as plain-text paragraphs separated by blank lines."""
    paragraphs = narrative_paragraphs(figures, period_start=period_start, name_units=name_units)
    return "\n\n".join(paragraphs)


def narrative_paragraphs(
    figures: ProgrammeFigures, *, period_start: date | None = None, name_units: bool = False
) -> list[str]:
    """Return the heading, the overall figures, then one paragraph per task (naming the units
    that have not completed it when ``name_units``)."""
    token = _words.set(_Words.active())
    try:
        paragraphs = [_heading(figures, period_start)]
        if not figures.tasks:
            return [*paragraphs, _("No task matches the selection.")]
        paragraphs.append(_overall(figures))
        paragraphs.extend(_task_paragraph(task, name_units) for task in figures.tasks)
        return paragraphs
    finally:
        _words.reset(token)


def _heading(figures: ProgrammeFigures, period_start: date | None) -> str:
    count, end = len(figures.tasks), format_day(figures.as_of)
    if period_start is None:
        return ngettext(
            "Progress of %(count)s task as of %(day)s",
            "Progress of %(count)s tasks as of %(day)s",
            count,
            count=format_number(count),
            day=end,
        )
    return ngettext(
        "Progress of %(count)s task from %(start)s to %(end)s",
        "Progress of %(count)s tasks from %(start)s to %(end)s",
        count,
        count=format_number(count),
        start=format_day(period_start),
        end=end,
    )


def _overall(figures: ProgrammeFigures) -> str:
    b, n = figures.total, format_number
    if not b.due:
        sentences = [_("Assignments to units: %(total)s; none is due yet.", total=n(b.applicable))]
    else:
        sentences = [
            _(
                "Assignments to units: %(total)s; already due: %(due)s.",
                total=n(b.applicable),
                due=n(b.due),
            ),
            _(
                "Completed: %(done)s (%(rate)s), of which %(on_time)s on time and %(late)s late;"
                " overdue and not completed: %(overdue)s.",
                done=n(b.completed),
                rate=format_rate(b.completion_rate),
                on_time=n(b.completed_on_time),
                late=n(b.completed_late),
                overdue=n(b.open_overdue),
            ),
        ]
    if b.open_on_track:
        sentences.append(_("Open within the deadline: %(count)s.", count=n(b.open_on_track)))
    if b.awaiting_confirmation:
        sentences.append(
            _(
                "Reported completed and awaiting confirmation: %(count)s.",
                count=n(b.awaiting_confirmation),
            )
        )
    if ageing := _ageing(figures.ageing):
        sentences.append(ageing)
    return " ".join(sentences)


def _ageing(ageing: dict[str, int]) -> str:
    bands = []
    for label, first, last in AGEING_BANDS:
        if not (count := ageing.get(label, 0)):
            continue
        if last is None:
            text = _("over %(days)s days: %(count)s", days=first - 1, count=format_number(count))
        else:
            text = _(
                "%(first)s–%(last)s days: %(count)s",
                first=first,
                last=last,
                count=format_number(count),
            )
        bands.append(text)
    if not bands:
        return ""
    return _("Overdue and not completed, by days overdue: %(bands)s.", bands="; ".join(bands))


def _task_paragraph(task: TaskFigures, name_units: bool) -> str:
    groups = {name: b for name, b in task.by_group.items() if b.applicable}
    if not groups:
        return _("No unit has to carry out %(task)s.", task=_quoted(task.title))
    text = _done_clause(groups, _action(task.title)) + _deadline(task)
    missing = {name: b.applicable - b.completed for name, b in groups.items()}
    if count := sum(missing.values()):
        text += "; " + _missing_clause(missing, count) + _open_detail(task.total)
        if name_units and task.missing:
            names = join_names([unit_name(unit) for unit in task.missing], _("and"))
            text += ", " + _("namely %(units)s", units=names)
    return text[:1].upper() + text[1:] + "."


def _action(title: str) -> str:
    """Return what a unit did about the task, to follow "have" ("đã" in Vietnamese)."""
    phrase = action_phrase(title) if language() == "vi" else None
    return phrase or _("completed %(task)s", task=_quoted(title))


def _quoted(title: str) -> str:
    return "“" + " ".join(title.split()) + "”"


def _done_clause(groups: dict[str, Buckets], action: str) -> str:
    central, local = groups.get(CENTRAL), groups.get(LOCAL)
    n = format_number
    if not sum(b.completed for b in groups.values()):
        if central and local:
            return _("no ministry, agency or province has %(action)s yet", action=action)
        if central:
            return _("no ministry or agency has %(action)s yet", action=action)
        return _("no province has %(action)s yet", action=action)
    if central and local:
        if central.completed and local.completed:
            return _(
                "%(central)s ministries and agencies and %(local_done)s/%(local_total)s"
                " provinces have %(action)s",
                central=n(central.completed),
                local_done=n(local.completed),
                local_total=n(local.applicable),
                action=action,
            )
        return _(
            "%(central_done)s/%(central_total)s ministries and agencies and"
            " %(local_done)s/%(local_total)s provinces have %(action)s",
            central_done=n(central.completed),
            central_total=n(central.applicable),
            local_done=n(local.completed),
            local_total=n(local.applicable),
            action=action,
        )
    if central:
        return _(
            "%(done)s/%(total)s ministries and agencies have %(action)s",
            done=n(central.completed),
            total=n(central.applicable),
            action=action,
        )
    assert local is not None
    return _(
        "%(done)s/%(total)s provinces have %(action)s",
        done=n(local.completed),
        total=n(local.applicable),
        action=action,
    )


def _deadline(task: TaskFigures) -> str:
    """Return " (deadline: ...)" in the officials' wording in Vietnamese, else as a date."""
    wording = task.deadline_wording.strip() if language() == "vi" else ""
    shown = wording or format_day(task.deadline)
    return " " + _("(deadline: %(deadline)s)", deadline=shown) if shown else ""


def _missing_clause(missing: dict[str, int], count: int) -> str:
    shown = format_number(count)
    if missing.get(CENTRAL) and missing.get(LOCAL):
        return ngettext(
            "%(count)s ministry, agency or province has not completed it yet",
            "%(count)s ministries, agencies and provinces have not completed it yet",
            count,
            count=shown,
        )
    if missing.get(CENTRAL):
        return ngettext(
            "%(count)s ministry or agency has not completed it yet",
            "%(count)s ministries and agencies have not completed it yet",
            count,
            count=shown,
        )
    return ngettext(
        "%(count)s province has not completed it yet",
        "%(count)s provinces have not completed it yet",
        count,
        count=shown,
    )


def _open_detail(buckets: Buckets) -> str:
    """Return " (of which N overdue, M awaiting confirmation)", or "" when neither applies."""
    parts = []
    if buckets.open_overdue:
        parts.append(_("%(count)s overdue", count=format_number(buckets.open_overdue)))
    if buckets.awaiting_confirmation:
        count = format_number(buckets.awaiting_confirmation)
        parts.append(_("%(count)s awaiting confirmation", count=count))
    return " " + _("(of which %(parts)s)", parts=", ".join(parts)) if parts else ""


def completion_split(task: TaskFigures) -> str:
    """Return "17 bộ, ngành và 54/63 địa phương đã hoàn thành"-style words for one task."""
    groups = {name: b for name, b in task.by_group.items() if b.applicable}
    if not groups:
        return ""
    return _done_clause(groups, _("completed it"))


def group_split_text(task: TaskFigures) -> str:
    """Return the task's completion by group in words, capitalised as a table cell."""
    text = completion_split(task)
    return text[:1].upper() + text[1:]
