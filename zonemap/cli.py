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
from .locate import sqlite_file
from .store import NotAStoreError, Store, StoreError
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
        except (ConfigError, UsageProblem, RecordError, NotAStoreError) as exc:  # NotAStoreError: a wrong --db
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
        import traceback

        traceback.print_exception(exc)  # the traceback --debug asks for, and still the exit status
    from connectors.secrets import scrub  # the last guard: no credential in any error line

    err.print(f"error: {scrub(str(exc))}", markup=False)
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


def _store(cfg: Config | None, must_exist: bool = False) -> Store:
    """The store the config and --db name. `must_exist`: for commands that only read it,
    a SQLite file that is not there is a mistyped path, not a new store to create."""
    url = resolve_store_url(cfg, _ctx().db)
    if must_exist:
        path = sqlite_file(url)
        if path is not None and not path.exists():
            raise UsageProblem(f"store {path} does not exist; import records first (`zonemap import FILE` or "
                               f"`zonemap sync`), or point --db / [store] url at an existing store")
    return Store(url)


def _check_target(target: Path, cfg: Config | None, option: str) -> None:
    """Refuse to write over the config or the store in use, into a folder, or into a
    folder that does not exist (`outputs.target_problem`)."""
    from .outputs import protected_files, target_problem

    config = cfg.path if cfg is not None else (_ctx().config if _ctx().config.exists() else None)
    problem = target_problem(target, protected_files(config, sqlite_file(resolve_store_url(cfg, _ctx().db))), option)
    if problem:
        raise UsageProblem(problem)


def _as_of(cfg: Config, given: Optional[str]) -> date:
    from .reporting import as_of_date

    from .reporting import FIRST_AS_OF, LAST_AS_OF

    try:
        return as_of_date(cfg, given)
    except ValueError:
        raise UsageProblem(f"--as-of {given!r}: not a date from {FIRST_AS_OF} to {LAST_AS_OF}; "
                           f"use YYYY-MM-DD") from None


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
    if file.is_dir():
        raise UsageProblem(f"{file}: is a folder; give a records file (.jsonl or .jsonl.gz)")
    cfg = _config(required=False)
    store = _store(cfg)
    stats = ReadStats()
    from .progress import counting

    with counting("importing", enabled=err.is_terminal, console=err.console) as tick:
        counts = store.upsert(tick(read_records(file, strict=strict, stats=stats)))
    if not counts and stats.bad:  # not a records file at all (a config, a CSV): say so, and fail
        raise UsageProblem(f"{file}: no valid record in it ({stats.bad} bad line(s); first: {stats.bad_lines[0]}); "
                           f"give a records file (docs/records.md)")
    out.print(f"imported {describe_counts(counts) or 'nothing'} from {file} into {store.display_url}", markup=False)
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
    _check_target(file, cfg, "export")
    store = _store(cfg, must_exist=True)
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
    window: Optional[int] = typer.Option(None, "--window", min=1, max=520,
                                         help="averaging window in weeks, 1-520 [default: config]"),
    fmt: ReportFormat = typer.Option(ReportFormat.json, "--format", help="json, md (weekly digest) or csv (areas)"),
    out_file: Optional[Path] = typer.Option(None, "--out", help="write to this file instead of standard output"),
) -> None:
    """The coverage report: gaps, people, suggestions, changes since last week."""
    from .outputs import OutputGone, emit, write_text
    from .reporting import compute_report, render_report

    cfg = _config()
    if out_file:
        _check_target(out_file, cfg, "--out")
    day = _as_of(cfg, as_of)
    store = _store(cfg, must_exist=True)
    report = compute_report(cfg, store, day, window)
    text = render_report(report, fmt.value)
    if out_file:
        try:
            write_text(out_file, text)
        except OSError as exc:
            raise Failure(f"{out_file}: cannot write: {exc.strerror}") from None
        err.print(f"wrote {out_file}", markup=False)
    else:
        try:
            emit(text)
        except OutputGone:  # `zonemap report | head`: the reader has what it wanted
            raise typer.Exit(1)
        except OSError as exc:
            raise Failure(f"standard output: cannot write: {exc.strerror}") from None
    global _FAST_EXIT
    _FAST_EXIT = True


# -- check -------------------------------------------------------------------------------------

