"""Config: defaults, and one clear line (file, key path, reason) for each kind of mistake."""

import pytest

from zonemap.config import DEFAULT_WEIGHTS, ConfigError, check_warnings, load_config, resolve_store_url

BASE = """
[[people]]
id = "alice"
name = "Alice Smith"
role = "product"
identities = ["github:alice-s", "email:alice@acme.com"]

[[areas]]
id = "billing"
taste_makers = ["alice"]
labels = ["area:billing"]
"""


def test_defaults(write_config):
    cfg = load_config(write_config(BASE))
    s = cfg.settings
    assert (s.window_weeks, s.half_life_weeks, s.full_week_weight) == (12, 0, 0)
    assert (s.active_min_fte, s.taste_maker_min_fte) == (0.25, 0.1)
    assert s.roles == ["engineering", "design", "product"]
    assert s.min_fte("design") == 0.2
    assert cfg.weights == DEFAULT_WEIGHTS
    assert cfg.required_roles(cfg.areas[0]) == s.roles
    assert cfg.areas[0].name == "billing"


def test_weights_merge_over_defaults(write_config):
    cfg = load_config(write_config(BASE + "[weights]\npr_opened = 5\nwiki_edit = 1\n"))
    assert cfg.weights["pr_opened"] == 5 and cfg.weights["commit"] == 1 and cfg.weights["wiki_edit"] == 1


@pytest.mark.parametrize("extra, message", [
    ("[settings]\nwindow_weeks = 0\n", "settings.window_weeks: Input should be greater than or equal to 1"),
    ("[settings]\nwindow_weks = 3\n", "settings.window_weks: unknown key"),
    ("[[areas]]\nid = \"search\"\ntaste_makers = [\"zed\"]\n",
     "areas[1].taste_makers[0]: 'zed' names no person"),
    ("[[areas]]\nid = \"billing\"\n", "areas[1].id: area 'billing' is defined twice"),
    ("[[areas]]\nid = \"x\"\nrequires = [\"qa\"]\n", "areas[1].requires[0]: unknown role 'qa'"),
    ("[[areas]]\nid = \"x\"\npaths = [\"\\\\\"]\n", "areas[1].paths: bad path pattern"),
    ("[[role_rules]]\nrole = \"qa\"\n", "role_rules[0]: unknown role 'qa'"),
    ("[[role_rules]]\nroles = { engineering = 0.5, product = 0.4 }\n", "role_rules[0]: the roles split must sum to 1"),
    ("[[people]]\nid = \"bob\"\nidentities = [\"github:alice-s\"]\n",
     "people[1].identities[0]: 'github:alice-s' is already an identity of person 'alice'"),
    ("[[people]]\nid = \"bob\"\nidentities = [\"email:ALICE@acme.com \"]\n",
     "people[1].identities[0]: 'email:ALICE@acme.com ' is already an identity of person 'alice'"),
    ("[[people]]\nid = \"bob\"\nrole = \"ceo\"\n", "people[1].role: unknown role 'ceo'"),
    ("[settings]\nrole_min_fte = { qa = 0.1 }\n", "settings.role_min_fte: unknown role 'qa'"),
    ("[[areas]]\nid = \"x\"\nstage = \"beta\"\n", "areas[1].stage: Input should be 'explore'"),
    ("[github]\nrepos = [\"web\"]\n", "github.repos: Value error, 'web' is not owner/name"),
])
def test_each_mistake_names_file_key_and_reason(write_config, extra, message):
    path = write_config(BASE + extra)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert text.startswith(f"{path.resolve()}: ") or text.startswith(f"{path}: ")
    assert message.replace("Value error, ", "") in text
    assert "\n" not in text


def test_bad_toml_and_missing_file(tmp_path, write_config):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write_config("[[areas]\n"))
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


def test_identity_ids_are_valid_taste_makers(write_config):
    cfg = load_config(write_config(BASE + "[[areas]]\nid = \"x\"\ntaste_makers = [\"github:octocat\"]\n"))
    assert cfg.areas[1].taste_makers == ["github:octocat"]


def test_shadowed_path_rules_are_warned(write_config):
    cfg = load_config(write_config(BASE + """
[[areas]]
id = "search"
paths = ["src/search/**", "acme/web:docs/*.md"]
[[areas]]
id = "platform"
paths = ["src/**", "other/repo:docs/**"]
"""))
    warnings = check_warnings(cfg)
    assert any("'src/search/**' of area 'search' is shadowed by the later rule 'src/**'" in w for w in warnings)
    assert not any("docs" in w for w in warnings)  # a rule of another repo shadows nothing
    assert any("area 'platform' has no selectors" in w for w in warnings) is False


