"""merge_suggestions: which git (email) identities look like CODEOWNERS (GitHub) people."""

from __future__ import annotations

import pandas as pd

from zonemap.merge_hints import COLUMNS, merge_suggestions


def frame(*rows):
    return pd.DataFrame([dict(zip(["id", "name", "email"], r)) for r in rows], columns=["id", "name", "email"])


IDENTITIES = frame(
    ("email:alice@acme.com", "Alice Smith", "alice@acme.com"),
    ("github:alice-s", "Alice  SMITH", None),
    ("email:12345+bob-dev@users.noreply.github.com", "Bob Dev", "12345+bob-dev@users.noreply.github.com"),
    ("email:carol@acme.com", "Carol King", "carol@acme.com"),
    ("github:ckay", "C. King", "carol@acme.com"),           # same address: already one person
    ("email:dave@home.org", "Dave Doe", "dave@home.org"),
    ("email:dave@acme.com", "dave doe", "dave@acme.com"),
    ("email:erin@acme.com", None, "erin@acme.com"),
    ("email:frank@acme.com", "Frank", "frank@acme.com"),
    ("github:gus", "Gus", None),
)
PEOPLE = [
    {"id": "alice", "name": "Alice Smith", "identities": ["github:alice-s"]},
    {"id": "frank", "name": "F.", "identities": ["email:FRANK@acme.com"]},
    {"id": "gus", "name": "Gus", "identities": ["github:gus"]},
]


def pairs(df):
    return {(r.identity, r.suggested_person_or_identity, r.reason) for r in df.itertuples()}


def test_reasons():
    out = merge_suggestions(IDENTITIES, PEOPLE, handles=["github:erin", "github:bob-dev"])
    assert list(out.columns) == COLUMNS
    assert pairs(out) == {
        ("email:12345+bob-dev@users.noreply.github.com", "github:bob-dev", "noreply address"),
        ("email:alice@acme.com", "alice", "same name"),
        ("email:dave@acme.com", "email:dave@home.org", "same name"),
        ("email:dave@home.org", "email:dave@acme.com", "same name"),
        ("email:erin@acme.com", "github:erin", "same handle"),  # a CODEOWNERS handle, no record
    }
    assert out["identity"].is_monotonic_increasing
    # email:frank@acme.com is frank already (declared as email:FRANK@..., any case): nothing to confirm
    assert "email:frank@acme.com" not in set(out["identity"])


def test_an_identity_joined_by_email_gets_no_hint():
    """The resolution makes identities with a declared person's address that person
    (DESIGN.md "People"): suggesting to declare them would ask for what is done."""
    ids = frame(("email:gus@acme.com", "Gus", "gus@acme.com"), ("github:gus", "Gus", "gus@acme.com"),
                ("jira:77", "Gus", "GUS@acme.com "))
    assert merge_suggestions(ids, PEOPLE).empty  # not "same name", not "same handle" either


def test_the_strongest_reason_wins():
    ids = frame(("email:gus@home.org", "Gus", "gus@home.org"))
    assert pairs(merge_suggestions(ids, PEOPLE, handles=["github:gus"])) == {
        ("email:gus@home.org", "gus", "same name")}  # not also "same handle"


def test_noreply_points_at_the_person_who_owns_the_login():
    ids = frame(("email:7+alice-s@users.noreply.github.com", "A", "7+alice-s@users.noreply.github.com"))
    assert pairs(merge_suggestions(ids, PEOPLE)) == {
        ("email:7+alice-s@users.noreply.github.com", "alice", "noreply address")}


def test_nothing_to_say():
    assert merge_suggestions(frame(), []).empty
    assert merge_suggestions(frame(("email:x@y.z", None, None)), PEOPLE).empty


def test_a_suggestion_names_the_person_an_identity_joined_by_email():
    ids = frame(("github:gus", "Gus", "gus@acme.com"), ("jira:9", "Gus Grant", "gus@acme.com"),
                ("email:gg@home.org", "Gus Grant", "gg@home.org"))
    assert pairs(merge_suggestions(ids, PEOPLE)) == {("email:gg@home.org", "gus", "same name")}  # not jira:9
