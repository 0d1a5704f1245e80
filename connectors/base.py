"""What every connector yields, and how it reports a failure."""

from __future__ import annotations

from dataclasses import dataclass, field

from .records import Record


class SourceError(Exception):
    """A source failed. The message is one line for the user and never holds a secret."""

    def __init__(self, message: str, *, scope: str | None = None, resume_at: str | None = None):
        super().__init__(message)
        self.scope = scope
        self.resume_at = resume_at  # e.g. the time a rate limit resets


@dataclass
class Batch:
    """Records to upsert together with the cursor that follows them, in one transaction."""

    scope: str
    records: list[Record] = field(default_factory=list)
    cursor: dict | None = None
    present_item_ids: set[str] | None = None  # on --full: every item id still upstream
    item_prefix: str | None = None  # the scope's item ids start with this
