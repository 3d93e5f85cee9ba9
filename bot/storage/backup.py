"""Backups taken while the bot runs, and restores that check a file before they replace anything.

SQLite (``backup_sqlite``, ``restore_sqlite``):

- A backup is SQLite's online backup API (``sqlite3.Connection.backup``) from a connection of its
  own, run in a worker thread (the copy releases the GIL, so the event loop of an in-process caller
  keeps running). It copies 1 MiB steps with a short sleep between them. The API restarts a stepped
  copy whenever another connection writes to the source between two steps, and under a bot's steady
  writes a stepped copy of a large file never ends (measured: a write every millisecond kept a 25 MB
  copy restarting for a minute). So the first restart switches to one step: a single read
  transaction over the whole file, which in WAL mode holds back no writer (only checkpoints wait for
  it). Either way the copy is one consistent state of the database: never half of a transaction.
- The copy goes to a temporary file beside the destination, is switched to ``journal_mode=DELETE``
  (one self-contained file), passes ``PRAGMA integrity_check``, is synced to disk and only then
  renamed over the destination: a crash or a full disk never leaves a half-written backup under
  the name asked for.
- A restore copies the file to a temporary file beside ``DATABASE_PATH`` and checks *that copy*
  (what will become the database): ``integrity_check``, a heartstopper-bot schema, and a schema
  version no newer than this code's (an older one is fine: the bot migrates it at start). Then it
  makes sure no bot holds the database: in WAL mode a plain ``BEGIN EXCLUSIVE`` is the same as
  ``BEGIN IMMEDIATE`` and does not notice an idle bot, but with ``locking_mode=EXCLUSIVE`` opening
  the WAL needs the file's exclusive lock, which every open connection's shared lock refuses. Then
  the stale ``-wal``/``-shm`` go (a WAL left beside the new file would be replayed into it), the
  replaced file is kept beside it as ``….replaced-<UTC time>`` (a hard link, so no copy), and the
  new file is renamed into place. A refused restore changes nothing: the database is not opened
  until the file has passed every check. The in-use check sees the bot's locks only while nothing in
  the bot's process opens the file outside SQLite: closing any descriptor of a file drops every
  POSIX lock the process holds on it (SQLite's documented caveat), and nothing in the bot does.
- Start-up (``snapshot_before_migrating``) copies an SQLite file older than the code to
  ``<file>.pre-v<N>.bak`` the same way before the first migration touches it.

PostgreSQL (``backup_postgres``, ``restore_postgres``): ``pg_dump --format=custom``, because
``pg_restore`` can then read the whole archive back without a database (``--file=/dev/null``, every
data block decompressed: a truncated or damaged file is found before anything is touched), list its
tables and read its ``schema_version`` rows, and restore it in one transaction
(``--single-transaction --clean --if-exists``): a restore that fails half-way rolls back and leaves
the database as it was. A plain SQL dump allows none of that without running it. ``pg_dump`` reads
one snapshot, so the dump is consistent while the bot runs. The password never reaches a command
line (``ps`` shows those to every user): it goes to ``PGPASSWORD``; messages show the URL through
``redact_url`` and scrub it from the tools' own words. A restore refuses while other sessions are
connected to the database (a running bot holds a pool and its shard locks there) and when the
database holds tables the backup does not (they would survive ``--clean`` and break the next
migration): restore into an empty database then.

Errors: ``UnusableBackupError`` (the file cannot be restored by this code: missing, damaged, newer,
not the bot's) and ``BackupError`` (the database, a folder or a tool): the CLI maps them to exit
codes 78 and 4.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from bot.errors import BotError
from bot.redaction import redact_url, secrets_in
from bot.storage import is_postgres_url
from bot.storage.base import Database
from bot.storage.migrate import latest_version
from bot.storage.sqlite import SqliteDatabase

log = logging.getLogger(__name__)

STEP_PAGES = 256  # pages per step of a stepped copy: 1 MiB at SQLite's default 4 KiB page
STEP_SLEEP = 0.005  # seconds between steps: the bot's writes (and, in process, its event loop) go on
BUSY_TIMEOUT = 15.0  # seconds the backup's reader waits for a lock (a WAL recovery, a checkpoint)
IN_USE_TIMEOUT = 0.5  # seconds a restore waits for the database's exclusive lock before saying "in use"
_KEEP_OUT = ("-wal", "-shm", "-journal")  # beside a database file: never carried over a restore


class BackupError(BotError):
    """A backup or restore could not be done: the database, a folder or a tool (the CLI's exit 4)."""


class UnusableBackupError(BackupError):
    """The file cannot be restored by this code: missing, damaged, newer or not the bot's (exit 78)."""


class DatabaseInUseError(BackupError):
    """A running bot holds the database: a restore under it would be overwritten or corrupt it."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    size: int  # bytes
    schema_version: int
    seconds: float
    method: str  # how the copy was made, for the operator


@dataclass(frozen=True, slots=True)
class RestoreResult:
    source: Path
    target: str  # the file, or the URL without its password
    schema_version: int  # the backup's; the bot migrates it to ``latest`` at start
    latest: int
    kept: Path | None  # the SQLite file the restore replaced, kept beside it
    seconds: float


# --- SQLite --------------------------------------------------------------------------------------


class _SourceChanged(Exception):
    """The stepped copy restarted: another connection wrote between two steps."""


def _copy_pages(source: sqlite3.Connection, target: sqlite3.Connection) -> str:
    """Copy ``source`` into ``target`` in steps, or in one step once a write restarts the steps."""
    remaining_before: list[int] = []

    def progress(_status: int, remaining: int, _total: int) -> None:
        if remaining_before and remaining > remaining_before[0]:
            raise _SourceChanged
        remaining_before[:] = [remaining]
        if remaining:
            time.sleep(STEP_SLEEP)  # the API's own ``sleep`` only applies after SQLITE_BUSY, never between steps

    try:
        source.backup(target, pages=STEP_PAGES, progress=progress)
    except _SourceChanged:
        source.backup(target, pages=-1)
        return "SQLite online backup, in one step (the bot wrote during the stepped copy)"
    return f"SQLite online backup, in steps of {STEP_PAGES} pages"


def _schema_of(conn: sqlite3.Connection, name: str, *, restoring: bool = True) -> int:
    """The schema version of a database that passes ``integrity_check``, else refused; to be restored, it
    must also be the bot's and no newer than this code (a backup copies whatever the database is)."""
    try:
        problems = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise UnusableBackupError(
            f"{name} cannot be read as an SQLite database ({exc}): it is damaged or not a backup; use another file"
        ) from None
    if problems != ["ok"]:
        raise UnusableBackupError(
            f"{name} is damaged (integrity check: {problems[0]}; {len(problems)} problem(s)): use another backup"
        )
    latest = latest_version("sqlite")
    if not restoring:
        return version
    if version == 0 or "meta" not in tables:
        raise UnusableBackupError(f"{name} is not a heartstopper-bot database (no schema version): use another file")
    if version > latest:
        raise UnusableBackupError(
            f"{name} is at schema version {version}, newer than this code ({latest}): "
            "restore it with the heartstopper-bot version that made it"
        )
    return version


def backup_sqlite(source: Path, dest: Path) -> BackupResult:
    """A consistent, checked copy of the SQLite file ``source`` at ``dest`` (blocking: run it in a thread)."""
    started = time.perf_counter()
    if not source.is_file():
        raise BackupError(f"there is no SQLite database at {source}: check DATABASE_PATH")
    _check_destination(dest, source)
    part = _temp_beside(dest)
    try:
        src = sqlite3.connect(source, timeout=BUSY_TIMEOUT)
        dst = sqlite3.connect(part)
        try:
            src.execute("PRAGMA query_only = ON")
            method = _copy_pages(src, dst)
            dst.execute("PRAGMA journal_mode = DELETE")
            try:
                version = _schema_of(dst, f"the copy of {source}", restoring=False)
            except UnusableBackupError as exc:
                raise BackupError(f"{exc} (the database itself is: no backup was written)") from None
        except sqlite3.Error as exc:
            raise BackupError(f"cannot back up {source} ({exc}): check DATABASE_PATH and the disk") from None
        finally:
            src.close()
            dst.close()
        size = _install(part, dest)
    except OSError as exc:
        raise BackupError(f"cannot write {dest} ({exc.strerror or exc}): check the folder and free space") from None
    finally:
        part.unlink(missing_ok=True)
    return BackupResult(dest, size, version, time.perf_counter() - started, method)


def restore_sqlite(backup: Path, database: Path) -> RestoreResult:
    """Replace ``database`` with ``backup`` once the copy passed every check (blocking: run it in a thread)."""
    started = time.perf_counter()
    _check_backup_file(backup, database)
    database.parent.mkdir(parents=True, exist_ok=True)
    part = _temp_beside(database)
    try:
        shutil.copyfile(backup, part)
        try:
            with contextlib.closing(sqlite3.connect(f"{part.resolve().as_uri()}?immutable=1", uri=True)) as conn:
                version = _schema_of(conn, str(backup))
        except sqlite3.Error as exc:
            raise UnusableBackupError(f"{backup} cannot be opened as an SQLite database ({exc})") from None
        _refuse_if_in_use(database)
        _same_owner_and_mode(part, database)
        kept = _keep(database)
        for suffix in _KEEP_OUT:
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        _install(part, database)
    except OSError as exc:
        raise BackupError(f"cannot write {database} ({exc.strerror or exc}): check the folder and free space") from None
    finally:
        part.unlink(missing_ok=True)
    return RestoreResult(backup, str(database), version, latest_version("sqlite"), kept, time.perf_counter() - started)


def _refuse_if_in_use(database: Path) -> None:
    """Raise ``DatabaseInUseError`` while any connection (a running bot) has ``database`` open."""
    if not database.exists():
        return
    conn = sqlite3.connect(database, timeout=IN_USE_TIMEOUT, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorname in ("SQLITE_BUSY", "SQLITE_LOCKED"):
            raise DatabaseInUseError(
                f"{database} is in use by a running bot: stop the bot first, then restore"
            ) from None
        # Anything else: the current file is itself unreadable, and replacing it is the point.
        log.warning("the database being replaced is unreadable (%s); replacing it", exc)
    finally:
        conn.close()  # as the last connection, it folds any WAL into the file it keeps


def _same_owner_and_mode(part: Path, database: Path) -> None:
    """The restored file gets the replaced one's owner and mode: a restore run as root must not leave the
    bot's own user locked out of its database (best effort: only root may give a file away)."""
    if not database.exists():
        return
    shutil.copymode(database, part)
    info = database.stat()
    with contextlib.suppress(OSError):
        os.chown(part, info.st_uid, info.st_gid)


def _keep(database: Path) -> Path | None:
    """Keep the file a restore replaces, beside it (a hard link: no copy); None when there was none."""
    if not database.exists():
        return None
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = database.with_name(f"{database.name}.replaced-{stamp}")
    for n in range(2, 100):
        if not kept.exists():
            break
        kept = database.with_name(f"{database.name}.replaced-{stamp}-{n}")
    try:
        os.link(database, kept)
    except OSError:  # a filesystem without hard links
        shutil.copy2(database, kept)
    return kept


# --- PostgreSQL ----------------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not on PATH: install PostgreSQL's client programs (Debian: apt-get install "
            "postgresql-client, the server's major version or newer) and try again"
        )
    return found


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """``url`` without its password, for a command line, and the environment that carries the password.

    The userinfo password and ``?password=`` go to ``PGPASSWORD``, ``?passfile=`` to ``PGPASSFILE``.
    ``?sslpassword=`` has no environment variable, so it is refused rather than shown to ``ps``.
    """
    parts = urlsplit(url)
    env: dict[str, str] = {}
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _, host = netloc.rpartition("@")
        netloc = f"{userinfo.split(':', 1)[0]}@{host}"
        env["PGPASSWORD"] = unquote(parts.password)
    kept: list[str] = []
    for pair in parts.query.split("&") if parts.query else []:
        key, _, value = pair.partition("=")
        name = unquote(key).strip().lower()
        if name == "password":
            env["PGPASSWORD"] = unquote(value)
        elif name == "passfile":
            env["PGPASSFILE"] = unquote(value)
        elif name == "sslpassword":
            raise BackupError(
                "DATABASE_URL carries sslpassword, which pg_dump could only take on its command line: "
                "use a client key without a passphrase for backups, or run pg_dump yourself"
            )
        else:
            kept.append(pair)
    return urlunsplit(parts._replace(netloc=netloc, query="&".join(kept))), env


async def _run(tool: str, args: list[str], *, env: dict[str, str], secrets: list[str]) -> tuple[int, str, str]:
    """Run a PostgreSQL client program; its output with every secret of the URL masked."""
    proc = await asyncio.create_subprocess_exec(
        tool,
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **env},
    )
    out, err = await proc.communicate()
    return (
        proc.returncode or 0,
        _scrub(out.decode(errors="replace"), secrets),
        _scrub(err.decode(errors="replace"), secrets),
    )


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1].removeprefix("pg_restore: ").removeprefix("pg_dump: ") if lines else "no message"


