"""`zonemap check --online`: ask each configured source whether the credentials work."""

from __future__ import annotations

import importlib
from typing import Callable

from connectors.secrets import scrub

from .config import Config
from .sync import ADAPTERS, configured_sources


def check_online(cfg: Config, echo: Callable[[str], None]) -> list[str]:
    """Each source adapter's ``check(cfg, echo) -> list[str]`` (problems, one line each).

    Every line, said or returned, is scrubbed of credentials (``connectors.secrets``): the
    last guard, after the connectors' own scrubbing of server text.
    """
    problems: list[str] = []

    def say(line: str) -> None:
        echo(scrub(line))

    for source in configured_sources(cfg):
        adapter = importlib.import_module(ADAPTERS[source])
        check = getattr(adapter, "check", None)
        if check is None:
            say(f"{source}: nothing to check online")
            continue
        problems += [scrub(line) for line in check(cfg, say)]
    return problems
