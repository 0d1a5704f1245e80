"""zonemap dashboard: the router (run by `zonemap dashboard` / `zonemap demo`).

Every run: find the config and store (a friendly page when there is none), read the
view state from the session or URL, draw the shared sidebar, fetch the cached
analysis, then hand over to the selected page under ``views/``. The state goes back
into the URL at the end of the run, so a copied link reproduces the view.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import streamlit as st

from dashboard import loading, state, ui

VIEWS = [  # key, file, title, icon
    ("coverage", "views/coverage.py", "Coverage", ":material/shield:"),
    ("area", "views/area.py", "Area", ":material/grid_view:"),
    ("people", "views/people.py", "People", ":material/group:"),
    ("graph", "views/graph.py", "Graph", ":material/hub:"),
    ("planning", "views/planning.py", "Planning", ":material/event_note:"),
    ("data", "views/data.py", "Data", ":material/database:"),
]
log = logging.getLogger("zonemap.dashboard")


def _present_from_url() -> bool:
    if state.SESSION_KEY in st.session_state:
        return bool(st.session_state[state.SESSION_KEY]["present"])
    return st.query_params.get("present", "") in ("1", "true", "yes")


def _defaults(cfg, last) -> state.ViewState:
    today = datetime.now(timezone.utc).date()
    latest = last.date() if last is not None else today
    as_of = cfg.settings.as_of or min(today, latest)  # a pinned snapshot (the demo), else the latest data
    return state.ViewState(as_of=as_of, window=int(cfg.settings.window_weeks),
                           thresholds=tuple((r, cfg.settings.min_fte(r)) for r in cfg.settings.roles))


def _no_activity(view: state.ViewState, facts: dict) -> loading.Problem:
    last = facts["last"]
    latest = f"The latest activity in the store is on {last.date().isoformat()}." if last is not None else ""
    return loading.Problem(
        "no_activity", "No activity in this window",
        f"Nothing happened in the {view.window} weeks up to {view.as_of.isoformat()}. {latest}",
        ["Move the as-of date in the sidebar to a day with activity, or widen the window.",
         "Or pull newer work with `zonemap sync`."])


def main() -> None:
    present = _present_from_url()
    st.set_page_config(page_title="zonemap", page_icon=ui.page_icon(), layout="wide",
                       initial_sidebar_state="collapsed" if present else "expanded")
    try:
        source, cfg, store = loading.locate()
        version = store.version()
        facts = loading.store_facts(source.store_url, version)
        if facts["counts"].get("activities", 0) == 0:
            raise loading.Problem(
                "empty_store", "The store is empty",
                f"The store {source.store_url} holds no activity yet.",
                ["Pull work from GitHub and Jira with `zonemap sync` (sources in `zones.toml`).",
                 "Or load records with `zonemap import FILE`, or try the demo with `zonemap demo`."])
    except loading.Problem as problem:
        ui.problem_page(problem)
        return

    teams = sorted({p.team for p in cfg.people if p.team})
    defaults = _defaults(cfg, facts["last"])
    view = state.current(defaults, list(cfg.settings.roles), teams)
    latest = facts["last"].date() if facts["last"] is not None else None
    view = state.sidebar(view, list(cfg.settings.roles), teams, latest)
    st.html(ui.PRESENT_CSS if view.present else ui.BASE_CSS)

    if not loading.has_activity(source.store_url, version, view.as_of, view.window):
        ui.problem_page(_no_activity(view, facts))
        state.publish(defaults)
        return
    try:
        model = loading.model(source, version, view.as_of, view.window, view.thresholds)
    except Exception as exc:  # a bug or bad data: one line here, the traceback in the server log
        log.exception("analysis failed")
        ui.problem_page(loading.Problem(
            "analysis_error", "The analysis failed", f"{type(exc).__name__}: {exc}",
            ["Run `zonemap report` on the same store for the full error.", "Please report it."]))
        state.publish(defaults)
        return

    pages = {key: st.Page(path, title=title, icon=icon, url_path=key, default=(key == "coverage"))
             for key, path, title, icon in VIEWS}
    st.session_state[ui.CTX_KEY] = ui.Ctx(source=source, cfg=cfg, version=version, view=view,
                                          defaults=defaults, model=model, facts=facts, pages=pages)
    page = st.navigation(list(pages.values()), position="top" if view.present else "sidebar")
    page.run()
    if view.present and st.button("Leave presentation mode", icon=":material/close_fullscreen:"):
        state.update(present=False)
        st.session_state.pop("w_present", None)
        state.publish(defaults)
        st.rerun()
    state.publish(defaults)


main()
