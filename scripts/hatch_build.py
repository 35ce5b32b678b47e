"""Hatchling build hook: compile the .po catalogs to .mo so every install speaks Vietnamese."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version, build_data):
        root = Path(self.root) / "tracker" / "translations"
        for po_path in root.glob("*/LC_MESSAGES/messages.po"):
            with po_path.open("rb") as f:
                catalog = read_po(f)
            with po_path.with_suffix(".mo").open("wb") as f:
                write_mo(f, catalog)
