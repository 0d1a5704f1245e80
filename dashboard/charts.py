"""Plotly figure builders: plain functions from analysis frames to figures.

Nothing here imports Streamlit, so every builder is testable on its own. The frames
are the documented shapes of ``zonemap.analysis.Analysis`` (see docs/internals.md):
``area_role`` (area, role, fte), ``weekly`` (person, week, area, role, fte),
``fte`` (person, area, role, fte), ``people`` (index person id: name, team,
inferred_role, fte, share_<role>), ``areas`` (id, name, stage, active, fte, ...),
``gaps`` (area, type, role, fte, min).

Text from GitHub or Jira only ever goes into plotly as data (hover text, tick
labels), which plotly renders as text. Colours are fixed per role and per coverage
state so a colour means the same thing on every page.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go

ROLE_COLOURS = {"engineering": "#3B82F6", "design": "#D946EF", "product": "#F59E0B"}
EXTRA_COLOURS = ["#14B8A6", "#84CC16", "#F43F5E", "#6366F1", "#0EA5E9", "#A16207"]
STATE_COLOURS = {"covered": "#16A34A", "gap": "#DC2626", "inactive": "#9CA3AF"}
AREA_PALETTE = ["#2563EB", "#DB2777", "#EA580C", "#059669", "#7C3AED", "#CA8A04",
                "#0891B2", "#DC2626", "#4D7C0F", "#9333EA", "#0F766E", "#BE123C"]
FONT = dict(family="Inter, Segoe UI, Helvetica, Arial, sans-serif", size=16)


def role_colours(roles: list[str]) -> dict[str, str]:
    """A stable colour for each role: the three default roles keep theirs."""
    extra = iter(EXTRA_COLOURS * (1 + len(roles) // len(EXTRA_COLOURS)))
    return {r: ROLE_COLOURS.get(r) or next(extra) for r in roles}


def styled(fig: go.Figure, *, height: int | None = None, big: bool = False) -> go.Figure:
    """The house style: readable type, no clutter, legend on top."""
    fig.update_layout(
        template="plotly_white",
        font={**FONT, "size": 22 if big else FONT["size"], "color": "#1F2937"},
        margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, title_text="",
                    traceorder="normal"),
        plot_bgcolor="rgba(0,0,0,0)",
        hoverlabel=dict(font_size=16),
    )
    if height:
        fig.update_layout(height=int(height * (1.25 if big else 1)))
    return fig


def week_start(as_of: date, week: int) -> date:
    """First day of week ``week`` (0 = latest) of the window ending the day after ``as_of``."""
    return as_of + timedelta(days=1) - timedelta(days=7 * (int(week) + 1))


def _weeks_axis(weekly: pd.DataFrame, as_of: date, window: int) -> pd.DataFrame:
    """Add a ``start`` date column; every week of the window is present (0 when idle)."""
    return weekly.assign(start=[week_start(as_of, w) for w in weekly["week"]])


def empty_figure(message: str, *, big: bool = False) -> go.Figure:
    """A blank chart that says why it is blank."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font=dict(size=18), x=0.5, y=0.5,
                       xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return styled(fig, height=220, big=big)


