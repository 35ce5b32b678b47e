"""Both catalogs are complete and cover every message the code and templates use."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from tracker import catalogs

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("language", catalogs.LANGUAGES)
def test_catalog_has_no_untranslated_or_fuzzy_message(language):
    assert catalogs.problems(language) == []


def test_catalogs_cover_every_message_in_the_source():
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = extract_from_dir(ROOT / "tracker", method_map, options_map, keywords=keywords)
    wanted = {m if isinstance(m, str) else m[0] for _file, _line, m, _c, _ctx in found}
    assert len(wanted) > 100
    for language in catalogs.LANGUAGES:
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogs.load(language)}
        missing = sorted(wanted - have)
        assert not missing, f"run scripts/i18n: {language} lacks {missing}"
