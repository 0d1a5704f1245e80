"""People resolution's two ways agree: the connected components (`_by_components`, taken
whenever no link joins two declared people) give exactly what the order-dependent
union-find (`_by_union`) gives, and the union-find decides whenever they might not."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from zonemap import resolve
from zonemap.resolve import exclusion_regex, resolve_people

IDENTS = ["github:ann", "github:Ann", "github:bob", "github:Bob", "github:DAVE", "github:ci[bot]", "jira:7", "jira:8", "gitlab:ann",
          "email:ann@acme.com", "email:ANN@acme.com ", "email:42+bob@users.noreply.github.com",
          "email:bob@users.noreply.github.com", "email:carl@acme.com", "email:", "github:dave"]
EMAILS = [None, "", "  ", "ann@acme.com", " Ann@ACME.com", "bob@users.noreply.github.com",
          "7+Dave@users.noreply.github.com", "carl@acme.com", "shared@acme.com"]
PERSON_IDS = ["ann", "bob", "carl", "github:dave"]


def cfg_of(people):
    return SimpleNamespace(people=[SimpleNamespace(id=pid, name=name, team=None, role=None, identities=ids)
                                   for pid, name, ids in people])


people_st = st.lists(st.tuples(st.sampled_from(PERSON_IDS), st.sampled_from([None, "A Name"]),
                               st.lists(st.sampled_from(IDENTS), max_size=3)),
                     max_size=3, unique_by=lambda p: p[0])
records_st = st.lists(st.tuples(st.sampled_from(IDENTS), st.sampled_from([None, "", " Ann ", "Bob"]),
                                st.sampled_from(EMAILS)), max_size=8)


def records_frame(rows):
    return pd.DataFrame(rows, columns=["id", "name", "email"]).astype(object) if rows else \
        pd.DataFrame({"id": [], "name": [], "email": []}, dtype=object)


def both_ways(cfg, records, actors, exclude, extra):
    kept = records if exclude is None or records.empty else records[~resolve.excluded_mask(records["id"], exclude)]
    return (resolve_people(cfg, records, actors, exclude, extra),
            resolve._by_union(cfg, kept, list(actors), exclude, list(extra)),
            resolve._by_components(cfg, kept, list(actors), exclude, list(extra)))


@settings(max_examples=400, deadline=None)
@given(people_st, records_st, st.lists(st.sampled_from(IDENTS), max_size=5),
       st.lists(st.sampled_from(IDENTS + PERSON_IDS), max_size=3), st.booleans())
def test_components_give_what_the_union_find_gives(people, rows, actors, extra, exclude_bots):
    exclude = exclusion_regex(["*[bot]"]) if exclude_bots else None
    cfg = cfg_of(people)
    (identities, persons), (u_identities, u_persons), fast = both_ways(cfg, records_frame(rows), actors, exclude, extra)
    pd.testing.assert_frame_equal(identities, u_identities, check_exact=True)
    pd.testing.assert_frame_equal(persons, u_persons, check_exact=True)
    if fast is not None:  # when the components answer, they answer exactly as the union-find
        pd.testing.assert_frame_equal(fast[0], u_identities, check_exact=True)
        pd.testing.assert_frame_equal(fast[1], u_persons, check_exact=True)


def test_an_ordinary_organisation_is_resolved_by_components():
    cfg = cfg_of([("ann", "Ann", ["github:ann", "email:ann@acme.com"]), ("bob", None, ["jira:7"])])
    records = records_frame([("github:Ann", "Ann A", "ANN@acme.com"), ("jira:8", "Bob", "bob@users.noreply.github.com"),
                             ("github:bob", None, None)])
    *_, fast = both_ways(cfg, records, ["github:Ann", "jira:8", "gitlab:ann"], None, [])
    assert fast is not None
    person = dict(zip(fast[0]["identity"], fast[0]["person"]))
    assert person == {"github:ann": "ann", "email:ann@acme.com": "ann", "github:Ann": "ann", "jira:7": "bob",
                      "jira:8": "github:bob", "github:bob": "github:bob", "gitlab:ann": "gitlab:ann"}
    assert fast[1].loc["github:bob", "name"] == "Bob" and not fast[1].loc["github:bob", "declared"]


def test_a_link_between_two_declared_people_is_left_to_the_union_find():
    cfg = cfg_of([("ann", None, ["github:ann"]), ("bob", None, ["github:bob"])])
    records = records_frame([("github:ann", None, "shared@acme.com"), ("github:bob", None, "shared@acme.com"),
                             ("jira:7", None, "shared@acme.com")])
    (identities, _), _, fast = both_ways(cfg, records, ["jira:7"], None, [])
    assert fast is None
    person = dict(zip(identities["identity"], identities["person"]))
    assert person["github:ann"] == "ann" and person["github:bob"] == "bob"
    assert person["jira:7"] == "ann"  # the union-find met ann's address first, in identity order


def test_components_label_each_vertex_with_the_smallest_of_its_component():
    chain = np.arange(2999)  # 0-1-2-...-2999, and 3000-3001 apart, and 3002 alone
    a, b = np.append(chain[::-1], 3001), np.append(chain[::-1] + 1, 3000)
    label = resolve._components(3003, a, b)
    assert label is not None and label.tolist() == [0] * 3000 + [3000, 3000, 3002]
    assert resolve._components(3003, a, b, rounds=0) is None  # unsettled: the union-find decides
