"""The warehouse engine: one place that knows how to connect to PostgreSQL or SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from threading import Lock

from sqlalchemy import Connection, Engine, Table, create_engine, event

_SHARED: dict[str, Engine] = {}
_SHARING = Lock()


def warehouse_engine(url: str) -> Engine:
    """The process's one engine (and connection pool) for the warehouse at `url`: tasks, callbacks, the listener and
    the web pages of one process share it."""
    with _SHARING:
        if url not in _SHARED:
            _SHARED[url] = make_engine(url)
        return _SHARED[url]


def dispose_shared_engines() -> None:
    """Close every shared engine's pooled connections and forget the engines (a warehouse thrown away, as each test's
    is)."""
    with _SHARING:
        for engine in _SHARED.values():
            engine.dispose()
        _SHARED.clear()


def make_engine(url: str) -> Engine:
    """A new engine of its own (a test's throw-away warehouse, a migration); the pipeline uses warehouse_engine."""
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            # Let readers (the CLI summary, the Airflow UI's users) query while a run writes.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def consistent_read(engine: Engine) -> Iterator[Connection]:
    """A connection whose queries all see one snapshot of the warehouse, whatever commits meanwhile: REPEATABLE
    READ on PostgreSQL; on SQLite an explicit BEGIN, because the driver starts no transaction before a SELECT
    (each query would see the latest commit, whatever isolation level SQLAlchemy is told)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            yield conn
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN")
        yield conn  # closing the connection rolls the read transaction back


def refresh_statistics(engine: Engine, *tables: Table) -> None:
    """Let PostgreSQL's planner know what a bulk load just wrote. Autovacuum would, minutes later: until then it
    plans a day of a million rows as a few hundred (nested loops, sorts spilling to disk)."""
    with engine.begin() as conn:
        analyze(conn, *tables)


def analyze(conn: Connection, *tables: Table) -> None:
    """ANALYZE the tables on PostgreSQL, in the caller's transaction (which counts the rows it wrote itself)."""
    if conn.dialect.name == "postgresql" and tables:
        preparer = conn.dialect.identifier_preparer
        conn.exec_driver_sql("ANALYZE " + ", ".join(preparer.format_table(table) for table in tables))


# A day's marts sort and hash a million seats and enrolments: PostgreSQL's default 4 MB spills them to disk.
_MART_WORK_MEM = "64MB"


def tune_for_marts(conn: Connection) -> None:
    """For the rest of the caller's transaction (PostgreSQL; SET LOCAL ends with it): raise work_mem, and turn JIT
    off. The marts' plans are costed by the size of the snapshot tables, which grow by a day every day: with 30 days
    of history the seat query crosses jit_optimize_above_cost, and compiling it (inlining and optimising every
    expression, once in each parallel worker) took 6 of its 14 s at 200,000 rows, for hash joins and counts that
    interpreted expressions run at the same speed."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL work_mem = '{_MART_WORK_MEM}'")
        conn.exec_driver_sql("SET LOCAL jit = off")
