"""What every template can use: date and number filters, status words and colours, links."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from flask import Flask
from flask_babel.speaklater import LazyString

from tracker import i18n, labels
from tracker.services.notifications.kinds import FIELD_LABEL as CHANGED_FIELD_LABEL
from tracker.services.notifications.kinds import LABEL as NOTIFICATION_LABEL
from tracker.services.notifications.kinds import MODE_LABEL as NOTIFICATION_MODE_LABEL
from tracker.views import deadlines, fast_urls
from tracker.views.downloads import buttons
from tracker.views.links import page_url, url_with
from tracker.views.notifications import bell


class TranslatedLabels(Mapping):
    """A table of labels (lazy strings, or tuples holding some) that gives templates each
    label already translated into the active language: a list of 50 rows looks the same
    few labels up hundreds of times, and a lazy string translates itself at every use.
    Translated once per catalog (``i18n.translations``: the request's language, or the one
    ``force_locale`` chose)."""

    def __init__(self, labels: Mapping) -> None:
        self._labels = labels
        self._translated: dict[int, tuple[object, dict]] = {}

    def _table(self) -> dict:
        catalog = i18n.translations()
        kept = self._translated.get(id(catalog))
        if kept is None or kept[0] is not catalog:
            kept = (catalog, {key: _text(label) for key, label in self._labels.items()})
            if len(self._translated) > 16:  # catalogs reloaded: start again
                self._translated.clear()
            self._translated[id(catalog)] = kept
        return kept[1]

    def __getitem__(self, key):
        return self._table()[key]

    def __iter__(self) -> Iterator:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)


def _text(label):
    if isinstance(label, LazyString):
        return str(label)
    if isinstance(label, tuple):
        return tuple(_text(part) for part in label)
    return label


def init_app(app: Flask) -> None:
    fast_urls.init_app(app)
    app.add_template_global(buttons, "export_buttons")
    app.add_template_filter(i18n.format_day, "day")
    app.add_template_filter(labels.unit_name, "unit_name")
    app.add_template_filter(i18n.format_moment, "moment")
    app.add_template_filter(i18n.format_number, "number")
    app.add_template_filter(i18n.format_rate, "rate")
    app.add_template_filter(i18n.format_duration, "duration")
    app.add_template_filter(deadlines.deadline_of, "deadline")
    app.add_template_global(deadlines.deadline, "deadline")
    app.add_template_global(page_url, "page_url")
    app.add_template_global(url_with, "url_with")
    app.add_template_global(labels.reminder_stage, "reminder_stage")
    app.add_template_global(labels.email_state, "email_state")
    app.add_template_global(labels.rate_words, "rate_words")
    app.add_template_global(i18n.language, "current_language")
    app.add_template_global(bell, "notification_bell")

    # Globals (not a context processor) so that imported macros see them too.
    app.jinja_env.globals.update(
        {
            name: TranslatedLabels(table)
            for name, table in {
                "TIME_STATUS": labels.TIME_STATUS,
                "STATE_LABEL": labels.STATE,
                "FIELD_LABEL": labels.FIELD,
                "GROUP_LABEL": labels.GROUP,
                "KIND_LABEL": labels.KIND,
                "ROLE_LABEL": labels.ROLE,
                "ASSIGNMENT_ROLE_LABEL": labels.ASSIGNMENT_ROLE,
                "LEDGER_STATE": labels.LEDGER_STATE,
                "NOTIFICATION_LABEL": NOTIFICATION_LABEL,
                "NOTIFICATION_MODE_LABEL": NOTIFICATION_MODE_LABEL,
                "CHANGED_FIELD_LABEL": CHANGED_FIELD_LABEL,
            }.items()
        }
    )
