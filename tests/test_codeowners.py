"""CODEOWNERS -> areas, checked against GitHub's documented semantics.

The example file follows GitHub's "About code owners" page: rules read top to
bottom, the last matching rule wins, a rule without owners leaves its files unowned,
``@org/team`` owners are teams, an email address is an owner too.
"""

from __future__ import annotations

import textwrap
import tomllib

import pandas as pd
import pytest
from codeowners import CodeOwners

from zonemap.areas import glob_mask
from zonemap.codeowners import CodeownersError, areas_from_codeowners, codeowners_toml, parse_codeowners
from zonemap.config import load_config, split_repo_prefix

GITHUB_EXAMPLE = textwrap.dedent("""\
    # This is a comment.
    *       @global-owner1 @global-owner2
    *.js    @js-owner #This is an inline comment.
    *.go docs@example.com
    *.txt @octo-org/octocats
    /build/logs/ @doctocat
    apps/ @octocat
    /docs/ @doctocat
    /scripts/ @doctocat @octocat
    **/logs @octocat
    /apps/ @octocat
    /apps/github
    /src/billing/ @alice-s @acme/billing
    /src/billing/legacy/ @bob
    """)

FILES = ["README.md", "src/main.js", "cmd/tool.go", "notes.txt", "build/logs/today.txt",
         "build/x.go", "deep/apps/a.py", "docs/guide.md", "docs/deep/a.js", "scripts/run.sh",
         "var/logs/app.log", "apps/web/app.py", "apps/github/api.py", "src/billing/plan.py",
         "src/billing/legacy/old.py", "src/billing/legacy/x.js"]


def owner_ids(owners):
    """The taste-maker ids zonemap uses for the codeowners package's owner tuples."""
    return [("github:" + o[1:]) if kind == "USERNAME" else "email:" + o.lower()
            for kind, o in owners if kind != "TEAM"]


def winner(areas, path, repo=None):
    """The area of the last matching path rule, as zonemap's analysis picks it."""
    found = None
    for area in areas:
        for raw in area["paths"]:
            rule_repo, pattern = split_repo_prefix(raw)
            if (rule_repo is None or rule_repo == repo) and glob_mask(pd.Series([path]), pattern)[0]:
                found = area
    return found


def test_each_file_gets_the_owners_github_gives_it():
    areas = areas_from_codeowners(GITHUB_EXAMPLE, "acme/web")
    reference = CodeOwners(GITHUB_EXAMPLE)
    for path in FILES:
        area = winner(areas, path, repo="acme/web")
        assert area is not None, path
        assert area["taste_makers"] == owner_ids(reference.of(path)), path


@pytest.mark.parametrize("path, tms, teams", [
    ("src/main.js", ["github:js-owner"], []),              # a later rule beats `*`
    ("build/logs/today.txt", ["github:octocat"], []),      # last match: **/logs after /build/logs/
    ("notes.txt", [], ["@octo-org/octocats"]),             # a team is not a person
    ("cmd/tool.go", ["email:docs@example.com"], []),       # an email owner
    ("apps/github/api.py", [], []),                        # a rule without owners removes ownership
    ("apps/web/app.py", ["github:octocat"], []),
    ("src/billing/legacy/x.js", ["github:bob"], []),       # nested rule after its parent
    ("src/billing/plan.py", ["github:alice-s"], ["@acme/billing"]),
    ("README.md", ["github:global-owner1", "github:global-owner2"], []),
])
def test_documented_cases(path, tms, teams):
    area = winner(areas_from_codeowners(GITHUB_EXAMPLE, "acme/web"), path, repo="acme/web")
    assert (area["taste_makers"], area["teams"]) == (tms, teams)


def test_areas_keep_file_order_ids_and_repo_prefix():
    areas = areas_from_codeowners(GITHUB_EXAMPLE, "acme/web")
    assert [a["lines"][0] for a in areas] == sorted(a["lines"][0] for a in areas)
    assert areas[0] == {"id": "co-web-all", "name": "* (acme/web)", "paths": ["acme/web:*"],
                        "taste_makers": ["github:global-owner1", "github:global-owner2"],
                        "teams": [], "lines": [2]}
    ids = [a["id"] for a in areas]
    assert len(set(ids)) == len(ids) and all(i.startswith("co-web-") for i in ids)
    assert "co-web-apps" in ids and "co-web-apps-2" in ids  # `apps/` and `/apps/` are two rules
    bare = areas_from_codeowners(GITHUB_EXAMPLE)
    assert bare[0]["id"] == "co-all" and bare[0]["paths"] == ["*"]


