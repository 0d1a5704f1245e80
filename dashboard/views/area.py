"""Area: one zone up close.

Its taste-makers and whether they are present, role FTE per week, the people in it,
its explorations and whether they were curated, its bus factor and recent items
(links to GitHub or Jira; titles shown as text).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, state, ui

RECENT = 15


def pick_area(ctx: ui.Ctx) -> str:
    """The area selector, bound to the ``area`` query param."""
    areas = ctx.an.areas
    ids = areas["id"].tolist()
    names = ctx.area_names()
    chosen = ctx.view.area if ctx.view.area in ids else ids[0]
    if st.session_state.get("w_area") not in ids:
        st.session_state["w_area"] = chosen
    area = st.selectbox("Area", ids, key="w_area", format_func=lambda a: names.get(a, a))
    state.update(area=area)
    return area


def taste_makers(ctx: ui.Ctx, area: str, active: bool) -> None:
    """Each assigned taste-maker and whether they are present; an inactive area needs
    nobody present, so its absences are said plainly, not as alarms."""
    tm = ctx.an.taste_makers
    rows = tm[tm["area"] == area]
    names = ctx.person_names()
    needs = ctx.an.cfg.settings.taste_maker_min_fte
    st.subheader("Taste-makers")
    if rows.empty:
        if active:
            st.error("No taste-maker is assigned to this area.", icon=":material/person_off:")
        else:
            st.info("No taste-maker is assigned (the area is inactive, so that is no gap).",
                    icon=":material/person_off:")
    for row in rows.itertuples(index=False):
        who = ui.md_text(names.get(row.person, row.person))
        if row.present:
            st.success(f"**{who}** is present: {row.fte:.2f} FTE here", icon=":material/check_circle:")
        elif active:
            st.error(f"**{who}** is assigned but absent: {row.fte:.2f} FTE here "
                     f"(needs {needs:.2f})", icon=":material/warning:")
        else:
            st.info(f"**{who}** is assigned: {row.fte:.2f} FTE here (present from {needs:.2f}; the area is "
                    "inactive, so that is no gap)", icon=":material/person:")
    ui.could_steer(ctx, area)


def explorations(ctx: ui.Ctx, area: str) -> None:
    ex = ctx.an.explorations
    rows = ex[ex["area"] == area]
    st.subheader(f"Explorations ({len(rows)}, {int(rows['curated'].sum())} curated)" if len(rows)
                 else "Explorations (none)")
    if rows.empty:
        st.caption("No draft pull request or prototype/spike/exploration item in the window.")
        return
    names = ctx.person_names()
    table = pd.DataFrame({
        "curated": rows["curated"].astype(bool), "link": rows["url"], "title": rows["title"].astype(str),
        "author": rows["author"].map(lambda p: names.get(p, p))})
    # the tick and the link first and narrow: a narrow side column still shows them
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "curated": st.column_config.CheckboxColumn("curated", width=70,
                                                   help="Reviewed or commented on by a taste-maker or "
                                                        "someone in a taste-maker role."),
        "title": st.column_config.TextColumn("title", width="medium"),
        "author": st.column_config.TextColumn("author", width="small"),
        "link": st.column_config.LinkColumn("link", display_text="open", width=50)})


def recent_items(ctx: ui.Ctx, area: str) -> None:
    ia = ctx.an.item_areas
    in_area = ia.loc[(ia["area"] == area) & (ia["share"] > 0), "item"]
    items = ctx.items()
    rows = items[items["id"].isin(in_area)].head(RECENT)
    st.subheader("Recent items")
    if rows.empty:
        st.caption("No item in the window.")
        return
    lines = []
    for row in rows.itertuples(index=False):
        when = row.last_at.strftime("%b %d") if pd.notna(row.last_at) else ""
        kind = ui.md_text(str(row.kind).replace("_", " "))
        lines.append(f"- {ui.md_link(row.title, row.url)} · {kind} · {when} · "
                     f"{ui.plural(int(row.activities), 'action')} by {ui.plural(int(row.people), 'person', 'people')}")
    st.markdown("\n".join(lines))


def main() -> None:
    ctx = ui.context()
    st.title("Area")
    area = pick_area(ctx)
    row = ctx.an.areas.set_index("id").loc[area]
    # the name on a line of its own: four metrics side by side keep a quarter of the width
    # each, which their values need at presentation size
    st.header(f"{ui.md_text(row['name'])} {ui.stage_badge(row['stage']) or ':gray-badge[no stage]'}")
    head = st.columns(4)
    head[0].metric("FTE", f"{row['fte']:.2f}", border=True)
    bus = row["bus_factor"]
    head[1].metric("Bus factor", "–" if pd.isna(bus) else int(bus), border=True,
                   help="The fewest people who together do half of this area's work.")
    head[2].metric("Gaps", int(row.get("gap_count", 0)), border=True)
    head[3].metric("Active", "yes" if row["active"] else "no", border=True)
    gaps = ctx.an.gaps[ctx.an.gaps["area"] == area]
    for g in gaps.itertuples(index=False):
        st.warning(ui.md_text(ui.describe_gap(ctx, g)), icon=":material/report:")
    if not row["active"]:
        st.info(f"This area is inactive: {row['fte']:.2f} FTE in the window, below the "
                f"{ctx.an.cfg.settings.active_min_fte:.2f} FTE that makes an area active. An inactive area has "
                "no gaps: nobody needs to be present in it.", icon=":material/bedtime:")

    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader("Role FTE per week")
        ui.chart(charts.role_fte_weekly(ctx.an.weekly, area, ctx.view.as_of, ctx.view.window,
                                               ctx.roles, big=ctx.big), "area_weekly")
        st.subheader("People")
        ui.chart(charts.area_people_bars(ctx.an.fte, area, ctx.person_names(), ctx.roles, big=ctx.big),
                 "area_people")
    with right:
        taste_makers(ctx, area, bool(row["active"]))
        explorations(ctx, area)
        recent_items(ctx, area)


if __name__ == "__main__":
    main()
