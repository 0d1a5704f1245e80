"""Plotly figure builders: plain functions from analysis frames to figures.

Nothing here imports Streamlit, so every builder is testable on its own. The frames
are the documented shapes of ``zonemap.analysis.Analysis`` (see docs/internals.md):
``area_role`` (area, role, fte), ``weekly`` (person, week, area, role, fte),
``fte`` (person, area, role, fte), ``people`` (index person id: name, team,
inferred_role, fte, share_<role>), ``areas`` (id, name, stage, active, fte, ...),
``gaps`` (area, type, role, fte, min).

Plotly reads a subset of HTML in every string it draws (text, hover text, tick
labels, legend names, titles: ``<b>``, ``<i>``, ``<a href>``, ``<br>``, entities), so
every name or label a builder hands to plotly goes through :func:`plain` first: a
person called ``<a href=...>`` shows as those characters, never as a link. Colours
are fixed per role and per coverage state so a colour means the same thing on every
page.
"""

from __future__ import annotations

import html
from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go

# Role and coverage-state colours are far apart (CIE76 distance 30 or more, pairwise:
# tests/test_charts.py checks), so an area's state is never read as a person's role.
ROLE_COLOURS = {"engineering": "#3B82F6", "design": "#D946EF", "product": "#F59E0B"}
EXTRA_COLOURS = ["#14B8A6", "#84CC16", "#FB7185", "#701A75", "#0C4A6E", "#57534E"]  # roles beyond the three
STATE_COLOURS = {"covered": "#16A34A", "gap": "#DC2626", "role_gap": "#78350F", "inactive": "#9CA3AF"}
# one fixed colour per area (by config order), none like a role's or the unmapped grey
AREA_PALETTE = ["#22C55E", "#BE123C", "#3F6212", "#854D0E", "#14B8A6", "#44403C",
                "#4338CA", "#0369A1", "#EA580C", "#84CC16", "#065F46", "#06B6D4"]
FONT = dict(family="Inter, Segoe UI, Helvetica, Arial, sans-serif", size=16)


