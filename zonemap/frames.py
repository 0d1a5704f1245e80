"""The analysis input: four pandas frames, from the store or straight from records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

ITEM_COLUMNS = ["id", "source", "kind", "title", "url", "repo", "project", "labels",
                "components", "epic", "issue_type", "paths", "draft", "state",
                "created_at", "updated_at"]
# the item columns the analysis and the report read: a report loads only these (the
# dashboard shows an item's state too, and the data view its source and times)
ANALYSIS_ITEM_COLUMNS = [c for c in ITEM_COLUMNS if c not in ("source", "state", "created_at", "updated_at")]
ACTIVITY_COLUMNS = ["id", "item", "kind", "actor", "at"]
IDENTITY_COLUMNS = ["id", "name", "email"]
COMPONENT_COLUMNS = ["id", "project", "name", "lead"]


if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from connectors.records import Record


def _frame(rows: list[dict], columns: list[str], times: tuple[str, ...] = ()) -> pd.DataFrame:
    import pandas as pd

    df = pd.DataFrame(rows, columns=columns)
    for col in times:
        df[col] = pd.to_datetime(df[col], utc=True)
    return df


@dataclass
class Frames:
    items: pd.DataFrame  # ITEM_COLUMNS (a report's read: ANALYSIS_ITEM_COLUMNS)
    activities: pd.DataFrame
    identities: pd.DataFrame
    components: pd.DataFrame
    # for each activity, the row of its item in `items` (-1: none), when the store's
    # reading threads worked it out (`store_read`); else the analysis does
    item_rows: np.ndarray | None = field(default=None, repr=False, compare=False)

    @classmethod
    def empty(cls) -> "Frames":
        return cls.from_records([])

    @classmethod
    def from_records(cls, records: Iterable[Record]) -> "Frames":
        """Frames from records; within the iterable the last record with an id wins."""
        from connectors.records import Activity, Component, Identity, Item  # pydantic: not on the read path

        by_type: dict[type, dict[str, dict]] = {Item: {}, Activity: {}, Identity: {}, Component: {}}
        for r in records:
            by_type[type(r)][r.id] = r.model_dump(exclude={"type"})
        return cls(
            items=_frame(list(by_type[Item].values()), ITEM_COLUMNS, ("created_at", "updated_at")),
            activities=_frame(list(by_type[Activity].values()), ACTIVITY_COLUMNS, ("at",)),
            identities=_frame(list(by_type[Identity].values()), IDENTITY_COLUMNS),
            components=_frame(list(by_type[Component].values()), COMPONENT_COLUMNS),
        )
