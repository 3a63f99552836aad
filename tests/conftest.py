"""Shared fixtures: a migrated database per test (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
import contextlib
import filecmp
import gc
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app import build_app
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.base import Base, make_engine
from bot.db.migrate import upgrade_sync
from bot.guide_import import ingest_limits
from knowledge.types import IngestLimits
from tests.harness import BotHarness

#: set by .ci/run; without it PostgreSQL variants are skipped (and CI fails if they are)
POSTGRES_URL_ENV = "TROLY_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "TROLY_TEST_REQUIRE_POSTGRES"

#: a Monday morning in Hanoi (08:00 +07:00), the default start of every fake clock
T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)

#: the dispatcher's catch-all logs here (bot/dispatcher.py); it firing means a bug unless a test expects it
ERROR_BOUNDARY_LOGGER = "bot.dispatcher.boundary"

_postgres_skipped: list[str] = []
_postgres_ran: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count PostgreSQL variants that ran or were skipped."""
    if "postgres" not in report.keywords or report.when != "call" and not report.skipped:
        return
    if "sqlite" in report.nodeid.partition("[")[2].rstrip("]").split("-"):
        return  # the SQLite variant of a test in a module marked postgres as a whole
    if report.skipped:
        _postgres_skipped.append(report.nodeid)
    elif report.when == "call":
        _postgres_ran.append(report.nodeid)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Collect garbage less often: the tests' many short-lived apps made the full collections,
    each a walk over every module and test object, about a tenth of the suite's CPU time."""
    gc.collect()
    gc.freeze()  # what is loaded by now lives as long as the run: no collection looks at it again
    gc.set_threshold(50_000, 20, 20)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With TROLY_TEST_REQUIRE_POSTGRES=1 a skipped PostgreSQL test fails the run."""
    if os.environ.get(REQUIRE_POSTGRES_ENV) != "1" or hasattr(session.config, "workerinput"):
        return  # under pytest-xdist the controller, which sees every worker's reports, decides
    if _postgres_skipped or not _postgres_ran:
        print(f"\nPostgreSQL tests skipped: {len(_postgres_skipped)}, ran: {len(_postgres_ran)} "
              f"(TROLY_TEST_REQUIRE_POSTGRES=1 demands they all run)")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for every test (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("template") / "troly.db"
    upgrade_sync(f"sqlite+aiosqlite:///{path}")
    return path


class DemoDatabases:
    """SQLite files with the demo guides imported, made once per (clock time, ingest limits).

    Importing the demo guides is most of what a kb_harness costs; a copy of a file where the same
    import already ran at the same time with the same limits holds the same rows.
    """

    def __init__(self, folder: Path, empty: Path) -> None:
        self._folder = folder
        self._empty = empty
        self._made: dict[tuple[datetime, IngestLimits], Path] = {}

    async def restore(self, settings: Settings, clock: ManualClock) -> None:
        """Put the demo guides into the test's SQLite database by copying a file where they were
        imported; nothing on PostgreSQL or when the database is no longer the fresh copy."""
        url = make_url(settings.database_url)
        if url.get_backend_name() != "sqlite" or url.database is None:
            return
        path = Path(url.database)
        if not filecmp.cmp(path, self._empty, shallow=False):
            return  # something wrote to it already: let the app import the guides itself
        key = (clock.now(), ingest_limits(settings))
        made = self._made.get(key)
        if made is None:
            made = self._folder / f"demo-{len(self._made)}.db"
            shutil.copy(self._empty, made)
            app = build_app(settings.model_copy(update={"database_url": f"sqlite+aiosqlite:///{made}"}),
                            clock=ManualClock(clock.now()))
            await app.prepare(migrate=False, load_demo=True)
            await app.stop()
            assert not made.with_name(made.name + "-wal").exists(), "copy the WAL too"
            self._made[key] = made
        shutil.copy(made, path)


@pytest.fixture(scope="session")
def demo_databases(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> DemoDatabases:
    """Migrated SQLite files with the demo guides imported, for kb_harness to copy."""
    return DemoDatabases(tmp_path_factory.mktemp("demo"), sqlite_template)


async def _admin(url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(
        hide_password=False))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A fresh, migrated PostgreSQL database for this test session (dropped afterwards)."""
    base = os.environ.get(POSTGRES_URL_ENV)
    if not base:
        yield None
        return
    name = f"troly_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    if not url.startswith("postgresql+asyncpg"):
        url = "postgresql+asyncpg" + url[url.index("://"):]
    try:
        upgrade_sync(url)
        yield url
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate(url: str) -> None:
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path,
    postgres_url: str | None,
) -> str:
    """A migrated, empty database: SQLite, and PostgreSQL when TROLY_TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        path = tmp_path / "troly.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    if postgres_url is None:
        pytest.skip(f"{POSTGRES_URL_ENV} not set")
    await _truncate(postgres_url)
    return postgres_url


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when the test says so (starts Monday 2026-11-23 08:00 local)."""
    return ManualClock(T0)


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings for tests: the test database, no demo guides, no .env file."""
    return Settings(_env_file=None, database_url=database_url, load_demo_guides=False,
                    scheduler_enabled=False)


@pytest.fixture
async def harness(settings: Settings, clock: ManualClock) -> AsyncIterator[BotHarness]:
    """The real app over an empty knowledge base."""
    h = await BotHarness(settings, clock).start()
    yield h
    await h.close()


@pytest.fixture
async def kb_harness(settings: Settings, clock: ManualClock,
                     demo_databases: DemoDatabases) -> AsyncIterator[BotHarness]:
    """The real app with the bundled demo guides loaded."""
    await demo_databases.restore(settings, clock)  # on SQLite: copied in, already imported
    h = await BotHarness(settings, clock, load_demo=True).start()
    yield h
    await h.close()


class _Collect(logging.Handler):
    """Keeps the records of one logger for the length of a test."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def _collect_boundary() -> Iterator[list[logging.LogRecord]]:
    collect = _Collect()
    boundary = logging.getLogger(ERROR_BOUNDARY_LOGGER)
    boundary.addHandler(collect)
    try:
        yield collect.records
    finally:
        boundary.removeHandler(collect)


@pytest.fixture
def error_boundary() -> Iterator[list[logging.LogRecord]]:
    """Request this in a test that provokes the dispatcher's error boundary on purpose.

    It is the live list of the boundary's log records, so the test can assert that it fired.
    """
    with _collect_boundary() as records:
        yield records


@pytest.fixture(autouse=True)
def _fail_on_error_boundary(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail any test in which the dispatcher's catch-all fired without the test asking for it."""
    if "error_boundary" in request.fixturenames:
        yield
        return
    with _collect_boundary() as records:
        yield
    if records:
        first = records[0]
        trace = logging.Formatter().formatException(first.exc_info) if first.exc_info else ""
        pytest.fail(f"the dispatcher's error boundary fired {len(records)} time(s) "
                    f"(request the `error_boundary` fixture if this is on purpose):\n"
                    f"{first.getMessage()}\n{trace}", pytrace=False)
