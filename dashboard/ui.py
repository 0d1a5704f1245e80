"""Shared page pieces: the view context, safe text, links, badges and the problem page.

Safety: text from GitHub or Jira is data. It reaches the page only through
:func:`md_text` (every Markdown-active character escaped, so ``<img ...>`` shows as
text), ``st.text``/``st.dataframe`` or plotly. ``unsafe_allow_html`` is used once,
for the static presentation-mode CSS, which holds no data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import pandas as pd
import streamlit as st

from dashboard.loading import Model, Problem, Source, item_table
from dashboard.state import ALL_TEAMS, ViewState, encode

CTX_KEY = "_zm_ctx"
GAP_WORDS = {
    "no_taste_maker": "no taste-maker assigned",
    "absent_taste_maker": "taste-maker assigned but not present",
    "role_gap": "not enough {role}",
    "uncurated_explorations": "explorations nobody curates",
}
STAGE_COLOURS = {"explore": "violet", "prototype": "blue", "validate": "orange", "ship": "green"}
PRESENT_CSS = """<style>
html { font-size: 22px; }
[data-testid="stMetricValue"] { font-size: 3.2rem; }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] {
  display: none; }
</style>"""
BASE_CSS = """<style>
[data-testid="stMetricValue"] { font-size: 2.6rem; }
</style>"""


@dataclass
class Ctx:
    """What a view needs: where the data is, the view state, and the cached model."""

    source: Source
    cfg: object
    version: int
    view: ViewState
    defaults: ViewState
    model: Model
    facts: dict
    pages: dict = field(default_factory=dict)

    @property
    def an(self):
        return self.model.now

    @property
    def big(self) -> bool:
        return self.view.present

    @property
    def roles(self) -> list[str]:
        return self.model.roles

    def items(self) -> pd.DataFrame:
        """Items with counted activity in the window, most recent first (read-only)."""
        v = self.view
        return item_table(self.source, self.version, v.as_of, v.window, v.thresholds)

    def area_names(self) -> dict[str, str]:
        return dict(zip(self.an.areas["id"], self.an.areas["name"].astype(str)))

    def person_names(self) -> dict[str, str]:
        names = self.an.people["name"]
        return {pid: str(n) if pd.notna(n) and n else str(pid) for pid, n in names.items()}

    def team_people(self) -> pd.Index:
        """People ids shown under the team filter (all people without one)."""
        people = self.an.people
        if self.view.team == ALL_TEAMS:
            return people.index
        return people.index[people["team"] == self.view.team]

    def team_areas(self) -> set[str] | None:
        """Areas the filtered team works in; None without a team filter."""
        if self.view.team == ALL_TEAMS:
            return None
        fte = self.an.fte
        return set(fte.loc[fte["person"].isin(self.team_people()) & (fte["fte"] > 0), "area"])


def context() -> Ctx:
    """The context the router built for this run."""
    return st.session_state[CTX_KEY]


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'])")


def md_text(text: object) -> str:
    """``text`` escaped for st.markdown: shown literally, never as Markdown or HTML."""
    s = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    return _MD_SPECIAL.sub(r"\\\1", s).replace("\n", " ")


def safe_url(url: object) -> str | None:
    """An http(s) URL with the characters that could end a Markdown link encoded; else None."""
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        return None
    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


def md_link(text: object, url: object) -> str:
    """A Markdown link with escaped text; plain escaped text when the URL is not http(s)."""
    href = safe_url(url)
    label = md_text(text) or "(untitled)"
    return f"[{label}]({href})" if href else label


def gap_words(gap_type: str, role: object = None, fte: object = None, minimum: object = None) -> str:
    """A gap in words, e.g. "not enough design (0.05 of 0.20 FTE)"."""
    words = GAP_WORDS.get(gap_type, gap_type).format(role=role)
    if gap_type == "role_gap" and pd.notna(fte) and pd.notna(minimum):
        words += f" ({float(fte):.2f} of {float(minimum):.2f} FTE)"
    return words


def stage_badge(stage: object) -> str:
    """Markdown for a coloured stage badge (explore, prototype, validate, ship); "" without one."""
    if not isinstance(stage, str) or not stage:
        return ""
    return f":{STAGE_COLOURS.get(stage, 'gray')}-badge[{md_text(stage)}]"


def chart(fig, key: str) -> None:
    """A plotly figure as the builders styled it (not re-themed by Streamlit)."""
    st.plotly_chart(fig, key=key, theme=None, config={"displayModeBar": False, "displaylogo": False})


def link_params(ctx: Ctx, **selection: str) -> dict[str, str]:
    """Query params for a link: the current view plus a new selection."""
    return {**encode(ctx.view, ctx.defaults), **selection}


def area_link(ctx: Ctx, area_id: str, label: str, container=st) -> None:
    """A link to the Area view of ``area_id`` that keeps the sidebar's state."""
    container.page_link(ctx.pages["area"], label=f"**{md_text(label)}**", icon=":material/arrow_forward:",
                        query_params=link_params(ctx, area=area_id))


def problem_page(problem: Problem) -> None:
    """The friendly page for a state without data: what is wrong, what to do."""
    st.title("zonemap")
    st.header(problem.title)
    st.warning(md_text(problem.detail), icon=":material/info:")
    st.markdown("**What to do**")
    for step in problem.todo:
        st.markdown(f"- {step}")


def metric_delta(now: float, before: float, digits: int = 0) -> float | None:
    delta = round(now - before, digits)
    return None if delta == 0 else delta
