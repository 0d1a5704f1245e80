"""A synthetic product organisation: the bundled demo (data/sample/) and benchmark data.

`generate` writes ``zones.toml`` and ``records.jsonl.gz`` into a folder.  One seeded
``numpy.random.default_rng`` drives everything, so the same arguments give
byte-identical files.  With the defaults it writes the demo, whose planted
situations (`zonemap.sample_story`, documented in data/sample/README.md) show in
the report at `DEMO_AS_OF`; larger sizes (3,000 people, 300 areas, a million
activities) are drawn in bulk with numpy and streamed to disk.

The parts: `sample_org` (areas, people), `sample_story` (the planted situations),
`sample_work` (items and activities as arrays), `sample_records` (arrays -> records,
zones.toml).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from connectors.records import write_records

from . import sample_story as story
from .sample_org import Identities, assign_taste_makers, build_areas, build_people
from .sample_records import records, write_config
from .sample_work import Work, background

DEMO_AS_OF = date(2026, 11, 22)   # a Sunday: the demo's last day of activity and its report date
DEFAULT_PEOPLE = 70
DEFAULT_AREAS = 14
DEFAULT_ACTIVITIES = 30_000
DEFAULT_WEEKS = 26
DEFAULT_SEED = 2026
CONFIG_NAME, RECORDS_NAME = "zones.toml", "records.jsonl.gz"
BOT_EVERY = 500                   # one weekly dependency PR per this many activities, up to every week


class SampleError(ValueError):
    """Bad arguments to `generate`; the message is one line."""


def _check(people: int, areas: int, activities: int, weeks: int) -> None:
    for name, value in (("people", people), ("areas", areas), ("activities", activities), ("weeks", weeks)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise SampleError(f"sample: --{name} must be a whole number of at least 1 (got {value!r})")


def generate(out_dir: str | Path, people: int = DEFAULT_PEOPLE, areas: int = DEFAULT_AREAS,
             activities: int = DEFAULT_ACTIVITIES, weeks: int = DEFAULT_WEEKS, seed: int = DEFAULT_SEED,
             as_of: date = DEMO_AS_OF) -> dict:
    """Write ``zones.toml`` and ``records.jsonl.gz`` for a synthetic organisation into ``out_dir``.

    ``people`` declared people (plus an undeclared contractor, a former employee and a
    dependency bot), ``areas`` areas, exactly ``activities`` activities over ``weeks``
    weeks ending on ``as_of`` (its midnight UTC).  The planted situations need the
    named areas (``areas >= 14``), ``people >= 30`` and ``weeks >= 20``; otherwise the
    organisation is background work only.  Returns counts of what was written.
    """
    _check(people, areas, activities, weeks)
    rng = np.random.default_rng(seed)
    end = int(datetime.combine(as_of + timedelta(days=1), datetime.min.time(), timezone.utc).timestamp())
    planted = story.applies(areas, people, weeks)

    area_specs = build_areas(areas, rng)
    ids = Identities(rng)
    scripted = []
    if planted:
        story.shape_areas(area_specs, weeks)
        scripted = story.scripted_people(ids)
    persons = build_people(people, area_specs, scripted, rng, ids)
    assign_taste_makers(area_specs, persons)

    parts = [story.bot_work(persons, len(area_specs), min(weeks, activities // BOT_EVERY), end, rng)]
    if planted:
        parts.append(story.scripted_work(area_specs, persons, weeks, end, rng))
    fixed = sum(p.n_activities for p in parts)
    if fixed > activities:
        raise SampleError(f"sample: --activities {activities} is too few for this organisation; "
                          f"use at least {fixed}")
    parts.append(background(area_specs, persons, activities - fixed, weeks, end, rng))
    work = Work.concat(parts)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_config(out / CONFIG_NAME, area_specs, persons, as_of, seed)
    counts: dict[str, int] = {}
    write_records(out / RECORDS_NAME, records(work, area_specs, persons, rng, counts))
    return {"people": people, "areas": areas, "weeks": weeks, "seed": seed, "as_of": as_of.isoformat(),
            "planted": planted, **counts}
