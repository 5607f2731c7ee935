"""Server-side sessions in a SQL database: SQLite with no server, or
PostgreSQL (and MySQL) when there are many machines, through SQLAlchemy.

.. code-block:: python

    from cookiesession import SessionMiddleware
    from cookiesession.sql import SqlSessionInterface

    store = SqlSessionInterface.from_url("sqlite:///sessions.db")
    store.create_table()  # once; or hand store.table.metadata to Alembic
    application = SessionMiddleware(app, config, session_interface=store)

Needs ``pip install 'cookiesession[sql]'`` (SQLAlchemy 2). The rules are
those of every store (:mod:`cookiesession.redis`): a signed opaque id, the
row key its SHA-256, tagged JSON (never pickle), only changed keys written,
a save that never revives a session ended meanwhile, fixation-safe logins,
revocation and device lists. Expiry is built in: an expired row never
loads, and :meth:`SqlSessionInterface.purge` deletes expired rows in
bounded batches.
"""

from __future__ import annotations

import typing as t

from ._extras import requires

with requires("cookiesession.sql", "SQLAlchemy", "sql"):
    import sqlalchemy as sa

from .exceptions import SessionStoreError
from .sessions.lifetimes import EventHook, Validator
from .stores.aio import AsyncStoreSessionInterface
from .stores.base import ServerSession, StoreSessionInterface
from .stores.sql import AsyncSqlStore, SqlStore, make_tables

__all__ = ["AsyncSqlSessionInterface", "SqlSession", "SqlSessionInterface"]


class SqlSession(ServerSession):
    """A session kept in a SQL database.

    .. versionadded:: 0.3
    """

    __slots__ = ()


class _Tables:
    """What both SQL interfaces keep: the parameters (documented on
    :class:`SqlSessionInterface`), the engine, the tables, the purge
    schedule, and the error that names ``create_table``."""

    #: Builds the store on the engine and the tables: sync or async.
    _store_class: t.ClassVar[type[t.Any]]

    def __init__(
        self,
        engine: t.Any,
        *,
        table_name: str = "cookiesession_sessions",
        metadata: sa.MetaData | None = None,
        user_key: str | None = None,
        device_key: str | None = None,
        validator: Validator | None = None,
        event_hook: EventHook | None = None,
        accept_signed: bool = False,
        regenerate_grace: t.Any = 30,
        new_session_ttl: t.Any = 3600,
        purge_every: int | None = None,
    ) -> None:
        if purge_every is not None and purge_every < 1:
            raise ValueError(f"purge_every must be 1 or more, not {purge_every!r}.")
        #: The engine.
        self.engine = engine
        #: The ``MetaData`` holding :attr:`table` and :attr:`index_table`.
        self.metadata = sa.MetaData() if metadata is None else metadata
        #: The sessions table, and the index of users' sessions.
        self.table, self.index_table = make_tables(self.metadata, table_name)
        #: Saves between two bounded purges, or ``None``.
        self.purge_every = purge_every
        self._saves = 0
        super().__init__(  # type: ignore[call-arg]
            self._store_class(engine, self.table, self.index_table),
            key_prefix="",
            user_key=user_key,
            device_key=device_key,
            validator=validator,
            event_hook=event_hook,
            accept_signed=accept_signed,
            regenerate_grace=regenerate_grace,
            new_session_ttl=new_session_ttl,
        )

    def _purge_due(self) -> bool:
        if self.purge_every is None:
            return False
        self._saves += 1
        return self._saves % self.purge_every == 0

    def _explained(self, what: str, error: SessionStoreError) -> SessionStoreError:
        text = str(error.__cause__).lower()
        if "no such table" in text or ("does not exist" in text and "relation" in text):
            return SessionStoreError(
                f"The session store failed to {what}: the table"
                f" {self.table.name!r} does not exist. Create it with"
                " interface.create_table() (or a migration)."
            )
        return error


