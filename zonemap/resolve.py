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
    """
    uf = _Union()
    declared_rows = []
    for person in cfg.people:
        ids = list(person.identities)
        anchor = f"person:{person.id}"  # a node per declared person, so one with no identities still exists
        uf.add(anchor)
        uf.owner[anchor] = person.id
        for ident in ids:
            uf.union(anchor, ident)
        declared_rows.append({"person": person.id, "name": person.name or person.id,
                              "team": person.team, "declared_role": person.role, "declared": True})

    records = identity_records
    if exclude is not None and not records.empty:
        records = records[~excluded_mask(records["id"], exclude)]
    record_ids, emails = records["id"].tolist(), records["email"].tolist()  # plain lists: iterating Arrow costs
    names = {}
    for ident, name in zip(record_ids, records["name"].tolist()):
        uf.add(ident)
        if isinstance(name, str) and name.strip() and ident not in names:
            names[ident] = name.strip()
    for ident in list(actors) + [e for e in extra if f"person:{e}" not in uf.parent]:
        uf.add(ident)

    # email links: every identity with a key joins the key's group; a noreply key is github:login
    github_by_lower = {i.lower(): i for i in list(uf.parent) if i.startswith("github:")}
    emails = dict(zip(record_ids, emails))
    for ident in sorted(uf.parent):
        if ident.startswith("person:"):
            continue
        key = email_key(ident, emails.get(ident))
        if key is None:
            continue
        if key.startswith("github:"):
            key = github_by_lower.get(key.lower(), key)
            if exclude is not None and exclude.match(key):
                continue
            uf.union(ident, key)
        else:
            uf.union(ident, "key:" + key)

    members: dict[str, list[str]] = {}
    for ident in uf.parent:
        if not ident.startswith(("person:", "key:")):
            members.setdefault(uf.find(ident), []).append(ident)
    rows, undeclared = [], []
    for root, idents in members.items():
        owner = uf.owner.get(root)
        if owner is None:
            idents.sort()
            # a noreply email is only another name of github:login: not the person's id
            owner = next((i for i in idents if not _is_noreply(i)), idents[0])
            name = next((names[i] for i in idents if i in names), owner)
            undeclared.append({"person": owner, "name": name, "team": None,
                               "declared_role": None, "declared": False})
        rows.extend((i, owner) for i in idents)
    identities = pd.DataFrame(rows, columns=["identity", "person"]).sort_values("identity",
                                                                                ignore_index=True)
    people = pd.DataFrame(declared_rows + undeclared,
                          columns=["person", "name", "team", "declared_role", "declared"], dtype=object)
    people["declared"] = people["declared"].astype(bool)
    people = people.set_index("person").sort_index()
    return identities, people


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

