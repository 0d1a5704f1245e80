"""Data: what the numbers stand on.

When each source last synced and what the store holds; unmapped work with its most
common labels, components and paths (to extend the zone rules); undeclared
identities with merge suggestions; problems in the configuration.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import loading, ui
from zonemap.config import check_warnings
from zonemap.merge_hints import merge_suggestions

TOP = 10


def sources(ctx: ui.Ctx) -> None:
    st.subheader("Sources")
    facts = ctx.facts
    counts = facts["counts"]
    cols = st.columns(4)
    for col, key in zip(cols, ("items", "activities", "identities", "components")):
        col.metric(key.capitalize(), f"{counts.get(key, 0):,}", border=True)
    by_source = {k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("items:")}
    first, last = facts["first"], facts["last"]
    if first is not None:
        st.caption(f"Activity from {first:%Y-%m-%d} to {last:%Y-%m-%d}. Items by source: "
                   + ", ".join(f"{ui.md_text(s)} {n:,}" for s, n in sorted(by_source.items())))
    cur = facts["cursors"]
    if cur.empty:
        st.info("No source has been synced: this store was filled by `zonemap import` (or the demo). "
                "`zonemap sync` pulls from the sources in `zones.toml`.", icon=":material/sync_disabled:")
    else:
        last_sync = (cur.groupby("source").agg(scopes=("scope", "size"), last_synced=("synced_at", "max"))
                     .reset_index())
        st.dataframe(last_sync, hide_index=True, width="stretch")
        with st.expander("Every synced scope"):
            st.dataframe(cur[["source", "scope", "synced_at"]], hide_index=True, width="stretch")
    if facts.get("orphans"):
        st.caption(f"{facts['orphans']:,} activities point at items that are not stored (counted as unmapped).")


def _top(values: pd.Series, name: str) -> pd.DataFrame:
    flat = values.explode().dropna()
    return flat.value_counts().head(TOP).rename_axis(name).reset_index(name="items")


@st.cache_data(show_spinner=False, max_entries=8)
def unmapped_tables(key: tuple, _ctx: ui.Ctx) -> dict[str, pd.DataFrame]:
    """The unmapped items (latest 500) and their most common repos, labels, components and
    folders; cached by (source, version, as-of, window, thresholds)."""
    ia = _ctx.an.item_areas
    ids = ia.loc[(ia["area"] == "(unmapped)") & (ia["share"] > 0), "item"].unique()
    items = _ctx.items()
    items = items[items["id"].isin(ids)]
    # a plain object column: a map over the store's Arrow lists would infer an Arrow type (null when all are empty)
    folders = pd.Series([sorted({p.rsplit("/", 1)[0] + "/" if "/" in p else p for p in ps}) for ps in items["paths"]],
                        index=items.index, dtype=object)
    where = items["repo"].where(items["repo"].notna(), "Jira " + items["project"].astype(str))
    return {"count": pd.DataFrame({"n": [len(items)]}),
            "items": items[["title", "kind", "repo", "project", "last_at", "activities", "url"]].head(500),
            "repo or project": _top(where, "repo or project"), "label": _top(items["labels"], "label"),
            "component": _top(items["components"], "component"), "folder": _top(folders, "folder")}


def unmapped(ctx: ui.Ctx) -> None:
    st.subheader("Unmapped work")
    share = ctx.model.report["summary"]["unmapped_share"]
    v = ctx.view
    tables = unmapped_tables((ctx.source, ctx.version, v.as_of, v.window, v.thresholds), ctx)
    n = int(tables["count"]["n"].iloc[0])
    st.markdown(f"**{share:.0%}** of the FTE in the window is on **{n:,}** items that no area rule matches. "
                "Their most common repos, labels, components and folders are the candidates for new "
                "`[[areas]]` selectors.")
    if n == 0:
        return
    for col, name in zip(st.columns(4), ("repo or project", "label", "component", "folder")):
        col.dataframe(tables[name], hide_index=True, width="stretch")
    with st.expander(f"The unmapped items ({n:,}), most recent first"):
        st.dataframe(tables["items"], hide_index=True, width="stretch",
                     column_config={"url": st.column_config.LinkColumn("link", display_text="open")})


@st.cache_data(show_spinner=False, max_entries=4)
def config_warnings(source: loading.Source, _cfg) -> list[str]:
    """`zonemap check`'s warnings, cached by config file (shadowed path rules are costly)."""
    return check_warnings(_cfg)


