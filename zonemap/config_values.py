"""`zones.toml` values: the types and checks of single values (numbers, counts, the
report date, identities, URLs, path patterns), for the models in `zonemap.config`.

Each check raises ValueError with the reason only; pydantic adds where it happened,
and `config` turns both into one line, ``FILE: key.path: reason``. Nothing here
imports pathspec until a pattern needs compiling (`gitignore_patterns`).
"""

from __future__ import annotations

import functools
import math
import re
from datetime import date, datetime, time
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

# The report date's range: the analysis works in pandas' nanosecond times, which end on
# 2262-04-11; a window of up to 520 weeks (and the week before it) must fit, on both sides.
AS_OF_MIN = date(1970, 1, 1)
AS_OF_MAX = date(2200, 12, 31)
DATE_HINT = "use a date like 2026-11-22 (YYYY-MM-DD)"

IDENTITY_SOURCES = ("github", "jira", "email")
IDENTITY_HINT = "an identity like github:login, jira:ID or email:ADDRESS"
_IDENTITY_FORM = re.compile(r"([a-z][a-z0-9_-]*):(.*)", re.S)
_GITHUB_LOGIN = re.compile(r"[A-Za-z0-9_.-]+(\[bot\])?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
# the three forms in one pattern: most identities are valid, and this is what a big config's
# thousands of them cost (identity_problem then only explains the ones it refuses)
_VALID_IDENTITY = re.compile(r"github:[A-Za-z0-9_.-]+(?:\[bot\])?|jira:.*\S.*|email:\s*[^@\s]+@[^@\s]+\s*", re.S)
_HTTP_URL = re.compile(r"https?://[^/\s?#]+\S*")


def toml_text(value: Any) -> str:
    """A value as its TOML spelling, for messages: true, nan, inf, '22/11/2026', 20261122."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return repr(value)


def _text_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


# -- numbers -----------------------------------------------------------------------

def finite_number(value: Any) -> float:
    """A TOML integer or float, finite: nan and inf would silently change every result
    they reach (a nan weight, a nan share that passes a sum check), and true/false or
    a quoted "0.5" are not numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, str) and _text_number(value):
            raise ValueError(f"{toml_text(value)} is text, not a number; write it without quotes")
        raise ValueError(f"{toml_text(value)} is not a number")
    if not math.isfinite(value):
        raise ValueError(f"{toml_text(value)} is not a finite number (nan and inf are not allowed)")
    return float(value)


