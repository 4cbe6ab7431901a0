"""Write a frame's rows into a table in the caller's transaction, as fast as the backend allows.

PostgreSQL gets one COPY of a CSV that pyarrow writes from the frame's columns: the rows never exist as Python
objects. Elsewhere (SQLite) the rows go through SQLAlchemy's executemany, whose type processors decide how each
value is stored. WriteBehind runs a stream of writes on a thread, each overlapping the caller's work on the next frame.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from types import TracebackType

import pandas as pd
import pyarrow as pa
from pyarrow import csv as pacsv
from sqlalchemy import Connection, Table, insert

from dlsei.warehouse.frames import records


def bulk_insert(conn: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Insert every row of `frame` (its columns named as the table's) into `table`; return the rows written."""
    if frame.empty:
        return 0
    if conn.dialect.name == "postgresql":
        _copy(conn, table, frame)
        return len(frame)
    # In batches: a registry extract of a million people as one list of dicts peaked at 2.1 GB.
    for start in range(0, len(frame), _EXECUTEMANY_BATCH):
        conn.execute(insert(table), records(frame.iloc[start : start + _EXECUTEMANY_BATCH]))
    return len(frame)


def _copy(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    # pyarrow writes a missing value as an empty unquoted field (COPY's NULL) and every string quoted (so "" stays
    # an empty string), timestamps with their zone, floats in their shortest round-trip form.
    buffer = io.BytesIO()
    pacsv.write_csv(
        pa.Table.from_pandas(frame, preserve_index=False),
        buffer,
        pacsv.WriteOptions(include_header=False),
    )
    buffer.seek(0)
    preparer = conn.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(str(name)) for name in frame.columns)
    statement = f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN WITH (FORMAT csv)"
    # The DBAPI connection under the caller's SQLAlchemy connection: the COPY runs in the caller's transaction.
    with conn.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
        cursor.copy_expert(statement, buffer, size=_COPY_PIECE)


_EXECUTEMANY_BATCH = 50_000

# psycopg2 reads the buffer in pieces of this size (8 kB by default: thousands of calls per chunk).
_COPY_PIECE = 1 << 20


class WriteBehind:
    """Run the writes of a stream of frames one behind the caller, in the caller's transaction.

    On PostgreSQL each write runs on a thread of its own while the caller prepares the next frame: a COPY or an
    INSERT spends its time waiting for the server with the GIL released, so the server writes one frame while
    Python works on the next (two cores busy instead of one). One write is in flight at a time, so memory holds at
    most the frame being written and the one being prepared; the caller must not use the connection until the
    writer is closed. Elsewhere each write is done at once.
    """

    def __init__(self, conn: Connection, write: Callable[[pd.DataFrame], object]) -> None:
        self._write = write
        self._thread = ThreadPoolExecutor(max_workers=1) if conn.dialect.name == "postgresql" else None
        self._pending: Future[object] | None = None

    def submit(self, frame: pd.DataFrame) -> None:
        """Wait for the previous write (raising its error, if it failed), then start this one."""
        self._finish_pending()
        if self._thread is None:
            self._write(frame)
        else:
            self._pending = self._thread.submit(self._write, frame)

    def _finish_pending(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def __enter__(self) -> WriteBehind:
        return self

    def __exit__(
        self, error: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        try:
            if error is None:
                self._finish_pending()
            elif self._pending is not None:
                # The caller is failing and will roll back: the write in flight must end first, whatever its outcome.
                wait([self._pending])
        finally:
            if self._thread is not None:
                self._thread.shutdown()
