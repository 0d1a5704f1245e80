"""Who is who: excluded actors and identity resolution (DESIGN.md "Details: People").

Identities become people in three ways, applied in this order:

1. every identity listed under a ``[[people]]`` entry belongs to that person;
2. identities that share an email (``email:`` identity ids and the ``email`` of
   identity records; trimmed, case-insensitive) are one person, and a GitHub noreply
   address (``NNN+login@users.noreply.github.com`` or ``login@users...``) is the
   identity ``github:login``;
3. an identity nobody declared becomes (part of) an undeclared person whose id is the
   smallest identity id of its group and whose name comes from its identity records.

Email merging never joins two declared people: such a link is ignored (the config
is the authority).  Excluded actors are dropped before all of this.
"""

from __future__ import annotations

import re
from typing import Iterable

import numpy as np
import pandas as pd

from .vectors import map_distinct

_NOREPLY = re.compile(r"^(?:\d+\+)?([^@+]+)@users\.noreply\.github\.com$")


def exclusion_regex(patterns: Iterable[str]) -> re.Pattern | None:
    """Step 2 (excluded actors): one regex for globs where only ``*`` and ``?`` are wildcards.

    Everything else is literal (``*[bot]`` matches ``github:renovate[bot]``).  Matching
    is case-insensitive and covers the whole identity id.  None when there are no patterns.
    """
    parts = []
    for pattern in patterns:
        parts.append("".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch)
                             for ch in pattern))
    if not parts:
        return None
    return re.compile("(?:" + "|".join(parts) + r")\Z", re.IGNORECASE | re.DOTALL)


def excluded_mask(ids: pd.Series, regex: re.Pattern | None) -> pd.Series:
    """Boolean mask of the ids an exclusion regex matches (evaluated once per distinct id)."""
    if regex is None or ids.empty:
        return pd.Series(False, index=ids.index)
    hit = map_distinct(ids, lambda u: isinstance(u, str) and regex.match(u) is not None, dtype=bool)
    return pd.Series(hit, index=ids.index)


def email_key(identity_id: str, email: str | None) -> str | None:
    """The normalised address an identity is known by, or ``github:login`` for noreply."""
    address = email if isinstance(email, str) and email.strip() else None
    if address is None and identity_id.startswith("email:"):
        address = identity_id[len("email:"):]
    if not address:
        return None
    address = address.strip().lower()
    if not address:
        return None
    m = _NOREPLY.match(address)
    if m:
        return "github:" + m.group(1)
    return "email:" + address


def _email_link(ident: str, email, github_by_lower: dict[str, str], exclude: re.Pattern | None) -> str | None:
    """The node an identity joins by its address: ``key:<address>``, or for a GitHub
    noreply address the identity ``github:login`` (as some known GitHub identity spells
    it, ignoring case); None without an address or when that login is excluded."""
    key = email_key(ident, email)
    if key is None:
        return None
    if not key.startswith("github:"):
        return "key:" + key
    key = github_by_lower.get(key.lower(), key)
    return None if exclude is not None and exclude.match(key) else key


def _is_noreply(ident: str) -> bool:
    return ident.startswith("email:") and bool(_NOREPLY.match(ident[6:].strip().lower()))


class _Union:
    """Union-find over identity ids that refuses to join two declared people."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.owner: dict[str, str] = {}  # root -> declared person id

    def add(self, x: str) -> None:
        """Make `x` a node (its own group unless it is one already)."""
        self.parent.setdefault(x, x)

    def find(self, x: str) -> str:
        parent = self.parent
        up = parent.get(x)
        if up is None:  # a new node
            parent[x] = x
            return x
        if up == x or parent[up] == up:  # a root or a root's child: most nodes
            return up
        root = up
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        oa, ob = self.owner.get(ra), self.owner.get(rb)
        if oa is not None and ob is not None and oa != ob:
            return
        if ra > rb:
            ra, rb = rb, ra
        self.parent[rb] = ra
        owner = oa if oa is not None else ob
        self.owner.pop(rb, None)
        if owner is not None:
            self.owner[ra] = owner


def resolve_people(cfg, identity_records: pd.DataFrame, actors: Iterable[str],
                   exclude: re.Pattern | None,
                   extra: Iterable[str] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map every identity seen or declared to a person.

    Returns ``(identities, people)``: identities has columns identity, person;
    people is indexed by person id with name, team, declared_role, declared.
    ``actors`` are the identity ids that acted (already without excluded ones);
    ``extra`` are other identity ids to place (taste-makers given as identities,
    Jira component leads).

    The rules are those of `_by_union`, a union-find that refuses to join two declared
    people and so depends on the order it meets the links in. Where no link would join
    two declared people (nearly always: the config gives each identity one person),
    that order cannot matter and the groups are the plain connected components, which
    `_by_components` finds with array operations instead of one step per identity.
    """
    actors, extra = list(actors), list(extra)
    records = identity_records
    if exclude is not None and not records.empty:
        records = records[~excluded_mask(records["id"], exclude)]
    found = _by_components(cfg, records, actors, exclude, extra)
    return found if found is not None else _by_union(cfg, records, actors, exclude, extra)


