"""Who is who: declared people, email merging, noreply addresses, excluded actors."""

from __future__ import annotations

from analysis_helpers import act, config, ident, item, run

from zonemap.resolve import exclusion_regex


def person_of(analysis) -> dict[str, str]:
    return dict(zip(analysis.identities["identity"], analysis.identities["person"]))


def test_declared_identities_belong_to_their_person():
    cfg = config(people=[{"id": "alice", "name": "Alice Smith", "role": "product", "team": "Growth",
                          "identities": ["github:alice-s", "jira:5b10"]}])
    a = run(cfg, [item("i1"), act("i1", "github:alice-s"), act("i1", "jira:5b10", "jira_commented")])
    assert person_of(a) == {"github:alice-s": "alice", "jira:5b10": "alice"}
    assert a.people.loc["alice", "name"] == "Alice Smith"
    assert a.people.loc["alice", "team"] == "Growth"
    assert set(a.activities["person"]) == {"alice"}


def test_identities_sharing_an_email_are_one_person_trimmed_and_case_insensitive():
    records = [item("i1"),
               ident("github:bob", name="Bob Jones", email="  Bob@Acme.com "),
               ident("jira:77", name="B. Jones", email="bob@acme.com"),
               act("i1", "github:bob"), act("i1", "jira:77", "jira_commented"), act("i1", "email:BOB@acme.com")]
    a = run(config(), records)
    people = set(person_of(a).values())
    # undeclared: the id is the smallest identity id of the group, the name from its records
    assert people == {"email:BOB@acme.com"}
    assert a.people.loc["email:BOB@acme.com", "name"] == "Bob Jones"
    assert not a.people.loc["email:BOB@acme.com", "declared"]


def test_github_noreply_address_is_the_github_login():
    records = [item("i1"), act("i1", "github:carol"),
               act("i1", "email:12345+carol@users.noreply.github.com"),
               act("i1", "email:carol@users.noreply.github.com")]
    a = run(config(), records)
    assert set(person_of(a).values()) == {"github:carol"}
    assert list(a.people.index) == ["github:carol"]


def test_email_of_an_identity_record_joins_a_declared_person():
    cfg = config(people=[{"id": "dave", "identities": ["email:dave@acme.com"]}])
    records = [item("i1"), ident("github:dl", email="dave@acme.com"), act("i1", "github:dl")]
    a = run(cfg, records)
    assert person_of(a)["github:dl"] == "dave"


def test_email_never_merges_two_declared_people():
    cfg = config(people=[{"id": "p1", "identities": ["github:one"]}, {"id": "p2", "identities": ["github:two"]}])
    records = [item("i1"), ident("github:one", email="shared@acme.com"), ident("github:two", email="shared@acme.com"),
               act("i1", "github:one"), act("i1", "github:two")]
    a = run(cfg, records)
    assert person_of(a)["github:one"] == "p1" and person_of(a)["github:two"] == "p2"


def test_excluded_actors_are_dropped_before_anything_else():
    cfg = config(areas=[{"id": "web", "repos": ["acme/web"]}])
    records = [item("i1", repo="acme/web"), act("i1", "github:renovate[bot]"), act("i1", "github:dependabot-preview"),
               act("i1", "github:erin"), ident("github:renovate[bot]", name="Renovate")]
    a = run(cfg, records, window_weeks=1)
    assert set(a.activities["actor"]) == {"github:erin"}
    assert "github:renovate[bot]" not in set(a.identities["identity"])
    assert list(a.people.index) == ["github:erin"]
    # the bot is not in T either: erin's single commit is her whole week
    assert a.fte["fte"].sum() == 1.0


def test_exclusion_globs_have_only_star_and_question_mark_as_wildcards():
    rx = exclusion_regex(["*[bot]", "github:ci-?"])
    assert rx.match("github:renovate[bot]")
    assert not rx.match("github:renovateb")      # [bot] is literal, not a character class
    assert not rx.match("github:renovate[bot]x")  # whole id
    assert rx.match("github:ci-1") and not rx.match("github:ci-12")
    assert exclusion_regex([]) is None


def test_taste_maker_given_as_identity_resolves_to_its_person():
    cfg = config(people=[{"id": "alice", "identities": ["github:alice-s"]}],
                 areas=[{"id": "billing", "labels": ["billing"], "taste_makers": ["github:alice-s"]}])
    a = run(cfg, [item("i1", labels=["billing"]), act("i1", "github:alice-s")])
    assert a.taste_makers[["area", "person", "origin"]].values.tolist() == [["billing", "alice", "config"]]


def test_people_are_declared_plus_undeclared_with_counted_activity():
    cfg = config(people=[{"id": "zed", "identities": []}])
    records = [item("i1"), act("i1", "github:old", days=200), act("i1", "github:new"),
               ident("github:quiet", name="Quiet")]
    a = run(cfg, records)
    assert list(a.people.index) == ["github:new", "zed"]
    assert a.people.loc["zed", "inferred_role"] is None
