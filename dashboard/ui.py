"""Shared page pieces: the view context, safe text, links, badges and the problem page.

Safety: text from GitHub or Jira is data. It reaches the page only through
:func:`md_text` (every Markdown-active character escaped, so ``<img ...>`` shows as
text, and bare URLs broken so they are not autolinked), ``st.text``/``st.dataframe``
or plotly through ``charts.plain`` (HTML-escaped). ``unsafe_allow_html`` is used once,
for the static presentation-mode CSS, which holds no data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote, urlsplit

import pandas as pd
import streamlit as st

from zonemap import gap_words as wording
from zonemap.coverage import TM_GAPS
from zonemap.fte import TOL

from dashboard.loading import Model, Problem, Source, item_table
from dashboard.state import ALL_TEAMS, ViewState, encode

CTX_KEY = "_zm_ctx"
GAP_WORDS = {  # a gap in words where its numbers are not at hand (see gap_words)
    "no_taste_maker": "no taste-maker is assigned",
    "absent_taste_maker": "the assigned taste-maker is not present",
    "role_gap": "not enough {role}",
    "uncurated_explorations": "fewer than half of the explorations are curated",
}
WEEK_AGO_WORDS = {  # a gap that closed since last week, as it was
    "no_taste_maker": "no taste-maker was assigned a week ago",
    "absent_taste_maker": "the assigned taste-maker was not present a week ago",
    "role_gap": "not enough {role} a week ago",
    "uncurated_explorations": "fewer than half of the explorations were curated a week ago",
}
FIT_HELP = ("How well a candidate fits an area (not FTE): their FTE there, plus half their FTE in areas "
            "with the same people, divided by 1 + the areas they already steer.")
STAGE_COLOURS = {"explore": "violet", "prototype": "blue", "validate": "orange", "ship": "green"}
TEXT_FACTS = "zm_text_facts"  # the key of a container whose metrics hold words, not numbers
_SHARED_CSS = """
[data-testid="stMainBlockContainer"] [data-testid="stPageLink"] p { font-size: 1.1rem; line-height: 1.35; }
[data-testid="stMainBlockContainer"] [data-testid="stPageLink"] * { white-space: normal; overflow: visible; }
.st-key-zm_text_facts [data-testid="stMetricValue"] * { white-space: normal; overflow-wrap: anywhere; }
"""
PRESENT_CSS = """<style>
html { font-size: 22px; }
[data-testid="stMetricValue"] { font-size: 3.2rem; }
.st-key-zm_text_facts [data-testid="stMetricValue"] { font-size: 1.6rem; }""" + _SHARED_CSS + """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] {
  display: none; }
</style>"""
BASE_CSS = """<style>
[data-testid="stMetricValue"] { font-size: 2.6rem; }
.st-key-zm_text_facts [data-testid="stMetricValue"] { font-size: 1.75rem; }""" + _SHARED_CSS + """</style>"""


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
    _names: dict | None = field(default=None, init=False, repr=False, compare=False)

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
        """Each person's display name (their id without one); made once per run."""
        if self._names is None:
            names = self.an.people["name"]
            self._names = {pid: str(n) if pd.notna(n) and n else str(pid) for pid, n in names.items()}
        return self._names

    def team_people(self) -> pd.Index:
        """People ids shown under the team filter (all people without one)."""
        people = self.an.people
        if self.view.team == ALL_TEAMS:
            return people.index
        return people.index[people["team"] == self.view.team]

    def team_areas(self) -> set[str] | None:
        """Areas the filtered team works in; None without a team filter.

        The team works in an area when its people together put at least the config's
        ``active_min_fte`` there (as much as keeps an area active), or when one of them
        is an assigned taste-maker of it. A stray commit elsewhere does not count."""
        if self.view.team == ALL_TEAMS:
            return None
        people = self.team_people()
        fte = self.an.fte
        per_area = fte[fte["person"].isin(people)].groupby("area")["fte"].sum()
        areas = set(per_area.index[per_area >= self.an.cfg.settings.active_min_fte - TOL])
        tm = self.an.taste_makers
        return areas | set(tm.loc[tm["person"].isin(people), "area"])


def team_note(ctx: Ctx, shown: set[str], what: str, everyone: str) -> None:
    """Say what the team filter narrowed (``what``) and what it did not (``everyone``)."""
    n = len(shown & set(ctx.an.areas["id"]))
    st.info(f"{what} for the {plural(n, 'area')} team {md_text(ctx.view.team)} works in (together at least "
            f"{ctx.an.cfg.settings.active_min_fte:.2f} FTE there, or one of them steers it); "
            f"{everyone}.", icon=":material/filter_alt:")


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and ``word`` in the singular or plural: "1 area", "3 areas", "2 people"."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def context() -> Ctx:
    """The context the router built for this run."""
    return st.session_state[CTX_KEY]


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'])")
WORD_JOINER = "\u2060"  # invisible, and not a character an autolink may contain
# what GitHub-flavoured Markdown turns into a link by itself, escaped or not: a scheme's
# "://" (and "mailto:"/"xmpp:" before an address), "www." and an e-mail address's "@"
_AUTOLINK = re.compile(r"(:)(?=//)|(?<![^\W_])(www)(?=\.)|(@)", re.IGNORECASE)


