"""CODEOWNERS as areas: owners become taste-makers, rules become path selectors.

GitHub's semantics (docs: "About code owners"): rules are read top to bottom and
the *last* matching rule wins; a rule without owners removes ownership of what it
matches; owners are ``@user``, ``@org/team`` or an email address.  zonemap's path
selectors use the same last-match rule across areas in config order, so with
``group="rule"`` each rule becomes one area, in file order, and a file belongs to
the area of its CODEOWNERS rule:

- ``@user`` -> taste-maker ``github:<user>``; ``user@host`` -> ``email:<address>``;
- ``@org/team`` is listed under ``teams`` (a TOML comment): a team is not a person;
- a rule without owners becomes an area without taste-makers (the path is unowned,
  and the report says so when it is active).

``group="dir"`` is coarser: one area per top-level directory named by an anchored
rule (``/src/...``, ``src/x/...``), whose taste-makers are everyone who owns something
under it, plus one ``co-root`` area (first, so directories override it) with the
rules that name no top-level directory (``*``, ``*.js``, ``/README.md``, ``apps/``).

Parsing uses the maintained ``codeowners`` package.  Lines GitHub would not accept
(``!`` negation, ``[ ]`` ranges) are skipped and reported in ``problems``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from codeowners import CodeOwners

_INLINE_COMMENT = re.compile(r"\s+#.*$")
_SLUG = re.compile(r"[^a-z0-9]+")
_WILDCARD = re.compile(r"[*?\[]")


class CodeownersError(ValueError):
    """A CODEOWNERS file that cannot be used; the message is one line."""


@dataclass
class Rule:
    """One CODEOWNERS line: its pattern and owners, split by kind."""

    line: int
    pattern: str
    taste_makers: list[str] = field(default_factory=list)  # github:<user>, email:<address>
    teams: list[str] = field(default_factory=list)  # @org/team, as written


@dataclass
class Parsed:
    rules: list[Rule]
    problems: list[str]  # "line N: why it was skipped"


def _owner_id(kind: str, owner: str) -> str:
    return "github:" + owner[1:] if kind == "USERNAME" else "email:" + owner.lower()


def _usable(line_num: int, line: str, problems: list[str]) -> str:
    """The line without its inline comment, or "" (with a problem) when GitHub rejects it."""
    if not line or line.startswith("#"):
        return ""
    line = _INLINE_COMMENT.sub("", line)
    pattern = line.replace("\\ ", "\0").split()[0].replace("\0", "\\ ")
    if pattern.startswith("!"):
        problems.append(f"line {line_num}: {pattern!r}: negation is not supported by GitHub; skipped")
        return ""
    if "[" in pattern.replace("\\[", ""):
        problems.append(f"line {line_num}: {pattern!r}: [ ] ranges are not supported by GitHub; skipped")
        return ""
    return line


def parse_codeowners(text: str) -> Parsed:
    """The usable rules of a CODEOWNERS file, in file order, and the lines it skipped."""
    problems: list[str] = []
    lines = [_usable(n, raw.strip(), problems) for n, raw in enumerate(text.splitlines(), 1)]
    rules: list[Rule] = []
    for _regex, pattern, owners, line_num, _section in reversed(CodeOwners("\n".join(lines)).paths):
        known = {o for _, o in owners}
        for word in lines[line_num - 1].replace("\\ ", "\0").split()[1:]:
            if word not in known:
                problems.append(f"line {line_num}: owner {word!r} is not @user, @org/team or an email; ignored")
        rule = Rule(line=line_num, pattern=pattern)
        for kind, owner in owners:
            target = rule.teams if kind == "TEAM" else rule.taste_makers
            value = owner if kind == "TEAM" else _owner_id(kind, owner)
            if value not in target:
                target.append(value)
        rules.append(rule)
    problems.sort(key=lambda p: int(p.split()[1].rstrip(":")))
    return Parsed(rules=rules, problems=problems)


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")


def _top_dir(pattern: str) -> str | None:
    """The top-level directory an anchored pattern stays inside, or None."""
    body = pattern.replace("\\ ", " ")
    anchored = body.startswith("/") or "/" in body.rstrip("/")
    first, sep, _rest = body.lstrip("/").partition("/")
    if not anchored or not sep or not first or _WILDCARD.search(first):
        return None
    return first


def _unique(ids: list[str], base: str) -> str:
    candidate, n = base, 2
    while candidate in ids:
        candidate, n = f"{base}-{n}", n + 1
    ids.append(candidate)
    return candidate


def _area_base(repo: str | None) -> str:
    return "co-" + (_slug(repo.split("/")[-1]) + "-" if repo else "")


def _path(repo: str | None, pattern: str) -> str:
    return f"{repo}:{pattern}" if repo else pattern


def _merge(target: list[str], values: list[str]) -> None:
    target.extend(v for v in values if v not in target)


def areas_from_codeowners(text: str, repo: str | None = None, group: str = "rule") -> list[dict]:
    """``[[areas]]`` entries (dicts) from CODEOWNERS text, in the order they must appear.

    Each dict has ``id``, ``name``, ``paths``, ``taste_makers`` (the keys of an area) and,
    for comments, ``teams`` and ``lines`` (the CODEOWNERS line numbers it comes from).
    Ids are ``co-<slug>`` (``co-<repo name>-<slug>`` with a repo), unique within the file.
    """
    if group not in ("rule", "dir"):
        raise CodeownersError(f"CODEOWNERS: group must be 'rule' or 'dir', not {group!r}")
    rules = parse_codeowners(text).rules
    last_line = {r.pattern: r.line for r in rules}  # the same pattern twice: the first never wins
    rules = [r for r in rules if last_line[r.pattern] == r.line]
    base, ids = _area_base(repo), []
    if group == "rule":
        return [{"id": _unique(ids, base + (_slug(r.pattern) or "all")),
                 "name": r.pattern + (f" ({repo})" if repo else ""),
                 "paths": [_path(repo, r.pattern)], "taste_makers": list(r.taste_makers),
                 "teams": list(r.teams), "lines": [r.line]}
                for r in rules]
    root: dict | None = None
    dirs: dict[str, dict] = {}
    for r in rules:
        top = _top_dir(r.pattern)
        if top is None:
            if root is None:
                root = {"id": base + "root", "name": "(other files)" + (f" ({repo})" if repo else ""),
                        "paths": [], "taste_makers": [], "teams": [], "lines": []}
            entry, path = root, _path(repo, r.pattern)
        else:
            entry = dirs.setdefault(top, {"id": None, "name": top + "/" + (f" ({repo})" if repo else ""),
                                          "paths": [_path(repo, f"/{top}/")], "taste_makers": [],
                                          "teams": [], "lines": []})
            path = None
        if path is not None and path not in entry["paths"]:
            entry["paths"].append(path)
        _merge(entry["taste_makers"], r.taste_makers)
        _merge(entry["teams"], r.teams)
        entry["lines"].append(r.line)
    out = [root] if root else []
    if root:
        ids.append(root["id"])
    for top, entry in dirs.items():
        entry["id"] = _unique(ids, base + (_slug(top) or "dir"))
        out.append(entry)
    return out


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(_toml_str(v) for v in values) + "]"


def codeowners_toml(text: str, repo: str | None = None, group: str = "rule",
                    source: str = "CODEOWNERS") -> str:
    """``[[areas]]`` TOML for ``zones.toml``, with teams and skipped lines as comments."""
    parsed = parse_codeowners(text)
    areas = areas_from_codeowners(text, repo, group)
    out = [f"# Areas generated from {source}" + (f" of {repo}" if repo else "") + f" (group = {group!r}).",
           "# GitHub semantics: the last matching rule wins; keep these areas in this order.",
           "# Teams are not people: put their taste-makers in taste_makers yourself."]
    out += [f"# warning: {problem}" for problem in parsed.problems]
    for area in areas:
        out.append("")
        lines = ", ".join(str(n) for n in area["lines"])
        out.append(f"# CODEOWNERS line{'s' if len(area['lines']) > 1 else ''} {lines}")
        if area["teams"]:
            out.append("# teams: " + " ".join(area["teams"]))
        if not area["taste_makers"] and not area["teams"]:
            out.append("# no owners: GitHub treats these files as unowned")
        out += ["[[areas]]", f"id = {_toml_str(area['id'])}", f"name = {_toml_str(area['name'])}",
                f"paths = {_toml_list(area['paths'])}", f"taste_makers = {_toml_list(area['taste_makers'])}"]
    return "\n".join(out) + "\n"
