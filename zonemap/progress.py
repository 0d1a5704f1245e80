"""Progress displays (rich): shown on a terminal, quiet otherwise."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable, Iterator, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

T = TypeVar("T")


@contextmanager
def counting(label: str, *, enabled: bool, console: Console):
    """A spinner counting what passes through: ``with counting(...) as tick: use(tick(it))``."""
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:,} records"),
                        TimeElapsedColumn(), console=console, disable=not enabled, transient=True)

    def tick(items: Iterable[T]) -> Iterator[T]:
        task = progress.add_task(label, total=None)
        for n, item in enumerate(items, 1):
            if n % 2000 == 0:
                progress.update(task, completed=n)
            yield item

    with progress:
        yield tick


@contextmanager
def sync_progress(console: Console):
    """The sync display: one row per source scope (repository, query), with counts.

    Adapters add a task per scope (``progress.add_task(description, total=None, **fields)``)
    and update it; the extra text column shows ``task.fields['info']`` (requests used,
    rate limit left, ...).
    """
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        MofNCompleteColumn(), TextColumn("{task.fields[info]}"), TimeElapsedColumn(),
                        console=console, disable=not console.is_terminal)
    with progress:
        yield progress