def md_text(text: object) -> str:
    """``text`` escaped for st.markdown: shown literally, never as Markdown, HTML or a link.

    Every Markdown-active character is backslash-escaped, and a word joiner (invisible)
    goes after the ":" of "://", the "www" of "www." and every "@", where Markdown would
    otherwise make a link of a bare URL or e-mail address (escapes do not stop that)."""
    s = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    s = _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, s)
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


def gap_words(gap_type: str, role: object = None, fte: object = None, minimum: object = None, *,
              who: list[tuple[str, float]] | None = None, needs: float | None = None,
              explorations: tuple[int, int] | None = None) -> str:
    """A gap in plain words, with its numbers where they are given (the wording of the
    Markdown digest, zonemap.report):

    - role gap: "not enough design (0.05 of 0.20 FTE)"
    - absent taste-maker, ``who`` = [(name, FTE here)] and ``needs`` = the FTE of presence:
      "the assigned taste-maker is not present: Priya Raman (0.05 FTE here, needs 0.10)"
    - uncurated explorations, ``explorations`` = (count, curated): "69 explorations are
      active and only 6 had a review or comment from a taste-maker or someone in a
      taste-maker role (fewer than half)"

    Names are plain text: pass the result through :func:`md_text` for Markdown."""
    words = GAP_WORDS.get(gap_type, gap_type).format(role=role)
    if gap_type == "role_gap" and pd.notna(fte) and pd.notna(minimum):
        words += f" ({float(fte):.2f} of {float(minimum):.2f} FTE)"
    elif gap_type == "absent_taste_maker" and who:
        words = wording.absent_taste_makers(who, needs)
    elif gap_type == "uncurated_explorations" and explorations:
        words = wording.uncurated_explorations(*explorations)
    return words


def describe_gap(ctx: Ctx, gap) -> str:
    """:func:`gap_words` of a row of ``ctx.an.gaps``, its numbers filled in from the analysis."""
    kind, area = gap.type, gap.area
    if kind == "absent_taste_maker":
        tm = ctx.an.taste_makers
        rows = tm[tm["area"] == area]
        names = ctx.person_names()
        return gap_words(kind, who=[(names.get(p, p), float(f)) for p, f in zip(rows["person"], rows["fte"])],
                         needs=float(ctx.an.cfg.settings.taste_maker_min_fte))
    if kind == "uncurated_explorations":
        row = ctx.an.areas.set_index("id").loc[area]
        return gap_words(kind, explorations=(int(row["explorations"]), int(row["curated"])))
    return gap_words(kind, gap.role, gap.fte, gap.min)


def closed_words(ctx: Ctx, entry: dict) -> str:
    """Why a gap of a week ago (a ``changes`` entry: area, type, role) is closed today, in
    today's numbers, e.g. "not enough design a week ago; 0.23 of 0.20 FTE now"."""
    kind, area_id, role = entry["type"], entry["area"], entry.get("role")
    was = WEEK_AGO_WORDS.get(kind, kind).format(role=role)
    areas = ctx.an.areas.set_index("id")
    if area_id not in areas.index:
        return was
    area = areas.loc[area_id]
    if not area["active"]:
        return f"{was}; the area is inactive now ({area['fte']:.2f} FTE)"
    if kind == "role_gap" and f"fte_{role}" in areas.columns:
        need = ctx.view.threshold(role)
        return f"{was}; {area[f'fte_{role}']:.2f}{'' if need is None else f' of {need:.2f}'} FTE now"
    if kind in TM_GAPS:
        names = ctx.person_names()
        tm = ctx.an.taste_makers
        present = tm[(tm["area"] == area_id) & tm["present"].astype(bool)]
        if len(present):
            return f"{was}; present now: " + ", ".join(f"{names.get(p, p)} ({f:.2f} FTE here)"
                                                      for p, f in zip(present["person"], present["fte"]))
    if kind == "uncurated_explorations":
        return f"{was}; {int(area['curated'])} of {int(area['explorations'])} are now"
    return was


def could_steer(ctx: Ctx, area: str) -> None:
    """The zone-defense suggestions for an area with a taste-maker gap (nothing for
    another area): who could steer it, with their fit, or that nobody works near it."""
    gaps = ctx.an.gaps
    if not ((gaps["area"] == area) & gaps["type"].isin(TM_GAPS)).any():
        return
    candidates = ctx.an.suggestions.get(area, [])
    if candidates:
        names = ctx.person_names()
        st.markdown(":material/person_add: **Could steer it:** " + ", ".join(
            f"{md_text(names.get(pid, pid))} (fit {score:.2f})" for pid, score in candidates), help=FIT_HELP)
    else:
        st.caption("No candidate taste-maker works near this area.")


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


@lru_cache(maxsize=1)
def page_icon():
    """The browser tab's icon: a shield drawn here (a Material icon would be fetched from
    fonts.gstatic.com, which fails offline and logs an error)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.polygon([(32, 4), (58, 13), (55, 38), (32, 60), (9, 38), (6, 13)], fill="#2563EB")
    draw.polygon([(32, 14), (48, 20), (46, 36), (32, 50)], fill="#93C5FD")
    return img


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
