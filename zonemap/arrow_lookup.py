"""A hash look-up of strings in Arrow, with neither pandas nor Python objects.

Kept apart from `vectors` (which needs pandas) so that the store's reading threads can
use it while the main thread is still importing pandas (`store_read`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa


def last_index_in(haystack: pa.Array | pa.ChunkedArray, needles: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """For each needle, its position in `haystack` (the last occurrence), or -1 (a
    missing needle too).  Arrow's hash look-up over the haystack reversed, so its first
    hit is the last occurrence; the two are never concatenated."""
    import numpy as np
    import pyarrow.compute as pc

    found = pc.index_in(needles, value_set=haystack[::-1], skip_nulls=True)
    found = found.fill_null(-1).to_numpy(zero_copy_only=False).astype("int64", copy=False)
    return np.where(found >= 0, len(haystack) - 1 - found, -1)
