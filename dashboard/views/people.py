"""People: where time actually goes.

Role-time averages as sorted stacked bars, declared vs observed role with the
mismatches called out, taste-maker load (areas each steers and presence in each),
and one person's areas week by week.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, state, ui


def mismatches(ctx: ui.Ctx, people: pd.DataFrame) -> None:
    st.subheader("Declared vs observed role")
    known = people[people["declared_role"].notna() & people["inferred_role"].notna()]
    off = known[known["declared_role"] != known["inferred_role"]]
    if off.empty:
        st.success("Everyone's observed role matches their declared one.", icon=":material/check_circle:")
    else:
        verb = "spends" if len(off) == 1 else "spend"
        st.warning(f"{len(off)} of {len(known)} people {verb} most of their time outside their declared role.",
                   icon=":material/compare_arrows:")
        table = pd.DataFrame({
            "person": [ctx.person_names().get(p, p) for p in off.index],
            "declared": off["declared_role"].values, "observed": off["inferred_role"].values,
            "share observed": [off.at[p, f"share_{r}"] for p, r in zip(off.index, off["inferred_role"])],
            "team": off["team"].values})
        st.dataframe(table, hide_index=True, width="stretch", column_config={
            "share observed": st.column_config.ProgressColumn("share of time", format="percent",
                                                              min_value=0, max_value=1)})
    undeclared = people[~people["declared"].astype(bool)]
    if len(undeclared):
        who = "1 person with activity is" if len(undeclared) == 1 else f"{len(undeclared)} people with activity are"
        st.caption(f"{who} not declared in the config (no declared role); the Data view suggests whom they might be.")


def taste_maker_load(ctx: ui.Ctx, people: pd.Index) -> None:
    st.subheader("Taste-maker load")
    tm = ctx.an.taste_makers
    tm = tm[tm["person"].isin(people)]
    if tm.empty:
        st.caption("Nobody here steers an area.")
        return
    names, areas = ctx.person_names(), ctx.area_names()
    load = (tm.assign(where=[f"{areas.get(a, a)} {'✓' if p else '✗'}" for a, p in zip(tm["area"], tm["present"])])
            .groupby("person").agg(steers=("area", "size"), present_in=("present", "sum"),
                                   areas=("where", lambda s: ", ".join(s)))
            .sort_values(["steers", "present_in"], ascending=[False, True]))
    load.index = [names.get(p, p) for p in load.index]
    st.dataframe(load.rename_axis("taste-maker").reset_index(), hide_index=True, width="stretch",
                 column_config={"steers": st.column_config.NumberColumn("areas steered"),
                                "present_in": st.column_config.NumberColumn("present in"),
                                "areas": st.column_config.TextColumn("areas (✓ present, ✗ absent)")})


def drill_down(ctx: ui.Ctx, people: pd.DataFrame) -> None:
    st.subheader("One person over time")
    active = people[people["fte"] > 0].sort_values("fte", ascending=False)
    if active.empty:
        return
    ids = active.index.tolist()
    names = ctx.person_names()
    if st.session_state.get("w_person") not in ids:
        st.session_state["w_person"] = ctx.view.person if ctx.view.person in ids else ids[0]
    person = st.selectbox("Person", ids, key="w_person", format_func=lambda p: names.get(p, p))
    state.update(person=person)
    row = people.loc[person]
    # roles and teams are words: ui.TEXT_FACTS sets them smaller than numbers, and lets a
    # long one wrap instead of cutting it off
    with st.container(key=ui.TEXT_FACTS):
        cols = st.columns([3, 3, 2, 3])
        share = row.get(f"share_{row['inferred_role']}")
        cols[0].metric("Observed role", str(row["inferred_role"]) if pd.notna(row["inferred_role"]) else "–",
                       border=True, help=None if pd.isna(share) else f"{share:.0%} of their time in the window.")
        cols[1].metric("Declared role", str(row["declared_role"]) if pd.notna(row["declared_role"]) else "–",
                       border=True)
        cols[2].metric("FTE in window", f"{row['fte']:.2f}", border=True)
        cols[3].metric("Team", str(row["team"]) if pd.notna(row["team"]) else "–", border=True)
    colours = charts.area_colours([a.id for a in ctx.an.cfg.areas])
    ui.chart(charts.person_areas_weekly(ctx.an.weekly, person, ctx.view.as_of, ctx.view.window,
                                        ctx.area_names(), colours=colours, big=ctx.big), "person_weekly")


def main() -> None:
    ctx = ui.context()
    st.title("People")
    people = ctx.an.people
    people = people[people.index.isin(ctx.team_people())]
    team = f"team {ctx.view.team}" if ctx.view.team else "everyone"
    st.caption(f"Role-time averages over {ctx.view.window} weeks up to {ctx.view.as_of.isoformat()}, {team}.")
    left, right = st.columns([1, 1], gap="large")
    with left:
        st.subheader("Role-time averages")
        ui.chart(charts.role_share_bars(people, ctx.roles, big=ctx.big), "role_bars")
    with right:
        mismatches(ctx, people)
        taste_maker_load(ctx, people.index)
    drill_down(ctx, people)


if __name__ == "__main__":
    main()
