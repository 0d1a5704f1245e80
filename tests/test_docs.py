"""The docs name real code: every `module.function` the analysis step table of
docs/analysis.md points a reader to exists in that zonemap module."""

from __future__ import annotations

import importlib
import re

from conftest import ROOT


def test_every_function_the_step_table_names_exists():
    table = [line for line in (ROOT / "docs" / "analysis.md").read_text().splitlines() if line.startswith("| ")]
    names = {m for line in table for m in re.findall(r"`([a-z_]+)\.([A-Za-z_]+)`", line)}
    assert len(names) > 20  # the table is where it was
    missing = [f"{module}.{name}" for module, name in sorted(names)
               if not hasattr(importlib.import_module(f"zonemap.{module}"), name)]
    assert missing == []