@app.command("check")
@handled
def check_cmd(online: bool = typer.Option(False, "--online", help="also check the sources' credentials")) -> None:
    """Validate the config (and with --online, the credentials)."""
    cfg = _config()
    identities, store_problem = None, None
    try:  # the stored identities, for the look-alike warnings; no store is made where there is none
        store = _store(cfg, must_exist=True)
        identities = store.load_frames(start=datetime.now(timezone.utc), end=None).identities
    except UsageProblem:
        pass
    except StoreError as exc:  # the config is fine; the store it names is not usable
        store_problem = f"{exc} (the look-alike identities were not checked)"
    warnings = check_warnings(cfg, identities) + ([store_problem] if store_problem else [])
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
    people: int = typer.Option(70, "--people", min=1, max=1_000_000),
    areas: int = typer.Option(14, "--areas", min=1, max=100_000),
    activities: Optional[int] = typer.Option(None, "--activities", min=1, max=100_000_000,
                                             help="[default: the demo's size]"),
    weeks: int = typer.Option(26, "--weeks", min=1, max=520),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="[default: the demo's seed]"),
    force: bool = typer.Option(False, "--force", help="replace a zones.toml that `zonemap sample` did not write"),
) -> None:
    """Generate a synthetic organisation (the demo, or a larger one for benchmarks)."""
    from . import sample

    kwargs = {"people": people, "areas": areas, "weeks": weeks}
    if activities is not None:
        kwargs["activities"] = activities
    if seed is not None:
        kwargs["seed"] = seed
    config = out_dir / "zones.toml"
    if not force and config.is_file() and not _made_by_sample(config):
        raise UsageProblem(f"{config}: a config `zonemap sample` did not write; choose another --out "
                           f"(or --force to replace it)")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        stats = sample.generate(out_dir, **kwargs)
    except sample.SampleError as exc:
        raise UsageProblem(str(exc)) from None
    except OSError as exc:
        raise UsageProblem(f"--out {out_dir}: cannot write there: {exc.strerror}; choose another folder") from None
    except MemoryError:
        raise Failure(f"not enough memory for {activities or 'the default number of'} activities; "
                      f"ask for fewer with --activities") from None
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


SAMPLE_MARK = "made by `zonemap sample`"  # in the first line of every zones.toml it writes


def _made_by_sample(config: Path) -> bool:
    try:
        with config.open(encoding="utf-8", errors="replace") as fh:
            return SAMPLE_MARK in fh.readline()
    except OSError:
        return False


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
    except UnicodeDecodeError as exc:
        raise UsageProblem(f"{file}: not UTF-8 text (byte {exc.start}); give a CODEOWNERS file") from None
    sys.stdout.write(codeowners_toml(text, repo, group.value))


_FAST_EXIT = False  # set by commands whose process has nothing left to clean up


GLOBAL_OPTIONS = ("--config", "--db", "--debug")


def _usage_line(exc) -> str:
    """A usage error as one line: the command, what is wrong, where to look."""
    command = exc.ctx.command_path if exc.ctx is not None else "zonemap"
    line = f"{command}: {exc.format_message().replace('Value error, ', '')}"
    if any(f"option: {name}" in line for name in GLOBAL_OPTIONS):
        return f"{line} (global options go before the command: zonemap --config FILE --db STORE {command.split()[-1]} ...)"
    return f"{line} (see `{command} --help`)"


def main() -> None:
    """The console script. Usage errors are one line with exit status 2, like every
    other error (click would print four). After `report`, the process ends without
    tearing down the interpreter: freeing the analysis' million objects one by one costs
    ~0.3 s of a report's wall time and writes nothing (the store was only read)."""
    try:  # typer 0.24+ carries its own copy of click, whose exceptions these are
        from typer._click import exceptions as click_errors
    except ImportError:  # pragma: no cover - an older typer on the public click
        from click import exceptions as click_errors

    try:
        code = app(standalone_mode=False)
    except click_errors.NoArgsIsHelpError as exc:  # plain `zonemap`: the help, as before
        exc.show()
        code = exc.exit_code
    except click_errors.UsageError as exc:
        err.print(f"error: {_usage_line(exc)}", markup=False)
        code = 2
    except click_errors.ClickException as exc:
        err.print(f"error: {exc.format_message()}", markup=False)
        code = exc.exit_code
    except click_errors.Abort:
        err.print("interrupted", markup=False)
        code = 130
    code = code if isinstance(code, int) else 0
    if _FAST_EXIT and code == 0:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    sys.exit(code)


if __name__ == "__main__":
    main()
