"""Planning: what changed since last week and what to do about it.

Gaps opened and closed, zone-defense suggestions, a what-if (people away,
taste-makers reassigned) recomputed side by side with today, and the downloads:
the digest (Markdown), the areas table (CSV) and the report (JSON).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, loading, ui
from zonemap.report import report_csv, report_markdown
from zonemap.reporting import report_json

SHORT_GAP_WORDS = {"no_taste_maker": "no\ntaste-maker", "absent_taste_maker": "taste-maker\nabsent",
                   "role_gap": "role\ngap", "uncurated_explorations": "uncurated\nexplorations"}


def change_words(ctx: ui.Ctx, entry: dict, key: str) -> str:
    """An opened gap with today's numbers; a closed one with what closed it, in numbers."""
    gaps, role = ctx.an.gaps, entry.get("role")
    if key == "opened":
        same = gaps[(gaps["area"] == entry["area"]) & (gaps["type"] == entry["type"])
                    & (gaps["role"].isna() if role is None else gaps["role"] == role)]
        if len(same):
            return ui.describe_gap(ctx, next(same.itertuples(index=False)))
        return ui.gap_words(entry["type"], role)
    return ui.closed_words(ctx, entry)


def change_list(ctx: ui.Ctx, shown: set[str] | None) -> None:
    st.subheader("Since last week")
    ch = ctx.model.report["changes"]
    names = ctx.area_names()
    left, right = st.columns(2)
    for col, key, title in ((left, "opened", "Opened"), (right, "closed", "Closed")):
        entries = [e for e in ch[key] if shown is None or e["area"] in shown]
        col.markdown(f"**{title} ({len(entries)})**")
        if not entries:
            col.caption("none")
        for e in entries:
            badge = ":red-badge[opened]" if key == "opened" else ":green-badge[closed]"
            col.markdown(f"{badge} **{ui.md_text(names.get(e['area'], e['area']))}**: "
                         f"{ui.md_text(change_words(ctx, e, key))}")


def suggestions(ctx: ui.Ctx, shown: set[str] | None) -> None:
    st.subheader("Zone-defense suggestions")
    st.caption("For each area without a present taste-maker: product or design people who already work "
               "near it and steer little else.")
    names, areas = ctx.person_names(), ctx.area_names()
    rows = [{"area": areas.get(a, a), "candidate": names.get(p, p), "fit": s, "rank": i + 1}
            for a, cands in ctx.an.suggestions.items() if shown is None or a in shown
            for i, (p, s) in enumerate(cands)]
    gap_areas = set(ctx.an.gaps.loc[ctx.an.gaps["type"].isin(["no_taste_maker", "absent_taste_maker"]), "area"])
    if shown is not None:
        gap_areas &= shown
    nobody = sorted(areas.get(a, a) for a in gap_areas if not ctx.an.suggestions.get(a))
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                     column_config={"fit": st.column_config.NumberColumn(format="%.2f", help=ui.FIT_HELP)})
    if nobody:
        st.caption("No candidate yet for: " + ", ".join(ui.md_text(n) for n in nobody))
    if not rows and not nobody:
        where = "area the team works in" if shown is not None else "active area"
        st.success(f"Every {where} has a present taste-maker.", icon=":material/verified:")


def what_if(ctx: ui.Ctx) -> None:
    st.subheader("What if…")
    an = ctx.an
    names, area_names = ctx.person_names(), ctx.area_names()
    people = an.people[an.people["fte"] > 0].sort_values("fte", ascending=False).index.tolist()
    cfg_areas = {a.id: a for a in an.cfg.areas}
    c1, c2 = st.columns(2)
    away = c1.multiselect("People away (their activity removed)", people, key="wi_away",
                          format_func=lambda p: names.get(p, p))
    change = c2.multiselect("Areas whose taste-makers change", list(area_names), key="wi_areas",
                            format_func=lambda a: area_names.get(a, a))
    declared = [p.id for p in an.cfg.people]
    reassign = []
    for area in change:
        current = [t for t in cfg_areas[area].taste_makers if t in declared]
        new = st.multiselect(f"Taste-makers of {area_names.get(area, area)}", declared, default=current,
                             key=f"wi_tm_{area}", format_func=lambda p: names.get(p, p))
        reassign.append((area, tuple(new)))
    if not away and not reassign:
        st.caption("Mark people as away or change an area's taste-makers to see coverage recomputed.")
        return
    summary, areas, gaps = loading.what_if(ctx.source, ctx.version, ctx.view.as_of, ctx.view.window,
                                           ctx.view.thresholds, tuple(sorted(away)), tuple(reassign))
    today = ctx.model.report["summary"]
    cols = st.columns(3)
    cols[0].metric("Covered (what-if)", f"{summary['covered_areas']} of {summary['active_areas']}",
                   ui.metric_delta(summary["covered_areas"], today["covered_areas"]), border=True)
    cols[1].metric("Open gaps (what-if)", summary["gap_count"],
                   ui.metric_delta(summary["gap_count"], today["gap_count"]), delta_color="inverse", border=True)
    cols[2].metric("Active areas (what-if)", summary["active_areas"],
                   ui.metric_delta(summary["active_areas"], today["active_areas"]), delta_color="off", border=True)
    left, right = st.columns([3, 2], gap="large")
    with left:
        ui.chart(charts.gap_comparison(an.gaps["type"].value_counts(), gaps["type"].value_counts(),
                                       SHORT_GAP_WORDS, big=ctx.big), "whatif_chart")
    key = ["area", "type", "role"]
    both = an.gaps[key].merge(gaps[key], how="outer", indicator=True)
    diff = both[both["_merge"] != "both"]
    with right:
        st.markdown("**What changes against today**")
        if diff.empty:
            st.info("Same gaps as today.", icon=":material/drag_handle:")
            return
        st.markdown("\n".join(
            f"- {':green-badge[closes]' if m == 'left_only' else ':red-badge[opens]'} "
            f"**{ui.md_text(area_names.get(a, a))}** — {ui.md_text(ui.gap_words(t, r))}"
            for a, t, r, m in diff.itertuples(index=False)))


def downloads(ctx: ui.Ctx) -> None:
    st.subheader("Take it with you")
    report = ctx.model.report
    stem = f"zonemap-{report['as_of']}"
    c1, c2, c3 = st.columns(3)
    c1.download_button("Digest (Markdown)", report_markdown(report), f"{stem}.md", "text/markdown",
                       icon=":material/description:", width="stretch")
    c2.download_button("Areas (CSV)", report_csv(report), f"{stem}-areas.csv", "text/csv",
                       icon=":material/table:", width="stretch")
    c3.download_button("Report (JSON)", report_json(report), f"{stem}.json",
                       "application/json", icon=":material/data_object:", width="stretch")


def main() -> None:
    ctx = ui.context()
    st.title("Planning")
    team = f" · team {ui.md_text(ctx.view.team)}" if ctx.view.team else ""
    st.caption(f"Week ending {ctx.view.as_of.isoformat()} · {ctx.view.window}-week window{team}")
    shown = ctx.team_areas()
    if shown is not None:
        ui.team_note(ctx, shown, "The changes and suggestions are",
                     "the what-if and the downloads are for everyone")
    left, right = st.columns(2, gap="large")
    with left:
        change_list(ctx, shown)
    with right:
        suggestions(ctx, shown)
    st.divider()
    what_if(ctx)
    st.divider()
    downloads(ctx)


if __name__ == "__main__":
    main()