def test_a_repeated_pattern_keeps_only_its_last_line():
    areas = areas_from_codeowners("/docs/ @a\n/src/ @b\n/docs/ @c\n")
    assert [(a["paths"], a["taste_makers"]) for a in areas] == [(["/src/"], ["github:b"]), (["/docs/"], ["github:c"])]


def test_group_dir_one_area_per_top_level_directory():
    areas = areas_from_codeowners(GITHUB_EXAMPLE, "acme/web", group="dir")
    by_id = {a["id"]: a for a in areas}
    assert areas[0]["id"] == "co-web-root"  # first, so the directories override it
    assert "acme/web:*" in by_id["co-web-root"]["paths"] and "acme/web:**/logs" in by_id["co-web-root"]["paths"]
    assert by_id["co-web-src"] == {"id": "co-web-src", "name": "src/ (acme/web)", "paths": ["acme/web:/src/"],
                                   "taste_makers": ["github:alice-s", "github:bob"],
                                   "teams": ["@acme/billing"], "lines": [13, 14]}
    assert by_id["co-web-apps"]["taste_makers"] == ["github:octocat"]
    assert winner(areas, "src/billing/legacy/old.py", "acme/web")["id"] == "co-web-src"
    assert winner(areas, "README.md", "acme/web")["id"] == "co-web-root"


def test_unsupported_lines_are_skipped_and_reported():
    parsed = parse_codeowners("!secret @x\n/build/[ab]/ @y\n/ok/ @z not-an-owner\n/open/[ab @w\n")
    assert [r.pattern for r in parsed.rules] == ["/ok/"]
    assert [p.split(":")[0] for p in parsed.problems] == ["line 1", "line 2", "line 3", "line 4"]
    text = codeowners_toml("!secret @x\n/ok/ @z\n")
    assert "# warning: line 1: '!secret': negation is not supported" in text
    with pytest.raises(CodeownersError):
        areas_from_codeowners("/ok/ @z\n", group="tree")


def test_toml_output_parses_and_loads_as_config(tmp_path):
    text = codeowners_toml(GITHUB_EXAMPLE, "acme/web")
    assert "# teams: @octo-org/octocats" in text and "# no owners" in text
    parsed = tomllib.loads(text)
    assert [a["id"] for a in parsed["areas"]] == [a["id"] for a in areas_from_codeowners(GITHUB_EXAMPLE, "acme/web")]
    (tmp_path / "zones.toml").write_text(text, encoding="utf-8")
    cfg = load_config(tmp_path / "zones.toml")
    assert [a.id for a in cfg.areas][:2] == ["co-web-all", "co-web-js"]
    assert cfg.area("co-web-apps-github").taste_makers == []


def test_codeowners_section_follows_the_file(tmp_path):
    (tmp_path / ".github").mkdir()
    owners = tmp_path / ".github" / "CODEOWNERS"
    owners.write_text("/src/ @alice\n", encoding="utf-8")
    (tmp_path / "zones.toml").write_text(textwrap.dedent("""\
        [[areas]]
        id = "mobile"
        repos = ["acme/app"]

        [[codeowners]]
        file = ".github/CODEOWNERS"
        repo = "acme/web"
        """), encoding="utf-8")
    cfg = load_config(tmp_path / "zones.toml")
    assert [(a.id, a.paths, a.taste_makers) for a in cfg.areas] == [
        ("co-web-src", ["acme/web:/src/"], ["github:alice"]), ("mobile", [], [])]
    owners.write_text("/src/ @alice\n/docs/ @carol\n", encoding="utf-8")
    assert [a.id for a in load_config(tmp_path / "zones.toml").areas] == ["co-web-src", "co-web-docs", "mobile"]


def test_cli_prints_areas(cli, tmp_path):
    owners = tmp_path / "CODEOWNERS"
    owners.write_text(GITHUB_EXAMPLE, encoding="utf-8")
    result = cli("codeowners", owners, "--repo", "acme/web", "--group", "dir")
    assert result.exit_code == 0
    areas = tomllib.loads(result.stdout)["areas"]
    assert areas[0]["id"] == "co-web-root" and {"co-web-src", "co-web-docs"} <= {a["id"] for a in areas}
    missing = cli("codeowners", tmp_path / "nope")
    assert missing.exit_code == 2 and "nope" in missing.output and "Traceback" not in missing.output