_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+)(?: |$)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class _Archive:
    schema_version: int
    tables: frozenset[str]


async def _read_archive(pg_restore: str, path: Path, name: str, *, restoring: bool = True) -> _Archive:
    """Read a custom-format archive through without a database: its tables and schema version, or refused.
    To be restored it must also be the bot's and no newer than this code."""
    code, toc, err = await _run(pg_restore, ["--list", str(path)], env={}, secrets=[])
    if code:
        raise UnusableBackupError(
            f"{name} is not a pg_dump archive this pg_restore can read ({_last_line(err)}): "
            "use a file made by heartstopper-bot backup"
        )
    code, _, err = await _run(pg_restore, ["--file", os.devnull, str(path)], env={}, secrets=[])
    if code:
        raise UnusableBackupError(f"{name} is damaged ({_last_line(err)}): use another backup")
    code, data, err = await _run(
        pg_restore, ["--data-only", "--table=schema_version", "--file=-", str(path)], env={}, secrets=[]
    )
    versions = _copied_versions(data) if code == 0 else []
    tables = frozenset(t for schema, t in _TOC_TABLE.findall(toc) if schema == "public")
    if not restoring:
        return _Archive(max(versions, default=0), tables)
    if not versions:
        raise UnusableBackupError(f"{name} is not a heartstopper-bot database (no schema version): use another file")
    version, latest = max(versions), latest_version("postgresql")
    if version > latest:
        raise UnusableBackupError(
            f"{name} is at schema version {version}, newer than this code ({latest}): "
            "restore it with the heartstopper-bot version that made it"
        )
    return _Archive(version, tables)


