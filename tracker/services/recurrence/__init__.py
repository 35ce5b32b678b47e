"""Recurring obligations (periodic reports). A series is a template never assigned itself
(``series``); its rule, unit selection and pause state live in ``Task.recurrence``
(``settings``); the units are resolved anew for each period (``units``); each period that
has come becomes an ordinary task with its own assignments (``generation``); ``pages``
holds the read models of the recurring-task pages."""
