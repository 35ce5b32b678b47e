"""Search: the folded text a record is found by, and the LIKE patterns that rank matches.

Searching compares folded text (``text.fold``: no case, no diacritics) so that "du lieu",
"DU LIEU" and "DỮ LIỆU" all find "dữ liệu". Each record keeps its folded text in a column
of its own (kept current by the model), which a trigram index serves on PostgreSQL.

Patterns are for ``LIKE ... ESCAPE '/'``: what a person types is matched literally, so
"50%" finds "50%" and not "500", and "a_b" does not find "axb".
"""

from __future__ import annotations

from tracker.domain.text import fold

ESCAPE = "/"

# A task's search text is its title, then this, then its other fields: the only line break
# in it, so a pattern can tell a match in the title from one elsewhere.
TITLE_END = "\n"
FIELD_SEPARATOR = "\t"

# The longest query taken, in characters (the search box and list filters trim to it).
QUERY_MAX = 100


def normalise(text: str | None) -> str:
    """Return ``text`` folded with its runs of whitespace made one space."""
    return " ".join(fold(text or "").split())


def task_search_text(
    title: str | None,
    source_number: str | None = "",
    source_document: str | None = "",
    description: str | None = "",
) -> str:
    """Return what a task is found by: its folded title, then its source document's
    number and name and its description."""
    rest = FIELD_SEPARATOR.join(normalise(v) for v in (source_number, source_document, description))
    return normalise(title) + TITLE_END + rest


def escape_like(text: str) -> str:
    """Return ``text`` with LIKE's wildcards and the escape character made literal."""
    for ch in (ESCAPE, "%", "_"):
        text = text.replace(ch, ESCAPE + ch)
    return text


def contains_pattern(query: str) -> str:
    """Return the pattern of folded text containing the (folded) ``query``."""
    return f"%{escape_like(query)}%"


def field_tiers(query: str) -> list[tuple[str, ...]]:
    """Return, best first, the patterns that rank a match of ``query`` in one folded field:
    the whole field, its start, the start of one of its words; any other match ranks after
    them all (``len`` of the result)."""
    e = escape_like(query)
    return [(e,), (f"{e}%",), (f"% {e}%",)]


def task_tiers(query: str) -> list[tuple[str, ...]]:
    """Return, best first, the patterns that rank a match of ``query`` in a task's search
    text: the whole title or source number; the title's start; a title word's start;
    anywhere in the title; a word's start elsewhere; any other match ranks last."""
    e, t, f = escape_like(query), TITLE_END, FIELD_SEPARATOR
    return [
        (f"{e}{t}%", f"%{t}{e}{f}%"),
        (f"{e}%",),
        (f"% {e}%{t}%",),
        (f"%{e}%{t}%",),
        (f"%{t}{e}%", f"%{f}{e}%", f"% {e}%"),
    ]
