"""Config values that used to pass validation and then changed or broke the results:
nan/inf, booleans as counts, negative minimums, empty role names, malformed identities,
out-of-range or misspelt dates, path patterns that can never match, unusable source
sections; and reading the file itself (a BOM, non-UTF-8 bytes, a folder, which path a
message names). Each mistake is one line: file, key path, reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zonemap.config import ConfigError, load_config

PEOPLE = """
[[people]]
id = "alice"
role = "product"
identities = ["github:alice-s", "email:alice@acme.com"]

[[areas]]
id = "billing"
taste_makers = ["alice"]
labels = ["area:billing"]
"""


def _error(write_config, text: str) -> str:
    path = write_config(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path.resolve()}: ") and "\n" not in message
    return message[len(f"{path.resolve()}: "):]


# -- numbers ---------------------------------------------------------------------------

@pytest.mark.parametrize("toml, where, shown", [
    ("[settings]\nhalf_life_weeks = inf\n", "settings.half_life_weeks", "inf"),
    ("[settings]\nactive_min_fte = inf\n", "settings.active_min_fte", "inf"),
    ("[settings]\nactive_min_fte = nan\n", "settings.active_min_fte", "nan"),
    ("[settings]\nfull_week_weight = inf\n", "settings.full_week_weight", "inf"),
    ("[settings]\ntaste_maker_min_fte = inf\n", "settings.taste_maker_min_fte", "inf"),
    ("[settings]\nrole_min_fte = { engineering = nan }\n", "settings.role_min_fte.engineering", "nan"),
    ("[weights]\npr_opened = nan\n", "weights.pr_opened", "nan"),
    ("[weights]\ncommit = inf\n", "weights.commit", "inf"),
    ("[[role_rules]]\nroles = { design = nan, product = 0.5 }\n", "role_rules[0].roles.design", "nan"),
    ("[github]\nrepos = [\"acme/web\"]\nmax_rate_limit_wait = inf\n", "github.max_rate_limit_wait", "inf"),
    ("[jira]\nurl = \"https://acme.atlassian.net\"\ntimeout = nan\n", "jira.timeout", "nan"),
])
def test_nan_and_inf_are_refused_in_every_number(write_config, toml, where, shown):
    assert _error(write_config, PEOPLE + toml) == f"{where}: {shown} is not a finite number (nan and inf are not allowed)"


@pytest.mark.parametrize("toml, expected", [
    ("[settings]\nwindow_weeks = true\n", "settings.window_weeks: true is not a whole number"),
    ("[settings]\nwindow_weeks = 12.0\n", "settings.window_weeks: 12.0 is not a whole number; write 12"),
    ("[settings]\nwindow_weeks = \"12\"\n", "settings.window_weeks: '12' is text, not a whole number"),
    ("[github]\nrepos = [\"acme/web\"]\nretries = false\n", "github.retries: false is not a whole number"),
    ("[settings]\nactive_min_fte = true\n", "settings.active_min_fte: true is not a number"),
    ("[settings]\nactive_min_fte = \"0.5\"\n", "settings.active_min_fte: '0.5' is text, not a number"),
    ("[settings]\nrole_min_fte = { engineering = -1 }\n", "settings.role_min_fte.engineering: -1 is negative"),
])
def test_counts_are_integers_and_amounts_numbers(write_config, toml, expected):
    assert _error(write_config, PEOPLE + toml).startswith(expected)


def test_valid_numbers_still_load(write_config):
    cfg = load_config(write_config(PEOPLE + """
[settings]
window_weeks = 8
half_life_weeks = 4.5
active_min_fte = 0
role_min_fte = { engineering = 0, design = 1 }
[weights]
pr_opened = 5
[[role_rules]]
roles = { design = 0.5, product = 0.5 }
"""))
    s = cfg.settings
    assert (s.window_weeks, s.half_life_weeks, s.active_min_fte, s.min_fte("design")) == (8, 4.5, 0, 1)
    assert cfg.weights["pr_opened"] == 5 and cfg.role_rules[0].shares == {"design": 0.5, "product": 0.5}


def test_an_empty_role_name_is_refused(write_config):
    assert _error(write_config, PEOPLE + '[settings]\nroles = ["product", ""]\ntaste_maker_roles = ["product"]\n') \
        == "settings.roles[1]: a role name must not be empty"


# -- identities ----------------------------------------------------------------------------

@pytest.mark.parametrize("taste_maker, reason", [
    ("github:", "'github:' is not an identity: the login after 'github:' is missing"),
    ("slack:bob", "'slack:bob' is not an identity: 'slack:' is not github:, jira: or email:"),
    ("github:@bob", "'github:@bob' is not an identity: write the GitHub login after 'github:'"),
    ("email:bob", "'email:bob' is not an identity: write an address after 'email:'"),
])
def test_a_taste_maker_identity_must_be_one(write_config, taste_maker, reason):
    text = PEOPLE + f'[[areas]]\nid = "search"\ntaste_makers = ["{taste_maker}"]\n'
    assert _error(write_config, text).startswith(f"areas[1].taste_makers[0]: {reason}")


def test_people_identities_follow_the_same_rule(write_config):
    assert _error(write_config, PEOPLE + '[[people]]\nid = "bob"\nidentities = ["github:bob", "jira:"]\n') \
        == "people[1].identities[1]: 'jira:' is not an identity: the account id or name after 'jira:' is missing"


def test_valid_identities_and_person_ids_still_load(write_config):
    cfg = load_config(write_config(PEOPLE + """