def whole_number(value: Any) -> int:
    """A TOML integer: a count (weeks, retries). true is not 1, and 1.5 weeks is no count."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            raise ValueError(f"{toml_text(value)} is not a whole number; write {int(value)}")
        if isinstance(value, str) and _text_number(value):
            raise ValueError(f"{toml_text(value)} is text, not a whole number; write it without quotes")
        raise ValueError(f"{toml_text(value)} is not a whole number")
    return value


Number = Annotated[float, BeforeValidator(finite_number)]
Count = Annotated[int, BeforeValidator(whole_number)]


def _non_negative(value: float) -> float:
    if value < 0:
        raise ValueError(f"{value:g} is negative; give 0 or more")
    return value


NonNegative = Annotated[Number, AfterValidator(_non_negative)]


# -- names ---------------------------------------------------------------------------

def _role_name(value: str) -> str:
    if not value.strip():
        raise ValueError("a role name must not be empty")
    return value


RoleName = Annotated[str, AfterValidator(_role_name)]


# -- the report date --------------------------------------------------------------

def report_date(value: Any) -> date | None:
    """`[settings] as_of`: a TOML date (2026-11-22) or the text "2026-11-22", within
    AS_OF_MIN..AS_OF_MAX. A date and time, a number (which pydantic would read as Unix
    seconds) or another spelling of a date is refused with the form to use."""
    if value is None:
        return None
    if isinstance(value, (datetime, time)):
        raise ValueError(f"{toml_text(value)} is not a date (it has a time of day); {DATE_HINT}")
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(f"{toml_text(value)} is not a date; {DATE_HINT}")
        try:
            value = date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{toml_text(text)} is not a date of the calendar; {DATE_HINT}") from None
    if not isinstance(value, date):
        raise ValueError(f"{toml_text(value)} is not a date; {DATE_HINT}")
    if not AS_OF_MIN <= value <= AS_OF_MAX:
        raise ValueError(f"{value.isoformat()} is out of range: the report date must be between "
                         f"{AS_OF_MIN.isoformat()} and {AS_OF_MAX.isoformat()}")
    return value


ReportDate = Annotated[date | None, BeforeValidator(report_date)]


# -- identities ------------------------------------------------------------------------

def identity_problem(ident: str) -> str | None:
    """Why `ident` is not an identity id (DESIGN.md: ``github:<login>``, ``jira:<accountId
    or name>``, ``email:<address>``, the forms records carry); None when it is one. An
    email may differ in case and surrounding spaces (they are ignored when comparing)."""
    return None if _VALID_IDENTITY.fullmatch(ident) else _identity_reason(ident)


def _identity_reason(ident: str) -> str | None:
    """`identity_problem` form by form (None where `_VALID_IDENTITY` must match)."""
    m = _IDENTITY_FORM.fullmatch(ident)
    if not m:
        return f"{ident!r} is not {IDENTITY_HINT}"
    source, rest = m.group(1), m.group(2)
    if source not in IDENTITY_SOURCES:
        return f"{ident!r} is not an identity: '{source}:' is not github:, jira: or email:"
    if not rest.strip():
        what = {"github": "login", "jira": "account id or name", "email": "address"}[source]
        return f"{ident!r} is not an identity: the {what} after '{source}:' is missing"
    if source == "github" and not _GITHUB_LOGIN.fullmatch(rest):
        return f"{ident!r} is not an identity: write the GitHub login after 'github:', like github:octocat"
    if source == "email" and not _EMAIL.fullmatch(rest.strip()):
        return f"{ident!r} is not an identity: write an address after 'email:', like email:alice@acme.com"
    return None


def _identity(value: str) -> str:
    problem = identity_problem(value)
    if problem:
        raise ValueError(problem)
    return value


IdentityId = Annotated[str, AfterValidator(_identity)]


# -- URLs --------------------------------------------------------------------------------

def http_url(value: str, hint: str) -> str:
    """An http(s) URL with a host (`hint` says what it should look like)."""
    if not _HTTP_URL.fullmatch(value):
        raise ValueError(f"{value!r} is not an http(s) URL ({hint})")
    return value


# -- path patterns ------------------------------------------------------------------------

_PLAIN_DIR = re.compile(r"/?((?:[A-Za-z0-9_.-]+/)+)\*\*")


def plain_dir_prefix(pattern: str) -> str | None:
    """For a pattern that is a plain directory path and ``/**`` (``src/billing/**``,
    ``/services/search/**``: most area rules), the prefix its paths start with
    (``src/billing/``); None for any other pattern. pathspec's gitignore form of such a
    pattern is the regex ``^src/billing/``, always valid, a prefix test: knowing that, a
    report skips compiling hundreds of regexes (~0.15 ms each)."""
    plain = _PLAIN_DIR.fullmatch(pattern)
    return plain.group(1) if plain else None


@functools.lru_cache(maxsize=4096)
def gitignore_patterns(pattern: str) -> list:
    """pathspec's compiled gitignore form of one path pattern, kept: the config's check
    and the area mapping would otherwise compile each of a big config's hundreds of
    patterns twice per report. Raises pathspec's errors for a bad pattern.

    pathspec is imported here, at the first pattern that is not a plain directory
    (`plain_dir_prefix`): its import takes ~0.05 s, and a config of plain ones needs none."""
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines([pattern]).patterns


def _never_matches(pattern: str) -> str:
    """Why pathspec compiled `pattern` to nothing (a rule that can never match)."""
    if pattern.lstrip().startswith("#"):
        return "a '#' starts a comment, so this rule matches nothing (write '\\#' for a name that starts with '#')"
    if not pattern.strip("/ "):
        return "'/' alone names no path (write '*' for every path)"
    if "[" in pattern:
        return "its '[' opens a character class that is empty or never closed (write '\\[' for a literal '[')"
    return "it can never match a path"


def check_glob(pattern: str) -> None:
    """A path rule's pattern (gitignore/CODEOWNERS form) that can match something.
    ValueError otherwise: an empty pattern, a `!` negation (CODEOWNERS has none: pathspec
    would read it as an exclusion, and the area rule would silently match nothing), a
    comment, a lone `/`, a broken `[`...`]` class."""
    if not pattern.strip():
        raise ValueError("an empty path pattern matches nothing")
    if plain_dir_prefix(pattern) is not None:
        return
    if pattern.startswith("!"):
        raise ValueError(f"bad path pattern {pattern!r}: negation ('!') is not supported in CODEOWNERS-style rules; "
                         f"list the paths the area covers (a later rule of another area takes the exceptions), "
                         f"or write '\\!' for a name that starts with '!'")
    try:
        compiled = gitignore_patterns(pattern)
    except Exception as exc:  # pathspec raises its own error types
        raise ValueError(f"bad path pattern {pattern!r}: {exc}") from None
    if not compiled or any(p.regex is None or p.include is not True for p in compiled):
        raise ValueError(f"bad path pattern {pattern!r}: {_never_matches(pattern)}")