def _copied_versions(script: str) -> list[int]:
    """The version column of ``schema_version``'s rows in a data-only restore script (its COPY block)."""
    versions: list[int] = []
    inside = False
    for line in script.splitlines():
        if line.startswith("COPY ") and "schema_version" in line:
            inside = True
        elif inside and line == "\\.":
            break
        elif inside and line.split("\t", 1)[0].isdigit():
            versions.append(int(line.split("\t", 1)[0]))
    return versions


async def backup_postgres(url: str, dest: Path) -> BackupResult:
    """``pg_dump --format=custom`` of the database at ``url`` into ``dest``, read back before it is kept."""
    started = time.perf_counter()
    pg_dump, pg_restore = _tool("pg_dump"), _tool("pg_restore")
    _check_destination(dest, None)
    dsn, env = libpq_target(url)
    part = _temp_beside(dest)
    try:
        code, _, err = await _run(
            pg_dump, ["--format=custom", "--file", str(part), "--dbname", dsn], env=env, secrets=secrets_in(url)
        )
        if code:
            raise BackupError(f"pg_dump could not back up {redact_url(url)}: {_last_line(err)}")
        try:
            archive = await _read_archive(pg_restore, part, f"the dump of {redact_url(url)}", restoring=False)
        except UnusableBackupError as exc:
            raise BackupError(str(exc)) from None
        size = _install(part, dest)
    except OSError as exc:
        raise BackupError(f"cannot write {dest} ({exc.strerror or exc}): check the folder and free space") from None
    finally:
        part.unlink(missing_ok=True)
    return BackupResult(dest, size, archive.schema_version, time.perf_counter() - started, "pg_dump, custom format")