def plain(text: object, *, breaks: bool = False) -> str:
    """``text`` for plotly, shown as written: ``&``, ``<`` and ``>`` escaped, so plotly's
    HTML subset (bold, italics, links, line breaks) never applies to it. None and NaN
    become "". A newline becomes a space, or plotly's line break with ``breaks=True``
    (for the builders' own labels)."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return html.escape(str(text), quote=False).replace("\n", "<br>" if breaks else " ")


def role_colours(roles: list[str]) -> dict[str, str]:
    """A stable colour for each role: the three default roles keep theirs."""
    extra = iter(EXTRA_COLOURS * (1 + len(roles) // len(EXTRA_COLOURS)))
    return {r: ROLE_COLOURS.get(r) or next(extra) for r in roles}


def area_colours(area_ids) -> dict[str, str]:
    """A fixed colour for each area, by its place in ``area_ids`` (the config's order), so
    an area keeps its colour from person to person; "(unmapped)" is grey."""
    colours = {a: AREA_PALETTE[i % len(AREA_PALETTE)] for i, a in enumerate(area_ids)}
    return {**colours, "(unmapped)": STATE_COLOURS["inactive"]}


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
    labels = [f"{plain(n)}  ⚑" if a in tm_gap else plain(n) for a, n in names.items()]
    text = grid.map(lambda v: f"{v:.2f}").where(~is_gap, grid.map(lambda v: f"gap {v:.2f}"))
    # the values are printed in the cells, so no colour bar: the grid gets the width
    fig = go.Figure(go.Heatmap(
        z=grid.values, x=[plain(r) for r in roles], y=labels, text=text.values, texttemplate="%{text}",
        textfont=dict(size=20 if big else 15), colorscale="Blues", zmin=0, showscale=False,
        xgap=3, ygap=3, hovertemplate="%{y} · %{x}: %{z:.2f} FTE<extra></extra>",
    ))
    for i, area in enumerate(grid.index):
        for j, role in enumerate(roles):
            if is_gap.loc[area, role]:
                fig.add_shape(type="rect", x0=j - 0.48, x1=j + 0.48, y0=i - 0.46, y1=i + 0.46,
                              line=dict(color=STATE_COLOURS["gap"], width=4))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top", tickangle=0)
    return styled(fig, height=120 + 48 * len(grid.index), big=big)


WEEK = timedelta(days=7)


def _weekly_trace(x, y, name: str, colour: str, hover: str, single: bool) -> go.BaseTraceType:
    """One layer of a weekly stack: a filled area, or a bar when the window is one week
    (an area needs two weeks to have a width)."""
    if single:
        return go.Bar(x=x, y=y, name=name, marker_color=colour, width=WEEK.total_seconds() * 1000 * 0.6,
                      hovertemplate=hover)
    return go.Scatter(x=x, y=y, name=name, mode="lines", stackgroup="one", line=dict(width=0.5, color=colour),
                      hovertemplate=hover)


def _weekly_axis(fig: go.Figure, starts: pd.Series, window: int) -> None:
    """Week-start dates on x: a tick per week for short windows (dates, not clock times)."""
    fig.update_xaxes(title="week starting")
    if window == 1:
        start = starts.iloc[0]
        fig.update_layout(barmode="stack")
        fig.update_xaxes(tickvals=[start], tickformat="%b %d, %Y", range=[start - WEEK, start + WEEK])
    elif window <= 8:
        fig.update_xaxes(tickvals=sorted(starts.unique()), tickformat="%b %d")


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
        fig.add_trace(_weekly_trace(r["start"], r["fte"], plain(role), colours[role],
                                    f"{plain(role)}: %{{y:.2f}} FTE<extra>week of %{{x|%b %d}}</extra>",
                                    single=window == 1))
    fig.update_yaxes(title="FTE", rangemode="tozero")
    _weekly_axis(fig, per["start"], window)
    return styled(fig, height=380, big=big)


def person_areas_weekly(weekly: pd.DataFrame, person: str, as_of: date, window: int,
                        area_names: dict[str, str] | None = None, *, colours: dict[str, str] | None = None,
                        big: bool = False) -> go.Figure:
    """Stacked area chart: where one person's weeks went, by area (roles summed), largest
    first. ``colours`` (:func:`area_colours`) gives each area its fixed colour; by default
    the order of ``area_names``."""
    rows = weekly[weekly["person"] == person]
    if rows.empty:
        return empty_figure("No activity of this person in the window", big=big)
    order = rows.groupby("area")["fte"].sum().sort_values(ascending=False).index.tolist()
    full = pd.MultiIndex.from_product([range(window), order], names=["week", "area"])
    per = rows.groupby(["week", "area"])["fte"].sum().reindex(full, fill_value=0.0).reset_index()
    per = _weeks_axis(per, as_of, window).sort_values("start")
    names = area_names or {}
    colours = colours or area_colours(list(names) + [a for a in order if a not in names])
    fig = go.Figure()
    for area in order:
        r = per[per["area"] == area]
        colour = colours.get(area, STATE_COLOURS["inactive"])
        fig.add_trace(_weekly_trace(r["start"], r["fte"], plain(names.get(area, area)), colour,
                                    "%{fullData.name}: %{y:.2f} FTE<extra>week of %{x|%b %d}</extra>",
                                    single=window == 1))
    fig.update_yaxes(title="FTE", rangemode="tozero", range=[0, 1.05])
    _weekly_axis(fig, per["start"], window)
    return styled(fig, height=380, big=big)


def person_labels(ids, names: dict) -> list[str]:
    """Axis labels for people, escaped (:func:`plain`): their names, with the id after a
    name two people share (a category axis would merge their bars)."""
    shown = [str(names.get(p, p)) for p in ids]
    twice = pd.Series(shown).duplicated(keep=False).tolist()
    return [plain(f"{n} ({p})" if dup else n) for p, n, dup in zip(ids, shown, twice)]


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
    labels = person_labels(rows.index, dict(zip(rows.index, names)))
    colours = role_colours(roles)
    fig = go.Figure()
    for role in roles:
        fig.add_trace(go.Bar(y=labels, x=rows[f"share_{role}"] * 100, name=plain(role), orientation="h",
                             marker_color=colours[role],
                             hovertemplate=f"%{{y}}: %{{x:.0f}}% {plain(role)}<extra></extra>"))
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
    labels = person_labels(per.index, names)
    colours = role_colours(roles)
    fig = go.Figure()
    for role in roles:
        fig.add_trace(go.Bar(y=labels, x=per[role], name=plain(role), orientation="h", marker_color=colours[role],
                             hovertemplate=f"%{{y}}: %{{x:.2f}} FTE {plain(role)}<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title="FTE")
    fig.update_yaxes(autorange="reversed")
    return styled(fig, height=110 + 30 * len(per), big=big)


def gap_comparison(today: pd.Series, whatif: pd.Series, labels: dict[str, str] | None = None,
                   *, big: bool = False) -> go.Figure:
    """Grouped bars of gap counts by type: today next to the what-if. ``labels`` name the
    types in plain text; a newline in one breaks the line."""
    kinds = sorted(set(today.index) | set(whatif.index))
    if not kinds:
        return empty_figure("No gaps either way", big=big)
    names = [plain((labels or {}).get(k, k), breaks=True) for k in kinds]
    now, then = today.reindex(kinds, fill_value=0), whatif.reindex(kinds, fill_value=0)
    fig = go.Figure([
        go.Bar(x=names, y=now, name="today", marker_color="#64748B", text=now, textposition="outside"),
        go.Bar(x=names, y=then, name="what-if", marker_color="#F97316", text=then, textposition="outside"),
    ])
    fig.update_layout(barmode="group")
    fig.update_xaxes(tickangle=0)
    fig.update_yaxes(title="gaps", range=[0, 1.3 * max(now.max(), then.max(), 1)], dtick=1)
    return styled(fig, height=340, big=big)
