"""What ships for deployment: the systemd unit, the Dockerfile, compose.yaml and the health check script.

The unit is checked by ``systemd-analyze verify`` (on a copy whose ExecStart is a stub, as the bot is not
installed at /opt here) and line by line; compose.yaml, which cannot run here, by its structure
(``python -m tests.test_deploy compose.yaml`` runs the same check for .ci/container-check). The image
itself is built and run against the local Discord by .ci/container-check.
"""

from __future__ import annotations

import http.server
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from bot.settings import SETTING_KEYS, load_settings

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "deploy" / "heartstopper-bot.service"
INSTALLED = "/opt/heartstopper-bot/bin/heartstopper-bot"
STATE = "/var/lib/heartstopper-bot"


# --- the systemd unit ---------------------------------------------------------------------------------------
def unit_entries(text: str) -> dict[str, list[tuple[str, str]]]:
    """Section -> [(key, value)] in order; a key may repeat (systemd appends or resets)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
            continue
        assert current is not None, f"{line!r} outside a section"
        key, _, value = line.partition("=")
        current.append((key.strip(), value.strip()))
    return sections


def unit_value(section: list[tuple[str, str]], key: str) -> str:
    values = [v for k, v in section if k == key]
    assert values, f"{key}= is missing"
    return values[-1]


def test_unit_key_lines():
    unit = unit_entries(UNIT.read_text(encoding="utf-8"))
    service = unit["Service"]
    assert unit_value(service, "ExecStart") == INSTALLED
    assert unit_value(service, "User") == unit_value(service, "Group") == "heartstopper-bot"
    assert unit_value(service, "EnvironmentFile") == "/etc/heartstopper-bot/env"  # no "-": a missing file is an error
    assert unit_value(service, "StateDirectory") == "heartstopper-bot"
    assert f"DATABASE_PATH={STATE}/heartstopper.sqlite3" in [v for k, v in service if k == "Environment"]
    assert unit_value(service, "Restart") == "on-failure"
    assert re.fullmatch(r"\d+s?", unit_value(service, "RestartSec"))
    assert unit_value(service, "RestartPreventExitStatus") == "78"  # EX_CONFIG: a configuration error
    assert unit_value(service, "KillSignal") == "SIGTERM"
    assert re.fullmatch(r"\d+s?", unit_value(service, "TimeoutStopSec"))
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "ReadWritePaths": STATE,
        "CapabilityBoundingSet": "",
    }.items():
        assert unit_value(service, key) == value, key
    assert unit_value(unit["Install"], "WantedBy") == "multi-user.target"
    assert unit_value(unit["Unit"], "After") == "network-online.target"


def test_sysusers_creates_the_units_user():
    line = next(
        ln
        for ln in (ROOT / "deploy" / "heartstopper-bot.sysusers").read_text(encoding="utf-8").splitlines()
        if ln.startswith("u ")
    )
    assert line.split()[1] == "heartstopper-bot"
    assert STATE in line


def test_unit_passes_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if os.environ.get("CI"):
            pytest.fail("CI must verify the unit, but systemd-analyze is missing (apt-get install systemd)")
        pytest.skip("systemd-analyze is not installed here: apt-get install systemd")
    # verify checks that ExecStart is executable; the bot is not installed at /opt here, so a copy of the
    # unit runs a stub instead. Everything else is the shipped file, byte for byte.
    stub = tmp_path / "heartstopper-bot"
    stub.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    stub.chmod(0o755)
    text = UNIT.read_text(encoding="utf-8")
    assert text.count(f"ExecStart={INSTALLED}\n") == 1
    copy = tmp_path / UNIT.name
    copy.write_text(text.replace(f"ExecStart={INSTALLED}\n", f"ExecStart={stub}\n"), encoding="utf-8")
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(copy)], capture_output=True, text=True, timeout=60, check=False
    )
    output = result.stdout + result.stderr
    about_unit = [line for line in output.splitlines() if UNIT.name in line or str(tmp_path) in line]
    assert result.returncode == 0 and not about_unit, output


def test_unit_restart_prevention_matches_the_bots_configuration_exit_code(tmp_path):
    """A configuration error exits with the code the unit does not restart on (a token missing, a bad setting)."""
    prevent = unit_value(unit_entries(UNIT.read_text(encoding="utf-8"))["Service"], "RestartPreventExitStatus")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATA_DIR", "DATABASE_", "LOG_"))}
    env["DATABASE_PATH"] = str(tmp_path / "x.sqlite3")
    empty = tmp_path / "empty.env"  # no .env from the checkout: the token is really missing
    empty.write_text("", encoding="utf-8")
    for extra in ({}, {"DISCORD_TOKEN": "x", "LOG_LEVEL": "LOUD"}):
        result = subprocess.run(
            [sys.executable, "-m", "bot", "--env-file", str(empty)],
            env={**env, **extra},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert str(result.returncode) == prevent, (extra, result.returncode, result.stderr)


def test_example_env_file_names_only_settings():
    text = (ROOT / "deploy" / "heartstopper-bot.env").read_text(encoding="utf-8")
    keys = re.findall(r"^#?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE)
    assert "DISCORD_TOKEN" in keys
    assert set(keys) <= set(SETTING_KEYS), set(keys) - set(SETTING_KEYS)


# --- the Dockerfile -----------------------------------------------------------------------------------------
def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        if raw.lstrip().startswith("#"):
            continue
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        line = (pending + raw).strip()
        pending = ""
        if line:
            lines.append(line)
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1] if " " in ln else "") for ln in lines]


def test_dockerfile_is_multi_stage_unprivileged_and_healthchecked():
    instructions = dockerfile_instructions((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    assert instructions[0] == ("ARG", "BASE_IMAGE=python:3.11-slim-bookworm")  # overridable base
    froms = [args for op, args in instructions if op == "FROM"]
    assert froms == ["${BASE_IMAGE} AS build", "${BASE_IMAGE}"]
    runtime = instructions[[i for i, (op, _) in enumerate(instructions) if op == "FROM"][1] :]
    build = instructions[: len(instructions) - len(runtime)]
    assert any(op == "RUN" and "pip install '.[postgresql,redis]'" in args for op, args in build)
    copies = [args for op, args in runtime if op == "COPY"]
    assert "--from=build /opt/heartstopper-bot /opt/heartstopper-bot" in copies
    assert not [c for c in copies if c.split()[0] in {"bot", "cogs", "data", "."}]  # the venv only, no source
    args = dict(a.split("=", 1) for op, a in runtime if op == "ARG" and "=" in a)
    user = next(a for op, a in runtime if op == "USER")
    assert re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], user) == "10001:10001"
    env = " ".join(a for op, a in runtime if op == "ENV")
    assert f"DATABASE_PATH={STATE}/heartstopper.sqlite3" in env
    assert "HEALTH_ADDRESS=0.0.0.0:8080" in env
    assert ("VOLUME", f'["{STATE}"]') in runtime
    health = next(a for op, a in runtime if op == "HEALTHCHECK")
    assert "healthcheck.py" in health and "curl" not in health
    assert ("ENTRYPOINT", '["heartstopper-bot"]') in runtime
    assert ("STOPSIGNAL", "SIGTERM") in runtime
    assert any(op == "LABEL" and "org.opencontainers.image.title" in a for op, a in runtime)


def test_the_images_settings_are_valid_settings(tmp_path):
    """The ENV the Dockerfile sets (HEALTH_ADDRESS on every interface, DATABASE_PATH in the volume) parses."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    env = dict(re.findall(r"\b(HEALTH_ADDRESS|DATABASE_PATH)=(\S+)", text))
    assert set(env) == {"HEALTH_ADDRESS", "DATABASE_PATH"}
    load_settings(env)  # raises SettingsError naming the key if the bot would refuse it


