"""Text rules for Vietnamese names: search folding and alphabetical order."""

from __future__ import annotations

import unicodedata

# Administrative prefixes that official lists ignore when ordering provinces and cities.
_PREFIXES = ("tỉnh ", "thành phố ")

# The Vietnamese alphabet; ă, â, đ, ê, ô, ơ and ư are letters of their own.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
# Keys are digits only, two per character, so every database collation orders them as
# bytes (PostgreSQL's locale collations would otherwise ignore spaces and punctuation).
_CODES = {ch: f"{12 + i:02d}" for i, ch in enumerate(_ALPHABET)}
_CODES.update({str(d): f"{2 + d:02d}" for d in range(10)})
_SEPARATOR = "00"  # below every character code: "mạ" sorts before "mai"
_BLANK = "01"  # spaces and punctuation
_TONES = {"\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0301": "5", "\u0323": "6"}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def fold(text: str) -> str:
    """Return ``text`` lower-cased without diacritics (đ -> d), for search."""
    decomposed = unicodedata.normalize("NFD", text.strip().lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def collation_key(text: str) -> str:
    """Return a digit string whose order is Vietnamese alphabetical order.

    Letters first (a < ă < â < b < c < d < đ < e < ê ...), tones only as a tie-break,
    which is how dictionaries and official lists order names.
    """
    letters: list[str] = []
    tones: list[str] = []
    for ch in unicodedata.normalize("NFD", text.strip().lower()):
        if ch in _TONES:
            if tones:
                tones[-1] = _TONES[ch]
            continue
        if ch in _LETTER_MARKS and letters:
            letters[-1] = unicodedata.normalize("NFC", letters[-1] + ch)
            continue
        letters.append(ch)
        tones.append("1")
    codes = "".join(_CODES.get(ch, _BLANK if not ch.isalnum() else "99") for ch in letters)
    return codes + _SEPARATOR + "".join(tones)


def unit_sort_key(name: str) -> str:
    """Return the key units are listed by: the name without "Tỉnh"/"Thành phố", collated."""
    lowered = unicodedata.normalize("NFC", name.strip()).lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            lowered = lowered[len(prefix) :]
            break
    return collation_key(lowered)