[[people]]
id = "ops:bob"
identities = ["github:renovate[bot]", "github:Bob_corp", "jira:5b10a2844c20165700ede21g", "email:Bob@Acme.com "]
[[areas]]
id = "search"
taste_makers = ["ops:bob", "github:octo-cat", "email:carol@acme.com", "jira:John Smith"]
"""))
    assert cfg.areas[1].taste_makers[0] == "ops:bob"


@given(st.text(alphabet="githubjiraemlsck:@._-[]\u00a0 \n", max_size=16).map(
    lambda t: t if ":" in t[:7] else st_prefix(t)))
@settings(max_examples=400, deadline=None)
def test_the_quick_identity_check_agrees_with_the_explained_one(ident):
    # a big config's thousands of identities go through one regex; the form-by-form
    # check only explains a refusal, and both must draw the line in the same place
    from zonemap.config_values import _VALID_IDENTITY, _identity_reason

    assert (_VALID_IDENTITY.fullmatch(ident) is not None) == (_identity_reason(ident) is None)


def st_prefix(text: str) -> str:
    return ("github:", "jira:", "email:", "slack:")[len(text) % 4] + text


# -- the report date --------------------------------------------------------------------------

@pytest.mark.parametrize("value", ['"22/11/2026"', "20261122", "2026-11-22T10:00:00Z", "2026-11-22T10:00:00",
                                   "10:00:00", '"20261122"', '"2026-02-30"', "true"])
def test_a_misspelt_as_of_says_which_form_to_use(write_config, value):
    reason = _error(write_config, f"[settings]\nas_of = {value}\n")
    assert reason.startswith("settings.as_of: ") and reason.endswith("use a date like 2026-11-22 (YYYY-MM-DD)")


@pytest.mark.parametrize("value", ["3000-01-01", "2201-01-01", "1969-12-31"])
def test_as_of_stays_in_the_range_the_analysis_computes(write_config, value):
    assert _error(write_config, f"[settings]\nas_of = {value}\n") == (
        f"settings.as_of: {value} is out of range: the report date must be between 1970-01-01 and 2200-12-31")


def test_dates_in_range_still_load(write_config):
    assert str(load_config(write_config("[settings]\nas_of = 2200-12-31\n")).settings.as_of) == "2200-12-31"
    assert str(load_config(write_config('[settings]\nas_of = "1970-01-01"\n')).settings.as_of) == "1970-01-01"


def test_a_far_as_of_is_a_config_error_not_a_crash(cli, write_config, store):
    # it used to pass `check` and then fail in the report (pandas: OutOfBoundsDatetime)
    path = write_config(PEOPLE + "[settings]\nas_of = 3000-01-01\n")
    result = cli("--config", path, "--db", store.sqlite_path, "report")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.strip() == (f"error: {path.resolve()}: settings.as_of: 3000-01-01 is out of range: "
                                     f"the report date must be between 1970-01-01 and 2200-12-31")


# -- path patterns -------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern, reason", [
    ("src/[abc", "its '[' opens a character class that is empty or never closed"),
    ("src/[]", "its '[' opens a character class that is empty or never closed"),
    ("#billing/**", "a '#' starts a comment, so this rule matches nothing"),
    ("acme/web:#billing/**", "a '#' starts a comment, so this rule matches nothing"),
    ("/", "'/' alone names no path"),
    ("!src/**", "negation ('!') is not supported in CODEOWNERS-style rules"),
])
def test_patterns_that_can_never_match_are_refused(write_config, pattern, reason):
    body = pattern.split(":", 1)[-1] if pattern.startswith("acme/") else pattern
    area = _error(write_config, PEOPLE + f'[[areas]]\nid = "x"\npaths = ["{pattern}"]\n')
    assert area.startswith(f"areas[1].paths: bad path pattern {body!r}: {reason}")
    rule = _error(write_config, PEOPLE + f'[[role_rules]]\nrole = "design"\npaths = ["{body}"]\n')
    assert rule.startswith(f"role_rules[0].paths: bad path pattern {body!r}: {reason}")


VALID_PATTERNS = ["src/*/x/**", "src/billing/", "x", "/**", "**", "*", "src/x/*", "src/[ab]/**", "a[b]c", "[!a]",
                  "*.md", "docs/**/*.md", "src/x/** ", "é/**", "/services/search/**", "acme/web:src/**",
                  "\\\\#billing/**", "\\\\!important", "\\\\\\\\"]


def test_patterns_valid_until_now_still_load(write_config):
    paths = ", ".join(f'"{p}"' for p in VALID_PATTERNS)
    cfg = load_config(write_config(PEOPLE + f'[[areas]]\nid = "x"\npaths = [{paths}]\n'
                                   f'[[role_rules]]\nrole = "design"\npaths = [{paths}]\n'))
    assert len(cfg.areas[1].paths) == len(VALID_PATTERNS)


def test_an_escaped_hash_matches_the_name_it_spells(write_config):
    from zonemap.config_values import gitignore_patterns

    assert gitignore_patterns("\\#billing/**")[0].match_file("#billing/a.py") is not None


# -- source sections ------------------------------------------------------------------------------

def test_jira_url_is_checked_like_github_base_url(write_config):
    assert _error(write_config, '[jira]\nurl = "not a url"\n') == (
        "jira.url: 'not a url' is not an http(s) URL (Jira Cloud: https://SITE.atlassian.net; "
        "Data Center: https://HOST)")
    assert load_config(write_config('[jira]\nurl = "https://acme.atlassian.net"\n')).jira.url == \
        "https://acme.atlassian.net"


def test_github_must_name_repositories(write_config):
    for text in ("[github]\n", "[github]\nrepos = []\n", '[github]\ntoken_env = "GH"\n'):
        assert _error(write_config, text).startswith(
            'github: names no repositories: add repos = ["owner/name", ...] or org = "name"')
    assert load_config(write_config('[github]\norg = "acme"\n')).github.org == "acme"
    assert load_config(write_config('[github]\nrepos = ["acme/web"]\n')).github.repos == ["acme/web"]


def test_a_codeowners_file_that_is_not_utf8_is_one_line(write_config, tmp_path):
    (tmp_path / "CODEOWNERS").write_bytes(b"/src/ @alice\n\xff\xfe@bob\n")
    assert _error(write_config, '[[codeowners]]\nfile = "CODEOWNERS"\n') == (
        f"codeowners[0].file: {tmp_path / 'CODEOWNERS'}: not UTF-8 text: byte 0xff on line 2; save it as UTF-8")


def test_a_codeowners_rule_that_can_never_match_names_its_line(write_config, tmp_path):
    (tmp_path / "CODEOWNERS").write_text("* @alice\n/ @bob\n", encoding="utf-8")
    assert _error(write_config, '[[codeowners]]\nfile = "CODEOWNERS"\n').startswith(
        f"codeowners[0]: {tmp_path / 'CODEOWNERS'} line 2: paths: bad path pattern '/': '/' alone names no path")


# -- reading the file -------------------------------------------------------------------------------

def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "zones.toml"
    path.write_bytes("\ufeff[settings]\nwindow_weeks = 4\n".encode("utf-8"))
    assert load_config(path).settings.window_weeks == 4


def test_a_file_that_is_not_utf8_is_one_clear_line(tmp_path):
    path = tmp_path / "zones.toml"
    path.write_bytes(b"[settings]\nwindow_weeks = 4 # \xe9t\xe9\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}: not UTF-8 text: byte 0xe9 on line 2; save it as UTF-8"
    path.write_bytes(b"\xff\xfe[\x00s\x00")
    with pytest.raises(ConfigError, match=r": not UTF-8 text \(it looks like UTF-16\): byte 0xff on line 1"):
        load_config(path)


def test_a_folder_is_not_a_config_file(tmp_path):
    folder = tmp_path / "conf"
    folder.mkdir()
    with pytest.raises(ConfigError) as info:
        load_config(folder)
    assert str(info.value) == f"{folder}: is a folder; --config (or ZONEMAP_CONFIG) needs a zones.toml file"
    (folder / "zones.toml").write_text("")
    with pytest.raises(ConfigError) as info:
        load_config(folder)
    assert str(info.value).endswith(f"needs a zones.toml file: {folder / 'zones.toml'}?")


def test_every_message_names_the_file_the_same_way(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shown = Path("zones.toml").resolve()
    messages = []
    for text in ("[settings\n", "[settings]\nwindow_weeks = 0\n", None):
        if text is None:
            Path("zones.toml").unlink()
        else:
            Path("zones.toml").write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as info:
            load_config("zones.toml")
        messages.append(str(info.value))
    assert all(m.startswith(f"{shown}: ") for m in messages), messages


def test_check_exits_2_with_one_line(cli, tmp_path):
    (tmp_path / "nan.toml").write_text("[weights]\npr_opened = nan\n")
    (tmp_path / "folder").mkdir()
    for config in (tmp_path / "nan.toml", tmp_path / "folder"):
        result = cli("--config", config, "--db", tmp_path / "z.db", "check")
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith(f"error: {config}: ")
