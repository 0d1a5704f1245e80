"""The view state (sidebar and selection) and its round trip through the URL.

A :class:`ViewState` is what a link must reproduce: as-of date, window, team
filter, role thresholds, presentation mode, the selected area and person.
:func:`parse` and :func:`encode` are pure (query params <-> state); the Streamlit
half seeds the session from the URL once, keeps the state in
``st.session_state["zm"]`` (so it survives page switches, when page widgets are
not rendered) and writes it back to ``st.query_params`` on every run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Mapping

import streamlit as st

SESSION_KEY = "zm"
PUBLISHED_KEY = "zm_published"
ALL_TEAMS = ""


@dataclass(frozen=True)
class ViewState:
    as_of: date
    window: int
    team: str = ALL_TEAMS
    thresholds: tuple[tuple[str, float], ...] = ()
    present: bool = False
    area: str | None = None
    person: str | None = None

    def threshold(self, role: str) -> float | None:
        return dict(self.thresholds).get(role)


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if 0 <= value <= 10 else None


def parse(params: Mapping[str, str], defaults: ViewState, roles: list[str], teams: list[str]) -> ViewState:
    """A state from query params; a value that does not parse keeps its default."""
    get = params.get
    as_of = defaults.as_of
    try:
        as_of = date.fromisoformat(get("as_of", "")) if get("as_of") else as_of
    except ValueError:
        pass
    window = defaults.window
    if str(get("window", "")).isdigit() and 1 <= int(get("window")) <= 520:
        window = int(get("window"))
    team = get("team", ALL_TEAMS)
    team = team if team in teams else defaults.team
    base = dict(defaults.thresholds)
    thresholds = tuple((r, v if (v := _float(get(f"min_{r}", ""))) is not None else base.get(r, 0.2))
                       for r in roles)
    present = get("present", "") in ("1", "true", "yes")
    return ViewState(as_of=as_of, window=window, team=team, thresholds=thresholds, present=present,
                     area=get("area") or None, person=get("person") or None)


def encode(state: ViewState, defaults: ViewState) -> dict[str, str]:
    """Query params for a state: the as-of date always (a link should not drift), the rest
    only where it differs from the defaults."""
    out = {"as_of": state.as_of.isoformat()}
    if state.window != defaults.window:
        out["window"] = str(state.window)
    if state.team != ALL_TEAMS:
        out["team"] = state.team
    base = dict(defaults.thresholds)
    for role, value in state.thresholds:
        if abs(value - base.get(role, -1)) > 1e-9:
            out[f"min_{role}"] = f"{value:g}"
    if state.present:
        out["present"] = "1"
    if state.area:
        out["area"] = state.area
    if state.person:
        out["person"] = state.person
    return out


# -- Streamlit: session and URL ------------------------------------------------------

def current(defaults: ViewState, roles: list[str], teams: list[str]) -> ViewState:
    """The session's state. The URL is read on the session's first run, and again when
    it carries params this app did not write (a followed link); otherwise the session
    keeps its state, also when a page switch drops the params."""
    url = {k: st.query_params.get(k) for k in st.query_params.keys()}
    if SESSION_KEY not in st.session_state or (url and url != st.session_state.get(PUBLISHED_KEY)):
        state = parse(url, defaults, roles, teams)
        remember(state)
        for key in [k for k in st.session_state if str(k).startswith("w_")]:
            del st.session_state[key]  # widgets re-read the new state
    return _stored()


def _stored() -> ViewState:
    raw = dict(st.session_state[SESSION_KEY])
    raw["thresholds"] = tuple(tuple(t) for t in raw["thresholds"])
    return ViewState(**raw)


def remember(state: ViewState) -> None:
    st.session_state[SESSION_KEY] = asdict(state)


def update(**changes) -> None:
    """Change fields of the session's state (e.g. the selected area, from a page widget)."""
    st.session_state[SESSION_KEY] = {**st.session_state[SESSION_KEY], **changes}


def publish(defaults: ViewState) -> None:
    """Write the session's state to the URL (only when it changed: no extra history entry)."""
    wanted = encode(_stored(), defaults)
    have = {k: st.query_params.get(k) for k in st.query_params.keys()}
    if have != wanted:
        st.query_params.from_dict(wanted)
    st.session_state[PUBLISHED_KEY] = wanted


def _widget(key: str, value) -> str:
    """The widget key for ``key``, holding ``value`` before the widget is created."""
    wkey = f"w_{key}"
    if wkey not in st.session_state:
        st.session_state[wkey] = value
    return wkey


def sidebar(state: ViewState, roles: list[str], teams: list[str], latest: date | None) -> ViewState:
    """The shared sidebar; returns the state its widgets now hold."""
    sb = st.sidebar
    sb.markdown("### Time")
    as_of = sb.date_input("As of", key=_widget("as_of", state.as_of), format="YYYY-MM-DD",
                          help="The last day counted. Defaults to the latest activity in the store.")
    if latest is not None:
        sb.caption(f"Latest activity in the store: {latest.isoformat()}")
    window = sb.number_input("Window (weeks)", min_value=1, max_value=104, step=1,
                             key=_widget("window", state.window),
                             help="Role-time and FTE are averaged over this many weeks.")
    sb.markdown("### Filter")
    team_options = [ALL_TEAMS, *teams]
    team = sb.selectbox("Team", team_options, key=_widget("team", state.team if state.team in teams else ALL_TEAMS),
                        format_func=lambda t: t or "All teams",
                        help="Shows the team's people and the areas they work in: those where they put at least the "
                        "FTE that makes an area active, together, or that one of them steers.")
    sb.markdown("### Role thresholds (FTE)")
    thresholds = []
    for role, value in state.thresholds:
        v = sb.number_input(f"min {role}", min_value=0.0, max_value=10.0, step=0.05, format="%.2f",
                            key=_widget(f"min_{role}", float(value)),
                            help=f"An active area needs at least this much {role} FTE.")
        thresholds.append((role, float(v)))
    sb.markdown("### Screen-share")
    present = sb.toggle("Presentation mode", key=_widget("present", state.present),
                        help="Wide, large type, navigation on top; link with ?present=1.")
    new = replace(state, as_of=as_of or state.as_of, window=int(window), team=team,
                  thresholds=tuple(thresholds), present=bool(present))
    remember(new)
    return new
