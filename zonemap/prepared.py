"""What the analyses of one report share, computed once (issue #2 "Speed").

`prepare` takes the widest span the analyses need (the window plus `extra_weeks`
earlier weeks) and keeps its non-excluded activities as integer codes with their
weights (steps 1-2 inputs), the items they touch in one `ItemView` (each list
column split once), steps 3-4 per item and per (item, kind), which items are
explorations and who opened each, and a memo of people resolution.  `analyze`
then selects its window by time and works on codes; `build_report` prepares once
for its two analyses.  A `Prepared` serves only the frames it was made from and a
config that agrees on what it read (`Prepared.serves`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

import numpy as np
import pandas as pd

from .areas import ItemView, area_names, view_share_codes
from .coverage import OPENING_KINDS, assigned_taste_makers, exploration_mask, first_rows
from .fte import WEEK, kind_weights, week_of, weekly_fte, window_end
from .resolve import excluded_mask, exclusion_regex, resolve_people
from .roles import choose_rules, rule_table
from .vectors import by_key, decode, expand, positions, sorted_codes, starts


def _time_ns(at: pd.Series) -> np.ndarray:
    """Nanoseconds since the epoch (UTC) of a datetime column."""
    values = at.array
    if isinstance(values, pd.arrays.DatetimeArray) and values.tz is not None and str(values.tz) == "UTC":
        return values.as_unit("ns").asi8  # the store's form: no parsing (to_datetime checks every value)
    return pd.to_datetime(at, utc=True).dt.as_unit("ns").array.asi8


@dataclass
class Prepared:
    """The shared part of the analyses of one span (see the module docstring)."""

    cfg: object
    frames: object
    end: pd.Timestamp           # exclusive end of the span
    weeks: int                  # its length in weeks
    rows: np.ndarray            # positions in frames.activities of the span's non-excluded activities
    at: np.ndarray              # their times, ns since the epoch
    item: np.ndarray            # codes into item_ids
    kind: np.ndarray            # codes into kinds
    actor: np.ndarray           # codes into actors
    weight: np.ndarray          # step 2
    item_ids: pd.api.extensions.ExtensionArray  # distinct item ids (pandas strings: no Python object each)
    kinds: np.ndarray           # distinct kinds (object)
    actors: np.ndarray          # distinct actors of the span and of the explorations' history (object)
    make_item_areas: Callable[[], pd.DataFrame] = field(repr=False)  # builds `item_areas`
    area_rows: np.ndarray       # item code of each item_areas row
    shares_by_item: dict        # step 3 as codes, `vectors.by_key` on the item code: a, share
    areas: np.ndarray           # area names, sorted (codes a)
    configured: np.ndarray      # per area code: a configured area (not "(unmapped)")
    pair: np.ndarray            # per activity: code of its distinct (item, kind) pair
    split: dict                 # steps 3-4 joined per pair, `vectors.by_key` on the pair code (`_pair_split`)
    roles: np.ndarray           # role names, sorted (codes r)
    explore: np.ndarray         # per item code: an exploration
    stored_row: np.ndarray      # per item code: its row in frames.items (-1: not stored)
    opener: np.ndarray          # per item code: actor code of whoever opened it (-1: not an exploration)
    history_item: np.ndarray    # the explorations' non-excluded activities of any date: item codes
    history_actor: np.ndarray   # ... and actor codes (frames.activities order)
    _known: set = field(default_factory=set, repr=False)
    _people: dict = field(default_factory=dict, repr=False)
    _steer: dict = field(default_factory=dict, repr=False)
    _weekly: dict = field(default_factory=dict, repr=False)

    @functools.cached_property
    def item_areas(self) -> pd.DataFrame:
        """Step 3: item, area, share for every item of the span (made on first use: the
        dashboard shows it, a report never reads it)."""
        return self.make_item_areas()

    def covers(self, end: pd.Timestamp, window_weeks: int) -> bool:
        """Whether a window of `window_weeks` ending at `end` lies inside the span."""
        return end <= self.end and end - window_weeks * WEEK >= self.end - self.weeks * WEEK

    def serves(self, cfg, frames, end: pd.Timestamp, window_weeks: int) -> bool:
        """Whether an analysis of `frames` with `cfg` for this window may use it: the same
        frames object, a config that agrees on everything `prepare` read (taste-makers
        and thresholds may differ), and a window inside the span."""
        return (frames is self.frames and self.covers(end, window_weeks)
                and (cfg is self.cfg or prepared_inputs(cfg) == prepared_inputs(self.cfg)))

    def people(self, actors: np.ndarray, extra: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray,
                                                                   np.ndarray]:
        """`resolve.resolve_people` for these actor codes, computed once per distinct input,
        with each actor code's person as a code into the sorted person ids (-1: none).

        An actor that is an identity record or a declared identity is already a node of
        the resolution, so only the other actors (in order) and `extra` decide the result.
        Returns (identities, people, person code of each actor code, person ids).
        """
        names = self.actors[actors]
        key = (tuple(a for a in names if a not in self._known), tuple(extra))
        if key not in self._people:
            cfg = self.cfg
            identities, people = resolve_people(cfg, self.frames.identities, names,
                                                exclusion_regex(cfg.settings.exclude_actors), extra)
            where = pd.Index(identities["identity"]).get_indexer(self.actors)
            person = np.append(identities["person"].to_numpy(dtype=object), None)[where]
            self._people[key] = (identities, people, *sorted_codes(person))
        return self._people[key]

    def steer(self, cfg, people: tuple) -> pd.DataFrame:
        """`coverage.assigned_taste_makers` for `people` (a result of `people`), computed
        once per assignment in the config: it depends on who is who and on the areas'
        taste-makers and components, not on the window, so the report's window and the
        one a week earlier share it. (Its resolver reads only who is declared, whom every
        window keeps.)"""
        jira = getattr(cfg, "jira", None)
        key = (id(people[0]), bool(jira is not None and jira.component_leads),
               tuple((a.id, tuple(a.taste_makers), tuple(a.components)) for a in cfg.areas))
        if key not in self._steer:  # people[0] lives in `_people` as long as this does: its id is not reused
            self._steer[key] = assigned_taste_makers(cfg, people[0], people[1], self.frames.components)
        return self._steer[key]

    def weekly(self, cfg, people: tuple, end: pd.Timestamp, window_weeks: int, sel: np.ndarray,
               week: np.ndarray) -> dict:
        """Step 5 (`fte.weekly_fte`) for the window ending at `end` (`sel`, `week`: its
        rows of the span and their weeks, `fte.week_of`), with `people` from `people`.

        The weekly FTE of a calendar week depends only on that week's activities and on
        who is who, so windows that lie on the span's weeks and resolve people alike
        (the report's window and the one a week earlier, for `changes`) share one
        computation over the whole span, cut to each window.  A window off the span's
        weeks, or with an activity on the one instant its oldest week takes from the
        week before (`fte.week_of`), is computed on its own.
        """
        sizes = {"p": len(people[3]), "week": window_weeks, "a": len(self.areas), "r": len(self.roles)}
        offset, rest = divmod(self.end - end, WEEK)
        stop = end.as_unit("ns").value - window_weeks * WEEK.value
        if rest != pd.Timedelta(0) or offset < 0 or offset + window_weeks > self.weeks or (
                offset + window_weeks < self.weeks and bool(np.any(self.at == stop))):
            return weekly_fte(cfg, {"p": people[2][self.actor[sel]], "week": week, "pair": self.pair[sel],
                                    "weight": self.weight[sel]}, self.split, sizes)
        key = (id(people), float(cfg.settings.full_week_weight))
        if key not in self._weekly:
            _, span_week = week_of(self.at, self.end, self.weeks)  # every row of the span has its week
            self._weekly[key] = weekly_fte(cfg, {"p": people[2][self.actor], "week": span_week, "pair": self.pair,
                                                 "weight": self.weight}, self.split, {**sizes, "week": self.weeks})
        span = self._weekly[key]
        keep = (span["week"] >= offset) & (span["week"] < offset + window_weeks)
        return {**{name: values[keep] for name, values in span.items()}, "week": span["week"][keep] - offset}


def prepared_inputs(cfg) -> tuple:
    """The parts of a config `prepare` depends on (exclusions, areas without their
    taste-makers, role rules, weights, exploration labels, people)."""
    s = cfg.settings
    return (tuple(s.exclude_actors), tuple(s.roles), tuple(s.exploration_labels), sorted(cfg.weights.items()),
            [r.model_dump() for r in cfg.role_rules], [p.model_dump() for p in cfg.people],
            [a.model_dump(exclude={"taste_makers"}) for a in cfg.areas])


def _area_shares(cfg, view: ItemView, view_row: np.ndarray, item_index: pd.Index
                 ) -> tuple[Callable[[], pd.DataFrame], np.ndarray, dict, np.ndarray]:
    """Step 3 for every item code: what makes the item_areas frame (in `areas.area_shares` order:
    the view's rows of the span, then unstored items as unmapped), its rows' item codes, the same
    as a `by_key` table of area codes, and the sorted area names."""
    pos, area, share = view_share_codes(cfg, view)
    item_of_view = np.full(len(view), -1, dtype="int64")  # the view may hold items outside the span
    item_of_view[view_row[view_row >= 0]] = np.flatnonzero(view_row >= 0)
    code = item_of_view[pos]
    mine = code >= 0
    strangers = np.flatnonzero(view_row < 0)
    unmapped = np.full(len(strangers), len(cfg.areas))  # an unstored item is unmapped
    a_codes, areas = _used_sorted(area_names(cfg), np.concatenate([area[mine], unmapped]))
    # summed per (item, area), as one integer key: groups in order of first appearance
    key = np.concatenate([code[mine], strangers]) * max(len(areas), 1) + a_codes
    values = pd.Series(np.concatenate([share[mine], np.ones(len(strangers))]), copy=False)
    summed = values.groupby(key, sort=False).sum()  # compensated sums, as the (item, area) groupby gave
    key, share = summed.index.to_numpy(dtype="int64"), summed.to_numpy(dtype="float64")
    rows, a_codes = key // max(len(areas), 1), key % max(len(areas), 1)

    def frame() -> pd.DataFrame:
        return pd.DataFrame({"item": item_index.take(rows).array, "area": decode(areas, a_codes), "share": share})

    return frame, rows, by_key(rows, len(item_index), {"a": a_codes, "share": share}), areas


def _used_sorted(names: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`vectors.sorted_codes` of ``names[codes]`` without building those strings: the
    names that occur, sorted, and each code's rank among them."""
    seen = np.zeros(len(names), dtype=bool)
    seen[codes] = True
    used = np.flatnonzero(seen)
    used = used[np.argsort(names[used].astype(str), kind="stable")]
    rank = np.full(len(names), -1, dtype="int64")
    rank[used] = np.arange(len(used))
    return rank[codes], names[used]


def _role_shares(cfg, view: ItemView, view_row: np.ndarray, pair_item: np.ndarray, pair_kind: np.ndarray,
                 kinds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Step 4 once per distinct (item, kind) pair of the span (`pair_item`, `pair_kind`
    by pair code): each pair's role split in rule-table order as rows (pair, r, share),
    pairs ascending, and the sorted role names."""
    chosen = choose_rules(cfg, view, view_row[pair_item], pair_kind, kinds)
    table = rule_table(cfg)
    r_codes, roles = sorted_codes(table["role"].to_numpy(dtype=object))
    by_rule = by_key(table["rule"].to_numpy(dtype="int64"), int(chosen.max(initial=-1)) + 1,  # every chosen rule
                     {"r": r_codes, "share": table["share"].to_numpy(dtype="float64")})
    pair_rows, split = expand(by_rule, chosen)
    return pair_rows, by_rule["r"][split], by_rule["share"][split], roles


def _pair_split(shares_by_item: dict, pair_item: np.ndarray, role_rows: tuple[np.ndarray, np.ndarray, np.ndarray]
                ) -> dict:
    """Steps 3 and 4 joined once per (item, kind) pair, for step 5: each of the item's
    area rows (in `shares_by_item` order) times each of the pair's role rows (in rule
    order), as a `by_key` table on the pair code with a, area_share, r, role_share.
    `weekly_fte` then expands each activity once, not once per step."""
    n_pairs = len(pair_item)
    role_pair, role_r, role_share = role_rows
    by_pair = {"r": role_r, "share": role_share,  # rows already by ascending pair: a by_key table as is
               **starts(np.bincount(role_pair, minlength=n_pairs))}
    pair, at = expand(shares_by_item, pair_item)
    left, rt = expand(by_pair, pair)
    return {"a": shares_by_item["a"][at[left]], "area_share": shares_by_item["share"][at[left]],
            "r": by_pair["r"][rt], "role_share": by_pair["share"][rt],
            **starts(np.bincount(pair[left], minlength=n_pairs))}


def _span_codes(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Renumber factorisation codes (of `size` distinct values; -1: missing) in order of
    first appearance in `codes`: returns (remap, distinct) with ``remap[code]`` the new
    code (-1 for values that do not appear, and at index -1 for missing) and
    ``distinct[new code]`` the old one."""
    distinct = pd.unique(codes[codes >= 0])
    remap = np.full(size + 1, -1, dtype="int64")
    remap[distinct] = np.arange(len(distinct))
    return remap, distinct


def _dense_codes(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, distinct)`` of integer keys in ``[0, size)``, numbered in key order, by
    marking a table of `size` flags: for the (item, kind) pairs a tenth of what hashing
    a quarter of a million keys costs (`pd.factorize`). Keys spread thinly over a large
    range are sorted instead (the same codes), so the table never outgrows the keys."""
    if size > 8 * len(keys) + 4096 or len(keys) >= 2**31:
        distinct, codes = np.unique(keys, return_inverse=True)
        return codes.astype("int64", copy=False).reshape(-1), distinct
    seen = np.zeros(size, dtype=bool)
    seen[keys] = True
    distinct = np.flatnonzero(seen)
    code_of = np.empty(size, dtype="int32")  # written only where a key is: a cumsum would touch it all
    code_of[distinct] = np.arange(len(distinct), dtype="int32")
    return code_of[keys].astype("int64"), distinct


def _item_codes(items: pd.Series, stored_ids: pd.Series, rows: np.ndarray | None = None
                ) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray, np.ndarray]:
    """The activities' item column factorised against the stored item ids: returns the
    codes (-1: missing), the distinct ids (the stored ids, in row order, then the ids of
    items no row holds) and, for each stored row, the code of its id.

    One hash lookup of every activity among the stored ids (an id stored twice is its
    last row, as in `positions`) does what factorising the activities and then looking
    the stored ids up among the distinct ones did, in half the time; only the rare
    unstored items are factorised apart. `rows` is that look-up made already, on the
    store's reading threads (`Frames.item_rows`)."""
    n = len(stored_ids)
    codes = positions(stored_ids, items) if rows is None or len(rows) != len(items) else rows.copy()
    unstored = np.flatnonzero((codes < 0) & items.notna().to_numpy())
    uniq = pd.array(stored_ids.array, dtype="str")
    if len(unstored):
        extra, extra_uniq = pd.factorize(items.take(unstored))
        codes[unstored] = n + extra
        uniq = pd.array(np.concatenate([np.asarray(uniq, dtype=object), np.asarray(extra_uniq, dtype=object)]),
                        dtype="str")
    return codes, uniq, np.arange(n, dtype="int64")


def prepare(cfg, frames, as_of: date, window_weeks: int, extra_weeks: int = 0) -> Prepared:
    """The shared work for analyses whose windows lie in the `window_weeks + extra_weeks`
    weeks ending the day after `as_of`."""
    end, weeks = window_end(as_of), int(window_weeks) + int(extra_weeks)
    acts = frames.activities
    at = _time_ns(acts["at"])
    stop = end.as_unit("ns").value
    # each string column of the activities is factorised once, over every loaded row;
    # exclusions are decided per distinct actor, and the span's codes are renumbered in
    # order of first appearance (`_span_codes`), so they do not depend on the rows outside
    actor_all, actor_uniq = pd.factorize(acts["actor"])
    regex = exclusion_regex(cfg.settings.exclude_actors)
    excluded = np.append(excluded_mask(pd.Series(actor_uniq, copy=False), regex).to_numpy(dtype=bool), False)
    kept = ~excluded[actor_all]
    rows = np.flatnonzero((at < stop) & (at >= stop - weeks * WEEK.value) & kept)
    # items: each activity's item looked up among the stored ids (`_item_codes`; a stored
    # item no activity names is in no span); item codes are the span's
    act_item, uniq, stored_codes = _item_codes(acts["item"], frames.items["id"], frames.item_rows)
    item_remap, span_items = _span_codes(act_item[rows], len(uniq))
    item = item_remap[act_item[rows]]
    item_index = pd.Index(uniq.take(span_items))
    found = np.full(len(item_index), -1, dtype="int64")
    stored_in_span = item_remap[stored_codes]
    in_span = stored_in_span >= 0
    found[stored_in_span[in_span]] = np.flatnonzero(in_span)
    kind_all, kind_uniq = pd.factorize(acts["kind"])
    kind_remap, span_kinds = _span_codes(kind_all[rows], len(kind_uniq))
    kind, kinds = kind_remap[kind_all[rows]], np.asarray(kind_uniq.take(span_kinds), dtype=object)

    # every loaded item, uncopied: the few outside the span (only excluded actors touched
    # them) cost less to classify than a copy of the others costs
    view, view_row = ItemView(frames.items), found
    item_areas, area_rows, shares_by_item, areas = _area_shares(cfg, view, view_row, item_index)
    pair, pairs = _dense_codes(item * len(kinds) + kind, len(item_index) * len(kinds))
    pair_item, pair_kind = pairs // max(len(kinds), 1), pairs % max(len(kinds), 1)
    *role_rows, roles = _role_shares(cfg, view, view_row, pair_item, pair_kind, kinds)
    split = _pair_split(shares_by_item, pair_item, role_rows)

    explore = np.zeros(len(item_index), dtype=bool)
    explore[view_row >= 0] = exploration_mask(cfg, view)[view_row[view_row >= 0]]
    expl_codes = np.flatnonzero(explore)
    is_expl = np.zeros(len(uniq) + 1, dtype=bool)
    is_expl[span_items[expl_codes]] = True
    hist_rows = np.flatnonzero(is_expl[act_item] & kept)  # openers may predate the span
    actor_remap, span_actors = _span_codes(np.concatenate([actor_all[rows], actor_all[hist_rows]]), len(actor_uniq))
    actors = np.asarray(actor_uniq.take(span_actors), dtype=object)
    opener = np.full(len(item_index), -1, dtype="int64")
    hist_item = item_remap[act_item[hist_rows]]
    opening = np.isin(np.asarray(kind_uniq, dtype=object), OPENING_KINDS)
    ids = acts["id"].array
    items, first = first_rows(hist_item, opening[kind_all[hist_rows]], at[hist_rows],
                              lambda row: ids[hist_rows[row]])
    opener[items] = actor_remap[actor_all[hist_rows[first]]]

    known = set(frames.identities["id"].dropna().tolist()) | {i for p in cfg.people for i in p.identities}
    return Prepared(
        cfg=cfg, frames=frames, end=end, weeks=weeks, rows=rows, at=at[rows], item=item, kind=kind,
        actor=actor_remap[actor_all[rows]], weight=kind_weights(kinds, cfg.weights)[kind],
        item_ids=item_index.array, kinds=kinds, actors=actors, make_item_areas=item_areas,
        area_rows=area_rows, shares_by_item=shares_by_item, areas=areas,
        configured=np.isin(areas, [a.id for a in cfg.areas]), pair=pair, split=split, roles=roles,
        explore=explore, stored_row=view_row, opener=opener,
        history_item=hist_item, history_actor=actor_remap[actor_all[hist_rows]],
        _known=known)
