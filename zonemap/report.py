"""The report of DESIGN.md: the JSON dict, a Markdown weekly digest and a CSV of areas.

`build_report` runs the analysis at `as_of` and at `as_of - 7 days` (same frames,
same config) for the changes.  Floats are rounded to 3 decimals here and only here.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import numpy as np
import pandas as pd

from .analysis import Analysis, analyze, changes, paused_gc, window_gaps
from . import gap_words
from .areas import UNMAPPED
from .prepared import prepare


def _r(x) -> float:
    return round(float(x), 3)


def _text(x):
    return None if x is None or (isinstance(x, float) and pd.isna(x)) else x


def _gap_entry(row: dict) -> dict:
    if row["type"] == "role_gap":
        return {"type": "role_gap", "role": row["role"], "fte": _r(row["fte"]), "min": _r(row["min"])}
    return {"type": row["type"]}


def _by_area(frame: pd.DataFrame, entry) -> dict[str, list]:
    """``{area: [entry(row), ...]}`` over the rows of `frame` (plain dicts), in row order."""
    out: dict[str, list] = {}
    for row in frame.to_dict("records"):
        out.setdefault(row["area"], []).append(entry(row))
    return out


def _runs(frame: pd.DataFrame, key: str, name: str) -> dict[str, dict[str, float]]:
    """``{key: {name: fte}}`` from a frame sorted by `key`, keeping its order, fte rounded."""
    keys = frame[key].to_numpy(dtype=object)
    names = frame[name].to_numpy(dtype=object).tolist()
    values = frame["fte"].to_numpy(dtype="float64").round(3).tolist()
    starts = np.r_[0, np.flatnonzero(keys[1:] != keys[:-1]) + 1] if len(keys) else np.array([], dtype=int)
    ends = np.r_[starts[1:], len(keys)] if len(keys) else starts
    return {keys[s]: dict(zip(names[s:e], values[s:e])) for s, e in zip(starts, ends)}


def _ranked(mapped: pd.DataFrame, top: int = 5) -> tuple[dict, dict]:
    """From person-area FTE: each area's `top` people (fte descending, then person id)
    and each person's areas (fte descending, then area id), as `_runs`. The orders that
    ``sort_values`` on the three columns gives, by stable lexsorts of sorted codes
    (code point order) instead of its multi-column sort of Arrow strings."""
    person, area = (pd.factorize(mapped[c], sort=True)[0] for c in ("person", "area"))
    down = -mapped["fte"].to_numpy(dtype="float64")
    order = np.lexsort((person, down, area))
    first = np.ones(len(order), dtype=bool)  # the first row of each area's run
    first[1:] = area[order][1:] != area[order][:-1]
    rank = np.arange(len(order)) - np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    return (_runs(mapped.take(order[rank < top]), "area", "person"),
            _runs(mapped.take(np.lexsort((area, down, person))), "person", "area"))


def report_dict(analysis: Analysis, change: dict | None = None) -> dict:
    """The report JSON of one analysis (`change` from `changes`, empty lists if None)."""
    cfg = analysis.cfg
    roles = list(cfg.settings.roles)
    fte_pa = analysis.fte_pa
    top, by_person = _ranked(fte_pa[(fte_pa["area"] != UNMAPPED) & (fte_pa["fte"] > 0)])
    gaps = _by_area(analysis.gaps, _gap_entry)
    tms = _by_area(analysis.taste_makers, lambda t: {"id": t["person"], "fte": _r(t["fte"]),
                                                     "present": bool(t["present"]),
                                                     **({"source": "jira"} if t["origin"] == "jira" else {})})

    areas = []
    for row in analysis.areas.itertuples(index=False):
        areas.append({
            "id": row.id, "name": row.name, "stage": _text(row.stage), "active": bool(row.active),
            "fte": _r(row.fte), "fte_by_role": {r: _r(getattr(row, f"fte_{r}")) for r in roles},
            "taste_makers": tms.get(row.id, []),
            "gaps": gaps.get(row.id, []),
            "score": _r(row.score),
            "bus_factor": None if pd.isna(row.bus_factor) else int(row.bus_factor),
            "explorations": {"count": int(row.explorations), "curated": int(row.curated)},
            "top_people": [{"id": p, "fte": f} for p, f in top.get(row.id, {}).items()],
        })

    steer = analysis.taste_makers
    area_order = {a.id: i for i, a in enumerate(cfg.areas)}
    steers: dict[str, set] = {}
    for person, area in zip(steer["person"].tolist(), steer["area"].tolist()):
        steers.setdefault(person, set()).add(area)
    steers = {p: sorted(areas, key=area_order.get) for p, areas in steers.items()}
    frame = analysis.people
    column = {c: frame[c].tolist() for c in ("name", "team", "declared_role", "inferred_role", "fte")}
    shares = [frame[f"share_{r}"].tolist() for r in roles]
    people = []
    for j, pid in enumerate(frame.index.tolist()):  # column lists: to_dict("records") costs 4x more
        people.append({
            "id": pid, "name": _text(column["name"][j]), "team": _text(column["team"][j]),
            "declared_role": _text(column["declared_role"][j]), "inferred_role": _text(column["inferred_role"][j]),
            "fte": _r(column["fte"][j]), "role_shares": {r: _r(share[j]) for r, share in zip(roles, shares)},
            "areas": by_person.get(pid, {}),
            "taste_maker_of": steers.get(pid, []),
        })

    active = analysis.areas.loc[analysis.areas["active"].astype(bool)]
    covered = int((active["taste_maker_gap"].isna()).sum())
    total = float(analysis.fte["fte"].sum())
    unmapped = float(analysis.fte.loc[analysis.fte["area"] == UNMAPPED, "fte"].sum())
    return {
        "as_of": analysis.as_of.isoformat(),
        "window_weeks": int(analysis.window_weeks),
        "summary": {"active_areas": int(len(active)), "covered_areas": covered,
                    "coverage": _r(covered / len(active)) if len(active) else None,
                    "gap_count": int(len(analysis.gaps)), "people": len(people),
                    "unmapped_share": _r(unmapped / total) if total > 0 else 0.0},
        "areas": areas,
        "people": people,
        "suggestions": [{"area": a, "candidates": [{"id": p, "score": _r(s)} for p, s in cands]}
                        for a in analysis.areas["id"] if (cands := analysis.suggestions.get(a)) is not None],
        "changes": change if change is not None else {"opened": [], "closed": []},
    }


def build_report(cfg, frames, as_of: date, window_weeks: int | None = None) -> dict:
    """The report JSON at `as_of`, with changes against the same report 7 days earlier."""
    window = int(window_weeks or cfg.settings.window_weeks)
    with paused_gc():
        prepared = prepare(cfg, frames, as_of, window, extra_weeks=1)
        current = analyze(cfg, frames, as_of, window, prepared=prepared)
        previous = window_gaps(cfg, frames, as_of - timedelta(days=7), window, prepared=prepared)
        return report_dict(current, changes(current, previous))


# -- Markdown ---------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~!])")


def md(text) -> str:
    """Source text as inert Markdown: one line, HTML-significant characters as entities,
    Markdown punctuation backslash-escaped (a title can never become a link or markup)."""
    s = re.sub(r"\s+", " ", str(text if text is not None else "")).strip()
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def _gap_words(gap: dict, area: dict, names: dict) -> str:
    """Why a gap is a gap, in words."""
    kind = gap["type"]
    if kind == "no_taste_maker":
        return "no taste-maker is assigned"
    if kind == "absent_taste_maker":
        return gap_words.absent_taste_makers([(md(names.get(t["id"], t["id"])), t["fte"])
                                              for t in area["taste_makers"]])
    if kind == "role_gap":
        return f"{md(gap['role'])} has {gap['fte']:.2f} FTE here, below the {gap['min']:.2f} needed"
    if kind == "uncurated_explorations":
        e = area["explorations"]
        return gap_words.uncurated_explorations(e["count"], e["curated"])
    return md(kind)


_GAP_LABEL = {"no_taste_maker": "no taste-maker", "absent_taste_maker": "taste-maker absent",
              "role_gap": "role gap", "uncurated_explorations": "uncurated explorations"}


def _change_words(entry: dict, area_names: dict) -> str:
    label = _GAP_LABEL.get(entry["type"], entry["type"])
    role = f" ({md(entry['role'])})" if entry.get("role") else ""
    return f"**{md(area_names.get(entry['area'], entry['area']))}**: {md(label)}{role}"


def report_markdown(report: dict) -> str:
    """A weekly digest a PM lead can paste into a planning doc."""
    s = report["summary"]
    names = {p["id"]: p["name"] or p["id"] for p in report["people"]}
    area_names = {a["id"]: a["name"] for a in report["areas"]}
    out = [f"# Zone coverage digest, {report['as_of']}", "",
           f"_Averaged over the {report['window_weeks']} weeks up to {report['as_of']}._", "", "## Summary", ""]
    if s["coverage"] is None:
        out.append("- No area is active in this window.")
    else:
        out.append(f"- **{s['covered_areas']} of {s['active_areas']}** active areas have a present "
                   f"taste-maker ({s['coverage']:.0%}).")
    out += [f"- {s['gap_count']} gap{'s' if s['gap_count'] != 1 else ''} in total; "
            f"{s['people']} people; {s['unmapped_share']:.0%} of the work maps to no area."]
    inactive = [md(a["name"]) for a in report["areas"] if not a["active"]]
    if inactive:
        out.append(f"- Inactive (too little work to judge): {', '.join(inactive)}.")
    out.append("")

    out += ["## Changes since last week", ""]
    ch = report["changes"]
    out += [f"- Opened: {_change_words(e, area_names)}" for e in ch["opened"]]
    out += [f"- Closed: {_change_words(e, area_names)}" for e in ch["closed"]]
    if not ch["opened"] and not ch["closed"]:
        out.append("- No gap opened or closed.")
    out.append("")

    out += ["## Gaps, most urgent first", ""]
    ranked = [a for a in report["areas"] if a["gaps"]]
    for i, a in enumerate(ranked, 1):
        bus = f", bus factor {a['bus_factor']}" if a["bus_factor"] is not None else ""
        stage = f"{md(a['stage'])}, " if a["stage"] else ""
        out.append(f"{i}. **{md(a['name'])}** ({stage}{a['fte']:.2f} FTE, score {a['score']:.2f}{bus})")
        out += [f"    - {_gap_words(g, a, names)}" for g in a["gaps"]]
    if not ranked:
        out.append("No gaps: every active area is covered." if s["active_areas"] else "No gaps.")
    out.append("")

    if report["suggestions"]:
        out += ["## Who could steer the uncovered areas", ""]
        for sug in report["suggestions"]:
            cands = ", ".join(f"{md(names.get(c['id'], c['id']))} ({c['score']:.2f})" for c in sug["candidates"])
            out.append(f"- **{md(area_names.get(sug['area'], sug['area']))}**: {cands or 'nobody suitable yet'}")
        out.append("")

    stacked = [a for a in report["areas"] if sum(t["present"] for t in a["taste_makers"]) >= 2]
    if stacked:
        out += ["## Taste-makers stacked on one area", "",
                "_Zone defense spreads taste-makers across the active areas; these areas have several "
                "present at once, and one of them could take an uncovered area._", ""]
        for a in stacked:
            present = [md(names.get(t["id"], t["id"])) for t in a["taste_makers"] if t["present"]]
            out.append(f"- **{md(a['name'])}**: {len(present)} present taste-makers ({', '.join(present)})")
        out.append("")

    differ = [p for p in report["people"] if p["declared_role"] and p["inferred_role"]
              and p["declared_role"] != p["inferred_role"]]
    if differ:
        out += ["## Observed role differs from declared", "",
                "| Person | Declared | Observed | Share of time |", "|---|---|---|---|"]
        for p in differ:
            share = p["role_shares"].get(p["inferred_role"], 0.0)
            out.append(f"| {md(p['name'] or p['id'])} | {md(p['declared_role'])} | "
                       f"{md(p['inferred_role'])} | {share:.0%} |")
        out.append("")
    return "\n".join(out)


# -- CSV -------------------------------------------------------------------------------

def _cell(value):
    """Spreadsheet-safe text: a leading = + - @ would be read as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def report_csv(report: dict) -> str:
    """The areas table of the report as CSV, one row per area in report order."""
    roles = list(report["areas"][0]["fte_by_role"]) if report["areas"] else []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["id", "name", "stage", "active", "fte", *[f"fte_{r}" for r in roles], "score",
                     "bus_factor", "taste_makers", "taste_makers_present", "gaps", "explorations",
                     "curated", "top_people"])
    for a in report["areas"]:
        gaps = ";".join(g["type"] + (f":{g['role']}" if g.get("role") else "") for g in a["gaps"])
        writer.writerow([_cell(x) for x in [
            a["id"], a["name"], a["stage"] or "", a["active"], a["fte"],
            *[a["fte_by_role"][r] for r in roles], a["score"],
            "" if a["bus_factor"] is None else a["bus_factor"],
            ";".join(t["id"] for t in a["taste_makers"]),
            ";".join(t["id"] for t in a["taste_makers"] if t["present"]),
            gaps, a["explorations"]["count"], a["explorations"]["curated"],
            ";".join(p["id"] for p in a["top_people"])]])
    return buf.getvalue()