def coverage_heatmap(area_role: pd.DataFrame, areas: pd.DataFrame, gaps: pd.DataFrame,
                     roles: list[str], *, big: bool = False) -> go.Figure:
    """Area x role FTE of the active areas (report order, top first); role-gap cells marked.

    A gap cell is drawn with a red border and its label reads "gap". The areas with a
    taste-maker gap get a red mark after their name.
    """
    active = areas[areas["active"]]
    if active.empty:
        return empty_figure("No active area in this window", big=big)
    grid = (area_role.pivot_table(index="area", columns="role", values="fte", aggfunc="sum")
            .reindex(index=active["id"], columns=roles).fillna(0.0))
    role_gaps = gaps[gaps["type"] == "role_gap"]
    is_gap = pd.DataFrame(False, index=grid.index, columns=grid.columns)
    for area, role in zip(role_gaps["area"], role_gaps["role"]):
        if area in is_gap.index and role in is_gap.columns:
            is_gap.loc[area, role] = True
    tm_gap = set(gaps.loc[gaps["type"].isin(["no_taste_maker", "absent_taste_maker"]), "area"])
    names = active.set_index("id")["name"].reindex(grid.index).fillna(pd.Series(grid.index, index=grid.index))
    labels = [f"{n}  ⚑" if a in tm_gap else str(n) for a, n in names.items()]
    text = grid.map(lambda v: f"{v:.2f}").where(~is_gap, grid.map(lambda v: f"gap {v:.2f}"))
    fig = go.Figure(go.Heatmap(
        z=grid.values, x=roles, y=labels, text=text.values, texttemplate="%{text}",
        colorscale="Blues", zmin=0, colorbar=dict(title="FTE"), xgap=3, ygap=3,
        hovertemplate="%{y} · %{x}: %{z:.2f} FTE<extra></extra>",
    ))
    for i, area in enumerate(grid.index):
        for j, role in enumerate(roles):
            if is_gap.loc[area, role]:
                fig.add_shape(type="rect", x0=j - 0.48, x1=j + 0.48, y0=i - 0.46, y1=i + 0.46,
                              line=dict(color=STATE_COLOURS["gap"], width=4))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top")
    return styled(fig, height=120 + 48 * len(grid.index), big=big)


def role_fte_weekly(weekly: pd.DataFrame, area: str, as_of: date, window: int,
                    roles: list[str], *, big: bool = False) -> go.Figure:
    """Stacked area chart: an area's FTE per week, by role, oldest week on the left."""
    rows = weekly[weekly["area"] == area]
    if rows.empty:
        return empty_figure("No activity in this area in the window", big=big)
    full = pd.MultiIndex.from_product([range(window), roles], names=["week", "role"])
    per = rows.groupby(["week", "role"])["fte"].sum().reindex(full, fill_value=0.0).reset_index()
    per = _weeks_axis(per, as_of, window).sort_values("start")
    colours = role_colours(roles)
    fig = go.Figure()
    for role in roles:
        r = per[per["role"] == role]
        fig.add_trace(go.Scatter(x=r["start"], y=r["fte"], name=role, mode="lines", stackgroup="one",
                                 line=dict(width=0.5, color=colours[role]),
                                 hovertemplate=f"{role}: %{{y:.2f}} FTE<extra>week of %{{x|%b %d}}</extra>"))
    fig.update_yaxes(title="FTE", rangemode="tozero")
    fig.update_xaxes(title="week starting")
    return styled(fig, height=380, big=big)


def person_areas_weekly(weekly: pd.DataFrame, person: str, as_of: date, window: int,
                        area_names: dict[str, str] | None = None, *, big: bool = False) -> go.Figure:
    """Stacked area chart: where one person's weeks went, by area (roles summed)."""
    rows = weekly[weekly["person"] == person]
    if rows.empty:
        return empty_figure("No activity of this person in the window", big=big)
    order = rows.groupby("area")["fte"].sum().sort_values(ascending=False).index.tolist()
    full = pd.MultiIndex.from_product([range(window), order], names=["week", "area"])
    per = rows.groupby(["week", "area"])["fte"].sum().reindex(full, fill_value=0.0).reset_index()
    per = _weeks_axis(per, as_of, window).sort_values("start")
    names = area_names or {}
    fig = go.Figure()
    for i, area in enumerate(order):
        r = per[per["area"] == area]
        colour = STATE_COLOURS["inactive"] if area == "(unmapped)" else AREA_PALETTE[i % len(AREA_PALETTE)]
        label = names.get(area, area)
        fig.add_trace(go.Scatter(x=r["start"], y=r["fte"], name=label, mode="lines", stackgroup="one",
                                 line=dict(width=0.5, color=colour),
                                 hovertemplate="%{fullData.name}: %{y:.2f}<extra>week of %{x|%b %d}</extra>"))
    fig.update_yaxes(title="FTE", rangemode="tozero", range=[0, 1.05])
    fig.update_xaxes(title="week starting")
    return styled(fig, height=380, big=big)