def _frames(rows: list[tuple[str, str]], declared_rows: list[dict],
            undeclared: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`resolve_people`'s two frames from (identity, person) rows and people rows."""
    identities = pd.DataFrame(rows, columns=["identity", "person"]).sort_values("identity", ignore_index=True)
    people = pd.DataFrame(declared_rows + undeclared,
                          columns=["person", "name", "team", "declared_role", "declared"], dtype=object)
    people["declared"] = people["declared"].astype(bool)
    people = people.set_index("person").sort_index()
    return identities, people


def _declared_rows(cfg) -> list[dict]:
    return [{"person": person.id, "name": person.name or person.id, "team": person.team,
             "declared_role": person.role, "declared": True} for person in cfg.people]


def _record_names(record_ids: list, record_names: list) -> dict[str, str]:
    """Each identity's first non-blank name among its records, trimmed."""
    names: dict[str, str] = {}
    for ident, name in zip(record_ids, record_names):
        if isinstance(name, str) and name.strip() and ident not in names:
            names[ident] = name.strip()
    return names


def _undeclared(idents: list[str], names: dict[str, str]) -> dict:
    """The person an undeclared group of identities is: its smallest identity id that is
    not a noreply address (that is only another name of github:login), named from the
    first of its identities with a record name."""
    idents.sort()
    owner = next((i for i in idents if not _is_noreply(i)), idents[0])
    name = next((names[i] for i in idents if i in names), owner)
    return {"person": owner, "name": name, "team": None, "declared_role": None, "declared": False}


def _by_components(cfg, records: pd.DataFrame, actors: list[str], exclude: re.Pattern | None,
                   extra: list[str]) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """`_by_union`'s result when no link joins two declared people, from the connected
    components of the identities, the declared people and the email keys; None when
    some link would (or an identity id is not text, or looks like the union-find's own
    `person:`/`key:` nodes), so that `_by_union` decides in its order."""
    person_ids = [p.id for p in cfg.people]
    declared = set(person_ids)
    owned = [(ident, n) for n, p in enumerate(cfg.people) for ident in p.identities]
    record_ids, emails = records["id"].tolist(), records["email"].tolist()
    # the identities, in the order the union-find meets them (`github_by_lower` keeps the last)
    nodes = list(dict.fromkeys([*(i for i, _ in owned), *record_ids, *actors,
                                *(e for e in extra if e not in declared)]))
    if not nodes or not all(isinstance(n, str) for n in nodes) or any(
            n.startswith(("person:", "key:")) for n in nodes):
        return None
    index = {n: k for k, n in enumerate(nodes)}
    github_by_lower = {n.lower(): n for n in nodes if n.startswith("github:")}
    email_of = dict(zip(record_ids, emails))  # the last record of an id, as the union-find reads it
    link_from, link_to, hubs = [], [], {}
    for node in [n for n in nodes if n.startswith("email:") or isinstance(email_of.get(n), str)]:
        target = _email_link(node, email_of.get(node), github_by_lower, exclude)
        if target is None:
            continue
        link_from.append(index[node])
        if target.startswith("key:"):
            link_to.append(-1 - hubs.setdefault(target, len(hubs)))  # email hubs go after the people
        else:  # a GitHub identity, perhaps one nobody saw yet
            if target not in index:
                index[target] = len(nodes)
                nodes.append(target)
            link_to.append(index[target])
    n_nodes, n_people = len(nodes), len(person_ids)
    to = np.asarray(link_to, dtype="int64")
    ends = (np.concatenate([[index[i] for i, _ in owned], link_from]).astype("int64"),
            np.concatenate([[n_nodes + n for _, n in owned],
                            np.where(to >= 0, to, n_nodes + n_people - 1 - to)]).astype("int64"))
    label = _components(n_nodes + n_people + len(hubs), *ends)
    if label is None:
        return None
    anchors = label[n_nodes:n_nodes + n_people]
    if len(np.unique(anchors)) < n_people:
        return None  # two declared people in one component (an identity or an address they share)
    owner = np.full(n_nodes + n_people + len(hubs), -1, dtype="int64")
    owner[anchors] = np.arange(n_people)
    node_owner = owner[label[:n_nodes]]
    persons = np.array(person_ids + [None], dtype=object)[node_owner]
    names = _record_names(record_ids, records["name"].tolist())
    groups: dict[int, list[str]] = {}
    for k in np.flatnonzero(node_owner < 0).tolist():
        groups.setdefault(int(label[k]), []).append(nodes[k])
    undeclared = []
    for idents in groups.values():
        undeclared.append(_undeclared(idents, names))
        persons[[index[i] for i in idents]] = undeclared[-1]["person"]
    if any(u["person"] in declared for u in undeclared):
        return None  # an undeclared person named like a declared one: `_by_union` orders them
    return _frames(list(zip(nodes, persons.tolist())), _declared_rows(cfg), undeclared)


def _components(size: int, a: np.ndarray, b: np.ndarray, rounds: int = 64) -> np.ndarray | None:
    """The connected components of a graph on ``range(size)`` with edges ``a[i]-b[i]``:
    each vertex's label, the smallest vertex of its component. Hooks each edge's larger
    root under the smaller and shortens paths, round after round (a few, for groups of
    identities); None if `rounds` do not settle it."""
    label = np.arange(size, dtype="int64")
    for _ in range(rounds):
        la, lb = label[a], label[b]
        if np.array_equal(la, lb):
            return label
        np.minimum.at(label, np.maximum(la, lb), np.minimum(la, lb))
        while True:
            up = label[label]
            if np.array_equal(up, label):
                break
            label = up
    return None


def _by_union(cfg, records: pd.DataFrame, actors: list[str], exclude: re.Pattern | None,
              extra: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`resolve_people` by a union-find over identity ids, meeting declared identities
    (config order), then identity records, actors and `extra`, then email links in
    identity order; a link between two declared people is ignored."""
    uf = _Union()
    for person in cfg.people:
        anchor = f"person:{person.id}"  # a node per declared person, so one with no identities still exists
        uf.add(anchor)
        uf.owner[anchor] = person.id
        for ident in person.identities:
            uf.union(anchor, ident)

    record_ids, emails = records["id"].tolist(), records["email"].tolist()  # plain lists: iterating Arrow costs
    names = _record_names(record_ids, records["name"].tolist())
    for ident in record_ids:
        uf.add(ident)
    for ident in actors + [e for e in extra if f"person:{e}" not in uf.parent]:
        uf.add(ident)

    # email links: every identity with a key joins the key's group; a noreply key is github:login
    github_by_lower = {i.lower(): i for i in list(uf.parent) if i.startswith("github:")}
    emails = dict(zip(record_ids, emails))
    for ident in sorted(uf.parent):
        if ident.startswith("person:"):
            continue
        target = _email_link(ident, emails.get(ident), github_by_lower, exclude)
        if target is not None:
            uf.union(ident, target)

    members: dict[str, list[str]] = {}
    for ident in uf.parent:
        if not ident.startswith(("person:", "key:")):
            members.setdefault(uf.find(ident), []).append(ident)
    rows, undeclared = [], []
    for root, idents in members.items():
        owner = uf.owner.get(root)
        if owner is None:
            undeclared.append(_undeclared(idents, names))
            owner = undeclared[-1]["person"]
        rows.extend((i, owner) for i in idents)
    return _frames(rows, _declared_rows(cfg), undeclared)


def taste_maker_resolver(identities: pd.DataFrame, people: pd.DataFrame):
    """A function from a taste-maker reference (a person id or an identity id) to the
    person id it names; the lookups are built once for all of a config's references."""
    declared = set(people.index[people["declared"].to_numpy(dtype=bool)])
    person_of: dict[str, str] = {}
    for ident, person in zip(identities["identity"].tolist(), identities["person"].tolist()):
        person_of.setdefault(ident, person)  # the first row of an identity, as a lookup would find it

    def resolve(ref: str) -> str:
        if ref in declared:
            return ref
        return person_of.get(ref, ref)

    return resolve

