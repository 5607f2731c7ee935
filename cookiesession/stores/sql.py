"""The SQL backend of the store: executes save plans with SQLAlchemy Core
on any engine it supports (SQLite, PostgreSQL, MySQL).

Two tables. The sessions table holds one row per store key (a session, a
regenerate tombstone, or the record of a signed cookie taken over): its
fields as one JSON object, and an indexed ``expires_at`` (milliseconds
since the epoch) that every read compares with now, so an expired row
never loads. The index table holds a user's sessions, one row per session,
each with its own expiry that only grows. A save is one transaction that
locks the session's row (``SELECT ... FOR UPDATE`` where the database has
it; SQLite takes its write lock at ``BEGIN IMMEDIATE`` on engines that
:meth:`~cookiesession.sql.SqlSessionInterface.from_url` makes).
"""

from __future__ import annotations

import json
import time
import typing as t
from collections.abc import Mapping

import sqlalchemy as sa

from .plan import META_CREATED, META_TOMB, SavePlan

__all__ = ["AsyncSqlStore", "SqlStore", "make_tables"]


def make_tables(metadata: sa.MetaData, name: str) -> tuple[sa.Table, sa.Table]:
    """The sessions table *name* and its index table ``name + "_index"``
    on *metadata*.

    .. versionadded:: 0.3
    """
    sessions = sa.Table(
        name,
        metadata,
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
    )
    index = sa.Table(
        f"{name}_index",
        metadata,
        sa.Column("user_index", sa.String(300), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("entry", sa.Text, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
    )
    return sessions, index


def _now_ms() -> int:
    return int(time.time() * 1000)


class SqlStore:
    """A :class:`~cookiesession.stores.protocol.Store` on a SQLAlchemy
    engine.

    :param engine: The engine.
    :param sessions: The sessions table, from :func:`make_tables`.
    :param index: The index table, from :func:`make_tables`.

    .. versionadded:: 0.3
    """

    def __init__(self, engine: sa.Engine, sessions: sa.Table, index: sa.Table) -> None:
        self.engine = engine
        self.sessions = sessions
        self.index_table = index

    # -- How each operation runs: one connection, a transaction to write --

    def _read(self, operation: t.Callable[[sa.Connection], t.Any]) -> t.Any:
        with self.engine.connect() as connection:
            return operation(connection)

    def _write(self, operation: t.Callable[[sa.Connection], t.Any]) -> t.Any:
        # ``BEGIN IMMEDIATE`` on the SQLite engines ``from_url`` makes, so
        # concurrent saves queue on the lock instead of failing.
        with (
            self.engine.connect().execution_options(
                cookiesession_write=True
            ) as connection,
            connection.begin(),
        ):
            return operation(connection)

    # -- Reads ---------------------------------------------------------------

    def load(self, key: str) -> Mapping[str, str]:
        """One SELECT; an expired row is not there."""
        table = self.sessions
        query = sa.select(table.c.fields).where(
            table.c.key == key, table.c.expires_at > _now_ms()
        )

        def load(connection: sa.Connection) -> Mapping[str, str]:
            fields = connection.execute(query).scalar()
            return (
                {} if fields is None else t.cast("dict[str, str]", json.loads(fields))
            )

        return t.cast("Mapping[str, str]", self._read(load))

    def index(self, index: str) -> Mapping[str, str]:
        table = self.index_table
        query = sa.select(table.c.key, table.c.entry).where(
            table.c.user_index == index, table.c.expires_at > _now_ms()
        )
        return t.cast(
            "Mapping[str, str]",
            self._read(lambda connection: dict(connection.execute(query).all())),
        )

    def alive(self, keys: list[str]) -> list[bool]:
        def alive(connection: sa.Connection) -> list[bool]:
            live = self._live(connection, keys)
            return [key in live for key in keys]

        return t.cast("list[bool]", self._read(alive))

    def _live(self, connection: sa.Connection, keys: list[str]) -> set[str]:
        """Which of *keys* are live sessions (not gone, not tombstones)."""
        table = self.sessions
        query = sa.select(table.c.key, table.c.fields).where(
            table.c.key.in_(keys), table.c.expires_at > _now_ms()
        )
        return {
            key
            for key, fields in connection.execute(query)
            if META_CREATED in json.loads(fields)
        }

    # -- Writes, each one transaction ----------------------------------------

    def _locked(self, connection: sa.Connection, key: str) -> dict[str, str] | None:
        """The live row's fields under *key*, locked for this transaction;
        ``None`` if there is none (an expired row is deleted)."""
        table = self.sessions
        query = sa.select(table.c.fields, table.c.expires_at).where(table.c.key == key)
        if connection.dialect.name != "sqlite":
            query = query.with_for_update()
        row = connection.execute(query).first()
        if row is None:
            return None
        if row.expires_at <= _now_ms():
            connection.execute(sa.delete(table).where(table.c.key == key))
            return None
        return t.cast("dict[str, str]", json.loads(row.fields))

    def _put(
        self,
        connection: sa.Connection,
        key: str,
        fields: Mapping[str, str],
        ttl_ms: int,
    ) -> None:
        # An UPDATE, not a DELETE and an INSERT: a transaction waiting on
        # this row's lock then reads the new version instead of no row.
        table = self.sessions
        values = {"fields": json.dumps(fields), "expires_at": _now_ms() + ttl_ms}
        update = sa.update(table).where(table.c.key == key).values(values)
        if not connection.execute(update).rowcount:
            connection.execute(sa.insert(table).values(key=key, **values))

    def _index_entry(
        self, connection: sa.Connection, index: str, key: str, entry: str, ttl_ms: int
    ) -> None:
        table = self.index_table
        where = (table.c.user_index == index) & (table.c.key == key)
        old = connection.execute(sa.select(table.c.expires_at).where(where)).scalar()
        values = {"entry": entry, "expires_at": max(_now_ms() + ttl_ms, old or 0)}
        if old is None:  # its expiry only ever grows
            connection.execute(
                sa.insert(table).values(user_index=index, key=key, **values)
            )
        else:
            connection.execute(sa.update(table).where(where).values(values))

    def save(self, plan: SavePlan) -> int:
        """Execute *plan* in one transaction: 1 if saved, 0 if the session
        was gone, 2 if it was regenerated or ended meanwhile. In both of the
        latter nothing is written (the checks come before every write), but
        an expired row the check met is deleted."""
        return t.cast(int, self._write(lambda connection: self._save(connection, plan)))

    def _save(self, connection: sa.Connection, plan: SavePlan) -> int:
        if plan.replaces is not None:
            old = self._locked(connection, plan.replaces)
            if old is None:
                return 0
            if META_TOMB in old or META_CREATED not in old:
                return 2
            self._put(connection, plan.key, plan.set_fields, plan.ttl_ms)
            self._tombstone(connection, plan.replaces, plan.grace_ms)
        elif plan.create:
            self._put(connection, plan.key, plan.set_fields, plan.ttl_ms)
        else:
            fields = self._locked(connection, plan.key)
            if fields is None:
                return 0
            if META_CREATED not in fields:
                return 2
            fields.update(plan.set_fields)
            for field in plan.delete_fields:
                fields.pop(field, None)
            self._put(connection, plan.key, fields, plan.ttl_ms)
        if plan.index is not None:
            entry, ttl = plan.index_entry, plan.ttl_ms
            self._index_entry(connection, plan.index, plan.key, entry, ttl)
        if plan.taken is not None:
            taken, taken_ttl = plan.taken
            record = self._locked(connection, taken) or {}
            self._put(connection, taken, {**record, "m:sid": plan.sid}, taken_ttl)
        return 1

    def _tombstone(self, connection: sa.Connection, key: str, grace_ms: int) -> None:
        if grace_ms > 0:
            self._put(connection, key, {META_TOMB: "1"}, grace_ms)
        else:
            table = self.sessions
            connection.execute(sa.delete(table).where(table.c.key == key))

    def retire(self, key: str, grace_ms: int) -> bool:
        def retire(connection: sa.Connection) -> bool:
            fields = self._locked(connection, key)
            if fields is None or META_CREATED not in fields:
                return False
            self._tombstone(connection, key, grace_ms)
            return True

        return t.cast(bool, self._write(retire))

    def delete(self, key: str) -> bool:
        table = self.sessions
        query = sa.delete(table).where(table.c.key == key)
        return t.cast(bool, self._write(lambda c: bool(c.execute(query).rowcount)))

    def unindex(self, index: str, keys: list[str]) -> None:
        table = self.index_table
        where = (table.c.user_index == index) & table.c.key.in_(keys)
        return t.cast(
            None,
            self._write(lambda c: c.execute(sa.delete(table).where(where)) and None),
        )

    def delete_all(self, index: str, keys: list[str], keep: bool = False) -> int:
        sessions, table = self.sessions, self.index_table
        entries = table.c.user_index == index
        if keep:
            entries = entries & table.c.key.in_(keys)

        def delete_all(connection: sa.Connection) -> int:
            live = self._live(connection, keys) if keys else set()
            if keys:
                connection.execute(sa.delete(sessions).where(sessions.c.key.in_(keys)))
            connection.execute(sa.delete(table).where(entries))
            return len(live)

        return t.cast(int, self._write(delete_all))

    # -- Expiry --------------------------------------------------------------

    def purge(self, limit: int = 1000) -> int:
        """Delete at most *limit* expired rows of each table, in one
        transaction; how many session rows went."""
        return t.cast(int, self._write(lambda c: self._purge(c, limit)))

    def _purge(self, connection: sa.Connection, limit: int) -> int:
        now = _now_ms()
        sessions, table = self.sessions, self.index_table
        expired = sa.select(sessions.c.key).where(sessions.c.expires_at <= now)
        keys = list(connection.execute(expired.limit(limit)).scalars())
        if keys:
            connection.execute(sa.delete(sessions).where(sessions.c.key.in_(keys)))
        pairs = sa.select(table.c.user_index, table.c.key).where(
            table.c.expires_at <= now
        )
        stale = [tuple(row) for row in connection.execute(pairs.limit(limit))]
        if stale:
            both = sa.tuple_(table.c.user_index, table.c.key)
            connection.execute(sa.delete(table).where(both.in_(stale)))
        return len(keys)


class AsyncSqlStore(SqlStore):
    """The async twin of :class:`SqlStore` on an asyncio engine: each
    operation is a coroutine running the same statements, through
    SQLAlchemy's ``run_sync`` on one async connection.

    .. versionadded:: 0.3
    """

    async def _read(self, operation: t.Callable[[sa.Connection], t.Any]) -> t.Any:
        engine: t.Any = self.engine
        async with engine.connect() as connection:
            return await connection.run_sync(operation)

    async def _write(self, operation: t.Callable[[sa.Connection], t.Any]) -> t.Any:
        engine: t.Any = self.engine
        async with engine.connect() as connection:
            writer = await connection.execution_options(cookiesession_write=True)
            async with writer.begin():
                return await writer.run_sync(operation)
