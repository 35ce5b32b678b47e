"""Checks and fixes the message catalogs (used by scripts/i18n and the catalog test).

English messages are the msgids, so the English catalog is filled from them; every
Vietnamese message must be translated by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).parent / "translations"
LANGUAGES = ("vi", "en")


def catalog_path(language: str) -> Path:
    return ROOT / language / "LC_MESSAGES" / "messages.po"


def load(language: str) -> Catalog:
    with catalog_path(language).open("rb") as f:
        return read_po(f, locale=language)


def problems(language: str) -> list[str]:
    """Return a line per untranslated or fuzzy message in the catalog of ``language``."""
    found = []
    for message in load(language):
        if not message.id:
            continue
        label = message.id if isinstance(message.id, str) else message.id[0]
        if message.fuzzy:
            found.append(f"{language}: fuzzy: {label!r}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            found.append(f"{language}: untranslated: {label!r}")
    return found


def fill_english() -> None:
    """Copy msgids into empty English msgstrs (English is the source language)."""
    catalog = load("en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string):
                message.string = tuple(message.id)
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with catalog_path("en").open("wb") as f:
        write_po(f, catalog, omit_header=False, sort_output=True, include_lineno=False)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "fill-english":
        fill_english()
        return 0
    issues = [line for language in LANGUAGES for line in problems(language)]
    for line in issues:
        print(line)
    print(f"{len(issues)} catalog problems")
    return 1 if issues else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