def test_dockerignore_keeps_out_what_must_not_ship():
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    for name in (".git", ".venv", ".ci-venv", "state", "**/__pycache__", ".pytest_cache", ".hypothesis", ".env"):
        assert name in ignored, name
    for needed in ("pyproject.toml", "README.md", "bot", "cogs", "data", "deploy"):
        assert needed not in ignored, needed  # the Dockerfile copies these


# --- the health check script ---------------------------------------------------------------------------------
def _healthcheck_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deploy_healthcheck", ROOT / "deploy" / "healthcheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("environ", "url"),
    [
        ({}, "http://127.0.0.1:8080/readyz"),
        ({"HEALTH_ADDRESS": "0.0.0.0:8080"}, "http://127.0.0.1:8080/readyz"),
        ({"HEALTH_ADDRESS": ":9100"}, "http://127.0.0.1:9100/readyz"),
        ({"HEALTH_ADDRESS": "[::]:9100"}, "http://[::1]:9100/readyz"),
        ({"HEALTH_ADDRESS": "10.1.2.3:8080"}, "http://10.1.2.3:8080/readyz"),
        ({"HEALTH_ADDRESS": "x:1", "HEALTHCHECK_URL": "http://127.0.0.1:5/readyz"}, "http://127.0.0.1:5/readyz"),
    ],
)
def test_healthcheck_asks_readyz_where_the_bot_listens(environ, url):
    assert _healthcheck_module().readyz_url(environ) == url


