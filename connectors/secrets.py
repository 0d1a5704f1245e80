"""Keep credentials out of every message: scrub server text, vet a credential before it is sent.

A server (or a proxy in front of it) may echo the request's ``Authorization`` header in
an error body, and the connectors quote a short piece of such bodies in their one-line
errors. :func:`scrub` removes from any text:

- every credential value :func:`register` ed in this process, and the forms it takes on
  the wire: base64 of the value and, for basic auth, of ``user:value`` (standard and
  URL-safe alphabets, with and without padding), and its percent-encoded form;
- whatever follows an authorization scheme (``Bearer …``, ``token …``, ``Basic …``),
  and GitHub / Atlassian token shapes (``ghp_…``, ``github_pat_…``, ``ATATT…``), even
  when the value was never registered (another token, a cut-off one).

The connectors scrub server text before it goes into an error; ``zonemap.sync`` and
``zonemap.online`` scrub every line again before it is shown (a last guard).

:func:`header_problem` says why a credential cannot go into an HTTP header (a line break,
a control character, a character outside Latin-1), without quoting it, so that the user
hears "the token in $VAR contains a line break" instead of a transport error.
"""

from __future__ import annotations

import base64
import re
import threading
from urllib.parse import quote

REDACTED = "[redacted]"
_MIN_LENGTH = 4  # shorter values are no credentials; scrubbing them would shred every message

_lock = threading.Lock()
_values: set[str] = set()  # every form of every registered credential

# an authorization scheme and the credential after it ("token ghp_…", "Basic dXNl…=", "Bearer: eyJ…"): a
# value of 8 or more characters with a digit in it, or of 20 or more (so "token contains" is left alone)
_VALUE = r"(?=[A-Za-z0-9._~+/\-]*[0-9]|[A-Za-z0-9._~+/\-]{20})[A-Za-z0-9._~+/\-]{8,}=*"
_SCHEME = re.compile(r"(?i)(?<![A-Za-z0-9_$])(bearer|token|basic)(?:\s*[:=]\s*|\s+)" + _VALUE)
# key=value and "key": "value" pairs whose key names a secret (access_token=…, "password": "…")
_PAIR = re.compile(r"""(?i)([A-Za-z_]*(?:token|secret|password|api_?key))(=|"\s*:\s*")([^\s"'&,;]{4,})""")
# token shapes that are secret wherever they appear
_SHAPES = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,}|ATATT[A-Za-z0-9_\-=]{16,})")


def _wire_forms(value: str) -> set[str]:
    raw = value.encode("utf-8", "surrogatepass")
    forms = {value, quote(value, safe="")}
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode("ascii")
        forms |= {text, text.rstrip("=")}
    return {f for f in forms if len(f) >= _MIN_LENGTH}


def register(secret: str | None, *, user: str | None = None) -> None:
    """Remember a credential so that :func:`scrub` removes it (and, with ``user``, its basic-auth form)."""
    if not secret or len(secret) < _MIN_LENGTH:
        return
    forms = _wire_forms(secret)
    if user:
        forms |= _wire_forms(f"{user}:{secret}")
    with _lock:
        _values.update(forms)


def scrub(text: object) -> str:
    """``text`` without any registered credential, scheme value or token shape."""
    out = str(text)
    with _lock:
        known = set(_values)
    for value in sorted(known, key=len, reverse=True):  # longest first: a value inside another form
        if value in out:
            out = out.replace(value, REDACTED)
    out = _SCHEME.sub(lambda m: f"{m.group(1)} {REDACTED}", out)
    out = _PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", out)
    return _SHAPES.sub(REDACTED, out)


def server_text(text: object, limit: int = 200) -> str:
    """A server's message made fit for a one-line error: scrubbed, whitespace folded, cut to ``limit``.

    Scrubbing comes before cutting, so that a credential cut in half cannot slip through.
    """
    folded = " ".join(scrub(text or "").split())
    return folded if len(folded) <= limit else folded[: limit - 3].rstrip() + "..."


def header_problem(value: str) -> str | None:
    """Why ``value`` cannot be sent in an HTTP header, in words that do not quote it; None if it can."""
    if any(ch in "\r\n" for ch in value):
        return "a line break"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return "a control character"
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return "a character outside Latin-1 (such as a typographic quote or an emoji)"
    return None
