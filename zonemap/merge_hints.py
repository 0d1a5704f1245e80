"""Merge suggestions: undeclared identities that look like someone already known.

CODEOWNERS names owners by GitHub handle (``github:alice-s``), git names authors by
email (``email:alice@acme.com``), Jira by account id.  Until ``[[people]]`` says they
are one person, an owner whose commits arrive under an email looks absent.  These
hints, for ``zonemap check`` and the dashboard's Data view, say which identities
probably belong together; the user confirms one by adding the identity to that
person's ``identities``.

Reasons, strongest first (one row per identity and suggestion, the strongest reason):

- ``noreply address``: the identity's address is GitHub's ``NNN+login@users.noreply.github.com``
  (or ``login@users...``), which is ``github:login``;
- ``same name``: its name (case, accents kept, punctuation and spacing ignored) is a
  declared person's name or the name of another identity;
- ``same handle``: the user part of its address is a GitHub login that is known
  (``github:<login>`` in the identities, the people or ``handles``).

An identity whose address is that of a declared person's identity, or of another
identity, gets no suggestion: the resolution already makes them one person
(DESIGN.md "People"), so there is nothing to confirm.
"""

from __future__ import annotations

from typing import Any, Iterable

import pandas as pd

COLUMNS = ["identity", "suggested_person_or_identity", "reason"]
REASONS = ["noreply address", "same name", "same handle"]
_NOREPLY = r"^(?:\d+\+)?([^@+\s]+)@users\.noreply\.github\.com$"


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _people_frames(declared_people: Iterable[Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(person id, name) and (identity, person id) of the declared people."""
    people, owned = [], []
    for p in declared_people:
        pid = _field(p, "id")
        people.append({"person": pid, "name": _field(p, "name")})
        owned += [{"identity": ident, "person": pid} for ident in _field(p, "identities") or []]
    return (pd.DataFrame(people, columns=["person", "name"]),
            pd.DataFrame(owned, columns=["identity", "person"]).drop_duplicates("identity"))


def _norm_name(names: pd.Series) -> pd.Series:
    out = names.astype("string").str.casefold().str.replace(r"[\W_]+", " ", regex=True).str.strip()
    return out.where(out.str.len() > 0)


def _identities(identities: pd.DataFrame, owned: pd.DataFrame, handles: Iterable[str]) -> pd.DataFrame:
    """Every known identity id with its name, normalised address and declared person."""
    ids = identities.reindex(columns=["id", "name", "email"]).drop_duplicates("id")
    extra = sorted((set(owned["identity"]) | set(handles)) - set(ids["id"]))
    ids = pd.concat([ids, pd.DataFrame({"id": extra, "name": None, "email": None})], ignore_index=True)
    from_id = ids["id"].str.extract(r"^email:(.+)$")[0]
    ids["addr"] = ids["email"].astype("string").fillna(from_id).str.strip().str.lower()
    ids["addr"] = ids["addr"].where(ids["addr"].str.len() > 0)
    ids["nname"] = _norm_name(ids["name"])
    ids = ids.merge(owned.rename(columns={"identity": "id"}), on="id", how="left")
    return ids


def merge_suggestions(identities: pd.DataFrame, declared_people: Iterable[Any],
                      handles: Iterable[str] = ()) -> pd.DataFrame:
    """Suggestions for the identities no ``[[people]]`` entry names.

    ``identities``: the identity frame (id, name, email); ``declared_people``: the
    config's people (objects or dicts with id, name, identities); ``handles``: other
    identity ids the config names (taste-makers from CODEOWNERS), known without
    records.  Returns ``identity, suggested_person_or_identity, reason``: a declared
    person's id where one fits, else another identity id; ordered by identity.
    """
    people, owned = _people_frames(declared_people)
    ids = _identities(identities, owned, handles)
    # an undeclared identity with a declared identity's address is that person already
    owner_of_addr = ids.dropna(subset=["person", "addr"]).drop_duplicates("addr").set_index("addr")["person"]
    person = ids["person"].astype(object).fillna(ids["addr"].map(owner_of_addr).astype(object))
    free = ids[person.isna()]
    target = person.fillna(ids["id"])  # what to suggest for a matched identity
    ids = ids.assign(target=target)
    found = []

    login = free["addr"].str.extract(_NOREPLY)[0]
    noreply = free.assign(github="github:" + login).dropna(subset=["github"])
    noreply = noreply.merge(ids[["id", "target"]].rename(columns={"id": "github"}), on="github", how="left")
    noreply["target"] = noreply["target"].fillna(noreply["github"])
    found.append(noreply.assign(reason=REASONS[0])[["id", "target", "reason"]])

    names = pd.concat([
        people.assign(nname=_norm_name(people["name"]), target=people["person"])[["nname", "target"]],
        ids[["nname", "target"]],
    ]).dropna().drop_duplicates()
    same_name = free.dropna(subset=["nname"]).merge(names, on="nname")
    same_name = same_name[same_name["target"] != same_name["id"]]
    found.append(same_name.assign(reason=REASONS[1])[["id", "target", "reason"]])

    github = ids[ids["id"].str.startswith("github:")]
    logins = github.assign(user=github["id"].str[len("github:"):].str.lower())[["user", "target"]]
    users = free.dropna(subset=["addr"]).assign(user=free["addr"].str.extract(r"^([^@+]+)@")[0])
    found.append(users.merge(logins, on="user").assign(reason=REASONS[2])[["id", "target", "reason"]])

    out = pd.concat(found, ignore_index=True)
    out = out[out["id"] != out["target"]]
    out = out.assign(rank=out["reason"].map(REASONS.index))
    # two identities that share an address are one person already: no hint between them
    same_addr = out.merge(ids[["id", "addr"]], on="id").merge(
        ids[["id", "addr"]].rename(columns={"id": "target", "addr": "taddr"}), on="target", how="left")
    joined = (same_addr["addr"] == same_addr["taddr"]).fillna(False).astype(bool)
    out = same_addr[~joined]
    out = out.sort_values(["id", "rank", "target"])
    out = out.drop_duplicates(["id", "target"]).rename(
        columns={"id": "identity", "target": "suggested_person_or_identity"})
    return out[COLUMNS].reset_index(drop=True)
