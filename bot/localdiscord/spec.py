"""Check what the bot sent against Discord's OpenAPI description, plus what it does not describe.

The description is the copy the repository carries (``tests/discord-api-spec/openapi.json.gz``,
MIT, see SOURCE.md there), or the file named by ``DISCORD_API_SPEC``. It and ``jsonschema`` are
optional for an installed package (which has no ``tests/``): without them the schema part is skipped
and the hand-written checks (2,000 characters, 6,000 per embed set, mentions that ping nothing,
command names) still run.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import re
from pathlib import Path
from typing import Any, Protocol

from bot.localdiscord.middleware import Recorded

_COPY = Path("tests") / "discord-api-spec" / "openapi.json.gz"


def _spec_path() -> Path:
    """DISCORD_API_SPEC, else the copy in this checkout (beside the package, or under the cwd)."""
    if named := os.environ.get("DISCORD_API_SPEC"):
        return Path(named)
    beside = Path(__file__).resolve().parents[2] / _COPY
    return beside if beside.is_file() else Path.cwd() / _COPY


SPEC_PATH = _spec_path()
COMMAND_NAME = re.compile(r"^[-_a-z0-9]{1,32}$")


class _Validator(Protocol):
    def iter_errors(self, instance: Any) -> Any: ...


@functools.cache
def _spec() -> dict[str, Any] | None:
    if not SPEC_PATH.is_file():
        return None
    try:
        import jsonschema  # noqa: F401 - optional: only the schema checks need it
    except ImportError:
        return None
    raw = SPEC_PATH.read_bytes()
    spec: dict[str, Any] = json.loads(gzip.decompress(raw) if SPEC_PATH.suffix == ".gz" else raw)
    return spec


def spec_available() -> bool:
    return _spec() is not None


@functools.cache
def _operations() -> list[tuple[re.Pattern[str], str, _Validator]]:
    from jsonschema import Draft202012Validator

    spec = _spec()
    if spec is None:
        return []
    found: list[tuple[re.Pattern[str], str, _Validator]] = []
    for template, item in spec["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$")
        for method, op in item.items():
            if not isinstance(op, dict) or "requestBody" not in op:
                continue
            content = op["requestBody"].get("content", {}).get("application/json")
            if not content:
                continue
            schema = {"components": spec["components"], **content["schema"]}
            found.append((pattern, method.upper(), Draft202012Validator(schema)))
    return found


@functools.cache
def _answers() -> list[tuple[re.Pattern[str], str, str, _Validator]]:
    """(path pattern, method, status, validator) for every documented JSON answer."""
    from jsonschema import Draft202012Validator

    spec = _spec()
    if spec is None:
        return []
    found: list[tuple[re.Pattern[str], str, str, _Validator]] = []
    for template, item in spec["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$")
        for method, op in item.items():
            if not isinstance(op, dict):
                continue
            for status, response in (op.get("responses") or {}).items():
                if not isinstance(response, dict):
                    continue
                content = (response.get("content") or {}).get("application/json")
                if content and "schema" in content:
                    schema = {"components": spec["components"], **content["schema"]}
                    found.append((pattern, method.upper(), status, Draft202012Validator(schema)))
    return found


def check_response(method: str, path: str, status: int, body: Any) -> list[str]:
    """Problems with one of the stand-in's answers against the documented response shape; empty when fine.

    ``path`` is without the ``/api/v10`` prefix, as ``Recorded.path``. Undocumented answers pass.
    """
    problems: list[str] = []
    for pattern, op_method, op_status, validator in _answers():
        if op_method == method and op_status == str(status) and pattern.match(path):
            for error in validator.iter_errors(body):
                detail = error.context[0].message if error.context else error.message
                problems.append(f"{method} {path} -> {status}: schema: {detail[:300]}")
            break
    return problems


def _embed_size(embed: dict[str, Any]) -> int:
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "") + len((embed.get("author") or {}).get("name") or "")
    for fld in embed.get("fields") or []:
        total += len(fld.get("name") or "") + len(fld.get("value") or "")
    return total


def _message_checks(data: dict[str, Any], where: str) -> list[str]:
    problems = []
    if len(data.get("content") or "") > 2000:
        problems.append(f"{where}: content over 2000 characters")
    embeds = data.get("embeds") or []
    if sum(_embed_size(e) for e in embeds) > 6000:
        problems.append(f"{where}: embeds over 6000 characters together")
    mentions = data.get("allowed_mentions")
    if mentions is not None and (mentions.get("parse") or mentions.get("users") or mentions.get("roles")):
        problems.append(f"{where}: allowed_mentions lets something ping: {mentions}")
    return problems


def check_request(rec: Recorded) -> list[str]:
    """Problems with one request body; empty when it is fine."""
    problems: list[str] = []
    where = rec.route()
    if _spec() is not None and isinstance(rec.body, dict | list):
        for pattern, method, validator in _operations():
            if method == rec.method and pattern.match(rec.path):
                for error in validator.iter_errors(rec.body):
                    detail = error.context[0].message if error.context else error.message
                    problems.append(f"{where}: schema: {detail[:300]}")
                break
    if rec.path.endswith("/commands") and rec.method == "PUT":
        for cmd in rec.body:
            names = [cmd["name"]] + [o["name"] for o in cmd.get("options") or []]
            for sub in cmd.get("options") or []:
                names += [o["name"] for o in sub.get("options") or []]
            problems += [f"{where}: bad command/option name {n!r}" for n in names if not COMMAND_NAME.match(n)]
    if rec.method in ("POST", "PATCH") and isinstance(rec.body, dict):
        data = rec.body.get("data") if rec.path.endswith("/callback") else rec.body
        if isinstance(data, dict) and ("content" in data or "embeds" in data):
            problems += _message_checks(data, where)
    return problems


def check_all(requests: list[Recorded]) -> list[str]:
    return [p for rec in requests for p in check_request(rec)]
