"""The real entry point as a subprocess: --check, readable one-line failures, a token Discord rejects.

Exit codes: 78 (EX_CONFIG) for every mistake a restart cannot mend, so the systemd unit does not
restart on it; 4 (database unreachable) and 5 (Discord unreachable) for what a restart may mend.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bot.localdiscord import LocalDiscord

EXIT_CONFIG, EXIT_DATABASE = 78, 4
ROOT = Path(__file__).resolve().parents[1]


def _run(args, env_extra, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATA_DIR", "DATABASE_"))}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=60, check=False
    )


def test_check_passes_with_no_env(tmp_path):
    result = _run(["--check"], {"DATABASE_PATH": str(tmp_path / "x.sqlite3")}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "check passed" in result.stdout and "24 episodes" in result.stdout


def test_broken_yaml_names_file_line_and_field(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    text = (data / "cast.yaml").read_text(encoding="utf-8")
    (data / "cast.yaml").write_text(text.replace("first_season: 3", "first_season: three", 1), encoding="utf-8")
    result = _run(["--check"], {"DATA_DIR": str(data), "DATABASE_PATH": str(tmp_path / "x.sqlite3")}, tmp_path)
    assert result.returncode == EXIT_CONFIG
    assert "Traceback" not in result.stderr
    assert "data/cast.yaml:" in result.stderr and "first_season: 'three' is not allowed" in result.stderr


def test_no_token_is_one_line_without_traceback(tmp_path):
    result = _run([], {"DATABASE_PATH": str(tmp_path / "x.sqlite3")}, tmp_path)
    assert result.returncode == EXIT_CONFIG
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "DISCORD_TOKEN is not set" in lines[0]
    assert "heartstopper-bot playground" in lines[0]  # the way to try it without a token


def test_playground_with_broken_content_says_what_check_says(tmp_path):
    """A pack author's mistake reads the same in the playground as in --check: file, line, field."""
    content = tmp_path / "my-content"
    shutil.copytree(ROOT / "data", content)
    pack = content / "trivia" / "season-1.yaml"
    pack.write_text(pack.read_text(encoding="utf-8").replace("difficulty: easy", "difficulty: trivial", 1), "utf-8")
    check = _run(["--check"], {"DATA_DIR": str(content), "DATABASE_PATH": str(tmp_path / "x.sqlite3")}, tmp_path)
    played = _run(["playground", "--port", "0", "--data-dir", str(content)], {}, tmp_path)
    assert played.returncode == check.returncode == EXIT_CONFIG
    assert "my-content/trivia/season-1.yaml:" in played.stderr and "'trivial' is not allowed" in played.stderr
    assert played.stderr == check.stderr and "Traceback" not in played.stderr


def test_newer_database_is_refused(tmp_path):
    import sqlite3

    path = tmp_path / "x.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    result = _run(["--check"], {"DATABASE_PATH": str(path)}, tmp_path)
    assert result.returncode == EXIT_CONFIG and "newer than this code" in result.stderr
    assert "Traceback" not in result.stderr


async def test_check_on_postgresql_and_its_failures_in_one_line(tmp_path, pg):
    from bot.storage import open_database
    from bot.storage.migrate import latest_version

    url = await pg.empty()
    result = await asyncio.to_thread(_run, ["--check"], {"DATABASE_URL": url}, tmp_path)
    assert result.returncode == 0, result.stderr
    migrated = f"(postgresql) at schema version {latest_version('postgresql')}"
    assert migrated in result.stdout  # migrated by the check itself

    db = await open_database(url)
    await db.execute("INSERT INTO schema_version (version, name) VALUES (99, '0099_future.sql')")
    await db.close()
    newer = await asyncio.to_thread(_run, ["--check"], {"DATABASE_URL": url}, tmp_path)
    assert newer.returncode == EXIT_CONFIG and "newer than this code" in newer.stderr

    down = await asyncio.to_thread(
        _run, ["--check"], {"DATABASE_URL": "postgresql://bot:hunter2@127.0.0.1:1/heartstopper"}, tmp_path
    )
    assert down.returncode == EXIT_DATABASE and down.stderr.count("\n") == 1
    assert "cannot open the database at postgresql://bot:***@127.0.0.1:1/heartstopper" in down.stderr
    assert "hunter2" not in down.stderr and "Traceback" not in down.stderr

    wrong = await asyncio.to_thread(_run, ["--check"], {"DATABASE_URL": "mysql://bot@db/heartstopper"}, tmp_path)
    assert wrong.returncode == EXIT_CONFIG and "DATABASE_URL must be a URL starting with postgresql://" in wrong.stderr

    # The password as a query parameter, which asyncpg accepts: --check's summary masks it too.
    query = url + "?password=hunter2&sslmode=disable"
    checked = await asyncio.to_thread(_run, ["--check"], {"DATABASE_URL": query}, tmp_path)
    assert checked.returncode == EXIT_CONFIG  # the schema is still newer than the code
    assert "password=***" in checked.stderr and "hunter2" not in checked.stderr + checked.stdout


async def test_check_summary_never_shows_a_password(tmp_path, pg):
    url = await pg.fresh()
    for secret_url in (
        url.replace("postgres@", "postgres:hunter2@", 1),  # trust auth: the password is ignored, the check passes
        url + "?password=hunter2&application_name=bot",
    ):
        result = await asyncio.to_thread(_run, ["--check"], {"DATABASE_URL": secret_url}, tmp_path)
        assert result.returncode == 0, result.stderr
        assert "check passed" in result.stdout and "(postgresql) at schema version" in result.stdout
        assert "hunter2" not in result.stdout + result.stderr


def test_a_mistyped_url_is_a_configuration_error_that_hides_the_password(tmp_path):
    for key, value in (
        ("DATABASE_URL", "postgres://bot:hunter2@db host/heartstopper"),
        ("REDIS_URL", "redis://:hunter2@cache 6379/0"),
    ):
        result = _run(["--check"], {key: value, "DATABASE_PATH": str(tmp_path / "x.sqlite3")}, tmp_path)
        assert result.returncode == EXIT_CONFIG
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(f"heartstopper-bot: {key} must be a URL") and "hunter2" not in line


async def _spawn_bot(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    """The real entry point as its own process, output captured."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=cwd,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_token_discord_rejects_and_real_process_start(tmp_path, restore_endpoints):
    fake = await LocalDiscord().start()
    try:
        fake.token_ok = False
        env = {**fake.env(), "DATABASE_PATH": str(tmp_path / "x.sqlite3")}
        proc = await _spawn_bot(env, tmp_path)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == EXIT_CONFIG and "Discord rejected DISCORD_TOKEN" in err.decode()
        assert "Traceback" not in err.decode() and "test-token" not in err.decode()
        # Now a good token: the real process reaches READY, then SIGTERM closes it cleanly.
        fake.token_ok = True
        fake.add_guild()
        proc = await _spawn_bot(env, tmp_path)
        await asyncio.wait_for(fake.ready_sent.wait(), 30)
        await fake.wait_for("PUT", r"/commands$")
        proc.terminate()
        _, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, err.decode()
        assert "database closed" in err.decode() and "test-token" not in err.decode()
    finally:
        await fake.stop()
