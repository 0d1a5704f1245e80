"""`zonemap check --online`: ask each configured source whether the credentials work."""

from __future__ import annotations

import importlib
from typing import Callable

from .config import Config
from .sync import ADAPTERS, configured_sources


def check_online(cfg: Config, echo: Callable[[str], None]) -> list[str]:
    """Each source adapter's ``check(cfg, echo) -> list[str]`` (problems, one line each)."""
    problems: list[str] = []
    for source in configured_sources(cfg):
        adapter = importlib.import_module(ADAPTERS[source])
        check = getattr(adapter, "check", None)
        if check is None:
            echo(f"{source}: nothing to check online")
            continue
        problems += check(cfg, echo)
    return problems