def role_share_bars(people: pd.DataFrame, roles: list[str], *, big: bool = False) -> go.Figure:
    """Horizontal stacked bars of each person's role-time average (shares sum to 100%).

    People are grouped by inferred role (config order) and, within a role, sorted by
    their share of it, so the clearest specialists come first.
    """
    rows = people[people["fte"] > 0]
    if rows.empty:
        return empty_figure("Nobody has activity in this window", big=big)
    rank = {r: i for i, r in enumerate(roles)}
    own = [row[f"share_{row['inferred_role']}"] if f"share_{row['inferred_role']}" in rows.columns else 0.0
           for _, row in rows.iterrows()]
    rows = rows.assign(_rank=rows["inferred_role"].map(rank).fillna(len(roles)), _own=own)
    rows = rows.sort_values(["_rank", "_own"], ascending=[True, False])
    names = rows["name"].where(rows["name"].notna() & (rows["name"] != ""), pd.Series(rows.index, index=rows.index))
    twice = names.duplicated(keep=False)
    labels = [f"{n} ({pid})" if dup else str(n) for pid, n, dup in zip(rows.index, names, twice)]
    colours = role_colours(roles)
    fig = go.Figure()
    for role in roles:
        fig.add_trace(go.Bar(y=labels, x=rows[f"share_{role}"] * 100, name=role, orientation="h",
                             marker_color=colours[role],
                             hovertemplate=f"%{{y}}: %{{x:.0f}}% {role}<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title="share of time (%)", range=[0, 100])
    fig.update_yaxes(autorange="reversed")
    return styled(fig, height=110 + 28 * len(rows), big=big)


def area_people_bars(fte: pd.DataFrame, area: str, names: dict[str, str], roles: list[str],
                     *, big: bool = False) -> go.Figure:
    """The people in an area: FTE each, stacked by role, largest first."""
    rows = fte[fte["area"] == area]
    if rows.empty:
        return empty_figure("Nobody worked here in the window", big=big)
    per = rows.pivot_table(index="person", columns="role", values="fte", aggfunc="sum").reindex(
        columns=roles).fillna(0.0)
    per = per.loc[per.sum(axis=1).sort_values(ascending=False).index]
    labels = [names.get(p, p) for p in per.index]
    colours = role_colours(roles)
    fig = go.Figure()
    for role in roles:
        fig.add_trace(go.Bar(y=labels, x=per[role], name=role, orientation="h", marker_color=colours[role],
                             hovertemplate=f"%{{y}}: %{{x:.2f}} FTE {role}<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title="FTE")
    fig.update_yaxes(autorange="reversed")
    return styled(fig, height=110 + 30 * len(per), big=big)


def gap_comparison(today: pd.Series, whatif: pd.Series, labels: dict[str, str] | None = None,
                   *, big: bool = False) -> go.Figure:
    """Grouped bars of gap counts by type: today next to the what-if."""
    kinds = sorted(set(today.index) | set(whatif.index))
    if not kinds:
        return empty_figure("No gaps either way", big=big)
    names = [(labels or {}).get(k, k) for k in kinds]
    now, then = today.reindex(kinds, fill_value=0), whatif.reindex(kinds, fill_value=0)
    fig = go.Figure([
        go.Bar(x=names, y=now, name="today", marker_color="#64748B", text=now, textposition="outside"),
        go.Bar(x=names, y=then, name="what-if", marker_color="#F97316", text=then, textposition="outside"),
    ])
    fig.update_layout(barmode="group")
    fig.update_xaxes(tickangle=0)
    fig.update_yaxes(title="gaps", range=[0, 1.3 * max(now.max(), then.max(), 1)], dtick=1)
    return styled(fig, height=340, big=big)
