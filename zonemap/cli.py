"""The `zonemap` command line (typer + rich).

Global options come before the command and have environment twins:
``--config`` (ZONEMAP_CONFIG, default ./zones.toml) and ``--db`` (ZONEMAP_DB).
Exit status: 0 done, 1 failed (a source failed, the store could not be written),
2 bad usage or bad config. Errors are one line; ``--debug`` shows tracebacks.
"""

from __future__ import annotations

from . import entry  # noqa: F401 - first: it picks pyarrow's allocator before anything imports pyarrow

import functools
import os
import sys
from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from connectors.records import ReadStats, RecordError, read_records, write_records

from .config import Config, ConfigError, check_warnings, load_config, resolve_store_url
from .store import Store, StoreError
from .sync import describe_counts


class LazyConsole:
    """A rich Console made on first use: `report` writes its output with
    `sys.stdout.write` and, when nothing goes wrong, never needs rich (0.05-0.08 s of
    imports on its hot path)."""

    def __init__(self, **options) -> None:
        self._options, self._console = options, None

    @property
    def console(self):
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str):
        return getattr(self.console, name)


err = LazyConsole(stderr=True, highlight=False, soft_wrap=True)
out = LazyConsole(highlight=False, soft_wrap=True)

app = typer.Typer(
    name="zonemap",
    help="Zone-defense coverage: which active product areas lack a taste-maker or role coverage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class UsageProblem(Exception):
    """Bad usage or input: exit 2."""


class Failure(Exception):
    """Something failed (a source, the store): exit 1."""


@dataclass
class Context:
    config: Path
    config_given: bool
    db: str | None
    debug: bool


CTX: Context | None = None


def handled(fn):
    """Turn known errors into one line and an exit status; --debug re-raises."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except (ConfigError, UsageProblem, RecordError) as exc:
            _die(exc, 2)
        except (StoreError, Failure) as exc:
            _die(exc, 1)
        except KeyboardInterrupt:
            err.print("interrupted; what was committed is kept (run the command again to resume)")
            raise typer.Exit(130)
        except Exception as exc:  # an unexpected failure: still one line
            if CTX and CTX.debug:
                raise
            _die(f"internal error: {exc.__class__.__name__}: {exc} (run with --debug for details)", 1)

    return wrapper


def _die(exc: object, code: int) -> None:
    if CTX and CTX.debug and isinstance(exc, BaseException):
        raise exc
    err.print(f"error: {exc}", markup=False)
    raise typer.Exit(code)


@app.callback()
def main_options(
    config: Optional[Path] = typer.Option(None, "--config", envvar="ZONEMAP_CONFIG",
                                          help="zones.toml to use [default: ./zones.toml]"),
    db: Optional[str] = typer.Option(None, "--db", envvar="ZONEMAP_DB",
                                     help="store: a SQLite file path or a SQLAlchemy URL (beats [store] url)"),
    debug: bool = typer.Option(False, "--debug", help="show tracebacks"),
) -> None:
    """zonemap: pull work from GitHub and Jira, map it onto areas and people, show the gaps."""
    global CTX
    CTX = Context(config=config or Path("zones.toml"), config_given=config is not None, db=db, debug=debug)


def _ctx() -> Context:
    return CTX or Context(Path("zones.toml"), False, None, False)


def _config(required: bool = True) -> Config | None:
    ctx = _ctx()
    if not required and not ctx.config_given and not ctx.config.exists():
        return None
    return load_config(ctx.config)


def _store(cfg: Config | None) -> Store:
    return Store(resolve_store_url(cfg, _ctx().db))


def _as_of(cfg: Config, given: Optional[str]) -> date:
    from .reporting import as_of_date

    try:
        return as_of_date(cfg, given)
    except ValueError:
        raise UsageProblem(f"--as-of {given!r}: not a date; use YYYY-MM-DD") from None


# -- import / export ----------------------------------------------------------------------

@app.command("import")
@handled
def import_cmd(
    file: Path = typer.Argument(..., help="records file (JSONL, optionally .gz)"),
    strict: bool = typer.Option(False, "--strict", help="fail on the first bad line instead of skipping it"),
) -> None:
    """Load records (JSONL, optionally .gz) into the store."""
    if not file.exists():
        raise UsageProblem(f"{file}: no such file")
    cfg = _config(required=False)
    store = _store(cfg)
    stats = ReadStats()
    from .progress import counting

    with counting("importing", enabled=err.is_terminal, console=err.console) as tick:
        counts = store.upsert(tick(read_records(file, strict=strict, stats=stats)))
    out.print(f"imported {describe_counts(counts) or 'nothing'} from {file} into {store.url}", markup=False)
    if stats.bad:
        err.print(f"warning: skipped {stats.bad} bad line(s); first: {stats.bad_lines[0]} "
                  f"(use --strict to stop at the first)", markup=False)
    for rtype, n in stats.unknown_types.items():
        err.print(f"warning: skipped {n} record(s) of unknown type {rtype!r}", markup=False)
    weights = cfg.weights if cfg else {}
    for kind, n in stats.unknown_kinds.items():
        if kind not in weights:
            err.print(f"warning: {n} activities of kind {kind!r} (not in the vocabulary) weigh 0; "
                      f"name it under [weights] to count it", markup=False)
    orphans = store.orphan_activities()
    if orphans:
        err.print(f"warning: {orphans} activities point at items that are not stored; they count as unmapped",
                  markup=False)


@app.command("export")
@handled
def export_cmd(file: Path = typer.Argument(..., help="where to write the records (.jsonl or .jsonl.gz)")) -> None:
    """Write the store back out as records."""
    cfg = _config(required=False)
    store = _store(cfg)
    try:
        n = write_records(file, store.iter_records())
    except OSError as exc:
        raise Failure(f"{file}: cannot write: {exc.strerror}") from None
    out.print(f"exported {n} records to {file}", markup=False)


# -- report ----------------------------------------------------------------------------------

class ReportFormat(str, Enum):
    json = "json"
    md = "md"
    csv = "csv"


@app.command("report")
@handled
def report_cmd(
    as_of: Optional[str] = typer.Option(None, "--as-of", help="report date YYYY-MM-DD [default: [settings] as_of, else today UTC]"),
    window: Optional[int] = typer.Option(None, "--window", min=1, help="averaging window in weeks [default: config]"),
    fmt: ReportFormat = typer.Option(ReportFormat.json, "--format", help="json, md (weekly digest) or csv (areas)"),
    out_file: Optional[Path] = typer.Option(None, "--out", help="write to this file instead of standard output"),
) -> None:
    """The coverage report: gaps, people, suggestions, changes since last week."""
    from .reporting import compute_report, render_report

    cfg = _config()
    store = _store(cfg)
    report = compute_report(cfg, store, _as_of(cfg, as_of), window)
    text = render_report(report, fmt.value)
    if out_file:
        try:
            out_file.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise Failure(f"{out_file}: cannot write: {exc.strerror}") from None
        err.print(f"wrote {out_file}", markup=False)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    global _FAST_EXIT
    _FAST_EXIT = True


# -- check -------------------------------------------------------------------------------------

@app.command("check")
@handled
def check_cmd(online: bool = typer.Option(False, "--online", help="also check the sources' credentials")) -> None:
    """Validate the config (and with --online, the credentials)."""
    cfg = _config()
    identities = None
    try:
        store = _store(cfg)
        identities = store.load_frames(start=datetime.now(timezone.utc), end=None).identities
    except StoreError:
        pass
    warnings = check_warnings(cfg, identities)
    out.print(f"{cfg.path}: ok ({len(cfg.areas)} areas, {len(cfg.people)} people, "
              f"{len(cfg.role_rules)} role rules)", markup=False)
    for w in warnings:
        err.print(f"warning: {w}", markup=False)
    if online:
        from .online import check_online

        problems = check_online(cfg, echo=lambda line: out.print(line, markup=False))
        if problems:
            for p in problems:
                err.print(f"error: {p}", markup=False)
            raise typer.Exit(1)


# -- sync ----------------------------------------------------------------------------------------

class Source(str, Enum):
    github = "github"
    jira = "jira"
    git = "git"


@app.command("sync")
@handled
def sync_cmd(
    source: Optional[Source] = typer.Option(None, "--source", help="only this source [default: every configured one]"),
    full: bool = typer.Option(False, "--full", help="re-pull everything and remove items gone upstream"),
    wait: bool = typer.Option(False, "--wait", help="on an exhausted rate limit, wait for the reset instead of stopping"),
) -> None:
    """Incremental pull from the configured sources, with progress."""
    from .progress import sync_progress
    from .sync import configured_sources, run_sync, summary_lines

    cfg = _config()
    sources = [source.value] if source else configured_sources(cfg)
    if not sources:
        raise UsageProblem(f"{cfg.path}: no source configured; add a [github], [jira] or [[git]] section")
    for s in sources:
        if s == "git" and not cfg.git or s != "git" and getattr(cfg, s) is None:
            raise UsageProblem(f"{cfg.path}: --source {s}: no [{s}] section in the config")
    store = _store(cfg)
    with sync_progress(err.console) as progress:
        outcome = run_sync(cfg, store, sources, full=full, progress=progress, options={"wait": wait, "debug": _ctx().debug})
    for line in summary_lines(outcome):
        out.print(line, markup=False)
    for line in outcome.errors:
        err.print(f"error: {line}", markup=False)
    if outcome.resume_at:
        err.print(f"rate limit exhausted: what was fetched is stored; run `zonemap sync` again after "
                  f"{outcome.resume_at} (or use --wait)", markup=False)
    if not outcome.ok:
        raise typer.Exit(1)


# -- sample / demo / dashboard / codeowners --------------------------------------------------

@app.command("sample")
@handled
def sample_cmd(
    out_dir: Path = typer.Option(Path("data/sample"), "--out", help="folder for zones.toml and records.jsonl.gz"),
    people: int = typer.Option(70, "--people", min=1),
    areas: int = typer.Option(14, "--areas", min=1),
    activities: Optional[int] = typer.Option(None, "--activities", min=1, help="[default: the demo's size]"),
    weeks: int = typer.Option(26, "--weeks", min=1),
    seed: Optional[int] = typer.Option(None, "--seed", help="[default: the demo's seed]"),
) -> None:
    """Generate a synthetic organisation (the demo, or a larger one for benchmarks)."""
    from . import sample

    kwargs = {"people": people, "areas": areas, "weeks": weeks}
    if activities is not None:
        kwargs["activities"] = activities
    if seed is not None:
        kwargs["seed"] = seed
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        stats = sample.generate(out_dir, **kwargs)
    except sample.SampleError as exc:
        raise UsageProblem(str(exc)) from None
    sizes = ", ".join(f"{stats[k]:,} {k}" for k in ("people", "areas", "items", "activities") if k in stats)
    out.print(f"wrote {out_dir}/zones.toml and {out_dir}/records.jsonl.gz: {sizes} "
              f"over {stats.get('weeks', weeks)} weeks to {stats.get('as_of')} (seed {stats.get('seed')})", markup=False)


@app.command("demo")
@handled
def demo_cmd(
    port: Optional[int] = typer.Option(None, "--port", help="port for the dashboard [default: 8501 or the next free]"),
    no_browser: bool = typer.Option(False, "--no-browser", help="do not open a browser"),
) -> None:
    """Build the demo store from data/sample/ if needed and open the dashboard on it."""
    from . import launch

    config, db = launch.demo_paths(_ctx().db)
    launch.ensure_demo_store(db, echo=lambda line: err.print(line, markup=False))
    raise typer.Exit(launch.run_dashboard(config, db, port=port, open_browser=not no_browser))


@app.command("dashboard")
@handled
def dashboard_cmd(
    port: Optional[int] = typer.Option(None, "--port", help="port [default: 8501 or the next free]"),
    no_browser: bool = typer.Option(False, "--no-browser", help="do not open a browser"),
) -> None:
    """Run the Streamlit dashboard on the configured store."""
    from . import launch

    ctx = _ctx()
    cfg = _config()
    url = resolve_store_url(cfg, ctx.db)
    raise typer.Exit(launch.run_dashboard(ctx.config.resolve(), url, port=port, open_browser=not no_browser))


class Group(str, Enum):
    rule = "rule"
    dir = "dir"


@app.command("codeowners")
@handled
def codeowners_cmd(
    file: Path = typer.Argument(..., help="a CODEOWNERS file"),
    repo: Optional[str] = typer.Option(None, "--repo", help="owner/name the file belongs to (prefixes the paths)"),
    group: Group = typer.Option(Group.rule, "--group", help="one area per rule, or per top-level directory"),
) -> None:
    """Print [[areas]] TOML made from a CODEOWNERS file, to paste into zones.toml."""
    from .codeowners import codeowners_toml

    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageProblem(f"{file}: cannot read: {exc.strerror}") from None
    sys.stdout.write(codeowners_toml(text, repo, group.value))


_FAST_EXIT = False  # set by commands whose process has nothing left to clean up


def main() -> None:
    """The console script. After `report`, the process ends without tearing down the
    interpreter: freeing the analysis' million objects one by one costs ~0.3 s of a
    report's wall time and writes nothing (the store was only read)."""
    try:
        app()
    except SystemExit as exc:
        if _FAST_EXIT and exc.code in (0, None):
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        raise


if __name__ == "__main__":
    main()