# --clean --if-exists: drop what the archive holds, then create it; --single-transaction: all or nothing;
# --no-owner --no-privileges: the objects belong to whoever DATABASE_URL logs in as, on any server.
_RESTORE_OPTIONS = (
    "--clean",
    "--if-exists",
    "--single-transaction",
    "--exit-on-error",
    "--no-owner",
    "--no-privileges",
)


async def restore_postgres(backup: Path, url: str) -> RestoreResult:
    """Replace the bot's tables at ``url`` with the archive's, in one transaction, after the checks."""
    started = time.perf_counter()
    pg_restore = _tool("pg_restore")
    _check_backup_file(backup, None)
    archive = await _read_archive(pg_restore, backup, str(backup))
    await _refuse_busy_database(url, archive.tables)
    dsn, env = libpq_target(url)
    code, _, err = await _run(
        pg_restore,
        [*_RESTORE_OPTIONS, "--dbname", dsn, str(backup)],
        env=env,
        secrets=secrets_in(url),
    )
    if code:
        raise BackupError(
            f"pg_restore failed, and being one transaction changed nothing in {redact_url(url)}: {_last_line(err)}"
        )
    return RestoreResult(
        backup,
        redact_url(url),
        archive.schema_version,
        latest_version("postgresql"),
        None,
        time.perf_counter() - started,
    )