class SqlSessionInterface(_Tables, StoreSessionInterface):
    """Stores sessions in a SQL database; the cookie carries a signed,
    opaque id.

    :param engine: A SQLAlchemy engine. Engines made by :meth:`from_url`
        get SQLite's WAL mode, a busy timeout and ``BEGIN IMMEDIATE`` for
        writes, so several worker processes share one file.
    :param table_name: The sessions table; the index of users' sessions is
        ``table_name + "_index"``.
    :param metadata: The ``MetaData`` the tables join (an app's own, for
        Alembic); a new one by default.
    :param purge_every: Run a bounded :meth:`purge` after every this many
        saves of this process; ``None`` (the default) never does.

    The other parameters are those of
    :class:`~cookiesession.redis.RedisSessionInterface`.

    .. versionadded:: 0.3
    """

    session_class: type[ServerSession] = SqlSession

    _store_class = SqlStore

    @classmethod
    def from_url(cls, url: str, **kwargs: t.Any) -> SqlSessionInterface:
        """An interface on ``sqlalchemy.create_engine(url)``; for SQLite,
        in WAL mode with a 5-second busy timeout and ``BEGIN IMMEDIATE``
        for writes.

        :param kwargs: For the interface (``table_name``, ...).
        """
        engine = sa.create_engine(url)
        if engine.dialect.name == "sqlite":
            _queue_sqlite_writers(engine)
        return cls(engine, **kwargs)

    def create_table(self) -> None:
        """Create the two tables (and their indexes) if they do not exist."""
        self._call("create the tables", lambda: self.metadata.create_all(self.engine))

    def purge(self, limit: int = 1000) -> int:
        """Delete at most *limit* expired sessions (and index entries) in
        one transaction; returns how many sessions went."""
        return t.cast(int, self._call("purge", lambda: self.store.purge(limit)))  # type: ignore[attr-defined]

    def _write(self, app: t.Any, session: ServerSession, probation: bool = True) -> int:
        outcome = super()._write(app, session, probation)
        if self._purge_due():
            self.purge()
        return outcome

    def _call(self, what: str, operation: t.Callable[[], t.Any]) -> t.Any:
        try:
            return super()._call(what, operation)
        except SessionStoreError as e:
            raise self._explained(what, e) from e.__cause__


class AsyncSqlSessionInterface(_Tables, AsyncStoreSessionInterface):
    """:class:`SqlSessionInterface` for ``cookiesession.asgi``, over an
    asyncio engine (``sqlalchemy.ext.asyncio``): the same tables, rows and
    rules, so a WSGI app and an ASGI app share one database.
    :meth:`create_table`, :meth:`purge` and the user methods are
    coroutines.

    :param engine: An ``AsyncEngine`` (``sqlite+aiosqlite://``,
        ``postgresql+psycopg://``, ...). The other parameters are those of
        :class:`SqlSessionInterface`.

    .. versionadded:: 0.3
    """

    session_class: type[ServerSession] = SqlSession

    # Its methods are coroutines: the AsyncStore the interface awaits.
    _store_class = AsyncSqlStore

    @classmethod
    def from_url(cls, url: str, **kwargs: t.Any) -> AsyncSqlSessionInterface:
        """An interface on ``create_async_engine(url)``, set up for SQLite
        as :meth:`SqlSessionInterface.from_url` is.

        :param kwargs: For the interface (``table_name``, ...).
        """
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(url)
        if engine.dialect.name == "sqlite":
            _queue_sqlite_writers(engine.sync_engine)
        return cls(engine, **kwargs)

    async def create_table(self) -> None:
        """Create the two tables (and their indexes) if they do not exist."""

        async def create() -> None:
            async with self.engine.begin() as connection:
                await connection.run_sync(self.metadata.create_all)

        await self._await("create the tables", create())

    async def purge(self, limit: int = 1000) -> int:
        """As :meth:`SqlSessionInterface.purge` (a coroutine)."""
        purging: t.Any = self.async_store.purge(limit)  # type: ignore[attr-defined]
        return t.cast(int, await self._await("purge", purging))

    async def save_async(self, app: t.Any, session: t.Any, response: t.Any) -> t.Any:
        saved = await super().save_async(app, session, response)
        if self._purge_due():
            await self.purge()
        return saved

    async def _await(self, what: str, operation: t.Awaitable[t.Any]) -> t.Any:
        try:
            return await super()._await(what, operation)
        except SessionStoreError as e:
            raise self._explained(what, e) from e.__cause__


def _queue_sqlite_writers(engine: sa.Engine) -> None:
    """WAL (readers never wait for a writer), a busy timeout, and
    ``BEGIN IMMEDIATE`` for a write, so two processes saving at once queue
    on the lock instead of one failing to upgrade it."""

    @sa.event.listens_for(engine, "connect")
    def connect(dbapi_connection: t.Any, record: t.Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy begins
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def begin(connection: sa.Connection) -> None:
        # A read is one SELECT in autocommit mode, which WAL keeps
        # consistent; only a write takes the lock, up front.
        if connection.get_execution_options().get("cookiesession_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