@contextmanager
def _answering(status: int) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b'{"ready": true}' if status == 200 else b'{"ready": false, "reasons": ["shard 0 is not READY"]}'
            self.send_response(status if self.path == "/readyz" else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _healthcheck(address: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "HEALTHCHECK_URL"} | {"HEALTH_ADDRESS": address}
    return subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "healthcheck.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_healthcheck_exit_code_follows_readyz():
    with _answering(200) as address:
        ok = _healthcheck(address)
    with _answering(503) as address:
        not_ready = _healthcheck(address)
    down = _healthcheck(address)  # nothing listens there any more
    assert ok.returncode == 0 and "200" in ok.stdout, ok
    assert not_ready.returncode == 1 and "503" in not_ready.stdout and "shard 0" in not_ready.stdout, not_ready
    assert down.returncode == 1 and not down.stderr, down  # one line, no traceback


# --- compose.yaml ---------------------------------------------------------------------------------------------
def compose_problems(path: Path) -> list[str]:
    """What would keep compose.yaml from starting the bot on PostgreSQL and Redis, in plain words."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return [f"{path}: {exc}"]
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict):
        return [f"{path}: no services: mapping"]
    problems: list[str] = []
    services: dict[str, Any] = doc["services"]
    declared = set((doc.get("volumes") or {}).keys())
    for name in ("bot", "postgres", "redis"):
        service = services.get(name)
        if not isinstance(service, dict):
            problems.append(f"services.{name} is missing")
            continue
        if "image" not in service and "build" not in service:
            problems.append(f"services.{name} has neither image nor build")
        test = (service.get("healthcheck") or {}).get("test")
        if not (isinstance(test, list) and test and test[0] in {"CMD", "CMD-SHELL"}):
            problems.append(f"services.{name}.healthcheck.test is missing or not a CMD/CMD-SHELL list")
        for mount in service.get("volumes") or []:
            source = str(mount).split(":", 1)[0]
            if not source.startswith((".", "/", "~")) and source not in declared:
                problems.append(f"services.{name}.volumes: {source} is not declared under volumes:")
    bot = services.get("bot")
    if isinstance(bot, dict):
        env = bot.get("environment") or {}
        if isinstance(env, list):
            env = dict(str(item).split("=", 1) for item in env)
        if not str(env.get("DATABASE_URL", "")).startswith("postgresql://") or "@postgres:" not in str(
            env.get("DATABASE_URL", "")
        ):
            problems.append("services.bot.environment.DATABASE_URL must be postgresql://…@postgres:…")
        if not str(env.get("REDIS_URL", "")).startswith("redis://redis:"):
            problems.append("services.bot.environment.REDIS_URL must be redis://redis:…")
        if "DISCORD_TOKEN" in env:
            problems.append("services.bot.environment must not hold DISCORD_TOKEN: it comes from the env file")
        if not bot.get("env_file"):
            problems.append("services.bot.env_file is missing (the token comes from it)")
        depends = bot.get("depends_on") or {}
        for needed in ("postgres", "redis"):
            condition = (depends.get(needed) or {}).get("condition") if isinstance(depends, dict) else None
            if condition != "service_healthy":
                problems.append(f"services.bot.depends_on.{needed}.condition must be service_healthy")
        mounts = [str(m) for m in bot.get("volumes") or []]
        if not any(m.endswith(f":{STATE}") and m.split(":", 1)[0] in declared for m in mounts):
            problems.append(f"services.bot.volumes needs a named volume on {STATE}")
        if "healthcheck.py" not in " ".join(map(str, (bot.get("healthcheck") or {}).get("test") or [])):
            problems.append("services.bot.healthcheck must run the image's healthcheck.py")
    postgres = services.get("postgres")
    if isinstance(postgres, dict) and not any(
        str(m).split(":", 1)[0] in declared for m in postgres.get("volumes") or []
    ):
        problems.append("services.postgres needs a named volume for its data")
    return problems


def test_compose_file_runs_the_bot_on_postgresql_and_redis():
    assert compose_problems(ROOT / "compose.yaml") == []


def test_compose_check_finds_what_is_wrong(tmp_path):
    doc = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    del doc["services"]["bot"]["depends_on"]["redis"]
    doc["services"]["bot"]["environment"]["DISCORD_TOKEN"] = "oops"
    del doc["volumes"]["postgres-data"]
    broken = tmp_path / "compose.yaml"
    broken.write_text(yaml.safe_dump(doc), encoding="utf-8")
    problems = compose_problems(broken)
    assert any("depends_on.redis" in p for p in problems)
    assert any("DISCORD_TOKEN" in p for p in problems)
    assert any("postgres-data is not declared" in p for p in problems)


def main(argv: list[str]) -> int:
    problems = [p for name in argv or ["compose.yaml"] for p in compose_problems(Path(name))]
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"ok: {' '.join(argv or ['compose.yaml'])}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
