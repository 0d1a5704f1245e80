"""`zones.toml`: the models, their defaults (DESIGN.md) and validation.

Every error is a :class:`ConfigError` whose message is one line,
``FILE: key.path: reason``; the CLI prints it and exits with status 2.
The pydantic models mirror the TOML keys one to one.
"""

from __future__ import annotations

import re
import tomli as tomllib  # the compiled build of the parser that became the stdlib tomllib: 3x faster
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from .config_values import (Count, IdentityId, NonNegative, Number, ReportDate, RoleName, check_glob,  # noqa: F401
                            gitignore_patterns, http_url, identity_problem, plain_dir_prefix)
from .locate import DEFAULT_STORE_URL, DEFAULT_WINDOW_WEEKS, parse_toml, store_url

DEFAULT_ROLES = ["engineering", "design", "product"]
DEFAULT_ROLE_MIN_FTE = 0.2
DEFAULT_WEIGHTS: dict[str, float] = {
    "commit": 1.0, "pr_opened": 3.0, "pr_merged": 1.0, "pr_reviewed": 2.0, "pr_commented": 1.0,
    "issue_opened": 2.0, "issue_commented": 1.0, "issue_closed": 0.5, "issue_labeled": 0.5,
    "jira_created": 2.0, "jira_commented": 1.0, "jira_transitioned": 0.5, "jira_updated": 0.5,
}
STAGES = ("explore", "prototype", "validate", "ship")
REPO_PREFIX_RE = re.compile(r"^([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+):(.*)$")


class ConfigError(Exception):
    """A config problem, as one line: file, key path, reason."""


class _Model(BaseModel):
    # allow_inf_nan: a float field without `Number` still refuses nan and inf
    model_config = ConfigDict(extra="forbid", validate_assignment=False, allow_inf_nan=False)


class Settings(_Model):
    as_of: ReportDate = None  # pins the report date (a frozen snapshot such as the demo); --as-of beats it
    window_weeks: Count = Field(DEFAULT_WINDOW_WEEKS, ge=1, le=520)
    half_life_weeks: Number = Field(0, ge=0)
    full_week_weight: Number = Field(0, ge=0)
    active_min_fte: Number = Field(0.25, ge=0)
    taste_maker_min_fte: Number = Field(0.1, ge=0)
    roles: list[RoleName] = Field(default_factory=lambda: list(DEFAULT_ROLES), min_length=1)
    role_min_fte: dict[str, NonNegative] = Field(default_factory=dict)
    taste_maker_roles: list[str] = Field(default_factory=lambda: ["product", "design"])
    exploration_labels: list[str] = Field(default_factory=lambda: ["prototype", "spike", "exploration"])
    exclude_actors: list[str] = Field(default_factory=lambda: ["*[bot]", "github:dependabot*"])

    def min_fte(self, role: str) -> float:
        """The coverage threshold of a role (0.2 where `role_min_fte` does not name it)."""
        return float(self.role_min_fte.get(role, DEFAULT_ROLE_MIN_FTE))


class StoreConfig(_Model):
    url: str = DEFAULT_STORE_URL