@st.cache_data(show_spinner=False, max_entries=4)
def hints_for(source: loading.Source, version: int, _identities: pd.DataFrame, _cfg) -> pd.DataFrame:
    """Merge suggestions for the store's identities (cached by store version and config)."""
    return merge_suggestions(_identities, _cfg.people,
                             handles=[t for a in _cfg.areas for t in a.taste_makers if ":" in t])


def identities(ctx: ui.Ctx) -> None:
    st.subheader("Undeclared identities")
    cfg = ctx.an.cfg
    resolved = ctx.an.identities
    declared = cfg.identity_owner()
    active = set(ctx.an.people.index[ctx.an.people["fte"] > 0])
    loose = resolved[~resolved["identity"].isin(declared.keys()) & resolved["person"].isin(active)]
    joined = loose["person"].isin(cfg.person_ids())
    own_people = loose.loc[~joined, "person"].nunique()
    st.markdown(f"**{len(loose):,}** identities with activity in the window are not listed under `[[people]]`: "
                f"**{int(joined.sum()):,}** joined a declared person through a shared email, the other "
                f"{int((~joined).sum()):,} make **{own_people:,}** undeclared "
                f"{'person' if own_people == 1 else 'people'} of their own.")
    if own_people:
        own = loose[~joined].groupby("person")["identity"].agg(lambda ids: ", ".join(sorted(ids)))
        people = ctx.an.people.reindex(own.index)
        names = ctx.person_names()
        st.dataframe(pd.DataFrame({
            "undeclared person": [names.get(p, p) for p in own.index], "identities": own.values,
            "FTE": people["fte"].values, "observed role": people["inferred_role"].values}),
            hide_index=True, width="stretch",
            column_config={"identities": st.column_config.TextColumn(width="medium"),
                           "FTE": st.column_config.NumberColumn(format="%.2f", width="small"),
                           "observed role": st.column_config.TextColumn(width="small")})
    idents = loading.frames(ctx.source.store_url, ctx.version,
                            *loading.window_bounds(ctx.view.as_of, ctx.view.window)).identities
    hints = hints_for(ctx.source, ctx.version, idents, cfg)
    if hints.empty:
        st.caption("No merge suggestion.")
        return
    st.markdown("**Merge suggestions**: add the identity to that person's `identities` if it is them.")
    names = idents.set_index("id")["name"] if len(idents) else pd.Series(dtype=object)
    table = hints.assign(name=hints["identity"].map(names))[["identity", "name", "suggested_person_or_identity",
                                                               "reason"]]
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"suggested_person_or_identity": st.column_config.TextColumn("probably")})


def config_problems(ctx: ui.Ctx) -> None:
    st.subheader("Configuration")
    st.caption(f"{ui.md_text(ctx.source.config_path)} · store {ui.md_text(ctx.source.store_url)}")
    warnings = config_warnings(ctx.source, ctx.cfg)
    if not warnings:
        st.success("`zonemap check` finds nothing to warn about.", icon=":material/check_circle:")
    for w in warnings:
        st.warning(ui.md_text(w), icon=":material/warning:")


def main() -> None:
    ctx = ui.context()
    st.title("Data")
    sources(ctx)
    st.divider()
    unmapped(ctx)
    st.divider()
    left, right = st.columns(2, gap="large")
    with left:
        identities(ctx)
    with right:
        config_problems(ctx)


if __name__ == "__main__":
    main()
