"""Coverage (home): is every zone of active work covered by someone with taste?

Headline numbers with their change since last week, the ranked gap list (each gap
in words, with a link to its area and who could cover it) and the area x role
heatmap of FTE with the gap cells marked.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, ui


def headline(ctx: ui.Ctx) -> None:
    now, before = ctx.model.report["summary"], ctx.model.before
    cols = st.columns(4)
    cols[0].metric("Active areas", now["active_areas"],
                   ui.metric_delta(now["active_areas"], before["active_areas"]),
                   delta_color="off", help="Areas with at least the configured minimum FTE in the window.",
                   border=True)
    cols[1].metric("Covered", f"{now['covered_areas']} of {now['active_areas']}",
                   ui.metric_delta(now["covered_areas"], before["covered_areas"]),
                   help="Active areas whose taste-maker is assigned and present.", border=True)
    cols[2].metric("Open gaps", now["gap_count"], ui.metric_delta(now["gap_count"], before["gap_count"]),
                   delta_color="inverse", help="Taste-maker, role and curation gaps of active areas.",
                   border=True)
    share, share_before = now["unmapped_share"] * 100, before["unmapped_share"] * 100
    delta = ui.metric_delta(share, share_before, 1)
    cols[3].metric("Unmapped work", f"{share:.0f}%", None if delta is None else f"{delta:+.1f} pts",
                   delta_color="inverse", help="Share of all FTE on items no area rule matches (see Data).",
                   border=True)
    st.caption(f"Deltas compare with the same window a week earlier ({ctx.view.window} weeks to "
               f"{(ctx.view.as_of - pd.Timedelta(days=7)).isoformat()}).")


def gap_list(ctx: ui.Ctx, areas: pd.DataFrame) -> None:
    """Areas with gaps, worst first: reasons in words, link, stage, who could cover."""
    gaps = ctx.an.gaps
    ranked = areas[areas["id"].isin(gaps["area"])]
    st.subheader(f"Gaps, worst first ({len(gaps[gaps['area'].isin(ranked['id'])])})")
    if ranked.empty:
        st.success("Every active area is covered: no gaps.", icon=":material/verified:")
        return
    for rank, row in enumerate(ranked.itertuples(index=False), 1):
        with st.container(border=True):
            ui.area_link(ctx, row.id, f"{rank}. {row.name}")
            reasons = gaps[gaps["area"] == row.id]
            st.markdown("\n".join(f"- {ui.md_text(ui.describe_gap(ctx, g))}"
                                   for g in reasons.itertuples(index=False)))
            ui.could_steer(ctx, row.id)
            st.markdown(f"{ui.stage_badge(row.stage)} :gray[gap score {row.score:.2f} · {row.fte:.2f} FTE · "
                        f"bus factor {'–' if pd.isna(row.bus_factor) else int(row.bus_factor)}]")


def stacked_taste_makers(ctx: ui.Ctx, areas: pd.DataFrame) -> None:
    """Zone defense spreads taste-makers: call out areas where several are present at once."""
    tm = ctx.an.taste_makers
    present = tm[tm["present"].astype(bool) & tm["area"].isin(areas["id"])]
    counts = present.groupby("area")["person"].agg(list)
    stacked = counts[counts.map(len) >= 2]
    if stacked.empty:
        return
    names, area_names = ctx.person_names(), areas.set_index("id")["name"]
    st.subheader("Taste-makers stacked on one area")
    for area_id, people in stacked.items():
        with st.container(border=True):
            ui.area_link(ctx, area_id, f"{area_names.get(area_id, area_id)}: {len(people)} present taste-makers")
            st.markdown(", ".join(ui.md_text(names.get(p, p)) for p in people)
                        + " — zone defense would spread them: one could steer an uncovered area above.")


def main() -> None:
    ctx = ui.context()
    st.title("Coverage")
    team = f" · team {ui.md_text(ctx.view.team)}" if ctx.view.team else ""
    st.caption(f"{ctx.view.window} weeks up to {ctx.view.as_of.isoformat()}{team}")
    headline(ctx)
    areas = ctx.an.areas
    shown = ctx.team_areas()
    if shown is not None:
        areas = areas[areas["id"].isin(shown)]
        ui.team_note(ctx, shown, "The gaps and the heatmap are", "the numbers above are for everyone")
    left, right = st.columns([5, 6], gap="large")
    with left:
        gap_list(ctx, areas)
        stacked_taste_makers(ctx, areas)
    with right:
        st.subheader("FTE by area and role")
        st.caption("Active areas, worst first. A red frame marks a role below its threshold; "
                   "⚑ marks a taste-maker gap.")
        ui.chart(charts.coverage_heatmap(ctx.an.area_role, areas, ctx.an.gaps, ctx.roles, big=ctx.big), "heatmap")
        inactive = areas[~areas["active"].astype(bool)]
        if len(inactive):
            st.caption("Inactive (below the activity threshold): " + ", ".join(
                ui.md_text(n) for n in inactive["name"]))


if __name__ == "__main__":
    main()