def test_lookalike_identities(write_config):
    import pandas as pd

    cfg = load_config(write_config(BASE))
    ids = pd.DataFrame({"id": ["jira:557058", "github:alice-s", "github:zed"],
                        "name": ["alice smith", "Alice Smith", "Zed"], "email": [None, None, None]})
    warnings = check_warnings(cfg, ids)
    assert any("identity 'jira:557058' may be person 'alice' (same name)" in w for w in warnings)
    assert not any("github:zed" in w or "'github:alice-s'" in w for w in warnings)


def test_store_url_precedence(write_config, tmp_path):
    cfg = load_config(write_config(BASE + "[store]\nurl = \"sqlite:///data/z.db\"\n"))
    assert resolve_store_url(cfg, None) == f"sqlite:///{(tmp_path / 'data' / 'z.db').resolve()}"
    assert resolve_store_url(cfg, str(tmp_path / "o.db")) == f"sqlite:///{tmp_path / 'o.db'}"
    assert resolve_store_url(cfg, "sqlite:////abs/x.db") == "sqlite:////abs/x.db"


def test_shadowing_follows_codeowners_star_semantics(write_config):
    # `docs/*` covers only files directly in docs/, so it does not shadow `docs/api/**`
    cfg = load_config(write_config(BASE + """
[[areas]]
id = "api-docs"
paths = ["docs/api/**", "docs/index.md"]
[[areas]]
id = "docs"
paths = ["docs/*"]
"""))
    warnings = check_warnings(cfg)
    assert any("'docs/index.md' of area 'api-docs' is shadowed by the later rule 'docs/*'" in w for w in warnings)
    assert not any("'docs/api/**'" in w for w in warnings)


def _pairwise_shadowed(cfg):
    """The definition, rule pair by rule pair: a rule is shadowed when the first later
    rule (of its repo, or of any repo) that matches all of its sample paths belongs to
    another area."""
    import pandas as pd

    from zonemap.areas import glob_mask
    from zonemap.config import _sample_paths, split_repo_prefix

    rules = [(a.id, raw, *split_repo_prefix(raw)) for a in cfg.areas for raw in a.paths]
    out = []
    for i, (area, raw, repo, pattern) in enumerate(rules):
        candidates = pd.Series(_sample_paths(pattern), dtype=object)
        samples = candidates[glob_mask(candidates, pattern)]
        if samples.empty:
            continue
        for later_area, later_raw, later_repo, later_pattern in rules[i + 1:]:
            if later_repo is not None and later_repo != repo:
                continue
            if glob_mask(samples, later_pattern).all():
                if later_area != area:
                    out.append((raw, area, later_raw, later_area))
                break
    return out


def test_shadowed_rules_match_the_pairwise_definition(write_config):
    # `check` tests each rule once against every rule's samples (a big config takes
    # seconds otherwise); it must warn about exactly the pairs the definition names
    import random

    from zonemap.config import shadowed_path_rules

    rng = random.Random(3)
    segments = ["src", "docs", "api", "*", "**", "*.py", "a?", "lib"]

    def pattern():
        p = "/".join(rng.choice(segments) for _ in range(rng.randint(1, 3)))
        p = ("/" if rng.random() < 0.2 else "") + p + ("/" if rng.random() < 0.2 else "")
        return (rng.choice(["acme/web:", "acme/api:"]) if rng.random() < 0.2 else "") + p

    seen = 0
    for _ in range(40):
        areas = "".join(f'\n[[areas]]\nid = "a{k}"\npaths = [{", ".join(repr(pattern()) for _ in range(3))}]\n'
                        for k in range(rng.randint(2, 5)))
        cfg = load_config(write_config(BASE + areas.replace("'", '"')))
        expected = _pairwise_shadowed(cfg)
        got = shadowed_path_rules(cfg)
        assert len(got) == len(expected)
        for line, (raw, area, later_raw, later_area) in zip(got, expected):
            assert line.startswith(f"path rule {raw!r} of area {area!r} is shadowed by the later rule "
                                   f"{later_raw!r} of area {later_area!r}")
        seen += len(expected)
    assert seen > 20  # the generated configs do shadow rules
