"""Recurring tasks in words: rules, periods and choices of units, in the user's language."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from tracker.domain.recurrence import DayRule, Recurrence
from tracker.i18n import format_day
from tracker.services.recurrence.settings import occurrence_period, period_label

FREQUENCY = {
    "monthly": _l("Monthly"),
    "quarterly": _l("Quarterly"),
    "half_yearly": _l("Every six months"),
    "yearly": _l("Yearly"),
    "rrule": _l("Custom rule (RRULE)"),
}

ANCHOR = {
    "period_end": _l("the period's last month"),
    "period_start": _l("the period's first month"),
}


def _day(day: int) -> str:
    return _("the last day") if day == 31 else _("day %(day)s", day=day)


def day_rule_words(rule: DayRule) -> str:
    """Return the day a DayRule gives, as a phrase ("day 15 of the period's last month")."""
    end = rule.anchor == "period_end"
    if rule.day is None:
        if rule.months == 0:
            return _("the period's last day") if end else _("the period's first day")
        if end:
            return ngettext(
                "%(num)s month after the period's last day",
                "%(num)s months after the period's last day",
                rule.months,
            )
        return ngettext(
            "%(num)s month after the period's first day",
            "%(num)s months after the period's first day",
            rule.months,
        )
    day = _day(rule.day)
    if rule.months == 0:
        if end:
            return _("%(day)s of the period's last month", day=day)
        return _("%(day)s of the period's first month", day=day)
    if end and rule.months == 1:
        return _("%(day)s of the month after the period", day=day)
    if end:
        return ngettext(
            "%(day)s, %(num)s month after the period's last month",
            "%(day)s, %(num)s months after the period's last month",
            rule.months,
            day=day,
        )
    return ngettext(
        "%(day)s, %(num)s month after the period's first month",
        "%(day)s, %(num)s months after the period's first month",
        rule.months,
        day=day,
    )


def frequency_words(rule: Recurrence) -> str:
    """Return how often the rule recurs ("Every six months", "Custom rule FREQ=...")."""
    if rule.frequency == "rrule":
        return _("Custom rule %(rule)s", rule=rule.rrule)
    return str(FREQUENCY[rule.frequency])


def rule_words(rule: Recurrence) -> str:
    """Return the whole rule as one sentence-like line."""
    parts = [
        _(
            "%(frequency)s, due on %(day)s",
            frequency=frequency_words(rule),
            day=day_rule_words(rule.due),
        )
    ]
    if rule.next_working_day:
        parts.append(_("moved to the next working day if that is a day off"))
    if rule.cutoff is not None:
        parts.append(_("data as of %(day)s", day=day_rule_words(rule.cutoff)))
    return "; ".join(parts)


def schedule_words(rule: Recurrence) -> str:
    """Return from when, until when and how far ahead periods are generated."""
    parts = [_("from the period including %(day)s", day=format_day(rule.start))]
    if rule.until is not None:
        parts.append(_("no period starting after %(day)s", day=format_day(rule.until)))
    if rule.lead_days:
        parts.append(
            ngettext(
                "each period's task created %(num)s day before the period starts",
                "each period's task created %(num)s days before the period starts",
                rule.lead_days,
            )
        )
    else:
        parts.append(_("each period's task created when the period starts"))
    return "; ".join(parts)


def register(bp) -> None:
    """Expose the helpers to every template (through the blueprint, app-wide)."""
    bp.add_app_template_global(rule_words, "recurrence_rule_words")
    bp.add_app_template_global(schedule_words, "recurrence_schedule_words")
    bp.add_app_template_global(period_label, "period_label")
    bp.add_app_template_global(occurrence_period, "occurrence_period")
    bp.add_app_template_global(FREQUENCY, "FREQUENCY_LABEL")
    bp.add_app_template_global(ANCHOR, "ANCHOR_LABEL")
