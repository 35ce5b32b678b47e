"""The outbox: every email is a row written in the transaction that causes it (``queue``),
and senders deliver the rows (``sender``), each transition committed on its own, so neither a
crash nor a slow mail server loses or delays the work that caused it."""
