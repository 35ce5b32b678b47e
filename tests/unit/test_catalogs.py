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


TRANSLATING = {"_", "gettext", "ngettext", "_l", "lazy_gettext", "lazy_ngettext"}


def test_no_message_is_written_inside_an_f_string():
    """The extractor cannot see into f-strings: a message there never reaches the catalogs
    and shows in English on Vietnamese pages."""
    import ast

    hidden = []
    for path in (ROOT / "tracker").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.JoinedStr):
                continue
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Name)
                    and call.func.id in TRANSLATING
                    and call.args
                    and isinstance(call.args[0], ast.Constant)
                ):
                    hidden.append(f"{path.relative_to(ROOT)}:{call.lineno} {call.args[0].value!r}")
    assert hidden == []