async def _refuse_busy_database(url: str, tables: frozenset[str]) -> None:
    """Refuse while other sessions use the database, or when it holds tables the archive would not replace."""
    import asyncpg  # the [postgresql] extra: only imported for a PostgreSQL restore

    try:
        conn = await asyncpg.connect(url)
    except (OSError, asyncpg.PostgresError) as exc:
        raise BackupError(
            f"cannot connect to {redact_url(url)} ({exc.__class__.__name__}): check DATABASE_URL"
        ) from None
    try:
        others = int(
            await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
        )
        present = {r[0] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    finally:
        await conn.close()
    if others:
        raise DatabaseInUseError(
            f"{redact_url(url)} has {others} other session(s) connected (a running bot holds some): "
            "stop the bot first, then restore"
        )
    extra = sorted(present - tables)
    if extra:
        raise BackupError(
            f"{redact_url(url)} holds tables the backup does not ({', '.join(extra)}): restore into an empty "
            "database (createdb) and point DATABASE_URL at it"
        )


# --- either store --------------------------------------------------------------------------------


async def backup(target: Path | str, dest: Path) -> BackupResult:
    """Back up the bot's database (``Settings.database_target``) into ``dest`` while the bot may run."""
    if is_postgres_url(target):
        return await backup_postgres(str(target), dest)
    return await asyncio.to_thread(backup_sqlite, Path(target), dest)


async def restore(source: Path, target: Path | str) -> RestoreResult:
    """Replace the bot's (stopped) database with the backup ``source``, after checking it."""
    if is_postgres_url(target):
        return await restore_postgres(source, str(target))
    return await asyncio.to_thread(restore_sqlite, source, Path(target))


async def snapshot_before_migrating(db: Database) -> Path | None:
    """Before start-up migrates an older SQLite schema, copy the file to ``<file>.pre-v<N>.bak``.

    PostgreSQL is left to the operator: several processes may start at once, the dump may be large,
    ``pg_dump`` may not be installed beside the bot (the container), and each migration runs in one
    transaction anyway; a log line says a ``heartstopper-bot backup`` first is the way back.
    """
    version = await db.schema_version()
    latest = latest_version(db.dialect)
    if version == 0 or version >= latest:
        return None
    if not isinstance(db, SqliteDatabase):
        log.warning(
            "the database is at schema version %d and this code migrates it to %d (each migration in one "
            "transaction); for a way back, take a heartstopper-bot backup before starting a new version",
            version,
            latest,
        )
        return None
    if str(db.path) == ":memory:":
        return None
    dest = db.path.with_name(f"{db.path.name}.pre-v{version}.bak")
    try:
        result = await asyncio.to_thread(backup_sqlite, db.path, dest)
    except BackupError as exc:
        raise BackupError(f"no snapshot before migrating from schema version {version}: {exc}") from None
    log.info(
        "schema version %d is older than this code's %d: took %s (%.1f MB) before migrating",
        version,
        latest,
        dest,
        result.size / 1e6,
    )
    return dest


# --- files ---------------------------------------------------------------------------------------


def _check_destination(dest: Path, source: Path | None) -> None:
    if dest.is_dir():
        raise BackupError(f"{dest} is a folder: name the backup file, e.g. {dest / 'heartstopper.bak'}")
    if not dest.parent.is_dir():
        raise BackupError(f"the folder {dest.parent} does not exist: create it first")
    if source is not None and dest.exists() and dest.samefile(source):
        raise BackupError(f"{dest} is the database itself: name another file for the backup")


def _check_backup_file(backup: Path, database: Path | None) -> None:
    if not backup.is_file():
        raise UnusableBackupError(f"there is no file at {backup}: name a file made by heartstopper-bot backup")
    if database is not None and database.exists() and backup.samefile(database):
        raise UnusableBackupError(f"{backup} is the database itself: name a backup file")


def _install(part: Path, dest: Path) -> int:
    """Sync ``part``, rename it over ``dest`` (atomic on one filesystem), sync the folder; the size in bytes."""
    _fsync(part)
    os.replace(part, dest)
    _fsync_dir(dest.parent)
    return dest.stat().st_size


def _temp_beside(path: Path) -> Path:
    """An empty file next to ``path`` (so the final rename stays on one filesystem and is atomic)."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    return Path(name)


def _fsync(path: Path) -> None:
    """Flush a file to disk before it is renamed into place."""
    with _opened(path) as fd:
        os.fsync(fd)


def _fsync_dir(folder: Path) -> None:
    """Flush a folder's entries after a rename (best effort: not every filesystem allows it)."""
    with contextlib.suppress(OSError), _opened(folder) as fd:
        os.fsync(fd)


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[int]:
    fd = os.open(path, os.O_RDONLY)
    try:
        yield fd
    finally:
        os.close(fd)