class GithubConfig(_Model):
    base_url: str = "https://api.github.com"
    token_env: str = "GITHUB_TOKEN"
    repos: list[str] = Field(default_factory=list)
    org: str | None = None
    # request economy and failure handling (docs/github.md); the defaults suit github.com
    overlap_minutes: Number = Field(5, ge=0)         # the cursor re-reads this much (clock skew)
    graphql: bool = True                            # false: REST per pull request (GHE without GraphQL)
    seconds_between_requests: Number = Field(0.25, ge=0)  # PyGithub's throttle; 0 = none
    retries: Count = Field(8, ge=0)                 # GithubRetry attempts on 5xx, 429, dropped connections
    backoff_factor: Number = Field(1.0, ge=0)       # exponential backoff between those attempts
    secondary_rate_wait: Number = Field(60, ge=0)   # seconds to wait after a secondary rate limit
    max_rate_limit_wait: Number = Field(120, ge=0)  # a reset further away stops the sync (unless --wait)

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, v: str) -> str:
        return http_url(v, "GitHub Enterprise: https://HOST/api/v3").rstrip("/")

    @field_validator("repos")
    @classmethod
    def _repos(cls, v: list[str]) -> list[str]:
        for repo in v:
            if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repo):
                raise ValueError(f"{repo!r} is not owner/name")
        return v

    @field_validator("org")
    @classmethod
    def _org(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[A-Za-z0-9_.-]+", v):
            raise ValueError(f"{v!r} is not an organisation name (the part before '/' in owner/name)")
        return v

    @model_validator(mode="after")
    def _something_to_sync(self) -> "GithubConfig":
        if not self.repos and not self.org:
            raise ValueError('names no repositories: add repos = ["owner/name", ...] or org = "name" (every '
                             'non-archived, non-fork repository of the organisation), or remove [github]')
        return self


class JiraConfig(_Model):
    url: str
    email_env: str | None = None  # Cloud: email + API token; Data Center: token only
    token_env: str = "JIRA_TOKEN"
    jql: str = "order by updated"
    component_leads: bool = False
    # request economy and failure handling (docs/jira.md); the defaults suit Atlassian's servers
    overlap_minutes: Number = Field(2, ge=0)     # the cursor re-reads this much (index lag, clock skew)
    retries: Count = Field(3, ge=0)              # the jira library's retries on 429, 503, dropped connections
    max_retry_delay: Number = Field(60, ge=0)    # the longest wait between those retries, in seconds
    timeout: Number = Field(60, gt=0)            # seconds per request

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return http_url(v, "Jira Cloud: https://SITE.atlassian.net; Data Center: https://HOST")


class GitSource(_Model):
    path: str
    repo: str | None = None
    branch: str | None = None
    since: str | None = None


class CodeownersSource(_Model):
    file: str
    repo: str | None = None
    group: Literal["rule", "dir"] = "rule"


class Person(_Model):
    id: str = Field(min_length=1)
    name: str | None = None
    role: str | None = None
    team: str | None = None
    identities: list[IdentityId] = Field(default_factory=list)


class Area(_Model):
    id: str = Field(min_length=1)
    name: str | None = None
    stage: Literal["explore", "prototype", "validate", "ship"] | None = None
    taste_makers: list[str] = Field(default_factory=list)
    requires: list[str] | None = None
    labels: list[str] = Field(default_factory=list)
    components: list[str] = Field(default_factory=list)
    epics: list[str] = Field(default_factory=list)
    paths: list[str] = Field(default_factory=list)
    repos: list[str] = Field(default_factory=list)
    projects: list[str] = Field(default_factory=list)
    origin: str | None = Field(None, exclude=True)  # e.g. "CODEOWNERS acme/web" for generated areas

    @model_validator(mode="after")
    def _name(self) -> "Area":
        if not self.name:
            self.name = self.id
        return self

    @field_validator("paths")
    @classmethod
    def _paths(cls, v: list[str]) -> list[str]:
        for pattern in v:
            check_glob(split_repo_prefix(pattern)[1])
        return v


class RoleRule(_Model):
    role: str | None = None
    roles: dict[str, Number] | None = None
    kinds: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    components: list[str] = Field(default_factory=list)
    issue_types: list[str] = Field(default_factory=list)
    paths: list[str] = Field(default_factory=list)

    @field_validator("paths")
    @classmethod
    def _paths(cls, v: list[str]) -> list[str]:
        for pattern in v:
            check_glob(pattern)
        return v

    @model_validator(mode="after")
    def _one_role(self) -> "RoleRule":
        if (self.role is None) == (self.roles is None):
            raise ValueError("give either role = \"x\" or a split roles = { x = 0.5, y = 0.5 }")
        if self.roles is not None:
            if any(v < 0 for v in self.roles.values()) or abs(sum(self.roles.values()) - 1) > 1e-6:
                raise ValueError(f"the roles split must sum to 1 (it sums to {sum(self.roles.values()):g})")
        return self

    @property
    def shares(self) -> dict[str, float]:
        return dict(self.roles) if self.roles is not None else {self.role: 1.0}  # type: ignore[dict-item]


class Config(_Model):
    settings: Settings = Field(default_factory=Settings)
    store: StoreConfig = Field(default_factory=StoreConfig)
    github: GithubConfig | None = None
    jira: JiraConfig | None = None
    git: list[GitSource] = Field(default_factory=list)
    codeowners: list[CodeownersSource] = Field(default_factory=list)
    weights: dict[str, Number] = Field(default_factory=dict)
    people: list[Person] = Field(default_factory=list)
    areas: list[Area] = Field(default_factory=list)
    role_rules: list[RoleRule] = Field(default_factory=list)

    _path: Path | None = PrivateAttr(default=None)

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        for kind, w in v.items():
            if w < 0:
                raise ValueError(f"weight of {kind!r} is negative")
        return v

    @model_validator(mode="after")
    def _cross_checks(self) -> "Config":
        self.weights = {**DEFAULT_WEIGHTS, **self.weights}
        problems = list(_cross_problems(self))
        if problems:
            raise ValueError(problems[0])
        return self

    # -- derived -----------------------------------------------------------------
    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def base_dir(self) -> Path:
        return self._path.parent if self._path else Path.cwd()

    def person_ids(self) -> set[str]:
        return {p.id for p in self.people}

    def area(self, area_id: str) -> Area | None:
        return next((a for a in self.areas if a.id == area_id), None)

    def required_roles(self, area: Area) -> list[str]:
        return list(area.requires) if area.requires is not None else list(self.settings.roles)

    def identity_owner(self) -> dict[str, str]:
        """Declared identity id -> person id."""
        return {ident: p.id for p in self.people for ident in p.identities}


class _Problem(str):
    """A cross-field problem: 'key.path: reason'."""


def _cross_problems(cfg: Config):
    roles = cfg.settings.roles
    known_roles = set(roles)

    def role_ok(role: str | None, where: str):
        if role is not None and role not in known_roles:
            return _Problem(f"{where}: unknown role {role!r} (roles are {', '.join(roles)}; extend [settings] roles)")
        return None

    if len(set(roles)) != len(roles):
        yield _Problem("settings.roles: a role is listed twice")
    for role in cfg.settings.role_min_fte:
        if (p := role_ok(role, "settings.role_min_fte")):
            yield p
    for i, role in enumerate(cfg.settings.taste_maker_roles):
        if (p := role_ok(role, f"settings.taste_maker_roles[{i}]")):
            yield p
    seen_people: dict[str, int] = {}
    owner: dict[str, str] = {}
    for i, person in enumerate(cfg.people):
        if person.id in seen_people:
            yield _Problem(f"people[{i}].id: person {person.id!r} is declared twice (also people[{seen_people[person.id]}])")
        seen_people[person.id] = i
        if (p := role_ok(person.role, f"people[{i}].role")):
            yield p
        for j, ident in enumerate(person.identities):
            key = ident.strip().lower() if ident.startswith("email:") else ident
            if key in owner and owner[key] != person.id:
                yield _Problem(f"people[{i}].identities[{j}]: {ident!r} is already an identity of person "
                               f"{owner[key]!r}; an identity belongs to one person")
            owner[key] = person.id
    declared = set(seen_people)
    seen_areas: dict[str, int] = {}
    for i, area in enumerate(cfg.areas):
        where = f"areas[{i}]"
        if area.id in seen_areas:
            yield _Problem(f"{where}.id: area {area.id!r} is defined twice (also areas[{seen_areas[area.id]}])")
        seen_areas[area.id] = i
        if area.id == "(unmapped)":
            yield _Problem(f"{where}.id: '(unmapped)' is reserved")
        for j, tm in enumerate(area.taste_makers):
            if tm in declared:
                continue
            if ":" not in tm:
                yield _Problem(f"{where}.taste_makers[{j}]: {tm!r} names no person; declare it under [[people]] "
                               f"or write an identity like github:{tm}")
            elif (problem := identity_problem(tm)):
                yield _Problem(f"{where}.taste_makers[{j}]: {problem}")
        for j, role in enumerate(area.requires or []):
            if (p := role_ok(role, f"{where}.requires[{j}]")):
                yield p
    for i, rule in enumerate(cfg.role_rules):
        for role in rule.shares:
            if (p := role_ok(role, f"role_rules[{i}]")):
                yield p


# -- patterns ----------------------------------------------------------------------

def split_repo_prefix(pattern: str) -> tuple[str | None, str]:
    """``acme/web:src/**`` -> (``acme/web``, ``src/**``); a plain pattern has no repo."""
    m = REPO_PREFIX_RE.match(pattern)
    if m:
        return m.group(1), m.group(2)
    return None, pattern


# -- loading -------------------------------------------------------------------------

def _loc(loc: tuple, data: dict) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-before") or str(part).startswith(("function-", "literal[")):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def _explain(exc: ValidationError, data: dict) -> str:
    err = exc.errors()[0]
    loc = _loc(tuple(err.get("loc", ())), data)
    msg = err.get("msg", "invalid")
    kind = err.get("type")
    if kind == "extra_forbidden":
        return f"{loc}: unknown key (check the spelling against the README's configuration section)"
    if kind == "missing":
        return f"{loc}: required key is missing"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if isinstance(msg, str) and ": " in msg and not loc:
        return msg  # a cross-field problem already names its key path
    return f"{loc}: {msg}" if loc else msg


def parse_config(data: dict, path: Path | None = None) -> Config:
    """A validated Config from decoded TOML; ConfigError names the file and key path."""
    name = str(path) if path else "config"
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{name}: {_explain(exc, data)}") from None
    cfg._path = path
    if cfg.codeowners:
        _add_codeowners_areas(cfg, name)
    return cfg


def load_config(path: str | Path) -> Config:
    """Read and validate `zones.toml`. Raises ConfigError with one line.

    Every message names the file by its absolute path, as `check` and the commands do
    (`Config.path`), whether the mistake is in reading, parsing or validating it."""
    path = Path(path)
    shown = path.resolve()
    if path.is_dir():
        inside = path / "zones.toml"
        raise ConfigError(f"{shown}: is a folder; --config (or ZONEMAP_CONFIG) needs a zones.toml file"
                          + (f": {inside.resolve()}?" if inside.is_file() else ""))
    if not path.exists():
        raise ConfigError(f"{shown}: no such config file; write one (see the README's Configuration) "
                          f"or pass --config / set ZONEMAP_CONFIG; `zonemap demo` needs none")
    try:
        data = parse_toml(_read_text(path, shown))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: not valid TOML: {exc}") from None
    return parse_config(data, shown)


def _read_text(file: Path, shown: Path | str) -> str:
    """A UTF-8 text file's text, without the byte-order mark some editors write first;
    ConfigError naming `shown` for a file that cannot be read or is not UTF-8 text."""
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raw = bytes(exc.object)
        kind = " (it looks like UTF-16)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{shown}: not UTF-8 text{kind}: byte 0x{raw[exc.start:exc.start + 1].hex()} on line "
                          f"{line}; save it as UTF-8") from None
    except IsADirectoryError:
        raise ConfigError(f"{shown}: is a folder, not a file") from None
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read: {exc.strerror or exc}") from None


def _add_codeowners_areas(cfg: Config, name: str) -> None:
    """`[[codeowners]]`: areas follow the CODEOWNERS file at every load.

    They go before the hand-written areas: path rules are last-match-wins, so a
    hand-written rule refines what CODEOWNERS says rather than being shadowed by its `*`.
    """
    from .codeowners import areas_from_codeowners  # local import: optional feature

    known = {a.id for a in cfg.areas}
    generated: list[Area] = []
    for i, src in enumerate(cfg.codeowners):
        file = (cfg.base_dir / src.file)
        text = _read_text(file, f"{name}: codeowners[{i}].file: {file}")
        for found in areas_from_codeowners(text, src.repo, group=src.group):
            entry = {k: v for k, v in found.items() if k in Area.model_fields}
            if entry["id"] in known:
                continue  # a hand-written area of the same id wins
            try:
                area = Area.model_validate(entry)
            except ValidationError as exc:
                lines = ", ".join(str(n) for n in found.get("lines", []))
                raise ConfigError(f"{name}: codeowners[{i}]: {file} line {lines}: {_explain(exc, entry)} "
                                  f"(fix that line, or list the areas in zones.toml instead)") from None
            area.origin = f"CODEOWNERS {src.repo or src.file}"
            generated.append(area)
            known.add(area.id)
    cfg.areas[:0] = generated


def resolve_store_url(cfg: Config | None, db: str | None) -> str:
    """`--db` beats ZONEMAP_DB (the caller passes either as `db`), which beats `[store] url`.

    A plain path becomes a sqlite URL; a relative `[store] url` is relative to the config file.
    """
    return store_url(db, cfg.store.url if cfg else None, cfg.base_dir if cfg else None)


# -- check -----------------------------------------------------------------------------

def _sample_paths(pattern: str) -> list[str]:
    """Concrete paths a pattern matches, to test whether another rule covers it."""
    body = pattern.lstrip("/")
    concrete = body.replace("**", "zz/zz").replace("*", "zz").replace("?", "z")
    concrete = re.sub(r"\[[^\]]*\]", "z", concrete)
    if concrete.endswith("/"):
        concrete += "zz"
    samples = [concrete]
    if "/" not in body.rstrip("/"):
        samples.append("deep/er/" + concrete)
    return samples


def shadowed_path_rules(cfg: Config) -> list[str]:
    """Path rules that a later rule matches wholly (CODEOWNERS: the last match wins).

    Uses the analysis's own matcher, so `check` and the report agree on what a pattern
    covers. Each rule is tested once against the sample paths of every rule (a matrix of
    rules by samples), so a config of a few hundred path rules is checked in well under a
    second instead of one test per pair of rules.
    """
    import numpy as np
    import pyarrow as pa

    from .areas import glob_hits

    rules = [(a.id, raw, *split_repo_prefix(raw)) for a in cfg.areas for raw in a.paths]
    if not rules:
        return []
    owner, samples = [], []
    for i, (_, _, _, pattern) in enumerate(rules):
        found = _sample_paths(pattern)
        owner += [i] * len(found)
        samples += found
    owner = np.asarray(owner)
    paths = pa.array(samples, type=pa.string())
    hits = np.column_stack([glob_hits(paths, pattern) for _, _, _, pattern in rules])  # sample x rule
    own = hits[np.arange(len(samples)), owner]  # the samples each rule itself covers
    repos = np.array([repo for _, _, repo, _ in rules], dtype=object)
    unscoped = np.array([repo is None for repo in repos])
    out = []
    for i, (area_id, raw, repo, _) in enumerate(rules):
        mine = own & (owner == i)
        if not mine.any():
            continue
        later = hits[mine, i + 1:].all(axis=0) & (unscoped[i + 1:] | (repos[i + 1:] == repo))
        if not later.any():
            continue
        later_area, later_raw = rules[i + 1 + int(np.argmax(later))][:2]
        if later_area != area_id:
            out.append(f"path rule {raw!r} of area {area_id!r} is shadowed by the later rule "
                       f"{later_raw!r} of area {later_area!r} (the last matching rule wins; "
                       f"move the specific rule after the broad one)")
    return out


def lookalike_identities(cfg: Config, identities) -> list[str]:
    """Undeclared identities that look like a declared person or another identity."""
    if identities is None or len(identities) == 0:
        return []
    from .merge_hints import merge_suggestions

    handles = [t for a in cfg.areas for t in a.taste_makers if t.startswith(("github:", "email:"))]
    hints = merge_suggestions(identities, cfg.people, handles=handles)
    declared = cfg.person_ids()
    out = []
    for row in hints.itertuples(index=False):
        target = row.suggested_person_or_identity
        who = f"person {target!r}" if target in declared else f"identity {target!r}"
        out.append(f"identity {row.identity!r} may be {who} ({row.reason}); if so, list it under that "
                   f"person's identities in [[people]]")
    return out


def check_warnings(cfg: Config, identities=None) -> list[str]:
    """Warnings of `zonemap check`: shadowed path rules, undeclared look-alike identities."""
    warnings = shadowed_path_rules(cfg)
    warnings += lookalike_identities(cfg, identities)
    for area in cfg.areas:
        if not (area.labels or area.components or area.epics or area.paths or area.repos or area.projects):
            warnings.append(f"area {area.id!r} has no selectors: no work can map to it")
    return warnings


def dump_example() -> dict[str, Any]:
    """The defaults, for documentation and tests."""
    return Config().model_dump(exclude_none=True)
